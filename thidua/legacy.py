"""Text typed with pre-Unicode Vietnamese fonts, recognised and converted to Unicode.

Offices still open old workbooks typed with .VnTime (TCVN3, also called ABC) or VNI-Times fonts. Excel
stores such text as Windows-1252 look-alike characters ("Hä vµ tªn" for "Họ và tên"). The tables below are
built from the published code charts: TCVN3 gives each lower-case toned letter one byte (upper-case fonts
such as .VnTimeH reuse the same bytes); VNI writes a base letter followed by one or two mark bytes.
"""

from __future__ import annotations

import unicodedata
from functools import cache

VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # none, huyền, hỏi, ngã, sắc, nặng


def _toned(vowel: str, tone: int) -> str:
    return unicodedata.normalize("NFC", vowel + TONES[tone])


# ---------------------------------------------------------------- TCVN3 (ABC)

# Bytes of each vowel with tones huyền, hỏi, ngã, sắc, nặng (TCVN 5712:1993, VN3).
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9), "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB), "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6), "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4), "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE), "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9), "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_PLAIN = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
                "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE}


def _byte_char(code: int) -> str:
    """The character Excel shows for a byte typed with a legacy font (Windows-1252)."""
    return bytes([code]).decode("cp1252")


@cache
def tcvn3_table() -> dict[str, str]:
    table = {_byte_char(code): letter for letter, code in _TCVN3_PLAIN.items()}
    for vowel, codes in _TCVN3_TONED.items():
        for tone, code in enumerate(codes, start=1):
            table[_byte_char(code)] = _toned(vowel, tone)
    return table


# ---------------------------------------------------------------- VNI Windows

_VNI_TONE = {1: "ø", 2: "û", 3: "õ", 4: "ù", 5: "ï"}  # huyền, hỏi, ngã, sắc, nặng
_VNI_TONE_UPPER = {1: "Ø", 2: "Û", 3: "Õ", 4: "Ù", 5: "Ï"}
# â, ê, ô carry their circumflex and tone in one mark byte; so does ă its breve.
_VNI_CIRCUMFLEX = {0: "â", 1: "à", 2: "å", 3: "ã", 4: "á", 5: "ä"}
_VNI_CIRCUMFLEX_UPPER = {0: "Â", 1: "À", 2: "Å", 3: "Ã", 4: "Á", 5: "Ä"}
_VNI_BREVE = {0: "ê", 1: "è", 2: "ú", 3: "ü", 4: "é", 5: "ë"}
_VNI_BREVE_UPPER = {0: "Ê", 1: "È", 2: "Ú", 3: "Ü", 4: "É", 5: "Ë"}
# i and y with some tones, and ơ, ư, đ, have single bytes of their own.
_VNI_SINGLE = {"ì": "ì", "í": "í", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î", "ơ": "ô", "ư": "ö", "đ": "ñ",
               "Ì": "Ì", "Í": "Í", "Ỉ": "Æ", "Ĩ": "Ó", "Ị": "Ò", "Ỵ": "Î", "Ơ": "Ô", "Ư": "Ö", "Đ": "Ñ"}


def vni_encode_letter(letter: str) -> str:
    """One Vietnamese letter in VNI (used to build the decoding table and in tests)."""
    if letter in _VNI_SINGLE:
        return _VNI_SINGLE[letter]
    decomposed = unicodedata.normalize("NFD", letter)
    tone = next((i for i, t in enumerate(TONES) if t and t in decomposed), 0)
    base = unicodedata.normalize("NFC", decomposed.replace(TONES[tone], "") if tone else decomposed)
    upper = base.isupper()
    low = base.lower()
    if low in ("â", "ê", "ô"):
        plain = {"â": "a", "ê": "e", "ô": "o"}[low]
        return (plain.upper() if upper else plain) + (_VNI_CIRCUMFLEX_UPPER if upper else _VNI_CIRCUMFLEX)[tone]
    if low == "ă":
        return ("A" if upper else "a") + (_VNI_BREVE_UPPER if upper else _VNI_BREVE)[tone]
    if low in ("ơ", "ư"):
        head = _VNI_SINGLE[base]
        return head + ((_VNI_TONE_UPPER if upper else _VNI_TONE)[tone] if tone else "")
    if tone == 0:
        return base
    return base + (_VNI_TONE_UPPER if upper else _VNI_TONE)[tone]


