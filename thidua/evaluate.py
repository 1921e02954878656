"""From what was read to the Result: admit files, judge nominations, place quotas, rank units.

Pure: takes Submissions, Config and Registry, returns a Result. No file is opened here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from . import criteria, records, schema, terms
from .config import Config, RankedAward
from .criteria import Marks
from .issues import ERROR, INFO, Issue, issue
from .ranking import AWARD, REVIEW, positional, tie_groups
from .records import ScoreRow, Submission
from .registry import Registry, Unit, address_problem, same_cluster
from .result import InputFile, Nomination, RankedUnit, Result, ScoreLine
from .rules import allocate, judge, out_of_range, quota
from .terms import FileStatus, Kind, Status
from .text import fmt_number, label_key, loose_key, name_list, strip_diacritics, title_case

# ---------------------------------------------------------------- which files count

def trusted_date(sub: Submission, config: Config) -> dt.date | None:
    """The file's Ngày lập when it can be believed: in the campaign's year or the next (a year-end report is often
    dated in January). A date years away (2032 for 2023, last year's template) decides nothing."""
    date = sub.info.date
    return date if date is not None and config.year <= date.year <= config.year + 1 else None


def _dmy(date: dt.date) -> str:
    return date.strftime("%d/%m/%Y")


def _choose(subs: list[Submission], config: Config) -> tuple[Submission, list[tuple[Submission, str, str]]]:
    """A unit's files: the one to use, and for each other file (what decided, why, in Vietnamese). The later
    trusted Ngày lập wins when every file has one; otherwise (or on the same date) the later modification time;
    then the file name, which decides nothing real, and says so."""
    dates = [trusted_date(s, config) for s in subs]
    by_date = all(d is not None for d in dates)
    ordered = sorted(zip(subs, dates), key=lambda p: ((p[1] if by_date else 0), p[0].mtime, p[0].file.casefold()))
    winner, won = ordered[-1]
    return winner, [(old, *_why(old, d, winner, won, by_date)) for old, d in ordered[:-1]]


def _why(old: Submission, old_date: dt.date | None, new: Submission, new_date: dt.date | None, by_date: bool
         ) -> tuple[str, str]:
    """(decided_by, the reason in words) for one superseded file: only what is true."""
    if by_date and old_date is not None and new_date is not None and old_date != new_date:
        return "date", (f"đơn vị đã gửi tệp mới hơn ({new.file}, ngày lập {_dmy(new_date)}; tệp này ngày lập "
                        f"{_dmy(old_date)})")
    if by_date and old_date is not None:
        basis = f"hai tệp cùng ghi ngày lập {_dmy(old_date)}"
    else:
        basis = "không phải tệp nào cũng ghi \"Ngày lập\" hợp lệ nên không so được ngày lập"
    if new.mtime != old.mtime:
        return "mtime", f"{basis}, và tệp {new.file} được sửa, lưu sau tệp này"
    return "name", (f"{basis}, thời gian sửa tệp cũng như nhau, nên tệp {new.file} được chọn theo thứ tự tên tệp; "
                    "đề nghị đơn vị xác nhận tệp nào đúng")


def _later(a: Submission, b: Submission, config: Config) -> bool:
    """Whether file a is later than file b, by the rule _choose follows."""
    return _choose([a, b], config)[0] is a


def admit(submissions: Iterable[Submission], config: Config, registry: Registry
          ) -> tuple[list[InputFile], dict[str, Submission], list[Issue]]:
    """Decide each file's status. Returns the input list, the active submission per unit, and the issues."""
    inputs: dict[str, InputFile] = {}
    problems: list[Issue] = []
    candidates: dict[str, list[Submission]] = {}
    refused: list[tuple[Submission, list[Issue], str]] = []  # rejected files of one of the registry's units
    province_files: list[Submission] = []
    province_code = registry.province.code
    for sub in submissions:
        info = sub.info
        rejection: Issue | None = None
        status = FileStatus.REJECTED
        unit = registry.get(info.unit_code) if sub.readable and info.unit_code else None
        owner: Unit | None = None  # the unit a file of an unknown or missing code names: it is told why
        if sub.readable and info.unit_code == province_code and info.year == config.year:
            province_files.append(sub)  # last year's province file, rejected for its year, claims nothing now
        if sub.skipped:
            status = FileStatus.SKIPPED
        elif not sub.readable:
            pass
        elif not info.unit_code:
            owner = named_unit(info.unit_name, registry)
            rejection = issue("missing-unit-code", file=sub.file, sheet=info.sheet, cell=info.cells.get("unit_code", ""),
                              example=registry.districts[0].code if registry.districts else registry.province.code)
        elif unit is None:
            named = owner = named_unit(info.unit_name, registry)
            rejection = issue("unknown-unit", file=sub.file, sheet=info.sheet, cell=info.cells.get("unit_code", ""),
                              code=info.unit_code, suggestion=named.code if named else "", hint=_code_hint(named, registry))
        elif info.unit_name and not names_unit(info.unit_name, unit) and \
                any(names_unit(info.unit_name, other) for other in registry.units if other is not unit):
            # The name is another unit's: a contradiction, not a typo (a name of no unit is only a warning). The
            # unit it names sent it, and is told too.
            named = owner = named_unit(info.unit_name, registry)
            rejection = issue("unit-mismatch", file=sub.file, sheet=info.sheet, cell=info.cells.get("unit_name", ""),
                              unit_code=unit.code, related=(named.code,) if named else (),
                              found=info.unit_name, code=unit.code, expected=unit.name,
                              suggestion=named.code if named else "", hint=_code_hint(named, registry))
            unit = None  # the file is not this unit's: nothing of the unit's may change because of it
        elif info.year != config.year:
            rejection = issue("wrong-year", file=sub.file, sheet=info.sheet, cell=info.cells.get("year", ""),
                              unit_code=info.unit_code, found=info.year if info.year is not None else "(chưa ghi)",
                              expected=config.year)
        else:
            candidates.setdefault(info.unit_code, []).append(sub)
            continue
        why = [rejection] if rejection else list(sub.issues)
        holder = unit or owner
        if status == FileStatus.REJECTED and holder is not None:
            refused.append((sub, why, holder.code))
            continue
        problems += why
        inputs[sub.file] = InputFile(sub.file, sub.sha256, status, info.unit_code, sub.rows, info.unit_name,
                                     _iso(info.date), reason=why[0].message if why else "")
    active: dict[str, Submission] = {}
    for code, subs in candidates.items():
        winner, superseded = _choose(subs, config)
        active[code] = winner
        for old, decided_by, basis in superseded:
            problem = issue("superseded", file=old.file, unit_code=code, newer=winner.file, decided_by=decided_by,
                            basis=basis)
            problems.append(problem)
            inputs[old.file] = InputFile(old.file, old.sha256, FileStatus.SUPERSEDED, code, old.rows,
                                         old.info.unit_name, _iso(old.info.date), reason=problem.message)
        inputs[winner.file] = InputFile(winner.file, winner.sha256, FileStatus.PROCESSED, code, winner.rows,
                                        winner.info.unit_name, _iso(winner.info.date))
    for sub, why, code in refused:
        used = active.get(code)
        reason = why[0].message if why else ""
        if used is not None and _later(used, sub, config):
            # Superseded means done: the unit sent a corrected file since, so what was wrong here is history.
            old_date, new_date = trusted_date(sub, config), trusted_date(used, config)
            decided_by, basis = _why(sub, old_date, used, new_date, old_date is not None and new_date is not None)
            problem = issue("superseded", file=sub.file, unit_code=code, newer=used.file, decided_by=decided_by,
                            basis=basis)
            problems += [replace(i, severity=INFO) for i in (*why, problem)]
            inputs[sub.file] = InputFile(sub.file, sub.sha256, FileStatus.SUPERSEDED, code, sub.rows,
                                         sub.info.unit_name, _iso(sub.info.date), reason=problem.message)
            continue
        problems += why
        inputs[sub.file] = InputFile(sub.file, sub.sha256, FileStatus.REJECTED, sub.info.unit_code, sub.rows,
                                     sub.info.unit_name, _iso(sub.info.date), reason=reason,
                                     named_unit=code if code != sub.info.unit_code else "")
        if used is not None:
            # A unit's newer file was rejected: its older one is used, and the unit is told so (and why newer).
            old_date, new_date = trusted_date(used, config), trusted_date(sub, config)
            decided_by, _ = _why(used, old_date, sub, new_date, old_date is not None and new_date is not None)
            basis = {"date": f"ngày lập {_dmy(new_date)}, sau ngày {_dmy(old_date)} của tệp {used.file}"
                     if new_date and old_date else "",
                     "mtime": f"được sửa, lưu sau tệp {used.file}",
                     "name": "xếp sau theo thứ tự tên tệp, vì ngày lập và thời gian sửa tệp không phân biệt được"
                     }[decided_by]
            problems.append(issue("older-file-used", file=used.file, unit_code=code, newer=sub.file, reason=reason,
                                  decided_by=decided_by, basis=basis))
    if len(province_files) > 1:
        # The province's own file carries the appraisals: a second one is never taken silently, whichever wins.
        for sub in province_files:
            others = ", ".join(o.file for o in province_files if o is not sub)
            problems.append(issue("province-code-twice", file=sub.file, sheet=sub.info.sheet,
                                  cell=sub.info.cells.get("unit_code", ""), unit_code=registry.province.code,
                                  code=registry.province.code, province=registry.province.name, others=others))
    return sorted(inputs.values(), key=lambda i: i.file.casefold()), active, problems


def _iso(date) -> str:
    return date.isoformat() if date else ""


# ---------------------------------------------------------------- which unit a typed name means

# How clerks write "Ủy ban MTTQ Việt Nam" before the place, compared without diacritics; longest first.
_ORG_WORDS = ("uy ban mat tran to quoc viet nam", "uy ban mat tran to quoc", "mat tran to quoc viet nam",
              "uy ban mttq viet nam", "uy ban mttqvn", "uy ban mttq", "ubmttq viet nam", "ubmttqvn", "ubmttq",
              "ub mttq viet nam", "ub mttqvn", "ub mttq", "mttq viet nam", "mttqvn", "mttq", "uy ban")
_PLACE_TYPES = {"thanh pho": "thanh pho", "tp": "thanh pho", "thi xa": "thi xa", "tx": "thi xa",
                "thi tran": "thi tran", "tt": "thi tran", "huyen": "huyen", "h": "huyen", "tinh": "tinh",
                "quan": "quan", "q": "quan", "xa": "xa", "phuong": "phuong", "p": "phuong", "dac khu": "dac khu"}


def _words(name: str) -> list[str]:
    key = re.sub(r"[^\w]+", " ", loose_key(name)).strip()
    for org in _ORG_WORDS:
        key = re.sub(rf"\b{org}\b", " ", key)
    return key.split()


def _type_and_place(unit: Unit) -> tuple[str, list[str]]:
    """'Huyện Kế Sách' -> ('huyen', ['ke', 'sach'])."""
    words = _words(unit.short_name)
    for length in (2, 1):
        head = " ".join(words[:length])
        if len(words) > length and head in _PLACE_TYPES and len(head) > 1:
            return _PLACE_TYPES[head], words[length:]
    return "", words


def names_unit(typed: str, unit: Unit) -> bool:
    """Whether a typed `Đơn vị` can be this unit: its place's name stands in it as whole words, and a place type
    written right before it ("thành phố", "huyện", "tỉnh", "TP.") is the unit's. Diacritics, case, "UBMTTQ" /
    "Ủy ban MTTQ Việt Nam" and a trailing ", tỉnh Sóc Trăng" do not matter; "thành phố Sóc Trăng" is not
    "tỉnh Sóc Trăng"."""
    kind, place = _type_and_place(unit)
    if not place:
        return True
    # Whole names only: "phường Quy Nhơn Nam" is not "Quy Nhơn". After the place comes the end of the name, of a
    # part set off by a comma or a spaced dash ("…, tỉnh Gia Lai", "… - Gia Lai"), or another place type.
    parts = [_words(part) for part in re.split(r"[,;()]|\s[-–—]\s", typed)]
    return any(_names_place(words, kind, place) for words in (*parts, _words(typed)))


def _names_place(words: list[str], kind: str, place: list[str]) -> bool:
    for at in range(len(words) - len(place) + 1):
        if words[at:at + len(place)] != place:
            continue
        after = words[at + len(place):]
        if after and not any(" ".join(after[:n]) in _PLACE_TYPES and len(after[0]) > 1 for n in (2, 1)):
            continue
        before = [_PLACE_TYPES.get(" ".join(words[max(0, at - n):at])) for n in (2, 1) if at >= n]
        typed_kind = next((k for k in before if k), None)
        if typed_kind is None or not kind or typed_kind == kind:
            return True
    return False


def named_unit(typed: str, registry: Registry) -> Unit | None:
    """The one registry unit a typed name means, if exactly one; for a suggestion, never for a decision."""
    if not typed:
        return None
    found = [u for u in registry.units if names_unit(typed, u)]
    if len(found) > 1:  # "Sóc Trăng" alone is the province and its city: prefer a unit whose type was written
        typed_words = " ".join(_words(typed))
        found = [u for u in found if _type_and_place(u)[0]
                 and re.search(rf"\b{_type_and_place(u)[0]} {' '.join(_type_and_place(u)[1])}\b", typed_words)]
    return found[0] if len(found) == 1 else None


def _code_hint(named: Unit | None, registry: Registry) -> str:
    if named is not None:
        return f"Tên đơn vị ghi trong tệp là của {named.name}, mã {named.code}; nếu đúng, đề nghị ghi mã {named.code}."
    return ("Đề nghị ghi đúng mã theo danh sách đơn vị của tỉnh (ví dụ: "
            + ", ".join(f"{u.code} - {u.short_name}" for u in registry.units[:3]) + ").")


# ---------------------------------------------------------------- checks of one accepted file

def submission_checks(sub: Submission, unit: Unit, config: Config) -> list[Issue]:
    info = sub.info
    where: dict[str, Any] = {"file": sub.file, "sheet": info.sheet, "unit_code": unit.code}
    found: list[Issue] = [issue("bad-date", cell=i.cell, value=i.params["value"], year=config.year, **where)
                          if i.code == "bad-date" else replace(i, unit_code=unit.code) for i in sub.issues]
    if info.round != config.round:
        found.append(issue("wrong-round", cell=info.cells.get("round", ""), found=info.round_text or "(chưa ghi)",
                           expected=terms.ROUNDS[config.round], **where))
    if info.unit_name and not names_unit(info.unit_name, unit):
        found.append(issue("unit-name-mismatch", cell=info.cells.get("unit_name", ""), found=info.unit_name,
                           code=unit.code, expected=unit.name, **where))
    if config.uses_clusters and info.cluster and not same_cluster(info.cluster, unit.cluster):
        found.append(issue("cluster-mismatch", cell=info.cells.get("cluster", ""), found=info.cluster,
                           expected=unit.cluster or "(chưa ghi)", unit=unit.short_name, **where))
    date = trusted_date(sub, config)
    if date is None:
        raw = info.date
        found.append(issue("missing-date" if raw is None else "implausible-date", cell=info.cells.get("date", ""),
                           value=_dmy(raw) if raw else "", year=config.year, **where))
    if unit.cap in ("huyen", "xa"):
        counts = [("declared_communes", "số đơn vị cấp xã", unit.communes)] if unit.cap == "huyen" else []
        for field_name, label, expected in (*counts, ("declared_bctmt", "số Ban công tác Mặt trận", unit.bctmt)):
            declared = getattr(info, field_name)
            if declared is not None and declared != expected:
                found.append(issue("declared-count-mismatch", cell=info.cells.get(field_name, ""), column=label,
                                   found=declared, expected=expected, **where))
    # A commune (since 2025) has no communes to score; the province has no score sheets at all.
    expected_sheets = [s for s in schema.DATA_SHEETS if not s.province_only
                       and not (s.district_only and unit.cap == "tinh") and not (s.key == "communes" and unit.cap == "xa")
                       and not (s.key == "criteria" and (config.criteria is None or unit.cap == "tinh"))]
    for sheet in expected_sheets:
        if sheet.key not in sub.found_tables:
            found.append(issue("missing-sheet", sheet=sheet.name, found=", ".join(sub.sheet_names),
                               file=sub.file, unit_code=unit.code))
    return found


def official_names(row: records.NominationRow, unit: Unit) -> tuple[records.NominationRow, list[Issue]]:
    """The row with a person's name as an official writes it (not all in capitals), and warnings for what the
    documents write otherwise than typed: the name, and a Chức vụ that already names the Đơn vị công tác."""
    found: list[Issue] = []
    where: dict[str, Any] = {"file": row.file, "sheet": row.sheet, "row": row.row, "unit_code": unit.code}
    written = title_case(row.name) if row.kind == Kind.INDIVIDUAL else None
    if written is not None:
        found.append(issue("name-case", cell=row.cell("name") or row.cell("_row"), found=row.name, written=written,
                           **where))
        row = replace(row, name=written)
    if terms.repeats_workplace(row.position, row.workplace, unit.name):
        found.append(issue("position-repeats-workplace", cell=row.cell("position") or row.cell("_row"),
                           position=row.position, workplace=row.workplace,
                           written=terms.position_phrase(row.position, row.workplace, unit.name), **where))
    return row, found


# ---------------------------------------------------------------- rankings

def _score_problems(row: ScoreRow, unit_code: str, config: Config, label: str) -> list[Issue]:
    """Errors that keep a scored unit out of the ranking (each pointing at its cell)."""
    if not row.problems and row.name and row.score is not None and out_of_range(row.score, config) is None:
        return []  # the usual row, decided without building anything
    errors = [replace(i, unit_code=unit_code) for i in row.problems if i.severity == ERROR]
    where: dict[str, Any] = {"file": row.file, "sheet": row.sheet, "row": row.row, "unit_code": unit_code}
    if not row.name and not errors:
        errors.append(issue("missing-value", column=label, cell=row.cell("name") or row.cell("_row"), **where))
    if row.score is None and not errors:
        errors.append(issue("missing-value", column="Điểm", cell=row.cell("score") or row.cell("_row"), **where))
    problem = out_of_range(row.score, config, cell=row.cell("score"), **where)
    return errors + [problem] if problem else errors


def _positions(award: RankedAward, ranking: str, units: tuple[Unit, ...], config: Config) -> tuple[int, int]:
    """Positions of a ranked award in one scope: fixed, or 1 .. quota(units ranked in the scope, K) counted from
    the registry (districts; communes; Ban công tác Mặt trận)."""
    if award.positions is not None:
        return award.positions
    assert award.positions_divisor is not None  # config checks one of the two forms
    total = len(units) if ranking == "huyen" else sum(u.count("communes" if ranking == "xa" else "bctmt")
                                                       for u in units)
    return 1, quota(total, award.positions_divisor, config.rounding_threshold)


def _award_scopes(award: RankedAward, clusters: list[str], registry: Registry) -> list[tuple[str | None, list[int]]]:
    """(cluster, indices of the entries it ranks) for each scope of a ranked award."""
    if award.scope == "province":
        return [(None, list(range(len(clusters))))]
    return [(name, [i for i, c in enumerate(clusters) if c == name]) for name in registry.clusters]


def rank_units(ranking: str, entries: list[RankedUnit], registry: Registry, config: Config
               ) -> tuple[tuple[RankedUnit, ...], list[Issue]]:
    """Competition ranking province-wide and within each cluster, then every ranked award of the ladder for this
    ranking, each placed in its scope by the one placing operation (ties at a cut go to the council)."""
    entries = sorted(entries, key=lambda e: (-e.score, strip_diacritics(e.name.casefold()), e.unit_code, e.row or 0))
    scores = [e.score for e in entries]
    ranks = {i: g.rank for g in tie_groups(scores) for i in g.members}
    clusters = [registry.cluster_of(e.unit_code) for e in entries]
    cluster_ranks: dict[int, int] = {}
    for name in registry.clusters:
        members = [i for i, c in enumerate(clusters) if c == name]
        for group in tie_groups([scores[i] for i in members]):
            cluster_ranks.update({members[m]: group.rank for m in group.members})
    awards: dict[int, list[str]] = {i: [] for i in range(len(entries))}
    review: dict[int, list[str]] = {i: [] for i in range(len(entries))}
    dossier: dict[int, list[str]] = {}  # the awards each winner still owes a dossier for
    problems: list[Issue] = []
    for award in (a for a in config.ranked_awards if a.ranking == ranking):
        # A unit that holds an excluded award outright is taken out before positions are counted.
        excluded = {i for i in awards if set(awards[i]) & set(award.exclude)}
        for cluster, members in _award_scopes(award, clusters, registry):
            pool = [i for i in members if i not in excluded]
            units = registry.clusters[cluster] if cluster else registry.submitters
            first, last = _positions(award, ranking, units, config)
            pool_scores = [scores[i] for i in pool]
            verdicts = {pool[k]: v for k, v in positional(pool_scores, first, last, award.min_score).items()}
            for i, verdict in verdicts.items():
                (awards if verdict == AWARD else review)[i].append(award.award)
                if verdict == AWARD and award.dossier:
                    dossier.setdefault(i, []).append(award.award)
            for group in tie_groups(pool_scores):
                tied = [pool[k] for k in group.members]
                if verdicts.get(tied[0]) != REVIEW:
                    continue
                members_ = [entries[i] for i in tied]
                lead = members_[0]
                problems.append(issue(
                    "tie-at-cutoff", file=lead.file, sheet=lead.sheet, cell=lead.cell, row=lead.row,
                    unit_code=lead.unit_code, related=tuple(sorted({m.unit_code for m in members_})),
                    award=terms.award_name(award.award) + (f" (cụm thi đua \"{cluster}\")" if cluster else ""),
                    names=name_list([m.name for m in members_]), score=fmt_number(group.score), rank=group.rank,
                    first=first, last=last, places=max(0, last - max(group.rank, first) + 1)))
    documents = tuple(schema.DOSSIER_LABELS.values())
    ranked = tuple(
        _placed(e, rank=ranks[i], awards=tuple(awards[i]), needs_review=tuple(review[i]),
                dossier_to_collect=documents if i in dossier else (), dossier_awards=tuple(dossier.get(i, ())),
                cluster=clusters[i] or None,
                cluster_rank=cluster_ranks.get(i))
        for i, e in enumerate(entries))
    return ranked, problems


def _placed(entry: RankedUnit, **placing: object) -> RankedUnit:
    """The entry with its place in the ranking. A copy of the record's fields, not dataclasses.replace: this runs
    for every Ban công tác Mặt trận of the country, and replace() costs ten times as much."""
    placed = object.__new__(RankedUnit)
    placed.__dict__.update(entry.__dict__, **placing)
    return placed


def _score_entries(ranking: str, rows: Iterable[tuple[str, ScoreRow]], config: Config, registry: Registry
                   ) -> tuple[list[RankedUnit], list[Issue]]:
    label = "Tên đơn vị" if ranking == "xa" else "Tên Ban công tác Mặt trận"
    entries: list[RankedUnit] = []
    problems: list[Issue] = []
    for district, row in rows:
        errors = _score_problems(row, district, config, label)
        if errors:
            problems += errors
            continue
        problems += [replace(i, unit_code=district) for i in row.problems]
        assert row.score is not None  # a missing score is one of the errors above
        committee = terms.committee_name(row.name, row.unit_type) if ranking == "xa" else terms.bctmt_name(row.name)
        entries.append(RankedUnit(ranking, district, row.name, row.score, 0, (), (), row.file, row.sheet, row.row,
                                  row.cell("score"), parent=row.parent, committee=committee))
        if ranking == "xa":
            problems += _commune_name_check(row, district, registry)
    return entries, problems


def _commune_name_check(row: ScoreRow, district: str, registry: Registry) -> list[Issue]:
    known = registry.communes_of(district)
    if not known:
        return []
    keys = {strip_diacritics(label_key(c.name)) for c in known}
    typed = strip_diacritics(label_key(row.name))
    if typed in keys or any(typed == strip_diacritics(label_key(f"{c.unit_type} {c.name}")) for c in known):
        return []
    unit = registry.get(district)
    return [issue("unknown-commune", file=row.file, sheet=row.sheet, cell=row.cell("name"), row=row.row,
                  unit_code=district, value=row.name, unit=unit.short_name if unit else district,
                  examples=", ".join(c.name for c in known[:3]))]


def unit_entries(active: dict[str, Submission], config: Config, registry: Registry
                 ) -> tuple[list[RankedUnit], list[ScoreLine], list[Issue]]:
    """The submitting committees (districts in 2023, communes since 2025), each ranked by the first score it has:
    the province's appraised total ("Thẩm định"); with a criteria table, the total with the province's
    re-marked criteria, then the total of its own marks; else its typed self-score."""
    problems: list[Issue] = []
    appraised: dict[str, ScoreRow] = {}
    province = active.get(registry.province.code)
    ranking = registry.submitter_level
    codes = {u.code for u in registry.submitters}
    appraisals = province.appraisals if province else ()
    twice, found = duplicate_rows(((r.unit_code, r) for r in appraisals if r.unit_code), "unit_code",
                                  registry.province.code, lambda code: f"điểm thẩm định của đơn vị mã {code}")
    problems += found
    contested = {r.unit_code for r in appraisals if id(r) in twice}  # neither row wins: the unit waits for a fix
    for row in appraisals:
        code = row.unit_code
        if id(row) in twice:
            continue
        errors = _score_problems(row, registry.province.code, config, "Mã đơn vị")
        if code not in codes:
            problems.append(issue("appraisal-unknown-unit", file=row.file, sheet=row.sheet, row=row.row,
                                  cell=row.cell("unit_code"), unit_code=registry.province.code, code=code))
        elif errors:
            problems += errors
        else:
            appraised[code] = row
    re_marked: dict[str, list[Marks]] = {}
    pairs = province.criteria_appraisals if province else ()
    twice, found = duplicate_rows((((code, m.code), m) for code, m in pairs if m.marked), "code",
                                  registry.province.code,
                                  lambda key: f"điểm thẩm định tiêu chí {key[1]} của đơn vị mã {key[0]}")
    problems += found
    for code, marks in pairs:
        if id(marks) in twice:
            continue
        if code in codes:
            re_marked.setdefault(code, []).append(marks)
        else:
            problems.append(issue("appraisal-unknown-unit", file=marks.file, sheet=marks.sheet, row=marks.row,
                                  unit_code=registry.province.code, code=code))
    entries: list[RankedUnit] = []
    lines: list[ScoreLine] = []
    for unit in registry.submitters:
        sub = active.get(unit.code)
        base = RankedUnit(ranking, unit.code, unit.short_name, 0.0, 0, (), (), "", "", None, committee=unit.name)
        computed = None
        if config.criteria is not None and sub is not None and sub.criteria:
            found, computed, scored_lines = _criteria_scores(unit, sub, re_marked.get(unit.code, []), config)
            problems += found
            lines += scored_lines
        high = float(config.criteria.scale(unit.cap)) if config.criteria is not None else None
        if unit.code in contested:
            continue
        if unit.code in appraised:
            row = appraised[unit.code]
            assert row.score is not None  # only appraisals without errors are kept
            entries.append(replace(base, score=row.score, file=row.file, sheet=row.sheet, row=row.row,
                                   cell=row.cell("score"), score_source="appraisal"))
        elif computed is not None and sub is not None:
            score_, source = computed
            cell = sub.info.cells.get("self_score", "")
            entries.append(replace(base, score=score_, file=sub.file, sheet=schema.CRITERIA_SCORES.name,
                                   score_source=source))
        elif sub is not None and sub.info.self_score is not None:
            score_ = sub.info.self_score
            cell = sub.info.cells.get("self_score", "")
            problem = out_of_range(score_, config, file=sub.file, sheet=sub.info.sheet, cell=cell, unit_code=unit.code,
                                   high=high)
            if problem:
                problems.append(problem)
                continue
            entries.append(replace(base, score=score_, file=sub.file, sheet=sub.info.sheet, row=_row_of(cell),
                                   cell=cell, score_source="typed"))
        elif sub is not None:
            problems.append(issue("missing-score", file=sub.file, sheet=sub.info.sheet,
                                  cell=sub.info.cells.get("self_score", ""), unit_code=unit.code, unit=unit.short_name,
                                  what="xếp hạng", fix="đơn vị ghi \"Điểm tự chấm\" ở trang \"Thông tin\""))
    return entries, lines, problems


def _criteria_scores(unit: Unit, sub: Submission, re_marked: list[Marks], config: Config
                     ) -> tuple[list[Issue], tuple[float, str], list[ScoreLine]]:
    """One unit's criteria counted: the issues, (the ranking score, its source) and one line per leaf criterion.
    The computed total is used, whatever the typed "Điểm tự chấm" says (a warning shows both)."""
    assert config.criteria is not None
    where = {"file": sub.file, "sheet": schema.CRITERIA_SCORES.name}
    twice, doubled = duplicate_rows(((m.code, m) for m in sub.criteria if m.marked), "code", unit.code,
                                    lambda code: f"tiêu chí {code}")
    marks = [m for m in sub.criteria if id(m) not in twice]
    scored, problems = criteria.score(config.criteria, unit.cap, marks, unit.code, where, re_marked)
    problems = doubled + problems
    own = sum((s.own for s in scored), criteria.ZERO)
    final = sum((s.final for s in scored), criteria.ZERO)
    typed = sub.info.self_score
    if typed is not None and criteria.decimal_of(typed) != own:
        problems.append(issue("total-mismatch", file=sub.file, sheet=sub.info.sheet,
                              cell=sub.info.cells.get("self_score", ""), unit_code=unit.code,
                              typed=fmt_number(typed), computed=fmt_number(float(own))))
    marked = {m.code: m for m in sub.criteria}
    appraised = {m.code: m for m in re_marked}

    def opt(value: Decimal | None) -> float | None:
        return None if value is None else float(value)
    lines = []
    for s in scored:
        m, a = marked.get(s.code), appraised.get(s.code)
        lines.append(ScoreLine(unit.code, s.code, float(s.self_mark), float(s.bonus), float(s.deduction),
                               opt(s.appraised), opt(s.appraised_bonus), opt(s.appraised_deduction),
                               float(s.own), float(s.final), m.file if m else sub.file,
                               m.sheet if m else schema.CRITERIA_SCORES.name, m.row if m else None,
                               a.file if a else "", a.row if a else None))
    source = "criteria-appraisal" if re_marked else "criteria"
    return problems, (float(final if re_marked else own), source), lines


def _row_of(cell: str) -> int | None:
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits) if digits else None


