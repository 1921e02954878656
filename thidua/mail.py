"""Sending a run's results: each unit its feedback workbook, the leadership the consolidated files.

Messages are built from the run folder (ket_qua.json and the files beside it), never recomputed; addresses
come from the current registry. Without an SMTP host they are written as .eml files that open in Outlook or
Thunderbird ready to send. Sending is at most once: a send log in the run folder records the intent durably
before the body leaves and the outcome as soon as it is known, so a second `send` skips what went out, retries
only what failed, and holds back a message whose outcome is unknown until the clerk asks (`--resend`). A lock
file makes two `send`s on one run wait for each other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import email.errors
import email.policy
import functools
import hashlib
import json
import os
import re
import smtplib
import socket
import ssl
import sys
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.charset import Charset
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import jinja2

from . import terms
from .changes import compare, counts_text
from .config import Config, EmailSettings
from .errors import ThiduaError, os_reason
from .ledger import Ledger, ledger_path
from .names import (
    DOCS_DIR,
    FEEDBACK_DIR,
    LEADERSHIP_MAIL_TEMPLATE,
    OUTBOX,
    REMINDER_MAIL_TEMPLATE,
    RESULT_JSON,
    SEND_LOCK,
    SEND_LOG,
    UNIT_MAIL_TEMPLATE,
    UNIT_TEMPLATES_DIR,
    WORKBOOK_TEMPLATE,
    consolidated_name,
    sha256_of,
    unit_template_names,
)
from .registry import address_problem
from .text import cap_first, name_list, safe_filename

if TYPE_CHECKING:
    from .registry import Registry

SMTP_POLICY = email.policy.SMTP  # CRLF line ends, as SMTP and Outlook's .eml files have them
# Subject, From and To are encoded here and written as they are: the standard folder can split "dự thảo" into
# two encoded words and drop the space between them, and a display name split into several encoded words
# comes back with spaces inserted.
MESSAGE_POLICY = SMTP_POLICY.clone(refold_source="none")
MIME_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".json": ("application", "json"),
}
LEADERSHIP = "leadership"
LEADERSHIP_NAMES = ("lãnh đạo", "lanh dao", "lanh-dao", LEADERSHIP)
LOCK_WAIT_SECONDS = 120.0  # a second `send` on the same run waits this long for the first before it gives up
WAITING = "Một lần gửi thư khác đang chạy trên lần chạy này; đang chờ lần đó xong..."
UNKNOWN_LABEL = "chưa rõ đã gửi hay chưa"


class SendMode(StrEnum):
    CHANGED = "changed"  # the default: a unit whose feedback changed since it was last sent; the leadership likewise
    ALL = "all"  # every message of the run (still never one twice)
    REMIND = "remind"  # only reminders, to the units with no processed file


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
    label: str = ""  # what the clerk calls the recipient: the unit's short name, or "lãnh đạo"


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


def _unit_address(unit: dict, registry: Registry | None) -> tuple[str, str]:
    """A unit's address from the current registry (a fixed address needs no new run), and why it cannot be
    mailed, if it cannot."""
    current = registry.get(unit["code"]) if registry is not None else None
    address = current.email if current is not None else unit["email"]
    why = address_problem(address)
    problem = (f"{unit['short_name']}: {why}. Đề nghị sửa cột email trong danh sách đơn vị rồi chạy lại \"send\"."
               if why else "")
    return address, problem


def plan(run: Path, config: Config, registry: Registry | None = None, since: dict[str, dict] | None = None
         ) -> list[Outgoing]:
    """Every message of a run, each with its problem if it cannot go. Addresses come from `registry` (the
    current one, so a fixed address needs no new run); a unit it no longer lists keeps the run's address.
    `since`: by message key, what changed since the run that recipient last received (`since_delivered`)."""
    since = since or {}
    data = json.loads((run / RESULT_JSON).read_text(encoding="utf-8"))
    settings = config.email
    round_name = terms.ROUNDS.get(data["round"], data["round"])
    base = {"year": data["year"], "round_name": round_name, "province_name": data["province"]["name"],
            "from_name": settings.from_name, "deadline": _deadline(config)}
    messages: list[Outgoing] = []
    files: dict[str, int] = {}
    for unit in data["units"]:
        files[unit["feedback_file"].casefold()] = files.get(unit["feedback_file"].casefold(), 0) + 1
    for unit in data["units"]:
        summary = unit.get("summary") or {}
        if not summary.get("files") or unit.get("cap") == "tinh":
            continue  # no file from this unit: nothing to answer; the province's office is the sender itself
        attachment = run / FEEDBACK_DIR / unit["feedback_file"]
        context = {**base, **summary, "unit_name": unit["short_name"], "unit_full_name": unit["name"],
                   "attachment": attachment.name, "changes": "", "previous_run": "", "sent_date": "",
                   "sheet_previous": "", **since.get(f"unit:{unit['code']}", {})}
        subject, text, html = _render(config.templates_dir, UNIT_MAIL_TEMPLATE, context)
        address, problem = _unit_address(unit, registry)
        if not problem and files[unit["feedback_file"].casefold()] > 1:
            # A run written before file names were made unique: the file may hold another unit's results.
            problem = (f"Tệp phản hồi {attachment.name} dùng chung cho nhiều đơn vị nên không gửi, để không gửi nhầm "
                       "kết quả của đơn vị khác. Đề nghị chạy lại \"python process.py\" rồi gửi.")
        elif not problem and not attachment.is_file():
            problem = f"Không tìm thấy tệp đính kèm {attachment.name}."
        messages.append(Outgoing(f"unit:{unit['code']}", (address,), unit["name"], subject, text, html,
                                 (attachment,), attachment.stem, problem, unit["short_name"]))
    # Word keeps an owner file "~$…docx" beside a draft while it is open: never an attachment (it would also make
    # the leadership's message look new to a later `send --all`, and go twice).
    documents = sorted(p for p in (run / DOCS_DIR).glob("*.docx") if not p.name.startswith("~$")) \
        if (run / DOCS_DIR).is_dir() else []
    consolidated = run / consolidated_name(data["year"], data["round"])
    summary = data.get("summary")
    if summary is None:
        raise ThiduaError(f"Kết quả trong {run.name} được ghi bằng phiên bản cũ của công cụ. Đề nghị chạy lại "
                          "\"python process.py\" rồi gửi.")
    # One count of units everywhere (summary.reported); long lists name ten and point to the overview sheet.
    reported = summary.get("reported") or {"units": summary["units_received"], "of": summary["units_total"]}
    overview = ", xem trang \"Tổng quan\" của bảng tổng hợp"  # inside the line's own brackets
    files = summary["files"]
    # Every file received, and what became of it: "11 tệp" alone hid the replaced and the rejected ones.
    detail = [f"{files.get(status, 0)} tệp {what}" for status, what in (
        ("processed", "được tổng hợp"), ("superseded", "được thay bằng bản gửi sau"), ("rejected", "bị từ chối"),
        ("skipped", "không phải mẫu báo cáo, bỏ qua")) if files.get(status, 0)]
    context = {**base, "processed": files["processed"], "files_received": sum(files.values()),
               "files_detail": ", ".join(detail) if len(detail) > 1 else "", "units_received": reported["units"],
               "units_total": reported["of"], "missing": name_list(summary["units_missing"], more=overview),
               "rejected": name_list(summary.get("units_rejected", []), more=overview),
               "nominations": summary["nominations"], "proposed": summary["status"]["proposed"],
               "needs_review": summary["needs_review"], "errors": summary["errors"], "documents": len(documents),
               "review_nominations": summary["status"]["needs_review"],
               "review_units": summary["needs_review"] - summary["status"]["needs_review"],
               **_changes_context(data.get("changes")), **since.get(LEADERSHIP, {})}
    subject, text, html = _render(config.templates_dir, LEADERSHIP_MAIL_TEMPLATE, context)
    leaders = tuple(settings.leadership)
    problem = ""
    if not leaders:
        problem = "Chưa khai báo địa chỉ lãnh đạo (email.leadership trong config.toml)."
    elif bad := [why for a in leaders if (why := address_problem(a))]:
        problem = "Có địa chỉ lãnh đạo không dùng được trong email.leadership: " + "; ".join(bad) + "."
    elif not consolidated.is_file():
        problem = f"Không tìm thấy tệp đính kèm {consolidated.name}."
    messages.append(Outgoing(LEADERSHIP, leaders, "", subject, text, html, (consolidated, *documents),
                             "Lãnh đạo - Tổng hợp", problem, LEADERSHIP_NAMES[0]))
    return messages


def _changes_context(changes: dict | None) -> dict:
    """What changed since the previous run, for the leadership's mail (nothing on a first run)."""
    if not changes or not changes.get("previous_run"):
        return {"previous_run": "", "changes": "", "sent_date": "", "sheet_previous": ""}
    counts = {k: len(changes.get(k, ())) for k in ("files", "nominations", "rankings", "quotas")}
    return {"previous_run": changes["previous_run"], "changes": counts_text(counts) if any(counts.values()) else
            "không có", "sent_date": "", "sheet_previous": ""}


