"""HTML pages: one route per page; the same URL answers a fragment when htmx asks."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
