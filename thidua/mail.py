"""Sending a run's results: each unit its feedback workbook, the leadership the consolidated files.

Messages are built from the run folder (ket_qua.json and the files beside it), never recomputed. Without
an SMTP host they are written as .eml files that open in Outlook or Thunderbird ready to send. A send log
in the run folder makes a second `send` skip what went out and retry only what failed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from email import encoders
from email.policy import compat32
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Callable, TextIO

import jinja2

from . import terms
from .config import Config, EmailSettings
from .errors import ThiduaError
from .batch import RESULT_JSON
from .workbook import sha256_of
from .xlsx_report import FEEDBACK_DIR, consolidated_name

OUTBOX = "ThuDi"
EML_POLICY = compat32.clone(linesep="\r\n")  # .eml files as Outlook writes them
SEND_LOG = "nhat_ky_gui_thu.jsonl"
MIME_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".json": ("application", "json"),
}
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


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

@functools.lru_cache(maxsize=None)
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
        subject, text, html = _render(config.templates_dir, "thu_phan_hoi.j2", context)
        problem = ""
        if not unit["email"]:
            problem = f"{unit['short_name']} chưa có địa chỉ email trong danh sách đơn vị."
        elif not valid_address(unit["email"]):
            problem = f"Địa chỉ email \"{unit['email']}\" của {unit['short_name']} không hợp lệ."
        elif not attachment.is_file():
            problem = f"Không tìm thấy tệp đính kèm {attachment.name}."
        messages.append(Outgoing(f"unit:{unit['code']}", (unit["email"],), unit["name"], subject, text, html,
                                 (attachment,), attachment.stem, problem))
    documents = sorted((run / "VanBan").glob("*.docx")) if (run / "VanBan").is_dir() else []
    consolidated = run / consolidated_name(data["year"], data["round"])
    received = {u["code"] for u in data["units"] if (u.get("summary") or {}).get("processed")}
    missing = [u["short_name"] for u in data["units"] if u["code"] not in received]
    status = {s: sum(n["status"] == s for n in data["nominations"]) for s in terms.STATUSES}
    context = {**base, "processed": sum(i["status"] == "processed" for i in data["inputs"]),
               "units_received": len(received), "units_total": len(data["units"]), "missing": ", ".join(missing),
               "nominations": len(data["nominations"]), "proposed": status["proposed"],
               "needs_review": status["needs_review"] + sum(bool(r["needs_review"]) for k in data["rankings"].values()
                                                             for r in k),
               "errors": sum(i["severity"] == "error" for i in data["issues"]), "documents": len(documents)}
    subject, text, html = _render(config.templates_dir, "thu_lanh_dao.j2", context)
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


# ---------------------------------------------------------------- one message

def message_id(run: Path, key: str, settings: EmailSettings) -> str:
    """Stable per run and recipient, so a retried message is recognisably the same message."""
    domain = settings.from_address.rpartition("@")[2] or "thidua.local"
    digest = hashlib.sha1(f"{run.name}/{key}".encode("utf-8")).hexdigest()[:20]
    return f"<{digest}.{key.replace(':', '-')}@{domain}>"


def compose(o: Outgoing, settings: EmailSettings, msg_id: str, draft: bool = False) -> MIMEMultipart:
    """RFC 2047 subject and names, RFC 2231 file names (plus the name= parameter older Outlook reads)."""
    msg = MIMEMultipart("mixed")
    msg["Subject"] = Header(o.subject, "utf-8")
    msg["From"] = formataddr((settings.from_name, settings.from_address), charset="utf-8")
    msg["To"] = ", ".join(formataddr((o.to_name, a), charset="utf-8") if o.to_name else a for a in o.to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = msg_id
    if draft:
        msg["X-Unsent"] = "1"  # Outlook opens the .eml as a draft, ready to send
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(o.text, "plain", "utf-8"))
    body.attach(MIMEText(o.html, "html", "utf-8"))
    msg.attach(body)
    for path in o.attachments:
        maintype, subtype = MIME_TYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        part = MIMEBase(maintype, subtype, name=Header(path.name, "utf-8").encode(maxlinelen=998))
        part.set_payload(path.read_bytes())
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", path.name))
        msg.attach(part)
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
            error = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                raise ThiduaError(f"Máy chủ thư từ chối đăng nhập ({exc.smtp_code}). Kiểm tra tên đăng nhập và "
                                  f"mật khẩu trong biến môi trường {conn.settings.password_env}.") from None
            _reset(conn)
            if 500 <= exc.smtp_code < 600:
                return False, error
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout,
                OSError) as exc:
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
             timeout: float = 30.0, now: Callable[[], dt.datetime] = dt.datetime.now) -> Report:
    settings = config.email
    smtp_mode = bool(settings.smtp_host)
    if smtp_mode and settings.security == "none" and settings.smtp_host not in ("localhost", "127.0.0.1", "::1"):
        raise ThiduaError("email.security = \"none\" chỉ dùng cho máy chủ thư trên chính máy này; "
                          "hãy dùng \"starttls\" hoặc \"ssl\".")
    password = os.environ.get(settings.password_env) if settings.username else None
    if smtp_mode and settings.username and not password and not dry_run:
        raise ThiduaError(f"Chưa có mật khẩu máy chủ thư: đặt biến môi trường {settings.password_env} rồi chạy lại.")
    log = SendLog(run / SEND_LOG)
    outbox = run / OUTBOX
    report = Report()
    conn = _Connection(settings, password, factory or {"plain": smtplib.SMTP, "ssl": smtplib.SMTP_SSL}, timeout)
    result_word = "sent" if smtp_mode else "written"
    try:
        for o in plan(run, config):
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
                temp.write_bytes(compose(o, settings, msg_id, draft=True).as_bytes(policy=EML_POLICY))
                os.replace(temp, target)
                ok, error = True, ""
            log.record({**entry, "result": result_word if ok else "failed", "error": error})
            if ok:
                report.done += 1
                report.lines.append(f"[{'Đã gửi' if smtp_mode else 'Đã ghi'}] {who}: {o.subject}")
            else:
                report.failed += 1
                report.lines.append(f"[Lỗi] {who}: {error}. Chạy lại \"python process.py send\" để gửi lại.")
    finally:
        conn.quit()
    if not smtp_mode and not dry_run:
        report.lines.append(f"Chưa cấu hình máy chủ thư: các thư được ghi thành tệp .eml trong {outbox} — mở bằng "
                            "Outlook hoặc Thunderbird để gửi.")
    return report
