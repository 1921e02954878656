"""The plan's rules as pure functions: quotas, eligibility, dossiers, status of each nomination.

Nothing here opens a file. Every number comes from Config.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import terms
from .config import Config, QuotaRule
from .issues import ERROR, Issue, issue
from .ranking import AWARD, REVIEW, cut
from .records import NominationRow
from .registry import Registry, Unit
from .result import CapLine, Nomination, QuotaLine
from .schema import DOSSIER_FIELDS, DOSSIER_LABELS
from .terms import Kind, Status
from .text import cap_first, fmt_number, money, name_list

HALF = Fraction(1, 2)


def quota(n: int, k: int, threshold: Fraction = HALF) -> int:
    """"Cứ K đơn vị chọn 1, nếu số lẻ nhiều hơn 0,5 làm tròn 1": floor(n/K), plus 1 if frac(n/K) > threshold."""
    if k <= 0 or n < 0:
        raise ValueError("quota needs n >= 0 and k > 0")
    whole, rest = divmod(n, k)
    return whole + (1 if Fraction(rest, k) > threshold else 0)


def unit_quota(rule: QuotaRule, unit: Unit, config: Config) -> int:
    if rule.submitter != unit.cap:
        return 0
    if rule.per_unit is not None:
        return rule.per_unit
    assert rule.count is not None and rule.per_unit_divisor is not None  # config checks one of the two forms
    return quota(unit.count(rule.count), rule.per_unit_divisor, config.rounding_threshold)


def out_of_range(score: float | None, config: Config, high: float | None = None, **where) -> Issue | None:
    """A score outside the scale (0–100 by default; with a criteria table, up to its standard marks and bonuses)
    as an issue at `where`; None when it is fine or blank."""
    top = config.score_max if high is None else high
    if score is None or config.score_min <= score <= top:
        return None
    return issue("score-out-of-range", value=fmt_number(score), low=fmt_number(config.score_min),
                 high=fmt_number(top), **where)


# ---------------------------------------------------------------- one nomination on its own

@dataclass(frozen=True)
class Verdict:
    status: str  # invalid | ineligible | incomplete_dossier | candidate (to be placed against the quota)
    reasons: tuple[str, ...]
    issues: tuple[Issue, ...]


def _where(row: NominationRow, field_name: str, unit_code: str) -> dict[str, Any]:
    cell = row.cell(field_name) or row.cell("_row")
    return {"file": row.file, "sheet": row.sheet, "cell": cell, "row": row.row, "unit_code": unit_code}


def validity_issues(row: NominationRow, unit: Unit, config: Config) -> list[Issue]:
    """Errors that make a row `invalid`: unreadable or missing values, a combination the plan does not allow."""
    found = [p for p in row.problems if p.severity == ERROR]
    # A value the reader could not read is blank here too: report it once, as unreadable, not also as missing.
    problem_cells = {p.cell for p in found}
    unreadable = {f for f, cell in row.cells.items() if f != "_row" and cell in problem_cells}
    code = unit.code

    def missing(field_name: str, label: str) -> None:
        if field_name not in unreadable:
            found.append(issue("missing-value", column=label, **_where(row, field_name, code)))

    name_label = "Tên tập thể" if row.kind == Kind.COLLECTIVE else "Họ và tên"
    if not row.name:
        missing("name", name_label)
    if row.level is None:
        missing("level", "Cấp")
    if row.award is None:
        missing("award", "Hình thức khen thưởng")
    problem = out_of_range(row.score, config, **_where(row, "score", code))
    if problem:
        found.append(problem)
    if row.level is None or row.award is None:
        return found
    rule = config.quota_rule(row.kind, row.level, row.award)
    params: dict[str, Any] = {"award": terms.award_name(row.award), "kind": terms.KINDS[row.kind].lower(),
              "level": terms.level_phrase(row.level)}
    if row.award != "BK_UBND_TINH" and rule is None:
        found.append(issue("award-not-allowed", **params, **_where(row, "award", code)))
    elif rule is not None and rule.submitter != unit.cap:
        submitter = {"tinh": "Ủy ban MTTQ Việt Nam tỉnh", "huyen": "Ủy ban MTTQ Việt Nam cấp huyện",
                     "xa": "Ủy ban MTTQ Việt Nam cấp xã"}[rule.submitter]
        found.append(issue("level-not-for-unit", submitter=submitter, **params, **_where(row, "level", code)))
    elif rule is not None and rule.scope != "unit" and row.score is None and "score" not in unreadable:
        # Pooled over a cluster or the province, rows of several units are compared by score: one is needed.
        found.append(issue("missing-score", unit=row.name or name_label, what="xét chọn",
                           fix=f"ghi điểm vào ô {row.cell('score') or row.cell('_row')}: số lượng "
                               "được xét chung theo điểm", **_where(row, "score", code)))
    if row.award == "BK_UBND_TINH" and row.merit_type is None:
        missing("merit_type", "Loại khen")
    return found


def eligibility(row: NominationRow, config: Config) -> list[str]:
    """Reasons a BK_UBND_TINH row fails its standard (plan 4.1); empty when it meets it."""
    if row.award != "BK_UBND_TINH":
        return []
    reasons: list[str] = []
    if row.merit_type == "dot-xuat":
        if row.contribution is None:
            reasons.append("khen đột xuất nhưng chưa ghi giá trị đóng góp")
        elif row.contribution < config.sudden_min_value:
            reasons.append(f"giá trị đóng góp {money(row.contribution)} đồng, dưới mức "
                           f"{money(config.sudden_min_value)} đồng của khen đột xuất")
    elif row.merit_type == "cong-trang":
        # 4.1c: individuals must be provincial front staff and have initiatives; collectives need the years only.
        if row.kind == Kind.INDIVIDUAL and row.level != "tinh":
            reasons.append("khen công trạng cho cá nhân chỉ dành cho cán bộ, công chức Ủy ban MTTQ Việt Nam tỉnh "
                           f"(dòng này ghi cấp \"{terms.level_name(row.level)}\")")
        years = row.years_excellent or 0
        if years < config.merit_min_years:
            reasons.append(f"có {years} năm liên tục hoàn thành xuất sắc nhiệm vụ, chưa đủ "
                           f"{config.merit_min_years} năm")
        if row.kind == "individual":
            initiatives = row.initiatives or 0
            if initiatives < config.merit_min_initiatives:
                reasons.append(f"có {initiatives} sáng kiến được công nhận, chưa đủ {config.merit_min_initiatives}")
    return reasons


def judge(row: NominationRow, unit: Unit, config: Config) -> Verdict:
    """Status of one row before quotas: invalid > ineligible > incomplete_dossier > candidate."""
    warnings = [p for p in row.problems if p.severity != ERROR]
    if row.missing_columns:
        # The sheet's missing-column error says it once; a row cannot be judged on a column it does not have.
        columns = ", ".join(f"\"{c}\"" for c in row.missing_columns)
        return Verdict(Status.INVALID, (f"trang \"{row.sheet}\" không có cột {columns}",), tuple(warnings))
    errors = validity_issues(row, unit, config)
    if errors:
        return Verdict(Status.INVALID, tuple(_reason(e) for e in errors), tuple(errors + warnings))
    reasons = eligibility(row, config)
    if reasons:
        problem = issue("not-eligible", name=row.name, reason="; ".join(reasons), **_where(row, "merit_type", unit.code))
        return Verdict(Status.INELIGIBLE, tuple(reasons), (problem, *warnings))
    if row.missing_documents:
        text = ", ".join(row.missing_documents)
        # Each missing document at its own cell: the clerk fixes the cell the issue names.
        problems = tuple(issue("incomplete-dossier", name=row.name, missing=DOSSIER_LABELS[f], **_where(row, f, unit.code))
                         for f in DOSSIER_FIELDS if not getattr(row, f))
        return Verdict(Status.INCOMPLETE_DOSSIER, (f"hồ sơ thiếu: {text}",), (*problems, *warnings))
    return Verdict(Status.CANDIDATE, (), tuple(warnings))


def _reason(problem: Issue) -> str:
    return problem.message


# ---------------------------------------------------------------- quotas and caps

def order_key(n: Nomination) -> tuple:
    """Within one unit: score descending (blank last), then the unit's own STT, then the row."""
    stt = n.source.stt if n.source.stt is not None else float("inf")
    return (n.source.score is None, -(n.source.score or 0), stt, n.source.row)


