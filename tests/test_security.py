import pytest
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


def test_body_limit_stops_reading_a_stream(tmp_path, drive_upload):
    """Drive the ASGI app directly: a streamed body with no Content-Length is cut off early."""
    app = create_app(Settings(data_dir=tmp_path, max_upload_bytes=100_000))
    consumed = []

    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'

    async def receive():
        consumed.append(1)
        chunk = head if len(consumed) == 1 else b"x" * 65536
        return {"type": "http.request", "body": chunk, "more_body": len(consumed) < 1000}

    sent = drive_upload(app, receive, boundary="x", timeout=30)
    assert sent[0]["status"] == 413
    assert len(consumed) < 10  # stopped after the cap, not after 65 MB


def test_declared_length_over_the_limit(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path, max_upload_bytes=100_000))) as c:
        big = c.post("/api/conv", content=b"[" + b"1," * 200_000 + b"1]", headers={"content-type": "application/json"})
        assert big.status_code == 413


def test_user_text_is_escaped(client):
    r = client.get('/conv2d?grid=<script>alert(1)</script>')
    assert r.status_code == 422 and "<script>alert" not in r.text and "&lt;script&gt;" in r.text


CSP_CDN = ("default-src 'self'; script-src 'self' https://cdn.jsdelivr.net/npm/htmx.org@2.0.8/dist/htmx.min.js;"
           " style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self';"
           " form-action 'self'; frame-ancestors 'none'")
EVERY_ANSWER = {
    "content-security-policy": CSP_CDN,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "accelerometer=(), autoplay=(), camera=(), display-capture=(), fullscreen=(self),"
    " geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(),"
    " screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "x-frame-options": "DENY",
}


def _every_header(tmp_path, **settings) -> dict[str, dict[str, str]]:
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="cdn", max_upload_bytes=1000, **settings))) as c:
        answers = {
            "page": c.get("/conv2d?step=1"),
            "api": c.get("/api/kernels"),
            "png": c.get("/api/samples/shapes.png"),
            "error": c.post("/api/conv", json={"input": [[1]]}),
            "not found": c.get("/api/nothing"),
            "too large": c.post("/api/conv", content=b"x" * 70_000, headers={"content-type": "application/json"}),
        }
    return {name: (r.status_code, dict(r.headers)) for name, r in answers.items()}


def test_every_header_on_a_page_an_api_answer_a_png_and_errors(tmp_path):
    own = {  # what each answer adds of its own
        "page": (200, {"content-type": "text/html; charset=utf-8", "vary": "HX-Request",
                       "link": '</conv2d.json?step=1>; rel="alternate"; type="application/json"'}),
        "api": (200, {"content-type": "application/json"}),
        "png": (200, {"content-type": "image/png", "etag": '"sample-shapes"',
                      "cache-control": "public, max-age=31536000, immutable"}),
        "error": (422, {"content-type": "application/json"}),
        "not found": (404, {"content-type": "application/json"}),
        "too large": (413, {"content-type": "application/json", "connection": "close"}),
    }
    for name, (status, headers) in _every_header(tmp_path).items():
        headers.pop("content-length")
        assert (status, headers) == (own[name][0], {**own[name][1], **EVERY_ANSWER}), name
        assert "server" not in headers and "strict-transport-security" not in headers  # HSTS is off by default


def test_hsts_only_when_configured(tmp_path):
    for _, (_, headers) in _every_header(tmp_path, hsts_seconds=31536000).items():
        assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_csp_names_the_local_htmx_by_self_and_no_cdn(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none"))) as c:
        csp = c.get("/conv2d").headers["content-security-policy"]
    assert "script-src 'self';" in csp and "jsdelivr" not in csp


def test_every_server_launcher_turns_off_the_server_header(monkeypatch):
    from pathlib import Path

    import uvicorn

    from app import serve
    from scripts.local_server import command

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    serve.main()
    assert seen["server_header"] is False
    assert "--no-server-header" in command("uvicorn", 8000, 1)
    assert "app.gunicorn_worker.Worker" in command("gunicorn", 8000, 1)
    assert "--no-server-header" in Path(__file__).resolve().parent.parent.joinpath("Makefile").read_text()
    pytest.importorskip("uvicorn_worker")
    from app.gunicorn_worker import Worker

    assert Worker.CONFIG_KWARGS["server_header"] is False
