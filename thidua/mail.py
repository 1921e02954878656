"""Sending a run's results: each unit its feedback workbook, the leadership the consolidated files.

Messages are built from the run folder (ket_qua.json and the files beside it), never recomputed. Without
an SMTP host they are written as .eml files that open in Outlook or Thunderbird ready to send. A send log
in the run folder makes a second `send` skip what went out and retry only what failed.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import functools
import hashlib
import json
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from enum import StrEnum
from pathlib import Path
from typing import TextIO

import jinja2

from . import terms
from .config import Config, EmailSettings
from .errors import ThiduaError
from .ledger import Ledger, ledger_path
from .names import (
    DOCS_DIR,
    FEEDBACK_DIR,
    LEADERSHIP_MAIL_TEMPLATE,
    OUTBOX,
    REMINDER_MAIL_TEMPLATE,
    RESULT_JSON,
    SEND_LOG,
    UNIT_MAIL_TEMPLATE,
    WORKBOOK_TEMPLATE,
    consolidated_name,
    sha256_of,
)
from .text import safe_filename

SMTP_POLICY = email.policy.SMTP  # CRLF line ends, as SMTP and Outlook's .eml files have them
MIME_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".json": ("application", "json"),
}
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


class SendMode(StrEnum):
    CHANGED = "changed"  # the default: a unit whose feedback changed since it was last sent; the leadership likewise
    ALL = "all"  # every message of the run (still never one twice)
    REMIND = "remind"  # only reminders, to the units with no processed file


def valid_address(address: str) -> bool:
    return bool(_ADDRESS.match(address or ""))


@dataclass(frozen=True)
class Outgoing:
    """One message to send: who, what it says, what it carries, or why it cannot go."""

    key: str
    to: tuple[str, ...]
    to_name: str
    subject: str
    text: str
    html: str
    attachments: tuple[Path, ...]
    file_stem: str
    problem: str = ""


# ---------------------------------------------------------------- planning from the run folder

@functools.cache
def _environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def _render(templates: Path, name: str, context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) from the blocks of one message template."""
    template = _environment(templates).get_template(name)
    blocks = {b: "".join(template.blocks[b](template.new_context(context))).strip() for b in ("subject", "text", "html")}
    return " ".join(blocks["subject"].split()), blocks["text"] + "\n", blocks["html"]


def _deadline(config: Config) -> str:
    deadline = config.documents.deadline
    return deadline.strftime("%d/%m/%Y") if deadline else ""


