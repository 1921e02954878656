"""The award register (sổ theo dõi khen thưởng): who was awarded, by which signed decision, under which number.

Pure rules over plain values: a run's ket_qua.json (as a dict) and the entries already recorded go in, the entries
to add come out. The ledger stores them; nothing here opens a file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from . import terms
from .changes import name_key
from .errors import RegisterError
from .issues import Issue, issue
from .terms import Kind, Status
from .text import clean, loose_key


class Issuer(StrEnum):
    """Who signs the decision: the province's Front (flags, its Bằng khen), the People's Committee, the centre."""
    TINH = "tinh"
    UBND = "ubnd"
    TW = "tw"


ISSUER_AWARDS: dict[str, tuple[str, ...]] = {
    Issuer.TINH: ("CO_XSTD", "CO_XS", "BK_MTTQ_TINH"),
    Issuer.UBND: ("BK_UBND_TINH",),
    Issuer.TW: ("BK_TW_MTTQ",),
}
ISSUER_NAMES: dict[str, str] = {
    Issuer.TINH: "Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh",
    Issuer.UBND: "Chủ tịch Ủy ban nhân dân tỉnh",
    Issuer.TW: "Ủy ban Trung ương MTTQ Việt Nam",
}



def issuer_names(province_name: str, short_name: str) -> dict[str, str]:
    """Each issuer as the documents name it: the province's Front and People's Committee with the province's name
    ("Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh Quảng Trị"); the generic names when the province has none."""
    return {Issuer.TINH: f"Ban Thường trực {province_name}" if province_name else ISSUER_NAMES[Issuer.TINH],
            Issuer.UBND: f"Chủ tịch Ủy ban nhân dân {short_name}" if short_name else ISSUER_NAMES[Issuer.UBND],
            Issuer.TW: ISSUER_NAMES[Issuer.TW]}


# "125/QĐ-MTTQ-BTT", "1234/QĐ-UBND": a number, a slash, then the symbol (letters and digits joined by hyphens).
_NUMBER = re.compile(r"\d{1,6}/[A-ZĐ][A-ZĐ0-9.]*(?:-[A-ZĐ0-9.]+)*")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class Decision:
    number: str
    date: dt.date
    issuer: str


@dataclass(frozen=True)
class Candidate:
    """One holder of an award in a run, as its ket_qua.json says: a ranked unit or a proposed nomination."""

    award: str
    kind: str
    level: str
    recipient: str
    unit_code: str
    unit_name: str
    detail: str  # the line under the name: chức vụ and đơn vị of a person, the submitting unit of a group
    achievement: str
    under_review: bool = False
    gender: str = ""  # Nam | Nữ for a person, as the unit's file says: the certificate says "Ông" or "Bà"
    ranked: bool = False  # placed by a ranking (its `exclude` rule applies), not nominated by a unit

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.award, self.unit_code, name_key(self.recipient))


@dataclass(frozen=True)
class Entry:
    """One line of the register. Never edited: a revocation is a later entry that names the one it revokes."""

    year: int
    issuer: str
    number: int  # Số vào sổ: sequential per year and issuer
    award: str
    kind: str
    level: str
    recipient: str
    unit_code: str
    unit_name: str
    detail: str
    achievement: str
    decision_number: str
    decision_date: dt.date
    run: str = ""  # the run folder the recipients came from
    revokes: int | None = None  # the number of the entry this one revokes
    reason: str = ""
    gender: str = ""

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.award, self.unit_code, name_key(self.recipient))


@dataclass(frozen=True)
class Recording:
    """What recording a decision does: the entries to add (none when it was recorded before) and who was left
    out because the council still has to decide on them."""

    entries: tuple[Entry, ...]
    already: bool = False
    left_out: tuple[Candidate, ...] = ()
    excluded: tuple[Candidate, ...] = ()  # chosen by the council, but kept out by `exclude` (a Cờ holder's Bằng khen)
    doubled: tuple[tuple[Candidate, str], ...] = ()  # recorded though the run warned of two Bằng khen (and which)
    dropped: tuple[Candidate, ...] = ()  # left out by the clerk (--leave-out): the signed decision lacks them


def parse_number(text: str) -> str:
    """The decision's number and symbol, tidied ("125/qđ-mttq-btt" -> "125/QĐ-MTTQ-BTT"), or RegisterError."""
    number = clean(text).replace(" ", "").upper()
    if not _NUMBER.fullmatch(number):
        raise RegisterError(f"Số quyết định \"{clean(text)}\" không đúng dạng. Đề nghị ghi số và ký hiệu như trên "
                            "văn bản đã ký, ví dụ \"125/QĐ-MTTQ-BTT\".")
    return number