def since_delivered(ledger: Ledger, run: Path) -> dict[str, dict]:
    """By message key: what changed between the run each recipient last received and this one, for its mail.
    A clerk who runs after every file and sends once a week would otherwise tell a unit "no change since the
    previous run" while its feedback changed since what it was sent. The `Thay đổi` sheets keep comparing with
    the previous run (SPEC 10); the mail names that run too when it is another one."""
    data = json.loads((run / RESULT_JSON).read_text(encoding="utf-8"))
    delivered = {key: last for key, last in ledger.deliveries(data["year"], data["round"]).items()
                 if last[0] != run.name}
    after = ledger.run_snapshot(run.name) if delivered else None
    if after is None:
        return {}
    sheet_previous = (data.get("changes") or {}).get("previous_run") or ""
    found: dict[str, dict] = {}
    changes_by_run = {}
    # The pooled quota lines a unit's feedback shows are those of its cluster and of the province.
    clusters = {f"unit:{u['code']}": None if u.get("cap") == "tinh" else (u.get("cluster") or "")
                for u in data.get("units", ())}
    for key, (folder, time_sent) in delivered.items():
        if folder not in changes_by_run:
            before = ledger.run_snapshot(folder)
            changes_by_run[folder] = compare(folder, before, after) if before is not None else None
        changes = changes_by_run[folder]
        if changes is None:
            continue
        if key.startswith("unit:"):
            changes = changes.for_unit(key.removeprefix("unit:"), clusters.get(key))
        try:
            sent_date = dt.datetime.fromisoformat(time_sent).strftime("%d/%m/%Y")
        except ValueError:
            continue
        found[key] = {"previous_run": folder, "sent_date": sent_date,
                      "changes": counts_text(changes.counts()) if changes.any else "không có",
                      "sheet_previous": sheet_previous if sheet_previous != folder else ""}
    return found


