"""What each page's JSON twin answers, as JSON Schema for the OpenAPI document.

A twin answers ``{"state": ..., "url": ..., **view}`` (app/web/page.py's ``json_answer``):

- ``state`` is the state's ``as_json()``; its schema is derived from the state class's field types
  (``state_schema``), so a field added to a state is described without another declaration;
- ``url`` is the canonical page URL;
- the view keys are each page's ``data()`` (app/web/<page>.py), typed here (``VIEWS``): numbers as numbers,
  nested lists at their rank, ``null`` where a key is absent for a state (an image has no printed output).

tests/api/test_twin_schemas.py validates real answers of every page against these schemas, so a view key
renamed or retyped in a ``data()`` without a change here fails there (and in the Schemathesis run).
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any, Union, get_args, get_origin, get_type_hints

from ..engine.kernels import Preset
from ..state.base import PageState

Schema = dict[str, Any]

INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
STR: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
NULL: Schema = {"type": "null"}
ANY_ARRAY: Schema = {"type": "array"}


def arr(items: Schema, size: int | None = None) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if size is not None:
        schema.update(minItems=size, maxItems=size)
    return schema


def nums(rank: int, item: Schema = NUM) -> Schema:
    """Numbers nested ``rank`` lists deep."""
    schema = item
    for _ in range(rank):
        schema = arr(schema)
    return schema


def obj(properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> Schema:
    """An object with these keys (all required but ``optional``); more keys may follow."""
    return {"type": "object", "properties": properties, "required": [k for k in properties if k not in optional]}


def maybe(schema: Schema) -> Schema:
    return {"anyOf": [schema, NULL]}


def of_type(hint: Any) -> Schema:
    """A state field's type as JSON Schema (what ``PageState.as_json`` makes of it)."""
    if hint is bool:
        return BOOL
    if hint is int:
        return INT
    if hint is float:
        return NUM
    if hint is str or (isinstance(hint, type) and issubclass(hint, Preset)):  # a preset: its name
        return STR
    if hint is type(None):
        return NULL
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options: list[Schema] = []
        for member in get_args(hint):
            schema = of_type(member)
            if schema not in options:
                options.append(schema)
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return arr(of_type(args[0]))
        members: list[Schema] = []
        for member in args:
            schema = of_type(member)
            if schema not in members:
                members.append(schema)
        return arr(members[0] if len(members) == 1 else {"anyOf": members}, len(args))
    return {}


def state_schema(cls: type[PageState]) -> Schema:
    """``as_json()`` of a ``cls`` state: every field typed from its annotation; keys ``as_json`` adds (a
    sentence spelled from its tokens) typed from the default state's value."""
    hints = {**get_type_hints(cls), **cls.JSON_TYPES}
    fields = {f.name for f in dataclasses.fields(cls)}
    example = cls().as_json()
    properties = {}
    for key, value in example.items():
        if key in fields:
            properties[key] = of_type(hints[key])
        else:
            properties[key] = of_type(type(value))
    return obj(properties)


# the shared parts of a stepping page's view (app/web/step_json.py)
GEOMETRY = obj({"input_shape": arr(INT), "kernel_shape": arr(INT), "stride": arr(INT), "padding": arr(arr(INT, 2)),
                "dilation": arr(INT), "exact": BOOL, "formulas": arr(STR)})
MATRIX_ROW = obj({"columns": arr(INT), "values": arr(NUM)})


def step(rank: int) -> Schema:
    """One step's trace (``conv_step_data``): window, kernel and products at the kernel's rank."""
    return obj({"index": INT, "out_index": arr(INT), "origin": arr(INT), "window": nums(rank), "kernel": nums(rank),
                "products": nums(rank), "inside": nums(min(rank, 2), BOOL), "sum": NUM, "bias": NUM, "result": NUM,
                "matrix_row": maybe(MATRIX_ROW)})


W_COUNTS = obj({"entries": INT, "connections": INT, "nonzero": INT, "shared_weights": INT, "distinct_values": INT,
                "fully_connected": INT})
PARAMS = obj({"weights": INT, "biases": INT, "total": INT})
STEPPING = {"geometry": GEOMETRY, "step": INT, "steps": INT, "output_shape": arr(INT)}