def parse_date(text: str, year: int) -> dt.date:
    """The signing date, dd/mm/yyyy, in the campaign's year or the next (a decision closes the year it follows)."""
    found = _DATE.fullmatch(clean(text))
    day = None
    if found:
        try:
            day = dt.date(int(found[3]), int(found[2]), int(found[1]))
        except ValueError:
            day = None
    if day is None:
        raise RegisterError(f"Ngày quyết định \"{clean(text)}\" không đúng. Đề nghị ghi theo dạng ngày/tháng/năm, "
                            "ví dụ 20/12/2026.")
    if day.year not in (year, year + 1):
        raise RegisterError(f"Ngày quyết định {day:%d/%m/%Y} không thuộc năm thi đua {year} hoặc năm {year + 1}. "
                            "Đề nghị kiểm tra lại ngày ký.")
    return day


def candidates(result: dict, issuer: str, achievement: str) -> list[Candidate]:
    """Every holder of the issuer's awards in a run (ket_qua.json as a dict), flags first, in the order the
    decision lists them: per award, the ranked units in ranking order, then nominated groups, then people.
    `achievement` ("... năm {year}") is what a ranked unit's Bằng khen says it did."""
    units = {u["code"]: u for u in result.get("units", [])}
    default = achievement.replace("{year}", str(result.get("year", "")))

    def unit_name(code: str) -> str:
        return units.get(code, {}).get("short_name", "") or code

    found: list[Candidate] = []
    for award in ISSUER_AWARDS[issuer]:
        for ranking, ranked in result.get("rankings", {}).items():
            for r in ranked:
                held, review = award in r.get("awards", ()), award in r.get("needs_review", ())
                if held or review:
                    name = r.get("committee") or r["name"]
                    found.append(Candidate(award, Kind.COLLECTIVE, ranking, name, r["unit_code"], unit_name(r["unit_code"]),
                                           _group_detail(name, r.get("parent", ""), unit_name(r["unit_code"])), default,
                                           under_review=review and not held, ranked=True))
        for kind in (Kind.COLLECTIVE, Kind.INDIVIDUAL):
            for n in result.get("nominations", []):
                if n.get("award") != award or n.get("kind") != kind:
                    continue
                if n.get("status") not in (Status.PROPOSED, Status.NEEDS_REVIEW):
                    continue
                code = n["unit_code"]
                detail = (terms.position_phrase(n.get("position", ""), n.get("workplace", "")) or unit_name(code)
                          if kind == Kind.INDIVIDUAL else _group_detail(n["name"], "", unit_name(code)))
                found.append(Candidate(award, kind, n.get("level") or "", n["name"], code, unit_name(code), detail,
                                       clean(n.get("summary", "")) or default,
                                       under_review=n["status"] == Status.NEEDS_REVIEW, gender=n.get("gender") or ""))
    return found


def double_awards(result: dict, found: Sequence[Candidate]) -> dict[tuple[str, str, str], str]:
    """The candidates the run warned hold two Bằng khen (`double-award`), by identity, with both awards as the
    warning names them: the council chose one, and the signed decision may lack the other."""
    warned = [(i.get("unit_code", ""), i.get("params", {})) for i in result.get("issues", [])
              if i.get("code") == "double-award"]

    def holder(name: str) -> str:
        return loose_key(terms.committee_name(name)) if name_key(name).startswith(("ủy ban", "uỷ ban")) else \
            loose_key(name)

    doubled: dict[tuple[str, str, str], str] = {}
    for c in found:
        for code, params in warned:
            # `codes` is kept as the list's text in ket_qua.json: the award codes are read back from it.
            if code == c.unit_code and c.award in re.findall(r"[A-Z_]+", str(params.get("codes", ""))) \
                    and holder(str(params.get("name", ""))) == holder(c.recipient):
                doubled[c.identity] = str(params.get("awards", ""))
    return doubled


def _matches(c: Candidate, key: str) -> bool:
    """A clerk's pick (a name or a unit's name or code, as name_key folds it) names this case."""
    return key == name_key(c.recipient) or (c.ranked and key in (name_key(c.unit_name), c.unit_code.casefold()))


