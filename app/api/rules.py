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

from typing import Any

from ..engine.kernels import PRESETS
from ..engine.shapes import MAX_SIDE
from ..samples import SAMPLES
from ..store import ID_PATTERN

Schema = dict[str, Any]

POSITIVE: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_SIDE}
NON_NEGATIVE: Schema = {"type": "integer", "minimum": 0, "maximum": MAX_SIDE}


def per_axis(item: Schema) -> Schema:
    """One value for every spatial axis, or a list of one per axis (1-D: one, 2-D: two)."""
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": 2}]}


def numbers(rank: int) -> Schema:
    """Nested non-empty arrays of numbers, ``rank`` deep."""
    schema: Schema = {"type": "number"}
    for _ in range(rank):
        schema = {"type": "array", "items": schema, "minItems": 1}
    return schema


PAIR: Schema = {"type": "array", "items": NON_NEGATIVE, "minItems": 2, "maxItems": 2}
STRIDE = per_axis(POSITIVE)
DILATION = per_axis(POSITIVE)
POOL_SIZE = per_axis(POSITIVE)
PADDING: Schema = {"anyOf": [
    NON_NEGATIVE,
    {"type": "string", "enum": ["valid", "same"]},
    {"type": "array", "items": {"anyOf": [NON_NEGATIVE, PAIR]}, "minItems": 1, "maxItems": 2},
]}
POOL_PADDING: Schema = {"anyOf": [
    NON_NEGATIVE, {"type": "array", "items": {"anyOf": [NON_NEGATIVE, PAIR]}, "minItems": 1, "maxItems": 2},
]}
ARRAY: Schema = {"anyOf": [numbers(1), numbers(2), numbers(3)]}
PLANE_OR_LINE: Schema = {"anyOf": [numbers(1), numbers(2)]}
PRESET: Schema = {"type": "string", "enum": list(PRESETS)}
KERNEL: Schema = {"anyOf": [PRESET, numbers(1), numbers(2), numbers(3)]}
KERNELS: Schema = {"type": "array", "items": KERNEL, "minItems": 1}
BIAS: Schema = {"anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}, "minItems": 1}, {"type": "null"}]}
IMAGE_REF: Schema = {"anyOf": [{"type": "string", "enum": list(SAMPLES)}, {"type": "string", "pattern": ID_PATTERN.pattern},
                               {"type": "null"}]}
INPUT_SHAPE: Schema = {"type": "array", "items": POSITIVE, "minItems": 1, "maxItems": 3}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [*schema.get("anyOf", [schema]), {"type": "null"}]}
