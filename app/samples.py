"""Built-in sample images, drawn by the project itself with NumPy (no downloaded data).

Each is small enough to step through and chosen to show something: edges, orientation,
blur, aliasing, colour channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

SIZE = 96


def _grid(size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    return y, x


def _shapes() -> np.ndarray:
    y, x = _grid()
    img = np.full((SIZE, SIZE), 30.0)
    img[(y - 30) ** 2 + (x - 28) ** 2 < 16**2] = 220  # disc
    img[56:84, 12:40] = 160  # square
    tri = (y > 50) & (y < 86) & (np.abs(x - 70) < (y - 50) * 0.6)
    img[tri] = 250
    return img


def _stripes() -> np.ndarray:
    y, x = _grid()
    return np.where(((x + y) // 8) % 2 == 0, 230.0, 25.0)


def _gradient() -> np.ndarray:
    y, x = _grid()
    return x / (SIZE - 1) * 255


def _checkerboard() -> np.ndarray:
    y, x = _grid()
    return np.where(((x // 12) + (y // 12)) % 2 == 0, 235.0, 20.0)


def _rings() -> np.ndarray:
    y, x = _grid()
    r2 = (x - SIZE / 2) ** 2 + (y - SIZE / 2) ** 2
    return 127.5 + 127.5 * np.cos(r2 / 90.0)  # a zone plate: frequency grows outwards


LETTER_E = [
    "#######",
    "#......",
    "#......",
    "#####..",
    "#......",
    "#......",
    "#######",
]


def _letter() -> np.ndarray:
    bitmap = np.array([[c == "#" for c in row] for row in LETTER_E], dtype=float)
    block = np.kron(bitmap, np.ones((10, 10)))  # 70×70 glyph
    img = np.full((SIZE, SIZE), 20.0)
    img[13:83, 13:83] = 20 + 215 * block
    return img


def _digit() -> np.ndarray:
    """An 8×8 hand-drawn "7": small enough that every number fits on screen."""
    rows = ["........", ".######.", "......#.", ".....#..", "....#...", "...#....", "...#....", "........"]
    return np.array([[200.0 if c == "#" else 10.0 for c in r] for r in rows])


def _colour() -> np.ndarray:
    y, x = _grid()
    red = np.where((x - 32) ** 2 + (y - 36) ** 2 < 20**2, 230, 20)
    green = np.where((x - 62) ** 2 + (y - 36) ** 2 < 20**2, 220, 25)
    blue = np.where((x - 47) ** 2 + (y - 62) ** 2 < 20**2, 235, 30)
    return np.stack([red, green, blue], axis=-1).astype(np.float64)


@dataclass(frozen=True)
class Sample:
    name: str
    label: str
    description: str
    draw: Callable[[], np.ndarray]

    def as_dict(self) -> dict[str, object]:
        pixels = sample_pixels(self.name)
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "width": int(pixels.shape[1]),
            "height": int(pixels.shape[0]),
            "channels": 1 if pixels.ndim == 2 else int(pixels.shape[2]),
        }


SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in (
        Sample("digit", "Digit 7", "An 8×8 digit: every pixel value fits on screen.", _digit),
        Sample("shapes", "Shapes", "A disc, a square and a triangle: edges in every direction.", _shapes),
        Sample("letter", "Letter E", "Horizontal and vertical strokes: try sobel_x vs sobel_y.", _letter),
        Sample("stripes", "Diagonal stripes", "Repeating diagonal edges.", _stripes),
        Sample("checkerboard", "Checkerboard", "Sharp corners; blur softens them.", _checkerboard),
        Sample("gradient", "Gradient", "A smooth ramp: edge detectors give almost nothing.", _gradient),
        Sample("rings", "Rings", "A zone plate: fine rings vanish under blur and stride.", _rings),
        Sample("colour", "RGB discs", "Three colour discs: step each channel separately.", _colour),
    )
}


@cache
def sample_pixels(name: str) -> np.ndarray:
    """The sample's pixels as read-only uint8, (H, W) or (H, W, 3)."""
    pixels: np.ndarray = np.clip(np.rint(SAMPLES[name].draw()), 0, 255).astype(np.uint8)
    pixels.flags.writeable = False
    return pixels
