"""The award register's rules over plain values: numbers, idempotence, revocation, names under review, bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thidua.errors import RegisterError
from thidua.register import (
    Candidate,
    Decision,
    Entry,
    awarded_last_year,
    candidates,
    next_number,
    parse_date,
    parse_number,
    record,
    revoke,
)

DAY = dt.date(2026, 12, 20)
ACHIEVEMENT = "Đã có thành tích xuất sắc trong phong trào thi đua năm {year}"


def result() -> dict:
    """A run's ket_qua.json, cut down to what the register reads."""
    units = [{"code": "92", "short_name": "Thành phố Cần Thơ"}, {"code": "31120", "short_name": "Phường Cái Khế"},
             {"code": "31232", "short_name": "Xã Vĩnh Thạnh"}]

    def nom(name, award, status, kind="individual", summary="", position="", workplace=""):
        return {"unit_code": "31120", "kind": kind, "name": name, "level": "xa", "award": award, "status": status,
                "summary": summary, "position": position, "workplace": workplace,
                "gender": "Nữ" if kind == "individual" and "Thị" in name else ("Nam" if kind == "individual" else "")}
    return {
        "year": 2026, "units": units,
        "rankings": {"xa": [
            {"unit_code": "31120", "name": "Phường Cái Khế", "committee": "Ủy ban MTTQ Việt Nam phường Cái Khế",
             "awards": ["CO_XSTD", "BK_TW_MTTQ"], "needs_review": []},
            {"unit_code": "31232", "name": "Xã Vĩnh Thạnh", "committee": "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh",
             "awards": [], "needs_review": ["CO_XS"]},
        ]},
        "nominations": [
            nom("Nguyễn Thị Ánh Tuyết", "BK_MTTQ_TINH", "proposed", summary="Vận động Quỹ \"Vì người nghèo\".",
                position="Phó Chủ tịch", workplace="Ủy ban MTTQ Việt Nam phường Cái Khế"),
            nom("Lê Văn Đức", "BK_MTTQ_TINH", "needs_review"),
            nom("Trần Văn Bé", "BK_MTTQ_TINH", "over_quota"),
            nom("Ban công tác Mặt trận khu vực 1", "BK_MTTQ_TINH", "proposed", kind="collective"),
            nom("Phạm Thị Lan", "BK_UBND_TINH", "ineligible"),
        ],
    }


def test_candidates_per_issuer_flags_first_then_groups_then_people():
    found = candidates(result(), "tinh", ACHIEVEMENT)
    assert [(c.award, c.recipient, c.under_review) for c in found] == [
        ("CO_XSTD", "Ủy ban MTTQ Việt Nam phường Cái Khế", False),
        ("CO_XS", "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh", True),
        ("BK_MTTQ_TINH", "Ban công tác Mặt trận khu vực 1", False),
        ("BK_MTTQ_TINH", "Nguyễn Thị Ánh Tuyết", False),
        ("BK_MTTQ_TINH", "Lê Văn Đức", True),
    ]
    assert found[0].achievement == "Đã có thành tích xuất sắc trong phong trào thi đua năm 2026"
    assert found[3].achievement == "Vận động Quỹ \"Vì người nghèo\"." and found[3].detail == (
        "Phó Chủ tịch Ủy ban MTTQ Việt Nam phường Cái Khế")
    assert found[2].detail == "Phường Cái Khế"
    assert (found[3].gender, found[2].gender) == ("Nữ", "")
    assert _record().entries[2].gender == "Nữ"
    assert [c.recipient for c in candidates(result(), "tw", ACHIEVEMENT)] == ["Ủy ban MTTQ Việt Nam phường Cái Khế"]
    assert candidates(result(), "ubnd", ACHIEVEMENT) == []  # ineligible is no award


def _record(entries=(), number="125/QĐ-MTTQ-BTT", issuer="tinh", include_review=False, day=DAY, again=False):
    found = candidates(result(), issuer, ACHIEVEMENT)
    return record(list(entries), found, Decision(number, day, issuer), 2026, "2026-12-01_0900", include_review,
                  again=again)


def test_register_numbers_are_sequential_and_names_under_review_are_left_out():
    done = _record()
    assert [(e.number, e.recipient) for e in done.entries] == [
        (1, "Ủy ban MTTQ Việt Nam phường Cái Khế"), (2, "Ban công tác Mặt trận khu vực 1"), (3, "Nguyễn Thị Ánh Tuyết")]
    assert {c.recipient for c in done.left_out} == {"Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh", "Lê Văn Đức"}
    assert all(e.decision_number == "125/QĐ-MTTQ-BTT" and e.decision_date == DAY for e in done.entries)


