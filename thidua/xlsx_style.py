"""Formats shared by every workbook we write, and the one safe way to put a value in a cell."""

from __future__ import annotations

import datetime as dt
import math


class Styles:
    """The few formats our workbooks use, created once per workbook."""

    def __init__(self, wb):
        base = {"font_name": "Times New Roman", "font_size": 12, "valign": "top"}
        self.wb = wb
        self.plain = wb.add_format(base)
        self.wrap = wb.add_format({**base, "text_wrap": True})
        self.wrap_left = wb.add_format({**base, "text_wrap": True, "align": "left"})
        self.title = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.title_wrap = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter",
                                         "text_wrap": True})
        self.note = wb.add_format({**base, "italic": True, "font_color": "#555555", "text_wrap": True})
        self.header = wb.add_format({**base, "bold": True, "text_wrap": True, "align": "center", "valign": "vcenter",
                                     "bg_color": "#DDEBF7", "border": 1, "locked": True})
        self.label = wb.add_format({**base, "bold": True})
        self.unlocked = wb.add_format({**base, "locked": False})
        self.unlocked_date = wb.add_format({**base, "locked": False, "num_format": "dd/mm/yyyy", "align": "left"})
        self.date = wb.add_format({**base, "num_format": "dd/mm/yyyy", "align": "left"})
        self.score = wb.add_format({**base, "num_format": "0.0#"})
        self.integer = wb.add_format({**base, "num_format": "#,##0"})
        self.link = wb.add_format({**base, "font_color": "#0563C1", "underline": 1})
        self.bold = wb.add_format({**base, "bold": True})
        self.total = wb.add_format({**base, "bold": True, "top": 1, "num_format": "#,##0"})
        self.status = {
            "proposed": wb.add_format({**base, "bg_color": "#C6EFCE", "font_color": "#006100"}),
            "over_quota": wb.add_format({**base, "bg_color": "#FFEB9C", "font_color": "#9C5700"}),
            "needs_review": wb.add_format({**base, "bg_color": "#FCE4D6", "font_color": "#833C0B"}),
            "incomplete_dossier": wb.add_format({**base, "bg_color": "#FFEB9C", "font_color": "#9C5700"}),
            "ineligible": wb.add_format({**base, "bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "invalid": wb.add_format({**base, "bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "error": wb.add_format({**base, "bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "warning": wb.add_format({**base, "bg_color": "#FFEB9C", "font_color": "#9C5700"}),
        }


def write_cell(ws, row: int, col: int, value: object, fmt=None, date_fmt=None) -> None:
    """Write a value by its type. Text is always written as text: '=1+1' from an input stays '=1+1'."""
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
        return
    if isinstance(value, bool):
        ws.write_string(row, col, "x" if value else "", fmt)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_string(row, col, str(value), fmt)
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, (dt.date, dt.datetime)):
        moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        ws.write_datetime(row, col, moment, date_fmt or fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


class Col:
    """One column of an output table: header, width, how to get the value from a row, and its format."""

    __slots__ = ("label", "width", "get", "fmt")

    def __init__(self, label: str, width: int, get, fmt: str = ""):
        self.label, self.width, self.get, self.fmt = label, width, get, fmt


def write_table(ws, styles: Styles, columns: list[Col], rows, first_row: int = 0, status=None,
                link=None) -> int:
    """A header row, then one row per item; frozen header, autofilter, widths. Returns the next free row.

    `status(item)` picks a colour for the whole row's status cell; `link(item)` gives (column index, url)."""
    ws.set_row(first_row, 32)  # before the row's cells: a streaming (constant_memory) sheet needs it so
    for c, col in enumerate(columns):
        ws.set_column(c, c, col.width)
        ws.write_string(first_row, c, col.label, styles.header)
    formats = {"score": styles.score, "int": styles.integer, "date": styles.date, "wrap": styles.wrap}
    # Worked out once per table, not per cell: the national consolidated workbook has over a million cells.
    cells = [(c, col.get, formats.get(col.fmt, styles.plain), col.fmt == "status") for c, col in enumerate(columns)]
    write_string, write_number = ws.write_string, ws.write_number
    r = first_row
    for item in rows:
        r += 1
        colour = styles.status.get(status(item)) if status else None
        for c, get, fmt, coloured in cells:
            value = get(item)
            if value is None or value == "":
                continue  # an empty cell is not written at all: large tables stay small and fast
            if coloured and colour is not None:
                fmt = colour
            kind = type(value)  # the common types written directly; the rest (dates, flags, enums) by write_cell
            if kind is str:
                write_string(r, c, value, fmt)
            elif (kind is int or kind is float) and math.isfinite(value):
                write_number(r, c, value, fmt)
            else:
                write_cell(ws, r, c, value, fmt, styles.date)
        if link is not None:
            target = link(item)
            if target:
                c, url, text = target
                ws.write_url(r, c, url, styles.link, string=text)
    ws.freeze_panes(first_row + 1, 0)
    if columns:
        ws.autofilter(first_row, 0, max(r, first_row), len(columns) - 1)
    print_setup(ws, header_row=first_row)
    return r + 1


def print_setup(ws, header_row: int | None = None) -> None:
    """Printed on A4 landscape, one page wide, the header row repeated on every page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if header_row is not None:
        ws.repeat_rows(header_row)


EXCEL_MAX_ROWS = 1_048_576


def write_sheets(wb, title: str, styles: Styles, columns: list[Col], rows, **kw) -> list:
    """A table on one sheet, or on several ("Title (2)", ...) when it would pass Excel's row limit."""
    rows = list(rows)
    per_sheet = EXCEL_MAX_ROWS - 1
    sheets = []
    for part, start in enumerate(range(0, max(len(rows), 1), per_sheet), start=1):
        name = title if part == 1 else f"{title[:31 - len(f' ({part})')]} ({part})"
        ws = wb.add_worksheet(name)
        write_table(ws, styles, columns, rows[start:start + per_sheet], **kw)
        sheets.append(ws)
    return sheets
