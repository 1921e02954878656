"""`history`: the campaign across years from the ledger, as pandas pivots, into `Lịch sử thi đua khen thưởng.xlsx`.

pandas is loaded by this command alone (a test checks that `run` never imports it).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

from . import terms
from .config import Config
from .errors import OutputError, ThiduaError
from .ledger import Ledger
from .names import HISTORY_FILE
from .register import ISSUER_NAMES

VALUES = {"score": "Điểm", "rank": "Hạng", "cluster_rank": "Hạng trong cụm", "awards": "Khen thưởng"}
KEYS = {"level": "Cấp xếp hạng", "unit_code": "Mã đơn vị", "name": "Tên đơn vị"}
COMMITTEES = ("tinh", "huyen", "xa")  # the rankings of the Front's committees; "bctmt" gets a sheet of its own


def parse_years(text: str | None) -> tuple[int, int] | None:
    """'2023-2026' -> (2023, 2026); '2026' -> (2026, 2026); None: every year in the ledger."""
    if text is None:
        return None
    found = re.fullmatch(r"\s*(\d{4})\s*(?:[-–]\s*(\d{4})\s*)?", text)
    if not found or int(found[2] or found[1]) < int(found[1]):
        raise ThiduaError(f"--years \"{text}\" không đúng. Đề nghị ghi một năm (2026) hoặc một khoảng năm (2023-2026).")
    return int(found[1]), int(found[2] or found[1])


def year_runs(ledger: Ledger, years: tuple[int, int] | None) -> pd.DataFrame:
    """One run per year: the latest tổng kết run, or (none yet) the latest run of that year."""
    low, high = years or (0, 9999)
    runs = pd.read_sql_query("SELECT id AS run_id, folder, year, round, started FROM runs WHERE year BETWEEN ? AND ?",
                             ledger.db, params=(low, high))
    if runs.empty:
        span = "" if years is None else f" trong các năm {low}-{high}" if low != high else f" năm {low}"
        raise ThiduaError(f"Sổ lưu các lần chạy {ledger.path} chưa có lần chạy nào{span}. Đề nghị chạy tổng hợp hoặc "
                          "nạp các lần chạy trước bằng python process.py ledger import.")
    runs["final"] = runs["round"] == "tong-ket"
    return runs.sort_values(["year", "final", "started", "run_id"]).groupby("year").tail(1).set_index("year")


def rankings_by_year(ledger: Ledger, runs: pd.DataFrame) -> pd.DataFrame:
    ids = [int(i) for i in runs["run_id"]]
    frame = pd.read_sql_query(
        f"SELECT run_id, level, unit_code, name, score, rank, cluster_rank, awards FROM rankings "
        f"WHERE run_id IN ({', '.join('?' * len(ids))}) ORDER BY rowid", ledger.db, params=ids)
    frame["year"] = frame["run_id"].map(dict(zip(runs["run_id"], runs.index)))
    frame["awards"] = frame["awards"].map(lambda a: "; ".join(terms.award_name(c) for c in json.loads(a)))
    return frame


def pivot(frame: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """One row per unit, one column group per year: score, rank, cluster rank, awards."""
    table = frame.pivot_table(index=list(KEYS), columns="year", values=list(VALUES), aggfunc="first", dropna=False,
                              sort=False)
    columns = pd.MultiIndex.from_product([list(VALUES), years])
    table = table.reindex(columns=columns).dropna(how="all")
    table = table.swaplevel(axis=1)[[(y, v) for y in years for v in VALUES]]
    table.columns = [f"{y} - {VALUES[v]}" for y, v in table.columns]
    for y in years:
        for v in ("rank", "cluster_rank"):
            table[f"{y} - {VALUES[v]}"] = table[f"{y} - {VALUES[v]}"].astype("Int64")
    table = table.reset_index().rename(columns=KEYS)
    table[KEYS["level"]] = table[KEYS["level"]].map(terms.RANKINGS)
    return table


def register_frame(ledger: Ledger, years: list[int]) -> pd.DataFrame:
    frame = pd.read_sql_query(
        f"SELECT unit_name, unit_code, year, number, issuer, award, recipient, decision_number, decision_date, revokes "
        f"FROM register WHERE year IN ({', '.join('?' * len(years))}) ORDER BY id", ledger.db, params=years)
    revoked = {(r.year, r.issuer, r.revokes) for r in frame.itertuples() if pd.notna(r.revokes)}
    frame["note"] = [f"Thu hồi số vào sổ {int(r.revokes)}" if pd.notna(r.revokes) else
                     "Đã thu hồi" if (r.year, r.issuer, r.number) in revoked else "" for r in frame.itertuples()]
    frame["issuer"] = frame["issuer"].map(ISSUER_NAMES)
    frame["award"] = frame["award"].map(terms.award_name)
    frame["decision_date"] = pd.to_datetime(frame["decision_date"]).dt.strftime("%d/%m/%Y")
    frame = frame.drop(columns="revokes").sort_values(["unit_name", "unit_code", "year", "issuer", "number"],
                                                      kind="stable")
    return frame.rename(columns={
        "unit_name": "Đơn vị", "unit_code": "Mã đơn vị", "year": "Năm", "number": "Số vào sổ", "issuer": "Cấp khen",
        "award": "Hình thức", "recipient": "Tên tập thể, cá nhân", "decision_number": "Số quyết định",
        "decision_date": "Ngày quyết định", "note": "Ghi chú"})


def register_counts(register: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Awards in force per unit and year (a revocation takes its entry away)."""
    live = register[register["Ghi chú"] == ""]
    table = live.pivot_table(index=["Đơn vị", "Mã đơn vị"], columns="Năm", values="Số vào sổ", aggfunc="count",
                             fill_value=0).reindex(columns=years, fill_value=0)
    table.columns = [f"Năm {y}" for y in table.columns]
    return table.reset_index()


def write_history(config: Config, ledger: Ledger, years: tuple[int, int] | None) -> Path:
    runs = year_runs(ledger, years)
    found = [int(y) for y in runs.index]
    rankings = rankings_by_year(ledger, runs)
    register = register_frame(ledger, found)
    sheets = {
        "Theo đơn vị": pivot(rankings[rankings["level"].isin(COMMITTEES)], found),
        "Ban công tác Mặt trận": pivot(rankings[rankings["level"] == "bctmt"], found),
        "Khen thưởng theo năm": register_counts(register, found),
        "Sổ khen thưởng": register,
        "Lần chạy": runs.reset_index()[["year", "folder", "round"]].rename(
            columns={"year": "Năm", "folder": "Lần chạy", "round": "Đợt"}).assign(Đợt=lambda f: f["Đợt"].map(terms.ROUNDS)),
    }
    path = config.output_dir / HISTORY_FILE
    temp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(temp, engine="xlsxwriter") as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, index=False)
                sheet = writer.sheets[name]
                sheet.freeze_panes(1, 3 if name in ("Theo đơn vị", "Ban công tác Mặt trận") else 0)
                for c, column in enumerate(frame.columns):
                    sheet.set_column(c, c, min(max(len(str(column)), 8) + 2, 40))
        os.replace(temp, path)
    except OSError as exc:
        raise OutputError(f"Không ghi được {path}: {exc.strerror or exc}.") from exc
    return path
