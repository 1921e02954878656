"""Command line: parse arguments, load config, call one function, turn known errors into exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time
import traceback
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from . import terms
from .config import Config, load_config, require_path, with_overrides
from .errors import ConfigError, ThiduaError
from .issues import CATALOG
from .names import (
    CRASH_LOG,
    DOCUMENTS,
    LEADERSHIP_MAIL_TEMPLATE,
    LOG_FILE,
    RESULT_JSON,
    SEND_LOG,
    UNIT_MAIL_TEMPLATE,
    UNIT_TEMPLATES_DIR,
    WORKBOOK_TEMPLATE,
    latest_run,
    sha256_of,
)
from .register import Issuer
from .registry import Registry, check_clusters, load_registry
from .terms import Severity
from .text import cap_first, name_list

if TYPE_CHECKING:
    from .result import Result

# Each command imports what it needs when it runs: `send` and `template` never load the reader or the writers.

STARTED = time.perf_counter()  # when the package was first imported: start-up is measured from here
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.toml"


_TYPE_NAMES = {"int": "số nguyên", "float": "số"}


def _vietnamese(message: str) -> str:
    """argparse's English error, said in Vietnamese: the messages a clerk meets (wrong value, missing or unknown
    option, unknown command); anything else keeps the option's name and a plain sentence."""
    if found := re.fullmatch(r"the following arguments are required: (.+)", message):
        return f"Thiếu {found[1]}; đề nghị ghi đủ các tham số bắt buộc."
    if found := re.fullmatch(r"unrecognized arguments: (.+)", message):
        return f"Không hiểu tham số {found[1]}."
    if found := re.fullmatch(r"one of the arguments (.+) is required", message):
        return f"Cần ghi một trong các tham số {found[1]}."
    if found := re.fullmatch(r"ambiguous option: (\S+) could match (.+)", message):
        return f"Tham số {found[1]} chưa rõ, có thể là {found[2]}; đề nghị ghi đầy đủ."
    found = re.fullmatch(r"argument (\S+?): (.+)", message, re.DOTALL)
    if not found:
        return "Tham số dòng lệnh không đúng; xem hướng dẫn: python process.py --help."
    name, detail = found[1].split("/")[-1], found[2]
    if choice := re.fullmatch(r"invalid choice: (.+?) \(choose from (.+)\)", detail, re.DOTALL):
        options = ", ".join(o.strip().strip("'\"") for o in choice[2].split(","))
        if name == "command":
            return f"Không có lệnh {choice[1]}. Các lệnh: {options}."
        return f"{name}: không có giá trị {choice[1]}; chọn một trong: {options}."
    if value := re.fullmatch(r"invalid (\w+) value: (.+)", detail):
        return f"{name}: {value[2]} không phải là {_TYPE_NAMES.get(value[1], 'giá trị hợp lệ')}."
    if detail.startswith("expected"):
        return f"{name}: thiếu giá trị sau tham số."
    if found := re.fullmatch(r"not allowed with argument (.+)", detail):
        return f"{name} không dùng cùng với {found[1]}."
    return f"{name}: giá trị không hợp lệ."


