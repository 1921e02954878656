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
from .changes import name_key
from .config import Config
from .errors import OutputError, ThiduaError
from .ledger import Ledger
from .names import HISTORY_FILE
from .register import ISSUER_AWARDS, ISSUER_NAMES, Entry, in_force, issuer_names

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


_ISSUER_OF = {award: issuer for issuer, awards in ISSUER_AWARDS.items() for award in awards}
_ORDER = [award for awards in ISSUER_AWARDS.values() for award in awards]


def recorded_issuers(entries: list[Entry]) -> dict[int, set[str]]:
    """Per year, the issuers whose decisions are in the register: for their awards the register is the truth."""
    found: dict[int, set[str]] = {}
    for e in entries:
        found.setdefault(e.year, set()).add(e.issuer)
    return found


def unit_awards(year: int, level: str, unit_code: str, name: str, run_awards: list[str], entries: list[Entry],
                recorded: dict[int, set[str]]) -> list[str]:
    """A ranked unit's awards of a year: those of an issuer with decisions in the register as the register holds
    them (recorded, not revoked: a revoked Cờ is gone, one recorded after the council's review is there), the
    others as the run proposed them."""
    issuers = recorded.get(year, set())
    held = {e.award for e in in_force(entries)
            if e.year == year and e.kind == terms.Kind.COLLECTIVE and e.level == level and e.unit_code == unit_code
            and name_key(e.recipient).endswith(name_key(name))}  # the committee "Ủy ban MTTQ Việt Nam <name>"
    chosen = {a for a in run_awards if _ISSUER_OF.get(a) not in issuers} | {a for a in held if a in _ISSUER_OF}
    return sorted(chosen, key=lambda a: _ORDER.index(a) if a in _ORDER else len(_ORDER))


def rankings_by_year(ledger: Ledger, runs: pd.DataFrame, entries: list[Entry] | None = None) -> pd.DataFrame:
    ids = [int(i) for i in runs["run_id"]]
    frame = pd.read_sql_query(
        f"SELECT run_id, level, unit_code, name, score, rank, cluster_rank, awards FROM rankings "
        f"WHERE run_id IN ({', '.join('?' * len(ids))}) ORDER BY rowid", ledger.db, params=ids)
    frame["year"] = frame["run_id"].map(dict(zip(runs["run_id"], runs.index)))
    entries = entries or []
    recorded = recorded_issuers(entries)
    frame["awards"] = ["; ".join(terms.award_name(c) for c in unit_awards(
        int(r.year), r.level, r.unit_code, r.name, json.loads(r.awards), entries, recorded)) for r in frame.itertuples()]
    return frame


def award_source(year: int, recorded: dict[int, set[str]], names: dict[str, str]) -> str:
    """Where the year's awards column comes from, for the `Lần chạy` sheet."""
    issuers = [i for i in ISSUER_AWARDS if i in recorded.get(year, set())]
    if not issuers:
        return "Kết quả lần chạy (chưa ghi quyết định vào sổ)"
    if len(issuers) == len(ISSUER_AWARDS):
        return "Sổ theo dõi khen thưởng"
    return (f"Sổ theo dõi khen thưởng (quyết định của {', '.join(names[i] for i in issuers)}); hình thức của cấp "
            "khen khác: kết quả lần chạy")


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


def register_frame(ledger: Ledger, years: list[int], names: dict[str, str] = ISSUER_NAMES) -> pd.DataFrame:
    frame = pd.read_sql_query(
        f"SELECT unit_name, unit_code, year, number, issuer, award, recipient, decision_number, decision_date, revokes "
        f"FROM register WHERE year IN ({', '.join('?' * len(years))}) ORDER BY id", ledger.db, params=years)
    revoked = {(r.year, r.issuer, r.revokes) for r in frame.itertuples() if pd.notna(r.revokes)}
    frame["note"] = [f"Thu hồi số vào sổ {int(r.revokes)}" if pd.notna(r.revokes) else
                     "Đã thu hồi" if (r.year, r.issuer, r.number) in revoked else "" for r in frame.itertuples()]
    frame["issuer"] = frame["issuer"].map(names)
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
    from .register_store import entries as register_entries

    recorded_entries = [e for e in register_entries(ledger) if e.year in found]
    recorded = recorded_issuers(recorded_entries)
    names = issuer_names(config.province_name, config.province_short_name)
    rankings = rankings_by_year(ledger, runs, recorded_entries)
    register = register_frame(ledger, found, names)
    run_sheet = runs.reset_index()[["year", "folder", "round"]]
    run_sheet["source"] = [award_source(int(y), recorded, names) for y in run_sheet["year"]]
    sheets = {
        "Theo đơn vị": pivot(rankings[rankings["level"].isin(COMMITTEES)], found),
        "Ban công tác Mặt trận": pivot(rankings[rankings["level"] == "bctmt"], found),
        "Khen thưởng theo năm": register_counts(register, found),
        "Sổ khen thưởng": register,
        "Lần chạy": run_sheet.rename(
            columns={"year": "Năm", "folder": "Lần chạy", "round": "Đợt", "source": "Khen thưởng theo"}
        ).assign(Đợt=lambda f: f["Đợt"].map(terms.ROUNDS)),
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
