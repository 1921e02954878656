"""What changed since the last run (SPEC 10): a pure function of two Result-shaped records.

A Snapshot holds, as plain values, the four things a clerk compares between runs: the processed files, the
nominations, the rankings and the quota lines. It is made from a Result (this run) or from the ledger (the previous
run, possibly imported from an old ket_qua.json); `compare` knows nothing of where it came from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from .text import clean


class FileChange(StrEnum):
    NEW = "new"
    REPLACED = "replaced"
    REMOVED = "removed"


@dataclass(frozen=True)
class Snapshot:
    """files: unit_code, file, sha256, status; nominations: unit_code, kind, level, award, name, status;
    rankings: level, unit_code, name, rank, awards; quotas: scope, cluster, unit_code, kind, level, award, quota."""

    files: tuple[dict, ...] = ()
    nominations: tuple[dict, ...] = ()
    rankings: tuple[dict, ...] = ()
    quotas: tuple[dict, ...] = ()


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

    def for_unit(self, code: str) -> Changes:
        """The changes that concern one submitting unit (its files, nominations, ranked committees, own quotas)."""
        return Changes(self.previous_run,
                       tuple(f for f in self.files if f["unit_code"] == code),
                       tuple(n for n in self.nominations if n["unit_code"] == code),
                       tuple(r for r in self.rankings if r["unit_code"] == code),
                       tuple(q for q in self.quotas if q["unit_code"] == code))

    def as_json(self) -> dict:
        return {"previous_run": self.previous_run, "files": [*self.files], "nominations": [*self.nominations],
                "rankings": [*self.rankings], "quotas": [*self.quotas]}


FIRST_RUN = Changes(None)


def name_key(name: str) -> str:
    """A nominee's name as identity compares it: tidy text, case folded; diacritics kept (Ân is not An)."""
    return clean(name).casefold()


def nomination_identity(n: dict) -> tuple:
    """SPEC 10: (submitting unit, kind, normalised name, award); year and round are the ledger's query."""
    return n["unit_code"], n["kind"], name_key(n["name"]), n["award"]


def _keyed(items: Iterable[dict], key) -> dict[Hashable, dict]:
    """Items by identity; a second item with the same identity (the same name twice) is told apart by its count."""
    seen: dict[Hashable, int] = defaultdict(int)
    keyed: dict[Hashable, dict] = {}
    for item in items:
        k = key(item)
        keyed[(k, seen[k])] = item
        seen[k] += 1
    return keyed


def _pairs(before: Iterable[dict], after: Iterable[dict], key) -> Iterable[tuple[dict | None, dict | None]]:
    """(old, new) for every identity in either, in the new run's order, then the vanished in the old order."""
    old, new = _keyed(before, key), _keyed(after, key)
    for k, item in new.items():
        yield old.get(k), item
    for k, item in old.items():
        if k not in new:
            yield item, None


def _files(before: Snapshot, after: Snapshot) -> list[dict]:
    def processed(s: Snapshot) -> dict[str, dict]:
        return {f["unit_code"]: f for f in s.files if f["status"] == "processed" and f["unit_code"]}

    old, new = processed(before), processed(after)
    found = []
    for code, f in new.items():
        was = old.get(code)
        if was is None:
            found.append({"unit_code": code, "file": f["file"], "change": FileChange.NEW})
        elif (was["file"], was["sha256"]) != (f["file"], f["sha256"]):
            found.append({"unit_code": code, "file": f["file"], "change": FileChange.REPLACED})
    found += [{"unit_code": code, "file": f["file"], "change": FileChange.REMOVED}
              for code, f in old.items() if code not in new]
    return found


def _nominations(before: Snapshot, after: Snapshot) -> list[dict]:
    found = []
    for old, new in _pairs(before.nominations, after.nominations, nomination_identity):
        if old is not None and new is not None and old["status"] == new["status"]:
            continue
        item = new or old
        assert item is not None
        found.append({"unit_code": item["unit_code"], "kind": item["kind"], "level": item["level"],
                      "award": item["award"], "name": item["name"],
                      "from": old["status"] if old else None, "to": new["status"] if new else None})
    return found


def _rankings(before: Snapshot, after: Snapshot) -> list[dict]:
    found = []
    for old, new in _pairs(before.rankings, after.rankings, lambda r: (r["level"], r["unit_code"], r["name"])):
        if old is not None and new is not None and (old["rank"], list(old["awards"])) == (new["rank"],
                                                                                          list(new["awards"])):
            continue
        item = new or old
        assert item is not None
        found.append({"level": item["level"], "unit_code": item["unit_code"], "name": item["name"],
                      "from_rank": old["rank"] if old else None, "to_rank": new["rank"] if new else None,
                      "from_awards": list(old["awards"]) if old else [],
                      "to_awards": list(new["awards"]) if new else []})
    return found


def _quota_key(q: dict) -> tuple:
    return q["scope"], q["cluster"], q["unit_code"], q["kind"], q["level"], q["award"]


def _quotas(before: Snapshot, after: Snapshot) -> list[dict]:
    found = []
    for old, new in _pairs(before.quotas, after.quotas, _quota_key):
        if old is not None and new is not None and old["quota"] == new["quota"]:
            continue
        item = new or old
        assert item is not None
        found.append({"scope": item["scope"], "cluster": item["cluster"], "unit_code": item["unit_code"],
                      "kind": item["kind"], "level": item["level"], "award": item["award"],
                      "from": old["quota"] if old else None, "to": new["quota"] if new else None})
    return found


def compare(previous_run: str | None, before: Snapshot | None, after: Snapshot) -> Changes:
    """The changes from `before` (the previous run, named `previous_run`) to `after`; none on a first run."""
    if previous_run is None or before is None:
        return FIRST_RUN
    return Changes(previous_run, tuple(_files(before, after)), tuple(_nominations(before, after)),
                   tuple(_rankings(before, after)), tuple(_quotas(before, after)))

