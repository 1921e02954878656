"""The Result of a batch: everything every writer presents, and its JSON form (ket_qua.json)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import TextIO

from . import terms
from .changes import Changes, Snapshot, awards_text, name_key
from .issues import Issue
from .names import feedback_file_names
from .records import NominationRow
from .registry import Unit
from .terms import FileStatus, Kind, Severity, Status


def record_json(record) -> dict:
    """A flat record's fields as a JSON object. What dataclasses.asdict gives for these records (their fields are
    plain values and tuples of them), without its deep copy: at national scale asdict alone took seconds."""
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in fields(record))
    return {name: getattr(record, name) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # per record class (functools.cache on a class trips mypy)

SUMMARY_STATUSES = (Status.PROPOSED, Status.OVER_QUOTA, Status.INCOMPLETE_DOSSIER, Status.INVALID,
                    Status.INELIGIBLE, Status.NEEDS_REVIEW)


@dataclass(frozen=True)
class InputFile:
    file: str
    sha256: str
    status: str  # processed | superseded | rejected | skipped
    unit_code: str
    rows: int
    unit_name: str = ""
    date: str = ""  # Ngày lập, ISO
    reason: str = ""
    # A rejected file whose code is unknown or missing but whose Đơn vị names one registry unit: that unit sent
    # it, and is told why it was rejected.
    named_unit: str = ""

    @property
    def owner(self) -> str:
        """The unit the file belongs to: the one its code names, or failing that the one its name names."""
        return self.named_unit or self.unit_code

    def as_json(self) -> dict:
        return record_json(self)


@dataclass(frozen=True)
class Nomination:
    source: NominationRow
    unit_code: str
    status: str
    reasons: tuple[str, ...] = ()

    # What the rules and the writers read of the row, named here so that a typo is caught by mypy.
    @property
    def file(self) -> str:
        return self.source.file

    @property
    def sheet(self) -> str:
        return self.source.sheet

    @property
    def row(self) -> int:
        return self.source.row

    @property
    def cells(self) -> dict[str, str]:
        return self.source.cells

    @property
    def kind(self) -> str:
        return self.source.kind

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def level(self) -> str | None:
        return self.source.level

    @property
    def award(self) -> str | None:
        return self.source.award

    @property
    def score(self) -> float | None:
        return self.source.score

    @property
    def merit_type(self) -> str | None:
        return self.source.merit_type

    @property
    def summary(self) -> str:
        return self.source.summary

    @property
    def gender(self) -> str:
        return self.source.gender

    @property
    def birth_year(self) -> int | None:
        return self.source.birth_year

    @property
    def ethnicity(self) -> str:
        return self.source.ethnicity

    @property
    def position(self) -> str:
        return self.source.position

    @property
    def workplace(self) -> str:
        return self.source.workplace

    @property
    def contribution(self) -> int | None:
        return self.source.contribution

    @property
    def key(self) -> tuple[str, str, str] | None:
        if self.source.level and self.source.award:
            return (self.source.kind, self.source.level, self.source.award)
        return None

    def as_json(self) -> dict:
        s = self.source
        return {
            "file": s.file, "sheet": s.sheet, "row": s.row, "unit_code": self.unit_code, "kind": s.kind,
            "name": s.name, "level": s.level, "award": s.award, "score": s.score, "status": self.status,
            "reasons": list(self.reasons), "stt": s.stt, "merit_type": s.merit_type, "summary": s.summary,
            "gender": s.gender, "birth_year": s.birth_year, "ethnicity": s.ethnicity, "position": s.position,
            "workplace": s.workplace, "contribution": s.contribution, "years_excellent": s.years_excellent,
            "initiatives": s.initiatives, "missing_documents": list(s.missing_documents),
        }


@dataclass(frozen=True)
class RankedUnit:
    ranking: str  # huyen | xa | bctmt
    unit_code: str  # the submitting district
    name: str
    score: float
    rank: int
    awards: tuple[str, ...]
    needs_review: tuple[str, ...]
    file: str
    sheet: str
    row: int | None
    cell: str = ""
    parent: str = ""  # xã of a Ban công tác Mặt trận
    score_source: str = ""  # huyen: "appraisal" | "self"
    dossier_to_collect: tuple[str, ...] = ()  # documents the office must still collect from this winner
    dossier_awards: tuple[str, ...] = ()  # the awards of this winner whose config requires that dossier
    committee: str = ""  # the body the plan awards: "Ủy ban MTTQ Việt Nam thị trấn Kế Sách", "Ban công tác Mặt trận ấp …"
    cluster: str | None = None  # the cụm thi đua of the unit (a BCTMT's: its commune's, or its district's)
    cluster_rank: int | None = None  # competition rank within the cluster

    def as_json(self) -> dict:
        return record_json(self)


@dataclass(frozen=True)
class Recipient:
    """One holder of an award: a unit ranked into it, or a nomination proposed for it. Writers list these."""

    award: str
    name: str
    kind: str  # collective | individual (a ranked unit is a collective)
    level: str  # the nominee's level, or the ranking a unit holds the award by
    unit_code: str  # the submitting unit
    score: float | None
    rank: int | None  # None for a nomination
    ranked: RankedUnit | None = None
    nomination: Nomination | None = None

    @property
    def is_ranked(self) -> bool:
        return self.ranked is not None


@dataclass(frozen=True)
class ScoreLine:
    """One unit's marks for one leaf criterion (ket_qua.json "scores"); appraised is None where not re-marked."""

    unit_code: str
    criterion: str
    self: float
    bonus: float
    deduction: float
    appraised: float | None = None
    appraised_bonus: float | None = None
    appraised_deduction: float | None = None
    own: float = 0.0  # the unit's marks counted (self + bonus - deduction), as criteria.Scored adds them
    final: float = 0.0  # the same with the province's re-marks
    file: str = ""  # where the unit marked it ...
    sheet: str = ""
    row: int | None = None
    appraisal_file: str = ""  # ... and where the province re-marked it
    appraisal_row: int | None = None

    def as_json(self) -> dict:
        return record_json(self)


