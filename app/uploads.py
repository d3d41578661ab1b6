"""Receiving an uploaded image: the multipart body is parsed as it arrives, and the image decodes
on a thread while its bytes are still coming in, straight from the received chunks (no temporary
file, no copy of the whole upload, Pillow never on the event loop). Used by ``POST /api/images``
and the page form ``POST /upload``.
"""

from __future__ import annotations

import asyncio
import io
import threading
from bisect import bisect_right
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from .imaging import DecodedImage, decode_upload
from .problems import Problem
from .settings import Settings
from .store import get_store
from .upload_limits import DecodeGate, UploadLimits

MAX_FORM_FIELDS = 100  # besides the file: the page's form sends two
MAX_FIELD_BYTES = 64 * 1024  # each text field (the body limit leaves this much room beside the file)
MALFORMED = "the multipart form is malformed: send the image as the form field 'file' (curl -F file=@photo.png)"
# Decoding starts as soon as the file part does, on one of the worker's decoder threads
# (``UploadLimits.decoders``, one per upload it admits), while the body is still arriving.


class _Aborted(Exception):
    """The upload stopped arriving (too large, malformed, client gone): the decoder gives up."""


class UploadStream:
    """A read-only, seekable binary file over an upload's bytes while they are still arriving.

    The event loop ``feed``s the multipart file part's data (memoryviews of the received chunks: no
    copy) and ``finish``es it at the part's end; a decoder thread reads, waiting for bytes that have
    not arrived yet. ``abort`` wakes a waiting reader with an error, so no decoder outlives its request.
    """

    def __init__(self) -> None:
        self._chunks: list[memoryview] = []
        self._ends: list[int] = []  # offset just past each chunk
        self._size = 0
        self._pos = 0
        self._done = False
        self._aborted = False
        self._changed = threading.Condition()

    # the event loop's side
    def feed(self, data: memoryview) -> None:
        if data:
            with self._changed:
                self._chunks.append(data)
                self._size += len(data)
                self._ends.append(self._size)
                self._changed.notify_all()

    def finish(self) -> None:
        with self._changed:
            self._done = True
            self._changed.notify_all()

    def abort(self) -> None:
        with self._changed:
            self._aborted = self._done = True
            self._changed.notify_all()

    @property
    def size(self) -> int:
        return self._size

    # the decoder's side (the file protocol Pillow uses)
    def _wait_for(self, end: int | None) -> int:
        """Wait until the bytes up to ``end`` (None: all of them) have arrived; return how many have."""
        with self._changed:
            while not self._done and (end is None or self._size < end):
                self._changed.wait()
            if self._aborted:
                raise _Aborted("the upload did not arrive")
            return self._size

    def read(self, n: int = -1) -> bytes:
        start = self._pos
        available = self._wait_for(None if n is None or n < 0 else start + n)
        stop = available if n is None or n < 0 else min(start + n, available)
        if stop <= start:
            return b""
        self._pos = stop
        i = bisect_right(self._ends, start)  # the chunk holding ``start``
        offset = start - (self._ends[i - 1] if i else 0)
        if stop <= self._ends[i]:  # the usual case: Pillow reads 64 KiB at a time, chunks are larger
            return bytes(self._chunks[i][offset:offset + stop - start])
        parts, need = [], stop - start
        while need:
            piece = self._chunks[i][offset:offset + need]
            parts.append(piece)
            need -= len(piece)
            i, offset = i + 1, 0
        return b"".join(parts)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence == io.SEEK_END:
            offset += self._wait_for(None)
        if offset < 0:
            raise ValueError("negative seek position")
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True


@dataclass
class Upload:
    """What ``receive_upload`` got: the form's text fields and either the stored image or the problem."""

    fields: dict[str, str] = field(default_factory=dict)
    decoded: DecodedImage | None = None
    image_id: str | None = None
    problem: Problem | None = None
    filename: str = ""  # the file's name as the browser sent it (Content-Disposition), unchecked: see state.conv2d


def _decode_and_store(stream: UploadStream, settings: Settings, gate: DecodeGate) -> tuple[DecodedImage, str]:
    decoded = decode_upload(stream, settings, gate.hold)
    return decoded, get_store(settings).put(decoded.pixels)


