"""JSON API: one router per resource, all under ``/api``."""

from fastapi import APIRouter

from . import classes, conv, health, images, kernels, matrix, models, pool, shape, transpose

router = APIRouter()
router.include_router(health.router)
for module in (conv, transpose, pool, shape, matrix, kernels, images, models, classes):
    router.include_router(module.router, prefix="/api")
