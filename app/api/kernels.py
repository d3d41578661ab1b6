"""GET /api/kernels: the preset catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from ..engine.kernels import PRESETS, get_preset
from ..models.learned import learned_kernels
from .schemas import ERROR_RESPONSES

router = APIRouter(tags=["kernels"])


@router.get("/kernels", summary="The preset kernels with exact matrices")
def kernels() -> list[dict[str, Any]]:
    """Each preset: name, label, matrix, exact numerators/denominator, display text, sum,
    description, and where the lecture notes print it differently, ``notes_slip``; then the learned
    kernels (``learned: true``): the digit network's first-layer filters with their exact values, bias,
    model and layer."""
    return [*(p.as_dict() for p in PRESETS.values()), *learned_kernels()]


@router.get("/kernels/{name}", responses=ERROR_RESPONSES, summary="One preset or learned kernel")
def kernel(name: str = Path(description="A name GET /api/kernels lists: a preset's, or a learned kernel's",
                            json_schema_extra={"enum": [*PRESETS, *(k["name"] for k in learned_kernels())]})) -> dict[str, Any]:
    learned = next((k for k in learned_kernels() if k["name"] == name), None)
    return learned if learned is not None else get_preset(name).as_dict()
