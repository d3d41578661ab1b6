"""The upload path: the multipart body is parsed as it arrives and the image decoded meanwhile."""

from __future__ import annotations

import asyncio
import io
import threading
import time

import numpy as np
import pytest
from PIL import Image

from app import uploads
from app.imaging import decode_upload
from app.main import create_app
from app.settings import Settings
from app.uploads import UploadStream
from tests import badfiles


def photo(rng, shape=(900, 1200, 3)) -> bytes:
    return badfiles.encode(Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)), "JPEG", quality=90)


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "xyzzy") -> bytes:
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def post(client, body: bytes, boundary: str = "xyzzy", path: str = "/api/images"):
    return client.post(path, content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"})


def test_stream_reads_wait_for_bytes_that_have_not_arrived():
    stream, got = UploadStream(), []
    reader = threading.Thread(target=lambda: got.extend([stream.read(6), stream.read(-1)]))
    reader.start()
    stream.feed(memoryview(b"abc"))
    time.sleep(0.05)
    assert not got  # still waiting for the 6th byte
    stream.feed(memoryview(b"defgh"))
    stream.feed(memoryview(b"ij"))
    stream.finish()
    reader.join(5)
    assert got == [b"abcdef", b"ghij"]
    assert stream.seek(2) == 2 and stream.read(5) == b"cdefg" and stream.tell() == 7  # across chunks
    assert stream.seek(-3, io.SEEK_END) == 7 and stream.read(10) == b"hij" and stream.read(1) == b""
    assert stream.seek(1, io.SEEK_SET) == 1 and stream.seek(2, io.SEEK_CUR) == 3 and stream.read(1) == b"d"


def test_an_aborted_stream_wakes_its_reader():
    stream, errors = UploadStream(), []

    def read():
        try:
            stream.read(10)
        except Exception as exc:  # noqa: BLE001 - the test looks at what was raised
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    stream.feed(memoryview(b"abc"))
    stream.abort()
    reader.join(5)
    assert not reader.is_alive() and len(errors) == 1


def test_decoding_from_a_file_equals_decoding_bytes(rng):
    data = photo(rng)
    settings = Settings()
    a, b = decode_upload(data, settings), decode_upload(io.BytesIO(data), settings)
    assert np.array_equal(a.pixels, b.pixels) and a.pixels.shape == (384, 512, 3)
    assert (a.format, a.original_width, a.original_height) == (b.format, b.original_width, b.original_height)


def test_decoding_starts_while_the_body_is_still_arriving(tmp_path, rng, drive_upload):
    """Drive the ASGI app directly: the rest of the body is only sent once the decoder has begun."""
    app = create_app(Settings(data_dir=tmp_path))
    body = multipart([("file", "p.jpg", photo(rng))])
    chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
    started = threading.Event()
    real = uploads._decode_and_store

    def spy(*args):
        started.set()
        return real(*args)

    sent, waited = [], []

    async def receive():
        if len(sent) == 2:  # the file part has begun: hold back the rest until the decoder runs
            t0 = time.perf_counter()
            while not started.is_set() and time.perf_counter() - t0 < 10:
                await asyncio.sleep(0.001)
            waited.append(started.is_set())
        sent.append(1)
        return {"type": "http.request", "body": chunks[len(sent) - 1], "more_body": len(sent) < len(chunks)}

    uploads._decode_and_store = spy
    try:
        messages = drive_upload(app, receive)
    finally:
        uploads._decode_and_store = real
    assert waited == [True] and len(chunks) > 3
    assert messages[0]["status"] == 201


def test_the_upload_is_the_same_however_it_is_sent(client, rng):
    data = photo(rng, (700, 1100, 3))
    ids = {post(client, multipart([("file", "p.jpg", data)])).json()["id"]}
    ids.add(client.post("/api/images", files={"file": ("p.jpg", data, "image/jpeg")}).json()["id"])
    pre = multipart([("note", None, b"hello"), ("file", "p.jpg", data), ("after", None, b"x")], boundary="b" * 60)
    ids.add(post(client, pre, boundary="b" * 60).json()["id"])
    settings = Settings()
    from app.store import image_id

    assert ids == {image_id(decode_upload(data, settings).pixels)}


def test_form_problems_name_the_file_field(client, rng):
    png = badfiles.png_bytes(rng.integers(0, 255, (6, 6), dtype=np.uint8))
    two = post(client, multipart([("file", "a.png", png), ("file", "b.png", png)]))
    assert two.status_code == 422 and two.json()["field"] == "file" and "one image" in two.json()["detail"]
    empty = post(client, multipart([("file", "a.png", b"")]))
    assert empty.status_code == 422 and empty.json()["field"] == "file" and "empty" in empty.json()["detail"]
    missing = post(client, multipart([("kernel", None, b"edge")]))
    assert missing.status_code == 422 and missing.json()["field"] == "file" and "required" in missing.json()["detail"]
    unended = post(client, multipart([("file", "a.png", png)])[:-30])
    assert unended.status_code == 400 and unended.json()["field"] == "file"
    no_boundary = client.post("/api/images", content=b"x", headers={"content-type": "multipart/form-data"})
    assert no_boundary.status_code == 400 and no_boundary.json()["field"] == "file"
    big_field = post(client, multipart([("note", None, b"n" * 70_000), ("file", "a.png", png)]))
    assert big_field.status_code == 413 and big_field.json()["field"] == "note"
    many = post(client, multipart([(f"f{i}", None, b"1") for i in range(101)] + [("file", "a.png", png)]))
    assert many.status_code == 413 and "101" not in many.json()["detail"] and "100 fields" in many.json()["detail"]
    not_a_form = client.post("/api/images", json={"file": "x"})
    assert not_a_form.status_code == 422 and not_a_form.json()["field"] == "file"


@pytest.mark.parametrize("path", ["/api/images", "/upload"])
def test_a_file_over_the_byte_limit_is_413_naming_the_limit(tmp_path, path):
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings(data_dir=tmp_path, max_upload_bytes=50_000, htmx_source="none"))) as c:
        r = c.post(path, files={"file": ("a.png", b"\x89PNG" + b"x" * 50_000, "image/png")})  # within the body slack
        assert r.status_code == 413 and "CONVSTEP_MAX_UPLOAD_BYTES" in r.text and "50000" in r.text