def plan(run: Path, config: Config) -> list[Outgoing]:
    data = json.loads((run / RESULT_JSON).read_text(encoding="utf-8"))
    settings = config.email
    round_name = terms.ROUNDS.get(data["round"], data["round"])
    base = {"year": data["year"], "round_name": round_name, "province_name": data["province"]["name"],
            "from_name": settings.from_name, "deadline": _deadline(config)}
    messages: list[Outgoing] = []
    for unit in data["units"]:
        summary = unit.get("summary") or {}
        if not summary.get("files"):
            continue  # no file from this unit: nothing to answer
        attachment = run / FEEDBACK_DIR / unit["feedback_file"]
        context = {**base, **summary, "unit_name": unit["short_name"], "unit_full_name": unit["name"],
                   "attachment": attachment.name}
        subject, text, html = _render(config.templates_dir, UNIT_MAIL_TEMPLATE, context)
        problem = ""
        if not unit["email"]:
            problem = f"{unit['short_name']} chưa có địa chỉ email trong danh sách đơn vị."
        elif not valid_address(unit["email"]):
            problem = f"Địa chỉ email \"{unit['email']}\" của {unit['short_name']} không hợp lệ."
        elif not attachment.is_file():
            problem = f"Không tìm thấy tệp đính kèm {attachment.name}."
        messages.append(Outgoing(f"unit:{unit['code']}", (unit["email"],), unit["name"], subject, text, html,
                                 (attachment,), attachment.stem, problem))
    documents = sorted((run / DOCS_DIR).glob("*.docx")) if (run / DOCS_DIR).is_dir() else []
    consolidated = run / consolidated_name(data["year"], data["round"])
    summary = data.get("summary")
    if summary is None:
        raise ThiduaError(f"Kết quả trong {run.name} được ghi bằng phiên bản cũ của công cụ. Đề nghị chạy lại "
                          "\"python process.py\" rồi gửi.")
    context = {**base, "processed": summary["files"]["processed"], "units_received": summary["units_received"],
               "units_total": summary["units_total"], "missing": ", ".join(summary["units_missing"]),
               "nominations": summary["nominations"], "proposed": summary["status"]["proposed"],
               "needs_review": summary["needs_review"], "errors": summary["errors"], "documents": len(documents)}
    subject, text, html = _render(config.templates_dir, LEADERSHIP_MAIL_TEMPLATE, context)
    leaders = tuple(settings.leadership)
    problem = ""
    if not leaders:
        problem = "Chưa khai báo địa chỉ lãnh đạo (email.leadership trong config.toml)."
    elif not all(valid_address(a) for a in leaders):
        problem = "Có địa chỉ lãnh đạo không hợp lệ trong email.leadership: " + ", ".join(
            a for a in leaders if not valid_address(a)) + "."
    elif not consolidated.is_file():
        problem = f"Không tìm thấy tệp đính kèm {consolidated.name}."
    messages.append(Outgoing("leadership", leaders, "", subject, text, html, (consolidated, *documents),
                             "Lãnh đạo - Tổng hợp", problem))
    return messages


def _problem(unit: dict) -> str:
    if not unit["email"]:
        return f"{unit['short_name']} chưa có địa chỉ email trong danh sách đơn vị."
    if not valid_address(unit["email"]):
        return f"Địa chỉ email \"{unit['email']}\" của {unit['short_name']} không hợp lệ."
    return ""


def plan_reminders(run: Path, config: Config) -> list[Outgoing]:
    """A reminder to each unit with no processed file in the run, the blank template attached when there is one."""
    data = json.loads((run / RESULT_JSON).read_text(encoding="utf-8"))
    round_name = terms.ROUNDS.get(data["round"], data["round"])
    # The blank template `process.py template` wrote for this config: beside it, or in the project's templates/.
    found = [p for p in (config.path.parent / WORKBOOK_TEMPLATE, config.path.parent / "templates" / WORKBOOK_TEMPLATE)
             if p.is_file()]
    template = found[0] if found else config.path.parent / WORKBOOK_TEMPLATE
    attachments = (template,) if found else ()
    base = {"year": data["year"], "round_name": round_name, "province_name": data["province"]["name"],
            "from_name": config.email.from_name, "deadline": _deadline(config),
            "attachment": template.name if attachments else ""}
    messages = []
    for unit in data["units"]:
        if (unit.get("summary") or {}).get("processed"):
            continue
        context = {**base, "unit_name": unit["short_name"], "unit_full_name": unit["name"]}
        subject, text, html = _render(config.templates_dir, REMINDER_MAIL_TEMPLATE, context)
        messages.append(Outgoing(f"remind:{unit['code']}", (unit["email"],), unit["name"], subject, text, html,
                                 attachments, f"Nhắc gửi báo cáo - {safe_filename(unit['short_name'])}",
                                 _problem(unit)))
    return messages


# ---------------------------------------------------------------- one message

def message_id(run: Path, key: str, settings: EmailSettings) -> str:
    """Stable per run and recipient, so a retried message is recognisably the same message."""
    domain = settings.from_address.rpartition("@")[2] or "thidua.local"
    digest = hashlib.sha1(f"{run.name}/{key}".encode()).hexdigest()[:20]
    return f"<{digest}.{key.replace(':', '-')}@{domain}>"


