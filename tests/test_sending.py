"""Sending that never sends twice or loses a message (issue 21, points 1-6; issue 20, the e-mail points).

The SMTP server is a real one on 127.0.0.1 (aiosmtpd) that can hold its reply to DATA, hang up, and answer
late on purpose; the races and the kills use real processes.
"""

from __future__ import annotations

import asyncio
import csv
import errno
import io
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from conftest import run_cli, run_dirs

from thidua import mail
from thidua.cli import ROOT
from thidua.mail import WAITING, send_run
from thidua.names import OUTBOX, RESULT_JSON, SEND_LOG, feedback_file_names, latest_run
from thidua.registry import Unit


def _unit(code: str, name: str) -> Unit:
    return Unit(code, name, "huyen", "", 1, 1, "")


# ---------------------------------------------------------------- file names (points 5 and 6)

def test_a_code_fallback_that_meets_another_units_name_gets_a_name_of_its_own():
    units = [_unit("1", "Huyện A"), _unit("9", "Huyện A (2)"), _unit("2", "Huyện A")]
    names = feedback_file_names(units)
    assert len({n.casefold() for n in names.values()}) == 3


def test_names_cut_at_120_characters_keep_the_code_that_tells_them_apart():
    long = "Huyện " + "Rất Dài " * 30
    units = [_unit("941", long + "Một"), _unit("942", long + "Hai"), _unit("943", long + "Ba")]
    names = feedback_file_names(units)
    assert len({n.casefold() for n in names.values()}) == 3
    assert "942" in names["942"] and "943" in names["943"]
    assert all(len(n) <= len("Phản hồi - .xlsx") + 120 for n in names.values())


def _run_folder(output: Path, name: str, stamp: float) -> Path:
    folder = output / name
    folder.mkdir(parents=True)
    (folder / RESULT_JSON).write_text("{}", encoding="utf-8")
    os.utime(folder / RESULT_JSON, (stamp, stamp))
    return folder


def test_latest_run_takes_the_tenth_run_of_a_minute_after_the_ninth(tmp_path):
    for n, name in enumerate(["2023-12-05_1430", *(f"2023-12-05_1430_{i}" for i in range(2, 11))]):
        _run_folder(tmp_path, name, 1_700_000_000 + n)
    _run_folder(tmp_path, "2023-12-04_0900", 1_600_000_000)
    assert latest_run(tmp_path).name == "2023-12-05_1430_10"


def test_latest_run_of_a_later_minute_wins_over_any_suffix(tmp_path):
    _run_folder(tmp_path, "2023-12-05_1430_12", 1_700_000_000)
    _run_folder(tmp_path, "2023-12-05_1431", 1_700_000_100)
    assert latest_run(tmp_path).name == "2023-12-05_1431"


# ---------------------------------------------------------------- a server that misbehaves on purpose

KE_SACH = "mttq.kesach@example.vn"
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="signals to a child process: POSIX")
PATIENCE = 60  # seconds a test waits for a process or the server before it fails (never an assertion on time)


