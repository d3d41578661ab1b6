from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_headers_on_pages_and_api(client):
    for url in ("/conv2d", "/api/kernels", "/healthz"):
        h = client.get(url).headers
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "strict-origin-when-cross-origin"
        assert h["x-frame-options"] == "DENY"
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_framing_allowed_only_for_listed_origins(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path, frame_ancestors="https://course.example.edu"))) as c:
        h = c.get("/conv2d").headers
        assert "frame-ancestors https://course.example.edu" in h["content-security-policy"]
        assert "x-frame-options" not in h


def test_body_limit_stops_reading_a_stream(tmp_path):
    """Drive the ASGI app directly: a streamed body with no Content-Length is cut off early."""
    import asyncio

    app = create_app(Settings(data_dir=tmp_path, max_upload_bytes=100_000))
    consumed, sent = [], []

    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'

    async def receive():
        consumed.append(1)
        chunk = head if len(consumed) == 1 else b"x" * 65536
        return {"type": "http.request", "body": chunk, "more_body": len(consumed) < 1000}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/images", "raw_path": b"/api/images", "query_string": b"",
             "headers": [(b"content-type", b"multipart/form-data; boundary=x")], "http_version": "1.1",
             "scheme": "http", "server": ("test", 80), "client": ("test", 1), "root_path": "", "app": app}
    import threading  # a thread of its own: other tests may leave an event loop running here

    worker = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    worker.start()
    worker.join(30)
    assert sent[0]["status"] == 413
    assert len(consumed) < 10  # stopped after the cap, not after 65 MB


def test_declared_length_over_the_limit(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path, max_upload_bytes=100_000))) as c:
        big = c.post("/api/conv", content=b"[" + b"1," * 200_000 + b"1]", headers={"content-type": "application/json"})
        assert big.status_code == 413


def test_user_text_is_escaped(client):
    r = client.get('/conv2d?grid=<script>alert(1)</script>')
    assert r.status_code == 422 and "<script>alert" not in r.text and "&lt;script&gt;" in r.text
