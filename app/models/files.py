"""Reading model and weight files safely: .npy, .npz, .safetensors and .onnx; never a pickle.

Every limit of :class:`Limits` (from settings) is checked before the numbers are built: the byte
size before anything is parsed; tensor counts, each tensor's size and the total from the headers
(an .npy header, a .safetensors JSON header, the ONNX graph's declared dims), and each declared
size against the bytes actually there. Errors are :class:`~app.problems.Problem` answers naming
the field (``file``) and the limit or rule.

A weight file (.npy/.npz/.safetensors) has no graph: it is summarised tensor by tensor (a rank-4
``<layer>.weight`` is a convolution's kernels ``(N, kh, kw, C)``, a rank-2 one a dense layer's
``(K, M)``), and it runs when it holds exactly the digit network's tensors. An .onnx file is a
graph and runs (see :mod:`app.models.onnx_reader`).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np

from app.engine.errors import ParameterError
from app.engine.network import Conv, ConvTranspose, Dense, Network
from app.problems import Problem
from app.settings import Settings

from .digits import architecture, blank_weights

PICKLED = {".pt", ".pth", ".pkl", ".pickle", ".h5", ".hdf5", ".ckpt", ".bin", ".joblib"}
FORMATS = {".npy": "npy", ".npz": "npz", ".safetensors": "safetensors", ".onnx": "onnx"}
CONVERT = ("convert it first, without pickle: torch.onnx.export(model, example_input, \"model.onnx\"), or"
           " safetensors.torch.save_file(model.state_dict(), \"model.safetensors\")")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_tensors: int
    max_params: int
    max_tensor: int
    max_layers: int

    @classmethod
    def from_settings(cls, s: Settings) -> Limits:
        return cls(s.model_max_bytes, s.model_max_tensors, s.model_max_params, s.model_max_tensor, s.model_max_layers)

    def check_shapes(self, shapes: dict[str, tuple[int, ...]]) -> None:
        """Tensor count, each tensor's size and the total, from declared shapes (before any data is read)."""
        if len(shapes) > self.max_tensors:
            raise Problem(413, f"the file holds {len(shapes)} tensors; at most {self.max_tensors} are allowed"
                          " (CONVSTEP_MODEL_MAX_TENSORS)", "file")
        total = 0
        for name, shape in shapes.items():
            if any(d < 0 for d in shape):
                raise Problem(422, f"tensor {name!r} declares a negative dimension {shape}", "file")
            size = prod(shape)
            if size > self.max_tensor:
                raise Problem(413, f"tensor {name!r} has {size} numbers {tuple(shape)}; at most {self.max_tensor}"
                              " are allowed in one tensor (CONVSTEP_MODEL_MAX_TENSOR)", "file")
            total += size
        if total > self.max_params:
            raise Problem(413, f"the file holds {total} numbers; at most {self.max_params} are allowed"
                          " (CONVSTEP_MODEL_MAX_PARAMS)", "file")


@dataclass(frozen=True)
class ModelFile:
    """A read model: its format, its tensors' summary, and a runnable network when it has one."""

    format: str
    layers: list[dict[str, Any]]
    total_params: int
    network: Network | None
    detail: str = ""


def suffix_of(filename: str) -> str:
    name = filename.lower()
    return name[name.rfind(".") :] if "." in name else ""


def check_format(filename: str) -> str:
    """The format from the file name's extension; pickles and unknown types are refused (415)."""
    suffix = suffix_of(filename)
    if suffix in PICKLED:
        raise Problem(415, f"{suffix} files are Python pickles, which can run code when loaded: convstep never"
                      f" unpickles. {CONVERT}", "file")
    if suffix not in FORMATS:
        raise Problem(415, f"unsupported model file {filename[:80]!r}: use .onnx, .safetensors, .npz or .npy", "file")
    return FORMATS[suffix]