def compose(o: Outgoing, settings: EmailSettings, msg_id: str, draft: bool = False) -> EmailMessage:
    """RFC 2047 subject and names, RFC 2231 file names (plus the name= parameter older Outlook reads)."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = o.subject
    msg["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    msg["To"] = [Address(o.to_name, addr_spec=a) if o.to_name else Address(addr_spec=a) for a in o.to]
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = msg_id
    if draft:
        msg["X-Unsent"] = "1"  # Outlook opens the .eml as a draft, ready to send
    msg.set_content(o.text, cte="base64")
    msg.add_alternative(o.html, subtype="html", cte="base64")
    for path in o.attachments:
        maintype, subtype = MIME_TYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
        # Outlook before 2016 reads only name= on Content-Type, encoded as RFC 2047.
        *_, part = msg.iter_attachments()
        part.set_param("name", Header(path.name, "utf-8").encode(maxlinelen=998))
    return msg


def _hashes(o: Outgoing) -> list[dict]:
    return [{"file": p.name, "sha256": sha256_of(p)} for p in o.attachments if p.is_file()]


# ---------------------------------------------------------------- the log

class SendLog:
    """Append-only JSON lines: one entry per attempt's outcome, written as soon as it is known."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: list[dict] = []
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    try:
                        self.entries.append(json.loads(line))
                    except json.JSONDecodeError:
                        continue  # a line cut short by a crash

    def done(self, key: str, hashes: list[dict], result: str) -> bool:
        return any(e["key"] == key and e["result"] == result and e["attachments"] == hashes for e in self.entries)

    def record(self, entry: dict) -> None:
        self.entries.append(entry)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


# ---------------------------------------------------------------- delivery

@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failed: int = 0
    done: int = 0
    skipped: int = 0
    unchanged: int = 0  # not sent: the same content already went to this recipient


class _Connection:
    """One SMTP session, opened when needed and again after the server drops it."""

    def __init__(self, settings: EmailSettings, password: str | None, factory, timeout: float):
        self.settings, self.password, self.factory, self.timeout = settings, password, factory, timeout
        self.smtp = None

    def get(self):
        if self.smtp is None:
            s = self.settings
            context = ssl.create_default_context()  # certificates are verified
            if s.security == "ssl":
                smtp = self.factory["ssl"](s.smtp_host, s.smtp_port, timeout=self.timeout, context=context)
            else:
                smtp = self.factory["plain"](s.smtp_host, s.smtp_port, timeout=self.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, self.password or "")
            self.smtp = smtp
        return self.smtp

    def drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
        self.smtp = None

    def quit(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self.smtp = None


def _deliver(conn: _Connection, msg, recipients, retries: int, backoff: float, sleep) -> tuple[bool, str]:
    """(sent, error). Temporary failures (4xx, a dropped connection) are retried with backoff; 5xx are not."""
    error = ""
    for attempt in range(retries):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            refused = conn.get().send_message(msg, conn.settings.from_address, list(recipients))
            if refused:
                return False, "; ".join(f"{a}: {code} {text.decode(errors='replace')}" for a, (code, text)
                                        in refused.items())
            return True, ""
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = "; ".join(f"{a}: {c} {t.decode(errors='replace')}" for a, (c, t) in exc.recipients.items())
            _reset(conn)
            if all(500 <= c < 600 for c in codes):
                return False, error
        except smtplib.SMTPResponseException as exc:
            said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            error = f"{exc.smtp_code} {said}"
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                raise ThiduaError(f"Máy chủ thư từ chối đăng nhập ({exc.smtp_code}). Kiểm tra tên đăng nhập và "
                                  f"mật khẩu trong biến môi trường {conn.settings.password_env}.") from None
            _reset(conn)
            if 500 <= exc.smtp_code < 600:
                return False, error
        except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, OSError) as exc:
            error = f"mất kết nối với máy chủ thư: {exc.__class__.__name__} {exc}"
            conn.drop()
    return False, error


def _reset(conn: _Connection) -> None:
    try:
        conn.get().rset()
    except (smtplib.SMTPException, OSError):
        conn.drop()


