"""Sobel x + y's gradient magnitude against scipy.ndimage.sobel (tests only), zero padding on both."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from app.engine.conv import correlate
from app.engine.errors import ParameterError
from app.engine.gradient import sobel_gradient
from app.engine.kernels import PRESETS


@pytest.mark.parametrize("shape", [(5, 5), (7, 12), (31, 17)])
def test_magnitude_matches_scipy_ndimage(shape):
    x = np.random.default_rng(3).integers(0, 256, size=shape).astype(float)
    gx, gy, magnitude = sobel_gradient(x)
    # ndimage.sobel convolves (so its sign is the opposite of a correlation's); the magnitude does not care
    sx = ndimage.sobel(x, axis=1, mode="constant", cval=0.0)
    sy = ndimage.sobel(x, axis=0, mode="constant", cval=0.0)
    np.testing.assert_allclose(gx, -sx)
    np.testing.assert_allclose(gy, -sy)
    np.testing.assert_allclose(magnitude, np.sqrt(sx**2 + sy**2))


def test_straight_edges_vanish_for_the_diagonal_kernel_but_not_for_the_magnitude():
    x = np.zeros((8, 8))
    x[2:6, 2:6] = 100  # a square: straight horizontal and vertical edges only
    _, _, magnitude = sobel_gradient(x)
    assert magnitude[3, 1] == 400 and magnitude[1, 3] == 400  # its left side, its top side
    assert (magnitude >= 0).all() and magnitude[4, 4] == 0  # flat inside
    edge = correlate(x, PRESETS["edge"].matrix, padding=1)  # the notes' diagonal kernel: 0 on both sides
    assert edge[3, 1] == 0 and edge[1, 3] == 0


def test_stride_and_bad_geometry():
    gx, gy, magnitude = sobel_gradient(np.ones((6, 6)), stride=2)
    assert gx.shape == gy.shape == magnitude.shape == (3, 3)
    with pytest.raises(ParameterError, match="stride"):
        sobel_gradient(np.ones((6, 6)), stride=0)
