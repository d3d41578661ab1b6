"""JSON API: shape (being written)."""

from fastapi import APIRouter

router = APIRouter(tags=["shape"])
