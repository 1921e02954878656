"""The register's entries in the ledger (table `register`, schema version 2): read them, add them. Nothing else
touches that table, and nothing here changes or removes a row (the schema's triggers refuse it too)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .changes import name_key
from .config import DEFAULT_ACHIEVEMENT, Config
from .errors import RegisterError
from .ledger import Ledger, ledger_path
from .names import RESULT_JSON, latest_run, register_file_name
from .register import (
    Decision,
    Entry,
    Recording,
    candidates,
    double_awards,
    issuer_names,
    parse_date,
    parse_number,
    record,
    revoke,
)
from .register_xlsx import write_register

_COLUMNS = ("year", "issuer", "number", "award", "kind", "level", "recipient", "unit_code", "unit_name", "detail",
            "achievement", "decision_number", "decision_date", "run_folder", "revokes", "reason", "gender")


def entries(ledger: Ledger, year: int | None = None) -> list[Entry]:
    """The register in the order it was written (of one year, or all)."""
    rows = ledger.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM register WHERE ? IS NULL OR year = ? ORDER BY id",
                             (year, year))
    return [Entry(year=y, issuer=i, number=n, award=a, kind=k, level=lv or "", recipient=r, unit_code=u,
                  unit_name=un, detail=d, achievement=ach, decision_number=dn,
                  decision_date=dt.date.fromisoformat(dd), run=rf, revokes=rv, reason=why, gender=g)
            for y, i, n, a, k, lv, r, u, un, d, ach, dn, dd, rf, rv, why, g in rows]


def add(ledger: Ledger, new: tuple[Entry, ...] | list[Entry], when: dt.datetime) -> None:
    """Append entries. The caller holds the transaction, in which it read the entries they follow."""
    ledger.db.executemany(
        f"INSERT INTO register ({', '.join(_COLUMNS)}, name_key, recorded) "
        f"VALUES ({', '.join('?' * (len(_COLUMNS) + 2))})",
        [(e.year, e.issuer, e.number, e.award, e.kind, e.level, e.recipient, e.unit_code, e.unit_name, e.detail,
          e.achievement, e.decision_number, e.decision_date.isoformat(), e.run, e.revokes, e.reason, e.gender,
          name_key(e.recipient), when.isoformat(timespec="seconds")) for e in new])


@dataclass(frozen=True)
class Recorded:
    """What record-decision did, for the clerk's screen."""

    recording: Recording
    decision: Decision
    year: int
    run: str
    workbook: Path | None  # the register's workbook, when (re)written


def names_of(config: Config) -> dict[str, str]:
    return issuer_names(config.province_name, config.province_short_name)


def find_run(config: Config, run_dir: Path | None) -> tuple[Path, dict]:
    """The run folder (given, or the latest in the output folder) and its ket_qua.json."""
    run = Path(run_dir) if run_dir is not None else latest_run(config.output_dir)
    if run is None or not (run / RESULT_JSON).is_file():
        where = run if run is not None else config.output_dir
        raise RegisterError(f"Không tìm thấy kết quả tổng hợp ({RESULT_JSON}) trong {where}. Đề nghị ghi đúng thư mục "
                            "lần chạy đã trình Hội đồng, ví dụ output/2026-12-01_0900.")
    try:
        return run, json.loads((run / RESULT_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegisterError(f"Không đọc được {run / RESULT_JSON}: {exc}.") from exc


def open_ledger(config: Config, run: Path | None = None) -> Ledger:
    """The ledger beside the run folders; one that does not exist yet is not made here (nothing to read)."""
    path = ledger_path(config, run)
    if not path.is_file():
        raise RegisterError(f"Chưa có sổ lưu các lần chạy {path}. Đề nghị chạy tổng hợp (python process.py) hoặc "
                            "nạp các lần chạy trước (python process.py ledger import THƯ_MỤC_LẦN_CHẠY) trước.")
    return Ledger(path)


def record_decision(config: Config, run_dir: Path | None, number: str, date: str, issuer: str,
                    include_review: Sequence[str] = (), revoke_entry: int | None = None, reason: str = "",
                    now: dt.datetime | None = None, again: bool = False, leave_out: Sequence[str] = ()) -> Recorded:
    """record-decision: check everything first, then add the entries and rewrite the year's register workbook in
    one transaction (a workbook that cannot be written leaves the ledger as it was)."""
    run, data = find_run(config, run_dir)
    year = int(data["year"])
    decision = Decision(parse_number(number), parse_date(date, year), issuer)
    achievement = config.certificates.achievement if config.certificates else DEFAULT_ACHIEVEMENT
    with open_ledger(config, run) as ledger, ledger.transaction():
        if not ledger.has_run(run.name):
            raise RegisterError(f"Lần chạy {run.name} chưa có trong sổ lưu các lần chạy {ledger.path}. Đề nghị nạp "
                                f"lần chạy đó trước: python process.py ledger import \"{run}\".")
        existing = entries(ledger)
        if revoke_entry is None:
            found = candidates(data, issuer, achievement)
            done = record(existing, found, decision, year, run.name, include_review,
                          again=again, exclude={(a.ranking, a.award): a.exclude for a in config.ranked_awards},
                          names=names_of(config), doubled=double_awards(data, found), leave_out=leave_out)
        else:
            done = revoke(existing, revoke_entry, reason, decision, year, names_of(config))
        add(ledger, done.entries, now or dt.datetime.now())
        path = run.parent / register_file_name(year)
        workbook = None
        if done.entries or not path.is_file():
            workbook = write_register([*(e for e in existing if e.year == year), *done.entries], year, path,
                                      names_of(config))
    return Recorded(done, decision, year, run.name, workbook)