def _unit_template(run: Path, config: Config, registry: Registry, code: str, write: bool) -> Path | None:
    """The unit's own pre-filled template: the one `template --per-unit` wrote beside the runs if it is still
    untouched, else written for it now into the run's outbox (only when `write`: a dry run writes nothing)."""
    from .template import _untouched_template, write_unit_template

    unit = registry.get(code)
    if unit is None:
        return None
    name = unit_template_names((*registry.submitters, registry.province)).get(code)
    if name is None:
        return None
    for folder in dict.fromkeys((run.parent, config.output_dir)):
        made = folder / UNIT_TEMPLATES_DIR.format(year=config.year) / name
        if made.is_file() and _untouched_template(made):
            return made
    path = run / OUTBOX / UNIT_TEMPLATES_DIR.format(year=config.year) / name
    if write and not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{os.getpid()}.{path.name}")  # a `send` beside this one never reads half a file
        write_unit_template(temp, config, registry, unit)
        os.replace(temp, path)
    return path


def plan_reminders(run: Path, config: Config, registry: Registry | None = None, earlier: dict[str, str] | None = None,
                   write: bool = True) -> list[Outgoing]:
    """A reminder to each submitting unit with no processed file in the run, with its own pre-filled template
    attached (the blank template of this config when the registry is not known). `earlier`: unit code -> the file
    an earlier run processed for it, now gone from the batch, which the reminder says instead of "not received"."""
    data = json.loads((run / RESULT_JSON).read_text(encoding="utf-8"))
    round_name = terms.ROUNDS.get(data["round"], data["round"])
    # The blank template `process.py template` wrote for this config: beside it, or in the project's templates/.
    found = [p for p in (config.path.parent / WORKBOOK_TEMPLATE, config.path.parent / "templates" / WORKBOOK_TEMPLATE)
             if p.is_file()]
    base = {"year": data["year"], "round_name": round_name, "province_name": data["province"]["name"],
            "from_name": config.email.from_name, "deadline": _deadline(config)}
    messages = []
    for unit in data["units"]:
        if (unit.get("summary") or {}).get("processed") or unit.get("cap") == "tinh":
            continue  # a file was processed; the province's office is the sender itself
        own = _unit_template(run, config, registry, unit["code"], write) if registry is not None else None
        attachments = (own,) if own is not None else tuple(found[:1])
        context = {**base, "unit_name": unit["short_name"], "unit_full_name": unit["name"],
                   "attachment": attachments[0].name if attachments else "",
                   "earlier_file": (earlier or {}).get(unit["code"], "")}
        subject, text, html = _render(config.templates_dir, REMINDER_MAIL_TEMPLATE, context)
        address, problem = _unit_address(unit, registry)
        messages.append(Outgoing(f"remind:{unit['code']}", (address,), unit["name"], subject, text, html, attachments,
                                 f"Nhắc gửi báo cáo - {safe_filename(unit['short_name'])}", problem,
                                 unit["short_name"]))
    return messages


