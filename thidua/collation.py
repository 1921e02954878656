"""Vietnamese alphabetical order for name lists: by given name, then the full name.

ICU's `vi` collation where pyicu-wheels is installed (CPython 3.10-3.14 on Windows and Linux x86_64/aarch64, see
requirements.txt); elsewhere (a newer Python, macOS, other CPUs) a key built from the Vietnamese alphabet and
tone order, which orders names the same way (tests compare the two).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cache

# The Vietnamese alphabet, with the Latin letters it lacks (f, j, w, z) where ICU puts them.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Before every letter, as ICU orders them: spaces, then punctuation and symbols, then digits.
_SPACE, _SYMBOL, _DIGIT = -3_000_000, -2_000_000, -1_000_000
# Tone marks in the order ICU uses: none, huyền, hỏi, ngã, sắc, nặng.
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make a new letter (ă, â, ê, ô, ơ, ư) rather than a tone.
LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


def _fallback_key(text: str) -> tuple:
    letters: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        base = decomposed[0]
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in LETTER_MARKS)).lower()
        tone = next((TONES[m] for m in marks if m in TONES), 0)
        letters.append(_primary(letter))
        tones.append(tone)
        cases.append(1 if ch.isupper() else 0)
    return (letters, tones, cases)


def _primary(letter: str) -> int:
    position = ALPHABET.find(letter)
    if position >= 0:
        return position
    if letter.isspace():
        return _SPACE
    if letter.isdigit():
        return _DIGIT + int(unicodedata.digit(letter, 0))
    if not letter.isalpha():
        return _SYMBOL + ord(letter)
    return 100 + ord(letter)  # a letter of another script, after the Latin ones


@cache
def _key() -> Callable[[str], object]:
    """ICU's key where pyicu-wheels is installed, else the fallback; loaded on first use, so that a run loads ICU
    only in the process that sorts the documents' lists."""
    try:
        import icu  # pyicu-wheels (or PyICU built by hand: the same module)
    except ImportError:
        return _fallback_key
    return icu.Collator.createInstance(icu.Locale("vi")).getSortKey


def sort_key(text: str):
    return _key()(unicodedata.normalize("NFC", text))


def given_name(full_name: str) -> str:
    parts = full_name.split()
    return parts[-1] if parts else ""


def person_key(full_name: str) -> tuple:
    """Given name first (Vietnamese lists are ordered by tên), then the whole name."""
    return (sort_key(given_name(full_name)), sort_key(full_name))


def fallback_person_key(full_name: str) -> tuple:
    return (_fallback_key(given_name(full_name)), _fallback_key(full_name))