# ---------------------------------------------------------------- one thing written twice

def duplicate_rows(keyed: Iterable[tuple[Any, Any]], cell_field: str, unit_code: str, what: Callable[[Any], str]
                   ) -> tuple[set[int], list[Issue]]:
    """Rows that say the same thing twice (two appraisals of one unit, one criterion marked twice): none may win
    silently, so each gets an error naming the others, and the caller uses none of them. `keyed` holds (what must
    not repeat, the row: a ScoreRow or Marks); returns the id() of every repeated row, and the errors."""
    groups: dict[Any, list] = {}
    for key, record in keyed:
        groups.setdefault(key, []).append(record)
    twice: set[int] = set()
    problems: list[Issue] = []
    for key, same in groups.items():
        if len(same) < 2:
            continue
        for record in same:
            twice.add(id(record))
            others = [o for o in same if o is not record]
            problems.append(issue("duplicate-row", file=record.file, sheet=record.sheet, row=record.row,
                                  cell=record.cell(cell_field), unit_code=unit_code, what=what(key), other=others[0].row,
                                  others=", ".join(str(o.row) if o.sheet == record.sheet else
                                                   f"{o.row} trang \"{o.sheet}\"" for o in others)))
    return twice, problems


# ---------------------------------------------------------------- people nominated twice

