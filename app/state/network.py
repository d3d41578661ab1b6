"""The /network page's state: the model (``digits``, built in, or an uploaded model's id), the
input (a held-out sample, or an 8×8 digit on the data set's 0–16 scale, drawn or typed as numbers;
an uploaded model takes numbers of its own input size, or an image: ``image=`` a sample's name or an uploaded
image's id, resized to the model's input), the selected cell (``at``) and projector mode.

A sample replaces the grid (``sample=12``; the canonical URL then has no grid). ``at`` names one
cell of a layer with feature maps: ``at=conv2,5,1,3`` is layer conv2, map 5, row 1, column 3
(checked against the layer's shape when the page is built).

>>> NetworkState.parse({"model": "Digits"}, Settings())
Traceback (most recent call last):
...
app.engine.errors.ParameterError: model must be digits or an uploaded model's id (32 lowercase hex characters), got 'Digits'
>>> NetworkState.parse({}, Settings()).url()
'/network'
>>> NetworkState.parse({"at": "conv1, 3,2,05", "sample": "4", "grid": "1,2;3,4"}, Settings()).url()
'/network?sample=4&at=conv1,3,2,5'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from ..engine.errors import ParameterError
from ..models import digits_data
from ..samples import SAMPLES
from ..settings import Settings
from ..store import ID_PATTERN
from .base import PageState
from .fields import Matrix, spell_matrix
from .specs import IMAGE_REF, Flag, Grid, Schema, Whole

# A 7, drawn by the project on the data set's 0–16 scale (not taken from the data set).
SEVEN: Matrix = (
    (0, 0, 0, 0, 0, 0, 0, 0), (0, 4, 16, 16, 16, 16, 12, 0), (0, 0, 0, 0, 0, 10, 14, 0), (0, 0, 0, 0, 2, 16, 6, 0),
    (0, 0, 0, 0, 10, 13, 0, 0), (0, 0, 0, 3, 16, 4, 0, 0), (0, 0, 0, 9, 12, 0, 0, 0), (0, 0, 0, 12, 6, 0, 0, 0),
)
At = tuple[str, int, int, int]
MODEL_ID = r"[0-9a-f]{32}"
AT = r"([\w./:-]{1,64}),(\d{1,4}),(\d{1,4}),(\d{1,4})"  # layer,map,row,column (checked against the layer when built)
DIGIT_SCALE = 16  # the digits data set's values: 0–16


def last_sample(settings: Settings) -> int:
    """The last held-out sample (the split has 450; without scikit-learn ``sample`` is answered with a 422 saying so)."""
    return len(digits_data.held_out()[1]) - 1 if digits_data.available() else 0


SAMPLE = Whole("sample", 0, last_sample)
GRID = Grid("grid", "max_grid_size")
PROJECTOR = Flag("projector")


@dataclass(frozen=True)
class NetworkState(PageState):
    PATH = "/network"
    ORDER = ("model", "image", "sample", "grid", "at", "projector")

    model: str = "digits"
    image: str = ""  # an uploaded model's input from an image: a sample's name or an upload's id ("" none)
    sample: int | None = None
    grid: Matrix = SEVEN
    at: At | None = None
    projector: bool = False

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q = {k: v for k, v in query.items() if v and v.strip()}
        model = q.get("model", "digits").strip()
        if model != "digits" and not re.fullmatch(MODEL_ID, model):
            raise ParameterError("model", "model must be digits or an uploaded model's id (32 lowercase hex characters),"
                                          f" got {model[:40]!r}")
        image = q.get("image", "").strip()
        if image and model == "digits":
            raise ParameterError("image", "image feeds an uploaded model (model=<id>); the digit network takes a drawing,"
                                          " a held-out sample or numbers")
        if image and image not in SAMPLES and not ID_PATTERN.fullmatch(image):
            raise ParameterError("image", f"image must be a sample ({', '.join(SAMPLES)}) or the id of an uploaded"
                                          f" image, got {image[:40]!r}")
        sample = SAMPLE.parse(q.get("sample"), settings) if "sample" in q and model == "digits" else None
        grid = SEVEN
        if q.get("grid") and sample is None and not image:
            grid = GRID.parse(q["grid"], settings)
            if model == "digits":
                check_grid(grid, (8, 8), "the digit network's input")
                if any(not 0 <= v <= DIGIT_SCALE for row in grid for v in row):
                    raise ParameterError("grid", f"grid values must lie between 0 and {DIGIT_SCALE} (the digits data"
                                                 " set's scale)")
        return cls(model=model, image=image, sample=sample, grid=grid, at=_at(q.get("at")),
                   projector=PROJECTOR.parse(q.get("projector")))

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema and meaning, in ``ORDER`` (the /network.json operation), from what
        ``parse`` checks."""
        described = {
            "model": ({"anyOf": [{"type": "string", "enum": ["digits"]}, {"type": "string", "pattern": f"^{MODEL_ID}$"}],
                       "default": "digits"}, "digits (built in) or an uploaded model's id"),
            "image": (IMAGE_REF, "A sample's name or an uploaded image's id, fed to an uploaded model (not to digits)"),
            "sample": (SAMPLE.query_schema(settings), "A held-out sample of the digits data set (replaces the grid;"
                       " digits only)"),
            "grid": (GRID.query_schema(settings), f"The input: rows ; values ,; the digit network takes 8×8 values"
                     f" 0–{DIGIT_SCALE}, an uploaded model its own input size"),
            "at": ({"type": "string", "pattern": f"^{AT}$"}, "layer,map,row,column: one cell of a layer with feature maps"
                   " (inside the layer's shape)"),
            "projector": (PROJECTOR.query_schema(), "The projector theme"),
        }
        return {name: described[name] for name in cls.ORDER}

    def fields(self) -> dict[str, str]:
        return {"model": self.model, "image": self.image, "sample": "" if self.sample is None else str(self.sample),
                "grid": "" if self.sample is not None or self.image else spell_matrix(self.grid),
                "at": ",".join(map(str, self.at)) if self.at else "", "projector": "1" if self.projector else ""}


def check_grid(grid: Matrix, shape: tuple[int, int], what: str) -> None:
    if (len(grid), len(grid[0])) != shape:
        raise ParameterError("grid", f"grid must be {shape[0]}×{shape[1]} ({what}), got {len(grid)}×{len(grid[0])}")


def _at(text: str | None) -> At | None:
    if not text:
        return None
    match = re.fullmatch(AT, text.replace(" ", ""))
    if not match:
        raise ParameterError("at", f"at must be layer,map,row,column like conv1,3,2,5, got {text[:40]!r}")
    return match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4))
