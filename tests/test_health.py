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


def test_readyz_says_ready_when_the_store_is_writable_with_room(client):
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    store = r.json()["checks"]["store"]
    assert store["ok"] is True and store["detail"].startswith("writable, ") and store["free_bytes"] > 0
    assert not [p for p in (client.app.state.settings.data_dir / "images").iterdir() if p.name.startswith(".tmp-")]


def test_readyz_is_503_when_free_space_is_short(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path, min_free_bytes=2**62))) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "not ready"
        assert "CONVSTEP_MIN_FREE_BYTES" in r.json()["checks"]["store"]["detail"]
        assert c.get("/healthz").status_code == 200  # alive, just not ready


def test_readyz_is_503_when_the_store_cannot_be_written(tmp_path):
    import shutil

    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path))) as c:
        assert c.get("/readyz").status_code == 200
        shutil.rmtree(tmp_path / "images")
        (tmp_path / "images").write_text("a file where the store's folder was")
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["store"]["detail"].startswith("cannot write in ")
