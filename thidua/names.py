"""The names of what a run writes (its folder's files and sub-folders) and of the templates it reads.

One home: the writers, `send` and the tests all take these names from here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from . import terms
from .text import safe_filename

# Inside one run folder, output/<date>_<time>/
RESULT_JSON = "ket_qua.json"
LOG_FILE = "nhat_ky.txt"
FEEDBACK_DIR = "PhanHoi"
DOCS_DIR = "VanBan"
OUTBOX = "ThuDi"  # .eml files written when no SMTP server is configured
SEND_LOG = "nhat_ky_gui_thu.jsonl"
SEND_LOCK = "nhat_ky_gui_thu.lock"  # held by the `send` under way, so a second one waits
TEMP_PREFIX = ".dang-ghi-"  # a run folder still being written
FILE_NAME_LIMIT = 120  # characters of a unit's name in a file name, as safe_filename cuts it

# Beside the run folders, in the output folder
LEDGER_FILE = "thidua.sqlite"  # the campaign's memory (thidua/ledger.py)

# In the output folder, beside the runs: the traceback of a failure of the program itself (exit 3) that
# happened before a run folder existed.
CRASH_LOG = "nhat_ky_loi_chuong_trinh.txt"

DOCUMENTS = {
    "to_trinh_ubnd": "01 - Tờ trình đề nghị Bằng khen UBND tỉnh.docx",
    "to_trinh_tw": "02 - Tờ trình đề nghị Bằng khen Trung ương MTTQ.docx",
    "quyet_dinh": "03 - Quyết định tặng Cờ thi đua và Bằng khen.docx",
    "bao_cao_tong_ket": "04 - Báo cáo tổng hợp thi đua khen thưởng.docx",
    "bien_ban": "05 - Biên bản họp Hội đồng Thi đua - Khen thưởng (dự thảo).docx",
    "bao_cao_so_ket": "Báo cáo sơ kết thi đua khen thưởng.docx",
    "bao_cao_cham_diem": "06 - Báo cáo kết quả chấm điểm thi đua.docx",
}

# In templates/
WORKBOOK_TEMPLATE = "Mẫu báo cáo thi đua khen thưởng.xlsx"
DOCUMENT_TEMPLATES = {
    "to_trinh_ubnd": "Tờ trình Bằng khen UBND tỉnh.docx",
    "to_trinh_tw": "Tờ trình Bằng khen Trung ương MTTQ.docx",
    "quyet_dinh": "Quyết định khen thưởng.docx",
    "bao_cao_tong_ket": "Báo cáo tổng hợp.docx",
    "bien_ban": "Biên bản họp Hội đồng.docx",
    "bao_cao_so_ket": "Báo cáo sơ kết.docx",
    "bao_cao_cham_diem": "Báo cáo kết quả chấm điểm.docx",
}
UNIT_TEMPLATES_DIR = "Mẫu báo cáo {year} theo đơn vị"  # template --per-unit writes here, under output/
UNIT_MAIL_TEMPLATE = "thu_phan_hoi.j2"
LEADERSHIP_MAIL_TEMPLATE = "thu_lanh_dao.j2"
REMINDER_MAIL_TEMPLATE = "thu_nhac_nho.j2"


def consolidated_name(year: int, round_: str) -> str:
    return f"Tổng hợp thi đua khen thưởng {year} - {terms.ROUNDS[round_]}.xlsx"


def feedback_file_names(units) -> dict[str, str]:
    """Unit code -> name of its feedback workbook, safe on Windows and unique even when two units share a name."""
    return unique_file_names(units, "Phản hồi - {name}.xlsx")


def unit_template_names(units) -> dict[str, str]:
    """Unit code -> name of its own template: the unit's name, safe on Windows, unique without case."""
    return unique_file_names(units, "{name}.xlsx")


def unique_file_names(units, pattern: str) -> dict[str, str]:
    """Unit code -> `pattern` filled with the unit's name made safe on Windows, one file per unit whatever the
    names: the one rule for feedback files, `template --per-unit` and `sample`. A name taken already (Windows
    compares file names without case) gets the unit's code, which survives any cut of a long name; a fallback
    may meet another unit's own name, so it is checked again."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for unit in units:
        name = pattern.format(name=safe_filename(unit.short_name))
        n = 1
        while name.casefold() in taken:
            suffix = f" ({safe_filename(unit.code if n == 1 else f'{unit.code}-{n}')})"
            name = pattern.format(name=safe_filename(unit.short_name, limit=FILE_NAME_LIMIT - len(suffix)) + suffix)
            n += 1
        taken.add(name.casefold())
        names[unit.code] = name
    return names


def latest_run(output: Path) -> Path | None:
    """The newest complete run folder under `output` (one that holds its ket_qua.json), by the time in its name
    ("2023-12-05_1430_10" is the tenth run of that minute, after "_9"); a renamed folder counts by its file's time."""
    output = Path(output)
    runs = [p for p in output.iterdir() if p.is_dir() and not p.name.startswith(".")
            and (p / RESULT_JSON).is_file()] if output.is_dir() else []
    return max(runs, key=_run_time, default=None)


_RUN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2}_\d{4})(?:_(\d+))?")


def _run_time(folder: Path) -> tuple[dt.datetime, int, str]:
    match = _RUN_NAME.fullmatch(folder.name)
    if match:
        try:
            return dt.datetime.strptime(match[1], "%Y-%m-%d_%H%M"), int(match[2] or 1), folder.name
        except ValueError:
            pass
    return dt.datetime.fromtimestamp((folder / RESULT_JSON).stat().st_mtime), 0, folder.name


def sha256_of(path: Path) -> str:
    """A file's fingerprint, as ket_qua.json and the send log record it."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()

# In the output folder, beside the run folders: what the register, the certificates and the history write.
CERTIFICATES_DIR = "In bằng khen"
CALIBRATION_FILE = "Trang căn chỉnh phôi bằng khen.pdf"
HISTORY_FILE = "Lịch sử thi đua khen thưởng.xlsx"


def register_file_name(year: int) -> str:
    return f"Sổ theo dõi khen thưởng {year}.xlsx"


def certificates_file_name(decision_number: str, award: str | None = None) -> str:
    """'Bằng khen - 125-QĐ-MTTQ-BTT.pdf': the decision's number is the file's name, its slash made safe."""
    suffix = f" - {award}" if award else ""
    return f"Bằng khen - {safe_filename(decision_number.replace('/', '-'))}{suffix}.pdf"
