"""Sending the results: .eml files without a server, a real SMTP server on 127.0.0.1 otherwise.

The sample has 12 units and the leadership; the province's own office sends and gets no feedback message, so a
send writes 12 messages. The guarantees of at-most-once sending are tested in test_sending.py."""

import io
import shutil
import socket
from dataclasses import replace
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from conftest import run_cli

from thidua.mail import send_run
from thidua.names import DOCS_DIR, OUTBOX, SEND_LOG


class Inbox:
    """An aiosmtpd handler that keeps every message and can refuse recipients or hang up."""

    def __init__(self):
        self.messages = []
        self.refuse: set[str] = set()
        self.fail_after: int | None = None  # answer 421 (and close) once this many messages arrived

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Hộp thư không tồn tại"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            return "421 4.3.0 Máy chủ tạm dừng"
        self.messages.append((envelope.rcpt_tos[:], envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def run_folder(sample_run, tmp_path):
    """A private copy of the sample run, so each test starts with no send log."""
    target = tmp_path / sample_run[3].name
    shutil.copytree(sample_run[3], target, ignore=shutil.ignore_patterns(OUTBOX, SEND_LOG))
    return target


@pytest.fixture
def server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def smtp_config(config, port):
    return replace(config, email=replace(config.email, smtp_host="127.0.0.1", smtp_port=port, security="none",
                                         username=""))


def send(run, config, **kw):
    return send_run(run, config, io.StringIO(), sleep=lambda s: None, retries=2, timeout=5, **kw)


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_without_smtp_it_writes_12_eml_files_that_parse_back(run_folder, config):
    report = send(run_folder, config)
    files = sorted((run_folder / OUTBOX).glob("*.eml"))
    assert report.done == 12 and len(files) == 12 and report.failed == 0
    msg = parse((run_folder / OUTBOX / "Phản hồi - Huyện Kế Sách.eml").read_bytes())
    assert msg["Subject"] == "Phản hồi kết quả tổng hợp thi đua, khen thưởng năm 2023 (Tổng kết) - Huyện Kế Sách"
    assert msg["To"].addresses[0].display_name == "Ủy ban MTTQ Việt Nam huyện Kế Sách"
    assert msg["X-Unsent"] == "1"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "Phản hồi - Huyện Kế Sách.xlsx"
    assert attachment.get_param("name") == "Phản hồi - Huyện Kế Sách.xlsx"
    assert attachment.get_content() == (run_folder / "PhanHoi" / "Phản hồi - Huyện Kế Sách.xlsx").read_bytes()
    assert "Kính gửi: Ban Thường trực Ủy ban MTTQ Việt Nam huyện Kế Sách," in msg.get_body(("plain",)).get_content()
    again = send(run_folder, config)
    assert again.done == 0 and again.skipped == 12


def test_every_message_arrives_once_with_its_attachments(run_folder, config, server):
    inbox, port = server
    cfg = smtp_config(config, port)
    report = send(run_folder, cfg)
    assert report.done == 12 and report.failed == 0 and len(inbox.messages) == 12
    by_rcpt = {tuple(r): parse(c) for r, c in inbox.messages}
    leaders = by_rcpt[("lanhdao@example.vn",)]
    names = sorted(a.get_filename() for a in leaders.iter_attachments())
    expected = sorted([p.name for p in (run_folder / DOCS_DIR).glob("*.docx")]
                      + ["Tổng hợp thi đua khen thưởng 2023 - Tổng kết.xlsx"])
    assert names == expected
    for attachment in leaders.iter_attachments():
        source = run_folder / attachment.get_filename()
        if not source.exists():
            source = run_folder / DOCS_DIR / attachment.get_filename()
        assert attachment.get_content() == source.read_bytes()
    assert send(run_folder, cfg).done == 0 and len(inbox.messages) == 12  # never twice


def test_a_refused_recipient_is_reported_and_sent_on_the_next_send(run_folder, config, server):
    inbox, port = server
    cfg = smtp_config(config, port)
    inbox.refuse = {"mttq.kesach@example.vn"}
    first = send(run_folder, cfg)
    assert first.failed == 1 and first.done == 11
    assert any("mttq.kesach@example.vn" in line and "550" in line for line in first.lines)
    inbox.refuse = set()
    second = send(run_folder, cfg)
    assert second.done == 1 and second.skipped == 11
    assert sorted(r[0] for r, _ in inbox.messages).count("mttq.kesach@example.vn") == 1
    assert len(inbox.messages) == 12


def test_a_server_that_stops_mid_batch_leaves_a_log_that_resumes(run_folder, config, server):
    inbox, port = server
    cfg = smtp_config(config, port)
    inbox.fail_after = 5
    first = send(run_folder, cfg)
    assert first.done == 5 and first.failed == 7
    inbox.fail_after = None
    second = send(run_folder, cfg)
    assert second.done == 7 and second.skipped == 5
    recipients = [r[0] for r, _ in inbox.messages]
    assert len(recipients) == 12 == len(set(recipients))


def test_dry_run_sends_nothing(run_folder, config, server):
    inbox, port = server
    report = send(run_folder, smtp_config(config, port), dry_run=True)
    assert inbox.messages == [] and sum(line.startswith("[Sẽ gửi]") for line in report.lines) == 12
    assert not (run_folder / SEND_LOG).exists()


def test_units_without_a_valid_address_are_reported_and_the_rest_go(run_folder, config, server, tmp_path):
    import json

    inbox, port = server
    data = json.loads((run_folder / "ket_qua.json").read_text(encoding="utf-8"))
    for unit in data["units"]:
        if unit["code"] == "943":
            unit["email"] = ""
        if unit["code"] == "941":
            unit["email"] = "không phải địa chỉ"
    (run_folder / "ket_qua.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = send(run_folder, smtp_config(config, port))
    assert report.failed == 2 and report.done == 10 and len(inbox.messages) == 10


def test_the_password_comes_from_the_environment_and_is_never_printed(run_folder, config, monkeypatch, capsys):
    cfg = replace(config, email=replace(config.email, smtp_host="127.0.0.1", smtp_port=free_port(), security="none",
                                        username="vanphong"))
    monkeypatch.delenv(cfg.email.password_env, raising=False)
    from thidua.errors import ThiduaError
    with pytest.raises(ThiduaError, match=cfg.email.password_env):
        send(run_folder, cfg)
    monkeypatch.setenv(cfg.email.password_env, "mat-khau-bi-mat")
    report = send(run_folder, cfg)  # nothing listens on that port: every message fails, nothing crashes
    assert report.failed == 12
    log = (run_folder / SEND_LOG).read_text(encoding="utf-8")
    assert "mat-khau-bi-mat" not in log and "mat-khau-bi-mat" not in "\n".join(report.lines)


def test_send_command_uses_the_latest_run_of_the_configured_output(run_folder, tmp_path):
    from thidua.cli import ROOT

    for folder in ("data", "templates"):
        shutil.copytree(ROOT / folder, tmp_path / "app" / folder)
    shutil.copytree(run_folder, tmp_path / "app" / "output" / run_folder.name)
    shutil.copy(ROOT / "config.toml", tmp_path / "app" / "config.toml")
    code, text = run_cli("send", "--config", str(tmp_path / "app" / "config.toml"))
    assert code == 0 and "Gửi/ghi mới: 12" in text
    assert len(list((tmp_path / "app" / "output" / run_folder.name / OUTBOX).glob("*.eml"))) == 12
    code, text = run_cli("send", "--config", str(tmp_path / "app" / "config.toml"))
    assert code == 0 and "đã gửi trước: 12" in text


def test_send_needs_only_the_run_folder(run_folder):
    """`send` reads ket_qua.json and the files beside it; it loads neither the reader nor the writers."""
    import subprocess
    import sys

    from thidua.cli import ROOT

    script = ("import io, sys\nfrom thidua.cli import main\n"
              f"code = main(['send', '--dry-run', {str(run_folder)!r}], out=io.StringIO())\n"
              "print(code)\nprint('\\n'.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    code, *modules = done.stdout.split()
    assert code == "0", done.stderr
    loaded = set(modules)
    assert "thidua.mail" in loaded
    assert not loaded & {"python_calamine", "xlsxwriter", "openpyxl", "docx", "docxtpl", "thidua.evaluate",
                         "thidua.workbook", "thidua.batch", "thidua.xlsx_report", "thidua.docx_report"}


def test_the_leadership_mail_and_the_summary_say_what_each_review_count_counts(run_folder, config, sample_run):
    data = sample_run[4]
    held = sum(n["status"] == "needs_review" for n in data["nominations"])
    tied = sum(bool(r["needs_review"]) for units in data["rankings"].values() for r in units)
    assert tied > 0  # the sample's tie at the third place
    send(run_folder, config)
    [text] = [t for f in (run_folder / OUTBOX).glob("*.eml")
              for t in [parse(f.read_bytes()).get_body(("plain",)).get_content()] if "Kính gửi lãnh đạo" in t]
    assert f"- Đề nghị chờ Hội đồng Thi đua - Khen thưởng xem xét: {held}" in text.splitlines()
    assert f"- Đơn vị xếp hạng bằng điểm chờ Hội đồng Thi đua - Khen thưởng xem xét: {tied}" in text.splitlines()
    lines = sample_run[2].splitlines()
    assert f"Đơn vị xếp hạng bằng điểm chờ Hội đồng xem xét: {tied}" in lines
    assert any(line.startswith("Xếp hạng ") and "đơn vị bằng điểm chờ Hội đồng xem xét" in line for line in lines)
    import openpyxl

    [book] = run_folder.glob("Tổng hợp thi đua khen thưởng *.xlsx")
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(book, read_only=True)["Tổng quan"].iter_rows(values_only=True)}
    assert rows["Đơn vị xếp hạng bằng điểm chờ Hội đồng xem xét"] == tied
