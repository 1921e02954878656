"""The ledger: its schema and migrations, its guard against foreign files, and one transaction per run."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli, run_dirs

from thidua.cli import ROOT
from thidua.errors import ThiduaError
from thidua.ledger import LATEST, MIGRATIONS, Ledger
from thidua.names import LEDGER_FILE, OUTBOX, RESULT_JSON, TEMP_PREFIX

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
        assert [n[4] for n in snapshot.nominations] == ["Nguyễn Văn An", "Ủy ban MTTQ xã Đại Hải"]
        assert snapshot.rankings[0][7] == '["CO_XSTD"]'
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
    assert "malformed" not in str(caught.value) and "database" not in str(caught.value)
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


# ---------------------------------------------------------------- a month of the campaign, end to end

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _edit(path: Path, sheet: str, row_text: str, column: str, value) -> None:
    """Change one cell of an input workbook, found by a text in its row and its column's header."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    rows = list(ws.iter_rows())
    header = next(r for r in rows if any(c.value == column for c in r))
    col = next(c.column for c in header if c.value == column)
    [row] = [r for r in rows if any(c.value == row_text for c in r)]
    ws.cell(row=row[0].row, column=col, value=value)
    wb.save(path)


def _drop_row(path: Path, sheet: str, row_text: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    [row] = [r for r in ws.iter_rows() if any(c.value == row_text for c in r)]
    ws.delete_rows(row[0].row)
    wb.save(path)


@dataclass(frozen=True)
class Month:
    """A dataset's scripted month: the unit that sent nothing, the unit that sends a corrected file and its
    corrections, and what the second run must list because of them (and nothing else)."""

    config: tuple[str, ...]  # --config arguments
    absent: str
    unit: str
    corrections: tuple  # (function, sheet, row text, *arguments)
    nominations: list[dict]
    rankings: list[dict]
    mailed: set[str]  # the units whose own feedback changed ...
    cluster: str | None = None  # ... and every commune of this cluster (its pooled quota line changed)
    quotas: tuple[dict, ...] = ()  # the quota lines whose quota or counts changed


def _quota(scope, cluster, code, kind, award, quota, submitted, proposed):
    return {"scope": scope, "cluster": cluster, "unit_code": code, "kind": kind, "level": "xa", "award": award,
            "from": quota[0], "to": quota[1], "from_submitted": submitted[0], "to_submitted": submitted[1],
            "from_proposed": proposed[0], "to_proposed": proposed[1]}


def _nomination(code, kind, level, award, name, was, now):
    return {"unit_code": code, "kind": kind, "level": level, "award": award, "name": name, "from": was, "to": now}


def _ranking(level, code, name, was, now, had, has, cluster_was=None, cluster_now=None):
    return {"level": level, "unit_code": code, "name": name, "from_rank": was, "to_rank": now,
            "from_cluster_rank": cluster_was, "to_cluster_rank": cluster_now, "from_awards": had, "to_awards": has}


MONTHS = {
    # 2023, Sóc Trăng: Châu Thành withdraws the commune it proposed over its quota, and re-marks Thị trấn Châu
    # Thành from 96.5 to 96.75: the tie with Phường 5 (Thành phố Sóc Trăng) at the Bằng khen Trung ương's cut is
    # broken, the town takes the award the tie held back and Phường 5 falls to fourth.
    "soc-trang-2023": Month(
        config=(), absent="948", unit="942",
        corrections=((_drop_row, "Đề nghị tập thể", "Ủy ban MTTQ Việt Nam xã Phú Tân"),
                     (_edit, "Chấm điểm cấp xã", "Thị trấn Châu Thành", "Điểm", 96.75)),
        nominations=[_nomination("942", "collective", "xa", "BK_MTTQ_TINH", "Ủy ban MTTQ Việt Nam xã Phú Tân",
                                 "over_quota", None)],
        rankings=[_ranking("xa", "942", "Thị trấn Châu Thành", 3, 3, [], ["BK_TW_MTTQ"]),
                  _ranking("xa", "941", "Phường 5", 3, 4, [], [])],
        mailed={"942", "941"},
        quotas=(_quota("unit", None, "942", "collective", "BK_MTTQ_TINH", (1, 1), (2, 1), (1, 1)),)),
    # 2026, Cần Thơ (two tiers, clusters): Xã Xà Phiên withdraws the person it proposed over its cluster's quota,
    # and corrects its own score from 90.3 to 90.8: it passes Xã Thới An Hội in Cụm thi đua số 7 and takes the
    # cluster's Cờ thi đua xuất sắc, Thới An Hội gets the Bằng khen instead, and Xã Hòa An (90.4, another cluster)
    # falls one place. The cluster's pooled quota line shows one name fewer to every commune of Cụm 7.
    "can-tho-2026": Month(
        config=("--config", str(EXAMPLES / "can-tho-2026" / "config.toml")), absent="31789", unit="31495",
        corrections=((_drop_row, "Đề nghị cá nhân", "Nguyễn Công Quang"),
                     (_edit, "Thông tin", "Điểm tự chấm", "Nội dung", 90.8)),
        nominations=[_nomination("31495", "individual", "xa", "BK_MTTQ_TINH", "Nguyễn Công Quang", "over_quota", None)],
        rankings=[_ranking("xa", "31495", "Xã Xà Phiên", 28, 26, ["BK_MTTQ_TINH"], ["CO_XS"], 2, 1),
                  _ranking("xa", "31540", "Xã Thới An Hội", 26, 27, ["CO_XS"], ["BK_MTTQ_TINH"], 1, 2),
                  _ranking("xa", "31393", "Xã Hòa An", 27, 28, [], [], 3, 3),
                  _ranking("xa", "31471", "Phường Long Mỹ", 28, 29, [], [], 4, 4)],  # no longer tied with Xà Phiên
        mailed={"31495", "31540", "31393", "31471"}, cluster="Cụm thi đua số 7",
        # One name fewer on the cluster's pooled line: every commune of Cụm 7 is mailed, and its mail says so.
        quotas=(_quota("cluster", "Cụm thi đua số 7", None, "individual", "BK_MTTQ_TINH", (1, 1), (5, 4), (1, 1)),)),
}


@pytest.mark.parametrize("month", list(MONTHS))
def test_a_scripted_month(tmp_path, month):
    m = MONTHS[month]
    inputs, out = tmp_path / "in", tmp_path / "out"
    assert run_cli(*m.config, "sample", "--output", str(inputs))[0] == 0
    files = {}
    for path in inputs.glob("*.xlsx"):
        files[openpyxl.load_workbook(path, read_only=True)["Thông tin"]["B3"].value] = path
    files[m.absent].unlink()

    summaries = []

    def run() -> tuple[Path, dict]:
        code, text = run_cli(*m.config, "run", "--input", str(inputs), "--output", str(out))
        assert code in (0, 1), text
        summaries.append(text)
        folder = run_dirs(out)[-1]
        return folder, json.loads((folder / RESULT_JSON).read_text(encoding="utf-8"))

    def send(folder: Path, *options: str) -> set[str]:
        code, text = run_cli(*m.config, "send", str(folder), *options)
        assert code == 0, text
        return {p.stem for p in (folder / OUTBOX).glob("*.eml")} if (folder / OUTBOX).is_dir() else set()

    first, data = run()
    assert data["changes"] == {"previous_run": None, "files": [], "nominations": [], "rankings": [], "quotas": []}
    feedback = {u["code"]: Path(u["feedback_file"]).stem for u in data["units"]}
    # The province's office sends, and gets no feedback of its own.
    everyone = {feedback[u["code"]] for u in data["units"] if u["code"] != m.absent and u["cap"] != "tinh"} | {
        "Lãnh đạo - Tổng hợp"}
    assert send(first) == everyone

    second, data = run()  # nothing changed: nothing listed, nothing mailed
    assert data["changes"] == {"previous_run": first.name, "files": [], "nominations": [], "rankings": [],
                               "quotas": []}
    assert send(second) == set()

    for correct, sheet, row, *args in m.corrections:
        correct(files[m.unit], sheet, row, *args)
    third, data = run()
    changes = data["changes"]
    assert changes["previous_run"] == second.name
    assert changes["files"] == [{"unit_code": m.unit, "file": files[m.unit].name, "change": "replaced"}]
    assert changes["nominations"] == m.nominations
    assert changes["rankings"] == m.rankings
    assert changes["quotas"] == list(m.quotas)
    assert "Lần chạy đầu tiên" in summaries[0] and f"{second.name}: tệp 1, đề nghị khen thưởng 1, xếp hạng " \
        f"{len(m.rankings)}, chỉ tiêu {len(m.quotas)}" in summaries[2]
    consolidated = openpyxl.load_workbook(next(third.glob("Tổng hợp*.xlsx")), read_only=True)["Thay đổi"]
    listed = [r for r in consolidated.iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(listed) == 2 + len(m.rankings) + len(m.quotas)
    for q in m.quotas:  # the counts that moved are shown, not only the quota that did not
        [shown] = [row for row in listed if row[0] == "Chỉ tiêu"]
        assert f"đã đề nghị {q['from_submitted']}" in shown[4] and f"đã đề nghị {q['to_submitted']}" in shown[5]
    for r in m.rankings:  # the cluster rank, which decides the cluster's flags, is shown beside the province's
        if r["to_cluster_rank"] is not None:
            [shown] = [row for row in listed if row[2] == r["name"]]
            assert f"hạng {r['from_cluster_rank']} trong cụm" in shown[4]
            assert f"hạng {r['to_cluster_rank']} trong cụm" in shown[5]
    own = openpyxl.load_workbook(third / "PhanHoi" / f"{feedback[m.unit]}.xlsx", read_only=True)["Thay đổi"]
    assert [r[0] for r in own.iter_rows(min_row=4, values_only=True) if r[0]] == [
        "Tệp", "Đề nghị khen thưởng", "Xếp hạng Ủy ban MTTQ cấp xã", *["Chỉ tiêu"] * len(m.quotas)]
    mailed = m.mailed | {r["unit_code"] for r in data["rankings"]["xa"] if m.cluster and r["cluster"] == m.cluster}
    assert m.cluster is None or len(mailed) > len(m.mailed)
    assert send(third) == {feedback[c] for c in mailed} | {"Lãnh đạo - Tổng hợp"}
    leadership = (third / OUTBOX / "Lãnh đạo - Tổng hợp.eml").read_bytes()
    told = message_from_bytes(leadership, policy=policy.default).get_body(("plain",)).get_content()
    # The leadership last received the first run (the second changed nothing): the mail compares with that one.
    assert f"(lần chạy {first.name}): tệp 1, đề nghị khen thưởng 1, xếp hạng {len(m.rankings)}, " \
        f"chỉ tiêu {len(m.quotas)}" in told
    for code in mailed - m.mailed:  # mailed for the pooled line alone: the mail says what changed
        own_mail = (third / OUTBOX / f"{feedback[code]}.eml").read_bytes()
        said = message_from_bytes(own_mail, policy=policy.default).get_body(("plain",)).get_content()
        assert "chỉ tiêu 1" in said and ": không có" not in said
    assert f"lần chạy liền trước {second.name}" in told
    reminders = send(third, "--remind") - {feedback[c] for c in mailed} - {"Lãnh đạo - Tổng hợp"}
    assert reminders == {f"Nhắc gửi báo cáo - {u['short_name']}" for u in data["units"] if u["code"] == m.absent}
    [reminder] = [p for p in (third / OUTBOX).glob("Nhắc gửi báo cáo - *.eml")]
    text = message_from_bytes(reminder.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    assert "....../....../......" in text  # no deadline in config: a dotted line to fill in
    # The unit's own template, its name and code filled in, as `template --per-unit` writes it.
    [attached] = [p for p in message_from_bytes(reminder.read_bytes(), policy=policy.default).iter_attachments()]
    assert attached.get_filename().endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(attached.get_content()), read_only=True)
    assert book["Thông tin"]["B3"].value == m.absent
    with Ledger(out / LEDGER_FILE) as ledger:
        before, after = ledger.fingerprints(second.name), ledger.fingerprints(third.name)
    assert before is not None and after is not None
    # Every other unit's feedback holds exactly the same content as last time.
    assert {c for c in after[0] if after[0][c] != before[0][c]} == mailed


def test_a_mail_tells_the_changes_since_what_its_recipient_last_received(tmp_path):
    """Run A is sent; run B has a corrected file; run C changes nothing. Sending C mails what changed since A."""
    m = MONTHS["soc-trang-2023"]
    inputs, out = tmp_path / "in", tmp_path / "out"
    assert run_cli("sample", "--output", str(inputs))[0] == 0
    files = {openpyxl.load_workbook(p, read_only=True)["Thông tin"]["B3"].value: p for p in inputs.glob("*.xlsx")}

    def run() -> Path:
        assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] in (0, 1)
        return run_dirs(out)[-1]

    def body(folder: Path, stem: str) -> str:
        raw = (folder / OUTBOX / f"{stem}.eml").read_bytes()
        return message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()

    first = run()
    assert run_cli("send", str(first))[0] == 0
    for correct, sheet, row, *args in m.corrections:
        correct(files[m.unit], sheet, row, *args)
    second = run()
    third = run()
    assert run_cli("send", str(third))[0] == 0
    data = json.loads((third / RESULT_JSON).read_text(encoding="utf-8"))
    assert data["changes"]["previous_run"] == second.name and not any(data["changes"][k] for k in (
        "files", "nominations", "rankings", "quotas"))
    sent = dt.date.today().strftime("%d/%m/%Y")
    told = body(third, "Lãnh đạo - Tổng hợp")
    assert f"Thay đổi so với kết quả đã gửi ngày {sent} (lần chạy {first.name}): tệp 1, đề nghị khen thưởng 1, " \
        f"xếp hạng {len(m.rankings)}, chỉ tiêu 1" in told and f"lần chạy liền trước {second.name}" in told
    [unit] = [u for u in data["units"] if u["code"] == m.unit]
    own = body(third, Path(unit["feedback_file"]).stem)
    assert f"Thay đổi so với kết quả đã gửi ngày {sent} (lần chạy {first.name}): tệp 1, đề nghị khen thưởng 1, " \
        "xếp hạng 1, chỉ tiêu 1" in own


# ---------------------------------------------------------------- a run stopped at any point

def _dump(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


@pytest.fixture
def recorded(sample_run, tmp_path):
    """An output folder whose ledger holds one run of the sample batch."""
    inputs, out = sample_run[0] / "input", tmp_path / "out"
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 0
    return inputs, out, _dump(out / LEDGER_FILE)


def _interrupted(*args, **kw):
    raise KeyboardInterrupt


def test_a_run_stopped_while_reading_leaves_the_ledger_as_it_was(recorded, monkeypatch):
    from thidua import batch

    inputs, out, before = recorded
    monkeypatch.setattr(batch, "evaluate_folder", _interrupted)
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 2
    assert _dump(out / LEDGER_FILE) == before and len(run_dirs(out)) == 1


def test_a_run_stopped_while_writing_leaves_the_ledger_as_it_was(recorded, monkeypatch):
    from thidua import xlsx_report

    inputs, out, before = recorded
    monkeypatch.setattr(xlsx_report, "write_feedback", _interrupted)
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 2
    assert _dump(out / LEDGER_FILE) == before and len(run_dirs(out)) == 1


def test_a_run_stopped_while_recording_leaves_the_ledger_as_it_was(recorded, monkeypatch):
    """The run folder is complete and half the rows are written when the run stops: none of them stays."""
    inputs, out, before = recorded
    insert = Ledger.record_run

    def half(self, record):
        insert(self, record)
        assert self.db.execute("SELECT count(*) FROM runs").fetchone()[0] == 2  # written, not yet committed
        raise KeyboardInterrupt
    monkeypatch.setattr(Ledger, "record_run", half)
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 2
    assert _dump(out / LEDGER_FILE) == before


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="a process killed outright: POSIX")
def test_a_run_process_killed_while_writing_leaves_the_ledger_as_it_was(recorded):
    inputs, out, before = recorded
    process = subprocess.Popen([sys.executable, "process.py", "run", "--input", str(inputs), "--output", str(out)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None and not any(out.glob(f"{TEMP_PREFIX}*")):
            time.sleep(0.01)  # polling for the moment to kill, not measuring anything
        assert process.poll() is None, "the run ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert _dump(out / LEDGER_FILE) == before and len(run_dirs(out)) == 1
    code, text = run_cli("run", "--input", str(inputs), "--output", str(out))  # the ledger still works
    assert code == 0 and "không có" in text


def test_a_second_run_waits_for_the_first_then_stops_with_exit_2(recorded, monkeypatch, capsys):
    from thidua import ledger as ledger_module

    inputs, out, before = recorded
    monkeypatch.setattr(ledger_module, "WAIT_SECONDS", 0.2)
    with Ledger(out / LEDGER_FILE) as first, first.transaction():
        assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 2
    assert "đang được một lần chạy khác sử dụng" in capsys.readouterr().err
    assert len(run_dirs(out)) == 1 and _dump(out / LEDGER_FILE) == before


def test_a_corrupted_ledger_stops_the_run_and_is_kept(sample_run, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / LEDGER_FILE).write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20)
    before = (out / LEDGER_FILE).read_bytes()
    assert run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(out))[0] == 2
    assert str(out / LEDGER_FILE) in capsys.readouterr().err
    assert (out / LEDGER_FILE).read_bytes() == before and run_dirs(out) == []


def test_a_ledger_damaged_inside_stops_the_run_and_is_kept(recorded, capsys):
    """The header and the schema read well, the pages of the rows do not."""
    inputs, out, _ = recorded
    path = out / LEDGER_FILE
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[2 * page:] = b"\xab" * (len(data) - 2 * page)
    path.write_bytes(bytes(data))
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 2
    assert str(path) in capsys.readouterr().err
    assert path.read_bytes() == bytes(data) and len(run_dirs(out)) == 1


# ---------------------------------------------------------------- history from before the ledger

def test_earlier_run_folders_are_imported_from_their_results(recorded, tmp_path):
    inputs, out, _ = recorded
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 0
    old = tmp_path / "old"
    for folder in run_dirs(out):  # run folders as a version without the ledger left them
        shutil.copytree(folder, old / folder.name)
    first, second = run_dirs(old)
    code, text = run_cli("ledger", "import", "--output", str(old), str(first), str(second))
    assert code == 0 and text.count("đã nạp") == 2
    with Ledger(old / LEDGER_FILE) as ledger:
        assert [r[0] for r in ledger.db.execute("SELECT folder FROM runs ORDER BY started, id")] == [
            first.name, second.name]
        imported = ledger.previous(2023, "tong-ket")
        original = Ledger(out / LEDGER_FILE).previous(2023, "tong-ket")
        assert imported is not None and original is not None and imported == original
    assert run_cli("ledger", "import", "--output", str(old), str(first))[1].count("bỏ qua") == 1
    code, text = run_cli("run", "--input", str(inputs), "--output", str(old))
    data = json.loads((run_dirs(old)[-1] / RESULT_JSON).read_text(encoding="utf-8"))
    assert data["changes"]["previous_run"] == second.name and "không có" in text


def test_import_writes_into_the_configs_ledger_not_beside_the_imported_folder(recorded, tmp_path):
    inputs, out, _ = recorded
    [run] = run_dirs(out)
    usb = tmp_path / "usb"
    shutil.copytree(run, usb / run.name)
    target = tmp_path / "qt2"
    code, text = run_cli("ledger", "import", "--output", str(target), str(usb / run.name))
    assert code == 0 and "đã nạp" in text
    assert not (usb / LEDGER_FILE).exists()
    with Ledger(target / LEDGER_FILE) as ledger:
        assert ledger.has_run(run.name)


def test_an_imported_run_is_dated_by_its_result_never_by_file_times(recorded, tmp_path, capsys):
    inputs, out, _ = recorded
    [run] = run_dirs(out)
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 0
    latest = run_dirs(out)[-1]
    # An old run copied under another name: no date in its name, and the copy is newer than every run.
    copied = tmp_path / "usb" / "imported_run"
    shutil.copytree(run, copied)
    code, text = run_cli("ledger", "import", "--output", str(out), str(copied))
    assert code == 2 and "imported_run" in capsys.readouterr().err
    data = json.loads((copied / RESULT_JSON).read_text(encoding="utf-8"))
    data["started"] = "2020-01-01T08:00:00"
    (copied / RESULT_JSON).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, text = run_cli("ledger", "import", "--output", str(out), str(copied))
    assert code == 0 and "đã nạp" in text
    with Ledger(out / LEDGER_FILE) as ledger:
        started = dict(ledger.db.execute("SELECT folder, started FROM runs"))
        assert started["imported_run"] == "2020-01-01T08:00:00"
        previous = ledger.previous(2023, "tong-ket")
        assert previous is not None and previous[0] == latest.name


def test_a_send_that_writes_nothing_does_not_point_to_an_outbox(recorded):
    inputs, out, _ = recorded
    [first] = run_dirs(out)
    assert run_cli("send", str(first))[0] == 0
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 0
    second = run_dirs(out)[-1]
    code, text = run_cli("send", str(second))
    assert code == 0 and not (second / OUTBOX).exists()
    assert str(second / OUTBOX) not in text and "Không có thư nào được ghi" in text


def test_send_all_of_an_older_run_is_refused_naming_the_newer_run(recorded, capsys):
    inputs, out, _ = recorded
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 0
    first, second = run_dirs(out)
    before = _dump(out / LEDGER_FILE)
    assert run_cli("send", str(first), "--all")[0] == 2
    assert second.name in capsys.readouterr().err
    assert not (first / OUTBOX).exists() and _dump(out / LEDGER_FILE) == before
    assert run_cli("send", str(second), "--all")[0] == 0


def test_a_reminder_says_truly_that_a_units_file_left_the_batch(sample_run, tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(sample_run[0] / "input", inputs)
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 0
    data = json.loads((run_dirs(out)[0] / RESULT_JSON).read_text(encoding="utf-8"))
    gone = next(i for i in data["inputs"] if i["status"] == "processed")
    (inputs / gone["file"]).unlink()
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] in (0, 1)
    second = run_dirs(out)[-1]
    assert run_cli("send", str(second), "--remind")[0] == 0
    [unit] = [u for u in data["units"] if u["code"] == gone["unit_code"]]
    reminder = second / OUTBOX / f"Nhắc gửi báo cáo - {unit['short_name']}.eml"
    text = message_from_bytes(reminder.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    assert "chưa nhận được" not in text and "không còn trong" in text


def test_send_all_sends_again_what_did_not_change(recorded):
    inputs, out, _ = recorded
    [first] = run_dirs(out)
    assert run_cli("send", str(first))[0] == 0
    assert run_cli("run", "--input", str(inputs), "--output", str(out))[0] == 0
    second = run_dirs(out)[-1]
    code, text = run_cli("send", str(second))
    assert code == 0 and not (second / OUTBOX).exists() and "không thay đổi nên không gửi lại: 12" in text
    code, text = run_cli("send", str(second), "--all")
    assert code == 0 and len(list((second / OUTBOX).glob("*.eml"))) == 12  # 11 districts and the leadership


# ---------------------------------------------------------------- comparing two run folders by hand

BLOCK_OPENPYXL = """
import runpy, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "openpyxl":
            raise ImportError("openpyxl is a development dependency")
sys.meta_path.insert(0, Block())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _compare(before: Path, after: Path) -> subprocess.CompletedProcess:
    """scripts/compare_runs.py as a runtime install has it: without openpyxl."""
    return subprocess.run([sys.executable, "-c", BLOCK_OPENPYXL, str(ROOT / "scripts" / "compare_runs.py"),
                           str(before), str(after)], capture_output=True, text=True, encoding="utf-8")


def test_compare_runs_needs_no_openpyxl_and_summarises_per_sheet(sample_run, tmp_path):
    folder = sample_run[3]
    before, after = tmp_path / "a", tmp_path / "b"
    for copy in (before, after):
        shutil.copytree(folder, copy)
    done = _compare(before, after)
    assert (done.returncode, done.stdout.strip()) == (0, "identical"), done.stderr
    book_path = after / "PhanHoi" / "Phản hồi - Huyện Kế Sách.xlsx"
    book = openpyxl.load_workbook(book_path)
    for row in range(2, 12):  # ten cells of one sheet
        book["Đề nghị"].cell(row=row, column=2, value=f"Tên đã sửa {row}")
    book.save(book_path)
    done = _compare(before, after)
    assert done.returncode == 1, done.stderr
    assert "PhanHoi/Phản hồi - Huyện Kế Sách.xlsx [Đề nghị]: 10 differences" in done.stdout
    assert done.stdout.count("Tên đã sửa") == 3 and "... and 7 more" in done.stdout


def test_the_ledger_lives_beside_the_runs_unless_the_config_names_it(sample_run, tmp_path, config):
    from thidua.config import with_overrides
    from thidua.ledger import ledger_path

    assert ledger_path(config) == config.output_dir / LEDGER_FILE
    assert ledger_path(config, tmp_path / "out" / "2026-11-30_0915") == tmp_path / "out" / LEDGER_FILE
    named = with_overrides(config, ledger_path=tmp_path / "so" / "ledger.sqlite")
    assert ledger_path(named, tmp_path / "out" / "2026-11-30_0915") == tmp_path / "so" / "ledger.sqlite"
    # The same through config.toml: a relative path is read from the config file's folder.
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    for folder in ("data", "templates"):
        text = text.replace(f'"{folder}/', f'"{(ROOT / folder).as_posix()}/').replace(
            f'templates = "{folder}"', f'templates = "{(ROOT / folder).as_posix()}"')
    text = text.replace('[paths]\n', '[paths]\nledger = "so/thidua.sqlite"\n', 1)
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    code, _ = run_cli("--config", str(tmp_path / "config.toml"), "run", "--input", str(sample_run[0] / "input"),
                      "--output", str(tmp_path / "out"))
    assert code == 0 and (tmp_path / "so" / "thidua.sqlite").is_file() and not (tmp_path / "out" / LEDGER_FILE).exists()
    code, text = run_cli("--config", str(tmp_path / "config.toml"), "send", str(run_dirs(tmp_path / "out")[0]))
    assert code == 0 and not (tmp_path / "out" / LEDGER_FILE).exists()
    with Ledger(tmp_path / "so" / "thidua.sqlite") as ledger:
        assert ledger.last_sent(2023, "tong-ket", "leadership") is not None


def test_a_send_while_a_run_holds_the_ledger_still_sends_and_says_what_it_could_not_record(recorded, monkeypatch):
    from thidua import ledger as ledger_module

    _, out, _ = recorded
    [run] = run_dirs(out)
    monkeypatch.setattr(ledger_module, "WAIT_SECONDS", 0.2)
    with Ledger(out / LEDGER_FILE) as running, running.transaction():
        code, text = run_cli("send", str(run))
    assert code == 0 and len(list((run / OUTBOX).glob("*.eml"))) == 12
    assert text.count("[Chưa ghi vào sổ]") == 12
    code, text = run_cli("send", str(run))  # the send log still knows what went
    assert code == 0 and "đã gửi trước: 12" in text


def test_a_deleted_run_folders_name_is_never_given_to_a_new_run(sample_run, tmp_path, monkeypatch):
    """The ledger keeps a deleted run's name, and `send` finds runs by name: a new run in the same minute takes
    the next name, and is recorded (it was refused as a damaged ledger, and `send` read the old run's rows)."""

    class Fixed(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 12, 7, 9, 15)

    monkeypatch.setattr(dt, "datetime", Fixed)
    out = tmp_path / "out"
    assert run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(out))[0] in (0, 1)
    [first] = run_dirs(out)
    shutil.rmtree(first)
    code, text = run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(out))
    assert code in (0, 1), text
    [second] = run_dirs(out)
    assert second.name == f"{first.name}_2"
    with Ledger(out / LEDGER_FILE) as ledger:
        assert ledger.folders() == {first.name, second.name}


@pytest.mark.parametrize("error, says", [
    (sqlite3.OperationalError("database or disk is full"), "ổ đĩa đầy"),
    (sqlite3.IntegrityError("UNIQUE constraint failed: runs.folder"), "cùng tên thư mục"),
    (sqlite3.DatabaseError("database disk image is malformed"), "không phải sổ lưu"),
])
def test_only_a_damaged_ledger_is_called_damaged(tmp_path, error, says):
    """A clerk told the file is not a ledger might move it away and lose the campaign's memory: a full disk or a
    clash is said as what it is, and the ledger is kept as it was."""
    with Ledger(tmp_path / LEDGER_FILE) as ledger:
        with pytest.raises(ThiduaError, match=says):
            with ledger.transaction():
                raise error
        assert ledger.folders() == frozenset()


def test_ctrl_c_while_recording_says_the_run_folder_is_complete(sample_run, tmp_path, monkeypatch, capsys):
    def stopped(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Ledger, "record_run", stopped)
    out = tmp_path / "out"
    code, _ = run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(out))
    [folder] = run_dirs(out)
    said = capsys.readouterr().err
    assert code == 2 and (folder / RESULT_JSON).is_file()
    assert "đã được ghi đầy đủ" in said and "không được ghi" not in said
