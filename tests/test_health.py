"""/healthz, and HEAD answered like GET on every route."""

import pytest


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/healthz", "/conv2d?step=3", "/api/samples/shapes.png", "/api/kernels"])
def test_head_answers_like_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_head_of_a_missing_thing_is_still_404(client):
    assert client.head("/api/images/" + "0" * 32 + ".png").status_code == 404


def test_production_entry_point_passes_workers_and_keep_alive(monkeypatch):
    import uvicorn

    from app import serve
    from app.settings import get_settings

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(app=app, **kwargs))
    monkeypatch.setenv("CONVSTEP_WORKERS", "3")
    monkeypatch.setenv("CONVSTEP_KEEP_ALIVE_SECONDS", "90")
    get_settings.cache_clear()
    try:
        serve.main()
    finally:
        get_settings.cache_clear()
    assert seen["app"] == "app.main:app" and seen["workers"] == 3 and seen["timeout_keep_alive"] == 90
