"""Sending that never sends twice or loses a message (issue 21, points 1-6; issue 20, the e-mail points).

The SMTP server is a real one on 127.0.0.1 (aiosmtpd) that can hold its reply to DATA, hang up, and answer
late on purpose; the races and the kills use real processes.
"""

from __future__ import annotations

import os
from pathlib import Path

from thidua.names import RESULT_JSON, feedback_file_names, latest_run
from thidua.registry import Unit


def _unit(code: str, name: str) -> Unit:
    return Unit(code, name, "huyen", "", 1, 1, "")


# ---------------------------------------------------------------- file names (points 5 and 6)

def test_a_code_fallback_that_meets_another_units_name_gets_a_name_of_its_own():
    units = [_unit("1", "Huyện A"), _unit("9", "Huyện A (2)"), _unit("2", "Huyện A")]
    names = feedback_file_names(units)
    assert len({n.casefold() for n in names.values()}) == 3


def test_names_cut_at_120_characters_keep_the_code_that_tells_them_apart():
    long = "Huyện " + "Rất Dài " * 30
    units = [_unit("941", long + "Một"), _unit("942", long + "Hai"), _unit("943", long + "Ba")]
    names = feedback_file_names(units)
    assert len({n.casefold() for n in names.values()}) == 3
    assert "942" in names["942"] and "943" in names["943"]
    assert all(len(n) <= len("Phản hồi - .xlsx") + 120 for n in names.values())


def _run_folder(output: Path, name: str, stamp: float) -> Path:
    folder = output / name
    folder.mkdir(parents=True)
    (folder / RESULT_JSON).write_text("{}", encoding="utf-8")
    os.utime(folder / RESULT_JSON, (stamp, stamp))
    return folder


def test_latest_run_takes_the_tenth_run_of_a_minute_after_the_ninth(tmp_path):
    for n, name in enumerate(["2023-12-05_1430", *(f"2023-12-05_1430_{i}" for i in range(2, 11))]):
        _run_folder(tmp_path, name, 1_700_000_000 + n)
    _run_folder(tmp_path, "2023-12-04_0900", 1_600_000_000)
    assert latest_run(tmp_path).name == "2023-12-05_1430_10"


def test_latest_run_of_a_later_minute_wins_over_any_suffix(tmp_path):
    _run_folder(tmp_path, "2023-12-05_1430_12", 1_700_000_000)
    _run_folder(tmp_path, "2023-12-05_1431", 1_700_000_100)
    assert latest_run(tmp_path).name == "2023-12-05_1431"