class Inbox:
    """An aiosmtpd handler that keeps every message the moment its body has arrived, and can then hold its
    answer, answer late, or hang up without answering; it can also hang up at RCPT, before any body."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.hold_from: int | None = None  # hold the answer to the n-th body (0-based) and later ones
        self.release = threading.Event()
        self.slow: dict[str, float] = {}  # recipient -> seconds before the answer to DATA
        self.drop_after_body: set[str] = set()  # recipients whose DATA is never answered (the line is cut)
        self.drop_at_rcpt = 0  # hang up at RCPT this many times

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.drop_at_rcpt:
            self.drop_at_rcpt -= 1
            server.transport.close()
            return "421 4.4.2 Mất kết nối"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos[:], envelope.content))
        n = len(self.messages) - 1
        if self.hold_from is not None and n >= self.hold_from:
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.slow:
                await asyncio.sleep(self.slow[rcpt])
            if rcpt in self.drop_after_body:
                server.transport.close()
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        return [r for rcpts, _ in self.messages for r in rcpts]

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + PATIENCE
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"the server got {len(self.messages)} of {count} messages"
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    inbox.release.set()
    controller.stop()


@pytest.fixture
def run_folder(sample_run, tmp_path):
    """A private copy of the sample run, with no send log."""
    target = tmp_path / "runs" / sample_run[3].name
    shutil.copytree(sample_run[3], target, ignore=shutil.ignore_patterns(OUTBOX, SEND_LOG))
    return target


def _app(tmp_path: Path, port: int | None = None, emails: dict[str, str] | None = None,
         names: dict[str, str] | None = None) -> Path:
    """A config of its own (a server on 127.0.0.1 when `port`), with a registry copy where `emails` and `names`
    replace units' addresses and names. Returns the config file."""
    app = tmp_path / "app"
    if not app.exists():
        for folder in ("data", "templates"):
            shutil.copytree(ROOT / folder, app / folder)
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    if port is not None:
        text = text.replace('smtp_host = ""', 'smtp_host = "127.0.0.1"').replace(
            "smtp_port = 587", f"smtp_port = {port}").replace('security = "starttls"', 'security = "none"')
    (app / "config.toml").write_text(text, encoding="utf-8")
    source = ROOT / "data" / "don_vi.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["email"] = (emails or {}).get(row["ma_don_vi"], row["email"])
        row["ten_don_vi"] = (names or {}).get(row["ma_don_vi"], row["ten_don_vi"])
    with (app / "data" / "don_vi.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return app / "config.toml"


def _smtp(config, port):
    return replace(config, email=replace(config.email, smtp_host="127.0.0.1", smtp_port=port, security="none",
                                         username=""))


def _send(run, config, **kw):
    kw.setdefault("timeout", 10)
    return send_run(run, config, io.StringIO(), sleep=lambda s: None, retries=2, **kw)


def _start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.Popen([sys.executable, "process.py", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)


def _lines(process: subprocess.Popen) -> queue.Queue:
    """The process's output, line by line, as it comes."""
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)
    threading.Thread(target=pump, daemon=True).start()
    return lines


def _parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def _message_ids(inbox: Inbox, address: str) -> list[str]:
    return [_parse(c)["Message-ID"] for rcpts, c in inbox.messages if address in rcpts]


# ---------------------------------------------------------------- 1. two sends at once

def test_two_sends_at_once_wait_for_each_other_and_every_message_goes_once(run_folder, server, tmp_path):
    inbox, port = server
    config = str(_app(tmp_path, port))
    inbox.hold_from = 0  # the first `send` is kept in its first DATA, holding the lock
    first = _start("send", str(run_folder), "--config", config)
    inbox.wait_for(1)
    impatient = _start("send", str(run_folder), "--config", config, "--wait", "0")
    _, err = impatient.communicate(timeout=PATIENCE)
    assert impatient.returncode == 2 and "Lỗi:" in err and "usage" not in err
    patient = _start("send", str(run_folder), "--config", config)
    lines = _lines(patient)
    while (line := lines.get(timeout=PATIENCE)) is not None and WAITING not in line:
        pass
    assert line is not None  # it said it is waiting for the first
    inbox.release.set()
    assert first.wait(timeout=PATIENCE) == 0 and patient.wait(timeout=PATIENCE) == 0
    recipients = inbox.recipients()
    assert len(recipients) == 12 == len(set(recipients))


# ---------------------------------------------------------------- 2. at most once

def test_a_server_slower_than_the_timeout_gets_the_message_once_and_it_waits_for_resend(run_folder, config, server):
    inbox, port = server
    cfg = _smtp(config, port)
    inbox.slow = {KE_SACH: 3}
    report = _send(run_folder, cfg, timeout=1)
    assert report.unknown == 1 and report.done == 11 and report.failed == 0
    assert inbox.recipients().count(KE_SACH) == 1  # no retry once the body has gone
    [msg_id] = _message_ids(inbox, KE_SACH)
    assert any(msg_id in line for line in report.lines)
    inbox.slow = {}
    again = _send(run_folder, cfg)
    assert again.unknown == 1 and again.done == 0 and again.skipped == 11
    assert inbox.recipients().count(KE_SACH) == 1
    asked = _send(run_folder, cfg, resend=("Kế Sách",))
    assert asked.done == 1 and asked.unknown == 0 and inbox.recipients().count(KE_SACH) == 2
    assert _message_ids(inbox, KE_SACH) == [msg_id, msg_id]  # the same message, recognisably
    assert _send(run_folder, cfg).skipped == 12 and len(inbox.messages) == 13


def test_a_connection_cut_after_the_body_is_not_retried(run_folder, config, server):
    inbox, port = server
    cfg = _smtp(config, port)
    inbox.drop_after_body = {KE_SACH}
    report = _send(run_folder, cfg)
    assert report.unknown == 1 and report.done == 11
    inbox.drop_after_body = set()
    assert _send(run_folder, cfg).unknown == 1
    assert inbox.recipients().count(KE_SACH) == 1 and len(inbox.messages) == 12


def test_a_connection_cut_before_data_is_retried_and_the_message_goes_once(run_folder, config, server):
    inbox, port = server
    inbox.drop_at_rcpt = 1
    report = _send(run_folder, _smtp(config, port))
    assert report.done == 12 and report.unknown == 0 and report.failed == 0
    recipients = inbox.recipients()
    assert len(recipients) == 12 == len(set(recipients))


@POSIX_ONLY
def test_ctrl_c_during_data_says_what_went_out_and_lists_the_message_in_doubt(run_folder, server, tmp_path):
    inbox, port = server
    config = str(_app(tmp_path, port))
    inbox.hold_from = 2
    process = _start("send", str(run_folder), "--config", config)
    inbox.wait_for(3)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=PATIENCE)
    inbox.release.set()
    assert process.returncode == 2
    went = [line for line in out.splitlines() if line.startswith("[Đã gửi]")]
    assert sorted(line.split(":")[0].removeprefix("[Đã gửi] ") for line in went) == sorted(
        rcpts[0] for rcpts, _ in inbox.messages[:2])
    in_doubt = _parse(inbox.messages[2][1])["Message-ID"]
    assert any(in_doubt in line for line in out.splitlines())
    code, text = run_cli("send", str(run_folder), "--config", config)
    assert code == 1 and in_doubt in text  # still listed; the rest went
    recipients = inbox.recipients()
    assert len(recipients) == 12 == len(set(recipients))


