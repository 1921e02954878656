"""The campaign's vocabulary: codes used in code and JSON, and the Vietnamese words users see."""

from __future__ import annotations

import re
from enum import StrEnum

from .text import strip_diacritics

# Closed sets of codes. They are strings (JSON stays plain, dict lookups by the plain code work), and a typo in
# code is an AttributeError instead of a silent mismatch.

class Status(StrEnum):
    """A nomination's status, in precedence order: the first that applies wins."""
    INVALID = "invalid"
    INELIGIBLE = "ineligible"
    INCOMPLETE_DOSSIER = "incomplete_dossier"
    NEEDS_REVIEW = "needs_review"
    OVER_QUOTA = "over_quota"
    PROPOSED = "proposed"
    CANDIDATE = "candidate"  # judged valid, eligible and complete; not yet placed against its quota


class FileStatus(StrEnum):
    PROCESSED = "processed"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"
    SKIPPED = "skipped"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # for the council to know, nothing to fix: counted neither as an error nor as a warning


class Kind(StrEnum):
    COLLECTIVE = "collective"
    INDIVIDUAL = "individual"


class Level(StrEnum):
    """The level of a nominee, and of a ranking (huyen, xa, bctmt)."""
    TINH = "tinh"
    HUYEN = "huyen"
    XA = "xa"
    BCTMT = "bctmt"


AWARDS: dict[str, str] = {
    "BK_MTTQ_TINH": "Bằng khen Ủy ban MTTQ Việt Nam tỉnh",
    "BK_UBND_TINH": "Bằng khen Ủy ban nhân dân tỉnh",
    "BK_TW_MTTQ": "Bằng khen Ủy ban Trung ương MTTQ Việt Nam",
    "CO_XSTD": "Cờ thi đua xuất sắc toàn diện",
    "CO_XS": "Cờ thi đua xuất sắc",
}

# Awards a unit may list on its nomination sheets; the flags are decided from the rankings only.
NOMINATED_AWARDS = ("BK_MTTQ_TINH", "BK_UBND_TINH", "BK_TW_MTTQ")

# Other spellings seen in district workbooks, compared without case, spaces or (then) diacritics.
AWARD_SPELLINGS: dict[str, str] = {
    **{name: code for code, name in AWARDS.items()},
    **{code: code for code in AWARDS},
    "Bằng khen Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh": "BK_MTTQ_TINH",
    "Bằng khen MTTQ tỉnh": "BK_MTTQ_TINH",
    "Bằng khen UBMTTQ tỉnh": "BK_MTTQ_TINH",
    "Bằng khen UBMTTQVN tỉnh": "BK_MTTQ_TINH",
    "BK MTTQ tỉnh": "BK_MTTQ_TINH",
    "Bằng khen UBND tỉnh": "BK_UBND_TINH",
    "Bằng khen Chủ tịch UBND tỉnh": "BK_UBND_TINH",
    "Bằng khen Chủ tịch Ủy ban nhân dân tỉnh": "BK_UBND_TINH",
    "BK UBND tỉnh": "BK_UBND_TINH",
    "Bằng khen Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam": "BK_TW_MTTQ",
    "Bằng khen Trung ương MTTQ": "BK_TW_MTTQ",
    "Bằng khen UBTW MTTQ Việt Nam": "BK_TW_MTTQ",
    "Bằng khen UBTWMTTQVN": "BK_TW_MTTQ",
    "BK TW MTTQ": "BK_TW_MTTQ",
}

LEVELS: dict[str, str] = {
    "tinh": "Cấp tỉnh",
    "huyen": "Cấp huyện",
    "xa": "Cấp xã",
    "bctmt": "Ban công tác Mặt trận",
}