def duplicate_people(nominations: list[Nomination]) -> list[Issue]:
    groups: dict[tuple, list[Nomination]] = {}
    for n in nominations:
        if n.kind == Kind.INDIVIDUAL and n.name and n.birth_year:
            groups.setdefault((loose_key(n.name), n.birth_year), []).append(n)
    problems: list[Issue] = []
    for same in groups.values():
        if len(same) < 2:
            continue
        for n in same:
            others = "; ".join(f"{o.file} (trang {o.sheet}, dòng {o.row})" for o in same if o is not n)
            problems.append(issue("duplicate-person", file=n.file, sheet=n.sheet, cell=n.cells.get("name", ""),
                                  row=n.row, unit_code=n.unit_code, related=tuple(sorted({o.unit_code for o in same})),
                                  name=n.name, birth_year=n.birth_year, other=others))
    return problems


# ---------------------------------------------------------------- one achievement, one Bằng khen

BANG_KHEN = ("BK_MTTQ_TINH", "BK_TW_MTTQ", "BK_UBND_TINH")  # a Cờ thi đua is a title, not a Bằng khen


def _holder(unit_code: str, kind: str, level: str, name: str) -> tuple[str, str, str]:
    """Who holds an award, whatever way it was typed: a person by name; a Ban công tác Mặt trận by its full name
    ("Ấp An Lạc" is "Ban công tác Mặt trận ấp An Lạc"); a committee by the committee's name; in one unit."""
    if kind == Kind.INDIVIDUAL:
        return unit_code, kind, loose_key(name)
    if level == "bctmt":
        return unit_code, kind, loose_key(terms.bctmt_name(name))
    return unit_code, kind, loose_key(terms.committee_name(name) if level in ("xa", "huyen") else name)


