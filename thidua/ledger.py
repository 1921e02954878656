"""The campaign's memory: one SQLite file beside the run folders (SPEC 10).

An edge like reading and writing: the core never imports it. It records what a finished run's Result says,
hands back the previous run's record for `changes`, and remembers what `send` delivered to whom. Any SQLite
tool can read it; the schema version is `PRAGMA user_version` and migrations only go forward.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .changes import Snapshot, awards_text, name_key
from .config import Config
from .errors import ThiduaError, os_reason
from .names import LEDGER_FILE, RESULT_JSON

if TYPE_CHECKING:
    from .result import Result

APPLICATION_ID = 0x54444C47  # "TDLG": marks the file as ours, so another program's database is never touched
WAIT_SECONDS = 30.0  # SPEC 10: a second run waits this long for the first, then stops

# One entry per schema version: the statements that bring version N-1 to N. Append, never edit: a database in
# an office was made by an older entry and is brought forward by the ones after it.
MIGRATIONS: list[tuple[str, ...]] = [
    (  # version 1: runs and what they decided, and what was sent
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            folder TEXT NOT NULL UNIQUE,      -- the run folder's name, e.g. 2026-11-30_0915
            year INTEGER NOT NULL,
            round TEXT NOT NULL,
            config_hash TEXT,
            started TEXT NOT NULL,            -- ISO time the run started (an imported run: its folder's time)
            summary TEXT NOT NULL,            -- JSON, as in ket_qua.json
            fingerprint TEXT,                 -- the leadership mail's content; NULL for an imported run
            imported INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX runs_campaign ON runs (year, round, started)",
        """CREATE TABLE inputs (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            file TEXT NOT NULL, sha256 TEXT NOT NULL, unit_code TEXT NOT NULL, status TEXT NOT NULL,
            rows INTEGER NOT NULL
        )""",
        """CREATE TABLE nominations (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            unit_code TEXT NOT NULL, kind TEXT NOT NULL, level TEXT, award TEXT,
            name TEXT NOT NULL, name_key TEXT NOT NULL,   -- name_key: the normalised name of the identity
            status TEXT NOT NULL, score REAL, file TEXT, sheet TEXT, row INTEGER
        )""",
        """CREATE TABLE rankings (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            level TEXT NOT NULL, unit_code TEXT NOT NULL, name TEXT NOT NULL, score REAL, rank INTEGER,
            cluster TEXT, cluster_rank INTEGER,
            awards TEXT NOT NULL              -- JSON list of award codes
        )""",
        """CREATE TABLE quotas (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            scope TEXT NOT NULL, cluster TEXT, unit_code TEXT, kind TEXT NOT NULL, level TEXT NOT NULL,
            award TEXT NOT NULL, quota INTEGER NOT NULL, submitted INTEGER, proposed INTEGER
        )""",
        """CREATE TABLE feedback (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            unit_code TEXT NOT NULL,
            fingerprint TEXT NOT NULL,        -- the feedback workbook's content, not its bytes
            PRIMARY KEY (run_id, unit_code)
        )""",
        """CREATE TABLE sent (
            id INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,          -- "unit:<code>" or "leadership", as the send log names them
            year INTEGER NOT NULL, round TEXT NOT NULL,
            run_folder TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            time TEXT NOT NULL
        )""",
        "CREATE INDEX sent_recipient ON sent (year, round, recipient, id)",
        "CREATE INDEX nominations_run ON nominations (run_id)",
        "CREATE INDEX rankings_run ON rankings (run_id)",
        "CREATE INDEX quotas_run ON quotas (run_id)",
        "CREATE INDEX inputs_run ON inputs (run_id)",
    ),
    (  # version 2: the award register (sổ theo dõi khen thưởng), filled by record-decision
        """CREATE TABLE register (
            id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL,
            issuer TEXT NOT NULL,             -- tinh | ubnd | tw: who signed the decision
            number INTEGER NOT NULL,          -- Số vào sổ, sequential per year and issuer
            award TEXT NOT NULL, kind TEXT NOT NULL, level TEXT,
            recipient TEXT NOT NULL, name_key TEXT NOT NULL,
            unit_code TEXT NOT NULL, unit_name TEXT NOT NULL, detail TEXT NOT NULL, achievement TEXT NOT NULL,
            decision_number TEXT NOT NULL,
            decision_date TEXT NOT NULL,      -- ISO date
            run_folder TEXT NOT NULL,         -- the run the recipients came from
            revokes INTEGER,                  -- the number this entry revokes (same year and issuer)
            reason TEXT NOT NULL DEFAULT '',
            gender TEXT NOT NULL DEFAULT '',  -- Nam | Nữ for a person: "Ông", "Bà" on the certificate
            recorded TEXT NOT NULL,           -- ISO time the clerk recorded it
            UNIQUE (year, issuer, number)
        )""",
        "CREATE INDEX register_recipient ON register (year, award, name_key)",
        # Entries are never edited nor removed: a mistake is put right by a revoking entry.
        """CREATE TRIGGER register_never_edited BEFORE UPDATE ON register
            BEGIN SELECT RAISE(ABORT, 'register entries are never edited'); END""",
        """CREATE TRIGGER register_never_removed BEFORE DELETE ON register
            BEGIN SELECT RAISE(ABORT, 'register entries are never removed'); END""",
    ),
]
LATEST = len(MIGRATIONS)


def ledger_path(config: Config, run_dir: Path | None = None) -> Path:
    """[paths] ledger when given; else thidua.sqlite beside the run folder, or in the output folder."""
    if config.ledger_path is not None:
        return config.ledger_path
    return (Path(run_dir).parent if run_dir is not None else config.output_dir) / LEDGER_FILE


class Ledger:
    """An open ledger file, checked and brought to the latest schema."""

    def __init__(self, path: Path, wait: float | None = None):
        self.path = Path(path)
        self.wait = WAIT_SECONDS if wait is None else wait
        existed = self.path.is_file() and self.path.stat().st_size > 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=self.wait, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise ThiduaError(f"Không mở được sổ lưu các lần chạy {self.path}: {os_reason(exc)}.") from exc
        try:
            self._check(existed)
            self._migrate()
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ opening

    def _foreign(self, why: str) -> ThiduaError:
        return ThiduaError(f"Tệp {self.path} không phải sổ lưu các lần chạy của công cụ này ({why}). Tệp được giữ "
                           "nguyên; đề nghị đổi tên hoặc chuyển tệp đó đi, hoặc khai báo tệp khác ở paths.ledger "
                           "trong config.toml, rồi chạy lại.")

    def _check(self, existed: bool) -> None:
        try:
            app, version = self._pragma("application_id"), self._pragma("user_version")
            tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise self._busy() from exc
            raise self._foreign("tệp bị hỏng") from exc
        except sqlite3.DatabaseError as exc:
            raise self._foreign("tệp bị hỏng hoặc không phải cơ sở dữ liệu SQLite") from exc
        if app != APPLICATION_ID and (tables or app or version):
            raise self._foreign("đây là cơ sở dữ liệu của chương trình khác")
        if version > LATEST:
            raise ThiduaError(f"Sổ lưu các lần chạy {self.path} được ghi bằng phiên bản mới hơn của công cụ "
                              f"(phiên bản sổ {version}, công cụ này đọc đến {LATEST}). Đề nghị cập nhật công cụ.")

    def _pragma(self, name: str) -> int:
        return int(self.db.execute(f"PRAGMA {name}").fetchone()[0])

    def _busy(self) -> ThiduaError:
        return ThiduaError(f"Sổ lưu các lần chạy {self.path} đang được một lần chạy khác sử dụng; đã chờ "
                           f"{self.wait:g} giây. Đề nghị chờ lần chạy đó xong rồi chạy lại.")

    def _migrate(self) -> None:
        if self._pragma("user_version") == LATEST:
            return
        with self.transaction():
            version = self._pragma("user_version")  # again, inside the lock: another process may have migrated
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute(f"PRAGMA user_version = {LATEST}")

    @property
    def version(self) -> int:
        return self._pragma("user_version")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction taken at once (BEGIN IMMEDIATE): a second writer waits up to `wait` seconds."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._busy() from exc
        try:
            yield
        except sqlite3.DatabaseError as exc:  # a page found damaged, or the disk full, while writing the run's rows
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise self._failed(exc) from exc
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise self._failed(exc) from exc

    def _failed(self, exc: sqlite3.DatabaseError) -> ThiduaError:
        """Only a damaged file is called damaged: a full disk or a clash is said as what it is, since a clerk told
        the file is foreign might move it away and lose the campaign's memory."""
        if isinstance(exc, sqlite3.IntegrityError):
            return ThiduaError(f"Sổ lưu các lần chạy {self.path} đã có một lần chạy cùng tên thư mục (có thể thư mục "
                               "đó đã bị xóa). Sổ được giữ nguyên, lần chạy này chưa được ghi vào sổ; đề nghị chạy "
                               "lại \"python process.py\".")
        if isinstance(exc, sqlite3.OperationalError) and "malformed" not in str(exc) and "not a database" not in str(exc):
            return ThiduaError(f"Không ghi được vào sổ lưu các lần chạy {self.path} (ổ đĩa đầy, không có quyền ghi "
                               "hoặc tệp đang bị khóa). Sổ được giữ nguyên như trước; đề nghị kiểm tra ổ đĩa rồi "
                               "chạy lại.")
        return self._foreign("tệp bị hỏng")

    # ------------------------------------------------------------ runs

    def folders(self) -> frozenset[str]:
        """The names of every run recorded, kept even when the clerk deleted the folder."""
        return frozenset(row[0] for row in self.db.execute("SELECT folder FROM runs"))

    def previous(self, year: int, round_: str, before: str | None = None) -> tuple[str, Snapshot] | None:
        """The latest run of the same year and round (started before `before`, when given), as a Snapshot."""
        row = self.db.execute(
            "SELECT id, folder FROM runs WHERE year = ? AND round = ? AND (? IS NULL OR started < ?) "
            "ORDER BY started DESC, id DESC LIMIT 1", (year, round_, before, before)).fetchone()
        if row is None:
            return None
        return row[1], self.snapshot(row[0])

    def snapshot(self, run_id: int) -> Snapshot:
        """A recorded run's rows, in the columns and order changes.Snapshot describes."""
        def rows(sql: str) -> tuple[tuple, ...]:
            return tuple(self.db.execute(sql + " WHERE run_id = ? ORDER BY rowid", (run_id,)))

        return Snapshot(
            files=rows("SELECT file, sha256, unit_code, status, rows FROM inputs"),
            nominations=rows("SELECT unit_code, kind, level, award, name, name_key, status, score, file, sheet, row "
                             "FROM nominations"),
            rankings=rows("SELECT level, unit_code, name, score, rank, cluster, cluster_rank, awards FROM rankings"),
            quotas=rows("SELECT scope, cluster, unit_code, kind, level, award, quota, submitted, proposed FROM quotas"),
        )

    def has_run(self, folder: str) -> bool:
        return self.db.execute("SELECT 1 FROM runs WHERE folder = ?", (folder,)).fetchone() is not None

    def record_run(self, record: RunRecord) -> None:
        """Insert one run's rows. The caller holds the transaction (one per run)."""
        cur = self.db.execute(
            "INSERT INTO runs (folder, year, round, config_hash, started, summary, fingerprint, imported) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (record.folder, record.year, record.round, record.config_hash, record.started,
             json.dumps(record.summary, ensure_ascii=False, default=str), record.fingerprint, int(record.imported)))
        run_id = cur.lastrowid
        many = self.db.executemany
        many("INSERT INTO inputs VALUES (?, ?, ?, ?, ?, ?)", [(run_id, *row) for row in record.inputs])
        many("INSERT INTO nominations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [(run_id, *row) for row in record.nominations])
        many("INSERT INTO rankings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [(run_id, *row) for row in record.rankings])
        many("INSERT INTO quotas VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [(run_id, *row) for row in record.quotas])
        many("INSERT INTO feedback VALUES (?, ?, ?)", [(run_id, code, fp) for code, fp in record.feedback.items()])

    # ------------------------------------------------------------ sending

    def _read(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        """A query outside a run's transaction (`send`): a damaged file is named, never a traceback."""
        try:
            return self.db.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise self._foreign("tệp bị hỏng") from exc

    def fingerprints(self, folder: str) -> tuple[dict[str, str], str | None] | None:
        """(each unit's feedback fingerprint, the leadership's) of a recorded run; None if it is not recorded."""
        row = self._read("SELECT id, fingerprint FROM runs WHERE folder = ?", (folder,)).fetchone()
        if row is None:
            return None
        units = dict(self._read("SELECT unit_code, fingerprint FROM feedback WHERE run_id = ?", (row[0],)))
        return units, row[1]

    def delivery_state(self, folder: str) -> tuple[int, str, dict[str, str]] | None:
        """(year, round, fingerprint by message key as `send` names them) of a recorded run; None if unknown."""
        row = self._read("SELECT year, round FROM runs WHERE folder = ?", (folder,)).fetchone()
        found = self.fingerprints(folder)
        if row is None or found is None:
            return None
        units, leadership = found
        keys = {f"unit:{code}": fp for code, fp in units.items()}
        if leadership is not None:
            keys["leadership"] = leadership
        return row[0], row[1], keys

    def newer_run(self, folder: str) -> str | None:
        """The latest run of the same campaign started after the recorded run `folder`; None if there is none."""
        row = self._read("SELECT r.folder FROM runs r JOIN runs this ON this.folder = ? AND r.year = this.year "
                         "AND r.round = this.round "
                         "AND (r.started > this.started OR r.started = this.started AND r.id > this.id) "
                         "ORDER BY r.started DESC, r.id DESC LIMIT 1", (folder,)).fetchone()
        return row[0] if row else None

    def files_before(self, folder: str) -> dict[str, str]:
        """Unit code -> the file last processed for it in an earlier run of the same campaign than `folder`."""
        rows = self._read(
            "SELECT i.unit_code, i.file FROM inputs i JOIN runs r ON r.id = i.run_id JOIN runs this ON this.folder = ? "
            "AND r.year = this.year AND r.round = this.round "
            "AND (r.started < this.started OR r.started = this.started AND r.id < this.id) "
            "WHERE i.status = 'processed' ORDER BY r.started, r.id", (folder,))
        return dict(rows)

    def run_snapshot(self, folder: str) -> Snapshot | None:
        """A recorded run's rows by its folder's name; None if the ledger does not hold it."""
        row = self._read("SELECT id FROM runs WHERE folder = ?", (folder,)).fetchone()
        if row is None:
            return None
        try:
            return self.snapshot(row[0])
        except sqlite3.DatabaseError as exc:
            raise self._foreign("tệp bị hỏng") from exc

    def deliveries(self, year: int, round_: str) -> dict[str, tuple[str, str]]:
        """Recipient -> (run folder, ISO time) of what was last delivered to it in this campaign."""
        rows = self._read("SELECT recipient, run_folder, time FROM sent WHERE year = ? AND round = ? ORDER BY id",
                          (year, round_))
        return {recipient: (folder, time) for recipient, folder, time in rows}

    def last_sent(self, year: int, round_: str, recipient: str) -> str | None:
        """The fingerprint of what was last delivered to a recipient in this campaign."""
        row = self._read("SELECT fingerprint FROM sent WHERE year = ? AND round = ? AND recipient = ? "
                              "ORDER BY id DESC LIMIT 1", (year, round_, recipient)).fetchone()
        return row[0] if row else None

    def record_sent(self, year: int, round_: str, recipient: str, folder: str, fingerprint: str,
                    when: dt.datetime) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO sent (recipient, year, round, run_folder, fingerprint, time) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (recipient, year, round_, folder, fingerprint, when.isoformat(timespec="seconds")))


@dataclass(frozen=True)
class RunRecord:
    """What the ledger keeps of one run (a finished Result, or an imported ket_qua.json). The rows are tuples in
    their table's column order after run_id: a national run has some 100,000 of them, built once."""

    folder: str
    year: int
    round: str
    started: str
    summary: dict
    inputs: Sequence[tuple]  # file, sha256, unit_code, status, rows
    nominations: Sequence[tuple]  # unit_code, kind, level, award, name, name_key, status, score, file, sheet, row
    rankings: Sequence[tuple]  # level, unit_code, name, score, rank, cluster, cluster_rank, awards (JSON)
    quotas: Sequence[tuple]  # scope, cluster, unit_code, kind, level, award, quota, submitted, proposed
    config_hash: str | None = None
    feedback: dict[str, str] = field(default_factory=dict)  # unit code -> feedback fingerprint
    fingerprint: str | None = None  # the leadership mail's content
    imported: bool = False


def content_fingerprint(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, ensure_ascii=False, default=str).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def record_of(result: Result, snapshot: Snapshot, folder: str, started: dt.datetime, config_hash: str | None,
              feedback: dict[str, str]) -> RunRecord:
    """The ledger's record of a finished run, from its snapshot (the rows the next run compares with).

    The leadership's fingerprint covers what the consolidated files present. Every nomination and ranked
    committee is shown in its unit's feedback, so the units' fingerprints stand for them (hashing 100,000 rows
    again would cost a national run a second); the files, quota lines, caps, issues and the config (the Word
    drafts' signer and dates) are hashed as they are."""
    issues = [(i.code, i.severity, i.file, i.sheet, i.cell, i.message) for i in result.issues]
    caps = [(c.kind, c.level, c.award, c.cap, c.proposed, c.quota_total) for c in result.caps]
    summary = {**result.summary(), **({"changes": result.changes.counts()} if result.changes is not None else {})}
    s = snapshot
    return RunRecord(
        folder=folder, year=result.year, round=result.round, started=started.isoformat(timespec="seconds"),
        summary=summary, inputs=s.files, nominations=s.nominations, rankings=s.rankings, quotas=s.quotas,
        config_hash=config_hash, feedback=feedback,
        fingerprint=content_fingerprint(config_hash, s.files, s.quotas, caps, issues, sorted(feedback.items())))


def record_of_json(data: dict, folder: str, started: str) -> RunRecord:
    """The ledger's record of an earlier run folder, from its ket_qua.json (`ledger import`). No fingerprints:
    what was sent before the ledger existed is not known, so `send` treats those runs' feedback as new."""
    return RunRecord(
        folder=folder, year=int(data["year"]), round=str(data["round"]), started=started,
        summary=data.get("summary") or {},
        inputs=[(i["file"], i["sha256"], i["unit_code"], i["status"], i.get("rows", 0)) for i in data.get("inputs", ())],
        nominations=[(n["unit_code"], n["kind"], n.get("level"), n.get("award"), n["name"], name_key(n["name"]),
                      n["status"], n.get("score"), n.get("file"), n.get("sheet"), n.get("row"))
                     for n in data.get("nominations", ())],
        rankings=[(level, r["unit_code"], r["name"], r.get("score"), r.get("rank"), r.get("cluster"),
                   r.get("cluster_rank"), awards_text(tuple(r.get("awards", ()))))
                  for level, units in data.get("rankings", {}).items() for r in units],
        quotas=[(q.get("scope", "unit"), q.get("cluster"), q.get("unit_code"), q["kind"], q["level"], q["award"],
                 q["quota"], q.get("submitted"), q.get("proposed")) for q in data.get("quotas", ())],
        imported=True)


def run_time(run_dir: Path, data: dict) -> str:
    """When an earlier run started: as its ket_qua.json records it, else as its folder's name says
    ("2026-11-30_0915", "…_2"). Never a file time: a copied folder is as new as the copy, and would become the
    "previous run" of the next comparison."""
    recorded = data.get("started") if isinstance(data, dict) else None
    if isinstance(recorded, str):
        try:
            return dt.datetime.fromisoformat(recorded).isoformat(timespec="seconds")
        except ValueError:
            pass
    try:
        return dt.datetime.strptime(run_dir.name[:15], "%Y-%m-%d_%H%M").isoformat(timespec="seconds")
    except ValueError:
        raise ThiduaError(
            f"Không xác định được thời điểm của lần chạy trong thư mục {run_dir}: {RESULT_JSON} không ghi thời điểm "
            "bắt đầu và tên thư mục không theo dạng năm-tháng-ngày_giờphút (ví dụ 2026-11-30_0915). Đề nghị đổi "
            "tên thư mục theo ngày giờ của lần chạy đó rồi nạp lại.") from None


def import_runs(run_dirs: Sequence[Path], config: Config) -> list[str]:
    """`ledger import`: each run folder's ket_qua.json into the config's ledger (its output folder's, or
    [paths] ledger), one transaction each. The folders are only read: they may sit on a USB stick."""
    lines = []
    for run_dir in run_dirs:
        result_file = run_dir / RESULT_JSON
        if not result_file.is_file():
            raise ThiduaError(f"Không tìm thấy {RESULT_JSON} trong {run_dir}: đây không phải thư mục một lần chạy.")
        try:
            data = json.loads(result_file.read_text(encoding="utf-8"))
            started = run_time(run_dir, data)
            record = record_of_json(data, run_dir.name, started)
        except (ValueError, KeyError, TypeError) as exc:
            raise ThiduaError(f"Tệp {result_file} bị hỏng (bị cắt ngắn, để trống hoặc bị sửa tay), nên không nạp được "
                              "lần chạy này vào sổ. Đề nghị chép lại tệp từ bản sao lưu, hoặc bỏ thư mục này khỏi lệnh."
                              ) from exc
        with Ledger(ledger_path(config)) as ledger, ledger.transaction():
            if ledger.has_run(run_dir.name):
                lines.append(f"{run_dir.name}: đã có trong sổ {ledger.path}, bỏ qua.")
                continue
            ledger.record_run(record)
            lines.append(f"{run_dir.name}: đã nạp vào sổ {ledger.path} ({len(record.nominations)} trường hợp đề "
                         f"nghị, {len(record.inputs)} tệp).")
    return lines