@POSIX_ONLY
def test_sigkill_during_data_never_leads_to_a_second_copy(run_folder, server, tmp_path):
    inbox, port = server
    config = str(_app(tmp_path, port))
    inbox.hold_from = 2
    process = _start("send", str(run_folder), "--config", config)
    inbox.wait_for(3)
    process.kill()
    process.wait(timeout=PATIENCE)
    inbox.release.set()
    killed_at = inbox.messages[2][0][0]
    code, text = run_cli("send", str(run_folder), "--config", config)
    assert code == 1 and _parse(inbox.messages[2][1])["Message-ID"] in text
    recipients = inbox.recipients()
    assert len(recipients) == 12 == len(set(recipients))
    unit = next(u for u in json.loads((run_folder / RESULT_JSON).read_text(encoding="utf-8"))["units"]
                if u["email"] == killed_at) if killed_at != "lanhdao@example.vn" else None
    code, _ = run_cli("send", str(run_folder), "--config", config, "--resend", unit["code"] if unit else "lãnh đạo")
    assert code == 0 and inbox.recipients().count(killed_at) == 2 and len(inbox.messages) == 13


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to stand for a full disk")
def test_a_full_disk_before_the_intent_is_recorded_sends_nothing(run_folder, config, server):
    inbox, port = server
    cfg = _smtp(config, port)
    (run_folder / SEND_LOG).symlink_to("/dev/full")
    report = _send(run_folder, cfg)
    assert report.stopped and report.done == 0 and inbox.messages == []
    (run_folder / SEND_LOG).unlink()
    assert _send(run_folder, cfg).done == 12 and len(inbox.messages) == 12