def test_the_page_form_keeps_its_fields_on_an_error(client):
    body = multipart([("file", "x.png", b"not an image"), ("kernel", None, b"edge")])
    r = post(client, body, path="/upload")
    assert r.status_code == 415 and 'class="error-panel"' in r.text


# ---------------------------------------------------------------- bounds per worker (issue 10)


def _limited_client(tmp_path, **limits):
    from fastapi.testclient import TestClient

    return TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", **limits)))


def test_a_full_decode_gate_with_a_full_queue_is_503_with_retry_after(tmp_path, rng):
    png = badfiles.png_bytes(rng.integers(0, 255, (40, 40), dtype=np.uint8))
    with _limited_client(tmp_path, decode_queue=0) as c:
        gate = c.app.state.upload_limits.gate
        with gate.hold(gate.capacity):  # every byte of decode memory is taken
            for path in ("/api/images", "/upload"):
                r = c.post(path, files={"file": ("a.png", png, "image/png")})
                assert r.status_code == 503 and r.headers["retry-after"] == "5", r.text
                assert "CONVSTEP_DECODE_QUEUE" in r.text
        assert gate.in_use == 0  # the refused decodes took nothing
        assert c.post("/api/images", files={"file": ("a.png", png, "image/png")}).status_code == 201


def test_a_decode_waits_for_memory_and_then_runs(tmp_path, rng):
    png = badfiles.png_bytes(rng.integers(0, 255, (40, 40), dtype=np.uint8))
    with _limited_client(tmp_path, decode_queue=1) as c:
        gate = c.app.state.upload_limits.gate
        held = gate.hold(gate.capacity)
        held.__enter__()
        threading.Timer(0.3, held.__exit__, (None, None, None)).start()  # memory comes free while it waits
        r = c.post("/api/images", files={"file": ("a.png", png, "image/png")})
        assert r.status_code == 201 and gate.in_use == 0