def double_awards(nominations: list[Nomination], rankings: dict[str, tuple[RankedUnit, ...]], registry: Registry
                  ) -> list[Issue]:
    """A warning for the council for each collective or person who holds two Bằng khen from one run (the law
    gives one form of commendation for one achievement). Statuses stay: the council decides. A case under review
    (tied at a cut) stands in the lists the council votes on, so it counts as held."""
    held: dict[tuple[str, str, str], list[tuple[str, Nomination | RankedUnit]]] = {}
    for ranking, units in rankings.items():
        for r in units:
            for award in (a for a in (*r.awards, *r.needs_review) if a in BANG_KHEN):
                held.setdefault(_holder(r.unit_code, Kind.COLLECTIVE, ranking, r.committee or r.name), []).append(
                    (award, r))
    for n in nominations:
        if n.status in (Status.PROPOSED, Status.NEEDS_REVIEW) and n.award in BANG_KHEN and n.level:
            held.setdefault(_holder(n.unit_code, n.kind, n.level, n.name), []).append((n.award, n))
    problems: list[Issue] = []
    for (code, _, _), holdings in held.items():
        awards = list(dict.fromkeys(award for award, _ in holdings))
        if len(awards) < 2:
            continue
        # The nomination's row is where a clerk can act; a ranked unit's score row otherwise.
        _, at = next(((a, h) for a, h in holdings if isinstance(h, Nomination)), holdings[0])
        name = at.name if isinstance(at, Nomination) else (at.committee or at.name)
        cell = at.cells.get("name", "") if isinstance(at, Nomination) else at.cell
        unit = registry.get(code)
        problems.append(issue("double-award", file=at.file, sheet=at.sheet, row=at.row, cell=cell, unit_code=code,
                              name=name, unit=unit.short_name if unit else code,
                              awards=" và ".join(terms.award_name(a) for a in awards), codes=awards))
    return problems


