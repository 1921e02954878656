"""Drafts a leadership can sign (SPEC section 9): provisional while units are missing, names and positions as an
official writes them, one achievement one Bằng khen, reasons that name their scope, no empty or false documents.

A small city of 33 communes in three clusters is built inline (tests/test_two_tier.py) and judged with the worked
example's rules.
"""

import json
import shutil

import docx
import openpyxl
import pytest
from conftest import info_rows, make_book, run_cli
from test_rules import nom, statuses, sub, with_cap
from test_two_tier import EXAMPLE, city_rows, codes_in, commune, person

from thidua.cli import ROOT
from thidua.config import load_config
from thidua.evaluate import evaluate
from thidua.registry import Registry, parse_registry


@pytest.fixture(scope="module")
def city_config():
    return load_config(EXAMPLE / "config.toml")


@pytest.fixture(scope="module")
def city() -> Registry:
    return Registry(parse_registry(city_rows()))


# ---------------------------------------------------------------- reasons name their scope

def test_an_over_quota_row_says_whose_quota_it_exceeded(config, registry, city_config, city):
    # Kế Sách: quota(13, 8) = 2 collectives cấp xã; the third is over the unit's own quota.
    rows = [nom(row=5 + i, name=n, score=s) for i, (n, s) in enumerate((("A", 90), ("B", 85), ("C", 80)))]
    result = evaluate([sub(nominations=rows)], config, registry)
    [over] = [n for n in result.nominations if n.status == "over_quota"]
    assert any("Huyện Kế Sách" in r and "chỉ tiêu 2" in r for r in over.reasons)
    a, b = codes_in(city, "Cụm A")[:2]  # quota(8, 8) = 1 place in the cluster
    result = evaluate([commune(a, [person("An", 90)]), commune(b, [person("Bình", 80)])], city_config, city)
    [over] = [n for n in result.nominations if n.status == "over_quota"]
    assert any("Cụm A: chỉ tiêu 1" in r for r in over.reasons)


def test_a_tie_at_a_pooled_cut_names_the_scope_and_the_place_and_is_no_provincial_cap(city_config, city):
    from thidua.docx_report import report_context

    a, b, c = codes_in(city, "Cụm C")[:3]  # quota(13, 8) = 2 places
    result = evaluate([commune(a, [person("An", 90)]), commune(b, [person("Bình", 88)]),
                       commune(c, [person("Cường", 88)])], city_config, city)
    held = [n for n in result.nominations if n.status == "needs_review"]
    assert len(held) == 2 and all(any("Cụm C" in r and "thứ 2" in r for r in n.reasons) for n in held)
    [tie] = [i for i in result.issues if i.code == "tie-at-cutoff" and "Bình" in str(i.params["names"])]
    assert "Cụm C" in str(tie.params["award"])
    text = "\n".join(line for s in report_context(result, city_config)["sections"] for line in s["lines"])
    assert "vượt tổng số" not in text and "Bình" in text


def test_only_a_provincial_cap_is_said_to_exceed_the_provinces_total(config, registry):
    from thidua.docx_report import report_context

    capped = with_cap(config, 1)
    rows = [nom(row=5, name="A", score=90), nom(row=6, name="B", score=85)]
    result = evaluate([sub(nominations=rows)], capped, registry)
    assert dict(statuses(result))["B"] == "needs_review"
    text = "\n".join(line for s in report_context(result, capped)["sections"] for line in s["lines"])
    assert "vượt tổng số" in text