VIEWS: dict[str, dict[str, Schema]] = {
    "/conv2d": {
        **STEPPING, "numbers": BOOL, "mapping": {"type": "string", "enum": ["clip", "stretch", "signed"]},
        "trace": step(2), "output": maybe(nums(2)), "w_counts": W_COUNTS,
        "compare": maybe(obj({"trace": step(2), "output": nums(2)})),
    },
    "/conv1d": {
        **STEPPING, "trace": step(1), "output": nums(1), "notes_rows": obj({"slip": STR, "agrees": BOOL}),
        "w_counts": W_COUNTS,
    },
    "/pool": {
        **STEPPING, "window_counts": maybe(nums(2)), "ceil_mode_adds": INT,
        "trace": obj({"index": INT, "total": INT, "op": {"type": "string", "enum": ["max", "avg"]}, "out_index": arr(INT),
                      "origin": arr(INT), "positions": nums(3, INT), "inside": nums(2, BOOL), "window": nums(2),
                      "result": NUM, "winner": maybe(arr(INT))}),
        "output": nums(2),
        "shift": obj({"direction": STR, "unchanged": INT, "total": INT, "output": nums(2)}),
    },
    "/volume": {
        **STEPPING, "groups": INT, "channels_seen": arr(arr(INT)), "filter": INT, "input": nums(3), "filters": nums(4),
        "biases": nums(1), "trace": step(3), "output": nums(3), "params": PARAMS,
    },
    "/shapes": {
        "output": arr(INT), "depth": INT, "output_volume": arr(INT), "exact": BOOL, "explanation": STR,
        "axes": arr(obj({"name": STR, "output": INT, "exact": BOOL, "formula": STR, "unvisited": INT})),
        "params": PARAMS,
        "solution": maybe(obj({"unknown": STR, "value": maybe(INT), "solutions": arr(INT), "explanation": STR,
                               "rearranged": maybe(STR)})),
        "stack": obj({"name": STR, "title": STR, "total_params": INT,
                      "layers": arr(obj({"index": INT, "input": arr(INT), "output": arr(INT), "params": INT,
                                         "arithmetic": STR}))}),
        "pooled": obj({"size": INT, "output": arr(INT), "exact": BOOL}),
    },
    "/flip": {
        "at": INT, "correlation": nums(1), "convolution": nums(1), "flipped_kernel": nums(1), "symmetric": BOOL,
        "differs": arr(BOOL), "trace": obj({"corr": step(1), "conv": step(1)}),
    },
    "/text": {
        "tokens": arr(STR), "padded": INT, "widths": arr(INT), "filter": INT, "step": INT, "embeddings": nums(2),
        "feature_map": nums(1), "products": nums(2), "sum": NUM, "bias": NUM, "pooled": nums(1), "pooled_at": arr(INT),
        "logits": nums(1), "probabilities": nums(1), "classes": arr(STR), "columns": arr(STR), "in_lexicon": arr(BOOL),
        "lexicon": STR, "trained": BOOL,
        "filters": arr(obj({"name": STR, "looks_for": STR, "weights": nums(2), "bias": NUM,
                            "votes": {"type": "object", "additionalProperties": NUM}})),
    },
    "/transpose": {
        "forward": obj({"input_shape": arr(INT, 2), "output_shape": arr(INT, 2), "same_output_sizes": arr(arr(INT))}),
        "output_padding": arr(INT, 2), "pair": arr(INT, 2), "y": nums(2), "kernel": nums(2), "output": nums(2),
        "weight_matrix": nums(2), "stuffed": nums(2), "steps": INT, "step": INT,
        "layer": obj({"input": nums(3), "kernels": nums(4), "output": nums(3), "weight_matrix": nums(2)}),
    },
    "/network": {
        "model": STR, "format": STR, "runnable": BOOL, "summary": arr({"type": "object"}), "total_params": INT,
        "input": maybe(nums(2)), "source": maybe(obj({"sample": INT, "label": INT, "index": INT})),
        "layers": arr(obj({"name": STR, "op": STR, "output_shape": arr(INT), "output": ANY_ARRAY},
                          optional=("receptive_field",))),
        "kernel_links": {"type": "object", "additionalProperties": arr(STR)},
        "probabilities": maybe(nums(1)), "prediction": INT, "contributions": arr({"type": "object"}),
        "selection": maybe({"type": "object"}),
        "card": obj({"seed": INT, "epochs": INT, "test_accuracy": NUM, "date": STR}),
    },
}
# keys a view has only for some states (a pooling layer asked for, several channels, a runnable model, the built-in one)
OPTIONAL = {"/shapes": ("pooled",), "/transpose": ("layer",),
            "/network": ("probabilities", "prediction", "contributions", "selection", "card")}


def response_schema(path: str, state: type[PageState]) -> Schema:
    """The whole answer of ``GET <path>.json``: the envelope and the page's view."""
    view = VIEWS.get(path, {})
    return obj({"state": state_schema(state), "url": {"type": "string", "pattern": f"^{path}(\\?.*)?$"}, **view},
               optional=OPTIONAL.get(path, ()))