def read_model(data: bytes, filename: str, limits: Limits) -> ModelFile:
    """Parse ``data`` (the file's bytes) by its ``filename``'s extension; Problem on anything unsafe or wrong."""
    fmt = check_format(filename)
    if len(data) > limits.max_bytes:
        raise Problem(413, f"the file has {len(data)} bytes; at most {limits.max_bytes} are allowed"
                      " (CONVSTEP_MODEL_MAX_BYTES)", "file")
    if not data:
        raise Problem(422, "the file is empty", "file")
    if fmt == "onnx":
        from .onnx_reader import read_onnx  # onnx is imported only when an .onnx file arrives

        return read_onnx(data, limits)
    if fmt == "npy":
        tensors = {"array": _read_npy(io.BytesIO(data), "array", limits)}
    elif fmt == "npz":
        tensors = _read_npz(data, limits)
    else:
        tensors = _read_safetensors(data, limits)
    for name, array in tensors.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise Problem(422, f"tensor {name!r} holds NaN or infinite numbers: weights must be finite", "file")
    return weights_model(fmt, {k: v.astype(np.float64) for k, v in tensors.items()})


def weights_model(fmt: str, tensors: dict[str, np.ndarray]) -> ModelFile:
    """A weight file's summary; runnable when its tensors are exactly the digit network's."""
    blank = blank_weights()
    if tensors.keys() == blank.keys() and all(tensors[k].shape == blank[k].shape for k in blank):
        net = architecture(tensors)
        return ModelFile(fmt, summarize(net), net.total_params, net, "the digit network's layout")
    layers: list[dict[str, Any]] = []
    groups: dict[str, list[tuple[str, np.ndarray]]] = {}
    for name, array in tensors.items():
        groups.setdefault(name.rsplit(".", 1)[0] if "." in name else name, []).append((name, array))
    for group, members in groups.items():
        weight = next((a for n, a in members if n.endswith("weight") or len(members) == 1), members[0][1])
        op = {4: "conv", 2: "dense"}.get(weight.ndim, "tensor")
        layers.append({"name": group, "op": op, "input_shape": None, "output_shape": None,
                       "params": int(sum(a.size for _, a in members)),
                       "tensors": {n: list(a.shape) for n, a in members}})
    return ModelFile(fmt, layers, int(sum(a.size for a in tensors.values())), None,
                     "a weight file without a graph: its tensors are listed; upload an .onnx model to run it")


def summarize(net: Network) -> list[dict[str, Any]]:
    """The /shapes-style table: each layer's name, op, input and output shape (per sample), parameters."""
    try:
        shapes = net.shapes()
    except ParameterError as exc:
        raise Problem(422, f"the model's layers do not fit together: {exc.message}", "file") from None
    rows = []
    for name, layer, (shape_in, shape_out) in zip(net.names, net.layers, shapes, strict=True):
        row: dict[str, Any] = {"name": name, "op": layer.op, "input_shape": list(shape_in),
                               "output_shape": list(shape_out), "params": layer.params}
        if isinstance(layer, Conv | ConvTranspose):
            row["kernel"] = list(layer.weight.shape[1:3])
            row["stride"], row["padding"] = list(layer.stride), [list(p) for p in layer.padding]
            row["dilation"], row["groups"] = list(layer.dilation), layer.groups
        elif isinstance(layer, Dense):
            row["units"] = int(layer.weight.shape[1])
        rows.append(row)
    return rows


def _read_npy(f: io.BytesIO | Any, name: str, limits: Limits, declared: int | None = None) -> np.ndarray:
    """One .npy: its header read and checked first (numeric dtype, size limits), then the data (no pickle)."""
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    except (ValueError, OSError, SyntaxError) as exc:
        raise Problem(422, f"tensor {name!r} is not a valid .npy array: {str(exc)[:120]}", "file") from None
    if dtype.hasobject or dtype.kind not in "fiub":
        raise Problem(422, f"tensor {name!r} has dtype {dtype}: only numbers are read (no objects, never pickle)",
                      "file")
    limits.check_shapes({name: tuple(shape)})
    if declared is not None and declared > prod(shape) * dtype.itemsize + 65536:
        raise Problem(422, f"tensor {name!r} is {declared} bytes in the archive, more than its header's"
                      f" {tuple(shape)} {dtype} needs", "file")
    data = f.read(prod(shape) * dtype.itemsize + 1)
    if len(data) != prod(shape) * dtype.itemsize:
        raise Problem(422, f"tensor {name!r} declares shape {tuple(shape)} ({prod(shape) * dtype.itemsize} bytes)"
                      f" but holds {len(data)} bytes", "file")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")