# ---------------------------------------------------------------- the whole batch

def _stats(nominations: list[Nomination], rankings: dict[str, tuple[RankedUnit, ...]], registry: Registry) -> dict:
    proposed = [n for n in nominations if n.status == "proposed"]
    proposed_people = [n for n in proposed if n.kind == "individual"]
    stats: dict[str, Any] = {
        "status": dict(Counter(n.status for n in nominations)),
        "proposed_by_award": dict(Counter(f"{n.award}/{n.kind}" for n in proposed)),
        "proposed_individuals_by_gender": dict(Counter(n.gender or "Không ghi" for n in proposed_people)),
        "proposed_individuals_by_ethnicity": dict(Counter(n.ethnicity or "Không ghi" for n in proposed_people)),
    }
    priority = {u.code for u in registry.units if u.priority_area}
    if priority:
        ranked_awards = [(r.unit_code, a) for units in rankings.values() for r in units for a in r.awards]
        stats["priority_area"] = {
            "units": sorted(priority),
            "proposed": sum(n.unit_code in priority for n in proposed), "proposed_total": len(proposed),
            "ranked_awards": sum(code in priority for code, _ in ranked_awards),
            "ranked_awards_total": len(ranked_awards),
        }
    return stats


def registration_checks(active: dict[str, Submission], rankings: dict[str, tuple[RankedUnit, ...]],
                        nominations: list[Nomination], registry: Registry) -> list[Issue]:
    """Plan VIII.2: a unit's "văn bản đăng ký thi đua" is the basis for its awards. The tool only warns."""
    taking_part = {n.unit_code for n in nominations} | {r.unit_code for units in rankings.values() for r in units}
    problems = []
    for unit in registry.units:
        if unit.cap != "tinh" and unit.registered is False and unit.code in taking_part:
            sub = active.get(unit.code)
            problems.append(issue("not-registered", file=sub.file if sub else "", unit_code=unit.code,
                                  unit=unit.short_name))
    return problems


