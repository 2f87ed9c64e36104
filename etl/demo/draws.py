"""The few ways the demo draws from its one random generator: a day, a pick, a chance.

Every draw goes through the generator passed in, in a fixed order, so a seed gives one register.
"""

from __future__ import annotations

import datetime as dt

import numpy as np


def draw_day(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    """A uniformly drawn day in [lo, hi] (lo when hi < lo)."""
    span = max((hi - lo).days, 0)
    return lo + dt.timedelta(days=int(rng.integers(0, span + 1)))


def pick(rng: np.random.Generator, options, weights=None):
    """One of ``options``, uniformly or by ``weights`` (any positive scale)."""
    if weights is None:
        return options[int(rng.integers(len(options)))]
    p = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def chance(rng: np.random.Generator, p: float) -> bool:
    """True with probability ``p``."""
    return bool(rng.random() < p)
