"""The batch at its edges: read the input folder, evaluate, write a new run folder atomically."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from .config import Config
from .errors import OutputError, ThiduaError
from .evaluate import evaluate
from .guard import Limits
from .issues import issue
from .records import Submission
from .registry import Registry
from .result import Result, write_json
from .workbook import list_inputs, read_submission

RESULT_JSON = "ket_qua.json"
LOG_FILE = "nhat_ky.txt"
FEEDBACK_DIR = "PhanHoi"
TEMP_PREFIX = ".dang-ghi-"


@dataclass(frozen=True)
class Run:
    result: Result
    folder: Path
    files: tuple[Path, ...]


def read_folder(folder: Path, progress: Callable[[Iterable], Iterable] = lambda it: it,
                limits: Limits = Limits()) -> list[Submission]:
    folder = Path(folder)
    if not folder.is_dir():
        raise ThiduaError(f"Không tìm thấy thư mục đầu vào {folder}. Hãy tạo thư mục và chép các tệp báo cáo vào.")
    paths = list_inputs(folder)
    return [read_submission(p, p.relative_to(folder).as_posix(), limits) for p in progress(paths)]


def run_folder_name(now: dt.datetime, output: Path) -> str:
    """Run folders are named by date and time; a second run in the same minute gets a suffix."""
    base = now.strftime("%Y-%m-%d_%H%M")
    name, n = base, 2
    while (output / name).exists():
        name, n = f"{base}_{n}", n + 1
    return name


def write_run(result: Result, output: Path, writers: Iterable[Callable[[Result, Path], list[Path]]],
              log_lines: list[str], now: dt.datetime | None = None) -> Run:
    """Write every output into a hidden temporary folder, then rename it: no half-written run looks complete."""
    output = Path(output)
    now = now or dt.datetime.now()
    try:
        output.mkdir(parents=True, exist_ok=True)
        for stale in output.glob(f"{TEMP_PREFIX}*"):  # left by a run that was killed: never complete
            shutil.rmtree(stale, ignore_errors=True)
        name = run_folder_name(now, output)
        temp = output / f"{TEMP_PREFIX}{name}"
        if temp.exists():
            shutil.rmtree(temp)
        temp.mkdir()
    except OSError as exc:
        raise OutputError(f"Không ghi được vào thư mục kết quả {output}: {exc.strerror or exc}.") from exc
    try:
        files: list[Path] = []
        write_json(result, temp / RESULT_JSON)
        files.append(temp / RESULT_JSON)
        for writer in writers:
            files += writer(result, temp)
        (temp / LOG_FILE).write_text("\n".join(log_lines) + "\n", encoding="utf-8")
        final = output / name
        os.replace(temp, final)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise OutputError(f"Không ghi được kết quả vào {output}: {exc.strerror or exc}.") from exc
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return Run(result, final, tuple(final / f.relative_to(temp) for f in files))


def evaluate_folder(folder: Path, config: Config, registry: Registry, progress=lambda it: it) -> Result:
    submissions = read_folder(folder, progress, config.limits)
    result = replace(evaluate(submissions, config, registry), source_folder=str(Path(folder).resolve()))
    if not submissions:
        result = replace(result, issues=(issue("empty-input", folder=str(folder)),) + result.issues)
    return result


def latest_run(output: Path) -> Path | None:
    runs = sorted(p for p in Path(output).iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (p / RESULT_JSON).is_file()) if Path(output).is_dir() else []
    return runs[-1] if runs else None