def test_include_review_records_them_too():
    done = _record(include_review=True)
    assert len(done.entries) == 5 and done.left_out == ()


def test_recording_the_same_decision_twice_changes_nothing():
    first = _record().entries
    again = _record(first)
    assert again.already and again.entries == ()
    with pytest.raises(RegisterError):  # the same number with another date is a mistake, not a repeat
        _record(first, day=dt.date(2026, 12, 21))


def test_numbers_continue_per_year_and_issuer_and_a_second_decision_skips_who_holds_the_award():
    first = _record().entries
    tw = _record(first, number="88/QĐ-MTTW-BTT", issuer="tw").entries
    assert [e.number for e in tw] == [1]  # its own sequence
    second = _record([*first, *tw], number="130/QĐ-MTTQ-BTT", include_review=True).entries
    assert [(e.number, e.recipient) for e in second] == [(4, "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh"), (5, "Lê Văn Đức")]
    assert next_number([*first, *tw, *second], 2027, "tinh") == 1


def test_revocation_is_a_new_entry_and_numbers_are_never_reused():
    first = list(_record().entries)
    done = revoke(first, 3, "Kê khai thành tích không đúng", Decision("140/QĐ-MTTQ-BTT", DAY, "tinh"), 2026)
    [rev] = done.entries
    assert (rev.number, rev.revokes, rev.recipient, rev.reason) == (4, 3, "Nguyễn Thị Ánh Tuyết",
                                                                     "Kê khai thành tích không đúng")
    assert first[2].revokes is None  # the revoked entry is untouched
    again = revoke([*first, rev], 3, "Kê khai thành tích không đúng", Decision("140/QĐ-MTTQ-BTT", DAY, "tinh"), 2026)
    assert again.already and again.entries == ()
    with pytest.raises(RegisterError):
        revoke([*first, rev], 3, "x", Decision("141/QĐ-MTTQ-BTT", DAY, "tinh"), 2026)  # revoked already
    with pytest.raises(RegisterError):
        revoke([*first, rev], 4, "x", Decision("141/QĐ-MTTQ-BTT", DAY, "tinh"), 2026)  # a revocation
    with pytest.raises(RegisterError):
        revoke(first, 9, "x", Decision("141/QĐ-MTTQ-BTT", DAY, "tinh"), 2026)  # no such entry
    with pytest.raises(RegisterError):
        revoke(first, 1, " ", Decision("141/QĐ-MTTQ-BTT", DAY, "tinh"), 2026)  # no reason
    # Revoked, the person may be recorded again by a later decision, under a new number, when the clerk says so.
    later = _record([*first, rev], number="150/QĐ-MTTQ-BTT", again=True).entries
    assert [(e.number, e.recipient) for e in later] == [(5, "Nguyễn Thị Ánh Tuyết")]


@pytest.mark.parametrize("text, expected", [("125/QĐ-MTTQ-BTT", "125/QĐ-MTTQ-BTT"),
                                            (" 125/qđ-mttq-btt ", "125/QĐ-MTTQ-BTT"), ("1234/QĐ-UBND", "1234/QĐ-UBND")])
def test_decision_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["125", "QĐ-MTTQ-BTT", "125/", "số 125/QĐ", "125/QĐ MTTQ/", "/QĐ-UBND", ""])
def test_a_malformed_decision_number_is_refused(text):
    with pytest.raises(RegisterError):
        parse_number(text)


def test_decision_dates():
    assert parse_date("20/12/2026", 2026) == DAY and parse_date("5/1/2027", 2026) == dt.date(2027, 1, 5)
    for bad in ("2026-12-20", "31/02/2026", "20/12/26", "hôm nay", "20/12/2024"):
        with pytest.raises(RegisterError):
            parse_date(bad, 2026)


def test_an_issuer_with_no_awards_or_only_names_under_review_is_refused():
    with pytest.raises(RegisterError):
        _record(issuer="ubnd")
    only_review = [Candidate("CO_XS", "collective", "xa", "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh", "31232", "Xã Vĩnh Thạnh",
                             "", "x", under_review=True)]
    with pytest.raises(RegisterError):
        record([], only_review, Decision("125/QĐ-MTTQ-BTT", DAY, "tinh"), 2026)