def vietnamese_letters() -> list[str]:
    """Every Vietnamese letter with a diacritic, lower and upper case (134 letters)."""
    letters = []
    for vowel in VOWELS:
        for tone in range(6):
            letter = _toned(vowel, tone)
            if letter not in "aeiouy":
                letters += [letter, letter.upper()]
    return letters + ["đ", "Đ"]


@cache
def vni_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for letter in vietnamese_letters():
        encoded = vni_encode_letter(letter)
        if encoded != letter:
            table.setdefault(encoded, letter)
    return table


# ---------------------------------------------------------------- detection and conversion

@cache
def _unicode_letters() -> frozenset[str]:
    return frozenset(vietnamese_letters())


@cache
def suspicious() -> frozenset[str]:
    """Characters that legacy text contains and Vietnamese Unicode text never does."""
    chars = set(tcvn3_table()) | {ch for key in vni_table() for ch in key}
    return frozenset(ch for ch in chars if ch not in _unicode_letters() and not ch.isascii())


def decode_tcvn3(text: str) -> str:
    table = tcvn3_table()
    return "".join(table.get(ch, ch) for ch in text)


def decode_vni(text: str) -> str:
    table = vni_table()
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
        else:
            out.append(table.get(text[i], text[i]))
            i += 1
    return "".join(out)


def foreign_count(text: str) -> int:
    """How many characters are neither ASCII nor Vietnamese letters nor common punctuation."""
    letters = _unicode_letters()
    return sum(1 for ch in text if not ch.isascii() and ch not in letters and ch not in "–—‘’“”…•°")


DECODERS = {"TCVN3": decode_tcvn3, "VNI": decode_vni}


def decodings(text: str) -> dict[str, str]:
    """The clean readings of a cell that shows tell-tale legacy characters: encoding -> Unicode text.

    Empty for Unicode text. Two entries when the cell alone cannot tell (VNI "uû" and TCVN3 "û" both read
    as Vietnamese): the caller decides by what the rest of the sheet says."""
    if text.isascii():
        return {}
    if suspicious().isdisjoint(text) or not legacy_bytes(text):
        return {}
    found = {}
    for name, decode in DECODERS.items():
        decoded = decode(text)
        if decoded != text and foreign_count(decoded) == 0 and reads_better(decoded, text):
            found[name] = unicodedata.normalize("NFC", decoded)
    return found


def legacy_bytes(text: str) -> bool:
    """Whether every character could have come from a legacy font: those fonts have one byte per character,
    which Excel shows as Windows-1252 (or Latin-1) characters. "ổ", "ư", "ă" or a combining mark in a cell
    proves it is Unicode already."""
    for ch in text:
        if ord(ch) < 256:
            continue
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            return False
    return True


def reads_better(decoded: str, text: str) -> bool:
    """Strong evidence for a conversion: among the words the conversion changes (words with a letter: a lone
    "·", "×" or "®" proves nothing), more read as Vietnamese syllables after it than before. "Bühler" becomes
    no better, and "Công" / "Sóc", good Unicode, would become "Cụng" / "Súc": no better either."""
    before = after = 0
    for old, new in zip(text.split(), decoded.split()):
        if old == new or not any(ch.isalpha() for ch in old):
            continue
        before += _syllable(old)
        after += _syllable(new)
    return after > before


def encode_tcvn3(text: str) -> str:
    """Unicode -> TCVN3 look-alike characters (for tests and fixtures)."""
    inverse = {v: k for k, v in tcvn3_table().items()}
    return "".join(inverse.get(ch, inverse.get(ch.lower(), ch)) for ch in unicodedata.normalize("NFC", text))


def encode_vni(text: str) -> str:
    return "".join(vni_encode_letter(ch) for ch in unicodedata.normalize("NFC", text))


# A Vietnamese syllable: initial consonants, a vowel nucleus from this list, an allowed final consonant.
_NUCLEI = frozenset([
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu",
    "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ua", "uâ", "uê", "ui", "uô", "uơ", "ươ", "ưa",
    "ưi", "ưu", "uy", "yê", "iêu", "yêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê",
    "uyu"
])
_INITIALS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu", "b", "c", "d", "đ", "g", "h", "k",
             "l", "m", "n", "p", "q", "r", "s", "t", "v", "x")