def _left_out(chosen: Sequence[Candidate], doubled: Mapping[tuple[str, str, str], str], leave_out: Sequence[str]
              ) -> set[tuple[str, str, str]]:
    """The double-award cases the clerk leaves out because the signed decision does not name them."""
    cases = [c for c in chosen if c.identity in doubled]
    dropped: set[tuple[str, str, str]] = set()
    for pick in leave_out:
        dropped |= _named(pick, [c for c in cases if _matches(c, name_key(pick))], cases,
                          lambda c: f"{c.recipient} ({doubled[c.identity]})",
                          "trường hợp được đề nghị hai Bằng khen mà quyết định này sắp ghi",
                          "Các trường hợp đó", "; sổ chưa thay đổi")
    return dropped


def _named(pick: str, matched: list[Candidate], cases: list[Candidate], shown: Callable[[Candidate], str],
           what: str, listed: str, after: str = "") -> set[tuple[str, str, str]]:
    """The cases a clerk's pick names; a pick that names none stops the command, listing the cases it could name."""
    if not matched:
        names = "; ".join(dict.fromkeys(shown(c) for c in cases))
        raise RegisterError(f"\"{clean(pick)}\" không phải là {what}. {listed}: {names or 'không có'}. Đề nghị ghi "
                            f"đúng tên hoặc mã đơn vị như trong danh sách{after}.")
    return {c.identity for c in matched}


def _group_detail(name: str, parent: str, unit: str) -> str:
    """A group named after its own place needs no second line; a Ban công tác Mặt trận gets its commune's."""
    where = parent or unit
    return "" if name_key(where) in name_key(name) else where


def same_decision(entry: Entry, decision: Decision) -> bool:
    """Decision numbers start again each calendar year: a number names one decision within its year of signing."""
    return (entry.decision_number.casefold() == decision.number.casefold()
            and entry.decision_date.year == decision.date.year)


def _issuer_entries(entries: Iterable[Entry], year: int, issuer: str) -> list[Entry]:
    return [e for e in entries if e.year == year and e.issuer == issuer]


def next_number(entries: Iterable[Entry], year: int, issuer: str) -> int:
    """The register continues from its highest number: a number once given is never given again."""
    return max((e.number for e in _issuer_entries(entries, year, issuer)), default=0) + 1


def _picked(found: Sequence[Candidate], include_review: bool | Sequence[str]) -> set[tuple[str, str, str]]:
    """The cases under review the council chose: each pick is a name or unit code, optionally ":" and an award
    (code or name) when the council chose one award of a unit tied for two. True picks every case (tests only)."""
    review = [c for c in found if c.under_review]
    if include_review is True or include_review is False:
        return {c.identity for c in review} if include_review else set()
    spellings = {name_key(k): v for k, v in terms.AWARD_SPELLINGS.items()}
    chosen: set[tuple[str, str, str]] = set()
    for pick in include_review:
        who, _, what = pick.rpartition(":")
        award = spellings.get(name_key(what)) if who else None
        if award is None:
            who, award = pick, None
        key = name_key(who)
        matched = [c for c in review if (award is None or c.award == award) and _matches(c, key)]
        chosen |= _named(pick, matched, review, lambda c: f"{c.recipient} ({terms.award_name(c.award)})",
                         "trường hợp còn chờ Hội đồng Thi đua - Khen thưởng xem xét trong lần chạy này",
                         "Các trường hợp còn chờ")
    return chosen


