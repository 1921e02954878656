"""What changed since the last run (SPEC 10): a pure function of two Result-shaped records.

A Snapshot holds, as plain values, the four things a clerk compares between runs: the processed files, the
nominations, the rankings and the quota lines. It is made from a Result (this run) or from the ledger (the previous
run, possibly imported from an old ket_qua.json); `compare` knows nothing of where it came from.
"""

from __future__ import annotations

import functools
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from .text import clean


class FileChange(StrEnum):
    NEW = "new"
    REPLACED = "replaced"
    REMOVED = "removed"


@dataclass(frozen=True)
class Snapshot:
    """One run as plain rows, each a tuple in the order the ledger's table keeps (see ledger.py):

    files:       file, sha256, unit_code, status, rows
    nominations: unit_code, kind, level, award, name, name_key, status, score, file, sheet, row
    rankings:    level, unit_code, name, score, rank, cluster, cluster_rank, awards (as awards_text)
    quotas:      scope, cluster, unit_code, kind, level, award, quota, submitted, proposed

    Tuples, not records: a national run has some 110,000 rows, and the previous run's come straight from SQLite."""

    files: tuple[tuple, ...] = ()
    nominations: tuple[tuple, ...] = ()
    rankings: tuple[tuple, ...] = ()
    quotas: tuple[tuple, ...] = ()


# A national run ranks some 100,000 committees with a handful of distinct award lists: each is encoded once.
@functools.lru_cache(maxsize=256)
def awards_text(awards: tuple[str, ...]) -> str:
    """An award list as the ledger stores it (a JSON list)."""
    return json.dumps(list(awards))