LEVEL_SPELLINGS: dict[str, str] = {
    **{name: code for code, name in LEVELS.items()},
    **{code: code for code in LEVELS},
    "Tỉnh": "tinh",
    "Huyện": "huyen",
    "Cấp huyện, thị xã, thành phố": "huyen",
    "Thị xã": "huyen",
    "Thành phố": "huyen",
    "Xã": "xa",
    "Cấp xã, phường, thị trấn": "xa",
    "Phường": "xa",
    "Thị trấn": "xa",
    "BCTMT": "bctmt",
    "Ban công tác Mặt trận ở khu dân cư": "bctmt",
    "Ban CTMT": "bctmt",
}

KINDS: dict[str, str] = {"collective": "Tập thể", "individual": "Cá nhân"}

# "Loại khen" of Bằng khen UBND tỉnh: hàng năm (công trạng), theo đợt (chuyên đề), đột xuất.
MERIT_TYPES: dict[str, str] = {
    "cong-trang": "Công trạng",
    "chuyen-de": "Chuyên đề",
    "dot-xuat": "Đột xuất",
}
MERIT_SPELLINGS: dict[str, str] = {
    **{name: code for code, name in MERIT_TYPES.items()},
    **{code: code for code in MERIT_TYPES},
    "Hàng năm": "cong-trang",
    "Theo đợt": "chuyen-de",
}

UNIT_TYPES = ("Xã", "Phường", "Thị trấn")
UNIT_TYPE_SPELLINGS: dict[str, str] = {t: t for t in UNIT_TYPES}
GENDER_SPELLINGS: dict[str, str] = {"Nam": "Nam", "Nữ": "Nữ"}

STATUSES: dict[str, str] = {
    "invalid": "Không hợp lệ",
    "ineligible": "Chưa đủ tiêu chuẩn",
    "incomplete_dossier": "Thiếu hồ sơ",
    "needs_review": "Chờ Hội đồng xem xét",
    "over_quota": "Vượt chỉ tiêu",
    "proposed": "Đưa vào danh sách trình khen",
}
# Precedence: the first status that applies wins.
STATUS_ORDER = tuple(STATUSES)

FILE_STATUSES: dict[str, str] = {
    "processed": "Đã xử lý",
    "superseded": "Bị thay thế",
    "rejected": "Bị từ chối",
    "skipped": "Bỏ qua",
}

ROUNDS: dict[str, str] = {"so-ket": "Sơ kết", "tong-ket": "Tổng kết"}
ROUND_SPELLINGS: dict[str, str] = {
    **{name: code for code, name in ROUNDS.items()},
    **{code: code for code in ROUNDS},
    "Sơ kết 6 tháng": "so-ket",
    "6 tháng": "so-ket",
    "Tổng kết năm": "tong-ket",
    "Cả năm": "tong-ket",
}

RANKINGS: dict[str, str] = {
    "huyen": "Ủy ban MTTQ cấp huyện",
    "xa": "Ủy ban MTTQ cấp xã",
    "bctmt": "Ban công tác Mặt trận",
}

SEVERITIES: dict[str, str] = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}


# The level inside a sentence: "tập thể cấp xã", "cá nhân Ban công tác Mặt trận".
LEVEL_PHRASES: dict[str, str] = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã", "bctmt": "Ban công tác Mặt trận"}


def award_name(code: str) -> str:
    return AWARDS.get(code, code)


def level_name(code: str | None) -> str:
    return LEVELS.get(code or "", code or "")


def level_phrase(code: str | None) -> str:
    return LEVEL_PHRASES.get(code or "", code or "")


def describe(kind: str, level: str | None) -> str:
    """'tập thể cấp xã', 'cá nhân Ban công tác Mặt trận'."""
    return f"{KINDS[kind].lower()} {level_phrase(level)}"


# ---------------------------------------------------------------- naming committees and positions

FRONT = "Ủy ban MTTQ Việt Nam"
BCTMT_PREFIX = "Ban công tác Mặt trận"
# Unit types that open a place name ("Huyện Mỹ Tú", "Thị trấn Kế Sách"); longest first.
PLACE_TYPES = ("Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")
_PLACE_OPENINGS = tuple(kind.casefold() + " " for kind in PLACE_TYPES)


