"""correlate/correlate_many against the loop twin and scipy (tests only)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage, signal

from app.engine.conv import correlate, correlate_many
from app.engine.errors import ParameterError
from tests.oracles import loop_correlate

CONFIGS = [
    ((9,), (3,), 1, 0, 1), ((10,), (4,), 2, 1, 1), ((11,), (3,), 3, "same", 2), ((8,), (2,), 1, (0, 3), 1),
    ((5, 5), (3, 3), 2, 1, 1), ((7, 6), (3, 2), 1, "same", 1), ((9, 9), (3, 3), (2, 1), [1, (0, 2)], (1, 2)),
    ((6, 7), (2, 2), 3, "valid", 2), ((4, 4), (3, 3), 1, 1, 1),
]


@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize(("shape", "kshape", "stride", "padding", "dilation"), CONFIGS)
def test_matches_loop_twin(rng, shape, kshape, stride, padding, dilation, flip):
    x, w = rng.integers(-9, 10, shape).astype(float), rng.standard_normal(kshape)
    got = correlate(x, w, bias=0.5, stride=stride, padding=padding, dilation=dilation, flip=flip)
    applied = w[(slice(None, None, -1),) * w.ndim] if flip else w
    np.testing.assert_allclose(got, loop_correlate(x, applied, stride, padding, dilation) + 0.5, atol=1e-12)


@pytest.mark.parametrize("k", [1, 3, 5, 11])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_padding_matches_scipy_ndimage(rng, k, dtype):
    x, w = rng.random((64, 80)).astype(dtype), rng.standard_normal((k, k)).astype(dtype)
    got = correlate(x, w, padding="same")
    assert got.dtype == dtype
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, ndimage.correlate(x, w, mode="constant"), rtol=tol, atol=tol)


def test_flip_is_scipy_convolution(rng):
    x, w = rng.standard_normal((12, 10)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(correlate(x, w, flip=True), signal.convolve(x, w, mode="valid"))
    np.testing.assert_allclose(correlate(x, w), signal.correlate(x, w, mode="valid"))


def test_volume_kernel_sums_over_channels(rng):
    x, w = rng.integers(0, 5, (5, 5, 3)), rng.integers(-1, 2, (3, 3, 3))
    got = correlate(x, w, stride=2, padding=1, bias=1)
    expected = sum(loop_correlate(x[..., c], w[..., c], 2, 1) for c in range(3)) + 1
    assert got.shape == (3, 3)
    np.testing.assert_array_equal(got, expected)


def test_2d_kernel_on_volume_is_per_channel(rng):
    x, w = rng.random((8, 9, 3)), rng.standard_normal((3, 3))
    got = correlate(x, w, padding=1)
    assert got.shape == (8, 9, 3)
    for c in range(3):
        np.testing.assert_allclose(got[..., c], loop_correlate(x[..., c], w, 1, 1))


def test_notes_ex1_many_filters_give_depth(rng):
    x, ks = rng.integers(0, 3, (5, 5, 3)), rng.integers(-1, 2, (2, 3, 3, 3))
    out = correlate_many(x, ks, bias=[1, 0], stride=2, padding=1)
    assert out.shape == (3, 3, 2)
    for n in range(2):
        np.testing.assert_array_equal(out[..., n], correlate(x, ks[n], stride=2, padding=1) + [1, 0][n])


def test_large_float32_image_matches_scipy(rng):
    x = rng.random((300, 257), dtype=np.float32)
    w = rng.standard_normal((5, 5)).astype(np.float32)
    got = correlate(x, w, padding=2, stride=2)
    np.testing.assert_allclose(got, ndimage.correlate(x, w, mode="constant")[::2, ::2], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("x", "w", "kwargs", "param", "text"),
    [
        ([[1, float("nan")]], [[1]], {}, "input", "finite"),
        ([[1, 2]], [[float("inf")]], {}, "kernel", "finite"),
        ([[1, 2], [3]], [[1]], {}, "input", "rectangular"),
        (np.ones((3, 3)), np.ones((5, 5)), {}, "kernel", "does not fit"),
        (np.ones((3, 3)), np.ones(2), {}, "kernel", "rank"),
        (np.ones((4, 4, 3)), np.ones((2, 2, 2)), {}, "kernel", "channel"),
        (np.ones((4, 4)), np.ones((2, 2)), {"stride": 0}, "stride", "at least 1"),
        (np.ones((4, 4)), np.ones((2, 2)), {"padding": -1}, "padding", "at least 0"),
        (np.ones((4, 4)), np.ones((2, 2)), {"dilation": 0}, "dilation", "at least 1"),
        (np.ones((4, 4)), np.ones((2, 2)), {"padding": "full"}, "padding", "valid"),
        (np.ones((2, 2, 2, 2)), np.ones((2, 2)), {}, "input", "rank"),
    ],
)
def test_errors_name_the_parameter(x, w, kwargs, param, text):
    with pytest.raises(ParameterError) as e:
        correlate(x, w, **kwargs)
    assert e.value.param == param and text in str(e.value)


def test_bias_count_must_match_filters():
    with pytest.raises(ParameterError, match="2 filter"):
        correlate_many(np.ones((4, 4)), np.ones((2, 2, 2)), bias=[1, 2, 3])


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**16), a=st.floats(-3, 3), b=st.floats(-3, 3), stride=st.integers(1, 3))
def test_linearity(seed, a, b, stride):
    r = np.random.default_rng(seed)
    x, y, w = r.standard_normal((7, 6)), r.standard_normal((7, 6)), r.standard_normal((3, 3))
    lhs = correlate(a * x + b * y, w, stride=stride, padding=1)
    rhs = a * correlate(x, w, stride=stride, padding=1) + b * correlate(y, w, stride=stride, padding=1)
    np.testing.assert_allclose(lhs, rhs, atol=1e-9)


KERNEL_KINDS = {
    "dense": lambda r, s: r.standard_normal(s),  # one fused einsum per band
    "sparse": lambda r, s: np.where(np.arange(np.prod(s)).reshape(s) % 3 == 0, r.standard_normal(s), 0),  # the tap loop
}


@pytest.mark.parametrize("kind", sorted(KERNEL_KINDS))
@pytest.mark.parametrize(
    ("shape", "kshape", "stride", "padding", "dilation"),
    [((9, 8), (3, 3), 1, 1, 1), ((9, 8), (3, 3), 2, 1, 1), ((10, 11), (5, 5), 2, 2, 1),
     ((11, 10), (2, 4), (2, 3), [1, (2, 0)], 1), ((12, 13), (3, 3), 1, 2, (2, 3)),
     ((13, 12), (3, 2), 2, "same", 2), ((7, 7), (4, 4), 3, "valid", 1)],
)
def test_dense_and_sparse_paths_match_loop_twin(rng, kind, shape, kshape, stride, padding, dilation):
    x, w = rng.standard_normal(shape), KERNEL_KINDS[kind](rng, kshape)
    got = correlate(x, w, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(got, loop_correlate(x, w, stride, padding, dilation), atol=1e-12)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_many_small_bands_rgb_and_filters(rng, monkeypatch, stride, dtype):
    import app.engine._fast_conv as conv

    monkeypatch.setattr(conv, "BAND_BYTES", 256)  # a band of one or two output rows
    x = rng.integers(0, 255, (15, 14, 3)).astype(dtype)
    ks = rng.standard_normal((2, 3, 3)).astype(np.float32)
    got = correlate_many(x, ks, stride=stride, padding=1)
    for n in range(2):
        for c in range(3):
            np.testing.assert_allclose(got[..., c, n], loop_correlate(x[..., c], ks[n], stride, 1), rtol=1e-5, atol=1e-3)
    vol = correlate(x, rng.standard_normal((3, 3, 3)), stride=stride, padding=(0, 2))
    assert vol.shape == loop_correlate(x[..., 0], np.ones((3, 3)), stride, [(0, 0), (2, 2)]).shape


def test_reused_scratch_gives_the_same_answers(rng):
    """Scratch buffers are reused across calls: a call after others of other shapes and paddings is unaffected."""
    x, w = rng.standard_normal((20, 17)), rng.standard_normal((3, 3))
    first = correlate(x, w, padding=1)
    for shape, pad in [((31, 40), 4), ((5, 6), 0), ((64, 9), (3, 0))]:
        correlate(rng.standard_normal(shape) * 1e6, rng.standard_normal((3, 3)), padding=pad)
    np.testing.assert_array_equal(correlate(x, w, padding=1), first)
    np.testing.assert_allclose(first, loop_correlate(x, w, 1, 1), atol=1e-12)


def test_threads_do_not_share_scratch(rng):
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(rng.standard_normal((60 + i, 50)), rng.standard_normal((5, 5)), i % 2 + 1) for i in range(8)]
    expected = [correlate(x, w, stride=s, padding=2) for x, w, s in jobs]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            got = list(pool.map(lambda job: correlate(job[0], job[1], stride=job[2], padding=2), jobs))
            for g, e in zip(got, expected, strict=True):
                np.testing.assert_array_equal(g, e)


def test_scratch_pool_stays_small_however_many_threads_compute(rng):
    """Sets are lent per call and at most one per core is kept, not one per thread (the web server has 40)."""
    from concurrent.futures import ThreadPoolExecutor

    from app.engine import _fast_conv as conv

    x, w = rng.standard_normal((300, 200)), rng.standard_normal((3, 3))
    expected = correlate(x, w, padding=1)
    with ThreadPoolExecutor(24) as pool:
        for got in pool.map(lambda _: correlate(x, w, padding=1), range(96)):
            np.testing.assert_array_equal(got, expected)
    assert 1 <= len(conv._idle_sets) <= conv.IDLE_SETS
    assert getattr(conv._scratch, "bufs", None) is None  # nothing held between calls


def test_every_call_validates_its_geometry():
    x, w = np.ones((6, 6)), np.ones((3, 3))
    assert correlate(x, w, stride=1).shape == (4, 4)
    for bad in (True, 0):
        with pytest.raises(ParameterError):
            correlate(x, w, stride=bad)
    assert correlate(x, w, stride=[2, 1]).shape == (2, 4)


@pytest.mark.parametrize("kind", sorted(KERNEL_KINDS))
@pytest.mark.parametrize(
    ("shape", "kshape", "stride", "padding", "dilation"),
    [((9, 8, 3), (3, 3), 1, 1, 1), ((10, 7, 4), (5, 3), (2, 1), [(2, 1), (0, 3)], 1), ((12, 11, 2), (3, 2), 1, "same", (2, 3)),
     ((8, 9, 1), (2, 2), 1, "valid", 1), ((9, 10, 3), (3, 3), (1, 2), 1, 1), ((11, 9, 3), (3, 3), 2, 2, 2)],
)
def test_depthwise_on_interleaved_channels_matches_loop_twin(rng, kind, shape, kshape, stride, padding, dilation):
    """Column stride 1 runs all channels as one (H, W·C) plane; other strides go channel by channel."""
    x, w = rng.standard_normal(shape), KERNEL_KINDS[kind](rng, kshape)
    for image in (x, np.asfortranarray(x), x.astype(np.float32)):  # Fortran order: not C-contiguous, channel by channel
        got = correlate(image, w, stride=stride, padding=padding, dilation=dilation, bias=0.25)
        for c in range(shape[2]):
            expected = loop_correlate(image[..., c], w, stride, padding, dilation) + 0.25
            np.testing.assert_allclose(got[..., c], expected, rtol=1e-5, atol=1e-5 if image.dtype == np.float32 else 1e-12)


@pytest.mark.parametrize(
    ("shape", "kshape", "padding"),
    [((10, 11), (5, 5), 2), ((11, 10), (5, 5), "same"), ((9, 9), (2, 2), 0), ((12, 13), (4, 4), [(1, 2), (3, 0)]),
     ((13, 12), (7, 5), "valid"), ((6, 5), (5, 4), (1, 2))],
)
def test_stride_2_polyphase_matches_loop_twin(rng, monkeypatch, shape, kshape, padding):
    """Stride 2 with these kernels splits each band into even/odd rows and columns; odd and even sizes, many bands."""
    import app.engine._fast_conv as conv

    x, w = rng.standard_normal(shape), rng.standard_normal(kshape)
    expected = loop_correlate(x, w, 2, padding)
    np.testing.assert_allclose(correlate(x, w, stride=2, padding=padding), expected, atol=1e-12)
    monkeypatch.setattr(conv, "BAND_BYTES", 256)
    np.testing.assert_allclose(correlate(x, w, stride=2, padding=padding), expected, atol=1e-12)
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    np.testing.assert_allclose(correlate(x32, w32, stride=2, padding=padding), expected, rtol=1e-4, atol=1e-4)
    rgb, ks = rng.integers(0, 255, shape + (3,)).astype(np.uint8), rng.standard_normal((2,) + kshape)
    got = correlate_many(rgb, ks, stride=2, padding=padding)
    for n in range(2):
        for c in range(3):
            np.testing.assert_allclose(got[..., c, n], loop_correlate(rgb[..., c], ks[n], 2, padding), atol=1e-9)