class _Parser(argparse.ArgumentParser):
    """Errors in Vietnamese, as every other message of the tool, with exit code 2 as before."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Lỗi: {_vietnamese(message)} Xem hướng dẫn: python {self.prog} --help\n")


def _issuer(text: str) -> str:
    return text.strip().lower()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="process.py",
                                     description="Tổng hợp thi đua, khen thưởng của Ủy ban MTTQ Việt Nam tỉnh.")
    # --config and --registry are read before the command ("process.py --config X sample") or after it; the
    # command's copy never overwrites a value given before it.
    parser.add_argument("--config", type=Path, default=None, help="tệp cấu hình (mặc định: config.toml)")
    parser.add_argument("--registry", type=Path, default=None, help="danh sách đơn vị (CSV hoặc Excel)")
    common = _Parser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="tệp cấu hình (mặc định: config.toml)")
    common.add_argument("--registry", type=Path, default=argparse.SUPPRESS, help="danh sách đơn vị (CSV hoặc Excel)")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", parents=[common], help="tổng hợp các tệp trong thư mục đầu vào")
    run.add_argument("--input", type=Path, default=None, help="thư mục chứa tệp của các đơn vị")
    run.add_argument("--output", type=Path, default=None, help="thư mục ghi kết quả")
    run.add_argument("--workers", type=int, default=None,
                     help="số tiến trình song song (mặc định: tự chọn theo số tệp và số nhân máy)")
    template = sub.add_parser("template", parents=[common], help="ghi mẫu báo cáo trống")
    template.add_argument("--output", type=Path, default=None,
                          help="tệp mẫu sẽ ghi; với --per-unit: thư mục ghi các mẫu")
    template.add_argument("--per-unit", action="store_true",
                          help="ghi cho mỗi đơn vị một mẫu đã điền sẵn tên, mã, cụm thi đua, năm và đợt")
    check = sub.add_parser("check", parents=[common], help="kiểm tra một tệp trước khi gửi")
    check.add_argument("file", type=Path)
    sample = sub.add_parser("sample", parents=[common], help="ghi bộ tệp mẫu của các đơn vị")
    sample.add_argument("--output", type=Path, default=None)
    registry = sub.add_parser("registry", help="ghi danh sách đơn vị của một tỉnh, thành phố theo danh mục từ 01/7/2025")
    registry.add_argument("province", help="tên tỉnh, thành phố, ví dụ \"Cần Thơ\"")
    registry.add_argument("--output", type=Path, default=None, help="tệp CSV sẽ ghi")
    send = sub.add_parser("send", parents=[common], help="gửi kết quả qua email (hoặc ghi tệp .eml)")
    send.add_argument("run_dir", type=Path, nargs="?", default=None, help="thư mục lần chạy (mặc định: mới nhất)")
    send.add_argument("--dry-run", action="store_true", help="chỉ liệt kê thư sẽ gửi")
    send.add_argument("--resend", action="append", default=[], metavar="ĐƠN_VỊ",
                      help="gửi lại thư của đơn vị này (mã hoặc tên; \"lãnh đạo\" cho thư gửi lãnh đạo), kể cả thư "
                           "chưa rõ đã gửi hay chưa; dùng được nhiều lần")
    send.add_argument("--wait", type=float, default=None, metavar="GIÂY",
                      help="nếu một lần gửi khác đang chạy trên cùng lần chạy: chờ tối đa bấy nhiêu giây (mặc định 120)")
    which = send.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true",
                       help="gửi mọi thư của lần chạy (mặc định: chỉ gửi đơn vị có phản hồi thay đổi từ lần gửi trước)")
    which.add_argument("--remind", action="store_true",
                       help="chỉ gửi thư nhắc các đơn vị chưa có tệp báo cáo được xử lý")
    ledger = sub.add_parser("ledger", parents=[common], help="sổ lưu các lần chạy (thidua.sqlite)")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    ledger_import = ledger_sub.add_parser("import", parents=[common],
                                          help="nạp các lần chạy trước đây từ tệp ket_qua.json của chúng")
    ledger_import.add_argument("run_dirs", type=Path, nargs="+", metavar="RUN_DIR", help="thư mục lần chạy")
    ledger_import.add_argument("--output", type=Path, default=None,
                               help="thư mục kết quả có sổ sẽ nạp vào (mặc định: paths.output hoặc paths.ledger)")
    record = sub.add_parser("record-decision", parents=[common],
                            help="ghi quyết định khen thưởng đã ký vào sổ theo dõi khen thưởng")
    record.add_argument("run_dir", type=Path, nargs="?", default=None,
                        help="thư mục lần chạy đã trình Hội đồng (mặc định: mới nhất)")
    record.add_argument("--number", required=True, help="số, ký hiệu quyết định, ví dụ \"125/QĐ-MTTQ-BTT\"")
    record.add_argument("--date", required=True, help="ngày ký, dạng ngày/tháng/năm, ví dụ 20/12/2026")
    record.add_argument("--issuer", type=_issuer, choices=[i.value for i in Issuer], default=Issuer.TINH.value,
                        help="cấp ký: tinh (Cờ thi đua, Bằng khen Ủy ban MTTQ tỉnh), ubnd (Bằng khen UBND tỉnh), "
                             "tw (Bằng khen Trung ương MTTQ); mặc định: tinh")
    record.add_argument("--include-review", action="append", default=[], metavar="TÊN_HOẶC_MÃ",
                        help="ghi thêm một trường hợp còn chờ Hội đồng xem xét mà quyết định đã ký có tên: tên hoặc "
                             "mã đơn vị, thêm \":hình thức\" nếu đơn vị chờ xét hai hình thức (ví dụ \"xã Tuyên "
                             "Bình:CO_XS\"); dùng được nhiều lần")
    record.add_argument("--leave-out", action="append", default=[], metavar="TÊN_HOẶC_MÃ",
                        help="không ghi một trường hợp được đề nghị hai Bằng khen (cảnh báo double-award) mà quyết "
                             "định đã ký không có tên: tên hoặc mã đơn vị; dùng được nhiều lần")
    record.add_argument("--again", action="store_true",
                        help="ghi lại khen thưởng cho trường hợp đã bị thu hồi trong năm (khi quyết định mới đã ký)")
    record.add_argument("--revoke", type=int, default=None, metavar="SỐ_VÀO_SỔ",
                        help="thu hồi khen thưởng đã ghi ở số vào sổ này (theo quyết định --number, --date)")
    record.add_argument("--reason", default="", help="lý do thu hồi")
    certificates = sub.add_parser("certificates", parents=[common], help="in Bằng khen lên phôi in sẵn (tệp PDF)")
    certificates.add_argument("--award", choices=list(terms.AWARDS), default=None, help="chỉ in một hình thức")
    certificates.add_argument("--decision", default=None, help="số quyết định (mặc định: quyết định ghi sổ gần nhất)")
    certificates.add_argument("--calibrate", action="store_true", help="in trang căn chỉnh vị trí các ô")
    certificates.add_argument("--output", type=Path, default=None, help="thư mục kết quả (chứa sổ lưu các lần chạy)")
    history = sub.add_parser("history", parents=[common], help="ghi lịch sử thi đua, khen thưởng qua các năm")
    history.add_argument("--years", default=None, help="khoảng năm, ví dụ 2023-2026 (mặc định: tất cả)")
    history.add_argument("--output", type=Path, default=None, help="thư mục kết quả (chứa sổ lưu các lần chạy)")
    return parser


def _setup(args, check_map: bool = True) -> tuple[Config, Registry]:
    config = load_config(args.config or DEFAULT_CONFIG)
    if args.registry is not None:
        config = with_overrides(config, registry_path=args.registry.resolve())
    # Where an unexpected failure is logged, from now on: beside the runs of this config.
    args.crash_log = config.output_dir / CRASH_LOG
    require_path(config.registry_path, "paths.registry", "danh sách đơn vị")
    registry = load_registry(config.registry_path, config.communes_path)
    if check_map and config.uses_clusters:
        check_clusters(registry, config.map.clusters, f"Danh sách đơn vị {config.registry_path.name}",
                       config.path.name)
    return config, registry


def _progress(out: TextIO):
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return lambda items, total: items
    from tqdm import tqdm

    return lambda items, total: tqdm(items, total=total, desc="Đọc tệp", unit=" tệp", leave=False)


def summary_lines(result: Result, folder: Path | None = None, blank_fields: Sequence[str] = (),
                  notes: Sequence[str] = ()) -> list[str]:
    """The one-screen Vietnamese summary shown at the end and kept in the run's log."""
    by_status = result.input_counts
    overview = " (xem trang \"Tổng quan\" của bảng tổng hợp)"
    lines = [
        f"TỔNG HỢP THI ĐUA, KHEN THƯỞNG NĂM {result.year} - {terms.ROUNDS[result.round].upper()}",
        *([result.provisional_title()] if result.provisional else []),
        *[f"{label}: " + name_list([u.short_name for u in units], more=overview)
          for label, units in (("Chưa gửi báo cáo", result.missing()),
                               ("Đã gửi nhưng tệp bị từ chối", result.rejected())) if units],
        "Tệp: " + ", ".join(f"{terms.FILE_STATUSES[s].lower()} {n}" for s, n in by_status.items()),
        f"Trường hợp đề nghị: {len(result.nominations)}",
    ]
    lines += [f"  - {terms.STATUSES[s]}: {result.stats['status'].get(s, 0)}" for s in terms.STATUS_ORDER]
    for ranking, title in terms.RANKINGS.items():
        if ranking == "huyen" and result.submitter_level == "xa":
            continue  # no districts since 2025
        units = result.rankings.get(ranking, ())
        awarded = sum(bool(u.awards) for u in units)
        review = sum(bool(u.needs_review) for u in units)
        lines.append(f"Xếp hạng {title}: {len(units)} đơn vị, {awarded} được khen, {review} đơn vị bằng điểm chờ Hội "
                     "đồng xem xét")
    lines.append("Đơn vị xếp hạng bằng điểm chờ Hội đồng xem xét: "
                 + str(sum(bool(u.needs_review) for units in result.rankings.values() for u in units)))
    lines.append(f"Lỗi: {len(result.errors)}    Cảnh báo: {len(result.warnings)}")
    again = sum(i.code == "awarded-last-year" for i in result.issues)
    if again:
        lines.append(f"Đã được khen năm trước: {again} trường hợp đề nghị cùng hình thức đã có trong sổ theo dõi khen "
                     "thưởng năm trước (xem trang \"Lỗi - Cảnh báo\", mức Thông tin).")
    if result.changes is not None:
        lines.append(changes_line(result.changes))
    lines += [f"  ! {i.message}" for i in result.issues if i.code == "empty-input"]
    for i in result.errors[:10]:
        where = " / ".join(x for x in (i.file, i.sheet, i.cell) if x)
        lines.append(f"  ! {where}: {CATALOG[i.code].title}")
    if len(result.errors) > 10:
        lines.append(f"  ... và {len(result.errors) - 10} lỗi khác (xem trang \"Lỗi - Cảnh báo\").")
    from .docx_report import unwritten_documents  # here: the summary needs no Word library

    for key, why in unwritten_documents(result).items():
        lines.append(f"Không lập \"{DOCUMENTS[key]}\": {why}.")
    if blank_fields:
        lines.append("Cảnh báo: văn bản Word còn để trống, Văn phòng điền trước khi trình ký (hoặc ghi vào "
                     "config.toml): " + "; ".join(blank_fields) + ".")
    lines += [f"Cảnh báo: {note}" for note in notes]
    if folder is not None:
        lines.append(f"Kết quả: {folder}")
    return lines


