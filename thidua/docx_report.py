"""The Word documents of a run (VanBan/), rendered from templates/*.docx with docxtpl from the Result.

Nothing is decided here: lists, counts and statuses come from the Result; this module only groups,
orders (Vietnamese alphabetical order for people) and words them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from num2words import num2words

from . import terms
from .collation import person_key, sort_key
from .config import Config
from .names import DOCS_DIR, DOCUMENT_TEMPLATES, DOCUMENTS
from .registry import Unit
from .result import Nomination, Recipient, Result
from .terms import FileStatus, Kind, Status
from .text import cap_first, fmt_number, money

FINAL = ("to_trinh_ubnd", "to_trinh_tw", "quyet_dinh", "bao_cao_tong_ket", "bien_ban")
MIDYEAR = ("bao_cao_so_ket",)


def in_words(n: int, noun: str) -> str:
    """36 -> '36 (ba mươi sáu) tập thể'; below ten with a leading zero: '03 (ba) cá nhân'."""
    return f"{n:02d} ({num2words(n, lang='vi')}) {noun}"


DOTS = "…"
SIGNER_DOTS = "……………………………"


def vietnamese_date(day: dt.date, place: str = "") -> str:
    """'Sóc Trăng, ngày 05 tháng 12 năm 2023': day below 10 and months 1-2 with a leading zero (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text


def blank_date(year: int, place: str = "") -> str:
    """The date line the văn thư fills in on signing: 'Sóc Trăng, ngày … tháng … năm 2023'."""
    text = f"ngày {DOTS} tháng {DOTS} năm {year}"
    return f"{place}, {text}" if place else text


# ---------------------------------------------------------------- rows

def _units(result: Result) -> dict[str, Unit]:
    return {u.code: u for u in result.units}


def _short(units: dict[str, Unit], code: str) -> str:
    return units[code].short_name if code in units else code


def _item_row(item: Recipient, units: dict[str, Unit]) -> dict:
    if item.ranked is not None:
        r = item.ranked
        # A district committee is named in full, as the registry has it: "Ủy ban MTTQ Việt Nam huyện Mỹ Tú".
        name = units[r.unit_code].name if r.ranking == "huyen" and r.unit_code in units else r.name
        return {"name": name, "unit": _short(units, r.unit_code), "score": fmt_number(r.score),
                "summary": f"Xếp hạng {r.rank} toàn tỉnh ({terms.RANKINGS[r.ranking]}), "
                           f"đạt {fmt_number(r.score)} điểm."}
    n = _nomination(item)
    return {"name": n.name, "position": ", ".join(x for x in (n.position, n.workplace) if x),
            "unit": _short(units, n.unit_code),
            "score": fmt_number(n.score) if n.score is not None else "",
            "summary": n.summary + (f" Giá trị đóng góp: {money(n.contribution)} đồng." if n.contribution else "")}


def _nomination(item: Recipient) -> Nomination:
    assert item.nomination is not None
    return item.nomination


def _group(title: str, items: list[Recipient], units: dict[str, Unit], note: Callable | None = None) -> dict | None:
    """A titled, numbered list (None when empty); people get the họ và tên / chức vụ layout when the list is
    only people; `note(item)` fills the list's "Ghi chú" column where it has one."""
    rows = []
    for stt, item in enumerate(_ordered(items), 1):
        rows.append({**_item_row(item, units), "stt": stt, **({"note": note(item)} if note else {})})
    people = all(not i.is_ranked and i.kind == Kind.INDIVIDUAL for i in items)
    return {"title": title, "rows": rows, "people": people} if rows else None


ROMAN = ("I", "II", "III", "IV", "V", "VI")


def _parts(*parts: tuple[str, list]) -> list[dict]:
    """Parts of a danh sách that have rows, numbered I., II., ..."""
    kept = [(title, groups) for title, groups in parts if groups]
    return [{"title": f"{ROMAN[i]}. {title}", "groups": groups} for i, (title, groups) in enumerate(kept)]


def _numbered(titles_items, units: dict[str, Unit]) -> list:
    """Give sub-groups that have rows the numbers 1., 2., ... in order."""
    out, k = [], 0
    for title, items in titles_items:
        group = _group(title, items, units)
        if group:
            k += 1
            group["title"] = f"{k}. {group['title']}"
            out.append(group)
    return out


# ---------------------------------------------------------------- contexts

def _common(result: Result, config: Config) -> dict:
    """What every document shares. The plan names no signer and no date: blank settings stay blank on paper."""
    d = config.documents
    when = d.date
    return {
        "issuer_parent": d.issuer_parent, "issuer": d.issuer, "on_behalf": d.on_behalf,
        "signer_title": d.signer_title, "signer_name": d.signer_name or SIGNER_DOTS,
        "proposal_symbol": d.proposal_symbol, "decision_symbol": d.decision_symbol, "report_symbol": d.report_symbol,
        "minutes_symbol": d.minutes_symbol,
        "place_date": vietnamese_date(when, config.place) if when else blank_date(result.year, config.place),
        "short_date": when.strftime("%d/%m/%Y") if when else f"{DOTS}/{DOTS}/{result.year}",
        "province_name": result.province_name, "province_name_upper": result.province_name.upper(),
        "province_short": config.province_short_name, "plan_reference": d.plan_reference, "year": result.year,
    }


def _merit_groups(items, units) -> list:
    return _numbered([(f"Khen thưởng {terms.MERIT_TYPES[m].lower()}",
                       [n for n in items if _nomination(n).merit_type == m])
                      for m in terms.MERIT_TYPES], units)


def ubnd_context(result: Result) -> dict:
    units = _units(result)
    proposed = result.recipients("BK_UBND_TINH")
    groups_ = [n for n in proposed if n.kind == Kind.COLLECTIVE]
    people = [n for n in proposed if n.kind == Kind.INDIVIDUAL]
    parts = _parts(("TẬP THỂ", _merit_groups(groups_, units)), ("CÁ NHÂN", _merit_groups(people, units)))
    lines = [f"{in_words(len(groups_), 'tập thể')};", f"{in_words(len(people), 'cá nhân')}."]
    return {"parts": parts, "summary_lines": lines,
            "total_text": in_words(len(groups_) + len(people), "tập thể, cá nhân"),
            "recipients": ["Như trên", "Ban Thi đua - Khen thưởng tỉnh", "Thường trực Ủy ban MTTQ Việt Nam tỉnh", "Lưu VT"]}


def tw_context(result: Result) -> dict:
    units = _units(result)
    award = "BK_TW_MTTQ"
    collectives = result.recipients(award, Kind.COLLECTIVE)
    people = result.recipients(award, Kind.INDIVIDUAL)

    def ranked(level: str) -> list[Recipient]:
        return [r for r in collectives if r.is_ranked and r.level == level]

    groups = _numbered([("Ủy ban MTTQ Việt Nam cấp huyện", ranked("huyen")),
                        ("Ủy ban MTTQ Việt Nam cấp xã", ranked("xa")),
                        ("Ban công tác Mặt trận ở khu dân cư", ranked("bctmt")),
                        *[(f"Tập thể {terms.level_phrase(level)}",
                           [n for n in collectives if not n.is_ranked and n.level == level])
                          for level in terms.LEVELS]], units)
    people_groups = _numbered([(cap_first(terms.level_phrase(level)), [n for n in people if n.level == level])
                               for level in terms.LEVELS], units)
    parts = _parts(("TẬP THỂ", groups), ("CÁ NHÂN", people_groups))
    return {"parts": parts, "summary_lines": [f"{in_words(len(collectives), 'tập thể')};",
                                              f"{in_words(len(people), 'cá nhân')}."],
            "total_text": in_words(len(collectives) + len(people), "tập thể, cá nhân"),
            "recipients": ["Như trên", "Ban Thi đua - Khen thưởng Ủy ban Trung ương MTTQ Việt Nam",
                           "Thường trực Ủy ban MTTQ Việt Nam tỉnh", "Lưu VT"]}


FLAGS = ("CO_XSTD", "CO_XS")


def decision_context(result: Result) -> dict:
    units = _units(result)
    flags = {code: result.recipients(code, rankings=("huyen",)) for code in FLAGS}
    bk = result.recipients("BK_MTTQ_TINH", rankings=("huyen",))
    bk_ranked = [r for r in bk if r.is_ranked]
    collectives = [n for n in bk if not n.is_ranked and n.kind == Kind.COLLECTIVE]
    people = [n for n in bk if n.kind == Kind.INDIVIDUAL]
    flag_groups = _numbered([(terms.AWARDS[c], flags[c]) for c in FLAGS], units)
    collective_groups = _numbered(
        [("Ủy ban MTTQ Việt Nam cấp huyện", bk_ranked)] +
        [(f"Tập thể {terms.level_phrase(level)}", [n for n in collectives if n.level == level]) for level in terms.LEVELS],
        units)
    people_groups = _numbered([(f"Cá nhân {terms.level_phrase(level)}", [n for n in people if n.level == level])
                               for level in terms.LEVELS], units)
    parts = _parts(("CỜ THI ĐUA", flag_groups), ("BẰNG KHEN - TẬP THỂ", collective_groups),
                   ("BẰNG KHEN - CÁ NHÂN", people_groups))
    n_flags = sum(len(v) for v in flags.values())
    n_groups, n_people = len(collectives) + len(bk_ranked), len(people)
    articles = []
    if n_flags:
        names = "; ".join(f"{terms.AWARDS[c]}: {', '.join(r.name for r in flags[c])}" for c in flags if flags[c])
        articles.append(f"Điều 1. Tặng Cờ thi đua của {result.province_name} cho {in_words(n_flags, 'đơn vị')} "
                        f"có thành tích xuất sắc trong phong trào thi đua năm {result.year} ({names}).")
    articles.append(f"Điều {len(articles) + 1}. Tặng Bằng khen của {result.province_name} cho "
                    f"{in_words(n_groups, 'tập thể')} và {in_words(n_people, 'cá nhân')} đã có thành tích xuất sắc "
                    f"trong phong trào thi đua năm {result.year} (có danh sách kèm theo).")
    articles.append(f"Điều {len(articles) + 1}. Chánh Văn phòng {result.province_name}, các tập thể, cá nhân có tên "
                    f"tại Điều 1{' và Điều 2' if n_flags else ''} chịu trách nhiệm thi hành Quyết định này. "
                    f"Quyết định có hiệu lực kể từ ngày ký./.")
    return {"parts": parts, "articles": articles,
            "recipients": ["Như Điều " + str(len(articles)), "Thường trực Ủy ban MTTQ Việt Nam tỉnh", "Lưu VT"]}


def _unit_table(result: Result, todo: Callable[[str], str] | None = None) -> list[dict]:
    ranked = {r.unit_code: r for r in result.rankings.get("huyen", ())}
    rows = []
    for unit in (u for u in result.units if u.cap == "huyen"):
        r = ranked.get(unit.code)
        mine = result.for_unit(unit.code).nominations
        row: dict[str, Any] = {"name": unit.short_name, "score": fmt_number(r.score) if r else "—", "rank": r.rank if r else "—",
               "submitted": len(mine), "proposed": sum(n.status == Status.PROPOSED for n in mine),
               "held": sum(n.status in (Status.OVER_QUOTA, Status.NEEDS_REVIEW) for n in mine)}
        if todo:
            row["todo"] = todo(unit.code)
        rows.append(row)
    rows.sort(key=lambda x: (x["rank"] if isinstance(x["rank"], int) else 10**6, sort_key(x["name"])))
    for stt, row in enumerate(rows, 1):
        row["stt"] = stt
    return rows


def _intake_lines(result: Result) -> list[str]:
    count = result.input_counts
    received = {i.unit_code for i in result.inputs if i.status == FileStatus.PROCESSED}
    missing = [u.short_name for u in result.units if u.code not in received]
    lines = [f"Văn phòng đã nhận và tổng hợp {in_words(count['processed'], 'báo cáo')} của "
             f"{in_words(len(received), 'đơn vị')}."]
    if count["superseded"]:
        lines.append(f"{in_words(count['superseded'], 'tệp')} được thay bằng bản gửi sau của cùng đơn vị.")
    if count["rejected"]:
        lines.append(f"{in_words(count['rejected'], 'tệp')} không tổng hợp được (sai năm, sai mã đơn vị hoặc "
                     f"không đọc được); các đơn vị đã được thông báo để gửi lại.")
    if missing:
        lines.append("Chưa nhận được báo cáo của: " + ", ".join(missing) + ".")
    return lines


def _review_lines(result: Result) -> list[str]:
    lines = []
    for ranking, units in result.rankings.items():
        held = [r for r in units if r.needs_review]
        for award in sorted({a for r in held for a in r.needs_review}):
            names = ", ".join(f"{r.name} ({fmt_number(r.score)} điểm)" for r in held if award in r.needs_review)
            lines.append(f"{terms.award_name(award)} ({terms.RANKINGS[ranking]}): các đơn vị bằng điểm tại ngưỡng "
                         f"xét: {names}. Đề nghị Hội đồng xem xét, quyết định.")
    capped = result.with_status(Status.NEEDS_REVIEW)
    if capped:
        lines.append(f"{in_words(len(capped), 'trường hợp')} vượt tổng số của tỉnh, chờ Hội đồng xem xét.")
    incomplete = result.with_status(Status.INCOMPLETE_DOSSIER)
    if incomplete:
        lines.append(f"{in_words(len(incomplete), 'trường hợp')} còn thiếu hồ sơ, chưa tính vào chỉ tiêu.")
    for cap in result.caps:
        if cap.unused:
            reserve = ", ".join(n.name for n in cap.reserve)
            lines.append(f"{cap_first(terms.describe(cap.kind, cap.level))} - {terms.award_name(cap.award)}: "
                         f"còn {in_words(cap.unused, 'suất')}" + (f"; danh sách dự phòng: {reserve}." if reserve else "."))
    return lines or ["Không có nội dung cần Hội đồng xem xét thêm."]


def _stats_lines(result: Result) -> list[str]:
    people = [n for n in result.nominations if n.status == Status.PROPOSED and n.kind == "individual"]
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
    lines = []
    for code in FLAGS:
        names = [r.name for r in result.recipients(code, rankings=("huyen",))]
        if names:
            lines.append(f"{terms.AWARDS[code]}: {', '.join(names)}.")
    for award in terms.NOMINATED_AWARDS:
        holders = result.recipients(award)
        groups = sum(r.kind == Kind.COLLECTIVE for r in holders)
        people = sum(r.kind == Kind.INDIVIDUAL for r in holders)
        if groups or people:
            lines.append(f"{terms.AWARDS[award]}: {in_words(groups, 'tập thể')}, {in_words(people, 'cá nhân')}.")
    return lines


def _dossier_lines(result: Result) -> list[str]:
    """Plan 5.2: winners by ranking still send tờ trình, biên bản and báo cáo thành tích (a to-do, not a status)."""
    units = _units(result)
    lines = []
    for r in result.dossiers_to_collect():
        name = units[r.unit_code].name if r.ranking == "huyen" and r.unit_code in units else r.name
        where = "" if r.ranking == "huyen" else f" ({_short(units, r.unit_code)})"
        lines.append(f"{name}{where} - {_names(r.awards)}: {', '.join(r.dossier_to_collect).lower()}.")
    return lines or ["Không có."]


def _priority_lines(result: Result) -> list[str]:
    area = result.stats.get("priority_area")
    if not area:
        return []
    return [f"Vùng có đông đồng bào dân tộc thiểu số, vùng sâu, vùng xa ({in_words(len(area['units']), 'đơn vị')}): "
            f"{area['proposed']}/{area['proposed_total']} trường hợp được đề nghị khen thưởng và "
            f"{area['ranked_awards']}/{area['ranked_awards_total']} hình thức khen theo kết quả xếp hạng."]


def report_context(result: Result) -> dict:
    sections = [
        {"title": "I. TÌNH HÌNH NHẬN BÁO CÁO", "lines": _intake_lines(result)},
        {"title": "II. CỜ THI ĐUA VÀ BẰNG KHEN", "lines": _awards_lines(result)},
        {"title": "III. NỘI DUNG CẦN HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG XEM XÉT", "lines": _review_lines(result)},
        {"title": "IV. HỒ SƠ CẦN THU CỦA CÁC ĐƠN VỊ ĐƯỢC KHEN THEO KẾT QUẢ XẾP HẠNG",
         "lines": _dossier_lines(result)},
        {"title": "V. THỐNG KÊ ĐỐI TƯỢNG ĐƯỢC ĐỀ NGHỊ", "lines": _stats_lines(result) + _priority_lines(result)},
    ]
    return {"sections": sections, "units": _unit_table(result),
            "recipients": ["Ủy ban Trung ương MTTQ Việt Nam (báo cáo)", "Thường trực Tỉnh ủy, Ủy ban nhân dân tỉnh",
                           "Ban Thi đua - Khen thưởng tỉnh", "Lưu VT"]}


def minutes_context(result: Result) -> dict:
    units = _units(result)
    votes = [(terms.AWARDS[code], result.recipients(code, rankings=("huyen",))) for code in FLAGS]
    for award in terms.NOMINATED_AWARDS:
        votes.append((f"{terms.AWARDS[award]} - tập thể", result.recipients(award, Kind.COLLECTIVE)))
        votes.append((f"{terms.AWARDS[award]} - cá nhân", result.recipients(award, Kind.INDIVIDUAL)))
    votes.append(("Trường hợp Hội đồng cần quyết định", result.under_review()))
    groups = [g for g in (_group(title, items, units, _awards_note) for title, items in votes) if g]
    files = result.input_counts["processed"]
    return {"votes": groups, "review_lines": _review_lines(result), "files_text": in_words(files, "báo cáo")}


def _ordered(items: list[Recipient]) -> list[Recipient]:
    """Collectives and ranked units by score (highest first), then name; then people in alphabetical order."""
    def is_person(i: Recipient) -> bool:
        return not i.is_ranked and i.kind == Kind.INDIVIDUAL
    people = sorted((i for i in items if is_person(i)), key=lambda n: person_key(n.name))
    others = sorted((i for i in items if not is_person(i)), key=lambda i: (-(i.score or 0), sort_key(i.name)))
    return others + people


def _awards_note(item: Recipient) -> str:
    if item.ranked is not None:
        note = f"Hạng {item.ranked.rank}"
        return note + (f"; chờ xét: {_names(item.ranked.needs_review)}" if item.ranked.needs_review else "")
    n = _nomination(item)
    return "; ".join(n.reasons) if n.status != Status.PROPOSED else ""


def _names(codes) -> str:
    return ", ".join(terms.award_name(c) for c in codes)


def midyear_context(result: Result, config: Config) -> dict:
    def todo(code: str) -> str:
        summary = result.for_unit(code).summary()
        if not summary["files"]:
            return "Chưa gửi báo cáo"
        items = [text for count, text in ((summary["errors"], f"sửa {summary['errors']} lỗi"),
                                           (summary["incomplete"], f"bổ sung hồ sơ cho {summary['incomplete']} trường hợp"),
                                           (summary["over_quota"], f"rút {summary['over_quota']} đề nghị vượt chỉ tiêu"))
                 if count]
        return cap_first("; ".join(items)) if items else "Không"

    deadline = config.documents.deadline
    return {"sections": [{"title": "I. TÌNH HÌNH NHẬN BÁO CÁO", "lines": _intake_lines(result)},
                         {"title": "II. NỘI DUNG CẦN LƯU Ý", "lines": _review_lines(result)}],
            "units": _unit_table(result, todo),
            "deadline_text": f" trước ngày {deadline.strftime('%d/%m/%Y')}" if deadline else "",
            "recipients": ["Thường trực Ủy ban MTTQ Việt Nam tỉnh", "Ủy ban MTTQ Việt Nam các huyện, thị xã, thành phố",
                           "Lưu VT"]}


# ---------------------------------------------------------------- rendering

def contexts(result: Result, config: Config) -> dict[str, dict]:
    keys = FINAL if result.round == "tong-ket" else MIDYEAR
    builders = {"to_trinh_ubnd": lambda: ubnd_context(result), "to_trinh_tw": lambda: tw_context(result),
                "quyet_dinh": lambda: decision_context(result), "bao_cao_tong_ket": lambda: report_context(result),
                "bien_ban": lambda: minutes_context(result), "bao_cao_so_ket": lambda: midyear_context(result, config)}
    return {key: builders[key]() for key in keys}


class DocxWriter:
    """A writer for write_run: renders every document of the round into VanBan/. A class, not a closure, so
    that it can run in a worker process."""

    def __init__(self, config: Config):
        self.config = config

    def __call__(self, result: Result, folder: Path) -> list[Path]:
        config = self.config
        out = Path(folder) / DOCS_DIR
        out.mkdir(exist_ok=True)
        common = _common(result, config)
        written = []
        for key, context in contexts(result, config).items():
            template = DocxTemplate(str(config.templates_dir / DOCUMENT_TEMPLATES[key]))
            template.render({**common, **context}, autoescape=True)
            path = out / DOCUMENTS[key]
            template.save(str(path))
            written.append(path)
        return written


def docx_writer(config: Config) -> DocxWriter:
    return DocxWriter(config)


BLANK_FIELDS = (("signer_name", "họ tên người ký"), ("date", "ngày ban hành"),
                ("deadline", "thời hạn các đơn vị gửi bổ sung"))


def blank_document_fields(config: Config) -> list[str]:
    """Document settings still blank in config (the office fills them before signing), as 'label (key)'."""
    d = config.documents
    return [f"{label} (documents.{key})" for key, label in BLANK_FIELDS if not getattr(d, key)]
