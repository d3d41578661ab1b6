"""ONNX's published backend node test cases for Conv, ConvTranspose, MaxPool (with Indices), AveragePool,
GlobalMaxPool and GlobalAveragePool, run against the engine.

The cases ship as data inside the ``onnx`` package (releases up to 1.22; a test-only dependency): a
one-node model, its inputs and the expected outputs. This adapter reads the node's attributes,
turns ONNX's layout (N, C, H, W) into the engine's channels-last one, resolves ``auto_pad`` with
ONNX's own rule, and compares. Every 1-D and 2-D case of these operators runs (pooling padding by ONNX's
rule, ``padding_rule="onnx"``, as the API does); ``LEFT_OUT`` lists the others with the reason
(docs/conformance.md says the same).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the onnx package (test-only, in the dev extra) carries the cases")
from onnx import numpy_helper  # noqa: E402

from app.engine.conv import correlate_many  # noqa: E402
from app.engine.pool import pool  # noqa: E402
from app.engine.transpose import conv_transpose_many  # noqa: E402

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data" / "node"
OPS = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool"}
LEFT_OUT = {  # case: why
    "test_averagepool_3d_default": "3-D (volumetric) pooling is out of scope",
    "test_averagepool_3d_dilations_small": "3-D",
    "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_False": "3-D",
    "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_True": "3-D",
    "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_False": "3-D",
    "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True": "3-D",
    "test_maxpool_3d_default": "3-D",
    "test_maxpool_3d_dilations": "3-D",
    "test_maxpool_3d_dilations_use_ref_impl": "3-D",
    "test_maxpool_3d_dilations_use_ref_impl_large": "3-D",
    "test_convtranspose_3d": "3-D",
}

ATOL = {"test_averagepool_2d_ceil_last_window_starts_on_pad": 1e-4}  # its expected values are stored to 4 decimals


def _cases() -> list[str]:
    if not DATA.is_dir():
        return []
    found = []
    for case in sorted(DATA.iterdir()):
        model = case / "model.onnx"
        if model.is_file() and (case / "test_data_set_0").is_dir():
            ops = {n.op_type for n in onnx.load(str(model)).graph.node}
            if len(ops) == 1 and ops <= OPS:
                found.append(case.name)
    return found


CASES = _cases()


def _load(case: str):
    model = onnx.load(str(DATA / case / "model.onnx"))
    (node,) = model.graph.node
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
    folder = DATA / case / "test_data_set_0"
    inputs, outputs = [], []
    for kind, into in (("input", inputs), ("output", outputs)):
        for i in range(len(list(folder.glob(f"{kind}_*.pb")))):
            tensor = onnx.TensorProto()
            tensor.ParseFromString((folder / f"{kind}_{i}.pb").read_bytes())
            into.append(numpy_helper.to_array(tensor))
    return node, attrs, inputs, outputs


def _pads(attrs: dict, spatial: tuple[int, ...], kernel: tuple[int, ...], strides, dilations, ceil_mode=False):
    """Per-axis (before, after) padding, ``auto_pad`` resolved by ONNX's rule (output = ceil(n / s))."""
    nd = len(spatial)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = []
        for n, k, s, d in zip(spatial, kernel, strides, dilations, strict=True):
            total = max(0, (math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n)
            small = total // 2
            pads.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
        return pads
    if auto == "VALID":
        return [(0, 0)] * nd
    p = attrs.get("pads", [0] * 2 * nd)
    return [(p[i], p[i + nd]) for i in range(nd)]


def _lift(x: np.ndarray) -> np.ndarray:
    """(N, C, L) → (N, C, 1, L): a 1-D case is one row of a 2-D one."""
    return x[:, :, None, :] if x.ndim == 3 else x


def run_conv(attrs, inputs):
    x, w = _lift(inputs[0].astype(np.float64)), _lift(inputs[1].astype(np.float64))
    one_d = inputs[0].ndim == 3
    kernel = w.shape[2:]
    strides = ([1] if one_d else []) + list(attrs.get("strides", [1] * len(inputs[0].shape[2:])))
    dilations = ([1] if one_d else []) + list(attrs.get("dilations", [1] * len(inputs[0].shape[2:])))
    pads = _pads(attrs, x.shape[2:], kernel, strides, dilations) if not one_d else \
        [(0, 0)] + _pads(attrs, x.shape[3:], kernel[1:], strides[1:], dilations[1:])
    bias = inputs[2] if len(inputs) > 2 else None
    ks = w.transpose(0, 2, 3, 1)  # (M, C/g, kh, kw) → (M, kh, kw, C/g)
    out = np.stack([
        correlate_many(xn.transpose(1, 2, 0), ks, bias=bias, stride=strides, padding=pads, dilation=dilations,
                       groups=attrs.get("group", 1))
        for xn in x
    ])
    out = out.transpose(0, 3, 1, 2)
    return [out[:, :, 0, :] if one_d else out]


def run_conv_transpose(attrs, inputs):
    x, w = _lift(inputs[0].astype(np.float64)), _lift(inputs[1].astype(np.float64))
    one_d = inputs[0].ndim == 3
    nd = 2
    kernel = tuple(attrs.get("kernel_shape", w.shape[2:]))
    kernel = (1, *kernel) if one_d and len(kernel) == 1 else kernel
    pre = [1] if one_d else []
    strides = pre + list(attrs.get("strides", [1] * len(inputs[0].shape[2:])))
    dilations = pre + list(attrs.get("dilations", [1] * len(inputs[0].shape[2:])))
    extra = [0] * (nd - len(attrs.get("output_padding", []))) + list(attrs.get("output_padding", []))
    extra = extra[-nd:]
    spatial = x.shape[2:]
    if "output_shape" in attrs:  # ONNX: pads follow from the requested shape
        wanted = ([1] if one_d else []) + list(attrs["output_shape"])
        pads = []
        for axis, (n, k, s, d, e, o) in enumerate(zip(spatial, kernel, strides, dilations, extra, wanted, strict=True)):
            total = s * (n - 1) + e + (k - 1) * d + 1 - o
            if total < 0:  # a larger output than padding 0 gives: the extra cells are output_padding
                extra[axis], total = e - total, 0
            if attrs.get("auto_pad", "NOTSET") == "SAME_UPPER":
                pads.append((total // 2, total - total // 2))
            else:
                pads.append((total - total // 2, total // 2))
    elif attrs.get("auto_pad", "NOTSET") in ("SAME_UPPER", "SAME_LOWER"):
        pads = []
        for n, k, s, d, e in zip(spatial, kernel, strides, dilations, extra, strict=True):
            total = max(0, s * (n - 1) + e + (k - 1) * d + 1 - n * s)  # the output is n·s
            small = total // 2
            pads.append((small, total - small) if attrs["auto_pad"] == "SAME_UPPER" else (total - small, small))
    else:
        p = attrs.get("pads", [0] * 2 * len(inputs[0].shape[2:]))
        half = len(p) // 2
        pads = ([(0, 0)] if one_d else []) + [(p[i], p[i + half]) for i in range(half)]
    ks = w.transpose(0, 2, 3, 1)  # (C_in, C_out/g, kh, kw) → (C_in, kh, kw, C_out/g): the forward layer's kernels
    bias = inputs[2] if len(inputs) > 2 else None
    out = np.stack([
        conv_transpose_many(xn.transpose(1, 2, 0), ks, bias=bias, stride=strides, padding=pads, dilation=dilations,
                            output_padding=extra, groups=attrs.get("group", 1))
        for xn in x
    ]).transpose(0, 3, 1, 2)
    return [out[:, :, 0, :] if one_d else out]


def run_pool(op: str, attrs, inputs, n_outputs: int):
    raw = inputs[0]
    x = _lift(raw.astype(np.float64))
    one_d = raw.ndim == 3
    if op.startswith("Global"):
        kernel, strides, dilations, pads, ceil = list(x.shape[2:]), [1, 1], [1, 1], [(0, 0), (0, 0)], False
    else:
        pre = [1] if one_d else []
        kernel = pre + list(attrs["kernel_shape"])
        strides = pre + list(attrs.get("strides", [1] * len(raw.shape[2:])))
        dilations = pre + list(attrs.get("dilations", [1] * len(raw.shape[2:])))
        ceil = bool(attrs.get("ceil_mode", 0))
        pads = ([(0, 0)] if one_d else []) + _pads(attrs, raw.shape[2:], tuple(kernel[len(pre):]), strides[len(pre):],
                                                   dilations[len(pre):])
    kind = "max" if "Max" in op else "avg"
    results = [pool(xn.transpose(1, 2, 0), kernel, stride=strides, padding=pads, dilation=dilations, ceil_mode=ceil,
                    op=kind, count_include_pad=bool(attrs.get("count_include_pad", 0)), padding_rule="onnx") for xn in x]
    out = np.stack([r.output for r in results]).transpose(0, 3, 1, 2)
    got = [out[:, :, 0, :] if one_d else out]
    if n_outputs > 1:  # MaxPool's Indices: flat positions in the (N, C, H, W) input, row- or column-major
        n_, c_, h_, w_ = x.shape
        idx = np.stack([r.argmax for r in results])  # (N, H', W', C, 2)
        nn = np.arange(n_)[:, None, None, None]
        cc = np.arange(c_)[None, None, None, :]
        rows, cols = idx[..., 0], idx[..., 1]
        flat = (nn * c_ + cc) * h_ * w_ + (cols * h_ + rows if attrs.get("storage_order", 0) else rows * w_ + cols)
        got.append(flat.transpose(0, 3, 1, 2))
    return got


@pytest.mark.skipif(not CASES, reason="no ONNX backend test data (onnx ≤ 1.22 not installed)")
@pytest.mark.parametrize("case", CASES)
def test_onnx_node_case(case):
    if case in LEFT_OUT:
        pytest.skip(LEFT_OUT[case])
    node, attrs, inputs, expected = _load(case)
    if node.op_type == "Conv":
        got = run_conv(attrs, inputs)
    elif node.op_type == "ConvTranspose":
        got = run_conv_transpose(attrs, inputs)
    else:
        got = run_pool(node.op_type, attrs, inputs, len(expected))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape, (g.shape, e.shape)
        np.testing.assert_allclose(g, e.astype(np.float64), rtol=1e-5, atol=ATOL.get(case, 1e-5))


def test_the_cases_are_there():
    """Fails loudly, instead of skipping everything, when the onnx package is present but carries no cases."""
    assert len(CASES) >= 40, CASES


PAST_HALF = ["test_averagepool_2d_pads", "test_averagepool_2d_pads_count_include_pad", "test_maxpool_2d_pads"]


@pytest.mark.skipif(not CASES, reason="no ONNX backend test data (onnx ≤ 1.22 not installed)")
@pytest.mark.parametrize("case", PAST_HALF)
def test_padding_past_half_the_window_against_onnx_reference(case):
    """The three cases padding 2 on a 3×3 window (past PyTorch's half-window rule): the engine, run by ONNX's rule,
    agrees with onnx.reference's own evaluation of the model, not only with the stored outputs."""
    from onnx.reference import ReferenceEvaluator

    node, attrs, inputs, _ = _load(case)
    assert max(attrs["pads"]) * 2 > attrs["kernel_shape"][0]  # really past PyTorch's limit
    model = onnx.load(str(DATA / case / "model.onnx"))
    names = [i.name for i in model.graph.input]
    reference = ReferenceEvaluator(model).run(None, dict(zip(names, inputs, strict=True)))
    got = run_pool(node.op_type, attrs, inputs, len(reference))
    np.testing.assert_allclose(got[0], reference[0].astype(np.float64), rtol=1e-5, atol=1e-5)
