"""The API's rules as JSON Schema, for the OpenAPI document: what a generated client can know.

Pydantic types the request models loosely on purpose (nested lists are counted and checked by
``checked_array`` before NumPy sees them, which is much cheaper than validating every number as
a model field). These fragments replace the loose schemas in the document with the real rules:
ranks 1–3 of nested numbers, preset names, image ids, per-axis lists of one or two values, the
bounds of every size. The server enforces each of them (a request outside them gets 4xx).

What no JSON Schema can say — that a kernel fits the padded input, that a kernel's rank pairs
with the input's, that an array is rectangular, that ``bias`` has one value per kernel, the cost
limits — is said in the descriptions and answered with 422 (or 413) naming the field and the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..engine.shapes import MAX_SIDE
from ..settings import Settings, get_settings
from ..state.specs import API_DILATION, API_KERNEL, API_PADDING, API_STRIDE, Kernel, Schema, numbers
from ..state.specs import IMAGE_REF as IMAGE

_SETTINGS: ContextVar[Settings | None] = ContextVar("openapi_settings", default=None)


@contextmanager
def rendering_for(settings: Settings) -> Iterator[None]:
    """While the OpenAPI document is built, ``FromSettings`` fields render this app's settings."""
    token = _SETTINGS.set(settings)
    try:
        yield
    finally:
        _SETTINGS.reset(token)


class FromSettings:
    """A field's schema rendered from the app's ``Settings`` when the document is built (pydantic calls
    it as ``json_schema_extra``): the bound comes from the same spec object that parses the field
    (app/state/specs.py), so a lowered setting changes the document and what the server accepts."""

    def __init__(self, render: Callable[[Settings], Schema], *, null: bool = False) -> None:
        self.render, self.null = render, null

    def __call__(self, schema: dict[str, Any]) -> None:
        rendered = self.render(_SETTINGS.get() or get_settings())
        for key in ("anyOf", "type", "items", "minItems", "maxItems", "minimum", "maximum", "enum", "pattern"):
            schema.pop(key, None)
        schema.update(nullable(rendered) if self.null else rendered)


POSITIVE: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_SIDE}
NON_NEGATIVE: Schema = {"type": "integer", "minimum": 0, "maximum": MAX_SIDE}


def per_axis(item: Schema) -> Schema:
    """One value for every spatial axis, or a list of one per axis (1-D: one, 2-D: two)."""
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": 2}]}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [*schema.get("anyOf", [schema]), {"type": "null"}]}


PAIR: Schema = {"type": "array", "items": NON_NEGATIVE, "minItems": 2, "maxItems": 2}
# the geometry and kernels: rendered from the specs that parse them (bounds from Settings)
STRIDE = FromSettings(API_STRIDE.per_axis)
DILATION = FromSettings(API_DILATION.per_axis)
PADDING = FromSettings(API_PADDING.per_axis)
KERNEL = FromSettings(API_KERNEL.schema, null=True)
PLANE_KERNEL = FromSettings(Kernel("kernel", API_KERNEL.side, ranks=(1, 2)).schema, null=True)  # /api/matrix's `kernel`


def _kernels(settings: Settings, ranks: tuple[int, ...] = (1, 2, 3)) -> Schema:
    one = Kernel("kernels", API_KERNEL.side, ranks=ranks).schema(settings)
    return {"type": "array", "items": one if len(ranks) > 1 else one["anyOf"][1], "minItems": 1,
            "maxItems": settings.max_kernels}


KERNELS = FromSettings(_kernels, null=True)
VOLUME_KERNELS = FromSettings(lambda settings: _kernels(settings, (3,)), null=True)  # /api/matrix's `kernels`
IMAGE_REF = FromSettings(lambda settings: IMAGE, null=True)
POOL_SIZE = per_axis(POSITIVE)
POOL_PADDING: Schema = {"anyOf": [
    NON_NEGATIVE, {"type": "array", "items": {"anyOf": [NON_NEGATIVE, PAIR]}, "minItems": 1, "maxItems": 2},
]}
ARRAY: Schema = {"anyOf": [numbers(1), numbers(2), numbers(3)]}
PLANE_OR_LINE: Schema = {"anyOf": [numbers(1), numbers(2)]}
BIAS: Schema = {"anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}, "minItems": 1}, {"type": "null"}]}
INPUT_SHAPE: Schema = {"type": "array", "items": POSITIVE, "minItems": 1, "maxItems": 3}
