"""The README says what the code does: its issue-code table, its two commands, and CI runs the same tests."""

import re
import sys

from thidua.cli import ROOT
from thidua.issues import CATALOG

sys.path.insert(0, str(ROOT / "scripts"))
import readme_tables

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_issue_code_table_matches_the_catalog():
    rows = re.findall(r"^\| `([a-z-]+)` \| (Lỗi|Cảnh báo|Thông tin) \| (.+?) \|$", README, flags=re.M)
    severity = {"Lỗi": "error", "Cảnh báo": "warning", "Thông tin": "info"}
    assert {code: (severity[s], title) for code, s, title in rows} == \
        {code: (kind.severity, kind.title) for code, kind in CATALOG.items()}


def test_readme_tables_are_the_ones_the_code_prints(config):
    # The rules summary is read from config.toml: a quota or a position changed there shows here.
    for name, table in readme_tables.tables(config).items():
        assert readme_tables.between(README, name) == table, "python scripts/readme_tables.py --write"


def test_the_rules_table_names_the_provinces_own_central_committee_proposal(config):
    assert "| Tập thể cấp tỉnh | Bằng khen Ủy ban Trung ương MTTQ Việt Nam | Ủy ban MTTQ Việt Nam tỉnh | 1 | 1 |" \
        in readme_tables.rules_table(config)


INSTALL_AND_RUN = "pip install -r requirements.lock && python process.py sample && python process.py"
TESTS = "pip install -r requirements-dev.lock && python -m pytest -q"


def test_readme_has_the_install_and_test_commands_and_ci_runs_the_same():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in (INSTALL_AND_RUN, TESTS):
        assert f"```\n{command}\n```" in README
        assert f"\n{command}\n" in ci


def test_every_issue_code_is_kebab_case_with_a_message_that_says_what_to_do():
    for code, kind in CATALOG.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code)
        assert kind.severity in ("error", "warning", "info") and kind.template and kind.title
