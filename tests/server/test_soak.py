"""A shortened soak (20 s) in every test run; `make soak` runs the full one (docs/security.md)."""

from __future__ import annotations

import re

import pytest

from scripts.soak import soak

pytestmark = [pytest.mark.server, pytest.mark.slow]

# The per-worker caches are bounded (16 MiB of pages, 16 MiB of PNGs, 32 decoded images: < 60 MiB at
# the working size, plus scratch lent from a pool of one set per core), so memory may rise while
# they fill but never by more than this.
CACHE_CEILING_MIB = 150


def test_short_soak_loses_nothing_and_memory_stays_bounded():
    report, passed = soak(seconds=20, workers=2, students=20)
    assert passed, report
    assert "errors: 0" in report
    verified = re.search(r"images verified pixel for pixel: (\d+) of (\d+)", report)
    assert verified and verified.group(1) == verified.group(2) and int(verified.group(2)) > 0
    changes = [int(c) for c in re.findall(r"\| ([+-]\d+) \|", report)]
    assert len(changes) == 2 and max(changes) < CACHE_CEILING_MIB, report
