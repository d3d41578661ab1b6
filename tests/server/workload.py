"""The mixed requests the server tests send: one step of a student's session, checked against the engine.

Each request opens a fresh connection (``Connection: close``) so the kernel hands it to whichever
worker accepts next; that is what spreads one student's session over every worker.
"""

from __future__ import annotations

import io

import httpx
import numpy as np
from PIL import Image

from app.engine.kernels import PRESETS
from app.engine.trace import conv_step

KINDS = ("fragment", "page", "png", "trace")


def png_bytes(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


def upload(base: str, pixels: np.ndarray) -> httpx.Response:
    return httpx.post(base + "/api/images", files={"file": ("p.png", png_bytes(pixels), "image/png")}, timeout=30)


def one_request(base: str, image_id: str, pixels: np.ndarray, i: int) -> str | None:
    """Request ``i`` of the mix (kind ``i % 4``); returns what went wrong, or None.

    Steps are spread over the whole output (37 is prime to every size used) with padding 1, so
    the output has the input's shape and every step exists.
    """
    step = (i * 37) % pixels.size
    kind = KINDS[i % len(KINDS)]
    params = {"image": image_id, "kernel": "sharpen", "padding": 1, "step": step}
    try:
        # a page asked under a non-canonical spelling (here: the default kernel and padding) redirects once
        with httpx.Client(base_url=base, timeout=30, headers={"Connection": "close"}, follow_redirects=True) as c:
            if kind == "fragment":
                r = c.get("/conv2d", params=params, headers={"HX-Request": "true", "HX-Target": "workspace"})
                ok = r.status_code == 200 and r.text.lstrip().startswith('<section id="workspace"') and "<html" not in r.text
            elif kind == "page":
                # a typed query is redirected once to its canonical spelling, as a browser would follow
                r = c.get("/conv2d", params=params, follow_redirects=True)
                ok = r.status_code == 200 and "<html" in r.text
            elif kind == "png":
                r = c.get(f"/api/images/{image_id}.png")
                ok = r.status_code == 200 and np.array_equal(np.asarray(Image.open(io.BytesIO(r.content))), pixels)
            else:
                r = c.post("/api/trace", json={"image_id": image_id, "kernel": "sharpen", "padding": 1, "step": step})
                expected = conv_step(pixels.astype(float), PRESETS["sharpen"].matrix, step, padding=1).result
                ok = r.status_code == 200 and r.json()["result"] == expected
    except httpx.HTTPError as exc:
        return f"request {i} ({kind}): {type(exc).__name__} {exc!r}"
    if ok:
        return None
    body = "(pixels differ)" if r.headers.get("content-type") == "image/png" else r.text[:120]
    return f"request {i} ({kind}): {r.status_code} {body}"