def test_a_full_disk_after_the_body_went_never_leads_to_a_second_copy(run_folder, config, server, monkeypatch):
    inbox, port = server
    cfg = _smtp(config, port)
    calls = []
    real_record = mail.SendLog.record

    def record(log, entry):
        calls.append(entry["result"])
        if len(calls) == 2:  # the intent is on disk; the word "sent" finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_record(log, entry)
    monkeypatch.setattr(mail.SendLog, "record", record)
    report = _send(run_folder, cfg)
    assert calls == ["intent", "sent"]
    assert report.stopped and report.done == 1 and len(inbox.messages) == 1
    monkeypatch.setattr(mail.SendLog, "record", real_record)
    again = _send(run_folder, cfg)
    assert again.unknown == 1 and again.done == 11
    recipients = inbox.recipients()
    assert len(recipients) == 12 == len(set(recipients))


def test_a_line_cut_short_in_the_log_does_not_swallow_the_next_entry(run_folder, config, server):
    inbox, port = server
    cfg = _smtp(config, port)
    (run_folder / SEND_LOG).write_text('{"key": "unit:941", "res', encoding="utf-8")  # a crash mid-line
    assert _send(run_folder, cfg).done == 12
    assert _send(run_folder, cfg).skipped == 12 and len(inbox.messages) == 12


def test_resend_of_a_unit_that_has_no_message_stops_with_exit_2(run_folder, tmp_path):
    code, _ = run_cli("send", str(run_folder), "--config", str(_app(tmp_path)), "--resend", "Huyện Không Có")
    assert code == 2


# ---------------------------------------------------------------- 3, 4. addresses from the current registry

UNIKEY = "mttq.kếsách@example.vn"  # typed with the Vietnamese keyboard still on


def test_send_takes_addresses_from_the_current_registry_and_retries_only_the_unit_that_failed(
        run_folder, server, tmp_path):
    inbox, port = server
    config = str(_app(tmp_path, port, emails={"943": UNIKEY}))
    code, text = run_cli("send", str(run_folder), "--config", config)
    assert code == 1 and "Gửi/ghi mới: 11" in text and "lỗi: 1" in text
    assert KE_SACH not in inbox.recipients() and len(inbox.messages) == 11
    fixed = "mttq.kesach.moi@example.vn"
    config = str(_app(tmp_path, port, emails={"943": fixed}))  # the registry mended; no new run
    code, text = run_cli("send", str(run_folder), "--config", config)
    assert code == 0 and "Gửi/ghi mới: 1," in text and "đã gửi trước: 11" in text
    assert inbox.recipients()[11:] == [fixed] and len(inbox.messages) == 12


def test_an_address_with_a_diacritic_fails_its_own_message_and_the_others_go(run_folder, config, server):
    inbox, port = server
    data = json.loads((run_folder / RESULT_JSON).read_text(encoding="utf-8"))
    for unit in data["units"]:
        if unit["code"] == "943":
            unit["email"] = UNIKEY
    (run_folder / RESULT_JSON).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = _send(run_folder, _smtp(config, port))
    assert report.failed == 1 and report.done == 11 and len(inbox.messages) == 11
    assert any(UNIKEY in line and line.startswith("[Không gửi]") for line in report.lines)


