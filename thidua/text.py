"""Vietnamese text as people type it in Excel: normalising, matching labels, parsing values.

Nothing here knows about quotas or awards' rules; it only turns cell values into clean Python values.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Spaces Excel users paste in from Word and the web, folded into a plain space.
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\u200c\u200d\ufeff]+")
_FOLD = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)
# Icelandic eth (Ð, ð) looks like đ and is typed for it by some keyboards; in Vietnamese text it is always đ.
_FOLD.update({0x00D0: "Đ", 0x00F0: "đ"})


_FOLD_CHARS = frozenset(map(chr, _FOLD))
_ODD_SPACES = frozenset("\u00a0\u2007\u202f\u2028\u2029\u3000\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                        "\u2006\u2008\u2009\u200a\u205f\x85")


def clean(value: object) -> str:
    """A cell value as tidy text: NFC, zero-width characters removed, spaces collapsed, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():  # each step only where it has something to do: most cells need none
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        if not _FOLD_CHARS.isdisjoint(text):
            text = text.translate(_FOLD)
        if not _ODD_SPACES.isdisjoint(text):
            text = _SPACES.sub(" ", text)
    if "  " in text or "\t" in text or "\n" in text or "\r" in text or "\x0b" in text or "\x0c" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


_COMBINING = re.compile("[\u0300-\u036f]")


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks; đ becomes d."""
    if text.isascii():
        return text
    bare = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", bare).replace("đ", "d").replace("Đ", "D")


def label_key(value: object) -> str:
    """How labels are compared: NFC, case-folded, spaces collapsed, trailing colon and '(*)' ignored."""
    text = clean(value).casefold()
    text = re.sub(r"\(\*\)|\*", "", text)
    return _SPACES.sub(" ", text).strip(" :")


def loose_key(value: object) -> str:
    """label_key without diacritics, for the second matching pass."""
    return strip_diacritics(label_key(value))


class LabelIndex:
    """Spellings -> value, compared like labels: first with diacritics, then (if nothing matched) without."""

    def __init__(self, spellings: Mapping[str, object]):
        self.exact: dict[str, object] = {}
        for spelling, value in spellings.items():
            self.exact.setdefault(label_key(spelling), value)
        self.loose: dict[str, object] = {}
        for key, value in self.exact.items():
            self.loose.setdefault(strip_diacritics(key), value)

        # typed text (or ("legacy", text): read in an old font) -> what it matched: header rows repeat across files
        self.seen: dict[object, object] = {}

    def find(self, typed: object):
        if isinstance(typed, str) and typed in self.seen:
            return self.seen[typed]
        key = label_key(typed)
        found = None if not key else self.exact[key] if key in self.exact else self.loose.get(strip_diacritics(key))
        if isinstance(typed, str):
            self.seen[typed] = found
        return found


def match_label(found: object, wanted: list[str]) -> int | None:
    """Index of the wanted label equal to `found`, first with diacritics, then without."""
    return LabelIndex({w: i for i, w in enumerate(wanted)}).find(found)


class ParseError(ValueError):
    """A value that cannot be read; the message is the text as typed, for the issue to quote."""


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ParseError(text) from exc


def parse_number(value: object) -> float | None:
    """A score or count: 87.5, '87,5', '87.5', ' 90 '. Blank gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ParseError(str(value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ParseError(str(value))
        return float(value)
    text = clean(value).replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        raise ParseError(text)
    return float(text)


def parse_int(value: object) -> int | None:
    """A whole number (years, initiatives, birth year, STT)."""
    number = parse_number(value)
    if number is None:
        return None
    if not float(number).is_integer():
        raise ParseError(clean(value))
    return int(number)


_MONEY_UNITS = {
    "nghìn": 1_000, "ngàn": 1_000, "nghin": 1_000, "ngan": 1_000,
    "triệu": 1_000_000, "trieu": 1_000_000, "tr": 1_000_000,
    "tỷ": 1_000_000_000, "tỉ": 1_000_000_000, "ty": 1_000_000_000, "ti": 1_000_000_000,
}
_CURRENCY = re.compile(r"(đồng|dong|vnđ|vnd|đ)\.?$")


def parse_money(value: object) -> int | None:
    """An amount in đồng: 100000000, '100.000.000', '100,000,000', '100 000 000', '100 triệu', '0,1 tỷ'."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(round(value))
    text = clean(value).casefold()
    text = _CURRENCY.sub("", text).strip()
    if not text:
        return None
    unit = 1
    match = re.fullmatch(r"([\d.,\s]+?)\s*([^\d.,\s]+)", text)
    if match:
        if match.group(2) not in _MONEY_UNITS:
            raise ParseError(clean(value))
        text, unit = match.group(1), _MONEY_UNITS[match.group(2)]
    text = text.replace(" ", "")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text) and len(set(re.findall(r"[.,]", text))) == 1:
        number = _decimal(re.sub(r"[.,]", "", text))  # thousands separators
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", text):
        number = _decimal(text.replace(".", "").replace(",", "."))
    elif re.fullmatch(r"\d{1,3}(,\d{3})+\.\d+", text):
        number = _decimal(text.replace(",", ""))
    elif re.fullmatch(r"\d+([.,]\d+)?", text):
        number = _decimal(text.replace(",", "."))
    else:
        raise ParseError(clean(value))
    return int((number * unit).to_integral_value(rounding=ROUND_HALF_UP))


_YES = {"x", "có", "co", "đủ", "du", "1", "✓", "✔", "yes", "true", "rồi", "đã có"}


def parse_mark(value: object) -> bool:
    """A dossier tick: x, có, đủ, 1, ✓ (any case) count as present; anything else as missing."""
    if isinstance(value, bool):
        return value
    key = clean(value).casefold()
    return key in _YES


_TIME = r"(?:\s*,?\s+\d{1,2}[:h]\d{2}(?::\d{2})?(?:\.\d+)?)?"
# What may stand before a date: a place and "ngày" ("Sóc Trăng, ngày 25 tháng 11 năm 2023"), compared without
# diacritics.
_LEAD = r"(?:.*?(?:,|\bngay)\s*)?"
_DAY_FIRST = re.compile(_LEAD + r"(\d{1,2})\s*(?:[/.\-]|\s+thang\s+|\s*thang\s*)\s*(\d{1,2})\s*"
                        r"(?:[/.\-]|\s+nam\s+|\s*nam\s*)\s*(\d{4}|\d{2})" + _TIME + r"\.?")
# "25-Nov-2023", "25 Nov 2023": what an English Excel shows for a date typed in Vietnam.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})[\s\-/]*(" + "|".join(_MONTHS) + r")[a-z]*\.?[\s\-/,]*(\d{4}|\d{2})" + _TIME)
_YEAR_FIRST = re.compile(r"(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?")


def parse_date(value: object) -> dt.date | None:
    """A date as Excel stores it (date, datetime, serial number) or as people type it: "25/11/2023", "25/11/23",
    "25-11-2023", "2023-11-25", "Ngày 25 tháng 11 năm 2023", "Sóc Trăng, ngày 25/11/2023", with a time after it
    or not. Day first, as in Vietnam; "11/25/2023" is read month first only because 25 cannot be a month."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        raise ParseError(str(value))
    text = clean(value)
    key = strip_diacritics(text.casefold())
    match = _DAY_FIRST.fullmatch(key)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000  # "25/11/23": no report of this tool was written in the 1900s
        if month > 12 and day <= 12:
            day, month = month, day
    elif (named := _DAY_MONTH_NAME.fullmatch(key)) is not None:
        day, month, year = int(named.group(1)), _MONTHS.index(named.group(2)) + 1, int(named.group(3))
        year += 2000 if len(named.group(3)) == 2 else 0
    else:
        match = _YEAR_FIRST.fullmatch(key)
        if not match:
            raise ParseError(text)
        year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ParseError(text) from exc


def unit_code(value: object) -> str:
    """A unit code as text: 943.0 from Excel becomes '943'; '001' stays '001'."""
    return clean(value)


_INDEXES: dict[int, tuple[dict, LabelIndex]] = {}


def lookup(value: object, table: dict[str, str]) -> str | None:
    """Map a typed value to a code through a table of accepted spellings (compared like labels).
    The tables are the module constants of `terms`; each is indexed once."""
    cached = _INDEXES.get(id(table))
    if cached is None or cached[0] is not table:  # an id can be reused once a table is gone
        cached = _INDEXES[id(table)] = (table, LabelIndex(table))
    return cached[1].find(value)


def safe_filename(name: str, limit: int = 120) -> str:
    """A file name built from a unit name that Windows accepts (no <>:"/\\|?*, no reserved names)."""
    text = unicodedata.normalize("NFC", name)
    text = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", text)
    text = _SPACES.sub(" ", text).strip(" .")[:limit].strip(" .")
    reserved = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
    if not text or text.split(".")[0].upper() in reserved:
        text = f"_{text}"
    return text


def fmt_number(number: float) -> str:
    """87.5 -> '87,5' (Vietnamese decimal comma); 90.0 -> '90'."""
    return f"{number:g}".replace(".", ",")


NAMES_IN_MESSAGE = 10


def name_list(names: list[str], noun: str = "đơn vị", sep: str = ", ", more: str = "") -> str:
    """'A, B, C' for a few names; past ten, the first ten and how many more (then `more`, e.g. where to find them
    all), so that a tie among thousands of units stays a message a person can read."""
    if len(names) <= NAMES_IN_MESSAGE:
        return sep.join(names)
    return f"{sep.join(names[:NAMES_IN_MESSAGE])} và {money(len(names) - NAMES_IN_MESSAGE)} {noun} khác{more}"


def money(value: int) -> str:
    """100000000 -> '100.000.000' (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def cap_first(text: str) -> str:
    """Capitalise the first letter only: 'tập thể Ban công tác Mặt trận' -> 'Tập thể Ban công tác Mặt trận'."""
    return text[:1].upper() + text[1:]


def title_case(name: str) -> str | None:
    """'LÊ THỊ  HOA ', 'hoàng văn  PHÚ' -> 'Lê Thị Hoa', 'Hoàng Văn Phú': a name as an official writes it (each
    word with its capital, the rest small, spaces collapsed); None when every word already is so. A word with a
    capital inside ("H'Hen") is left as typed: only a small first letter or a word all in capitals is mended."""
    words = name.split()
    if sum(ch.isalpha() for ch in name) < 2:
        return None

    def mended(word: str) -> str:
        letters = [ch for ch in word if ch.isalpha()]
        if word[:1].islower() or (len(letters) > 1 and all(ch.isupper() for ch in letters)):
            # Ê Đê, M'Nông and K'Ho names take a capital after the apostrophe too: "K'BRÌU" -> "K'Brìu".
            return re.sub(r"(^|['’])(\w)", lambda m: m.group(1) + m.group(2).upper(), word.lower())
        return word

    written = [mended(word) for word in words]
    return " ".join(written) if written != words else None
