"""The Word documents of a run (VanBan/), rendered from templates/*.docx with docxtpl from the Result.

Nothing is decided here: lists, counts and statuses come from the Result; this module only groups,
orders (Vietnamese alphabetical order for people) and words them, in the plan's terms: the awards go to
committees ("Ủy ban MTTQ Việt Nam huyện Mỹ Tú"), not to places.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import terms
from .batch import WriterOutput
from .collation import person_key, sort_key
from .config import Config, require_path
from .errors import ConfigError
from .names import DOCS_DIR, DOCUMENT_TEMPLATES, DOCUMENTS, consolidated_name
from .registry import Unit
from .result import Nomination, RankedUnit, Recipient, Result
from .terms import FileStatus, Kind, Status
from .text import cap_first, fmt_number, money, name_list

FINAL = ("to_trinh_ubnd", "to_trinh_tw", "quyet_dinh", "bao_cao_tong_ket", "bien_ban")
MIDYEAR = ("bao_cao_so_ket",)
FLAGS = ("CO_XSTD", "CO_XS")
DOTS = "…"
SIGNER_DOTS = "……………………………"


# ---------------------------------------------------------------- numbers, ranks and dates in words

_SCALES = ("", "nghìn", "triệu", "tỷ")


def number_words(n: int) -> str:
    """Vietnamese words for n as an official document writes them: past a thousand every group of three is said
    in full ("1024" -> "một nghìn không trăm hai mươi bốn"), where num2words says "một nghìn lẻ hai mươi bốn"."""
    from num2words import num2words  # here, not at the top: only the process that writes documents loads it

    if n < 1000 or n >= 1000 ** len(_SCALES):
        return num2words(n, lang="vi")
    groups: list[int] = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    words = []
    for i in range(len(groups) - 1, -1, -1):
        group = groups[i]
        if not group:
            continue
        if i == len(groups) - 1 or group >= 100:
            said = num2words(group, lang="vi")
        else:
            said = f"không trăm {'lẻ ' if group < 10 else ''}{num2words(group, lang='vi')}"
        words.append(f"{said} {_SCALES[i]}".strip())
    return " ".join(words)


def in_words(n: int, noun: str) -> str:
    """36 -> '36 (ba mươi sáu) tập thể'; below ten with a leading zero: '03 (ba) cá nhân'."""
    return f"{n:02d} ({number_words(n)}) {noun}"


def in_words_joined(parts: Iterable[tuple[int, str]], sep: str) -> str:
    """'02 (hai) tập thể và 01 (một) cá nhân', leaving out every part that counts nothing: a document never says
    '00 (không) cá nhân'."""
    return sep.join(in_words(n, noun) for n, noun in parts if n)


def _count_lines(parts: list[tuple[int, str]], groups: list[list[dict]]) -> list[str]:
    """The 'gồm:' lines of a tờ trình, one per part that counts something, the last one closing the sentence.
    With one part only ("03 tập thể, gồm: 03 tập thể" says nothing), its numbered groups are counted instead."""
    kept = [(n, noun, listed) for (n, noun), listed in zip(parts, groups) if n]
    if len(kept) == 1:
        _, noun, listed = kept[0]
        lines = [f"{g['title'].partition('. ')[2]}: {in_words(len(g['rows']), noun)}" for g in listed]
    else:
        lines = [in_words(n, noun) for n, noun, _ in kept]
    return [line + (";" if k < len(lines) - 1 else ".") for k, line in enumerate(lines)]


def _total_text(parts: list[tuple[int, str]]) -> str:
    """'03 (ba) tập thể, cá nhân', naming only the kinds there are."""
    return in_words(sum(n for n, _ in parts), ", ".join(noun for n, noun in parts if n))


def rank_words(rank: int) -> str:
    """'thứ nhất, nhì, ba, tư, năm' as the plan writes the places; then the number in words."""
    return {1: "nhất", 2: "nhì", 4: "tư"}.get(rank, number_words(rank))


def vietnamese_date(day: dt.date, place: str = "") -> str:
    """'Sóc Trăng, ngày 05 tháng 12 năm 2023': day below 10 and months 1-2 with a leading zero (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text


def blank_date(year: int, place: str = "") -> str:
    """The date line the văn thư fills in on signing: 'Sóc Trăng, ngày … tháng … năm 2023'."""
    text = f"ngày {DOTS} tháng {DOTS} năm {year}"
    return f"{place}, {text}" if place else text


def plan_reference(config: Config, year: int, province_name: str) -> str:
    """'Kế hoạch số …/KH-MTTQ-BTT ngày …/…/2023 của Ban Thường trực ... về ...': type, number, date, subject."""
    d = config.documents
    number = d.plan_number or DOTS
    date = d.plan_date.strftime("%d/%m/%Y") if d.plan_date else f"{DOTS}/{DOTS}/{year}"
    return f"Kế hoạch số {number}/{d.plan_symbol} ngày {date} của Ban Thường trực {province_name} về {d.plan_subject}"


# ---------------------------------------------------------------- rows of the lists

@dataclass(frozen=True)
class Lists:
    """What every list of a run needs to name its rows: the registry's units and the campaign year."""

    units: dict[str, Unit]
    year: int
    province_word: str = "tỉnh"
    place_note: Callable[[str | None], str] = lambda cluster: ""  # Result.place_note: a claimed place's caveat

    @classmethod
    def of(cls, result: Result) -> Lists:
        return cls({u.code: u for u in result.units}, result.year, result.province_word, result.place_note)

    def short(self, code: str) -> str:
        return self.units[code].short_name if code in self.units else code

    def achievement(self, r: RankedUnit) -> str:
        plan = f"trong thực hiện kế hoạch thi đua, khen thưởng năm {self.year}"
        # A place is claimed over a scope only as far as its units have reported.
        in_cluster, overall = self.place_note(r.cluster), self.place_note(None)
        if r.cluster and r.cluster_rank == 1:
            return (f"Đơn vị dẫn đầu {r.cluster}{in_cluster} {plan}, xếp thứ {rank_words(r.rank)} toàn "
                    f"{self.province_word}{overall} (khối {terms.RANKINGS[r.ranking]}), đạt {fmt_number(r.score)} điểm.")
        if r.cluster and r.cluster_rank:
            return (f"Xếp thứ {rank_words(r.cluster_rank)} {r.cluster}{in_cluster}, thứ {rank_words(r.rank)} "
                    f"toàn {self.province_word}{overall} {plan} "
                    f"(khối {terms.RANKINGS[r.ranking]}), đạt {fmt_number(r.score)} điểm.")
        return (f"Xếp thứ {rank_words(r.rank)}{overall} {plan} (khối {terms.RANKINGS[r.ranking]}), "
                f"đạt {fmt_number(r.score)} điểm.")

    def commune(self, code: str) -> str:
        """The commune of a Ban công tác Mặt trận submitted by unit `code`: the unit itself on the two-tier map."""
        unit = self.units.get(code)
        return unit.short_name if unit is not None and unit.cap == "xa" else ""

    def ranked_name(self, r: RankedUnit) -> str:
        """The body a ranked unit is awarded as; a Ban công tác Mặt trận with its commune (two of one name in one
        list are then told apart)."""
        name = r.committee or r.name
        return terms.with_commune(name, r.parent or self.commune(r.unit_code)) if r.ranking == "bctmt" else name

    def row(self, item: Recipient) -> dict:
        if item.ranked is not None:
            r = item.ranked
            return {"name": self.ranked_name(r), "position": "", "unit": self.short(r.unit_code),
                    "score": fmt_number(r.score), "summary": self.achievement(r)}
        n = _nomination(item)
        name = terms.with_commune(n.name, self.commune(n.unit_code)) \
            if n.kind == Kind.COLLECTIVE and n.level == "bctmt" else n.name
        own = self.units[n.unit_code].name if n.unit_code in self.units else ""
        return {"name": name, "position": terms.position_phrase(n.position, n.workplace, own),
                "unit": self.short(n.unit_code), "score": fmt_number(n.score) if n.score is not None else "",
                "summary": n.summary + (f" Giá trị đóng góp: {money(n.contribution)} đồng." if n.contribution else "")}

    def group(self, title: str, items: list[Recipient], note: Callable[[Recipient], str] | None = None) -> dict | None:
        """A titled, numbered list (None when empty); people get the họ và tên / chức vụ layout when the list is
        only people; `note(item)` fills the list's "Ghi chú" column where it has one."""
        rows = [{**self.row(item), "stt": stt, **({"note": note(item)} if note else {})}
                for stt, item in enumerate(_ordered(items), 1)]
        people = all(not i.is_ranked and i.kind == Kind.INDIVIDUAL for i in items)
        return {"title": title, "rows": rows, "people": people} if rows else None

    def numbered(self, titles_items: Iterable[tuple[str, list[Recipient]]],
                 note: Callable[[Recipient], str] | None = None) -> list[dict]:
        """Sub-groups that have rows, numbered 1., 2., ... in order."""
        out: list[dict] = []
        for title, items in titles_items:
            group = self.group(title, items, note)
            if group:
                group["title"] = f"{len(out) + 1}. {group['title']}"
                out.append(group)
        return out

    def by_level(self, items: list[Recipient], noun: str) -> list[tuple[str, list[Recipient]]]:
        """Nominations split by level: ("Tập thể cấp xã", [...]), ... in the plan's order of levels."""
        return [(f"{noun} {terms.level_phrase(level)}", [i for i in items if i.level == level])
                for level in terms.LEVELS]


def _nomination(item: Recipient) -> Nomination:
    assert item.nomination is not None
    return item.nomination


def _ordered(items: list[Recipient]) -> list[Recipient]:
    """Collectives and ranked units by score (highest first), then name; then people in alphabetical order."""
    def is_person(i: Recipient) -> bool:
        return not i.is_ranked and i.kind == Kind.INDIVIDUAL
    people = sorted((i for i in items if is_person(i)), key=lambda n: person_key(n.name))
    others = sorted((i for i in items if not is_person(i)), key=lambda i: (-(i.score or 0), sort_key(i.name)))
    return others + people


ROMAN = ("I", "II", "III", "IV", "V", "VI")


def _parts(*parts: tuple[str, list]) -> list[dict]:
    """Parts of a danh sách that have rows, numbered I., II., ..."""
    kept = [(title, groups) for title, groups in parts if groups]
    return [{"title": f"{ROMAN[i]}. {title}", "groups": groups} for i, (title, groups) in enumerate(kept)]


def _ranked(items: list[Recipient], ranking: str) -> list[Recipient]:
    return [r for r in items if r.is_ranked and r.level == ranking]


def _nominated(items: list[Recipient]) -> list[Recipient]:
    return [r for r in items if not r.is_ranked]


def award_title(result: Result, code: str) -> str:
    """An award as a signed document names it, after its issuer: "Bằng khen của Ủy ban MTTQ Việt Nam thành phố
    Cần Thơ", "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh Sóc Trăng"; the flags are the province's own."""
    place = result.province_name.split(terms.FRONT, 1)[-1].strip() or result.province_name
    return {"BK_MTTQ_TINH": f"Bằng khen của {result.province_name}",
            "BK_UBND_TINH": f"Bằng khen của Chủ tịch Ủy ban nhân dân {place}",
            "BK_TW_MTTQ": "Bằng khen của Ủy ban Trung ương MTTQ Việt Nam"}.get(code, terms.award_name(code))


def _names(result: Result, codes) -> str:
    return ", ".join(award_title(result, c) for c in codes)


def _recipients(result: Result, config: Config, key: str) -> list[str]:
    """"Nơi nhận" of one document, from config, with "{tinh}" as the province is called."""
    return [r.replace("{tinh}", result.province_word) for r in config.documents.recipients[key]]


def submitting_units_phrase(result: Result) -> str:
    """Who carries out a decision below the province: the districts (2023) or the communes (since 2025)."""
    if result.submitter_level == "huyen":
        return "Ủy ban MTTQ Việt Nam các huyện, thị xã, thành phố"
    return "Ủy ban MTTQ Việt Nam các xã, phường, đặc khu"


# ---------------------------------------------------------------- contexts

def _common(result: Result, config: Config) -> dict:
    """What every document shares. The plan names no signer and no date: blank settings stay blank on paper."""
    d = config.documents
    when = d.date
    return {
        "issuer_parent": d.issuer_parent, "issuer": d.issuer, "issuer_body": d.issuer_body,
        "on_behalf": d.on_behalf, "signer_title": d.signer_title, "signer_name": d.signer_name or SIGNER_DOTS,
        "proposal_symbol": d.proposal_symbol, "decision_symbol": d.decision_symbol, "report_symbol": d.report_symbol,
        "minutes_symbol": d.minutes_symbol,
        "place_date": vietnamese_date(when, config.place) if when else blank_date(result.year, config.place),
        "short_date": when.strftime("%d/%m/%Y") if when else f"{DOTS}/{DOTS}/{result.year}",
        "province_name": result.province_name, "province_name_upper": result.province_name.upper(),
        "province_short": config.province_short_name, "year": result.year,
        "plan_reference": plan_reference(config, result.year, result.province_name),
        "ubnd_plan": d.ubnd_plan, "tinh": result.province_word, "provisional": result.provisional_title(),
    }


def ubnd_context(result: Result, config: Config) -> dict:
    lists = Lists.of(result)
    proposed = result.recipients("BK_UBND_TINH")
    groups_ = [n for n in proposed if n.kind == Kind.COLLECTIVE]
    people = [n for n in proposed if n.kind == Kind.INDIVIDUAL]

    def by_merit(items: list[Recipient]) -> list[dict]:
        return lists.numbered((f"Khen thưởng {terms.MERIT_TYPES[m].lower()}",
                               [n for n in items if _nomination(n).merit_type == m]) for m in terms.MERIT_TYPES)
    listed = [by_merit(groups_), by_merit(people)]
    parts = _parts(("TẬP THỂ", listed[0]), ("CÁ NHÂN", listed[1]))
    counts = [(len(groups_), "tập thể"), (len(people), "cá nhân")]
    return {"parts": parts, "summary_lines": _count_lines(counts, listed), "total_text": _total_text(counts),
            "recipients": ["Như trên", *_recipients(result, config, "to_trinh_ubnd")]}


def tw_context(result: Result, config: Config) -> dict:
    lists = Lists.of(result)
    award = "BK_TW_MTTQ"
    collectives = result.recipients(award, Kind.COLLECTIVE)
    people = result.recipients(award, Kind.INDIVIDUAL)
    groups = lists.numbered([(f"Ủy ban MTTQ Việt Nam {terms.level_phrase(k)}" if k != "bctmt"
                              else "Ban công tác Mặt trận ở khu dân cư", _ranked(collectives, k))
                             for k in ("huyen", "xa", "bctmt")]
                            + lists.by_level(_nominated(collectives), "Tập thể"))
    people_groups = lists.numbered((cap_first(terms.level_phrase(level)), [n for n in people if n.level == level])
                                   for level in terms.LEVELS)
    parts = _parts(("TẬP THỂ", groups), ("CÁ NHÂN", people_groups))
    counts = [(len(collectives), "tập thể"), (len(people), "cá nhân")]
    return {"parts": parts, "summary_lines": _count_lines(counts, [groups, people_groups]),
            "total_text": _total_text(counts),
            "recipients": ["Như trên", *_recipients(result, config, "to_trinh_tw")]}


def decision_context(result: Result, config: Config) -> dict:
    lists = Lists.of(result)
    own = (result.submitter_level,)
    flags = {code: result.recipients(code, rankings=own) for code in FLAGS}
    bk = result.recipients("BK_MTTQ_TINH", rankings=own)
    bk_ranked = [r for r in bk if r.is_ranked]
    collectives = [n for n in bk if not n.is_ranked and n.kind == Kind.COLLECTIVE]
    people = [n for n in bk if n.kind == Kind.INDIVIDUAL]
    flag_groups = lists.numbered((award_title(result, c), flags[c]) for c in FLAGS)
    collective_groups = lists.numbered([(f"Ủy ban MTTQ Việt Nam {terms.level_phrase(result.submitter_level)}",
                                         bk_ranked),
                                        *lists.by_level(collectives, "Tập thể")])
    people_groups = lists.numbered(lists.by_level(people, "Cá nhân"))
    parts = _parts(("CỜ THI ĐUA", flag_groups), ("BẰNG KHEN - TẬP THỂ", collective_groups),
                   ("BẰNG KHEN - CÁ NHÂN", people_groups))
    n_flags = sum(len(v) for v in flags.values())
    n_groups, n_people = len(collectives) + len(bk_ranked), len(people)
    articles = []
    if n_flags:
        names = "; ".join(f"{award_title(result, c)}: {', '.join(lists.row(r)['name'] for r in flags[c])}"
                          for c in flags if flags[c])
        articles.append(f"Tặng Cờ thi đua của {result.province_name} cho {in_words(n_flags, 'đơn vị')} có thành "
                        f"tích xuất sắc trong phong trào thi đua năm {result.year} ({names}).")
    if n_groups or n_people:
        articles.append(f"Tặng Bằng khen của {result.province_name} cho "
                        f"{in_words_joined([(n_groups, 'tập thể'), (n_people, 'cá nhân')], ' và ')} đã có thành tích "
                        f"xuất sắc trong phong trào thi đua năm {result.year} (có danh sách kèm theo).")
    awarded_in = " và ".join(f"Điều {i}" for i in range(1, len(articles) + 1))
    articles.append("Quyết định này có hiệu lực kể từ ngày ký.")
    articles.append(f"Chánh Văn phòng {result.province_name}, {submitting_units_phrase(result)} và các tập thể, "
                    f"cá nhân có tên tại {awarded_in} chịu trách nhiệm thi hành Quyết định này./.")
    numbered = [f"Điều {i}. {text}" for i, text in enumerate(articles, 1)]
    return {"parts": parts, "articles": numbered,
            "recipients": [f"Như Điều {len(articles)}", *_recipients(result, config, "quyet_dinh")]}


def _unit_table(result: Result, todo: Callable[[str], str] | None = None) -> list[dict]:
    """One row per submitting unit. The counts partition its nominations, so each row adds up."""
    ranked = {r.unit_code: r for r in result.rankings.get(result.submitter_level, ())}
    rows = []
    for unit in result.submitters:
        r = ranked.get(unit.code)
        mine = result.for_unit(unit.code).nominations
        row: dict[str, Any] = {
            "name": unit.short_name, "score": fmt_number(r.score) if r else "—", "rank": r.rank if r else "—",
            "submitted": len(mine), "proposed": sum(n.status == Status.PROPOSED for n in mine),
            "over_quota": sum(n.status == Status.OVER_QUOTA for n in mine),
            "not_yet": sum(n.status in (Status.INVALID, Status.INELIGIBLE, Status.INCOMPLETE_DOSSIER) for n in mine),
            "review": sum(n.status == Status.NEEDS_REVIEW for n in mine)}
        if todo:
            row["todo"] = todo(unit.code)
        rows.append(row)
    rows.sort(key=lambda x: (x["rank"] if isinstance(x["rank"], int) else 10**6, sort_key(str(x["name"]))))
    for stt, row in enumerate(rows, 1):
        row["stt"] = stt
    return rows


def _intake_lines(result: Result) -> list[str]:
    count = result.input_counts
    received = result.reported_codes
    reported, total = result.progress()
    own = f"; báo cáo của cơ quan {result.province_name}" if result.province_code in received else ""
    lines = [f"Văn phòng đã nhận và tổng hợp {in_words(count['processed'], 'báo cáo')}: {reported}/{total} đơn vị "
             f"{terms.level_phrase(result.submitter_level)} đã gửi báo cáo{own}."]
    if count["superseded"]:
        lines.append(f"{in_words(count['superseded'], 'tệp')} được thay bằng bản gửi sau của cùng đơn vị.")
    if count["rejected"]:
        # Only a notice that `send` recorded is claimed: a draft says nothing of mail that has not left.
        rejected = {i.owner for i in result.inputs if i.status == FileStatus.REJECTED}
        told = [u.short_name for u in result.units if u.code in rejected and u.code in result.notified]
        lines.append(f"{in_words(count['rejected'], 'tệp')} không tổng hợp được (sai năm, sai mã đơn vị hoặc "
                     "không đọc được)" + (f"; Văn phòng đã thông báo để gửi lại: {', '.join(told)}." if told else "."))
    # A unit whose file was rejected has sent a report: it is not among those that have not.
    if sent := result.rejected():
        lines.append("Đơn vị đã gửi nhưng tệp bị từ chối, chưa được tổng hợp: "
                     + _overview_named(result, [u.short_name for u in sent]) + ".")
    if missing := result.missing():
        lines.append("Chưa nhận được báo cáo của: " + _overview_named(result, [u.short_name for u in missing]) + ".")
    return lines


def _overview_named(result: Result, names: list[str]) -> str:
    """A list of units in a document line: all of them, or ten and where the overview sheet lists the rest."""
    return name_list(names, "đơn vị", more=f" (danh sách đầy đủ tại trang \"Tổng quan\" của tệp "
                                          f"\"{consolidated_name(result.year, result.round)}\")")


def _cases(result: Result, cases: Iterable[Nomination], what: Callable[[Nomination], str]) -> str:
    """'A (Huyện Kế Sách, thiếu báo cáo thành tích); B (...)': the cases a report line counts, named."""
    lists = Lists.of(result)
    return _named(result, [f"{n.name} ({lists.short(n.unit_code)}, {what(n)})" for n in cases], "trường hợp", "; ")


def _named(result: Result, names: list[str], noun: str, sep: str = ", ") -> str:
    """The names a document line gives: all of them, or the first ten and where to find the rest."""
    return name_list(names, noun, sep, more=f" (danh sách đầy đủ tại tệp \"{consolidated_name(result.year, result.round)}\")")


def _review_lines(result: Result) -> list[str]:
    lines = []
    for ranking, units in result.rankings.items():
        held = [r for r in units if r.needs_review]
        for award in sorted({a for r in held for a in r.needs_review}):
            names = _named(result, [f"{Lists.of(result).ranked_name(r)} ({fmt_number(r.score)} điểm)"
                                    for r in held if award in r.needs_review], "đơn vị")
            lines.append(f"{award_title(result, award)} ({terms.RANKINGS[ranking]}): các đơn vị bằng điểm tại ngưỡng "
                         f"xét: {names}. Đề nghị Hội đồng xem xét, quyết định.")
    pending = result.with_status(Status.NEEDS_REVIEW)
    capped = [n for n in pending if result.held_by_cap(n)]
    if capped:
        lines.append(f"{in_words(len(capped), 'trường hợp')} vượt tổng số của {result.province_word}, chờ Hội đồng "
                     f"xem xét: {_cases(result, capped, lambda n: terms.describe(n.kind, n.level))}.")
    tied = [n for n in pending if not result.held_by_cap(n)]
    if tied:  # a tie at a pooled cut: its reason names the cluster (or the province) and the place
        lines.append(f"{in_words(len(tied), 'trường hợp')} bằng điểm tại ngưỡng xét, chờ Hội đồng xem xét: "
                     f"{_cases(result, tied, lambda n: n.reasons[-1])}.")
    incomplete = result.with_status(Status.INCOMPLETE_DOSSIER)
    if incomplete:
        lines.append(f"{in_words(len(incomplete), 'trường hợp')} còn thiếu hồ sơ, chưa tính vào chỉ tiêu: "
                     f"{_cases(result, incomplete, _missing)}.")
    for cap in result.caps:
        if cap.unused:
            reserve = ", ".join(n.name for n in cap.reserve)
            lines.append(f"{cap_first(terms.describe(cap.kind, cap.level))} - {award_title(result, cap.award)}: "
                         f"số lượng còn lại {in_words(cap.unused, '')}".rstrip()
                         + (f"; danh sách dự phòng: {reserve}." if reserve else "."))
    return lines or ["Không có nội dung cần Hội đồng xem xét thêm."]


def _missing(n: Nomination) -> str:
    return "thiếu " + ", ".join(n.source.missing_documents).lower()


def _stats_lines(result: Result) -> list[str]:
    people = [n for n in result.nominations if n.status == Status.PROPOSED and n.kind == Kind.INDIVIDUAL]
    lines = []
    for title, key in (("giới tính", "proposed_individuals_by_gender"), ("dân tộc", "proposed_individuals_by_ethnicity")):
        values = sorted(result.stats.get(key, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        if values:
            lines.append(f"Theo {title}: " + "; ".join(f"{label} {count}" for label, count in values) + ".")
    if people:
        minority = sum(1 for n in people if n.ethnicity and n.ethnicity not in ("Kinh", "Không ghi"))
        lines.append(f"Cá nhân là người dân tộc thiểu số: {minority}/{len(people)} "
                     f"({round(100 * minority / len(people))}%).")
    return lines or ["Chưa có cá nhân được đề nghị."]


def _awards_lines(result: Result) -> list[str]:
    lists = Lists.of(result)
    lines = []
    for code in FLAGS:
        names = [lists.row(r)["name"] for r in result.recipients(code, rankings=(result.submitter_level,))]
        if names:
            lines.append(f"{award_title(result, code)}: {', '.join(names)}.")
    for award in terms.NOMINATED_AWARDS:
        holders = result.recipients(award)
        groups = sum(r.kind == Kind.COLLECTIVE for r in holders)
        people = sum(r.kind == Kind.INDIVIDUAL for r in holders)
        if groups or people:
            lines.append(f"{award_title(result, award)}: "
                         f"{in_words_joined([(groups, 'tập thể'), (people, 'cá nhân')], ', ')}.")
    return lines


def _dossier_lines(result: Result) -> list[str]:
    """Plan 5.2: winners by ranking still send tờ trình, biên bản and báo cáo thành tích (a to-do, not a status)."""
    lists = Lists.of(result)
    lines = []
    for r in result.dossiers_to_collect():
        where = "" if r.ranking == result.submitter_level else f" ({lists.short(r.unit_code)})"
        # Only the awards whose config asks for a dossier: a Cờ thi đua held beside them needs none.
        lines.append(f"{r.committee or r.name}{where} - {_names(result, r.dossier_awards)}: "
                     f"{', '.join(r.dossier_to_collect).lower()}.")
    return lines or ["Không có."]


def _priority_lines(result: Result) -> list[str]:
    area = result.stats.get("priority_area")
    if not area:
        return []
    return [f"Vùng có đông đồng bào dân tộc thiểu số, vùng sâu, vùng xa ({in_words(len(area['units']), 'đơn vị')}): "
            f"{area['proposed']}/{area['proposed_total']} trường hợp được đề nghị khen thưởng và "
            f"{area['ranked_awards']}/{area['ranked_awards_total']} hình thức khen theo kết quả xếp hạng."]


def report_context(result: Result, config: Config) -> dict:
    sections = [
        {"title": "I. TÌNH HÌNH NHẬN BÁO CÁO", "lines": _intake_lines(result)},
        {"title": "II. CỜ THI ĐUA VÀ BẰNG KHEN", "lines": _awards_lines(result)},
        {"title": "III. NỘI DUNG CẦN HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG XEM XÉT", "lines": _review_lines(result)},
        {"title": "IV. HỒ SƠ CẦN THU CỦA CÁC ĐƠN VỊ ĐƯỢC KHEN THEO KẾT QUẢ XẾP HẠNG",
         "lines": _dossier_lines(result)},
        {"title": "V. THỐNG KÊ ĐỐI TƯỢNG ĐƯỢC ĐỀ NGHỊ", "lines": _stats_lines(result) + _priority_lines(result)},
    ]
    return {"sections": sections, "units": _unit_table(result),
            "recipients": _recipients(result, config, "bao_cao_tong_ket")}


def _vote_note(result: Result) -> Callable[[Recipient], str]:
    def note(item: Recipient) -> str:
        if item.ranked is not None:
            held = item.ranked.needs_review
            return (f"Xếp thứ {item.ranked.rank}{result.place_note(None)}"
                    + (f"; chờ xét: {_names(result, held)}" if held else ""))
        n = _nomination(item)
        return "; ".join(n.reasons) if n.status != Status.PROPOSED else ""
    return note


def minutes_context(result: Result, config: Config) -> dict:
    """The council's voting list: each award, collectives then individuals, each by level."""
    lists = Lists.of(result)
    votes = [(award_title(result, code), result.recipients(code, rankings=(result.submitter_level,))) for code in FLAGS]
    for award in terms.NOMINATED_AWARDS:
        collectives = result.recipients(award, Kind.COLLECTIVE)
        people = result.recipients(award, Kind.INDIVIDUAL)
        name = award_title(result, award)
        votes += [(f"{name} - {terms.RANKINGS[k]} (theo xếp hạng)", _ranked(collectives, k))
                  for k in ("huyen", "xa", "bctmt")]
        votes += [(f"{name} - {title}", items) for title, items in lists.by_level(_nominated(collectives), "tập thể")]
        votes += [(f"{name} - {title}", items) for title, items in lists.by_level(people, "cá nhân")]
    votes.append(("Trường hợp Hội đồng cần quyết định", result.under_review()))
    groups = [g for g in (lists.group(title, items, _vote_note(result)) for title, items in votes) if g]
    files = result.input_counts["processed"]
    return {"votes": groups, "review_lines": _review_lines(result), "files_text": in_words(files, "báo cáo"),
            "issuer_body": config.documents.council, "double_award_lines": _double_award_lines(result)}


def _double_award_lines(result: Result) -> list[str]:
    """Who holds two Bằng khen from this run (the evaluation's `double-award` warnings), for the council to choose."""
    return [f"{i.params['name']} ({i.params['unit']}): {i.params['awards']}."
            for i in result.issues if i.code == "double-award"]


def midyear_context(result: Result, config: Config) -> dict:
    def todo(code: str) -> str:
        summary = result.for_unit(code).summary()
        if not summary["files"]:
            return "Chưa gửi báo cáo"
        items = [text for count, text in (
            (summary["errors"], f"sửa {summary['errors']} lỗi"),
            (summary["incomplete"], f"bổ sung hồ sơ cho {summary['incomplete']} trường hợp"),
            (summary["over_quota"], f"rút {summary['over_quota']} trường hợp vượt chỉ tiêu")) if count]
        return cap_first("; ".join(items)) if items else "Không"

    deadline = config.documents.deadline
    return {"sections": [{"title": "I. TÌNH HÌNH NHẬN BÁO CÁO", "lines": _intake_lines(result)},
                         {"title": "II. NỘI DUNG CẦN LƯU Ý", "lines": _review_lines(result)}],
            "units": _unit_table(result, todo),
            "deadline_text": f" trước ngày {deadline.strftime('%d/%m/%Y')}" if deadline else "",
            "recipients": [*_recipients(result, config, "bao_cao_so_ket")[:-1], submitting_units_phrase(result),
                           *_recipients(result, config, "bao_cao_so_ket")[-1:]]}


def scoring_context(result: Result, config: Config) -> dict:
    """Báo cáo kết quả chấm điểm thi đua: each ranked unit's totals and rank, by cluster where there are clusters,
    and every criterion the province's appraisal changed."""
    lists = Lists.of(result)
    table = {c.code: c for c in result.criteria or ()}
    own: dict[str, float] = {}
    final: dict[str, float] = {}
    for s in result.scores:
        own[s.unit_code] = own.get(s.unit_code, 0.0) + s.own
        final[s.unit_code] = final.get(s.unit_code, 0.0) + s.final
    ranked = sorted(result.rankings.get(result.submitter_level, ()), key=lambda r: (r.cluster or "", r.rank))
    rows = []
    for stt, r in enumerate(ranked, 1):
        appraised = r.score if r.score_source in ("appraisal", "criteria-appraisal") else None
        rows.append({"stt": stt, "name": lists.short(r.unit_code), "cluster": r.cluster or "—",
                     "own": fmt_number(own[r.unit_code]) if r.unit_code in own else "—",
                     "appraised": fmt_number(appraised) if appraised is not None else "—",
                     "score": fmt_number(r.score), "rank": r.rank})
    changed = [f"{lists.units[s.unit_code].name if s.unit_code in lists.units else s.unit_code} - tiêu chí "
               f"{s.criterion} ({table[s.criterion].text if s.criterion in table else ''}): tự chấm "
               f"{fmt_number(s.own)}, thẩm định {fmt_number(s.final)} điểm."
               for s in result.scores if s.final != s.own]
    leaves = [c for c in result.criteria or () if c.leaf]
    sections = [
        {"title": "I. BẢNG TIÊU CHÍ", "lines": [
            f"Bảng tiêu chí gồm {in_words(len(leaves), 'tiêu chí')} được chấm điểm; điểm của mỗi đơn vị là tổng điểm "
            "tự chấm các tiêu chí, cộng điểm thưởng, trừ điểm trừ; điểm vượt mức tối đa chỉ được tính bằng mức tối "
            "đa."]},
        {"title": "II. CÁC TIÊU CHÍ ĐƯỢC THẨM ĐỊNH ĐIỀU CHỈNH", "lines": changed or ["Không có."]},
    ]
    return {"sections": sections, "units": rows, "recipients": _recipients(result, config, "bao_cao_tong_ket")}


# ---------------------------------------------------------------- rendering

BUILDERS: dict[str, Callable[[Result, Config], dict]] = {
    "to_trinh_ubnd": ubnd_context, "to_trinh_tw": tw_context, "quyet_dinh": decision_context,
    "bao_cao_tong_ket": report_context, "bien_ban": minutes_context, "bao_cao_so_ket": midyear_context,
    "bao_cao_cham_diem": scoring_context,
}


PROPOSALS = {"to_trinh_ubnd": "BK_UBND_TINH", "to_trinh_tw": "BK_TW_MTTQ"}


def unwritten_documents(result: Result) -> dict[str, str]:
    """The documents of the round left out, and why: a tờ trình with no case to propose is not written."""
    if result.round != "tong-ket":
        return {}
    return {key: f"không có trường hợp nào được đề nghị {award_title(result, award)}"
            for key, award in PROPOSALS.items() if not result.recipients(award)}


def contexts(result: Result, config: Config) -> dict[str, dict]:
    keys = FINAL if result.round == "tong-ket" else MIDYEAR
    if result.criteria is not None:
        keys = (*keys, "bao_cao_cham_diem")
    left_out = unwritten_documents(result)
    return {key: BUILDERS[key](result, config) for key in keys if key not in left_out}


class DocxWriter:
    """A writer for write_run: renders every document of the round into VanBan/. A class, not a closure, so
    that it can run in a worker process."""

    name = "documents"

    def __init__(self, config: Config):
        self.config = config

    def __call__(self, result: Result, folder: Path) -> WriterOutput:
        import docxtpl  # here, not at the top: a run loads it only in the process that writes the documents
        import jinja2

        config = self.config
        out = Path(folder) / DOCS_DIR
        out.mkdir(exist_ok=True)
        common = _common(result, config)
        written, notes = [], []
        for key, context in contexts(result, config).items():
            source = config.templates_dir / DOCUMENT_TEMPLATES[key]
            unknown: set[str] = set()
            try:
                template = docxtpl.DocxTemplate(str(source))
                template.render({**common, **context}, jinja_env=jinja2.Environment(
                    undefined=_recording_undefined(unknown)), autoescape=True)
            except Exception as exc:  # what check_templates could not foresee: still the template's fault
                raise ConfigError(f"Không dựng được văn bản từ mẫu {source} (thư mục \"paths.templates\"): {exc}. Đề "
                                  "nghị kiểm tra mẫu hoặc chép lại mẫu gốc.") from exc
            path = out / DOCUMENTS[key]
            template.save(str(path))
            written.append(path)
            notes += [f"Mẫu văn bản \"{source.name}\" dùng biến \"{name}\" mà chương trình không có; chỗ đó trong "
                      f"\"{DOCUMENTS[key]}\" để trống. Đề nghị sửa mẫu hoặc điền tay trước khi trình ký."
                      for name in sorted(unknown)]
        return WriterOutput(written, tuple(notes))


def needed_templates(config: Config) -> dict[str, Path]:
    """The Word templates a run of this config renders, by document key."""
    keys = FINAL if config.round == "tong-ket" else MIDYEAR
    if config.criteria is not None:
        keys = (*keys, "bao_cao_cham_diem")
    return {key: config.templates_dir / DOCUMENT_TEMPLATES[key] for key in keys}


def _template_texts(path: Path) -> list[str]:
    """The jinja text of each part of a .docx template (body, headers, footers), read as docxtpl reads it closely
    enough to check its syntax: without XML tags (Word splits a tag over several runs) and entities, without the
    {%p / {%tr / {%tc / {%r markers, and without docxtpl's own tags (vm, hm, colspan, cellbg)."""
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = [n for n in book.namelist() if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
        if "word/document.xml" not in parts:
            raise ValueError("thiếu phần nội dung word/document.xml")
        xmls = [book.read(n).decode("utf-8") for n in parts]
    texts = []
    for xml in xmls:
        text = html.unescape(re.sub(r"<[^>]*>", "", xml)).translate(str.maketrans("“”‘’", "\"\"''"))
        text = re.sub(r"([{][{%#])(?:tr|tc|p|r) ", r"\1 ", text)
        texts.append(re.sub(r"{%-?\s*(?:vm|hm|(?:colspan|cellbg)\s[^%]*?)\s*-?%}", "", text))
    return texts


def check_templates(config: Config) -> None:
    """Before anything is read or written: each Word template the run needs exists, opens and parses. A missing or
    broken one stops the run (ConfigError) naming the file and the key; the clerk never sees a traceback."""
    import jinja2

    for path in needed_templates(config).values():
        require_path(path, "paths.templates", "mẫu văn bản Word")
        try:
            for text in _template_texts(path):
                jinja2.Environment().parse(text)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"Mẫu văn bản {path} (thư mục \"paths.templates\") có thẻ viết sai: {exc.message}. Đề nghị "
                              "mở mẫu bằng Word, sửa thẻ {{ ... }} hoặc {% ... %} cho đủ dấu đóng.") from exc
        except Exception as exc:  # a damaged zip or XML fails in many ways
            raise ConfigError(f"Không đọc được mẫu văn bản {path} (thư mục \"paths.templates\"): tệp bị hỏng hoặc không "
                              f"phải tệp Word .docx ({exc}). Đề nghị lưu lại bằng Word dưới dạng .docx hoặc chép lại mẫu "
                              "gốc từ thư mục templates của chương trình.") from exc


def _recording_undefined(seen: set[str]):
    """An Undefined that still prints blank, but remembers each top-level name the template used and the program
    does not provide: in an official document a blank must not go unnoticed."""
    import jinja2

    class Recording(jinja2.Undefined):
        __slots__ = ()

        def __init__(self, hint=None, obj=jinja2.utils.missing, name=None, exc=jinja2.exceptions.UndefinedError):
            super().__init__(hint, obj, name, exc)
            if obj is jinja2.utils.missing and name is not None:
                seen.add(name)

    return Recording


def docx_writer(config: Config) -> DocxWriter:
    return DocxWriter(config)


BLANK_FIELDS = (("signer_name", "họ tên người ký"), ("date", "ngày ban hành"),
                ("plan_number", "số của Kế hoạch làm căn cứ"), ("plan_date", "ngày của Kế hoạch làm căn cứ"),
                ("deadline", "thời hạn các đơn vị gửi bổ sung"))


def blank_document_fields(config: Config) -> list[str]:
    """Document settings still blank in config (the office fills them before signing), as 'label (key)'."""
    d = config.documents
    return [f"{label} (documents.{key})" for key, label in BLANK_FIELDS if not getattr(d, key)]
