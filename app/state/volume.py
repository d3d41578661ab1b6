"""The /volume page's state: an H×W×C example input and N filters F×F×(C/groups) drawn from a seed,
the groups, stride, padding and the step (over every output cell of every feature map).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from ..settings import Settings
from .base import PageState
from .fields import parse_int

MAX_STEP = 10**9
MAX_SEED = 10**6  # the seeds a link may name (a domain, not a size: no setting)


@dataclass(frozen=True)
class VolumeState(PageState):
    PATH = "/volume"
    ORDER = ("size", "channels", "filters", "groups", "kernel", "stride", "padding", "seed", "step")

    size: int = 5  # the notes' Ex1: 5×5×3 input, 2 filters, F = 3, p = 1, s = 2
    channels: int = 3
    filters: int = 2
    groups: int = 1  # filter n sees channel group n // (N/g) only (PyTorch, ONNX); depthwise: groups = C
    kernel: int = 3
    stride: int = 2
    padding: int = 1
    seed: int = 1
    step: int = 0

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        d, lim = cls(), cls.limits(settings)
        values = {name: parse_int(query.get(name), name, getattr(d, name), 0 if name in ("padding", "seed") else 1, lim[name])
                  for name in lim}
        return cls(**values, step=parse_int(query.get("step"), "step", 0, 0, MAX_STEP))

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """The example must fit on a page: every channel's slice and every filter is drawn (Settings)."""
        return {"size": settings.max_volume_size, "channels": settings.max_volume_channels,
                "filters": settings.max_volume_filters, "groups": settings.max_volume_channels,  # g divides C
                "kernel": settings.max_volume_kernel,
                "stride": settings.max_volume_stride, "padding": settings.max_volume_padding, "seed": MAX_SEED}

    def fields(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in self.ORDER}
