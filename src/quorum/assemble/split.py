"""Bisecting a story whose articles tell two events (spherical 2-means on member vectors).

Why: online clustering commits early. When the first article of a second event of the same
kind (a second rehab check-in, a second earthquake in one country) arrives while the first
event's story is active, it can join that story, and its followers join too. Centroids of
two real events of the same kind stay clearly apart once both have a few articles (cosine
typically < 0.45 on ECB+), while halves of one event stay close (cosine > 0.45), so a
periodic 2-means test on active stories undoes such merges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quorum.assemble.vectorize import SparseVector


@dataclass(frozen=True, slots=True)
class Bisection:
    """A two-way split of a story's members: side (0/1) per member, and the cosine of the
    two sides' centroids (low: two different events)."""

    sides: tuple[int, ...]
    similarity: float


def _stack(vectors: Sequence[SparseVector]) -> tuple[np.ndarray, np.ndarray]:
    """Members as a dense (members x distinct terms) matrix over the terms they use."""
    idx = np.concatenate([v.idx for v in vectors])
    slots = np.unique(idx)
    matrix = np.zeros((len(vectors), len(slots)))
    rows = np.repeat(np.arange(len(vectors)), [len(v.idx) for v in vectors])
    matrix[rows, np.searchsorted(slots, idx)] = np.concatenate([v.val for v in vectors])
    return slots, matrix


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x)
    return x / n if n > 0 else x


def bisect(vectors: Sequence[SparseVector], iterations: int = 6) -> Bisection | None:
    """Split member vectors in two by spherical 2-means with deterministic seeds.

    Seeds: the member least like the centroid, then the member least like that one, so the
    same members give the same split. Returns None for fewer than four members (too few to
    tell two events apart from noise).
    """
    if len(vectors) < 4:
        return None
    _, m = _stack(vectors)
    centroid = _unit(m.sum(axis=0))
    a = int(np.argmin(m @ centroid))
    b = int(np.argmin(m @ m[a]))
    if a == b:
        return None
    seeds = np.stack([m[a], m[b]])
    sides = np.zeros(len(vectors), dtype=np.int64)
    for step in range(iterations):
        new = np.argmax(m @ seeds.T, axis=1)
        if new.min() == new.max():
            return None  # everything fell on one side: nothing to split
        if step > 0 and np.array_equal(new, sides):
            break
        sides = new
        seeds = np.stack([_unit(m[sides == s].sum(axis=0)) for s in (0, 1)])
    similarity = float(seeds[0] @ seeds[1])
    return Bisection(tuple(int(s) for s in sides), similarity)
