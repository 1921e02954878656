"""Shared helpers: the project's own config and registry, and tiny workbooks built inline."""

from __future__ import annotations

import io
import os
from pathlib import Path

import openpyxl
import pytest
from hypothesis import settings

# In CI the property tests draw the same examples every time (a failure there is reproducible); locally they
# explore new ones on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

from thidua.cli import DEFAULT_CONFIG, main  # noqa: E402  (after the Hypothesis profile is chosen)
from thidua.config import load_config  # noqa: E402
from thidua.registry import load_registry  # noqa: E402

DATA = Path(__file__).parent / "data"


# Every issue code the tests make the product raise, so that test_zz_issue_catalog.py can check that each code
# of the catalog is produced by at least one test. Each module that imported issue() gets a recording one.
ISSUE_CODES_SEEN: set[str] = set()


def _record_issue_codes() -> None:
    import importlib
    import pkgutil

    import thidua
    from thidua import issues

    original = issues.issue

    def recording(code, /, **kw):
        ISSUE_CODES_SEEN.add(code)
        return original(code, **kw)

    for info in pkgutil.iter_modules(thidua.__path__):
        module = importlib.import_module(f"thidua.{info.name}")
        if getattr(module, "issue", None) is original:
            module.issue = recording


_record_issue_codes()


@pytest.fixture(scope="session")
def config():
    return load_config(DEFAULT_CONFIG)


@pytest.fixture(scope="session")
def registry(config):
    return load_registry(config.registry_path, config.communes_path)


def run_dirs(output: Path) -> list[Path]:
    """The complete run folders in an output folder (beside them: the ledger, thidua.sqlite, and the hidden
    folder a killed run was writing)."""
    return sorted(p for p in Path(output).iterdir() if p.is_dir() and not p.name.startswith("."))


def make_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook as a clerk might make it by hand: each sheet is a list of rows of raw cell values."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def info_rows(code="943", name="Ủy ban MTTQ Việt Nam huyện Kế Sách", year=2023, round_="Tổng kết",
              communes=13, bctmt=106, score=88, date="25/11/2023") -> list[list]:
    return [["Thông tin", "Nội dung"], ["Đơn vị", name], ["Mã đơn vị", code], ["Năm", year], ["Đợt", round_],
            ["Số đơn vị cấp xã", communes], ["Số Ban công tác Mặt trận", bctmt], ["Điểm tự chấm", score],
            ["Ngày lập", date]]


def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out=out)
    return code, out.getvalue()


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """The real command on the sample batch: (base folder, exit code, printed summary, run folder, ket_qua.json)."""
    import json

    base = tmp_path_factory.mktemp("batch")
    code, _ = run_cli("sample", "--output", str(base / "input"))
    assert code == 0
    code, text = run_cli("run", "--input", str(base / "input"), "--output", str(base / "output"))
    [folder] = run_dirs(base / "output")
    return base, code, text, folder, json.loads((folder / "ket_qua.json").read_text(encoding="utf-8"))