def test_run_warns_about_an_address_with_a_diacritic(sample_run, tmp_path):
    config = str(_app(tmp_path, emails={"943": UNIKEY, "944": "mttq.mytu@example"}))
    code, _ = run_cli("run", "--config", config, "--input", str(sample_run[0] / "input"),
                      "--output", str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    issues = json.loads((folder / RESULT_JSON).read_text(encoding="utf-8"))["issues"]
    found = {(i["unit_code"], i["params"]["address"]) for i in issues if i["code"] == "invalid-email"}
    assert found == {("943", UNIKEY), ("944", "mttq.mytu@example")}
    assert all(i["severity"] == "warning" for i in issues if i["code"] == "invalid-email")


# ---------------------------------------------------------------- issue 20: who gets a message, how it reads

def test_the_provinces_own_office_gets_no_feedback_message(run_folder, config):
    report = _send(run_folder, config)
    province = json.loads((run_folder / RESULT_JSON).read_text(encoding="utf-8"))["units"][0]
    assert province["cap"] == "tinh" and province["summary"]["files"]  # it did send its own workbook
    recipients = [_parse(p.read_bytes())["To"].addresses[0].addr_spec for p in (run_folder / OUTBOX).glob("*.eml")]
    assert report.done == 12 and province["email"] not in recipients


def _expected(run_folder: Path) -> dict[str, tuple[str, str]]:
    """Recipient -> (subject, display name) as the message must read once decoded."""
    data = json.loads((run_folder / RESULT_JSON).read_text(encoding="utf-8"))
    expected = {u["email"]: (f"Phản hồi kết quả tổng hợp thi đua, khen thưởng năm 2023 (Tổng kết) - {u['short_name']}",
                             u["name"]) for u in data["units"] if u["cap"] != "tinh"}
    expected["lanhdao@example.vn"] = (
        "Tổng hợp thi đua, khen thưởng năm 2023 (Tổng kết) - bảng tổng hợp và dự thảo văn bản", "")
    return expected


def _long_names(run_folder: Path) -> None:
    """Names long enough that every header needs several encoded words."""
    data = json.loads((run_folder / RESULT_JSON).read_text(encoding="utf-8"))
    for unit in data["units"][1:4]:
        unit["name"] += " (Ủy ban Mặt trận Tổ quốc Việt Nam, khóa XII, nhiệm kỳ 2024 - 2029) \"đặc biệt\", ngày 5"
        unit["short_name"] += " - đơn vị thí điểm chuyển đổi số, dự thảo văn bản điện tử"
    (run_folder / RESULT_JSON).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _check_headers(raws: list[bytes], expected: dict[str, tuple[str, str]], from_name: str) -> None:
    seen = set()
    for raw in raws:
        msg = _parse(raw)
        [to] = msg["To"].addresses
        subject, name = expected[to.addr_spec]
        assert (msg["Subject"], to.display_name) == (subject, name)
        assert msg["From"].addresses[0].display_name == from_name
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
        seen.add(to.addr_spec)
    assert seen == set(expected)


def test_every_eml_decodes_to_exactly_the_intended_subject_and_names(run_folder, config):
    _long_names(run_folder)
    _send(run_folder, config)
    raws = [p.read_bytes() for p in (run_folder / OUTBOX).glob("*.eml")]
    _check_headers(raws, _expected(run_folder), config.email.from_name)


def test_every_sent_message_decodes_to_exactly_the_intended_subject_and_names(run_folder, config, server):
    inbox, port = server
    _long_names(run_folder)
    assert _send(run_folder, _smtp(config, port)).done == 12
    _check_headers([c for _, c in inbox.messages], _expected(run_folder), config.email.from_name)


# ---------------------------------------------------------------- 5. each unit its own file

def test_units_whose_names_collide_each_get_and_are_mailed_their_own_file(sample_run, tmp_path, server):
    inbox, port = server
    same = "Ủy ban MTTQ Việt Nam thành phố Sóc Trăng"
    config = str(_app(tmp_path, port, names={"941": same + " (943)", "942": same, "943": same}))
    run_cli("run", "--config", config, "--input", str(sample_run[0] / "input"), "--output", str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    units = [u for u in json.loads((folder / RESULT_JSON).read_text(encoding="utf-8"))["units"] if u["cap"] != "tinh"]
    assert len({u["feedback_file"] for u in units}) == len(units) == len(list((folder / "PhanHoi").iterdir())) - 1
    code, _ = run_cli("send", str(folder), "--config", config)
    assert code == 0
    got = {rcpts[0]: next(_parse(c).iter_attachments()) for rcpts, c in inbox.messages}
    for unit in units:
        attachment = got[unit["email"]]
        assert attachment.get_filename() == unit["feedback_file"]
        assert attachment.get_content() == (folder / "PhanHoi" / unit["feedback_file"]).read_bytes()


def test_a_run_whose_units_share_a_feedback_file_mails_neither_of_them(run_folder, config, server):
    inbox, port = server
    data = json.loads((run_folder / RESULT_JSON).read_text(encoding="utf-8"))
    data["units"][3]["feedback_file"] = data["units"][2]["feedback_file"]  # as runs before the fix could be
    (run_folder / RESULT_JSON).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = _send(run_folder, _smtp(config, port))
    assert report.failed == 2 and report.done == 10
    assert not {data["units"][2]["email"], data["units"][3]["email"]} & set(inbox.recipients())


# ---------------------------------------------------------------- damaged data files (hostile retest, point 4)

@pytest.mark.parametrize("damage", [lambda t: t[:500], lambda t: "[]", lambda t: '{"units": 3}'])
def test_a_damaged_result_file_stops_send_with_exit_2_naming_it(run_folder, tmp_path, capsys, damage):
    result = run_folder / RESULT_JSON
    result.write_text(damage(result.read_text(encoding="utf-8")), encoding="utf-8")
    code, _ = run_cli("send", str(run_folder), "--config", str(_app(tmp_path)))
    err = capsys.readouterr().err
    assert code == 2 and RESULT_JSON in err and "Traceback" not in err


def test_a_send_log_line_that_is_not_an_entry_stops_send_naming_the_line(run_folder, tmp_path, capsys):
    config = _app(tmp_path)
    assert run_cli("send", str(run_folder), "--config", str(config))[0] == 0
    log = run_folder / SEND_LOG
    lines = log.read_text(encoding="utf-8").splitlines()
    log.write_text("\n".join([*lines, "[1,2]"]) + "\n", encoding="utf-8")
    eml = sorted((run_folder / OUTBOX).iterdir())
    code, _ = run_cli("send", str(run_folder), "--config", str(config))
    err = capsys.readouterr().err
    assert code == 2 and SEND_LOG in err and f"dòng {len(lines) + 1}" in err
    assert sorted((run_folder / OUTBOX).iterdir()) == eml  # nothing written again


def test_ctrl_c_during_send_does_not_say_a_run_was_not_written(run_folder, tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(mail, "send_run", interrupted)
    assert run_cli("send", str(run_folder), "--config", str(_app(tmp_path)))[0] == 2
    err = capsys.readouterr().err
    assert "lần chạy này không được ghi" not in err and SEND_LOG in err


def test_an_internal_error_during_send_does_not_say_a_run_was_not_written(run_folder, tmp_path, capsys,
                                                                         monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")
    monkeypatch.setattr(mail, "send_run", broken)
    assert run_cli("send", str(run_folder), "--config", str(_app(tmp_path)))[0] == 3
    err = capsys.readouterr().err
    assert "lần chạy này không được ghi" not in err.lower() and SEND_LOG in err


@pytest.mark.parametrize("trouble", ["slow", "drop"])
def test_a_message_in_doubt_gives_a_vietnamese_reason_and_keeps_the_detail_in_the_log(run_folder, config, server,
                                                                                       trouble):
    inbox, port = server
    if trouble == "slow":
        inbox.slow = {KE_SACH: 3}
    else:
        inbox.drop_after_body = {KE_SACH}
    report = _send(run_folder, _smtp(config, port), timeout=1)
    [line] = [line for line in report.lines if KE_SACH in line and "Message-ID" in line]
    assert "SMTP" not in line and "timed out" not in line and "Connection" not in line
    entries = [json.loads(x) for x in (run_folder / SEND_LOG).read_text(encoding="utf-8").splitlines()]
    [unknown] = [e for e in entries if e.get("result") == "unknown"]
    assert "SMTPServerDisconnected" in unknown["detail"] or "timed out" in unknown["detail"]


def test_words_owner_file_beside_an_open_draft_is_never_attached(run_folder, config):
    from thidua.mail import plan
    from thidua.names import DOCS_DIR

    (run_folder / DOCS_DIR / "~$ Quyết định khen thưởng.docx").write_bytes(b"owner")
    [leadership] = [m for m in plan(run_folder, config) if m.key == "leadership"]
    assert leadership.attachments and not [p for p in leadership.attachments if p.name.startswith("~$")]


def test_an_eml_that_cannot_be_written_fails_its_own_message_and_the_others_are_written(run_folder, config):
    from thidua.names import OUTBOX

    (run_folder / OUTBOX).mkdir()
    (run_folder / OUTBOX / "Lãnh đạo - Tổng hợp.eml.tmp").mkdir()  # in the way, as a full disk or a locked file is
    report = _send(run_folder, config)
    assert report.failed == 1 and report.done >= 11
    assert len(list((run_folder / OUTBOX).glob("*.eml"))) == report.done
