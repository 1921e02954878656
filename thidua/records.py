"""What the reader hands to the rules: plain values, each with the file, sheet and cell it came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .criteria import Marks
from .issues import Issue
from .schema import DOSSIER_FIELDS, DOSSIER_LABELS


@dataclass(frozen=True)
class NominationRow:
    """One row of "Đề nghị tập thể" or "Đề nghị cá nhân", values parsed, nothing decided."""

    file: str
    sheet: str
    row: int
    kind: str  # collective | individual
    stt: int | None
    name: str
    level: str | None
    award: str | None
    merit_type: str | None
    score: float | None
    summary: str = ""
    has_proposal: bool = False
    has_minutes: bool = False
    has_report: bool = False
    years_excellent: int | None = None
    initiatives: int | None = None
    contribution: int | None = None
    gender: str = ""
    birth_year: int | None = None
    ethnicity: str = ""
    position: str = ""
    workplace: str = ""
    note: str = ""
    letters: dict[str, str] = field(default_factory=dict)  # field -> column letter, shared by the sheet's rows
    problems: tuple[Issue, ...] = ()  # values that could not be read
    # Required columns the sheet lacks (their labels): reported once for the sheet, as missing-column.
    missing_columns: tuple[str, ...] = ()

    def cell(self, field_name: str) -> str:
        """The cell the user sees for one field ("D12"), or "" when the sheet has no such column."""
        letter = self.letters.get(field_name)
        return f"{letter}{self.row}" if letter else ""

    @property
    def cells(self) -> dict[str, str]:
        """field -> the cell the user sees ("D12"); "_row" is the row's first cell."""
        return {f: f"{letter}{self.row}" for f, letter in self.letters.items()}

    @property
    def missing_documents(self) -> tuple[str, ...]:
        """The dossier documents not marked as sent (tờ trình, biên bản, báo cáo thành tích)."""
        return tuple(DOSSIER_LABELS[f] for f in DOSSIER_FIELDS if not getattr(self, f))


@dataclass(frozen=True)
class ScoreRow:
    """One scored unit: a xã-level committee, a Ban công tác Mặt trận, or a district appraisal."""

    file: str
    sheet: str
    row: int
    stt: int | None
    name: str
    score: float | None
    unit_type: str = ""
    parent: str = ""
    unit_code: str = ""  # appraisal rows only: the district appraised
    note: str = ""
    letters: dict[str, str] = field(default_factory=dict)
    problems: tuple[Issue, ...] = ()

    def cell(self, field_name: str) -> str:
        """The cell the user sees for one field ("D12"), or "" when the sheet has no such column."""
        letter = self.letters.get(field_name)
        return f"{letter}{self.row}" if letter else ""

    @property
    def cells(self) -> dict[str, str]:
        return {f: f"{letter}{self.row}" for f, letter in self.letters.items()}


@dataclass(frozen=True)
class Info:
    """Sheet "Thông tin": the submitting unit and what it declares."""

    unit_name: str = ""
    unit_code: str = ""
    year: int | None = None
    round: str | None = None
    round_text: str = ""
    declared_communes: int | None = None
    declared_bctmt: int | None = None
    self_score: float | None = None
    preparer: str = ""
    phone: str = ""
    email: str = ""
    date: dt.date | None = None
    template_version: str = ""
    cluster: str = ""  # as typed (a per-unit template fills it); the registry decides the cluster
    cells: dict[str, str] = field(default_factory=dict)
    sheet: str = "Thông tin"


@dataclass(frozen=True)
class Submission:
    """One input file as read. `readable` is False when nothing could be read from it."""

    file: str
    sha256: str
    mtime: float
    readable: bool
    info: Info = field(default_factory=Info)
    communes: tuple[ScoreRow, ...] = ()
    bctmt: tuple[ScoreRow, ...] = ()
    appraisals: tuple[ScoreRow, ...] = ()
    nominations: tuple[NominationRow, ...] = ()
    criteria: tuple[Marks, ...] = ()  # "Chấm điểm chi tiết": the unit's marks by criterion
    criteria_appraisals: tuple[tuple[str, Marks], ...] = ()  # province only: (unit code, re-marked criterion)
    issues: tuple[Issue, ...] = ()
    skipped: bool = False  # not a spreadsheet at all (lock file, document, ...)
    sheet_names: tuple[str, ...] = ()
    found_tables: frozenset[str] = frozenset()  # schema.Sheet.key of each sheet found

    @property
    def rows(self) -> int:
        return (len(self.communes) + len(self.bctmt) + len(self.appraisals) + len(self.nominations)
                + sum(m.marked for m in self.criteria) + len(self.criteria_appraisals))
