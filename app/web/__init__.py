"""HTML pages: one route per page; the same URL answers a fragment when htmx asks."""

from fastapi import APIRouter

from . import conv1d, conv2d, conv2d_images, pool, shapes, upload, volume

router = APIRouter(include_in_schema=False)
for module in (conv2d_images, conv2d, upload, conv1d, pool, volume, shapes):
    router.include_router(module.router)
