"""JSON API: images (being written)."""

from fastapi import APIRouter

router = APIRouter(tags=["images"])