@functools.lru_cache(maxsize=256)
def _decoded(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def awards_list(text: str) -> list[str]:
    return list(_decoded(text))


@dataclass(frozen=True)
class Changes:
    previous_run: str | None
    files: tuple[dict, ...] = ()
    nominations: tuple[dict, ...] = ()
    rankings: tuple[dict, ...] = ()
    quotas: tuple[dict, ...] = ()

    @property
    def first_run(self) -> bool:
        return self.previous_run is None

    def counts(self) -> dict[str, int]:
        return {"files": len(self.files), "nominations": len(self.nominations), "rankings": len(self.rankings),
                "quotas": len(self.quotas)}

    @property
    def any(self) -> bool:
        return any(self.counts().values())

    def for_unit(self, code: str, cluster: str | None = None) -> Changes:
        """The changes that concern one submitting unit (its files, nominations, ranked committees, own quotas).
        With its `cluster` ("" for none) also the pooled lines its feedback shows: its cluster's and the province's
        (a commune of the cluster re-sending its file changes what every other commune of it reads)."""
        def mine(q: dict) -> bool:
            if q["unit_code"]:
                return q["unit_code"] == code
            return cluster is not None and (q["scope"] == "province" or (bool(cluster) and q["cluster"] == cluster))

        return Changes(self.previous_run,
                       tuple(f for f in self.files if f["unit_code"] == code),
                       tuple(n for n in self.nominations if n["unit_code"] == code),
                       tuple(r for r in self.rankings if r["unit_code"] == code),
                       tuple(q for q in self.quotas if mine(q)))

    def as_json(self) -> dict:
        return {"previous_run": self.previous_run, "files": [*self.files], "nominations": [*self.nominations],
                "rankings": [*self.rankings], "quotas": [*self.quotas]}


FIRST_RUN = Changes(None)


def counts_text(counts: dict[str, int]) -> str:
    """"tệp 1, đề nghị khen thưởng 1, xếp hạng 2, chỉ tiêu 0": the summary, the log and the leadership's mail."""
    return (f"tệp {counts['files']}, đề nghị khen thưởng {counts['nominations']}, xếp hạng {counts['rankings']}, "
            f"chỉ tiêu {counts['quotas']}")


def name_key(name: str) -> str:
    """A nominee's name as identity compares it: tidy text, case folded; diacritics kept (Ân is not An)."""
    return clean(name).casefold()


def _keyed(rows: Iterable[tuple], key: Callable[[tuple], Hashable]) -> dict[Hashable, tuple]:
    """Rows by identity; a second row with the same identity (the same name twice) is told apart by its count."""
    seen: dict[Hashable, int] = defaultdict(int)
    keyed: dict[Hashable, tuple] = {}
    for row in rows:
        k = key(row)
        n = seen[k]
        keyed[(k, n) if n else k] = row
        seen[k] = n + 1
    return keyed


def _pairs(before: Iterable[tuple], after: Iterable[tuple], key: Callable[[tuple], Hashable]
           ) -> Iterator[tuple[tuple | None, tuple | None]]:
    """(old, new) for every identity in either, in the new run's order, then the vanished in the old order."""
    old, new = _keyed(before, key), _keyed(after, key)
    for k, row in new.items():
        yield old.get(k), row
    for k, row in old.items():
        if k not in new:
            yield row, None


def _files(before: Snapshot, after: Snapshot) -> list[dict]:
    def processed(s: Snapshot) -> dict[str, tuple]:
        return {f[2]: f for f in s.files if f[3] == "processed" and f[2]}

    old, new = processed(before), processed(after)
    found = []
    for code, f in new.items():
        was = old.get(code)
        if was is None:
            found.append({"unit_code": code, "file": f[0], "change": FileChange.NEW})
        elif was[:2] != f[:2]:
            found.append({"unit_code": code, "file": f[0], "change": FileChange.REPLACED})
    found += [{"unit_code": code, "file": f[0], "change": FileChange.REMOVED} for code, f in old.items()
              if code not in new]
    return found


def _nomination_identity(n: tuple) -> tuple:
    """SPEC 10: (submitting unit, kind, normalised name, award); year and round are the ledger's query."""
    return n[0], n[1], n[5], n[3]


def _nominations(before: Snapshot, after: Snapshot) -> list[dict]:
    found = []
    for old, new in _pairs(before.nominations, after.nominations, _nomination_identity):
        if old is not None and new is not None and old[6] == new[6]:
            continue
        row = new or old
        assert row is not None
        found.append({"unit_code": row[0], "kind": row[1], "level": row[2], "award": row[3], "name": row[4],
                      "from": old[6] if old else None, "to": new[6] if new else None})
    return found


def _rankings(before: Snapshot, after: Snapshot) -> list[dict]:
    found = []
    for old, new in _pairs(before.rankings, after.rankings, operator.itemgetter(0, 1, 2)):
        # The cluster rank too: it decides the cluster's flags, and moves while the province rank stays.
        if old is not None and new is not None and old[4] == new[4] and old[6] == new[6] and old[7] == new[7]:
            continue
        row = new or old
        assert row is not None
        found.append({"level": row[0], "unit_code": row[1], "name": row[2],
                      "from_rank": old[4] if old else None, "to_rank": new[4] if new else None,
                      "from_cluster_rank": old[6] if old else None, "to_cluster_rank": new[6] if new else None,
                      "from_awards": awards_list(old[7]) if old else [],
                      "to_awards": awards_list(new[7]) if new else []})
    return found


def _quotas(before: Snapshot, after: Snapshot) -> list[dict]:
    found = []
    for old, new in _pairs(before.quotas, after.quotas, operator.itemgetter(0, 1, 2, 3, 4, 5)):
        # The submitted and proposed counts too: the feedback shows them, and a unit mailed because they moved
        # must read what moved.
        if old is not None and new is not None and old[6:9] == new[6:9]:
            continue
        row = new or old
        assert row is not None
        found.append({"scope": row[0], "cluster": row[1], "unit_code": row[2], "kind": row[3], "level": row[4],
                      "award": row[5], "from": old[6] if old else None, "to": new[6] if new else None,
                      "from_submitted": old[7] if old else None, "to_submitted": new[7] if new else None,
                      "from_proposed": old[8] if old else None, "to_proposed": new[8] if new else None})
    return found


def compare(previous_run: str | None, before: Snapshot | None, after: Snapshot) -> Changes:
    """The changes from `before` (the previous run, named `previous_run`) to `after`; none on a first run."""
    if previous_run is None or before is None:
        return FIRST_RUN
    return Changes(previous_run, tuple(_files(before, after)), tuple(_nominations(before, after)),
                   tuple(_rankings(before, after)), tuple(_quotas(before, after)))
