"""/docs works in an offline classroom: Swagger UI from this server's own pinned copy (fetched by make run /
make test into static/vendor/), its CSP naming no CDN; without the copy, the CDN with the same hashes and a note."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from app import swagger


def test_docs_use_the_local_copy_when_it_was_fetched(client, monkeypatch):
    monkeypatch.setattr(swagger, "local", lambda: True)
    r = client.get("/docs")
    assert r.status_code == 200
    assert f'src="{swagger.LOCAL_URL}/swagger-ui-bundle.js" integrity="{swagger.FILES["swagger-ui-bundle.js"]}"' in r.text
    assert f'href="{swagger.LOCAL_URL}/swagger-ui.css" integrity="{swagger.FILES["swagger-ui.css"]}"' in r.text
    assert "cdn.jsdelivr.net" not in r.text and "fastapi.tiangolo.com" not in r.text
    csp = r.headers["content-security-policy"]
    assert "cdn.jsdelivr.net" not in csp and "tiangolo" not in csp
    assert "script-src 'self' 'unsafe-inline'" in csp  # Swagger UI's start-up script is inline
    assert "offline-note" not in r.text


def test_docs_fall_back_to_the_cdn_and_say_so(client, monkeypatch):
    monkeypatch.setattr(swagger, "local", lambda: False)
    r = client.get("/docs")
    assert r.status_code == 200
    assert f'src="{swagger.CDN}/swagger-ui-bundle.js" integrity="{swagger.FILES["swagger-ui-bundle.js"]}"' in r.text
    assert 'class="offline-note"' in r.text and 'href="/openapi.json"' in r.text
    assert "https://cdn.jsdelivr.net" in r.headers["content-security-policy"]


def test_the_docs_route_is_not_in_the_api_description(client):
    assert "/docs" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.skipif(not swagger.local(), reason="Swagger UI not fetched (make swagger; make test does it)")
def test_the_fetched_files_are_the_pinned_release():
    for name, pinned in swagger.FILES.items():
        body = (swagger.LOCAL_DIR / name).read_bytes()
        assert "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode() == pinned
    assert re.fullmatch(r"\d+\.\d+\.\d+", swagger.VERSION)  # pinned exactly, never a range like @5