def stt_key(n: Nomination) -> tuple:
    """The unit's own order: STT, then the row."""
    return (n.source.stt if n.source.stt is not None else float("inf"), n.source.row)


def place_within_quota(candidates: list[Nomination], limit: int, submitted: int, scope_name: str
                       ) -> tuple[dict[int, Nomination], list[Issue]]:
    """One unit's line: the first `limit` are proposed, the rest over_quota with an issue each. A score decides
    only where it must: when there are more candidates than places and some have no score, the unit's STT order
    decides (and an issue says so). Returns {id(candidate): the candidate with its status} and the issues."""
    problems: list[Issue] = []
    unscored = [n for n in candidates if n.source.score is None]
    by_stt = len(candidates) > limit and bool(unscored)
    if by_stt:
        first = min(unscored, key=stt_key)
        problems.append(issue("ordered-by-stt", what=cap_first(terms.describe(first.kind, first.level)),
                              award=terms.award_name(first.award or ""), submitted=len(candidates), quota=limit,
                              unscored=len(unscored), **_where(first.source, "score", first.unit_code)))
    verdicts = cut([stt_key(n) if by_stt else order_key(n) for n in candidates], 1, limit)  # keys are unique
    placed: dict[int, Nomination] = {}
    for i, n in enumerate(candidates):
        if verdicts.get(i) == AWARD:
            placed[id(n)] = _restatus(n, Status.PROPOSED)
            continue
        placed[id(n)] = _restatus(n, Status.OVER_QUOTA, f"vượt chỉ tiêu của đơn vị ({scope_name}: chỉ tiêu {limit}, "
                                                        f"đề nghị {submitted})")
        problems.append(issue("over-quota", name=n.name, submitted=submitted, quota=limit,
                              what=terms.describe(n.kind, n.level), **_where(n.source, "score", n.unit_code)))
    return placed, problems