def changes_line(changes) -> str:
    from .changes import counts_text

    if changes.first_run:
        return "Thay đổi: Lần chạy đầu tiên, chưa có lần chạy trước để so sánh."
    counts = changes.counts()
    if not changes.any:
        return f"Thay đổi so với lần chạy {changes.previous_run}: không có."
    return f"Thay đổi so với lần chạy {changes.previous_run}: {counts_text(counts)} (xem trang \"Thay đổi\")."


def cmd_run(args, out: TextIO) -> int:
    from .batch import collector_paused, evaluate_folder, write_run, writer_workers
    from .changes import compare
    from .docx_report import blank_document_fields, check_templates, docx_writer
    from .ledger import Ledger, ledger_path, record_of
    from .register import awarded_last_year
    from .register_store import entries as register_entries
    from .xlsx_report import feedback_fingerprint, feedback_units, feedback_writers, write_consolidated

    config, registry = _setup(args)
    config = with_overrides(config, input_dir=args.input, output_dir=args.output)
    require_path(config.output_dir, "paths.output", "thư mục kết quả", folder=True, must_exist=False)
    args.crash_log = config.output_dir / CRASH_LOG
    require_path(config.input_dir, "paths.input", "thư mục đầu vào", folder=True)
    require_path(config.templates_dir, "paths.templates", "thư mục mẫu văn bản", folder=True)
    check_templates(config)
    timings: dict[str, float] = {"start": time.perf_counter() - STARTED}
    started = dt.datetime.now()
    # The ledger is opened (and checked) first, and its write lock held for the whole run: a second run waits
    # for this one instead of comparing itself with a run that is not finished. Its rows are written after the
    # run folder is complete, and committed last, so a run stopped at any point leaves the ledger as it was.
    with ExitStack() as stack:
        ledger = None
        if not os.environ.get("THIDUA_NO_LEDGER"):  # for benchmarks/bench_batch.py: what the ledger costs
            ledger = stack.enter_context(Ledger(ledger_path(config)))
            stack.enter_context(ledger.transaction())
        previous = ledger.previous(config.year, config.round) if ledger else None
        result = evaluate_folder(config.input_dir, config, registry, _progress(out), args.workers, timings)
        if ledger:  # the council sees who holds the same award from last year's register (an info issue)
            awarded = awarded_last_year(result.nominations, register_entries(ledger, config.year - 1), config.year)
            result = replace(result, issues=result.issues + tuple(awarded))
        compared = time.perf_counter()
        snapshot = None
        feedback: dict[str, str] = {}
        if ledger:
            with collector_paused():  # some 200,000 small tuples that form no cycles, as in evaluating
                snapshot = result.snapshot()
                before, rows = previous if previous is not None else (None, None)
                result = replace(result, changes=compare(before, rows, snapshot))
                # A unit was told this run's result when what `send` last delivered to it is this very content
                # (the fingerprint leaves out the changes and `notified`, so setting them changes nothing).
                feedback = {code: feedback_fingerprint(result, code) for code in (u.code for u in feedback_units(result))}
                result = replace(result, notified=tuple(
                    code for code, fp in feedback.items()
                    if ledger.last_sent(config.year, config.round, f"unit:{code}") == fp))
        blank = blank_document_fields(config)
        lines = summary_lines(result, blank_fields=blank)
        log = [*lines, "", "CHI TIẾT LỖI VÀ CẢNH BÁO"] + [
            f"[{terms.SEVERITIES[i.severity]}] {i.code} | {i.file} | {i.sheet} | {i.cell} | {i.message}"
            for i in result.issues]
        timings["changes"] = time.perf_counter() - compared
        workers = args.workers if args.workers is not None else writer_workers(len(result.inputs))
        # The writing processes take the writers in this order, each the next one as it becomes free: the documents
        # (a child process: only it loads the Word libraries) and the consolidated workbook (one file, the longest)
        # first, then the feedback workbooks in shares that fill the gaps. At 700 districts the processes finish
        # within a second of each other.
        parts = 3 if workers > 1 and len(result.inputs) >= 100 else 1
        writers = [docx_writer(config), write_consolidated, *feedback_writers(parts)]
        written = time.perf_counter()
        run = write_run(result, config.output_dir, writers, log, workers=workers, timings=timings,
                        taken=ledger.folders() if ledger else frozenset())
        args.crash_log = run.folder / LOG_FILE
        timings["write"] = time.perf_counter() - written
        recorded = time.perf_counter()
        if ledger and snapshot:
            with collector_paused():
                ledger.record_run(record_of(result, snapshot, run.folder.name, started, sha256_of(config.path),
                                            feedback))
    timings["ledger"] = time.perf_counter() - recorded
    print("\n".join(summary_lines(result, run.folder, blank, run.notes)), file=out)
    if os.environ.get("THIDUA_TIMINGS"):  # for benchmarks/bench_batch.py: where the seconds went
        print("thidua-timings " + " ".join(f"{k}={v:.3f}" for k, v in timings.items()), file=sys.stderr)
    return 1 if result.errors else 0


