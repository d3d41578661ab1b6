"""/text — a CNN for text: embeddings, full-width filters stepping down the sentence, max-over-time
pooling, a dense layer and softmax, with every number traceable (app.engine.text)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..engine.text import text_cnn
from .page_cache import cached_page
from .params import Links, parse_int
from .render import respond

router = APIRouter()
KEYS = ("sentence", "filter", "step")
DEFAULT = "the movie was not good but the acting was great"


def build(state: dict[str, str]) -> dict:
    result = text_cnn(state.get("sentence") or DEFAULT)
    f = parse_int(state.get("filter"), "filter", 0, 0, len(result.widths) - 1)
    fmap = result.feature_maps[f]
    step = parse_int(state.get("step"), "step", result.pooled_at[f], 0, len(fmap) - 1)
    width = result.widths[f]
    window = result.embeddings[step : step + width]
    products = window * result.filters[f]
    here = Links("/text", state)
    return {
        "state": state, "r": result, "f": f, "step": step, "width": width, "window_rows": list(range(step, step + width)),
        "products": products, "product_sum": float(products.sum()), "link": here,
    }


@router.get("/text")
@cached_page
def text_page(request: Request):
    state = {k: request.query_params[k] for k in KEYS if request.query_params.get(k)}
    return respond(request, "pages/text.html", "partials/lecture_text.html", lambda: build(state), {"state": state})