def resolve_resend(names: list[str], messages: list[Outgoing]) -> frozenset[str]:
    """The keys of the messages the clerk names: a unit's code, its name or part of it, or "lãnh đạo"."""
    keys: set[str] = set()
    for name in names:
        wanted = _fold(name)
        exact = [o.key for o in messages if wanted in _called(o)]
        found = exact or [o.key for o in messages if wanted and any(wanted in c for c in _called(o))]
        if len(found) == 1:
            keys.update(found)
            continue
        if found:
            hint = "nhiều thư khớp (" + ", ".join(o.label for o in messages if o.key in found) + ")"
        else:
            close = difflib.get_close_matches(name, [o.label for o in messages], n=3, cutoff=0.5)
            hint = "không có thư nào của đơn vị này" + (f" (có phải: {', '.join(close)}?)" if close else "")
        raise ThiduaError(f"\"--resend {name}\": {hint}. Ghi mã đơn vị hoặc tên như trong danh sách đơn vị, hoặc "
                          "\"lãnh đạo\" cho thư gửi lãnh đạo.")
    return frozenset(keys)


def _called(o: Outgoing) -> set[str]:
    """The names a clerk may give a message by."""
    names = {_fold(o.label), _fold(o.to_name), _fold(o.key.partition(":")[2])}
    if o.key == LEADERSHIP:
        names |= {_fold(n) for n in LEADERSHIP_NAMES}
    return names - {""}


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


# ---------------------------------------------------------------- one message

def message_id(run: Path, key: str, settings: EmailSettings) -> str:
    """Stable per run and recipient, so a retried message is recognisably the same message."""
    domain = settings.from_address.rpartition("@")[2] or "thidua.local"
    digest = hashlib.sha1(f"{run.name}/{key}".encode()).hexdigest()[:20]
    return f"<{digest}.{key.replace(':', '-')}@{domain}>"


_UTF8 = Charset("utf-8")


def _addresses(pairs: list[tuple[str, str]]) -> str:
    """One encoded word per display name, on its own line: every reader, Python's included, decodes it whole."""
    parts = [addr if not name else formataddr((name, addr)) if name.isascii() else f"{_UTF8.header_encode(name)} <{addr}>"
             for name, addr in pairs]
    return ",\n ".join(parts)


def compose(o: Outgoing, settings: EmailSettings, msg_id: str, draft: bool = False) -> EmailMessage:
    """RFC 2047 subject and names, RFC 2231 file names (plus the name= parameter older Outlook reads)."""
    msg = EmailMessage(policy=MESSAGE_POLICY)
    # Header.encode keeps each space inside an encoded word, where no reader can lose it.
    msg.set_raw("Subject", Header(o.subject, "utf-8", header_name="Subject").encode(maxlinelen=76))
    msg.set_raw("From", _addresses([(settings.from_name, settings.from_address)]))
    msg.set_raw("To", _addresses([(o.to_name, a) for a in o.to]))
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

class State(StrEnum):
    NEW = "new"  # never tried, or every try failed before the body left
    SENT = "sent"  # the server accepted it (or its .eml file was written)
    FAILED = "failed"  # a definite failure: the next `send` tries again
    UNKNOWN = "unknown"  # the body may have left and no answer was recorded: sent again only on --resend