def _read_npz(data: bytes, limits: Limits) -> dict[str, np.ndarray]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Problem(422, "not a valid .npz file (its zip directory could not be read)", "file") from None
    if len(infos) > limits.max_tensors:
        raise Problem(413, f"the file holds {len(infos)} tensors; at most {limits.max_tensors} are allowed"
                      " (CONVSTEP_MODEL_MAX_TENSORS)", "file")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_params * 8 + 65536 * len(infos):
        raise Problem(413, f"the archive unpacks to {declared} bytes, more than {limits.max_params} numbers need"
                      " (CONVSTEP_MODEL_MAX_PARAMS)", "file")
    tensors: dict[str, np.ndarray] = {}
    try:
        for info in infos:
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            with archive.open(info) as f:
                tensors[name] = _read_npy(f, name, limits, info.file_size)
            limits.check_shapes({k: v.shape for k, v in tensors.items()})
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise Problem(422, f"not a valid .npz file: {str(exc)[:120]}", "file") from None
    if not tensors:
        raise Problem(422, "the .npz file holds no arrays", "file")
    return tensors


SAFETENSORS_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8, "I16": np.int16,
                      "I32": np.int32, "I64": np.int64, "U8": np.uint8, "U16": np.uint16, "U32": np.uint32,
                      "U64": np.uint64, "BOOL": np.bool_}


def _read_safetensors(data: bytes, limits: Limits) -> dict[str, np.ndarray]:
    """The JSON header checked (dtypes, shapes against offsets and the file's length, limits) before loading."""
    if len(data) < 8:
        raise Problem(422, "not a valid .safetensors file (shorter than its 8-byte header length)", "file")
    n = int.from_bytes(data[:8], "little")
    if n > len(data) - 8:
        raise Problem(422, f"not a valid .safetensors file: its header claims {n} bytes but the file has"
                      f" {len(data) - 8} after the length", "file")
    try:
        header = json.loads(data[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Problem(422, "not a valid .safetensors file (its header is not JSON)", "file") from None
    if not isinstance(header, dict):
        raise Problem(422, "not a valid .safetensors file (its header is not a JSON object)", "file")
    header.pop("__metadata__", None)
    shapes, body = {}, len(data) - 8 - n
    for name, spec in header.items():
        try:
            dtype, shape, (begin, end) = spec["dtype"], tuple(int(d) for d in spec["shape"]), spec["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise Problem(422, f"not a valid .safetensors file: tensor {name!r} lacks dtype, shape or offsets",
                          "file") from None
        if dtype not in SAFETENSORS_DTYPES:
            raise Problem(422, f"tensor {name!r} has dtype {dtype}; readable: {', '.join(SAFETENSORS_DTYPES)}", "file")
        shapes[name] = shape
        limits.check_shapes({name: shape})
        need = prod(shape) * np.dtype(SAFETENSORS_DTYPES[dtype]).itemsize
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= body and end - begin == need):
            raise Problem(422, f"tensor {name!r} declares shape {shape} ({need} bytes) but its offsets"
                          f" [{begin}, {end}] do not hold that within the file's {body} data bytes", "file")
    limits.check_shapes(shapes)
    if not shapes:
        raise Problem(422, "the .safetensors file holds no tensors", "file")
    from safetensors.numpy import load

    try:
        return dict(load(data))
    except Exception as exc:  # the package's own SafetensorError for anything the checks above missed
        raise Problem(422, f"not a valid .safetensors file: {str(exc)[:160]}", "file") from None