@dataclass(frozen=True)
class QuotaLine:
    unit_code: str | None  # None for a pooled line (a cluster or the province)
    kind: str
    level: str
    award: str
    quota: int
    submitted: int
    proposed: int
    unit_count: int | None = None  # the registry count the quota came from
    scope: str = "unit"  # unit | cluster | province
    cluster: str | None = None  # the cluster of a cluster-scope line
    tied: int = 0  # rows tied at the line's cut, sent to the council: none of them is over the quota

    def as_json(self) -> dict:
        return record_json(self)


@dataclass(frozen=True)
class CapLine:
    kind: str
    level: str
    award: str
    cap: int
    proposed: int
    quota_total: int
    reserve: tuple[Nomination, ...] = ()

    @property
    def unused(self) -> int:
        return max(self.cap - self.proposed, 0)

    def as_json(self) -> dict:
        return {"kind": self.kind, "level": self.level, "award": self.award, "cap": self.cap,
                "proposed": self.proposed, "quota_total": self.quota_total, "unused": self.unused,
                "reserve": [{"file": n.file, "sheet": n.sheet, "row": n.row, "unit_code": n.unit_code,
                             "name": n.name, "score": n.score} for n in self.reserve]}


def _unit_group() -> defaultdict:
    return defaultdict(list)