def place_pooled(candidates: list[Nomination], limit: int, submitted: int, scope_name: str, scope_label: str = ""
                 ) -> tuple[dict[int, Nomination], list[Issue]]:
    """A cluster's or the province's line: every unit's rows ordered by score alone. The first `limit` are
    proposed; a tie straddling the cut goes to the council whole (no STT breaks it across units); the rest
    are over_quota."""
    verdicts = cut([-(n.source.score or 0.0) for n in candidates], 1, limit)
    placed: dict[int, Nomination] = {}
    problems: list[Issue] = []
    held = [n for i, n in enumerate(candidates) if verdicts.get(i) == REVIEW]
    taken = sum(v == AWARD for v in verdicts.values())
    # Whose quota, and which place: "Cụm 3: chỉ tiêu 2", so that the council reads the scope, not the province.
    line = f"{scope_label or scope_name}: chỉ tiêu {limit}"
    for i, n in enumerate(candidates):
        verdict = verdicts.get(i)
        if verdict == AWARD:
            placed[id(n)] = _restatus(n, Status.PROPOSED)
        elif verdict == REVIEW:
            placed[id(n)] = _restatus(n, Status.NEEDS_REVIEW, f"bằng điểm tại ngưỡng xét của {scope_name}, đồng xếp "
                                                              f"thứ {taken + 1} ({line})")
        else:
            placed[id(n)] = _restatus(n, Status.OVER_QUOTA, f"vượt chỉ tiêu chung của {scope_name} ({line}, "
                                                            f"đề nghị {submitted})")
            problems.append(issue("pooled-over-quota", name=n.name, scope=scope_name, submitted=submitted,
                                  quota=limit, what=terms.describe(n.kind, n.level),
                                  **_where(n.source, "score", n.unit_code)))
    if held:
        lead = held[0]
        problems.append(issue(
            "tie-at-cutoff", related=tuple(sorted({n.unit_code for n in held})),
            award=f"{terms.award_name(lead.award or '')} ({scope_name})", names=name_list([n.name for n in held], "trường hợp"),
            score=fmt_number(lead.source.score or 0.0), rank=taken + 1, first=1, last=limit,
            places=max(0, limit - taken), **_where(lead.source, "score", lead.unit_code)))
    return placed, problems


def _restatus(n: Nomination, status: str, *reasons: str) -> Nomination:
    return Nomination(n.source, n.unit_code, status, n.reasons + tuple(reasons))


def _score_or_floor(n: Nomination) -> float:
    return n.source.score if n.source.score is not None else float("-inf")


def apply_cap(proposed: list[Nomination], cap: int) -> tuple[dict[int, Nomination], list[Issue]]:
    """Province-wide: when proposed rows pass the cap, the lowest scores (and any tie straddling the cap)
    go to the council as needs_review. Returns {id(original): replacement} and the issues."""
    if len(proposed) <= cap:
        return {}, []
    verdicts = cut([-_score_or_floor(n) for n in proposed], 1, cap) if cap > 0 else {}
    changed: dict[int, Nomination] = {}
    problems: list[Issue] = []
    for i, n in sorted(enumerate(proposed), key=lambda x: (-_score_or_floor(x[1]), x[1].unit_code, order_key(x[1]))):
        if verdicts.get(i) == AWARD:
            continue
        reason = f"toàn tỉnh vượt tổng số {cap}" + (" (bằng điểm tại ngưỡng)" if verdicts.get(i) == REVIEW else "")
        changed[id(n)] = _restatus(n, Status.NEEDS_REVIEW, reason)
        problems.append(issue("provincial-cap-exceeded", name=n.name, proposed=len(proposed), cap=cap,
                              what=terms.describe(n.kind, n.level), **_where(n.source, "score", n.unit_code)))
    return changed, problems


@dataclass(frozen=True)
class Scope:
    """Where a line is counted: one submitting unit, one cluster's units, or all of them."""

    kind: str  # unit | cluster | province
    units: tuple[Unit, ...]
    cluster: str | None = None

    @property
    def name(self) -> str:
        if self.kind == "unit":
            return self.units[0].short_name
        return f"cụm thi đua \"{self.cluster}\"" if self.kind == "cluster" else "toàn tỉnh"

    @property
    def label(self) -> str:
        """The scope as a quota line names it: "Cụm 3", "Toàn tỉnh", the unit's short name."""
        return (self.cluster or "") if self.kind == "cluster" else cap_first(self.name)


