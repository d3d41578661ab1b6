"""JSON API: conv (being written)."""

from fastapi import APIRouter

router = APIRouter(tags=["conv"])