@dataclass(frozen=True)
class Result:
    year: int
    round: str
    province_code: str
    province_name: str
    place: str
    units: tuple[Unit, ...]  # the registry's, in its order
    inputs: tuple[InputFile, ...]
    quotas: tuple[QuotaLine, ...]
    caps: tuple[CapLine, ...]
    nominations: tuple[Nomination, ...]
    rankings: dict[str, tuple[RankedUnit, ...]]
    issues: tuple[Issue, ...]
    stats: dict = field(default_factory=dict)
    source_folder: str = ""  # the input folder, for links from issues to the cells they name
    criteria: tuple | None = None  # the criteria table (criteria.Criterion), when one is configured
    scores: tuple[ScoreLine, ...] = ()
    notified: tuple[str, ...] = ()  # codes of the units whose last feedback sent (the ledger) is this run's own
    changes: Changes | None = None  # since the previous run in the ledger (None: not compared, e.g. `check`)
    cluster_awards: frozenset[tuple[str, str]] = frozenset()  # (ranking, award) whose places count per cluster

    def by_cluster(self, r: RankedUnit, award: str) -> bool:
        """Whether the unit holds (or is tied for) `award` by its place in its cluster: its rank then is the
        cluster's, not the province's ("Xếp thứ nhì Cụm 1")."""
        return bool(r.cluster and r.cluster_rank) and (r.ranking, award) in self.cluster_awards

    @cached_property
    def submitter_level(self) -> str:
        """The level of the units that submit, and the ranking of their committees: "huyen" (2023) or "xa"."""
        return "xa" if any(u.cap == "xa" for u in self.units) else "huyen"

    @cached_property
    def submitters(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.cap != "tinh")

    @property
    def province_word(self) -> str:
        """What the province is called inside a sentence: "tỉnh", or "thành phố" for a centrally-run city."""
        return "thành phố" if self.province_name.casefold().split("việt nam")[-1].strip().startswith("thành phố") \
            else "tỉnh"

    @cached_property
    def has_clusters(self) -> bool:
        return any(u.cluster for u in self.units)

    @cached_property
    def reported_codes(self) -> frozenset[str]:
        """The units whose file was processed."""
        return frozenset(i.unit_code for i in self.inputs if i.status == FileStatus.PROCESSED)

    @cached_property
    def rejected_codes(self) -> frozenset[str]:
        """The units below the province that sent a file, all of whose files were rejected: they have reported,
        but nothing of theirs is counted."""
        sent = {i.owner for i in self.inputs if i.status == FileStatus.REJECTED}
        return frozenset(u.code for u in self.submitters if u.code in sent and u.code not in self.reported_codes)

    def missing(self, cluster: str | None = None) -> list[Unit]:
        """The units below the province (in one cluster, or all) that have sent nothing."""
        return [u for u in self.submitters if (cluster is None or u.cluster == cluster)
                and u.code not in self.reported_codes and u.code not in self.rejected_codes]

    def rejected(self, cluster: str | None = None) -> list[Unit]:
        """The units below the province (in one cluster, or all) whose files were all rejected."""
        return [u for u in self.submitters if (cluster is None or u.cluster == cluster) and u.code in self.rejected_codes]

    def progress(self, cluster: str | None = None) -> tuple[int, int]:
        """(units that reported, units) below the province, in one cluster or (None) all of them; the province's
        own file is not counted."""
        units = [u for u in self.submitters if cluster is None or u.cluster == cluster]
        return sum(u.code in self.reported_codes for u in units), len(units)

    @cached_property
    def cluster_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(u.cluster for u in self.submitters if u.cluster))

    @property
    def provisional(self) -> bool:
        reported, total = self.progress()
        return reported < total

    def provisional_title(self) -> str:
        """What every document carries under its title while units are missing; "" once all have reported."""
        return terms.provisional_title(*self.progress()) if self.provisional else ""

    def place_note(self, cluster: str | None = None) -> str:
        """What a claim of a place in a cluster (or, None, the province) adds while a unit of it has not reported:
        " (tạm thời, 2/8 đơn vị của cụm đã báo cáo)"; "" when the scope is complete."""
        reported, total = self.progress(cluster)
        if reported >= total:
            return ""
        return " " + terms.provisional_scope(reported, total, "cụm" if cluster else self.province_word)

    def unit(self, code: str) -> Unit | None:
        return self._units_by_code.get(code)

    @cached_property
    def _units_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def short_names(self) -> dict[str, str]:
        """Each unit's short name by code, worked out once for all the tables that show it."""
        return {u.code: u.short_name for u in self.units}

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == Severity.WARNING)

    @property
    def input_counts(self) -> dict[str, int]:
        """How many input files are processed, superseded, rejected and skipped."""
        counts: dict[str, int] = dict.fromkeys(FileStatus, 0)
        for i in self.inputs:
            counts[i.status] += 1
        return counts

    def ranked(self, award: str, *rankings: str) -> list[RankedUnit]:
        """Ranked units holding an award, in ranking order (all rankings when none is named)."""
        return [r for k in (rankings or tuple(self.rankings)) for r in self.rankings.get(k, ()) if award in r.awards]

    def recipients(self, award: str, kind: str | None = None, rankings: tuple[str, ...] | None = None
                   ) -> list[Recipient]:
        """Who receives `award`: the units ranked into it (in ranking order; only `rankings` when given), then
        the nominations proposed for it (in input order). A ranked unit counts as a collective."""
        found: list[Recipient] = []
        if kind in (None, Kind.COLLECTIVE):
            found += [Recipient(award, r.name, Kind.COLLECTIVE, r.ranking, r.unit_code, r.score, r.rank, ranked=r)
                      for r in self.ranked(award, *(rankings or ()))]
        found += [Recipient(award, n.name, n.kind, n.level or "", n.unit_code, n.score, None, nomination=n)
                  for n in self.awarded(award, kind)]
        return found

    def under_review(self) -> list[Recipient]:
        """What the council must decide: ranked units tied at a cut (once each, with the first award held back),
        then nominations over a provincial cap."""
        found = [Recipient(r.needs_review[0], r.name, Kind.COLLECTIVE, r.ranking, r.unit_code, r.score, r.rank, ranked=r)
                 for units in self.rankings.values() for r in units if r.needs_review]
        found += [Recipient(n.award or "", n.name, n.kind, n.level or "", n.unit_code, n.score, None, nomination=n)
                  for n in self.with_status(Status.NEEDS_REVIEW)]
        return found

    def dossiers_to_collect(self, code: str | None = None) -> list[RankedUnit]:
        """Ranked winners whose dossier the office must still collect (all, or those of one submitting unit)."""
        found = self.rankings.items() if code is None else ((k, self.unit_items(code, k)) for k in self.rankings)
        return [r for _, units in found for r in units if r.dossier_to_collect]

    @cached_property
    def _capped_rows(self) -> frozenset[tuple[str, str, int | None]]:
        return frozenset((i.file, i.sheet, i.row) for i in self.issues if i.code == "provincial-cap-exceeded")

    def held_by_cap(self, n: Nomination) -> bool:
        """Whether a nomination under review was held back by a provincial cap (not by a tie at a cut)."""
        return (n.file, n.sheet, n.row) in self._capped_rows

    def with_status(self, status: str) -> tuple[Nomination, ...]:
        return tuple(n for n in self.nominations if n.status == status)

    def awarded(self, award: str, kind: str | None = None) -> tuple[Nomination, ...]:
        """Proposed nominations for one award (and kind)."""
        return tuple(n for n in self.nominations if n.status == Status.PROPOSED and n.award == award
                     and (kind is None or n.kind == kind))

    def for_unit(self, code: str) -> UnitView:
        return UnitView(self, code)

    @cached_property
    def _by_unit(self) -> dict[str, dict[str, list]]:
        """Everything grouped by submitting unit once, so per-unit views stay linear in size."""
        groups: dict[str, dict[str, list]] = defaultdict(_unit_group)
        for kind, items in (("nominations", self.nominations), ("scores", self.scores)):
            for item in items:
                groups[item.unit_code][kind].append(item)
        for file in self.inputs:
            groups[file.owner]["inputs"].append(file)
        for q in self.quotas:  # a pooled line belongs to every unit of its cluster (or of the province)
            members = [q.unit_code] if q.unit_code is not None else [
                u.code for u in self.units if u.cap != "tinh" and (q.scope == "province" or u.cluster == q.cluster)]
            for code in members:
                groups[code]["quotas"].append(q)
        for ranking, units in self.rankings.items():
            for r in units:
                groups[r.unit_code][ranking].append(r)
        files = {i.file: i.owner for i in self.inputs}
        for i in self.issues:
            codes = {i.unit_code, *i.related} if i.unit_code else {files.get(i.file, "")}
            for code in codes - {""}:
                groups[code]["issues"].append(i)
        return groups

    @cached_property
    def feedback_files(self) -> dict[str, str]:
        return feedback_file_names(self.units)

    def unit_items(self, code: str, kind: str) -> tuple:
        return tuple(self._by_unit.get(code, {}).get(kind, ()))

    def snapshot(self) -> Snapshot:
        """What the next run compares itself with and the ledger keeps, as plain rows (changes.Snapshot)."""
        return Snapshot(
            files=tuple((i.file, i.sha256, i.unit_code, i.status, i.rows) for i in self.inputs),
            nominations=tuple((n.unit_code, s.kind, s.level, s.award, s.name, name_key(s.name), n.status, s.score,
                               s.file, s.sheet, s.row) for n in self.nominations for s in (n.source,)),
            rankings=tuple((r.ranking, r.unit_code, r.name, r.score, r.rank, r.cluster, r.cluster_rank,
                            awards_text(r.awards)) for units in self.rankings.values() for r in units),
            quotas=tuple((q.scope, q.cluster, q.unit_code, q.kind, q.level, q.award, q.quota, q.submitted, q.proposed)
                         for q in self.quotas),
        )

    def summary(self) -> dict:
        """The batch in figures: what the end-of-run screen, the leadership e-mail and `send` report."""
        status: dict[str, int] = {s: self.stats["status"].get(s, 0) for s in SUMMARY_STATUSES}
        held_by_ties = sum(bool(r.needs_review) for units in self.rankings.values() for r in units)
        reported, total = self.progress()  # one count of units everywhere: the province's own file is not one
        return {
            "files": self.input_counts, "units_received": reported, "units_total": total,
            "units_missing": [u.short_name for u in self.missing()],
            "units_rejected": [u.short_name for u in self.rejected()],
            "nominations": len(self.nominations), "status": status,
            "needs_review": status["needs_review"] + held_by_ties,
            # Two different things wait for the council: nominations, and ranked units tied at a threshold.
            "review_nominations": status["needs_review"], "review_units": held_by_ties,
            "errors": len(self.errors), "warnings": len(self.warnings),
            "reported": {"units": reported, "of": total},
            "clusters": {name: dict(zip(("reported", "of"), self.progress(name))) for name in self.cluster_names},
        }

    def as_json(self, stream: bool = False) -> dict:
        """The ket_qua.json object. With `stream`, the long lists are iterators, built row by row as write_json
        writes them, so that a national batch's JSON never sits whole in memory."""
        many: Callable[[Iterable], Iterable] = iter if stream else list
        return {
            "year": self.year,
            "round": self.round,
            "summary": self.summary(),
            "province": {"code": self.province_code, "name": self.province_name},
            "units": [{"code": u.code, "name": u.name, "short_name": u.short_name, "cap": u.cap, "email": u.email,
                       "cluster": u.cluster or None, "feedback_file": self.feedback_files[u.code],
                       "summary": self.for_unit(u.code).summary()}
                      for u in self.units],
            "inputs": [i.as_json() for i in self.inputs],
            "quotas": [q.as_json() for q in self.quotas],
            "caps": [c.as_json() for c in self.caps],
            "nominations": many(n.as_json() for n in self.nominations),
            "rankings": {k: many(r.as_json() for r in v) for k, v in self.rankings.items()},
            "issues": many(i.as_json() for i in self.issues),
            "stats": self.stats,
            **({"criteria": [c.as_json() for c in self.criteria], "scores": many(s.as_json() for s in self.scores)}
               if self.criteria is not None else {}),
            **({"changes": self.changes.as_json()} if self.changes is not None else {}),
        }


