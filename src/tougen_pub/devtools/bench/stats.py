"""The arithmetic of the results: medians, ratios, per-round ratios, rounding."""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def ratio(ours: float | None, peer: float | None) -> float | None:
    if ours is None or peer is None or peer <= 0:
        return None
    return ours / peer


def paired_ratio(ours: dict[int, float], peer: dict[int, float]) -> float | None:
    """Median over rounds of ours/peer, using only rounds where both ran."""
    return median(ours[r] / peer[r] for r in sorted(ours.keys() & peer.keys()) if peer[r] > 0)


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)
