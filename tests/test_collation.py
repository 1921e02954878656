"""The pure-Python Vietnamese order (used where pyicu-wheels has no wheel) agrees with ICU's `vi` collation."""

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thidua import collation

icu = pytest.importorskip("icu", reason="ICU is the reference: pyicu-wheels, on Windows and Linux, CPython 3.10-3.14")
COLLATOR = icu.Collator.createInstance(icu.Locale("vi"))

BASES = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
TONE_MARKS = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
VOWELS = set("aăâeêioôơuưy")


@st.composite
def syllables(draw):
    letters = draw(st.lists(st.sampled_from(BASES), min_size=1, max_size=5))
    text = "".join(letters)
    vowel_at = [i for i, ch in enumerate(text) if ch in VOWELS]
    if vowel_at:  # one tone mark, on a vowel, as Vietnamese writes it
        i = draw(st.sampled_from(vowel_at))
        text = text[:i + 1] + draw(st.sampled_from(TONE_MARKS)) + text[i + 1:]
    text = unicodedata.normalize("NFC", text)
    return text.capitalize() if draw(st.booleans()) else text


names = st.lists(syllables(), min_size=1, max_size=4).map(" ".join)


def icu_person_key(full_name: str) -> tuple:
    return (COLLATOR.getSortKey(collation.given_name(full_name)), COLLATOR.getSortKey(full_name))


@settings(max_examples=500, deadline=None)
@given(st.lists(names, min_size=2, max_size=12))
def test_the_fallback_orders_vietnamese_names_as_icu_does(batch):
    assert sorted(batch, key=collation.fallback_person_key) == sorted(batch, key=icu_person_key)


def test_known_names_in_the_order_an_office_expects():
    names = ["Lê Anh", "Lê Ảnh", "Lê Ánh", "Lê Ăn", "Lê Ân", "Đặng Văn An", "Dương Thị Ba", "Thạch Thị Sà Rây",
             "Sơn Thị Sa Phia", "Nguyễn Văn Ơn", "Trần Thị Ơ", "Lý Văn Út", "Kim Sóc", "Trần Ngọc Yến"]
    assert sorted(names, key=collation.fallback_person_key) == sorted(names, key=icu_person_key)


def test_where_icu_is_installed_the_documents_are_ordered_by_it():
    assert collation.sort_key("Nguyễn Thị Ánh") == COLLATOR.getSortKey("Nguyễn Thị Ánh")


def test_without_a_loadable_icu_the_documents_use_the_fallback(monkeypatch):
    # On Windows the wheel's ICU DLLs need MSVCP140.dll (Visual C++ runtime); where it is missing, `import icu`
    # raises ImportError ("DLL load failed"), as it does where the package is not installed at all.
    monkeypatch.setitem(sys.modules, "icu", None)
    assert collation._key.__wrapped__() is collation._fallback_key
