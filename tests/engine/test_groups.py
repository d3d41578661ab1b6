"""Grouped and depthwise convolution against the plain-loop twin, channel by channel."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.conv import correlate, correlate_many
from app.engine.errors import ParameterError
from app.engine.geometry import conv_geometry
from tests.oracles import loop_correlate


@pytest.mark.parametrize(
    ("shape", "n", "groups", "k", "stride", "padding", "dilation"),
    [((7, 6, 4), 4, 2, 3, 1, 1, 1), ((8, 9, 6), 6, 3, 3, 2, "same", 1), ((9, 7, 3), 3, 3, 2, (1, 2), 0, 2),
     ((6, 6, 4), 8, 4, 3, 1, [(0, 2), 1], 1), ((5, 8, 6), 2, 1, 3, 2, 1, 1), ((10, 9, 4), 4, 4, 5, 2, 2, 1)],
)
def test_each_kernel_sees_its_group_only(rng, shape, n, groups, k, stride, padding, dilation):
    x = rng.standard_normal(shape)
    cg = shape[2] // groups
    ks, bias = rng.standard_normal((n, k, k, cg)), rng.standard_normal(n)
    got = correlate_many(x, ks, bias=bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    per_group = n // groups
    for i in range(n):
        first = i // per_group * cg  # kernel i belongs to group i // (N / groups)
        expected = sum(loop_correlate(x[..., first + c], ks[i, ..., c], stride, padding, dilation) for c in range(cg))
        np.testing.assert_allclose(got[..., i], expected + bias[i], atol=1e-12)


def test_depthwise_is_groups_equal_to_channels(rng):
    """MobileNet's depthwise layer: groups = C, one (k, k, 1) kernel per channel; the same as a 2-D kernel per channel."""
    x, w = rng.standard_normal((9, 8, 3)), rng.standard_normal((3, 3, 3))
    grouped = correlate_many(x, w[..., None], groups=3, padding=1)
    for c in range(3):
        np.testing.assert_allclose(grouped[..., c], correlate(x[..., c], w[c], padding=1), atol=1e-12)


def test_groups_halve_the_parameters_alexnet_style():
    g1, g2 = conv_geometry((27, 27, 96), (5, 5, 96), padding=2), conv_geometry((27, 27, 96), (5, 5, 48), padding=2, groups=2)
    assert (g1.taps, g2.taps) == (2400, 1200) and g2.out_shape == (27, 27)


@pytest.mark.parametrize(
    ("x_shape", "k_shape", "groups", "param", "message"),
    [((4, 4, 6), (4, 3, 3, 2), 4, "groups", "groups 4 must divide the input's 6 channels"),
     ((4, 4, 6), (4, 3, 3, 2), 3, "groups", "groups 3 must divide the number of kernels, 4"),
     ((4, 4, 6), (3, 3, 3, 3), 3, "kernels", "kernels has 3 channel(s) but groups 3 split the input's 6 channels into groups of 2"),  # noqa: E501
     ((4, 4), (2, 3, 3), 2, "groups", "needs an (H, W, C) input"),
     ((4, 4, 6), (2, 3, 3, 3), 0, "groups", "groups must be a whole number ≥ 1, got 0")],
)
def test_group_rules_name_the_field_and_the_numbers(x_shape, k_shape, groups, param, message):
    with pytest.raises(ParameterError) as e:
        correlate_many(np.ones(x_shape), np.ones(k_shape), groups=groups)
    assert e.value.param == param and message in e.value.message


def test_one_kernel_takes_no_groups():
    with pytest.raises(ParameterError, match="use correlate_many") as e:
        correlate(np.ones((4, 4, 2)), np.ones((3, 3, 1)), geometry=conv_geometry((4, 4, 2), (3, 3, 1), groups=2))
    assert e.value.param == "groups"


def test_sequences_over_channels_and_their_transpose(rng):
    """spatial_dims 1: (n, C) with kernels (k, C/g) is each kernel summing loop correlations of its channels."""
    from app.engine.transpose import conv_transpose_many

    x, ks = rng.standard_normal((11, 4)), rng.standard_normal((6, 3, 2))
    got = correlate_many(x, ks, spatial_dims=1, groups=2, stride=2, padding=1, dilation=2)
    for i in range(6):
        first = i // 3 * 2
        expected = sum(loop_correlate(x[:, first + c], ks[i, :, c], 2, 1, 2) for c in range(2))
        np.testing.assert_allclose(got[:, i], expected, atol=1e-12)
    y = rng.standard_normal(got.shape)
    back = conv_transpose_many(y, ks, spatial_dims=1, groups=2, stride=2, padding=1, dilation=2, output_padding=0)
    assert back.shape == x.shape and np.vdot(got, y) == pytest.approx(np.vdot(x, back), rel=1e-9)
    with pytest.raises(ParameterError) as e:
        correlate_many(np.ones((4, 4, 2)), np.ones((1, 3, 2)), spatial_dims=1)
    assert e.value.param == "spatial_dims"
