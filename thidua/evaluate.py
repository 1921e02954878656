"""From what was read to the Result: admit files, judge nominations, place quotas, rank units.

Pure: takes Submissions, Config and Registry, returns a Result. No file is opened here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from . import criteria, schema, terms
from .config import Config, RankedAward
from .criteria import Marks
from .issues import ERROR, Issue, issue
from .ranking import AWARD, REVIEW, positional, tie_groups
from .records import ScoreRow, Submission
from .registry import Registry, Unit, address_problem
from .result import InputFile, Nomination, RankedUnit, Result, ScoreLine
from .rules import allocate, judge, out_of_range, quota
from .terms import FileStatus, Kind
from .text import fmt_number, label_key, loose_key, name_list, strip_diacritics

# ---------------------------------------------------------------- which files count

def _sort_date(sub: Submission) -> tuple:
    return (sub.info.date is not None, sub.info.date or 0, sub.mtime, sub.file)


def admit(submissions: Iterable[Submission], config: Config, registry: Registry
          ) -> tuple[list[InputFile], dict[str, Submission], list[Issue]]:
    """Decide each file's status. Returns the input list, the active submission per unit, and the issues."""
    inputs: dict[str, InputFile] = {}
    problems: list[Issue] = []
    candidates: dict[str, list[Submission]] = {}
    refused: list[tuple[Submission, str]] = []  # rejected files that name a unit
    known = ", ".join(u.code for u in registry.units)
    for sub in submissions:
        info = sub.info
        rejection: Issue | None = None
        status = FileStatus.REJECTED
        if sub.skipped:
            status = FileStatus.SKIPPED
        elif not sub.readable:
            pass
        elif not info.unit_code:
            rejection = issue("missing-unit-code", file=sub.file, sheet=info.sheet, cell=info.cells.get("unit_code", ""),
                              example=registry.districts[0].code if registry.districts else registry.province.code)
        elif registry.get(info.unit_code) is None:
            rejection = issue("unknown-unit", file=sub.file, sheet=info.sheet, cell=info.cells.get("unit_code", ""),
                              code=info.unit_code, known=known)
        elif info.year != config.year:
            rejection = issue("wrong-year", file=sub.file, sheet=info.sheet, cell=info.cells.get("year", ""),
                              unit_code=info.unit_code, found=info.year if info.year is not None else "(chưa ghi)",
                              expected=config.year)
        else:
            candidates.setdefault(info.unit_code, []).append(sub)
            continue
        why = [rejection] if rejection else list(sub.issues)
        problems += why
        if status == FileStatus.REJECTED and info.unit_code:
            refused.append((sub, why[0].message if why else ""))
        inputs[sub.file] = InputFile(sub.file, sub.sha256, status, info.unit_code, sub.rows, info.unit_name,
                                     _iso(info.date), reason=why[0].message if why else "")
    active: dict[str, Submission] = {}
    for code, subs in candidates.items():
        ordered = sorted(subs, key=_sort_date)
        winner = ordered[-1]
        active[code] = winner
        for old in ordered[:-1]:
            problem = issue("superseded", file=old.file, unit_code=code, newer=winner.file)
            problems.append(problem)
            inputs[old.file] = InputFile(old.file, old.sha256, FileStatus.SUPERSEDED, code, old.rows,
                                         old.info.unit_name, _iso(old.info.date), reason=problem.message)
        inputs[winner.file] = InputFile(winner.file, winner.sha256, FileStatus.PROCESSED, code, winner.rows,
                                        winner.info.unit_name, _iso(winner.info.date))
    # A unit's newer file was rejected: its older one is used, and the unit is told so.
    for newer, reason in refused:
        used = active.get(newer.info.unit_code)
        if used is not None and _sort_date(newer) > _sort_date(used):
            problems.append(issue("older-file-used", file=used.file, unit_code=used.info.unit_code,
                                  newer=newer.file, reason=reason))
    return sorted(inputs.values(), key=lambda i: i.file.casefold()), active, problems


def _iso(date) -> str:
    return date.isoformat() if date else ""


# ---------------------------------------------------------------- checks of one accepted file

def _place_key(unit: Unit) -> str:
    """'Huyện Kế Sách' -> 'ke sach', to recognise the unit's name in whatever form a clerk typed."""
    name = loose_key(unit.short_name)
    for prefix in ("thanh pho ", "thi xa ", "huyen ", "tinh ", "quan ", "thi tran ", "xa ", "phuong ", "dac khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def submission_checks(sub: Submission, unit: Unit, config: Config) -> list[Issue]:
    info = sub.info
    found: list[Issue] = [replace(i, unit_code=unit.code) for i in sub.issues]
    where: dict[str, Any] = {"file": sub.file, "sheet": info.sheet, "unit_code": unit.code}
    if info.round != config.round:
        found.append(issue("wrong-round", cell=info.cells.get("round", ""), found=info.round_text or "(chưa ghi)",
                           expected=terms.ROUNDS[config.round], **where))
    if info.unit_name and _place_key(unit) not in loose_key(info.unit_name):
        found.append(issue("unit-name-mismatch", cell=info.cells.get("unit_name", ""), found=info.unit_name,
                           code=unit.code, expected=unit.name, **where))
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
    dossier: set[int] = set()
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
                    dossier.add(i)
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
                dossier_to_collect=documents if i in dossier else (), cluster=clusters[i] or None,
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
    for row in (province.appraisals if province else ()):
        code = row.unit_code
        errors = _score_problems(row, registry.province.code, config, "Mã đơn vị")
        if code not in codes:
            problems.append(issue("appraisal-unknown-unit", file=row.file, sheet=row.sheet, row=row.row,
                                  cell=row.cell("unit_code"), unit_code=registry.province.code, code=code))
        elif errors:
            problems += errors
        else:
            appraised[code] = row
    re_marked: dict[str, list[Marks]] = {}
    for code, marks in (province.criteria_appraisals if province else ()):
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
    scored, problems = criteria.score(config.criteria, unit.cap, list(sub.criteria), unit.code, where, re_marked)
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


def address_checks(active: dict[str, Submission], registry: Registry, config: Config) -> list[Issue]:
    """The feedback of each unit that sent a workbook goes to its registry address: say now if it cannot."""
    problems = []
    for code in sorted(active):
        unit = registry.get(code)
        if unit is not None and unit.cap != "tinh" and unit.email and (reason := address_problem(unit.email)):
            problems.append(issue("invalid-email", file=config.registry_path.name, unit_code=code,
                                  unit=unit.short_name, address=unit.email, reason=reason))
    return problems


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

    for unit in registry.units:
        if unit.code not in active:
            problems.append(issue("missing-submission", unit_code=unit.code, unit=unit.short_name))
    problems += registration_checks(active, rankings, nominations, registry)
    problems += address_checks(active, registry, config)

    return Result(
        year=config.year, round=config.round, province_code=config.province_code,
        province_name=config.province_name, place=config.place, units=registry.units, inputs=tuple(inputs),
        quotas=tuple(quota_lines), caps=tuple(cap_lines), nominations=tuple(nominations), rankings=rankings,
        issues=tuple(sorted(problems, key=_issue_order)), stats=_stats(nominations, rankings, registry),
        criteria=config.criteria.criteria if config.criteria is not None else None, scores=tuple(score_lines),
    )