def cluster_checks(config: Config, registry: Registry) -> list[Issue]:
    """A declared cluster of one or two units pools almost nothing: most likely a misfiled unit."""
    if not config.uses_clusters:
        return []
    least = config.map.min_cluster_communes
    return [issue("small-cluster", cluster=name, communes=n, minimum=least, config=config.path.name)
            for name in config.map.clusters
            if (n := len(registry.clusters.get(name, ()))) < least]


def address_checks(active: dict[str, Submission], registry: Registry, config: Config) -> list[Issue]:
    """Each unit's feedback goes to its registry address: say now if it cannot, for every unit, so that the
    address of a unit yet to report is mended before its feedback is sent."""
    problems = []
    for unit in sorted(registry.units, key=lambda u: u.code):
        code = unit.code
        if unit.cap != "tinh" and unit.email and (reason := address_problem(unit.email)):
            problems.append(issue("invalid-email", file=config.registry_path.name, unit_code=code,
                                  unit=unit.short_name, address=unit.email, reason=reason))
    return problems


def name_checks(registry: Registry, config: Config) -> list[Issue]:
    """Two units of one name: every output keys on the code, so a run is still sound (a warning, not a stop), but
    a document that names them cannot tell them apart."""
    by_name: dict[str, list[Unit]] = {}
    for unit in registry.units:
        by_name.setdefault(" ".join(unit.name.split()).casefold(), []).append(unit)
    return [issue("duplicate-unit-name", file=config.registry_path.name, related=tuple(u.code for u in same),
                  name=same[0].name, codes=", ".join(u.code for u in same))
            for same in by_name.values() if len(same) > 1]


