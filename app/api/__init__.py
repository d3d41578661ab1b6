"""JSON API: one router per resource, all under ``/api``."""

from fastapi import APIRouter

from . import conv, health, images, kernels, matrix, pool, shape, transpose

router = APIRouter()
router.include_router(health.router)
for module in (conv, transpose, pool, shape, matrix, kernels, images):
    router.include_router(module.router, prefix="/api")
