"""Transposed convolution is Wᵀ: against the weight matrix, and as the adjoint of the forward layer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.engine.conv import correlate, correlate_many
from app.engine.errors import ParameterError
from app.engine.matrix import weight_matrix
from app.engine.shapes import geometry
from app.engine.transpose import conv_transpose, conv_transpose_many, conv_transpose_shape

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True)


def padded_to(y: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``y`` in the corner of zeros of ``shape``: with output_padding ≥ stride (allowed below the dilation) the
    forward layer of the larger input has more outputs than ``y``, and Wᵀ reads ``y`` as if they were zero."""
    full = np.zeros(shape)
    full[tuple(slice(0, n) for n in y.shape)] = y
    return full


@st.composite
def layers(draw, ndim: int):
    """Transposed-layer parameters whose output has at least one cell."""
    k = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    s = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    d = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    p = [(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(ndim)]
    out = tuple(draw(st.integers(1, 5)) for _ in range(ndim))
    extra = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True))
    n = tuple((o - 1) * si - pb - pa + di * (ki - 1) + e + 1
              for o, si, (pb, pa), di, ki, e in zip(out, s, p, d, k, extra, strict=True))
    assume(min(n) >= 1)
    return n, k, s, p, d, extra, out, draw(st.integers(0, 2**32 - 1))


@pytest.mark.parametrize("ndim", [1, 2])
@PROPERTY
@given(data=st.data())
def test_conv_transpose_is_w_transposed_times_y(ndim, data):
    n, k, s, p, d, extra, out, seed = data.draw(layers(ndim))
    rng = np.random.default_rng(seed)
    w, y = rng.integers(-3, 4, k).astype(float), rng.integers(-5, 6, out).astype(float)
    pad = p if ndim == 2 else p[0]
    back = conv_transpose(y, w, stride=s, padding=pad, dilation=d, output_padding=extra)
    assert back.shape == n
    W = weight_matrix(n, w, stride=s, padding=pad, dilation=d)  # the forward layer of an input of n cells
    forward_shape = geometry(n, k, s, pad, d).out_shape
    np.testing.assert_array_equal(back.ravel(), W.T @ padded_to(y, forward_shape).ravel())


