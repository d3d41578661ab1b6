"""/text — a CNN for text: embeddings, full-width filters stepping down the sentence, max-over-time
pooling, a dense layer and softmax, with every number traceable (app.engine.text). Twin: /text.json.

Interpretable, not trained: one embedding column is the VADER lexicon's valence (app/models/lexicon.py),
two mark negators and intensifiers, and the filters and dense weights are hand-designed; the page says so."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..engine.errors import ParameterError
from ..engine.text import COLUMNS, FILTERS, text_cnn
from ..models.lexicon import SOURCE, vader_lexicon
from ..settings import Settings
from ..state.text import TextState
from .page import Page, add_page
from .step_json import json_number, json_numbers

router = APIRouter()


def build(state: TextState, settings: Settings) -> dict[str, Any]:
    result = text_cnn(state.sentence, vader_lexicon(), max_tokens=settings.max_text_tokens)
    f = state.filter
    fmap = result.feature_maps[f]
    step = result.pooled_at[f] if state.step is None else state.step
    if not 0 <= step <= len(fmap) - 1:
        raise ParameterError("step", f"step must be between 0 and {len(fmap) - 1}, got {step}")
    width = result.widths[f]
    window = result.embeddings[step : step + width]
    products = window * result.filters[f]
    return {
        "r": result, "f": f, "step": step, "width": width, "window_rows": list(range(step, step + width)),
        "products": products, "product_sum": float(products.sum()), "limits": TextState.limits(settings),
        "columns": COLUMNS, "filter_specs": FILTERS, "source": SOURCE,
    }


def data(state: TextState, view: dict[str, Any]) -> dict[str, Any]:
    r = view["r"]
    f = view["f"]
    return {
        "tokens": list(r.tokens), "padded": r.padded, "widths": list(r.widths), "filter": f, "step": view["step"],
        "embeddings": json_numbers(r.embeddings), "feature_map": json_numbers(r.feature_maps[f]),
        "products": json_numbers(view["products"]), "sum": json_number(view["product_sum"]),
        "bias": json_number(r.biases[f]), "pooled": json_numbers(r.pooled), "pooled_at": list(r.pooled_at),
        "logits": json_numbers(r.logits), "probabilities": json_numbers(r.probabilities), "classes": list(r.classes),
        "columns": list(COLUMNS), "in_lexicon": r.known, "lexicon": SOURCE, "trained": False,
        "filters": [{"name": x.name, "looks_for": x.label, "weights": json_numbers(w), "bias": x.bias,
                     "votes": dict(zip(r.classes, x.votes, strict=True))} for x, w in zip(FILTERS, r.filters, strict=True)],
    }


PAGE = Page(TextState, "pages/text.html", "partials/lecture_text.html", build, lambda s, v, settings: v, data,
            lambda raw, settings: {"limits": TextState.limits(settings)})
add_page(router, PAGE)