@dataclass(frozen=True)
class UnitView:
    """The part of a Result that concerns one submitting unit (its feedback workbook)."""

    result: Result
    code: str

    @property
    def nominations(self) -> tuple[Nomination, ...]:
        return self.result.unit_items(self.code, "nominations")

    @property
    def quotas(self) -> tuple[QuotaLine, ...]:
        return self.result.unit_items(self.code, "quotas")

    @property
    def inputs(self) -> tuple[InputFile, ...]:
        return self.result.unit_items(self.code, "inputs")

    @property
    def issues(self) -> tuple[Issue, ...]:
        return self.result.unit_items(self.code, "issues")

    @property
    def rankings(self) -> dict[str, tuple[RankedUnit, ...]]:
        return {k: self.result.unit_items(self.code, k) for k in self.result.rankings}

    @property
    def changes(self) -> Changes | None:
        """The unit's own changes since the previous run, with the pooled quota lines its feedback shows."""
        if self.result.changes is None:
            return None
        unit = self.result.unit(self.code)
        cluster = None if unit is None or unit.cap == "tinh" else (unit.cluster or "")
        return self.result.changes.for_unit(self.code, cluster)

    @property
    def scores(self) -> tuple[ScoreLine, ...]:
        """The unit's marks per criterion (its own file's, with the appraisal where re-marked)."""
        return self.result.unit_items(self.code, "scores")

    def summary(self) -> dict:
        """The figures a unit's feedback and its e-mail show."""
        noms, issues = self.nominations, self.issues
        status: dict[str, int] = {s: sum(n.status == s for n in noms) for s in SUMMARY_STATUSES}
        errors = sum(i.severity == Severity.ERROR for i in issues)
        return {
            "files": len(self.inputs), "processed": any(i.status == FileStatus.PROCESSED for i in self.inputs),
            "submitted": len(noms), "proposed": status["proposed"], "over_quota": status["over_quota"],
            "incomplete": status["incomplete_dossier"], "invalid": status["invalid"] + status["ineligible"],
            "needs_review": status["needs_review"], "errors": errors,
            "warnings": sum(i.severity == Severity.WARNING for i in issues),
            # Rows over a quota or short of a dossier are not mistakes in the file: the mail says what they mean.
            "must_fix": bool(errors or status["invalid"]),
        }


def write_json(result: Result, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        _dump(result.as_json(stream=True), fh)


def _dump(value: object, fh: TextIO) -> None:
    """Write what json.dumps(value, ensure_ascii=False, default=str) returns, byte for byte, streaming the
    iterators one item at a time."""
    if isinstance(value, dict) and _streams(value):  # the top level, "rankings": their keys are text
        fh.write("{")
        for n, (key, item) in enumerate(value.items()):
            fh.write(f"{', ' if n else ''}{json.dumps(key, ensure_ascii=False)}: ")
            _dump(item, fh)
        fh.write("}")
    elif isinstance(value, Iterator):
        fh.write("[")
        for n, item in enumerate(value):
            fh.write(f"{', ' if n else ''}{json.dumps(item, ensure_ascii=False, default=str)}")
        fh.write("]")
    else:
        fh.write(json.dumps(value, ensure_ascii=False, default=str))


def _streams(value: object) -> bool:
    return isinstance(value, Iterator) or isinstance(value, dict) and any(_streams(v) for v in value.values())