def cmd_template(args, out: TextIO) -> int:
    from .template import write_template, write_unit_templates

    config, registry = _setup(args)
    if args.per_unit:
        folder = args.output or config.output_dir / UNIT_TEMPLATES_DIR.format(year=config.year)
        paths = write_unit_templates(folder, config, registry)
        print(f"Đã ghi {len(paths)} mẫu báo cáo, mỗi đơn vị một mẫu đã điền sẵn tên, mã đơn vị, cụm thi đua, năm và "
              f"đợt, vào {folder}. Gửi mỗi đơn vị tệp mang tên đơn vị mình.", file=out)
        return 0
    # The project's template lives in templates/; another config's goes beside that config.
    default = ROOT / "templates" if args.config is None else config.path.parent
    example = registry.submitters[0].code if registry.two_tier and registry.submitters else ""
    path = write_template(args.output or default / WORKBOOK_TEMPLATE, config, registry.two_tier, example)
    print(f"Đã ghi mẫu báo cáo: {path}", file=out)
    return 0


PROVINCE_WIDE = {"missing-submission", "tie-at-cutoff", "provincial-cap-exceeded", "small-cluster"}


def cmd_check(args, out: TextIO) -> int:
    from .evaluate import evaluate
    from .workbook import display_name, list_inputs, read_submission, skip_reason

    config, registry = _setup(args)
    if args.file.is_dir():
        books = [p.relative_to(args.file) for p in list_inputs(args.file) if skip_reason(p) is None]
        shown = name_list([f"\"{p}\"" for p in books[:5]]) + (f" và {len(books) - 5} tệp khác" if len(books) > 5 else "")
        found = f"Thư mục có {len(books)} tệp bảng tính: {shown}." if books else "Thư mục không có tệp bảng tính nào."
        raise ThiduaError(f"{args.file} là một thư mục; lệnh check kiểm tra từng tệp, ví dụ: python process.py check "
                          f"\"{args.file / (books[0] if books else 'tên tệp.xlsx')}\". {found} Để tổng hợp cả thư mục, "
                          f"dùng: python process.py run --input \"{args.file}\".")
    if not args.file.is_file():
        raise ThiduaError(f"Không tìm thấy tệp {args.file}.")
    reason = skip_reason(args.file)
    if reason:
        raise ThiduaError(f"Tệp {display_name(args.file.name)} không phải bảng tính Excel ({reason}), nên không kiểm tra "
                          "được. Lệnh check kiểm tra tệp báo cáo của đơn vị (.xlsx, .xls, .ods).")
    sub = read_submission(args.file, limits=config.limits)
    result = evaluate([sub], config, registry)
    code = sub.info.unit_code
    # Province-wide matters (other units missing, ranking ties, provincial totals) are not this file's to fix.
    # Every unit's registry address is checked; only this unit's is its own to hear of.
    issues = [i for i in result.issues if i.code not in PROVINCE_WIDE and not (i.code == "invalid-email"
                                                                                and i.unit_code != code)]
    print(f"Kiểm tra tệp {display_name(args.file.name)}", file=out)
    unit = registry.get(code)
    if unit:
        print(f"Đơn vị: {unit.name} (mã {code})", file=out)
        for q in (q for q in result.quotas if q.unit_code == code and q.submitted):
            mark = "VƯỢT" if q.submitted > q.quota else "đạt"
            print(f"  {cap_first(terms.describe(q.kind, q.level))} - {terms.award_name(q.award)}: "
                  f"đề nghị {q.submitted}, chỉ tiêu {q.quota} ({mark})", file=out)
        # A pooled line (a cluster's, the province's) is shared: the unit learns the places and what it proposed.
        # Only this file is evaluated here, so the line's submitted rows are this unit's.
        for q in (q for q in result.quotas if q.submitted and (q.scope == "province" or (
                q.scope == "cluster" and q.cluster == unit.cluster))):
            scope = f"{q.cluster}" if q.scope == "cluster" else "toàn tỉnh"
            print(f"  {cap_first(terms.describe(q.kind, q.level))} - {terms.award_name(q.award)}: đơn vị đề nghị "
                  f"{q.submitted}; số lượng chung của {scope}: {q.quota} (xét chung theo điểm với các đơn vị khác "
                  "khi tổng hợp)", file=out)
    if not issues:
        print("Không có lỗi hay cảnh báo.", file=out)
    for i in issues:
        where = " / ".join(x for x in (i.sheet, i.cell) if x)
        print(f"[{terms.SEVERITIES[i.severity]}] " + (f"{where}: " if where else "") + i.message, file=out)
    return 1 if any(i.severity == Severity.ERROR for i in issues) else 0