def test_entries_are_plain_values():
    e = _record().entries[0]
    assert isinstance(e, Entry) and e.year == 2026 and e.issuer == "tinh" and e.run == "2026-12-01_0900"


def test_the_same_decision_with_include_review_adds_only_the_names_it_left_out():
    first = _record().entries
    more = _record(first, include_review=True)
    assert [(e.number, e.recipient) for e in more.entries] == [(4, "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh"),
                                                               (5, "Lê Văn Đức")]
    assert not more.already
    assert _record([*first, *more.entries], include_review=True).already


def test_a_revoked_name_is_not_recorded_again_by_the_same_decision():
    first = list(_record().entries)
    [rev] = revoke(first, 3, "Sai tên", Decision("140/QĐ-MTTQ-BTT", DAY, "tinh"), 2026).entries
    again = _record([*first, rev])
    assert again.already and again.entries == ()


def test_awarded_last_year_names_the_entry_for_the_same_award_unit_and_name():
    from thidua.records import NominationRow
    from thidua.result import Nomination

    def nomination(name, award="BK_MTTQ_TINH", code="31120"):
        row = NominationRow("Cái Khế.xlsx", "Đề nghị cá nhân", 5, "individual", 1, name, "xa", award, None, 90.0,
                            letters={"name": "C"})
        return Nomination(row, code, "proposed")
    last = [dataclasses.replace(e, year=2025) for e in _record().entries]
    found = awarded_last_year([nomination("  nguyễn thị ánh TUYẾT "), nomination("Nguyễn Thị Ánh Tuyết", "BK_TW_MTTQ"),
                               nomination("Nguyễn Thị Ánh Tuyết", code="31150"), nomination("Lê Văn Đức")], last, 2026)
    [one] = found
    assert (one.code, one.severity, one.cell, one.unit_code) == ("awarded-last-year", "info", "C5", "31120")
    assert one.params["entry"] == 3 and one.params["year"] == 2025 and one.params["decision"] == "125/QĐ-MTTQ-BTT"
    assert awarded_last_year([nomination("Nguyễn Thị Ánh Tuyết")], last, 2027) == []  # two years back: not last year
    [rev] = revoke(last, 3, "Sai tên", Decision("140/QĐ-MTTQ-BTT", dt.date(2026, 12, 22), "tinh"), 2025).entries
    assert awarded_last_year([nomination("Nguyễn Thị Ánh Tuyết")], [*last, rev], 2026) == []  # revoked


def test_decision_numbers_start_again_each_year_so_last_years_number_is_another_decision():
    last = [dataclasses.replace(e, year=2025, decision_date=dt.date(2025, 12, 19)) for e in _record().entries]
    done = _record(last)  # 125/QĐ-MTTQ-BTT again, signed in 2026: a new decision
    assert not done.already and [e.number for e in done.entries] == [1, 2, 3]
    with pytest.raises(RegisterError):  # the same number twice in one year of signing, with another date
        _record([*last, *done.entries], day=dt.date(2026, 12, 27))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["record", "review", "revoke"]), st.sampled_from(["tinh", "tw"]),
                          st.integers(1, 12), st.integers(1, 4)), max_size=12))
def test_register_numbers_never_skip_nor_repeat_and_entries_are_never_changed(steps):
    entries: list[Entry] = []
    for action, issuer, target, decision in steps:
        number = f"{100 + decision}/QĐ-MTTQ-BTT" if issuer == "tinh" else f"{decision}/QĐ-MTTW-BTT"
        made = Decision(number, DAY, issuer)
        try:
            if action == "revoke":
                done = revoke(entries, target, "Lý do", made, 2026)
            else:
                done = record(entries, candidates(result(), issuer, ACHIEVEMENT), made, 2026, "r",
                              include_review=action == "review")
        except RegisterError:
            continue
        before = list(entries)
        entries += done.entries
        assert entries[:len(before)] == before
    for issuer in ("tinh", "tw"):
        numbers = [e.number for e in entries if e.issuer == issuer]
        assert numbers == list(range(1, len(numbers) + 1))
    live = [e.identity for e in entries if e.revokes is None
            and not any(r.revokes == e.number and r.issuer == e.issuer for r in entries)]
    assert len(live) == len(set(live))  # nobody holds the same award twice at once


