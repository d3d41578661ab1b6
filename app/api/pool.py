"""JSON API: pool (being written)."""

from fastapi import APIRouter

router = APIRouter(tags=["pool"])
