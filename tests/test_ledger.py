"""The ledger: its schema and migrations, its guard against foreign files, and one transaction per run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from thidua.errors import ThiduaError
from thidua.ledger import LATEST, MIGRATIONS, Ledger

LEDGERS = Path(__file__).parent / "data" / "ledger"


# ---------------------------------------------------------------- schema versions

def ledger_of_version(path: Path, version: int) -> Path:
    """A ledger file exactly as version `version` of the schema left it, from its stored SQL script.

    Each schema version adds tests/data/ledger/v<N>.sql (a dump of a small ledger of that version); the tests
    below open every stored version and check it is brought forward with its rows kept."""
    db = sqlite3.connect(path)
    db.executescript((LEDGERS / f"v{version}.sql").read_text(encoding="utf-8"))
    db.close()
    return path


STORED_VERSIONS = sorted(int(p.stem[1:]) for p in LEDGERS.glob("v*.sql"))


def test_every_schema_version_has_a_stored_database():
    assert STORED_VERSIONS == list(range(1, LATEST + 1))
    assert LATEST == len(MIGRATIONS)


@pytest.mark.parametrize("version", STORED_VERSIONS)
def test_a_ledger_of_an_earlier_version_is_brought_forward_with_its_rows(tmp_path, version):
    path = ledger_of_version(tmp_path / "thidua.sqlite", version)
    with Ledger(path) as ledger:
        assert ledger.version == LATEST
        previous = ledger.previous(2023, "tong-ket")
        assert previous is not None and previous[0] == "2023-11-30_0915"
        snapshot = previous[1]
        assert [n["name"] for n in snapshot.nominations] == ["Nguyễn Văn An", "Ủy ban MTTQ xã Đại Hải"]
        assert snapshot.rankings[0]["awards"] == ["CO_XSTD"]
        assert ledger.last_sent(2023, "tong-ket", "unit:943") == "f1" * 32
        assert ledger.fingerprints("2023-11-30_0915") == ({"943": "f1" * 32}, "f2" * 32)


def test_a_new_ledger_gets_the_latest_schema(tmp_path):
    with Ledger(tmp_path / "sub" / "thidua.sqlite") as ledger:
        assert ledger.version == LATEST
        assert ledger.previous(2023, "tong-ket") is None


def test_a_ledger_of_a_newer_version_is_refused_and_kept(tmp_path):
    path = ledger_of_version(tmp_path / "thidua.sqlite", LATEST)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {LATEST + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(ThiduaError, match="phiên bản mới hơn"):
        Ledger(path)
    assert path.read_bytes() == before


# ---------------------------------------------------------------- files that are not ours

def test_a_corrupted_file_is_refused_and_never_overwritten(tmp_path):
    path = tmp_path / "thidua.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    before = path.read_bytes()
    with pytest.raises(ThiduaError) as caught:
        Ledger(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before


def test_a_text_file_is_refused(tmp_path):
    path = tmp_path / "thidua.sqlite"
    path.write_text("danh sách đơn vị\n" * 100, encoding="utf-8")
    with pytest.raises(ThiduaError, match="không phải sổ lưu"):
        Ledger(path)
    assert path.read_text(encoding="utf-8") == "danh sách đơn vị\n" * 100


def test_another_programs_database_is_refused_and_kept(tmp_path):
    path = tmp_path / "thidua.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE contacts (name TEXT)")
    db.execute("INSERT INTO contacts VALUES ('Nguyễn Văn An')")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(ThiduaError, match="chương trình khác"):
        Ledger(path)
    assert path.read_bytes() == before


def test_a_second_writer_waits_then_stops(tmp_path):
    path = tmp_path / "thidua.sqlite"
    with Ledger(path) as first, Ledger(path, wait=0.2) as second:
        with first.transaction():
            with pytest.raises(ThiduaError, match="lần chạy khác"):
                with second.transaction():
                    pass
        with second.transaction():  # free again once the first is done
            pass