def send_run(run: Path, config: Config, out: TextIO, *, dry_run: bool = False, factory: dict | None = None,
             sleep: Callable[[float], None] = time.sleep, retries: int = 3, backoff: float = 2.0,
             timeout: float = 30.0, now: Callable[[], dt.datetime] = dt.datetime.now,
             mode: SendMode = SendMode.CHANGED) -> Report:
    settings = config.email
    smtp_mode = bool(settings.smtp_host)
    if smtp_mode and settings.security == "none" and settings.smtp_host not in ("localhost", "127.0.0.1", "::1"):
        raise ThiduaError("email.security = \"none\" chỉ dùng cho máy chủ thư trên chính máy này; "
                          "đề nghị dùng \"starttls\" hoặc \"ssl\".")
    password = os.environ.get(settings.password_env) if settings.username else None
    if smtp_mode and settings.username and not password and not dry_run:
        raise ThiduaError(f"Chưa có mật khẩu máy chủ thư: đặt biến môi trường {settings.password_env} rồi chạy lại.")
    log = SendLog(run / SEND_LOG)
    outbox = run / OUTBOX
    report = Report()
    conn = _Connection(settings, password, factory or {"plain": smtplib.SMTP, "ssl": smtplib.SMTP_SSL}, timeout)
    result_word = "sent" if smtp_mode else "written"
    ledger = Ledger(ledger_path(config, run))
    # What each message of this run shows (None: a run from before the ledger, sent as before) and what the
    # recipient last received from this campaign.
    state = ledger.delivery_state(run.name)
    fingerprints = state[2] if state else {}
    try:
        for o in plan_reminders(run, config) if mode == SendMode.REMIND else plan(run, config):
            who = ", ".join(o.to) or o.key
            if o.problem:
                report.failed += 1
                report.lines.append(f"[Không gửi] {who}: {o.problem}")
                continue
            hashes = _hashes(o)
            if log.done(o.key, hashes, result_word):
                report.skipped += 1
                report.lines.append(f"[Đã gửi trước] {who}: {o.subject}")
                continue
            fingerprint = fingerprints.get(o.key)
            if mode == SendMode.CHANGED and state and fingerprint is not None \
                    and ledger.last_sent(state[0], state[1], o.key) == fingerprint:
                report.unchanged += 1
                report.lines.append(f"[Không thay đổi, không gửi lại] {who}: {o.subject}")
                continue
            if dry_run:
                report.lines.append(f"[Sẽ gửi] {who}: {o.subject} — đính kèm: "
                                    + ", ".join(p.name for p in o.attachments))
                continue
            msg_id = message_id(run, o.key, settings)
            entry = {"key": o.key, "message_id": msg_id, "to": list(o.to), "subject": o.subject,
                     "attachments": hashes, "time": now().isoformat(timespec="seconds")}
            if smtp_mode:
                ok, error = _deliver(conn, compose(o, settings, msg_id), o.to, retries, backoff, sleep)
            else:
                outbox.mkdir(exist_ok=True)
                target = outbox / f"{o.file_stem}.eml"
                temp = target.with_suffix(".eml.tmp")
                temp.write_bytes(compose(o, settings, msg_id, draft=True).as_bytes())
                os.replace(temp, target)
                ok, error = True, ""
            log.record({**entry, "result": result_word if ok else "failed", "error": error})
            if ok and state and fingerprint is not None:
                ledger.record_sent(state[0], state[1], o.key, run.name, fingerprint, now())
            if ok:
                report.done += 1
                report.lines.append(f"[{'Đã gửi' if smtp_mode else 'Đã ghi'}] {who}: {o.subject}")
            else:
                report.failed += 1
                report.lines.append(f"[Lỗi] {who}: {error}. Chạy lại \"python process.py send\" để gửi lại.")
    finally:
        conn.quit()
        ledger.close()
    if not smtp_mode and not dry_run:
        report.lines.append(f"Chưa cấu hình máy chủ thư: các thư được ghi thành tệp .eml trong {outbox} — mở bằng "
                            "Outlook hoặc Thunderbird để gửi.")
    return report