def test_waiting_for_decode_memory_ends_at_the_deadline(tmp_path, rng):
    png = badfiles.png_bytes(rng.integers(0, 255, (40, 40), dtype=np.uint8))
    with _limited_client(tmp_path, decode_queue=2, upload_deadline_seconds=0.2) as c:
        gate = c.app.state.upload_limits.gate
        with gate.hold(gate.capacity):
            r = c.post("/api/images", files={"file": ("a.png", png, "image/png")})
        assert r.status_code == 503 and "within 0.2 s" in r.json()["detail"] and r.headers["retry-after"] == "5"


def test_uploads_per_client_and_per_worker_are_capped(tmp_path, rng):
    png = badfiles.png_bytes(rng.integers(0, 255, (40, 40), dtype=np.uint8))
    with _limited_client(tmp_path, uploads_per_client=2, max_uploads=3) as c:
        limits = c.app.state.upload_limits
        with limits.admit("testclient"), limits.admit("testclient"):  # two uploads of this client still arriving
            r = c.post("/api/images", files={"file": ("a.png", png, "image/png")})
            assert r.status_code == 429 and r.headers["retry-after"] == "5"
            assert r.json() == {"detail": "2 uploads from your address are still arriving, the most allowed at once"
                                " (CONVSTEP_UPLOADS_PER_CLIENT): wait for one to finish", "field": "file"}
            with limits.admit("10.0.0.9"):  # a third, from another address, fills the worker
                r = c.post("/api/images", files={"file": ("a.png", png, "image/png")})
                assert r.status_code == 503 and "CONVSTEP_MAX_UPLOADS" in r.json()["detail"]
        assert limits.in_flight == 0 and limits.per_client == {}
        assert c.post("/api/images", files={"file": ("a.png", png, "image/png")}).status_code == 201


def _driven(drive_upload, app, chunks, delay_after: int | None = None, delay: float = 0.0, trickle: float = 0.0):
    """Send ``chunks`` to the ASGI app as one upload (a pause after chunk ``delay_after``, ``trickle``
    seconds before each chunk after it); return the messages sent and how many chunks the app asked for."""
    sent = []

    async def receive():
        if delay_after is not None and len(sent) == delay_after:
            await asyncio.sleep(delay)
        elif delay_after is not None and len(sent) > delay_after:
            await asyncio.sleep(trickle)
        if len(sent) >= len(chunks):
            await asyncio.sleep(3600)  # the client sends nothing more
        sent.append(1)
        return {"type": "http.request", "body": chunks[len(sent) - 1], "more_body": len(sent) < len(chunks)}

    return drive_upload(app, receive), len(sent)


def test_a_body_that_does_not_arrive_in_time_is_408(tmp_path, rng, drive_upload):
    app = create_app(Settings(data_dir=tmp_path, upload_deadline_seconds=0.3))
    body = multipart([("file", "p.jpg", photo(rng, (200, 300, 3)))])
    messages, _ = _driven(drive_upload, app, [body[:2000], body[2000:]], delay_after=1, delay=5)
    assert messages[0]["status"] == 408
    detail = messages[1]["body"].decode()
    assert "within 0.3 s" in detail and "CONVSTEP_UPLOAD_DEADLINE_SECONDS" in detail and '"field":"file"' in detail
    assert app.state.upload_limits.in_flight == 0


def test_an_image_refused_from_its_header_ends_the_reading_early(tmp_path, drive_upload):
    app = create_app(Settings(data_dir=tmp_path, max_image_pixels=1_000_000, max_upload_bytes=30_000_000))
    bomb = badfiles.striped_png(3000, 3000)
    body = multipart([("file", "big.png", bomb + b"\x00" * 8_000_000)])
    chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
    # the decoder reads the header meanwhile; the rest trickles in (over 3 s) as from a real network
    messages, asked = _driven(drive_upload, app, chunks, delay_after=2, delay=0.3, trickle=0.025)
    assert messages[0]["status"] == 413 and b"CONVSTEP_MAX_IMAGE_PIXELS" in messages[1]["body"]
    assert asked < len(chunks) // 2, (asked, len(chunks))