class SendLog:
    """Append-only JSON lines, each flushed to disk before the next step: an "intent" before DATA, then the
    attempt's outcome ("sent", "written", "failed" or "unknown") as soon as it is known."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: list[dict] = []
        self._ends_cleanly = True
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            self._ends_cleanly = text.endswith("\n") or not text
            for number, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut short by a crash or a full disk
                    if not isinstance(entry, dict):
                        # Never one of ours, so someone edited the log: skipping it could hide a record it replaced
                        # and send a message twice.
                        raise ThiduaError(f"Nhật ký gửi thư {path} bị sửa hỏng ở dòng {number} (không phải một "
                                          "bản ghi gửi thư), nên không gửi thư nào để tránh gửi trùng. Đề nghị mở tệp, "
                                          "kiểm tra rồi xóa dòng đó, sau đó chạy lại \"python process.py send\".")
                    self.entries.append(entry)

    def state(self, key: str, hashes: list[dict], result: str) -> State:
        outcome: dict[str, str] = {}  # attempt -> its last word
        last = ""
        sent = failed = False
        for n, entry in enumerate(e for e in self.entries if e.get("key") == key):
            last = str(entry.get("attempt") or n)  # entries written before intents were recorded: one each
            outcome[last] = entry.get("result", "")
            sent |= entry.get("result") == result and entry.get("attachments") == hashes
            failed |= entry.get("result") == "failed"
        if last and outcome[last] in ("intent", State.UNKNOWN):
            return State.UNKNOWN
        return State.SENT if sent else State.FAILED if failed else State.NEW

    def last_intent(self, key: str) -> dict:
        return next((e for e in reversed(self.entries) if e.get("key") == key and e.get("result") == "intent"), {})

    def record(self, entry: dict) -> None:
        """Durable before it returns (flush and fsync); an OSError (a full disk) reaches the caller."""
        with self.path.open("a", encoding="utf-8") as fh:
            if not self._ends_cleanly:
                fh.write("\n")  # never glue a good entry onto a line cut short
            self._ends_cleanly = False
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
            self._ends_cleanly = True
        self.entries.append(entry)


class _LogFailed(Exception):
    """The send log could not be written: nothing more may be sent. `went`: the message in hand did go."""

    def __init__(self, error: OSError, went: bool):
        super().__init__(error)
        self.error, self.went = error, went


@contextlib.contextmanager
def send_lock(run: Path, wait: float, out: TextIO, sleep: Callable[[float], None] = time.sleep) -> Iterator[None]:
    """Hold the run's lock file for one `send`; the operating system lets it go if the process dies."""
    deadline = time.monotonic() + wait
    with (run / SEND_LOCK).open("a+b") as fh:
        told = False
        while not _try_lock(fh):
            if time.monotonic() >= deadline:
                raise ThiduaError(f"Một lần gửi thư khác đang chạy trên lần chạy {run.name} (đã chờ {wait:g} giây). "
                                  "Đề nghị chờ lần gửi đó xong rồi chạy lại \"python process.py send\".")
            if not told:
                print(WAITING, file=out, flush=True)
                told = True
            sleep(0.2)
        try:
            yield
        finally:
            _unlock(fh)


def _try_lock(fh) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fh) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------- choosing what goes

class Action(StrEnum):
    SEND = "send"
    SKIP = "skip"  # went out before
    HOLD = "hold"  # outcome unknown: only --resend sends it again
    BLOCKED = "blocked"  # cannot go (no address, no attachment)
    UNCHANGED = "unchanged"  # the recipient already has this content, from an earlier run


def choose(messages: list[Outgoing], log: SendLog, result: str, resend: frozenset[str] = frozenset(),
           unchanged: frozenset[str] = frozenset()) -> list[tuple[Outgoing, Action]]:
    """Which messages go this time. The one place that decides; a further filter plugs in here. `unchanged`:
    the keys whose content the ledger says the recipient last received."""
    actions = {State.NEW: Action.SEND, State.FAILED: Action.SEND, State.SENT: Action.SKIP, State.UNKNOWN: Action.HOLD}
    chosen = []
    for o in messages:
        if o.problem:
            chosen.append((o, Action.BLOCKED))
        elif o.key in resend:
            chosen.append((o, Action.SEND))
        else:
            action = actions[log.state(o.key, _hashes(o), result)]
            chosen.append((o, Action.UNCHANGED if action == Action.SEND and o.key in unchanged else action))
    return chosen


# ---------------------------------------------------------------- delivery

@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failed: int = 0
    done: int = 0
    skipped: int = 0
    unknown: int = 0
    not_tried: int = 0  # left when the send stopped
    unchanged: int = 0  # not sent: the recipient already has this content
    stopped: str = ""  # why the send stopped before the end ("" when it went through)


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


