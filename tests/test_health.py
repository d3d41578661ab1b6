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
