"""Sobel x and Sobel y together: the gradient magnitude, which finds edges in every direction.

One Sobel kernel answers one question (is the left brighter than the right? the top than the
bottom?), so a straight edge in the other direction gives 0. The two answers ``gx`` and ``gy`` are
the components of the brightness gradient; its length ``sqrt(gx² + gy²)`` is large on every edge
whatever its direction and never negative. Both correlations use the same geometry.

>>> x = [[0, 0, 9, 9]] * 4  # a vertical edge
>>> gx, gy, magnitude = sobel_gradient(x, padding=0)
>>> gx.tolist(), gy.tolist(), magnitude.tolist()
([[-36.0, -36.0], [-36.0, -36.0]], [[0.0, 0.0], [0.0, 0.0]], [[36.0, 36.0], [36.0, 36.0]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .conv import correlate
from .geometry import conv_geometry
from .kernels import PRESETS
from .shapes import PaddingSpec


def sobel_gradient(
    x: object, *, stride: int | Sequence[int] = 1, padding: PaddingSpec = 1, dilation: int | Sequence[int] = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(gx, gy, magnitude)`` of a 2-D input: its correlations with the Sobel x and Sobel y presets
    ([[1, 0, −1], [2, 0, −2], [1, 0, −1]] and its transpose) and ``sqrt(gx² + gy²)``, each of the
    output shape; zero padding 1 by default, so the outputs keep the input's size."""
    arr = np.asarray(x, dtype=np.float64)
    g = conv_geometry(arr.shape, (3, 3), stride=stride, padding=padding, dilation=dilation)
    gx = correlate(arr, PRESETS["sobel_x"].matrix, geometry=g)
    gy = correlate(arr, PRESETS["sobel_y"].matrix, geometry=g)
    return gx, gy, np.hypot(gx, gy)