def record(entries: Sequence[Entry], found: Sequence[Candidate], decision: Decision, year: int, run: str = "",
           include_review: bool | Sequence[str] = False, again: bool = False,
           exclude: Mapping[tuple[str, str], Sequence[str]] | None = None,
           names: Mapping[str, str] = ISSUER_NAMES, doubled: Mapping[tuple[str, str, str], str] | None = None,
           leave_out: Sequence[str] = ()) -> Recording:
    """The entries a signed decision adds to the register. Recording it a second time adds nothing. A recipient
    whose award of this year was revoked is recorded again only when the clerk says so (`again`), and never by a
    decision signed before the revocation: that decision cannot give back what a later one took away.
    `include_review` names the cases under review the council chose; `exclude` ((ranking, award) -> awards) keeps
    a ranked unit that holds one of those awards from this one, as the ranking does (a Cờ holder gets no Bằng
    khen). `doubled` (identity -> both awards) are the run's double-award cases; `leave_out` names those of them
    the signed decision does not contain."""
    awards = ", ".join(terms.award_name(a) for a in ISSUER_AWARDS[decision.issuer])
    if not found:
        raise RegisterError(f"Lần chạy này không có tập thể, cá nhân nào được đề nghị {awards}, nên không có gì để "
                            f"ghi vào sổ theo quyết định của {names[decision.issuer]}. Đề nghị kiểm tra lại "
                            "--issuer hoặc thư mục lần chạy.")
    same = [e for e in entries if same_decision(e, decision)]
    if same:
        first = same[0]
        if (first.year, first.issuer, first.decision_date) != (year, decision.issuer, decision.date):
            raise RegisterError(f"Quyết định số {decision.number} đã được ghi vào sổ năm {first.year} với ngày "
                                f"{first.decision_date:%d/%m/%Y} ({names[first.issuer]}). Đề nghị kiểm tra lại "
                                "số, ngày hoặc --issuer.")
    picked = _picked(found, include_review)
    chosen = [c for c in found if not c.under_review or c.identity in picked]
    doubled = doubled or {}
    dropped = _left_out(chosen, doubled, leave_out)
    chosen = [c for c in chosen if c.identity not in dropped]
    if not chosen and not same:
        raise RegisterError(f"Các trường hợp được đề nghị {awards} còn chờ Hội đồng Thi đua - Khen thưởng xem xét. "
                            "Nếu quyết định đã ký có tên họ, đề nghị chạy lại lệnh với --include-review \"TÊN\" cho "
                            "từng trường hợp Hội đồng đã chọn.")
    # Who already holds the award, and who this decision recorded before (even if revoked since): a decision
    # recorded again adds only the names it did not have (those under review, once --include-review is given).
    held = _live(entries, year) | {e.identity for e in same if e.revokes is None}
    exclude = exclude or {}

    def kept_out(c: Candidate, holding: set[tuple[str, str, str]]) -> bool:
        return c.ranked and any((a, c.unit_code, name_key(c.recipient)) in holding
                                for a in exclude.get((c.level, c.award), ()))
    revocations = _revocations(entries, year)
    again_found = [c for c in chosen if c.identity not in held and c.identity in revocations]
    for c in again_found:
        rev = revocations[c.identity]
        if decision.date < rev.decision_date:
            raise RegisterError(f"{terms.award_name(c.award)} của {c.recipient} đã bị thu hồi theo Quyết định số "
                                f"{rev.decision_number} ngày {rev.decision_date:%d/%m/%Y} (số vào sổ {rev.number}); "
                                f"Quyết định số {decision.number} ngày {decision.date:%d/%m/%Y} ký trước ngày thu "
                                "hồi nên không thể ghi lại. Đề nghị kiểm tra lại số và ngày quyết định.")
    if again_found and not again:
        listed = "; ".join(f"{c.recipient} ({terms.award_name(c.award)}, thu hồi theo Quyết định số "
                           f"{revocations[c.identity].decision_number})" for c in again_found)
        raise RegisterError(f"Khen thưởng năm {year} của các trường hợp sau đã bị thu hồi: {listed}. Nếu Quyết định số "
                            f"{decision.number} đúng là khen thưởng lại, đề nghị chạy lại lệnh với --again; sổ chưa "
                            "thay đổi.")
    number = next_number(entries, year, decision.issuer)
    added: list[Entry] = []
    excluded: list[Candidate] = []
    for c in chosen:  # flags come first, so a unit's Cờ is held before its Bằng khen is looked at
        if c.identity in held:  # recorded by an earlier decision (a second decision names the council's choices)
            continue
        if kept_out(c, held):
            excluded.append(c)
            continue
        held.add(c.identity)
        added.append(Entry(year, decision.issuer, number, c.award, c.kind, c.level, c.recipient, c.unit_code,
                           c.unit_name, c.detail, c.achievement, decision.number, decision.date, run, gender=c.gender))
        number += 1
    if not added and not same:
        raise RegisterError(f"Mọi trường hợp được đề nghị {awards} trong lần chạy này đã có trong sổ theo các quyết định "
                            f"ghi trước, nên Quyết định số {decision.number} ngày {decision.date:%d/%m/%Y} không có ai "
                            "mới để ghi. Đề nghị kiểm tra lại số và ngày quyết định.")
    left_out = tuple(c for c in found if c.under_review and c.identity not in held and not kept_out(c, held))
    found_by_identity = {c.identity: c for c in found}
    return Recording(tuple(added), already=bool(same) and not added, left_out=left_out, excluded=tuple(excluded),
                     doubled=tuple((found_by_identity[e.identity], doubled[e.identity]) for e in added
                                   if e.identity in doubled),
                     dropped=tuple(c for c in found if c.identity in dropped))