def _said(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _envelope(smtp, sender: str, recipients: tuple[str, ...]) -> None:
    """MAIL and RCPT, as smtplib.sendmail does them, stopping before DATA. One refused recipient stops the
    message: sending it to the others would make a later retry send it to them twice."""
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for address in recipients:
        code, reply = smtp.rcpt(address)
        if code not in (250, 251):
            refused[address] = (code, reply)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


def _body(raw: bytes) -> bytes:
    """The message as DATA carries it: lines starting with a dot doubled, ended by a line holding one dot."""
    quoted = re.sub(rb"(?m)^\.", b"..", raw)
    return quoted + (b"" if quoted.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _deliver(conn: _Connection, raw: bytes, recipients: tuple[str, ...], log: SendLog, entry: dict, retries: int,
             backoff: float, sleep) -> tuple[State, str]:
    """(outcome, error). What fails before DATA (connection, MAIL, RCPT, DATA itself) is retried with backoff
    when temporary (4xx, a dropped connection); once the body has left, nothing is retried: no answer leaves
    the message UNKNOWN."""
    error = ""
    for attempt in range(retries):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            smtp = conn.get()
            _envelope(smtp, conn.settings.from_address, recipients)
        except smtplib.SMTPAuthenticationError as exc:
            raise ThiduaError(f"Máy chủ thư từ chối đăng nhập ({exc.smtp_code}). Kiểm tra tên đăng nhập và "
                              f"mật khẩu trong biến môi trường {conn.settings.password_env}.") from None
        except smtplib.SMTPRecipientsRefused as exc:
            error = "; ".join(f"{a}: {c} {_said(t)}" for a, (c, t) in exc.recipients.items())
            _reset(conn)
            if all(500 <= c < 600 for c, _ in exc.recipients.values()):
                return State.FAILED, error
            continue
        except smtplib.SMTPResponseException as exc:
            error = f"{exc.smtp_code} {_said(exc.smtp_error)}"
            _reset(conn)
            if 500 <= exc.smtp_code < 600:
                return State.FAILED, error
            continue
        except (smtplib.SMTPException, OSError) as exc:
            error = f"không kết nối được với máy chủ thư ({_why_no_answer(exc)})"
            conn.drop()
            continue
        tried = {**entry, "attempt": uuid.uuid4().hex}
        _record(log, {**tried, "result": "intent"}, went=False)
        try:
            code, reply = smtp.docmd("DATA")
        except (smtplib.SMTPException, OSError) as exc:  # the body has not left: a definite failure
            error = f"mất kết nối với máy chủ thư ({_why_no_answer(exc)})"
            conn.drop()
            _record(log, {**tried, "result": State.FAILED.value, "error": error,
                          "detail": f"{exc.__class__.__name__} {exc}"}, went=False)
            continue
        if code != 354:
            error = f"{code} {_said(reply)}"
            _record(log, {**tried, "result": State.FAILED.value, "error": error}, went=False)
            _reset(conn)
            if 500 <= code < 600:
                return State.FAILED, error
            continue
        try:
            smtp.send(_body(raw))
            code, reply = smtp.getreply()
        except BaseException as exc:  # Ctrl-C included: the body may have reached the server
            conn.drop()
            error = ("bị dừng khi đang gửi nội dung thư" if isinstance(exc, KeyboardInterrupt) else
                     f"không nhận được trả lời sau khi đã gửi nội dung thư ({_why_no_answer(exc)})")
            with contextlib.suppress(OSError):  # the technical detail is for whoever reads the log, not the clerk
                log.record({**tried, "result": State.UNKNOWN.value, "error": error,
                            "detail": f"{exc.__class__.__name__} {exc}"})
            if not isinstance(exc, (smtplib.SMTPException, OSError)):
                raise
            return State.UNKNOWN, error
        if code == 250:
            _record(log, {**tried, "result": State.SENT.value, "error": ""}, went=True)
            return State.SENT, ""
        error = f"{code} {_said(reply)}"  # the server refused the body: it says the message did not go
        _record(log, {**tried, "result": State.FAILED.value, "error": error}, went=False)
        if code == 421:
            conn.drop()
        return State.FAILED, error
    return State.FAILED, error


def _why_no_answer(exc: BaseException) -> str:
    """The clerk's words for a server that does not answer; the exception's own text is English."""
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "máy chủ thư không trả lời trong thời gian chờ"
    if isinstance(exc, ConnectionRefusedError):
        return "máy chủ thư từ chối kết nối; đề nghị kiểm tra email.smtp_host và email.smtp_port"
    if isinstance(exc, socket.gaierror):
        return "không tìm thấy máy chủ thư; đề nghị kiểm tra email.smtp_host và kết nối mạng"
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
        return "máy chủ thư đã ngắt kết nối"
    return "mất kết nối với máy chủ thư"


def _record(log: SendLog, entry: dict, went: bool) -> None:
    try:
        log.record(entry)
    except OSError as exc:
        raise _LogFailed(exc, went) from exc


def _reset(conn: _Connection) -> None:
    try:
        conn.get().rset()
    except (smtplib.SMTPException, OSError):
        conn.drop()


def _unknown_line(o: Outgoing, log: SendLog) -> str:
    intent = log.last_intent(o.key)
    when = intent.get("time", "").replace("T", " ")
    return (f"[{cap_first(UNKNOWN_LABEL)}] {', '.join(o.to)}: {o.subject} (Message-ID {intent.get('message_id', '')}"
            f"{', lúc ' + when if when else ''}). Đề nghị xem thư đã gửi trên máy chủ hoặc hỏi người nhận; nếu chưa "
            f"nhận được, gửi lại bằng: python process.py send --resend \"{o.label}\"")


def _write_eml(outbox: Path, stem: str, raw: bytes) -> str:
    """Write one draft (.eml) whole or not at all; why it could not be written (a full disk, a file Outlook holds
    open), or "" when it was."""
    target = outbox / f"{stem}.eml"
    temp = target.with_suffix(".eml.tmp")
    try:
        outbox.mkdir(exist_ok=True)
        temp.write_bytes(raw)
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        return f"không ghi được tệp {target.name} ({os_reason(exc)})"
    return ""


def send_run(run: Path, config: Config, out: TextIO, *, dry_run: bool = False, factory: dict | None = None,
             sleep: Callable[[float], None] = time.sleep, retries: int = 3, backoff: float = 2.0,
             timeout: float = 30.0, now: Callable[[], dt.datetime] = dt.datetime.now,
             registry: Registry | None = None, resend: tuple[str, ...] = (),
             wait: float = LOCK_WAIT_SECONDS, mode: SendMode = SendMode.CHANGED) -> Report:
    settings = config.email
    smtp_mode = bool(settings.smtp_host)
    if smtp_mode and settings.security == "none" and settings.smtp_host not in ("localhost", "127.0.0.1", "::1"):
        raise ThiduaError("email.security = \"none\" chỉ dùng cho máy chủ thư trên chính máy này; "
                          "đề nghị dùng \"starttls\" hoặc \"ssl\".")
    password = os.environ.get(settings.password_env) if settings.username else None
    if smtp_mode and settings.username and not password and not dry_run:
        raise ThiduaError(f"Chưa có mật khẩu máy chủ thư: đặt biến môi trường {settings.password_env} rồi chạy lại.")
    try:
        if mode == SendMode.REMIND:
            with Ledger(ledger_path(config, run)) as ledger:
                earlier = ledger.files_before(run.name)
            messages = plan_reminders(run, config, registry, earlier, write=not dry_run)
        else:
            with Ledger(ledger_path(config, run)) as ledger:
                since = since_delivered(ledger, run)
            messages = plan(run, config, registry, since)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # Cut short, emptied or edited by hand: what it held cannot be trusted, so nothing is sent from it.
        raise ThiduaError(f"Tệp {RESULT_JSON} của lần chạy {run.name} bị hỏng (không đọc được nội dung) nên không "
                          f"gửi thư nào. Đề nghị chạy lại \"python process.py\" để có lần chạy mới rồi gửi, hoặc chép "
                          f"lại tệp {RESULT_JSON} từ bản sao lưu.") from exc
    wanted = resolve_resend(list(resend), messages)
    lock = contextlib.nullcontext() if dry_run else send_lock(run, wait, out, sleep)
    report = Report()
    with lock, Ledger(ledger_path(config, run)) as ledger:
        # What each message of this run shows (none for a run from before the ledger: sent as before) and what
        # each recipient last received in this campaign.
        state = ledger.delivery_state(run.name)
        if mode == SendMode.ALL and not dry_run and (newer := ledger.newer_run(run.name)):
            # The ledger keeps what each unit last received: an older run sent again would become that record.
            raise ThiduaError(f"Lần chạy {run.name} không phải lần chạy mới nhất: đã có lần chạy {newer}. Gửi lại mọi "
                              f"thư của lần chạy cũ sẽ ghi đè việc mỗi đơn vị đã nhận kết quả mới hơn. Đề nghị gửi "
                              f"lần chạy {newer} (python process.py send --all \"{run.parent / newer}\").")
        fingerprints = state[2] if state else {}
        unchanged = frozenset(k for k, fp in fingerprints.items() if mode == SendMode.CHANGED and state
                              and ledger.last_sent(state[0], state[1], k) == fp)

        busy: list[str] = []  # why the ledger could not be written; then it is not waited for again

        def delivered(o: Outgoing) -> None:
            if not (state and o.key in fingerprints):
                return
            if not busy:
                try:
                    ledger.record_sent(state[0], state[1], o.key, run.name, fingerprints[o.key], now())
                    return
                except ThiduaError as exc:  # a run holds the ledger: the message went all the same
                    busy.append(str(exc))
            report.lines.append(f"[Chưa ghi vào sổ] {', '.join(o.to)}: {busy[0]} Lần gửi sau có thể gửi lại thư "
                                "này dù nội dung không đổi.")

        log = SendLog(run / SEND_LOG)  # read under the lock: what another `send` wrote is seen
        chosen = choose(messages, log, "sent" if smtp_mode else "written", wanted, unchanged)
        conn = _Connection(settings, password, factory or {"plain": smtplib.SMTP, "ssl": smtplib.SMTP_SSL}, timeout)
        try:
            _send_chosen(chosen, run, settings, log, conn, report, dry_run=dry_run, sleep=sleep, retries=retries,
                         backoff=backoff, now=now, delivered=delivered)
        finally:
            conn.quit()
    if not smtp_mode and not dry_run:
        outbox = run / OUTBOX
        if report.done:
            report.lines.append(f"Chưa cấu hình máy chủ thư: các thư được ghi thành tệp .eml trong {outbox} — mở "
                                "bằng Outlook hoặc Thunderbird để gửi.")
        else:
            report.lines.append("Không có thư nào được ghi thành tệp .eml trong lần gửi này.")
    return report


def _send_chosen(chosen: list[tuple[Outgoing, Action]], run: Path, settings: EmailSettings, log: SendLog,
                 conn: _Connection, report: Report, *, dry_run: bool, sleep, retries: int, backoff: float,
                 now: Callable[[], dt.datetime], delivered: Callable[[Outgoing], None]) -> None:
    smtp_mode = bool(settings.smtp_host)
    outbox = run / OUTBOX
    for n, (o, action) in enumerate(chosen):
        who = ", ".join(o.to) or o.key
        if action == Action.BLOCKED:
            report.failed += 1
            report.lines.append(f"[Không gửi] {who}: {o.problem}")
            continue
        if action == Action.SKIP:
            report.skipped += 1
            report.lines.append(f"[Đã gửi trước] {who}: {o.subject}")
            continue
        if action == Action.HOLD:
            report.unknown += 1
            report.lines.append(_unknown_line(o, log))
            continue
        if action == Action.UNCHANGED:
            report.unchanged += 1
            report.lines.append(f"[Không thay đổi, không gửi lại] {who}: {o.subject}")
            continue
        if dry_run:
            report.lines.append(f"[Sẽ gửi] {who}: {o.subject} — đính kèm: " + ", ".join(p.name for p in o.attachments))
            continue
        msg_id = message_id(run, o.key, settings)
        hashes = _hashes(o)
        entry = {"key": o.key, "message_id": msg_id, "to": list(o.to), "subject": o.subject,
                 "attachments": hashes, "time": now().isoformat(timespec="seconds")}
        try:
            try:
                raw = compose(o, settings, msg_id, draft=not smtp_mode).as_bytes()
            except (ValueError, TypeError, email.errors.MessageError) as exc:
                state, error = State.FAILED, f"không tạo được thư ({exc})"
            else:
                if smtp_mode:
                    state, error = _deliver(conn, raw, o.to, log, entry, retries, backoff, sleep)
                elif (problem := _write_eml(outbox, o.file_stem, raw)):
                    state, error = State.FAILED, problem  # no .eml, nothing went: the next send tries again
                else:
                    _record(log, {**entry, "result": "written", "error": ""}, went=True)
                    state, error = State.SENT, ""
            if state == State.FAILED:
                _record(log, {**entry, "attempt": uuid.uuid4().hex, "result": State.FAILED.value, "error": error},
                        went=False)
        except KeyboardInterrupt:
            report.stopped = "Đã dừng theo yêu cầu."
            in_doubt = log.state(o.key, hashes, "sent") == State.UNKNOWN
            if in_doubt:
                report.unknown += 1
                report.lines.append(_unknown_line(o, log))
            report.not_tried = sum(a == Action.SEND for _, a in chosen[n + 1:]) + (not in_doubt)
            return
        except ThiduaError as exc:  # the server refused the login: what went before is still listed
            report.stopped = str(exc)
            report.not_tried = sum(a == Action.SEND for _, a in chosen[n:])
            return
        except _LogFailed as exc:
            if exc.went:
                delivered(o)
                report.done += 1
                report.lines.append(f"[{'Đã gửi' if smtp_mode else 'Đã ghi'}] {who}: {o.subject}")
            report.stopped = (f"Không ghi được nhật ký gửi thư {SEND_LOG} ({exc.error.strerror or exc.error}), nên "
                              "dừng gửi để không có thư nào bị gửi hai lần. Đề nghị giải phóng ổ đĩa rồi chạy lại "
                              "\"python process.py send\".")
            report.not_tried = sum(a == Action.SEND for _, a in chosen[n + 1:]) + (not exc.went)
            return
        if state == State.SENT:
            delivered(o)
            report.done += 1
            report.lines.append(f"[{'Đã gửi' if smtp_mode else 'Đã ghi'}] {who}: {o.subject}")
        elif state == State.UNKNOWN:
            report.unknown += 1
            report.lines.append(_unknown_line(o, log) + f" — {error}")
        else:
            report.failed += 1
            report.lines.append(f"[Lỗi] {who}: {error}. Chạy lại \"python process.py send\" để gửi lại.")
