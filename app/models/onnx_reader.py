"""Reading an .onnx model into a :class:`~app.engine.network.Network`, refusing anything unsafe.

The file is parsed as protobuf (never executed). Before any tensor becomes an array: no external
data references; tensor count, each tensor's declared size and the total within the limits; each
declared size against the bytes the tensor really holds; at most ``max_layers`` nodes; nodes in
an order where every input exists before it is read (a cycle cannot be ordered so). Then the
nodes must form a chain (each reads the previous one's output, plus constants) of the ops in
:data:`SUPPORTED`; any other op is refused by name. ONNX is NCHW; the engine is channels last,
so kernels ``(N, C/g, kh, kw)`` become ``(N, kh, kw, C/g)`` and Flatten keeps ONNX's C, H, W order.
BatchNormalization is folded into the convolution before it; an Add of a per-channel constant
after a convolution joins its bias. ``auto_pad`` SAME_UPPER / SAME_LOWER on Conv and pools becomes
explicit padding by the spec's rule (output = ceil(n / s); the odd cell at the end or the start);
a residual Add of two branches and a Concat on channels run (topological order, one pass).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from math import prod
from typing import Any

import numpy as np

from app.engine.errors import ParameterError
from app.engine.network import (
    Bias,
    Concat,
    Conv,
    ConvTranspose,
    Dense,
    Flatten,
    GlobalAvgPool,
    Layer,
    Network,
    Pool,
    Relu,
    Softmax,
    Sum,
)
from app.problems import Problem

from .files import Limits, ModelFile, summarize

SUPPORTED = ("Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sum", "Concat", "Relu", "MaxPool", "AveragePool",
             "GlobalAveragePool", "Flatten", "Reshape", "Softmax", "BatchNormalization", "Constant")


def _bad(detail: str, status: int = 422) -> Problem:
    return Problem(status, detail, "file")


def _tensor_shapes(model: Any, limits: Limits) -> dict[str, Any]:
    """Initializers and Constant nodes' values: checked (external data, sizes, bytes) then converted."""
    from onnx import TensorProto, numpy_helper

    protos = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            value = next((a.t for a in node.attribute if a.name == "value"), None)
            if value is None or len(node.output) != 1:
                raise _bad(f"Constant node {node.name!r}: only a tensor `value` attribute is read")
            protos[node.output[0]] = value
    limits.check_shapes({name: tuple(t.dims) for name, t in protos.items()})
    sizes = {TensorProto.FLOAT: 4, TensorProto.DOUBLE: 8, TensorProto.INT64: 8, TensorProto.INT32: 4,
             TensorProto.FLOAT16: 2}
    fields = {TensorProto.FLOAT: "float_data", TensorProto.DOUBLE: "double_data", TensorProto.INT64: "int64_data",
              TensorProto.INT32: "int32_data", TensorProto.FLOAT16: "int32_data"}
    arrays = {}
    for name, t in protos.items():
        if t.data_location == TensorProto.EXTERNAL or len(t.external_data):
            raise _bad(f"tensor {name!r} refers to external data (a file beside the model): external data is"
                       " refused; save the model with its weights inside (onnx.save(model, path,"
                       " save_as_external_data=False))")
        if t.data_type not in sizes:
            raise _bad(f"tensor {name!r} has ONNX data type {t.data_type}; readable: float, double, float16,"
                       " int32, int64")
        count = prod(t.dims)
        held = len(t.raw_data) // sizes[t.data_type] if t.raw_data else len(getattr(t, fields[t.data_type]))
        if (len(t.raw_data) if t.raw_data else held) != (count * sizes[t.data_type] if t.raw_data else count):
            raise _bad(f"tensor {name!r} declares dims {list(t.dims)} ({count} numbers) but holds {held}")
        array = numpy_helper.to_array(t)
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise _bad(f"tensor {name!r} holds NaN or infinite numbers: weights must be finite")
        arrays[name] = array
    return arrays


