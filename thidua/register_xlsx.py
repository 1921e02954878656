"""`Sổ theo dõi khen thưởng <năm>.xlsx`: the register of one year, one row per entry, as the clerk keeps it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import terms
from .errors import OutputError
from .register import ISSUER_NAMES, Entry
from .xlsx_style import Col, Styles, write_table


def register_columns(entries: Sequence[Entry], names: Mapping[str, str] = ISSUER_NAMES) -> list[Col]:
    revoked = {(e.issuer, e.revokes): e for e in entries if e.revokes is not None}

    def state(e: Entry) -> str:
        if e.revokes is not None:
            return f"Thu hồi số vào sổ {e.revokes}"
        later = revoked.get((e.issuer, e.number))
        return f"Đã thu hồi (số vào sổ {later.number})" if later else ""
    return [
        Col("Số vào sổ", 9, lambda e: e.number, "int"),
        Col("Cấp khen", 24, lambda e: names[e.issuer], "wrap"),
        Col("Hình thức", 30, lambda e: terms.award_name(e.award), "wrap"),
        Col("Tên tập thể, cá nhân", 34, lambda e: e.recipient, "wrap"),
        Col("Chức vụ, đơn vị công tác", 34, lambda e: e.detail, "wrap"),
        Col("Đơn vị", 24, lambda e: e.unit_name, "wrap"),
        Col("Thành tích", 50, lambda e: e.achievement, "wrap"),
        Col("Số quyết định", 20, lambda e: e.decision_number),
        Col("Ngày quyết định", 14, lambda e: e.decision_date, "date"),
        Col("Ghi chú", 26, state, "wrap"),
        Col("Lý do thu hồi", 30, lambda e: e.reason, "wrap"),
        Col("Lần chạy", 18, lambda e: e.run),
    ]


def write_register(entries: Sequence[Entry], year: int, path: Path,
                   names: Mapping[str, str] = ISSUER_NAMES) -> Path:
    """The whole year's register (every issuer, in the order written), replacing the file as one rename."""
    import xlsxwriter

    rows = sorted(entries, key=lambda e: (list(ISSUER_NAMES).index(e.issuer), e.number))
    temp = path.with_name(f".{path.name}.tmp")
    try:
        wb = xlsxwriter.Workbook(str(temp), {"strings_to_formulas": False, "strings_to_urls": False})
        styles = Styles(wb)
        ws = wb.add_worksheet(f"Sổ khen thưởng {year}")
        write_table(ws, styles, register_columns(rows, names), rows)
        wb.close()
        os.replace(temp, path)
    except OSError as exc:
        raise OutputError(f"Không ghi được sổ theo dõi khen thưởng {path}: {exc.strerror or exc}.") from exc
    return path