def cmd_sample(args, out: TextIO) -> int:
    from .sample import write_sample

    config, registry = _setup(args)
    folder = args.output or config.input_dir
    paths = write_sample(folder, config, registry)
    print(f"Đã ghi {len(paths)} tệp mẫu vào {folder}. Chạy \"python process.py\" để tổng hợp.", file=out)
    return 0


def cmd_registry(args, out: TextIO) -> int:
    from .official import find_province, registry_rows, write_registry

    province = find_province(args.province)
    rows = registry_rows(province)
    path = write_registry(rows, args.output or ROOT / "data" / f"don_vi_{province.code}.csv")
    print(f"Đã ghi danh sách đơn vị của {rows[0]['ten_don_vi']} (mã {province.code}) và {len(rows) - 1} xã, phường, "
          f"đặc khu vào {path}.", file=out)
    print("Trước khi dùng, Văn phòng điền: số Ban công tác Mặt trận của từng xã (so_ban_cong_tac_mat_tran), email, "
          "cụm thi đua (cum_thi_dua, ghi đúng một tên đã khai báo ở map.clusters trong config.toml); có thể thêm cột "
          "da_dang_ky, vung_uu_tien. Sau đó ghi đường dẫn tệp vào paths.registry trong config.toml (xem README, mục "
          "\"Dùng hằng tháng\").", file=out)
    return 0


