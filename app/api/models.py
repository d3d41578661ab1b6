"""/api/models: the built-in digit network and uploaded model files — summaries, and running them.

Uploads (.onnx, .safetensors, .npz, .npy; never a pickle) are read by :mod:`app.models.files`
with every limit checked before the numbers are built, and stored by the SHA-256 of their bytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..engine.network import Softmax, forward
from ..models.digits import card, digits_network
from ..models.files import ModelFile, summarize
from ..models.store import get_model_store
from ..problems import Problem
from ..settings import Settings
from ..sources import load_image
from . import rules
from .schemas import ERROR_RESPONSES, ProblemBody, checked_array, finite_output

router = APIRouter(tags=["models"])

MODEL_ID = {"anyOf": [{"type": "string", "enum": ["digits"]}, {"type": "string", "pattern": "^[0-9a-f]{32}$"}]}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ProblemBody, "description": "No model is stored under this id (upload it again)"}}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "title": "ModelUpload", "required": ["file"], "additionalProperties": False,
    "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream", "title": "File",
                            "description": ".onnx, .safetensors, .npz or .npy (the file name's extension decides)"}},
}}}}}


class RunRequest(BaseModel):
    """Give exactly one of ``input`` and ``image_id``; its shape must be the model's input shape."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid",
                              json_schema_extra={"examples": [{"input": [[0, 0, 5, 13, 9, 1, 0, 0]] * 8}]})
    input: list[Any] | None = Field(None, description="(H, W), (H, W, C) or (K) numbers; for digits 8×8 on 0–16",
                                    json_schema_extra=rules.nullable(rules.ARRAY))
    image_id: str | None = Field(None, description="Instead of `input`: an uploaded image's id or a sample name"
                                 " whose size is the model's input size", json_schema_extra=rules.IMAGE_REF)


def _summary(model_id: str, model: ModelFile) -> dict[str, Any]:
    return {"id": model_id, "format": model.format, "runnable": model.network is not None,
            "input_shape": None if model.network is None else list(model.network.input_shape),
            "layers": model.layers, "total_params": model.total_params, "detail": model.detail}


def builtin() -> dict[str, Any]:
    net = digits_network()
    c = card()
    return {"id": "digits", "format": "npz", "runnable": True, "input_shape": list(net.input_shape),
            "layers": summarize(net), "total_params": net.total_params,
            "detail": "a CNN trained by `make train` on scikit-learn's 8×8 digits (input 0–16)",
            "card": c}


def _model(model_id: str, settings: Settings) -> ModelFile:
    if model_id == "digits":
        net = digits_network()
        return ModelFile("npz", summarize(net), net.total_params, net)
    return get_model_store(settings).get(model_id)


@router.get("/models", summary="The built-in models")
def models() -> list[dict[str, Any]]:
    """The built-in models (``digits``, with its training card). Uploaded models are reached by their id."""
    return [builtin()]


@router.post(
    "/models", status_code=201, summary="Upload a model or weight file (.onnx, .safetensors, .npz, .npy)",
    responses={201: {"description": "Stored; `id` names it in /api/models/{id} and /api/models/{id}/run"},
               **ERROR_RESPONSES, 415: {"model": ProblemBody, "description": "Not a readable format; pickles"
                                        " (.pt, .pth, .pkl, .h5) are refused with the conversion to use"}},
    openapi_extra=UPLOAD_BODY,
)
async def upload_model(request: Request) -> dict[str, Any]:
    """Limits (CONVSTEP_MODEL_MAX_BYTES, _TENSORS, _PARAMS, _TENSOR, _LAYERS) are checked before the numbers
    are built; external data, NaN/Inf weights, cycles and unsupported ONNX ops are refused by name."""
    settings: Settings = request.app.state.settings
    try:
        form = await request.form(max_files=1, max_fields=1)
    except Exception:
        raise Problem(400, "the body must be a multipart form with one field `file`", "file") from None
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Problem(422, "send the model as the multipart field `file` (a file, with its name)", "file")
        data = await upload.read(settings.model_max_bytes + 1)
        filename = upload.filename or ""
    finally:
        await form.close()
    key, model = get_model_store(settings).put(data, filename)
    return _summary(key, model)


@router.api_route("/models", methods=["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"], include_in_schema=False)
def models_other_methods() -> Response:
    """GET and POST share /api/models as two routes; a 405 here names both (Starlette's would name the first)."""
    return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": "GET, POST"})


@router.get("/models/{model_id}", responses={**ERROR_RESPONSES, **NOT_FOUND}, summary="One model's layer summary")
def model_summary(request: Request, model_id: str = Path(json_schema_extra=MODEL_ID)) -> dict[str, Any]:
    if model_id == "digits":
        return builtin()
    return _summary(model_id, _model(model_id, request.app.state.settings))


@router.post("/models/{model_id}/run", responses={**ERROR_RESPONSES, **NOT_FOUND},
             summary="Run a model on one input: every layer's output")
def run_model(request: Request, body: RunRequest, model_id: str = Path(json_schema_extra=MODEL_ID)) -> dict[str, Any]:
    """Outputs are channels last ((H, W, C) per layer). ``probabilities`` when the model ends in softmax."""
    settings: Settings = request.app.state.settings
    model = _model(model_id, settings)
    net = model.network
    if net is None:
        raise Problem(422, f"model {model_id} is a weight file without a graph: {model.detail}", "model_id")
    if (body.input is None) == (body.image_id is None):
        raise Problem(422, "give exactly one of input and image_id", "input")
    x = (checked_array(body.input, "input", settings, (1, 2, 3)) if body.input is not None
         else load_image(str(body.image_id), settings, "image_id").astype(np.float64))
    if x.ndim == 2 and len(net.input_shape) == 3 and net.input_shape[2] == 1:
        x = x[..., None]
    if x.shape != tuple(net.input_shape):
        raise Problem(422, f"the model takes input of shape {list(net.input_shape)}, got {list(x.shape)}",
                      "input" if body.input is not None else "image_id")
    outs = forward(net, x[None])
    layers = [{"name": name, "op": layer.op, "output_shape": list(o.shape[1:]),
               "output": finite_output(o[0], "input").tolist()}
              for name, layer, o in zip(net.names, net.layers, outs, strict=True)]
    result: dict[str, Any] = {"model": model_id, "layers": layers, "prediction": int(outs[-1][0].argmax())}
    if isinstance(net.layers[-1], Softmax):
        result["probabilities"] = outs[-1][0].tolist()
    return result