class _FormReader:
    """python-multipart callbacks: the part named ``file`` goes to an ``UploadStream`` and a decoder
    thread at once; other parts are small text fields."""

    def __init__(self, settings: Settings, limits: UploadLimits) -> None:
        self.settings = settings
        self.limits = limits
        self.fields: dict[str, str] = {}
        self.stream: UploadStream | None = None
        self.decoding: asyncio.Future | None = None
        self.file_ended = False
        self._in_file = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._name = ""
        self._text = bytearray()
        self._text_parts = 0
        self.filename = ""

    def on_part_begin(self) -> None:
        self._disposition, self._in_file, self._name = b"", False, ""
        self._text.clear()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise Problem(400, MALFORMED, "file")
        self._name = options[b"name"].decode("utf-8", "replace")
        if self._name == "file":
            self.filename = options.get(b"filename", b"")[:1000].decode("utf-8", "replace")
        if self._name != "file":
            self._text_parts += 1
            if self._text_parts > MAX_FORM_FIELDS:
                raise Problem(413, f"the form has more than {MAX_FORM_FIELDS} fields besides 'file'", "file")
            return
        if self.stream is not None:
            raise Problem(422, "file: send one image, not several, in the form field 'file'", "file")
        self._in_file, self.stream = True, UploadStream()
        self.decoding = asyncio.get_running_loop().run_in_executor(
            self.limits.decoders, _decode_and_store, self.stream, self.settings, self.limits.gate)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file:
            self._text += data[start:end]
            if len(self._text) > MAX_FIELD_BYTES:
                raise Problem(413, f"form field {self._name[:40]!r} is larger than {MAX_FIELD_BYTES} bytes;"
                                  " only 'file' may be large", self._name[:40])
            return
        limit = self.settings.max_upload_bytes
        if self.stream.size + (end - start) > limit:
            raise Problem(413, f"file is larger than {limit} bytes, the limit (CONVSTEP_MAX_UPLOAD_BYTES)", "file")
        if not isinstance(data, bytes):  # a view must not pin a buffer its owner will change
            data = bytes(data)
        self.stream.feed(memoryview(data)[start:end])

    def on_part_end(self) -> None:
        if self._in_file:
            self.stream.finish()
            self.file_ended = True
        else:
            self.fields[self._name] = self._text.decode("utf-8", "replace")


def _failed(decoding: asyncio.Future | None) -> bool:
    """Whether the decoder already gave up (too many pixels, not an image, no memory free)."""
    return decoding is not None and decoding.done() and not decoding.cancelled() and decoding.exception() is not None


async def receive_upload(request: Request) -> Upload:
    """Read a multipart upload (the field ``file``, plus text fields) and decode and store its image.

    The image is decoded on a thread *while its bytes arrive*, straight from the received chunks:
    no temporary file, no copy of the whole upload, and the event loop is never blocked by Pillow.
    Bounded per worker (``app/upload_limits.py``): uploads at once (503) and per client address
    (429), decode memory (503, both with ``Retry-After``), and the time to receive the body (408).
    A decoder that refuses the image early (413, 415, 503) ends the reading at once.
    Every 4xx and 503 is returned in ``Upload.problem`` (naming the field ``file``); anything else
    (the body limit of the security middleware, a client that went away) propagates.
    """
    settings: Settings = request.app.state.settings
    limits: UploadLimits = request.app.state.upload_limits
    form = _FormReader(settings, limits)
    client = request.client.host if request.client else "unknown"
    try:
        with limits.admit(client):
            content_type, options = parse_options_header(request.headers.get("content-type", ""))
            if content_type == b"multipart/form-data":
                if b"boundary" not in options:
                    raise Problem(400, MALFORMED, "file")
                parser = MultipartParser(options[b"boundary"], {
                    name: getattr(form, name) for name in (
                        "on_part_begin", "on_part_data", "on_part_end", "on_header_field", "on_header_value",
                        "on_header_end", "on_headers_finished")
                })
                try:
                    async with asyncio.timeout(settings.upload_deadline_seconds):
                        async for chunk in request.stream():
                            parser.write(chunk)
                            if _failed(form.decoding):
                                break
                        else:
                            parser.finalize()
                except TimeoutError:
                    raise Problem(408, f"the upload did not arrive within {settings.upload_deadline_seconds:g} s"
                                  " (CONVSTEP_UPLOAD_DEADLINE_SECONDS): try a smaller file or a faster network",
                                  "file") from None
            if form.stream is None:
                raise Problem(422, "file: Field required (send the image as the multipart form field 'file',"
                                  " e.g. curl -F file=@photo.png)", "file")
            if not form.file_ended and not _failed(form.decoding):
                raise Problem(400, MALFORMED, "file")
            decoded, image_id = await form.decoding
            return Upload(form.fields, decoded, image_id, filename=form.filename)
    except FormParserError:
        return Upload(form.fields, problem=Problem(400, MALFORMED, "file"))
    except Problem as exc:
        return Upload(form.fields, problem=exc)
    finally:
        if form.stream is not None and not form.file_ended:
            form.stream.abort()  # a decoder waiting for more bytes stops now
        if form.decoding is not None:  # when we did not wait for it, its error (if any) is of no interest
            form.decoding.add_done_callback(lambda done: done.cancelled() or done.exception())