def in_force(entries: Iterable[Entry]) -> list[Entry]:
    """The register's awards still in force, in register order: neither a revocation nor revoked by one."""
    entries = list(entries)
    revoked = {(e.year, e.issuer, e.revokes) for e in entries if e.revokes is not None}
    return [e for e in entries if e.revokes is None and (e.year, e.issuer, e.number) not in revoked]


def _live(entries: Iterable[Entry], year: int) -> set[tuple[str, str, str]]:
    """Who holds an award of `year` in the register: recorded and not revoked."""
    return {e.identity for e in in_force(entries) if e.year == year}


def _revocations(entries: Iterable[Entry], year: int) -> dict[tuple[str, str, str], Entry]:
    """The latest revocation of each recipient's award of `year`."""
    found: dict[tuple[str, str, str], Entry] = {}
    for e in entries:
        if e.year == year and e.revokes is not None:
            if e.identity not in found or found[e.identity].decision_date <= e.decision_date:
                found[e.identity] = e
    return found


def revoke(entries: Sequence[Entry], target: int, reason: str, decision: Decision, year: int,
           names: Mapping[str, str] = ISSUER_NAMES) -> Recording:
    """A revocation is a new entry naming the revoked one; the revoked entry itself is never changed."""
    reason = clean(reason)
    if not reason:
        raise RegisterError("Thu hồi khen thưởng cần ghi lý do: --reason \"...\".")
    book = _issuer_entries(entries, year, decision.issuer)
    entry = next((e for e in book if e.number == target), None)
    if entry is None:
        raise RegisterError(f"Sổ năm {year} của {names[decision.issuer]} không có số vào sổ {target}. "
                            "Đề nghị xem lại cột \"Số vào sổ\" trong sổ theo dõi khen thưởng.")
    if entry.revokes is not None:
        raise RegisterError(f"Số vào sổ {target} là một lần thu hồi, không thể thu hồi tiếp.")
    earlier = next((e for e in book if e.revokes == target), None)
    if earlier is not None:
        if same_decision(earlier, decision):
            return Recording((), already=True)
        raise RegisterError(f"Số vào sổ {target} đã được thu hồi theo Quyết định số {earlier.decision_number} "
                            f"(số vào sổ {earlier.number}).")
    if same_decision(entry, decision):
        raise RegisterError(f"Quyết định số {decision.number} là quyết định khen thưởng của số vào sổ {target}, không "
                            "thể dùng để thu hồi chính khen thưởng đó. Đề nghị ghi số, ngày của quyết định thu hồi.")
    if decision.date < entry.decision_date:
        raise RegisterError(f"Ngày quyết định thu hồi {decision.date:%d/%m/%Y} trước ngày khen thưởng "
                            f"{entry.decision_date:%d/%m/%Y} (Quyết định số {entry.decision_number}, số vào sổ "
                            f"{target}). Đề nghị kiểm tra lại ngày ký quyết định thu hồi.")
    return Recording((Entry(year, decision.issuer, next_number(entries, year, decision.issuer), entry.award,
                            entry.kind, entry.level, entry.recipient, entry.unit_code, entry.unit_name, entry.detail,
                            entry.achievement, decision.number, decision.date, entry.run, revokes=target,
                            reason=reason, gender=entry.gender),))


def awarded_last_year(nominations: Iterable, entries: Iterable[Entry], year: int) -> list[Issue]:
    """An `info` issue for each nomination whose recipient holds a (not revoked) register entry for the same award
    in the year before `year`: the same award, the same submitting unit, the same name. `nominations` are the
    run's (result.Nomination); `entries`, the register's, as plain values."""
    held = {e.identity: e for e in in_force(entries) if e.year == year - 1}
    found = []
    for n in nominations:
        if not n.award:
            continue
        e = held.get((n.award, n.unit_code, name_key(n.name)))
        if e is not None:
            found.append(issue("awarded-last-year", file=n.file, sheet=n.sheet, cell=n.source.cell("name"), row=n.row,
                               unit_code=n.unit_code, name=n.name, award=terms.award_name(e.award), year=e.year,
                               decision=e.decision_number, date=f"{e.decision_date:%d/%m/%Y}", entry=e.number))
    return found