_FINALS = ("", "c", "ch", "m", "n", "ng", "nh", "p", "t")
_BASE_VOWELS = frozenset("aăâeêioôơuưy")


def _untoned(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONES[1:]))


def plausible_words(text: str) -> int:
    """How many words read as Vietnamese syllables (tone marks aside): the better of two readings wins."""
    return sum(_syllable(raw) for raw in text.split())


_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}.,;:!?…-–—/"


def _syllable(raw: str) -> bool:
    """One word read as a Vietnamese syllable: letters only (edge punctuation aside: "3ì3" is no word), an
    initial, a known vowel nucleus, at most one tone, an allowed final."""
    core = raw.strip(_EDGE_PUNCTUATION)
    if not core or not core.isalpha():
        return False
    word = _untoned(core.lower())
    if not any(ch in _BASE_VOWELS for ch in word):
        return False
    tones = sum(1 for ch in unicodedata.normalize("NFD", core) if ch in TONES[1:])
    initial = next((i for i in _INITIALS if word.startswith(i) and len(word) > len(i)), "")
    rest = word[len(initial):]
    nucleus = ""
    while rest and rest[0] in _BASE_VOWELS:
        nucleus, rest = nucleus + rest[0], rest[1:]
    return tones <= 1 and nucleus in _NUCLEI and rest in _FINALS


def best(text: str) -> tuple[str, str] | None:
    """(Unicode text, encoding) when the cell reads clearly in one legacy encoding; None for Unicode text or
    when two readings are equally good (the caller then follows the rest of the sheet)."""
    found = decodings(text)
    if not found:
        return None
    if len(found) == 1:
        name, decoded = next(iter(found.items()))
        return decoded, name
    scored = sorted(((plausible_words(decoded), name, decoded) for name, decoded in found.items()), reverse=True)
    if scored[0][0] > scored[1][0]:
        return scored[0][2], scored[0][1]
    return None


def follow(text: str, encoding: str) -> str | None:
    """In a sheet known to be typed in `encoding`, a cell with no tell-tale character ("Caáp xaõ" in VNI) is
    converted when its reading is clean and reads as more Vietnamese words than the text as it stands."""
    if text.isascii() or not legacy_bytes(text):
        return None
    decoded = unicodedata.normalize("NFC", DECODERS[encoding](text))
    if decoded != text and foreign_count(decoded) == 0 and reads_better(decoded, text):
        return decoded
    return None


def convert_sheet(rows: list) -> tuple[list, str, list[tuple[int, int]]]:
    """Convert the cells of one sheet typed with TCVN3 or VNI fonts. The sheet votes: a cell that reads both
    ways, or that has no tell-tale character at all, follows the encoding the rest of the sheet is clearly
    typed in. Returns (rows, the dominant encoding, the (row, column) of every converted cell, in order)."""
    found: dict[tuple[int, int], tuple[dict[str, str], tuple[str, str] | None]] = {}
    votes = {"TCVN3": 0, "VNI": 0}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and not value.isascii():
                readings = decodings(value)
                if readings:
                    chosen = best(value)
                    if chosen:
                        votes[chosen[1]] += 1
                    found[(r, c)] = (readings, chosen)
    dominant = max(votes, key=lambda k: (votes[k], k == "TCVN3"))
    if not found:
        return rows, dominant, []
    rows = [list(row) for row in rows]
    converted: dict[tuple[int, int], str] = {}
    for (r, c), (readings, chosen) in found.items():
        converted[(r, c)] = chosen[0] if chosen else readings.get(dominant, next(iter(readings.values())))
    if votes[dominant] >= 2:
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) not in found and isinstance(value, str):
                    text = follow(value, dominant)
                    if text is not None:
                        converted[(r, c)] = text
    for (r, c), text in converted.items():
        original = rows[r][c]
        if dominant == "TCVN3" and text[:1].islower() and not original[:1].isascii():
            text = text[:1].upper() + text[1:]  # the capital of a .VnTimeH font is the same byte
        rows[r][c] = text
    return rows, dominant, sorted(converted)