@pytest.mark.parametrize(
    ("y_shape", "n_kernels", "groups", "c", "k", "stride", "padding", "dilation", "extra"),
    [((4, 3), 4, 2, 4, 3, 2, 1, 1, 1), ((6, 7), 6, 3, 3, 3, 1, 0, 2, 1),
     ((5, 3), 2, 1, 2, 2, (2, 3), [(1, 0), (0, 1)], 1, (1, 2)), ((3, 3), 8, 4, 4, 3, 2, 2, 1, 0),
     ((2, 4), 3, 1, 6, 3, 3, 1, (1, 2), (2, 1)), ((3, 5), 6, 6, 6, 3, 2, 1, 1, 1)],
)
def test_adjoint_of_the_forward_layer_with_groups(rng, y_shape, n_kernels, groups, c, k, stride, padding, dilation, extra):
    """⟨W x, y⟩ = ⟨x, Wᵀ y⟩ for a grouped forward layer and its transpose with the same kernels (depthwise last)."""
    ks = rng.standard_normal((n_kernels, k, k, c // groups))
    y = rng.standard_normal(y_shape + (n_kernels,))
    back = conv_transpose_many(y, ks, stride=stride, padding=padding, dilation=dilation, groups=groups, output_padding=extra)
    assert back.shape[2] == c
    assert conv_transpose_shape(y.shape, ks.shape, stride=stride, padding=padding, dilation=dilation, groups=groups,
                                output_padding=extra) == back.shape
    x = rng.standard_normal(back.shape)
    forward = correlate_many(x, ks, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert np.vdot(forward, padded_to(y, forward.shape)) == pytest.approx(np.vdot(x, back), rel=1e-9)


def test_literal_upsampling_and_sizes():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    k = np.array([[1.0, 2.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    out = conv_transpose(y, k, stride=2)
    assert out.shape == (5, 5)  # (2 − 1)·2 + 3
    # each input cell stamps value × kernel at 2·o; cells (r, c) = (0, 2), (2, 0), (2, 2), … receive two or four stamps
    np.testing.assert_array_equal(out, [[1, 2, 3, 4, 2], [0, 1, 0, 2, 0], [4, 6, 10, 8, 6], [0, 3, 0, 4, 0],
                                        [3, 0, 7, 0, 4]])
    assert conv_transpose(y, k, stride=2, output_padding=1).shape == (6, 6)
    assert conv_transpose(y, k, stride=2, padding=1).shape == (3, 3)
    # the same layer through the forward side: a 5×5 or a 6×6 input both give 2×2 at stride 2 with a 3×3 kernel
    assert correlate(np.ones((5, 5)), k, stride=2).shape == correlate(np.ones((6, 6)), k, stride=2).shape == (2, 2)


def test_bias_is_one_per_output_channel(rng):
    y, ks = rng.standard_normal((3, 3, 2)), rng.standard_normal((2, 2, 2, 3))
    plain = conv_transpose_many(y, ks)
    np.testing.assert_allclose(conv_transpose_many(y, ks, bias=[1, 2, 3]) - plain, np.broadcast_to([1, 2, 3], plain.shape))
    with pytest.raises(ParameterError, match="one value per output channel: 3, got 2") as e:
        conv_transpose_many(y, ks, bias=[1, 2])
    assert e.value.param == "bias"


@pytest.mark.parametrize(
    ("kwargs", "param", "message"),
    [({"stride": 2, "output_padding": 2}, "output_padding",
      "output_padding 2 must be smaller than the stride 2 or the dilation 1"),
     ({"padding": 5}, "padding", "must lie between 1 and"),
     ({"groups": 3}, "groups", "groups 3 must divide the number of kernels, 2")],
)
def test_transpose_rules_name_the_field(kwargs, param, message):
    with pytest.raises(ParameterError) as e:
        conv_transpose_many(np.ones((3, 3, 2)), np.ones((2, 3, 3, 1)), **kwargs)
    assert e.value.param == param and message in e.value.message


def test_kernel_count_must_match_the_input_channels():
    with pytest.raises(ParameterError, match="the input has 3 channel.s. .* but there are 2 kernels") as e:
        conv_transpose_many(np.ones((3, 3, 3)), np.ones((2, 3, 3, 1)))
    assert e.value.param == "kernels"


@PROPERTY
@given(data=st.data())
def test_adjoint_with_groups_over_random_layers(data):
    """⟨W x, y⟩ = ⟨x, Wᵀ y⟩ drawn over shapes, strides, paddings per side, dilations, output_padding and groups."""
    n, k, s, p, d, extra, out, seed = data.draw(layers(2))
    groups = data.draw(st.integers(1, 3), label="groups")
    per_in, per_out = data.draw(st.integers(1, 2), label="C/g"), data.draw(st.integers(1, 2), label="N/g")
    rng = np.random.default_rng(seed)
    ks = rng.integers(-3, 4, (groups * per_out, *k, per_in)).astype(float)
    y = rng.integers(-5, 6, (*out, groups * per_out)).astype(float)
    back = conv_transpose_many(y, ks, stride=s, padding=p, dilation=d, output_padding=extra, groups=groups)
    assert back.shape == (*n, groups * per_in)
    x = rng.integers(-5, 6, back.shape).astype(float)
    forward = correlate_many(x, ks, stride=s, padding=p, dilation=d, groups=groups)
    assert np.vdot(forward, padded_to(y, forward.shape)) == np.vdot(x, back)  # small integers: exact


@PROPERTY
@given(data=st.data())
def test_gather_is_the_flipped_kernel_over_the_stuffed_input(data):
    """The /transpose page's gather view: a stride-1 correlation of the zero-stuffed, padded y with the
    flipped kernel (same dilation) is conv_transpose(y), checked against scipy."""
    from scipy.signal import correlate2d

    from app.engine.transpose import stuffed_input

    n, k, s, p, d, extra, out, seed = data.draw(layers(2))
    rng = np.random.default_rng(seed)
    w, y = rng.integers(-3, 4, k).astype(float), rng.integers(-5, 6, out).astype(float)
    grid, source = stuffed_input(y, k, stride=s, padding=p, dilation=d, output_padding=extra)
    dilated = np.zeros(((k[0] - 1) * d[0] + 1, (k[1] - 1) * d[1] + 1))
    dilated[:: d[0], :: d[1]] = w[::-1, ::-1]
    gathered = correlate2d(grid, dilated, mode="valid")
    np.testing.assert_array_equal(gathered, conv_transpose(y, w, stride=s, padding=p, dilation=d, output_padding=extra))
    assert np.array_equal(grid[source >= 0], y.ravel()[source[source >= 0]]) and not grid[source < 0].any()


@pytest.mark.parametrize(
    ("shape", "n_kernels", "groups", "k", "stride", "padding", "dilation"),
    [((5, 6, 4), 4, 2, 3, 2, 1, 1), ((6, 5, 3), 6, 3, 2, 1, 0, 2), ((7, 7, 2), 2, 1, 3, 3, [(1, 0), (2, 1)], 1),
     ((4, 6, 4), 4, 4, 3, (1, 2), 1, 1)],
)
def test_grouped_w_times_x_and_w_transposed_times_y(rng, shape, n_kernels, groups, k, stride, padding, dilation):
    """The dense W of a grouped layer: W·x is the forward layer, Wᵀ·y the transposed one (output_padding picks x's size)."""
    from app.engine.matrix import weight_matrix_many
    from app.engine.shapes import resolve_padding

    ks = rng.integers(-3, 4, (n_kernels, k, k, shape[2] // groups)).astype(float)
    x = rng.integers(-5, 6, shape).astype(float)
    geo = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    W = weight_matrix_many(shape, ks, **geo)
    forward = correlate_many(x, ks, **geo)
    np.testing.assert_array_equal(W @ x.ravel(), forward.ravel())
    y = rng.integers(-5, 6, forward.shape).astype(float)
    strides = (stride,) * 2 if isinstance(stride, int) else stride
    dilations = (dilation,) * 2 if isinstance(dilation, int) else dilation
    pads = resolve_padding(padding, (k, k), dilations)
    extra = tuple((n + pb + pa - d * (k - 1) - 1) % s for n, (pb, pa), d, s in zip(shape, pads, dilations, strides, strict=False))
    back = conv_transpose_many(y, ks, output_padding=extra, **geo)
    assert back.shape == shape
    np.testing.assert_array_equal(W.T @ y.ravel(), back.ravel())
