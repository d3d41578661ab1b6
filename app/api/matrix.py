"""JSON API: matrix (being written)."""

from fastapi import APIRouter

router = APIRouter(tags=["matrix"])