def _check_order(graph: Any, known: set[str]) -> None:
    """Every node's inputs exist before it runs; otherwise the graph has a cycle or is out of order."""
    produced = {out: node for node in graph.node for out in node.output}
    available = set(known)
    for node in graph.node:
        for name in node.input:
            if name and name not in available:
                if name in produced:
                    raise _bad(f"node {node.name or node.op_type!r} reads {name!r} before it is made: the graph has a"
                               " cycle or its nodes are not in topological order")
                raise _bad(f"node {node.name or node.op_type!r} reads {name!r}, which nothing defines")
        available.update(node.output)


def _input_shape(graph: Any, constants: dict[str, Any]) -> tuple[str, tuple[int, ...]]:
    inputs = [i for i in graph.input if i.name not in constants]
    if len(inputs) != 1:
        raise _bad(f"the model needs exactly one data input, it has {len(inputs)}")
    dims = inputs[0].type.tensor_type.shape.dim
    values = [int(d.dim_value) if d.HasField("dim_value") else 0 for d in dims]
    if len(values) == 4 and all(v > 0 for v in values[1:]):
        return str(inputs[0].name), (values[2], values[3], values[1])  # NCHW → (H, W, C)
    if len(values) == 2 and values[1] > 0:
        return str(inputs[0].name), (values[1],)
    raise _bad(f"the model's input {inputs[0].name!r} has shape {values}: it must be (N, C, H, W) or (N, K) with"
               " C, H, W or K fixed numbers")


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pads(a: dict[str, Any], node: Any, shape: tuple[int, ...] | None = None, kernel: tuple[int, int] = (1, 1),
          stride: tuple[int, int] = (1, 1), dilation: tuple[int, int] = (1, 1)) -> tuple[tuple[int, int], tuple[int, int]]:
    """Explicit ``pads`` (top, left, bottom, right in ONNX) or ``auto_pad``: VALID is none; SAME_UPPER and
    SAME_LOWER pad so that output = ceil(input / stride), the odd cell at the end (UPPER) or the start (LOWER)."""
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    label = node.name or node.op_type
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        if shape is None or len(shape) != 3:
            raise _bad(f"node {label!r}: auto_pad {auto} is supported on Conv and pooling layers of an H×W×C input")
        out = []
        for n, k, s, d in zip(shape[:2], kernel, stride, dilation, strict=True):
            total = max(0, (-(-n // s) - 1) * s + (k - 1) * d + 1 - n)
            small, large = total // 2, total - total // 2
            out.append((small, large) if auto == "SAME_UPPER" else (large, small))
        return (out[0], out[1])
    if auto not in ("NOTSET", "VALID"):
        raise _bad(f"node {label!r}: auto_pad {auto} is not an ONNX auto_pad (NOTSET, VALID, SAME_UPPER, SAME_LOWER)")
    p = [int(v) for v in a.get("pads", [0, 0, 0, 0])] if auto == "NOTSET" else [0, 0, 0, 0]
    if len(p) != 4:
        raise _bad(f"node {label!r}: only 2-D layers are supported (pads {p})")
    return ((p[0], p[2]), (p[1], p[3]))


def _pair(a: dict[str, Any], key: str, default: int = 1) -> tuple[int, int]:
    v = [int(x) for x in a.get(key, [default, default])]
    if len(v) != 2:
        raise _bad(f"{key} {v}: only 2-D layers are supported")
    return (v[0], v[1])


def _convert(node: Any, a: dict[str, Any], const: dict[str, Any], shape: tuple[int, ...],
             layers: list[Layer], can_fold: bool = True) -> Layer | None:
    """The engine layer for one node (None when the node was folded into the previous layer; ``can_fold``:
    the node reads the previous layer's output and nothing else does)."""
    op, label = node.op_type, node.name or node.op_type
    if any(name and name not in const for name in node.input[1:]):
        raise _bad(f"node {label!r} ({op}): its inputs after the first must be constants (weights); only Add, Sum"
                   " and Concat join two branches")
    args = [const[name] for name in node.input[1:] if name]
    if op in ("Conv", "ConvTranspose"):
        w = np.asarray(args[0], dtype=np.float64)
        if w.ndim != 4:
            raise _bad(f"node {label!r}: only 2-D convolutions are supported (weight rank {w.ndim})")
        if "output_shape" in a:
            raise _bad(f"node {label!r}: the output_shape attribute is not supported; give pads and output_padding")
        kernels = w.transpose(0, 2, 3, 1)
        n_out = w.shape[0] if op == "Conv" else w.shape[1] * int(a.get("group", 1))
        bias = np.asarray(args[1], dtype=np.float64) if len(args) > 1 else np.zeros(n_out)
        stride, dilation, groups = _pair(a, "strides"), _pair(a, "dilations"), int(a.get("group", 1))
        auto = a.get("auto_pad", b"NOTSET")
        if op == "ConvTranspose" and (auto.decode() if isinstance(auto, bytes) else str(auto)).startswith("SAME"):
            raise _bad(f"node {label!r}: ConvTranspose with auto_pad SAME is not supported; give pads explicitly")
        padding = _pads(a, node, shape, (w.shape[2], w.shape[3]), stride, dilation)
        if op == "Conv":
            return Conv(kernels, bias, stride, padding, dilation, groups)
        return ConvTranspose(kernels, bias, stride, padding, dilation, groups, _pair(a, "output_padding", 0))
    if op == "BatchNormalization":
        prev = layers[-1] if layers and can_fold else None
        if not isinstance(prev, Conv):
            raise _bad(f"node {label!r}: BatchNormalization is folded into the convolution before it; here none is")
        scale, beta, mean, var = (np.asarray(x, dtype=np.float64) for x in args[:4])
        factor = scale / np.sqrt(var + float(a.get("epsilon", 1e-5)))
        layers[-1] = replace(prev, weight=prev.weight * factor[:, None, None, None],
                             bias=(prev.bias - mean) * factor + beta)
        return None
    if op in ("MaxPool", "AveragePool"):
        if len(node.output) > 1 and node.output[1]:
            raise _bad(f"node {label!r}: MaxPool's Indices output is not supported")
        size, stride, dilation = _pair(a, "kernel_shape"), _pair(a, "strides"), _pair(a, "dilations")
        return Pool(size, stride, _pads(a, node, shape, size, stride, dilation),
                    "max" if op == "MaxPool" else "avg", dilation, bool(a.get("ceil_mode", 0)),
                    bool(a.get("count_include_pad", 0)))
    if op == "GlobalAveragePool":
        return GlobalAvgPool()
    if op == "Relu":
        return Relu()
    if op == "Softmax":
        if len(shape) != 1 or int(a.get("axis", -1)) not in (-1, 1):
            raise _bad(f"node {label!r}: Softmax is supported over a vector's last axis only")
        return Softmax()
    if op == "Flatten":
        if int(a.get("axis", 1)) != 1:
            raise _bad(f"node {label!r}: Flatten is supported with axis 1 only")
        return Flatten()
    if op == "Reshape":
        target = [int(v) for v in np.asarray(args[0]).ravel()]
        k = prod(shape)
        if len(target) == 2 and target[0] in (-1, 0, 1) and target[1] in (-1, k):
            return Flatten()
        raise _bad(f"node {label!r}: Reshape to {target} is supported only as a flatten to (N, {k})")
    if op in ("Gemm", "MatMul"):
        if len(shape) != 1:
            raise _bad(f"node {label!r}: {op} needs a vector per sample; flatten first (input shape {shape})")
        b = np.asarray(args[0], dtype=np.float64)
        if op == "Gemm":
            if int(a.get("transA", 0)):
                raise _bad(f"node {label!r}: Gemm with transA is not supported")
            w = float(a.get("alpha", 1.0)) * (b.T if int(a.get("transB", 0)) else b)
            c = np.asarray(args[1], dtype=np.float64) if len(args) > 1 else np.zeros(w.shape[1])
            bias = float(a.get("beta", 1.0)) * np.broadcast_to(c, (1, w.shape[1]))[0]
        else:
            w, bias = b, np.zeros(b.shape[1] if b.ndim == 2 else 0)
        if w.ndim != 2:
            raise _bad(f"node {label!r}: {op}'s weight must be a matrix, got shape {list(w.shape)}")
        return Dense(w, np.array(bias))
    if op == "Add":
        value = np.asarray(args[0], dtype=np.float64)
        prev = layers[-1] if layers and can_fold else None
        if len(shape) == 3 and isinstance(prev, Conv) and value.size == shape[2] and value.shape[-2:] in ((1, 1), ()):
            layers[-1] = replace(prev, bias=prev.bias + value.ravel())
            return None
        if len(shape) == 1 and value.size in (1, shape[0]):
            return Bias(np.broadcast_to(value.ravel(), shape).copy())
        raise _bad(f"node {label!r}: Add is supported for a bias (one value per unit or channel), got shape"
                   f" {list(value.shape)} on {shape}")
    raise _bad(f"node {label!r}: operator {op} is not supported; supported: {', '.join(SUPPORTED)}")


def read_onnx(data: bytes, limits: Limits) -> ModelFile:
    import onnx
    from google.protobuf.message import DecodeError  # type: ignore[import-untyped]

    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError):
        raise _bad("not a valid ONNX file: its protobuf could not be parsed (truncated or not ONNX)") from None
    graph = model.graph
    if len(graph.node) > limits.max_layers:
        raise _bad(f"the graph has {len(graph.node)} nodes; at most {limits.max_layers} are allowed"
                   " (CONVSTEP_MODEL_MAX_LAYERS)", 413)
    if not len(graph.node):
        raise _bad("not a usable ONNX model: its graph has no nodes (truncated, or not ONNX)")
    const = _tensor_shapes(model, limits)
    name, shape = _input_shape(graph, const)
    _check_order(graph, set(const) | {name})
    layers: list[Layer] = []
    names: list[str] = []
    sources: list[tuple[int, ...]] = []
    where = {name: 0}  # tensor name → value index (0 the input, k + 1 layer k's output)
    shapes = [shape]  # value index → shape per sample
    readers = Counter(n for node in graph.node for n in node.input if n)
    for i, node in enumerate(graph.node, 1):
        if node.op_type == "Constant":
            continue
        label = node.name or node.op_type
        feeds: list[str] = [str(t) for t in node.input if t and t not in const]
        if not feeds or feeds[0] != node.input[0]:
            raise _bad(f"node {label!r} ({node.op_type}): its first input must be a layer's output or the model's input")
        try:
            if node.op_type in ("Add", "Sum", "Concat") and (len(feeds) > 1 or node.op_type == "Concat"):
                if len(feeds) != len([t for t in node.input if t]):
                    raise _bad(f"node {label!r} ({node.op_type}): joins branches and constants together")
                if node.op_type == "Concat" and int(_attrs(node).get("axis", 1)) not in (1, -3):
                    raise _bad(f"node {label!r}: Concat is supported on the channel axis (1) only")
                layer: Layer | None = Concat() if node.op_type == "Concat" else Sum()
                src = tuple(where[t] for t in feeds)
                assert isinstance(layer, Sum | Concat)
                out_shape = layer.out_shapes([shapes[k] for k in src])
            else:
                src = (where[feeds[0]],)
                can_fold = src[0] == len(layers) and readers[feeds[0]] == 1
                layer = _convert(node, _attrs(node), const, shapes[src[0]], layers, can_fold)
                assert not isinstance(layer, Sum | Concat)
                out_shape = layer.out_shape(shapes[src[0]]) if layer is not None else shapes[src[0]]
        except ParameterError as exc:
            raise _bad(f"node {label!r} ({node.op_type}): {exc.message}") from None
        if layer is None:  # folded into the layer before (BatchNormalization, a bias Add): same value
            where[node.output[0]] = src[0]
            continue
        layers.append(layer)
        names.append(node.name or f"{node.op_type.lower()}{i}")
        sources.append(src)
        shapes.append(out_shape)
        where[node.output[0]] = len(layers)
    outputs = [o.name for o in graph.output]
    if len(outputs) != 1 or where.get(outputs[0]) != len(layers):
        raise _bad(f"the graph's output {outputs[:1]} must be its last layer's ({names[-1] if names else 'none'})")
    net = Network(_input_shape(graph, const)[1], tuple(layers), tuple(names), tuple(sources))
    return ModelFile("onnx", summarize(net), net.total_params, net)