def _check_mail_template(path: Path) -> None:
    """A mail template that cannot be read or parsed stops `send` before any message is prepared."""
    import jinja2

    try:
        jinja2.Environment().parse(path.read_text(encoding="utf-8"))
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"Mẫu thư {path} (thư mục \"paths.templates\") có thẻ viết sai ở dòng {exc.lineno}: "
                          f"{exc.message}. Đề nghị sửa mẫu hoặc chép lại mẫu gốc.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Không đọc được mẫu thư {path} (thư mục \"paths.templates\"); mẫu phải được lưu dạng "
                          "UTF-8.") from exc


def cmd_send(args, out: TextIO) -> int:
    from .mail import LOCK_WAIT_SECONDS, UNKNOWN_LABEL, SendMode, send_run

    config, registry = _setup(args, check_map=False)  # sending delivers a run already made: it counts nothing
    if args.run_dir is not None and not (args.run_dir / RESULT_JSON).is_file():
        what = "không phải thư mục kết quả của một lần chạy (không có tệp " + RESULT_JSON + ")" \
            if args.run_dir.is_dir() else "không tồn tại"
        latest = latest_run(config.output_dir)
        hint = f"Lần chạy mới nhất là {latest}; bỏ trống đường dẫn để gửi lần chạy đó." if latest else \
            "Đề nghị chạy \"python process.py\" trước."
        raise ThiduaError(f"Thư mục {args.run_dir} {what}. Đề nghị ghi đường dẫn thư mục của một lần chạy, ví dụ "
                          f"{config.output_dir / f'{config.year}-12-05_1430'}. {hint}")
    if not config.email.from_address:
        raise ConfigError("Cấu hình chưa ghi địa chỉ gửi thư \"email.from_address\" (ví dụ vanphong@example.vn); "
                          "đề nghị ghi vào tệp cấu hình rồi gửi lại.")
    for name in (UNIT_MAIL_TEMPLATE, LEADERSHIP_MAIL_TEMPLATE):
        _check_mail_template(require_path(config.templates_dir / name, "paths.templates", "mẫu thư"))
    run = args.run_dir or latest_run(config.output_dir)
    if run is None or not (Path(run) / RESULT_JSON).is_file():
        raise ThiduaError(f"Không tìm thấy kết quả tổng hợp nào trong {config.output_dir}. Đề nghị chạy "
                          "\"python process.py\" trước.")
    wait = LOCK_WAIT_SECONDS if args.wait is None else args.wait
    mode = SendMode.REMIND if args.remind else SendMode.ALL if args.all else SendMode.CHANGED
    report = send_run(Path(run), config, out, dry_run=args.dry_run, registry=registry, resend=tuple(args.resend),
                      wait=wait, mode=mode)
    print(f"{'Nhắc gửi báo cáo' if args.remind else 'Gửi kết quả'} lần chạy {Path(run).name}:", file=out)
    print("\n".join(report.lines), file=out)
    counts = f"Gửi/ghi mới: {report.done}, đã gửi trước: {report.skipped}, lỗi: {report.failed}"
    if report.unchanged:
        counts += f", không thay đổi nên không gửi lại: {report.unchanged}"
    if report.unknown:
        counts += f", {UNKNOWN_LABEL}: {report.unknown}"
    if report.not_tried:
        counts += f", chưa gửi: {report.not_tried}"
    print(counts, file=out)
    if report.stopped:
        print(f"{report.stopped} Các thư đã gửi được liệt kê ở trên; chạy lại \"python process.py send\" để gửi "
              "tiếp các thư còn lại.", file=out)
        return 2
    return 1 if report.failed or report.unknown else 0