def _issue_order(i: Issue) -> tuple:
    return (i.file.casefold(), i.sheet, i.row or 0, i.cell, i.code)


def evaluate(submissions: Iterable[Submission], config: Config, registry: Registry) -> Result:
    inputs, active, problems = admit(submissions, config, registry)

    judged: list[Nomination] = []
    for code, sub in sorted(active.items()):
        unit = registry.get(code)
        assert unit is not None  # admit() keeps the registry's units only
        problems += submission_checks(sub, unit, config)
        for row in sub.nominations:
            row, found = official_names(row, unit)
            problems += found
            verdict = judge(row, unit, config)
            judged.append(Nomination(row, code, verdict.status, verdict.reasons))
            problems += verdict.issues
    nominations, quota_lines, cap_lines, quota_issues = allocate(judged, registry, config)
    problems += quota_issues
    problems += duplicate_people(nominations)

    # The submitting committees are ranked by their own scores; below them, the communes scored by a district
    # (2023 only) and the Ban công tác Mặt trận scored by their district or commune.
    entries, score_lines, found = unit_entries(active, config, registry)
    problems += found
    by_ranking: dict[str, list[RankedUnit]] = {"huyen": [], "xa": [], "bctmt": []}
    by_ranking[registry.submitter_level] = entries
    for ranking, attr in (("xa", "communes"), ("bctmt", "bctmt")):
        rows = [(code, row) for code, sub in sorted(active.items()) for row in getattr(sub, attr)]
        if ranking == "xa" and registry.two_tier:
            problems += [issue("row-not-used", file=row.file, sheet=row.sheet, row=row.row,
                               cell=row.cell("_row"), unit_code=code) for code, row in rows]
            continue
        entries, found = _score_entries(ranking, rows, config, registry)
        problems += found
        by_ranking[ranking] = entries
    rankings: dict[str, tuple[RankedUnit, ...]] = {}
    for ranking, entries in by_ranking.items():
        rankings[ranking], found = rank_units(ranking, entries, registry, config)
        problems += found

    problems += double_awards(nominations, rankings, registry)

    sent = {i.owner for i in inputs if i.status == FileStatus.REJECTED}
    for unit in registry.submitters:  # the province is never missing; a unit whose file was rejected has sent one
        if unit.code not in active and unit.code not in sent:
            problems.append(issue("missing-submission", unit_code=unit.code, unit=unit.short_name))
    problems += registration_checks(active, rankings, nominations, registry)
    problems += cluster_checks(config, registry)
    problems += address_checks(active, registry, config)
    problems += name_checks(registry, config)

    return Result(
        year=config.year, round=config.round, province_code=config.province_code,
        province_name=config.province_name, place=config.place, units=registry.units, inputs=tuple(inputs),
        quotas=tuple(quota_lines), caps=tuple(cap_lines), nominations=tuple(nominations), rankings=rankings,
        issues=tuple(sorted(problems, key=_issue_order)), stats=_stats(nominations, rankings, registry),
        criteria=config.criteria.criteria if config.criteria is not None else None, scores=tuple(score_lines),
        cluster_awards=frozenset((a.ranking, a.award) for a in config.ranked_awards if a.scope == "cluster"),
    )
