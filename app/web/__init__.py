"""HTML pages: one route per page; the same URL answers a fragment when htmx asks."""

from fastapi import APIRouter

from . import classroom, conv1d, conv2d, conv2d_images, export, flip, home, network, pool, shapes, text, transpose, upload, volume

router = APIRouter(include_in_schema=False)
for module in (home, classroom, conv1d, conv2d_images, export, conv2d, upload, pool, volume, transpose, shapes, flip,
               text, network):
    router.include_router(module.router)