def scopes(kind: str, units: tuple[Unit, ...], registry: Registry) -> list[Scope]:
    """The scopes of a line over `units`: each unit; each cluster (a unit with no cluster counts on its own);
    or the province as one."""
    if kind == "province":
        return [Scope("province", units)]
    if kind == "unit":
        return [Scope("unit", (u,)) for u in units]
    found = [Scope("cluster", tuple(u for u in members if u in units), name)
             for name, members in registry.clusters.items()]
    return [s for s in found if s.units] + [Scope("unit", (u,)) for u in units if not u.cluster]


def scope_quota(rule: QuotaRule, scope: Scope, config: Config) -> int:
    """Places on a line in one scope: a fixed number, or "cứ K chọn 1" over the registry's count in the scope."""
    if rule.per_unit is not None:
        return rule.per_unit
    assert rule.count is not None and rule.per_unit_divisor is not None  # config checks one of the two forms
    return quota(sum(u.count(rule.count) for u in scope.units), rule.per_unit_divisor, config.rounding_threshold)


def allocate(nominations: list[Nomination], registry: Registry, config: Config
             ) -> tuple[list[Nomination], list[QuotaLine], list[CapLine], list[Issue]]:
    """Place candidates against each line's quota in its scope, then the provincial caps; build the quota and
    cap tables."""
    problems: list[Issue] = []
    placed: dict[int, Nomination] = {}
    lines: list[tuple[Scope, QuotaRule, int, int, int]] = []  # scope, rule, quota, rows submitted, rows tied
    at: dict[tuple | None, list[int]] = {}  # (kind, level, award) -> positions of its rows, in input order
    for i, n in enumerate(nominations):
        at.setdefault(n.key, []).append(i)
    for rule in config.quotas:
        listed_by_unit: dict[str, list[Nomination]] = {}
        for i in at.get(rule.key, ()):
            listed_by_unit.setdefault(nominations[i].unit_code, []).append(nominations[i])
        submitting = tuple(u for u in registry.units if u.cap == rule.submitter)
        for scope in scopes(rule.scope, submitting, registry):
            listed = [n for u in scope.units for n in listed_by_unit.get(u.code, [])]
            limit = scope_quota(rule, scope, config)
            candidates = [n for n in listed if n.status == Status.CANDIDATE]
            if scope.kind == "unit":
                new, issues_ = place_within_quota(candidates, limit, len(listed), scope.name)
            else:
                new, issues_ = place_pooled(candidates, limit, len(listed), scope.name, scope.label)
            placed.update(new)
            problems += issues_
            lines.append((scope, rule, limit, len(listed), sum(n.status == Status.NEEDS_REVIEW for n in new.values())))
    # BK_UBND_TINH has no quota: every candidate is proposed.
    result = [placed.get(id(n)) or (_restatus(n, Status.PROPOSED) if n.status == Status.CANDIDATE else n)
              for n in nominations]

    cap_lines: list[CapLine] = []
    for rule in config.quotas:
        if rule.cap is None:
            continue
        mine = at.get(rule.key, [])
        proposed = [result[i] for i in mine if result[i].status == Status.PROPOSED]
        changed, issues_ = apply_cap(proposed, rule.cap)
        problems += issues_
        for i in mine:
            result[i] = changed.get(id(result[i]), result[i])
        kept = sum(result[i].status == Status.PROPOSED for i in mine)
        reserve = sorted((result[i] for i in mine if result[i].status == Status.OVER_QUOTA),
                         key=lambda n: (-_score_or_floor(n), n.unit_code, order_key(n)))[:max(rule.cap - kept, 0)]
        quota_total = sum(limit for _, r, limit, *_ in lines if r is rule)
        cap_lines.append(CapLine(*rule.key, cap=rule.cap, proposed=kept, quota_total=quota_total,
                                 reserve=tuple(reserve)))
    # Counted after the caps: a row the council must decide on is no longer proposed in its line.
    final = Counter((n.unit_code, n.key) for n in result if n.status == Status.PROPOSED)
    quota_lines = [
        QuotaLine(scope.units[0].code if scope.kind == "unit" else None, *rule.key, quota=limit, submitted=submitted,
                  proposed=sum(final[(u.code, rule.key)] for u in scope.units),
                  unit_count=sum(u.count(rule.count) for u in scope.units) if rule.count else None,
                  scope=scope.kind, cluster=scope.cluster, tied=tied)
        for scope, rule, limit, submitted, tied in lines]
    return result, quota_lines, cap_lines, problems