def in_sentence(place: str) -> str:
    """'Thị trấn Kế Sách' -> 'thị trấn Kế Sách' inside a sentence; a numbered unit keeps its capital ('Phường 5')."""
    folded = place.casefold()
    for kind, opening in zip(PLACE_TYPES, _PLACE_OPENINGS):
        if folded.startswith(opening):
            rest = place[len(kind) + 1:]
            return place if rest[:1].isdigit() else f"{kind.lower()} {rest}"
    return place


def committee_name(place: str, unit_type: str = "") -> str:
    """The committee the plan awards, not the place: 'Phường 5' -> 'Ủy ban MTTQ Việt Nam Phường 5',
    'An Hiệp' (Loại đơn vị: Xã) -> 'Ủy ban MTTQ Việt Nam xã An Hiệp'. A name that already names a committee stays."""
    place = " ".join(place.split())
    folded = place.casefold()
    if folded.startswith(("ủy ban", "uỷ ban", "ubmttq")):
        return place
    if not folded.startswith(_PLACE_OPENINGS) and unit_type:
        place = f"{unit_type} {place}"
    return f"{FRONT} {in_sentence(place)}"


# Kinds of residential area a Ban công tác Mặt trận is named after; longest first.
HAMLET_TYPES = ("Tổ dân phố", "Khu dân cư", "Khu phố", "Khu vực", "Thôn", "Khóm", "Xóm", "Bản", "Buôn", "Làng",
                "Sóc", "Plei", "Phum", "Ấp", "Tổ")


def bctmt_name(name: str) -> str:
    """'ấp Sóc Xoài' -> 'Ban công tác Mặt trận ấp Sóc Xoài'; 'Thôn Lai Bình' -> 'Ban công tác Mặt trận thôn Lai
    Bình' (the kind of place in lower case inside the name, a numbered one kept: 'Ấp 5'); a full name stays."""
    name = " ".join(name.split())
    if name.casefold().startswith(BCTMT_PREFIX.casefold()):
        return name
    for kind in HAMLET_TYPES:
        rest = name[len(kind) + 1:]
        if name.casefold().startswith(kind.casefold() + " ") and not rest[:1].isdigit():
            name = f"{kind.lower()} {rest}"
            break
    return f"{BCTMT_PREFIX} {name}"


def _words(text: str) -> str:
    """Compared as words: case, diacritics and spacing aside."""
    return " ".join(strip_diacritics(text.casefold()).split())


def place_of(committee: str) -> str:
    """'Ủy ban MTTQ Việt Nam xã Vĩnh Hoàng' -> 'vinh hoang': the place a committee's name ends with, as words."""
    words = _words(committee)
    for opening in (_words(FRONT), "uy ban mat tran to quoc viet nam", "ubmttq"):
        if words.startswith(opening + " "):
            words = words[len(opening) + 1:]
            break
    for kind in PLACE_TYPES:
        if words.startswith(_words(kind) + " "):
            return words[len(_words(kind)) + 1:]
    return words


# The committee as clerks shorten it ("UBMTTQ", "UB MTTQ", "MTTQ", "Ủy ban Mặt trận Tổ quốc"), as words.
_COMMITTEE = re.compile(r"\b(?:(?:uy ban|ub) )?(?:mttq|mat tran to quoc)(?: viet nam)?\b|\bubmttq(?: viet nam)?\b")


# The same spellings opening a name as typed ("UB MTTQ xã Sơn Vĩ"), to cut the committee off a Đơn vị công tác.
_COMMITTEE_OPENING = re.compile(r"(?:(?:[UỦ]y ban|Uỷ ban|UB)\s*)?(?:MTTQ|Mặt trận Tổ quốc)(?:\s+Việt Nam)?(?=\s|$)",
                                re.IGNORECASE)


def _committee_words(text: str) -> str:
    """_words with every spelling of the committee made one ('uy ban mttq viet nam')."""
    return _COMMITTEE.sub(_words(FRONT), _words(text))


