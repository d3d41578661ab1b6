"""JSON API: kernels (being written)."""

from fastapi import APIRouter

router = APIRouter(tags=["kernels"])