def _config(args) -> Config:
    config = load_config(args.config or DEFAULT_CONFIG)
    return with_overrides(config, output_dir=getattr(args, "output", None))


def cmd_record_decision(args, out: TextIO) -> int:
    from .register_store import names_of, record_decision

    if (args.revoke is None) != (not args.reason):
        raise ThiduaError("Thu hồi khen thưởng cần cả --revoke SỐ_VÀO_SỔ và --reason \"lý do\".")
    config = _config(args)
    done = record_decision(config, args.run_dir, args.number, args.date, args.issuer, args.include_review,
                           args.revoke, args.reason, again=args.again, leave_out=args.leave_out)
    d, added = done.decision, done.recording.entries
    signed = f"Quyết định số {d.number} ngày {d.date:%d/%m/%Y} của {names_of(config)[d.issuer]}"
    if done.recording.already:
        print(f"{signed} đã được ghi vào sổ trước đây; sổ không thay đổi.", file=out)
    elif args.revoke is not None:
        print(f"Đã ghi thu hồi vào sổ năm {done.year}: số vào sổ {added[0].number} thu hồi số vào sổ {args.revoke} "
              f"({added[0].recipient}, {terms.award_name(added[0].award)}) theo {signed}.", file=out)
    else:
        print(f"Đã ghi {len(added)} trường hợp vào sổ theo dõi khen thưởng năm {done.year} (số vào sổ "
              f"{added[0].number} đến {added[-1].number}) theo {signed}, lần chạy {done.run}.", file=out)
    if done.recording.doubled:
        names = "; ".join(f"{c.recipient} ({awards})" for c, awards in done.recording.doubled)
        print(f"Đã ghi {len(done.recording.doubled)} trường hợp được đề nghị hai Bằng khen trong lần chạy này (Hội "
              f"đồng chọn một hình thức): {names}. Đề nghị đối chiếu với quyết định đã ký: trường hợp nào quyết định "
              "không có tên thì ghi quyết định với --leave-out \"TÊN\" (xem README, mục \"Sau khi quyết định được "
              "ký\").", file=out)
    if done.recording.dropped:
        names = "; ".join(f"{c.recipient} ({terms.award_name(c.award)})" for c in done.recording.dropped)
        print(f"Không ghi theo --leave-out {len(done.recording.dropped)} trường hợp: {names}.", file=out)
    if done.recording.left_out:
        names = "; ".join(f"{c.recipient} ({terms.award_name(c.award)})" for c in done.recording.left_out)
        print(f"Chưa ghi {len(done.recording.left_out)} trường hợp (người hoặc đơn vị, hình thức) còn chờ Hội đồng "
              f"Thi đua - Khen thưởng xem xét: {names}. Nếu quyết định đã ký có tên, chạy lại lệnh với "
              "--include-review \"TÊN\" cho từng trường hợp Hội đồng đã chọn.", file=out)
    if done.recording.excluded:
        names = "; ".join(f"{c.recipient} ({terms.award_name(c.award)})" for c in done.recording.excluded)
        print(f"Không ghi {len(done.recording.excluded)} trường hợp vì đơn vị đã được hình thức cao hơn (mục exclude "
              f"trong config.toml): {names}.", file=out)
    if done.workbook is not None:
        print(f"Sổ theo dõi khen thưởng: {done.workbook}", file=out)
    return 0