def repeats_workplace(position: str, workplace: str, committee: str = "") -> bool:
    """Whether a Chức vụ already ends with the Đơn vị công tác ('Chủ tịch Ủy ban MTTQ Việt Nam xã Vĩnh Hoàng' +
    'Ủy ban MTTQ Việt Nam xã Vĩnh Hoàng', or 'Chủ tịch UBMTTQ xã Sơn Vĩ' + 'UB MTTQ xã Sơn Vĩ'), or with the
    submitting committee's own name while the Đơn vị công tác names the same place ('Phó Chủ tịch Ủy ban MTTQ
    Việt Nam xã Số 1' + 'Xã Số 1')."""
    said, where = _committee_words(position), _committee_words(workplace)
    if not (said and where):
        return False
    if said == where or said.endswith(" " + where):
        return True
    own = _committee_words(committee)
    place = place_of(committee) if own else ""
    return bool(place) and said.endswith(" " + own) and (where == place or where.endswith(" " + place))


def with_commune(name: str, commune: str) -> str:
    """'Ban công tác Mặt trận thôn Lai Bình' + 'Xã Bến Quan' -> 'Ban công tác Mặt trận thôn Lai Bình, xã Bến Quan':
    a Ban công tác Mặt trận in a formal list says its commune; a name that already says it stays."""
    if not commune or f" {_words(in_sentence(commune))} " in f" {_words(name)} ":
        return name
    return f"{name}, {in_sentence(commune)}"


def position_phrase(position: str, workplace: str, committee: str = "") -> str:
    """Chức vụ and đơn vị in one phrase, as a list of awards writes them: 'Phó Chủ tịch' + 'Ủy ban MTTQ Việt Nam
    huyện Kế Sách' -> 'Phó Chủ tịch Ủy ban MTTQ Việt Nam huyện Kế Sách'. What both name is said once:
    ('Chủ tịch Ủy ban MTTQ Việt Nam', 'Ủy ban MTTQ Việt Nam thị xã Vĩnh Châu') -> 'Chủ tịch Ủy ban MTTQ Việt Nam
    thị xã Vĩnh Châu'; ('Trưởng ban', 'Ban công tác Mặt trận ấp Sóc Xoài') -> 'Trưởng Ban công tác Mặt trận ấp
    Sóc Xoài'."""
    position, workplace = " ".join(position.split()), " ".join(workplace.split())
    if not (position and workplace):
        return position or workplace
    if repeats_workplace(position, workplace, committee):
        return position
    for body in (FRONT, "Ủy ban Mặt trận Tổ quốc Việt Nam", BCTMT_PREFIX):
        if position.casefold().endswith(body.casefold()) and workplace.casefold().startswith(body.casefold()):
            return f"{position} {in_sentence(workplace[len(body):].strip())}".strip()
    opening = _COMMITTEE_OPENING.match(workplace)
    if opening and _committee_words(position).endswith(_words(FRONT)):  # "Chủ tịch UBMTTQ" + "UB MTTQ xã Sơn Vĩ"
        return f"{position} {in_sentence(workplace[opening.end():].strip())}".strip()
    head, _, last = position.rpartition(" ")
    if last.casefold() == workplace.split()[0].casefold():  # "Trưởng ban" + "Ban công tác ..."
        return f"{head} {workplace}".strip()
    return f"{position} {workplace}"


# ---------------------------------------------------------------- a result while units are missing

def provisional_title(reported: int, total: int) -> str:
    return f"KẾT QUẢ TẠM THỜI ({reported}/{total} đơn vị đã gửi báo cáo)"


def provisional_scope(reported: int, total: int, whose: str) -> str:
    """'(tạm thời, 2/8 đơn vị của cụm đã báo cáo)': what a claimed place adds while its scope is incomplete."""
    return f"(tạm thời, {reported}/{total} đơn vị của {whose} đã báo cáo)"
