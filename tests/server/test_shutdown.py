"""Graceful shutdown on a real server: SIGTERM while an upload is half-way through its body.

uvicorn stops accepting, lets the request in flight finish, then exits; the store is written to a
temporary name and renamed, so it never keeps half a file, whatever moment the signal comes.
"""

from __future__ import annotations

import io
import signal
import socket
import time
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image

from app.store import image_id
from scripts.local_server import running_server

pytestmark = [pytest.mark.server, pytest.mark.slow]


def _upload_in_two_halves(base: str, data: bytes, between) -> tuple[int, bytes]:
    """POST ``data`` as the form field 'file' over a raw socket: half the body, ``between()``, the rest."""
    boundary = "shutdown-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n".encode()
            + data + f"\r\n--{boundary}--\r\n".encode())
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall(f"POST /api/images HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Length: {len(body)}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode())
        sock.sendall(body[: len(body) // 2])
        time.sleep(0.3)  # the server has the headers and half the body: the upload is in flight
        between()
        time.sleep(0.3)
        sock.sendall(body[len(body) // 2:])
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < 10:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest


def test_sigterm_during_an_upload_lets_it_finish_and_the_store_keeps_only_whole_files(tmp_path, rng):
    pixels = rng.integers(0, 255, (300, 400), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    with running_server(data_dir=tmp_path) as server:
        status, body = _upload_in_two_halves(server.base, buf.getvalue(),
                                             lambda: server.process.send_signal(signal.SIGTERM))
        server.process.wait(30)  # it did stop: the signal was not lost
        assert server.process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once done
    assert status == 201, body
    stored = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert stored == [f"{image_id(pixels)}.npy"]  # no temporary, no half file
    with running_server(data_dir=tmp_path) as again:  # a new process reads back what the old one accepted
        r = httpx.get(f"{again.base}/api/images/{image_id(pixels)}.png", timeout=30)
        assert r.status_code == 200 and np.array_equal(np.asarray(Image.open(io.BytesIO(r.content))), pixels)
