"""Competition ranking (1, 2, 2, 4) and positional awards with the tie-at-the-edge rule. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

AWARD = "award"
REVIEW = "review"


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """Rank of each score: 1 + how many scores are strictly higher. Equal scores share a rank."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    ranks = [0] * len(scores)
    for position, i in enumerate(order):
        if position and scores[i] == scores[order[position - 1]]:
            ranks[i] = ranks[order[position - 1]]
        else:
            ranks[i] = position + 1
    return ranks


@dataclass(frozen=True)
class Group:
    """Units sharing one score: they hold positions rank .. rank + size - 1."""

    rank: int
    size: int
    score: float
    members: tuple[int, ...]  # indices into the ranked list

    @property
    def last(self) -> int:
        return self.rank + self.size - 1


def tie_groups(scores: Sequence[float]) -> list[Group]:
    ranks = competition_ranks(scores)
    groups: dict[int, list[int]] = {}
    for i, rank in enumerate(ranks):
        groups.setdefault(rank, []).append(i)
    return [Group(rank, len(m), scores[m[0]], tuple(m)) for rank, m in sorted(groups.items())]


def positional(scores: Sequence[float], first: int, last: int, min_score: float | None = None) -> dict[int, str]:
    """Which units get an award held by positions first..last.

    A tie group wholly inside the positions gets it (AWARD); one that straddles an edge is held for the
    council (REVIEW). Units below min_score get nothing. Returns {index: AWARD | REVIEW}.
    """
    outcome: dict[int, str] = {}
    for group in tie_groups(scores):
        if min_score is not None and group.score < min_score:
            continue
        if group.last < first or group.rank > last:
            continue
        verdict = AWARD if first <= group.rank and group.last <= last else REVIEW
        outcome.update(dict.fromkeys(group.members, verdict))
    return outcome
