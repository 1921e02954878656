"""Competition ranking (1, 2, 2, 4) and positional awards with the tie-at-the-edge rule. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

AWARD = "award"
REVIEW = "review"


def _groups(keys: Sequence[Any]) -> list[tuple[int, tuple[int, ...]]]:
    """Indices ordered by key (smaller first) and grouped where keys are equal: [(rank, members), ...]."""
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    found: list[tuple[int, list[int]]] = []
    for position, i in enumerate(order):
        if found and keys[i] == keys[found[-1][1][0]]:
            found[-1][1].append(i)
        else:
            found.append((position + 1, [i]))
    return [(rank, tuple(members)) for rank, members in found]


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """Rank of each score: 1 + how many scores are strictly higher. Equal scores share a rank."""
    ranks = [0] * len(scores)
    for rank, members in _groups([-s for s in scores]):
        for i in members:
            ranks[i] = rank
    return ranks


@dataclass(frozen=True)
class Group:
    """Candidates sharing one place in the order: they hold positions rank .. rank + size - 1."""

    rank: int
    size: int
    score: float
    members: tuple[int, ...]  # indices into the ordered list

    @property
    def last(self) -> int:
        return self.rank + self.size - 1


def tie_groups(scores: Sequence[float]) -> list[Group]:
    return [Group(rank, len(m), scores[m[0]], m) for rank, m in _groups([-s for s in scores])]


def cut(keys: Sequence[Any], first: int, last: int) -> dict[int, str]:
    """The one placing operation, for quotas and ranked awards alike: candidates ordered by `keys` (smaller first;
    equal keys tie) take positions first..last. A tie group wholly inside gets the place (AWARD); one that
    straddles an edge goes to the council (REVIEW); the others get nothing. Returns {index: AWARD | REVIEW}.

    Per submitting unit the key ends with the unit's STT, so nothing ties; pooled and ranked, the key is the
    score alone, and a tie at the cut is the council's to decide."""
    outcome: dict[int, str] = {}
    for rank, members in _groups(keys):
        end = rank + len(members) - 1
        if end < first or rank > last:
            continue
        outcome.update(dict.fromkeys(members, AWARD if first <= rank and end <= last else REVIEW))
    return outcome


def positional(scores: Sequence[float], first: int, last: int, min_score: float | None = None) -> dict[int, str]:
    """Which units get an award held by positions first..last (by score, highest first). Units below min_score
    get nothing, but still hold their places: the positions are counted over everyone ranked."""
    outcome = cut([-s for s in scores], first, last)
    return {i: v for i, v in outcome.items() if min_score is None or scores[i] >= min_score}
