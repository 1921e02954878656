"""Run last (by name): every code of the issue catalog was produced by at least one test of this session."""

from pathlib import Path

import pytest
from conftest import ISSUE_CODES_SEEN

from thidua.issues import CATALOG


def test_every_issue_code_is_produced_by_some_test(request):
    modules = {item.path.name for item in request.session.items}
    every = {p.name for p in Path(__file__).parent.glob("test_*.py")}
    if modules != every:
        pytest.skip("only meaningful when the whole suite runs")
    assert sorted(set(CATALOG) - ISSUE_CODES_SEEN) == []