def test_another_decision_that_names_nobody_new_is_refused():
    first = _record().entries
    with pytest.raises(RegisterError):  # everyone it would record holds the award already: a wrong number or date
        _record(first, number="126/QĐ-MTTQ-BTT")
    with pytest.raises(RegisterError):  # last year's number again in another year of signing
        _record(first, day=dt.date(2027, 1, 5))


def test_a_revoked_award_is_not_recorded_again_unless_the_clerk_says_so():
    first = list(_record().entries)
    [rev] = revoke(first, 3, "Sai tên", Decision("140/QĐ-MTTQ-BTT", dt.date(2027, 1, 5), "tinh"), 2026).entries
    with pytest.raises(RegisterError, match="--again"):
        _record([*first, rev], number="150/QĐ-MTTQ-BTT", day=dt.date(2027, 1, 10))
    # A decision signed before the revocation cannot give back what the revocation took away.
    with pytest.raises(RegisterError, match="140/QĐ-MTTQ-BTT"):
        _record([*first, rev], number="130/QĐ-MTTQ-BTT", day=dt.date(2026, 12, 21), again=True)
    later = _record([*first, rev], number="150/QĐ-MTTQ-BTT", day=dt.date(2027, 1, 10), again=True).entries
    assert [(e.number, e.recipient) for e in later] == [(5, "Nguyễn Thị Ánh Tuyết")]


def test_a_revocation_must_follow_the_award_and_be_another_decision():
    first = list(_record().entries)
    with pytest.raises(RegisterError, match="19/12/2026"):  # before the award was signed
        revoke(first, 3, "Sai tên", Decision("140/QĐ-MTTQ-BTT", dt.date(2026, 12, 19), "tinh"), 2026)
    with pytest.raises(RegisterError, match="125/QĐ-MTTQ-BTT"):  # the award's own decision cannot revoke it
        revoke(first, 3, "Sai tên", Decision("125/QĐ-MTTQ-BTT", DAY, "tinh"), 2026)
    assert revoke(first, 3, "Sai tên", Decision("140/QĐ-MTTQ-BTT", DAY, "tinh"), 2026).entries


def _tied() -> dict:
    """Xã Vĩnh Thạnh tied for the cluster's Cờ and, not holding it outright, for a Bằng khen too."""
    data = result()
    data["rankings"]["xa"][1]["needs_review"] = ["CO_XS", "BK_MTTQ_TINH"]
    return data


EXCLUDE = {("xa", "BK_MTTQ_TINH"): ("CO_XSTD", "CO_XS"), ("xa", "CO_XS"): ("CO_XSTD",)}


def _pick(picks, entries=(), data=None):
    found = candidates(data or _tied(), "tinh", ACHIEVEMENT)
    return record(list(entries), found, Decision("125/QĐ-MTTQ-BTT", DAY, "tinh"), 2026, "r", picks, exclude=EXCLUDE)


def test_include_review_records_only_the_names_the_council_chose_and_a_flag_holder_gets_no_bang_khen():
    done = _pick(["xã Vĩnh Thạnh"])
    added = [(e.award, e.recipient) for e in done.entries]
    assert ("CO_XS", "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh") in added
    assert ("BK_MTTQ_TINH", "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh") not in added  # exclude keeps it from a Cờ holder
    assert "Lê Văn Đức" not in {r for _, r in added}
    assert [(c.award, c.recipient) for c in done.left_out] == [("BK_MTTQ_TINH", "Lê Văn Đức")]
    # Recorded again without names: those recorded and the Bằng khen the Cờ excludes are no longer "left out".
    again = _pick((), done.entries)
    assert again.already and [c.recipient for c in again.left_out] == ["Lê Văn Đức"]


def test_include_review_names_one_award_of_a_unit_and_refuses_a_name_not_under_review():
    done = _pick(["31232:BK_MTTQ_TINH", "lê văn đức"])
    assert {(e.award, e.recipient) for e in done.entries if e.recipient != "Ủy ban MTTQ Việt Nam phường Cái Khế"} == {
        ("BK_MTTQ_TINH", "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh"), ("BK_MTTQ_TINH", "Lê Văn Đức"),
        ("BK_MTTQ_TINH", "Ban công tác Mặt trận khu vực 1"), ("BK_MTTQ_TINH", "Nguyễn Thị Ánh Tuyết")}
    assert [(c.award, c.recipient) for c in done.left_out] == [("CO_XS", "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh")]
    with pytest.raises(RegisterError, match="Trần Văn Bé"):  # over quota, not under review: the council did not see it
        _pick(["Trần Văn Bé"])