def cmd_certificates(args, out: TextIO) -> int:
    from .certificates import off_paper, print_calibration, print_certificates
    from .config import CERTIFICATE_FIELDS

    config = _config(args)
    if args.calibrate:
        print(f"Đã ghi trang căn chỉnh: {print_calibration(config)}. In lên giấy trắng, đặt chồng lên phôi để so; "
              "lệch thì ghi độ lệch vào certificates.offset trong config.toml.", file=out)
        off = [CERTIFICATE_FIELDS[k] for k in off_paper(config.certificates)] if config.certificates else []
        if off:
            print(f"  ! Ô {', '.join(off)} nằm một phần ngoài tờ giấy với offset hiện tại: chưa in được Bằng khen "
                  "cho đến khi sửa offset hoặc vị trí ô.", file=out)
        return 0
    printed = print_certificates(config, args.award, args.decision)
    print(f"Đã ghi {printed.pages} trang Bằng khen: {printed.path}", file=out)
    for number, field in printed.cut:
        print(f"  ! Số vào sổ {number}: \"{field}\" quá dài, đã cắt bớt cho vừa ô; đề nghị nới rộng ô trong "
              "config.toml hoặc in tay trang này.", file=out)
    return 0


def cmd_history(args, out: TextIO) -> int:
    from .history import parse_years, write_history
    from .register_store import open_ledger

    config = _config(args)
    years = parse_years(args.years)
    with open_ledger(config) as ledger:
        path = write_history(config, ledger, years)
    print(f"Đã ghi lịch sử thi đua, khen thưởng: {path}", file=out)
    return 0


def cmd_ledger(args, out: TextIO) -> int:
    from .ledger import import_runs

    config, _ = _setup(args)
    config = with_overrides(config, output_dir=args.output)
    for line in import_runs([Path(p) for p in args.run_dirs], config):
        print(line, file=out)
    return 0


COMMANDS = {"run": cmd_run, "template": cmd_template, "check": cmd_check, "sample": cmd_sample, "send": cmd_send,
            "registry": cmd_registry, "ledger": cmd_ledger, "record-decision": cmd_record_decision,
            "certificates": cmd_certificates, "history": cmd_history}


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(encoding="utf-8")
            except (ValueError, OSError):
                pass
    argv = list(argv if argv is not None else sys.argv[1:])
    args = _parser().parse_args(argv)
    if args.command is None:  # "process.py" or "process.py --config X": the batch
        args = _parser().parse_args([*argv, "run"])
    try:
        _no_nul(args)
        return COMMANDS[args.command](args, out)
    except ThiduaError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"Đã dừng theo yêu cầu; {_what_was_kept(args.command, getattr(args, 'crash_log', None))}",
              file=sys.stderr)
        return 2
    except Exception:  # the program's own bug: the clerk gets a sentence, the traceback goes to the log
        return _internal_error(getattr(args, "crash_log", None) or (args.config or DEFAULT_CONFIG).parent / CRASH_LOG,
                               args.command)


def _what_was_kept(command: str, log: Path | None = None) -> str:
    """What a stopped command leaves behind, said for that command: only `run` has a run that is not written,
    and once its folder is in place (its own log takes the traceback) the run is written."""
    if command in ("run", None) and log is not None and log.name == LOG_FILE:
        return (f"thư mục kết quả {log.parent} đã được ghi đầy đủ; lần chạy này có thể chưa được ghi vào sổ lưu các "
                "lần chạy.")
    if command == "send":
        return (f"những thư đã gửi xong được ghi trong nhật ký gửi thư {SEND_LOG} của lần chạy; chạy lại "
                "\"python process.py send\" để gửi tiếp, thư đã gửi không bị gửi lại.")
    if command == "check":
        return "tệp chưa được kiểm tra xong; đề nghị chạy lại lệnh."
    if command in ("run", None):
        return "kết quả của lần chạy này không được ghi."
    return "lệnh chưa làm xong; đề nghị chạy lại lệnh."


def _no_nul(args: argparse.Namespace) -> None:
    """A path typed or pasted with a NUL character cannot name any file: say so, naming the option."""
    for name, value in vars(args).items():
        if isinstance(value, Path) and "\0" in str(value):
            option = "--" + name.replace("_", "-") if name not in ("file", "run_dir") else "đường dẫn"
            shown = str(value).replace("\0", "\\0")
            raise ConfigError(f"{option} \"{shown}\" chứa ký tự NUL, không phải đường dẫn hợp lệ; đề nghị gõ lại.")


def _internal_error(log: Path, command: str) -> int:
    failure = type(sys.exc_info()[1]).__name__
    when = dt.datetime.now().isoformat(timespec="seconds")
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"\n[{when}] LỖI CHƯƠNG TRÌNH: {' '.join(sys.argv)}\n{traceback.format_exc()}")
        where = f"Chi tiết đã ghi vào {log}; đề nghị gửi tệp này cho người phụ trách kỹ thuật."
    except (OSError, ValueError):
        where = "Không ghi được nhật ký lỗi; đề nghị chạy lại và báo cho người phụ trách kỹ thuật."
    print(f"Lỗi chương trình (không do số liệu hay cấu hình): {failure}. {where} "
          f"{cap_first(_what_was_kept(command, log))}", file=sys.stderr)
    return 3
