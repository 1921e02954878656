"""The batch at its edges: read the input folder, evaluate, write a new run folder atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import itertools
import multiprocessing
import os
import shutil
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Container, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from .config import Config, Limits
from .errors import OutputError, ThiduaError, os_reason
from .evaluate import evaluate
from .issues import issue
from .names import LOG_FILE, RESULT_JSON, TEMP_PREFIX
from .records import Submission
from .registry import Registry
from .result import Result, write_json
from .workbook import display_name, list_inputs, read_submission

STALE_AFTER_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Run:
    result: Result
    folder: Path
    files: tuple[Path, ...]
    notes: tuple[str, ...] = ()  # what the writers had to tell the clerk (also in the run's log)


class WriterOutput(list[Path]):
    """What a writer may return: its list of files (it is one, so callers that iterate it see nothing new), with
    warnings for the clerk (such as a template variable that printed blank) that the summary and the log show."""

    def __init__(self, files: Iterable[Path] = (), notes: tuple[str, ...] = ()):
        super().__init__(files)
        self.notes = notes


def _watch_parent(parent: int) -> None:
    """In a worker process: exit as soon as the process that started it is gone (killed, SIGKILL included), so no
    worker outlives its run. Linux asks the kernel; elsewhere a thread waits on the parent's sentinel."""
    if sys.platform == "linux":
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # died before the watch was set
        os._exit(1)
    watched = multiprocessing.parent_process()
    if watched is not None and sys.platform != "linux":
        def wait() -> None:
            watched.join()
            os._exit(1)
        threading.Thread(target=wait, daemon=True).start()


def worker_pool(workers: int, context=None) -> ProcessPoolExecutor:
    """Worker processes that exit when this process dies."""
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_watch_parent, initargs=(os.getpid(),))


PARALLEL_FROM = 24  # below this many files, starting worker processes costs more than it saves


def default_workers(files: int) -> int:
    """Worker processes for a batch: one per core (at most four) for a large batch, none for a province."""
    cores = os.cpu_count() or 1
    return 1 if files < PARALLEL_FROM or cores < 2 else min(cores, 4)


def writer_workers(files: int) -> int:
    """Processes for the writers. Where processes fork (Linux) starting one is cheap, so even a province's
    run writes its workbooks and documents side by side; elsewhere only a large batch is worth it."""
    cores = os.cpu_count() or 1
    if cores >= 2 and "fork" in multiprocessing.get_all_start_methods():
        return min(cores, 3)
    return default_workers(files)


def _read_one(job: tuple[Path, str, Limits]) -> Submission:
    path, name, limits = job
    return read_submission(path, name, limits)


def read_folder(folder: Path, progress: Callable[[Iterable, int], Iterable] = lambda it, total: it,
                limits: Limits = Limits(), workers: int | None = None) -> list[Submission]:
    """Read every input file, in a stable order; with workers > 1, in that many processes (same result)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ThiduaError(f"Không tìm thấy thư mục đầu vào {folder}. Đề nghị tạo thư mục và chép các tệp báo cáo vào.")
    jobs = [(p, p.relative_to(folder).as_posix(), limits) for p in list_inputs(folder)]
    workers = default_workers(len(jobs)) if workers is None else workers
    if workers <= 1:
        return [_read_one(job) for job in progress(jobs, len(jobs))]
    with worker_pool(workers) as pool:
        return list(progress(pool.map(_read_one, jobs, chunksize=max(1, len(jobs) // (workers * 8))), len(jobs)))


def reserve_run(now: dt.datetime, output: Path, taken: Container[str] = ()) -> tuple[str, Path]:
    """A run's name and its temporary folder, reserved by an atomic mkdir. Only the holder of `.dang-ghi-<name>`
    can ever rename a folder into `<name>`, so once it holds that folder and `<name>` is still free, the name is
    its own: two runs started together get two names, and neither touches the other's folder. `taken`: names the
    ledger already knows (a run folder the clerk deleted keeps its name there, and `send` looks runs up by name)."""
    base = now.strftime("%Y-%m-%d_%H%M")
    for n in itertools.count(1):
        name = base if n == 1 else f"{base}_{n}"
        if name in taken or (output / name).exists():
            continue
        temp = output / f"{TEMP_PREFIX}{name}"
        try:
            temp.mkdir()
        except FileExistsError:
            continue  # another run is writing under this name
        if (output / name).exists():  # finished between the look and the mkdir: not ours after all
            temp.rmdir()
            continue
        return name, temp
    raise AssertionError("unreachable")


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind a writer's failure: itself, or the one a library wrapped (xlsxwriter's FileCreateError)."""
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or item in seen:
            continue
        if isinstance(item, OSError):
            return item
        seen.append(item)
        todo += [*item.args, item.__cause__]
    return None


def output_error(output: Path, exc: OSError) -> OutputError:
    reason = os_reason(exc)
    where = f" (tệp {Path(exc.filename).name})" if isinstance(exc.filename, str) and exc.filename else ""
    return OutputError(f"Không ghi được kết quả vào {output}{where}: {reason}. Kết quả của lần chạy này không được "
                       "ghi; các lần chạy trước vẫn giữ nguyên.")


def write_run(result: Result, output: Path, writers: Iterable[Callable[[Result, Path], list[Path]]],
              log_lines: list[str], now: dt.datetime | None = None, workers: int = 1,
              timings: dict[str, float] | None = None, taken: Container[str] = ()) -> Run:
    """Write every output into a hidden temporary folder, then rename it: no half-written run looks complete.
    `timings` receives the seconds each writer took in its own process ("write_<writer>")."""
    output = Path(output)
    now = now or dt.datetime.now()
    try:
        output.mkdir(parents=True, exist_ok=True)
        for stale in output.glob(f"{TEMP_PREFIX}*"):
            # Left by a run that was killed (never complete); a fresh one may belong to a run still going.
            try:
                age = time.time() - stale.stat().st_mtime
            except FileNotFoundError:
                continue  # another run has just renamed it into place
            if age > STALE_AFTER_SECONDS:
                shutil.rmtree(stale, ignore_errors=True)
        name, temp = reserve_run(now, output, taken)
    except OSError as exc:
        raise OutputError(f"Không ghi được vào thư mục kết quả {output}: {os_reason(exc)}.") from exc
    try:
        writers = [*writers, json_writer]
        if workers > 1 and len(writers) > 1:
            done = _write_in_parallel(result, temp, writers, workers)
        else:
            done = [_timed(writer, result, temp) for writer in writers]
        files = [path for written, *_ in done for path in written]
        notes = tuple(note for *_, written_notes in done for note in written_notes)
        if timings is not None:
            for _, writer, seconds, _ in done:
                timings[f"write_{writer}"] = timings.get(f"write_{writer}", 0.0) + seconds
        (temp / LOG_FILE).write_text("\n".join([*log_lines, *notes]) + "\n", encoding="utf-8")
        final = output / name
        os.rename(temp, final)  # never onto an existing folder (Windows refuses; the name is ours in any case)
    except ThiduaError:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(temp, ignore_errors=True)
        cause = _os_error(exc)
        if cause is None:
            raise
        raise output_error(output, cause) from exc
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return Run(result, final, tuple(final / f.relative_to(temp) for f in files), notes)


def json_writer(result: Result, folder: Path) -> list[Path]:
    write_json(result, folder / RESULT_JSON)
    return [folder / RESULT_JSON]


Written = tuple[list[Path], str, float, tuple[str, ...]]  # a writer's files, its name, its seconds, its notes


def writer_name(writer: Callable) -> str:
    """'feedback' for write_feedback or a FeedbackPart, 'json' for json_writer: how timings name a writer."""
    name = str(getattr(writer, "name", None) or getattr(writer, "__name__", type(writer).__name__))
    return name.removeprefix("write_").removesuffix("_writer")


def _timed(writer: Callable[[Result, Path], list[Path]], result: Result, folder: Path) -> Written:
    start = time.perf_counter()
    try:
        files = writer(result, folder)
    except BaseException as exc:
        _close_left_open(exc)
        raise
    notes = files.notes if isinstance(files, WriterOutput) else ()
    return list(files), writer_name(writer), time.perf_counter() - start, notes


def _close_left_open(exc: BaseException) -> None:
    """Close the files a failed writer left open. xlsxwriter and python-docx leave their zip file open when a
    write fails (a full disk); closed later by the garbage collector, it printed "Exception ignored in:
    <function ZipFile.__del__ ...>" and a traceback before the clerk's sentence. Their second failure here says
    nothing new: the first one is being reported."""
    seen: list[BaseException] = []
    failure: BaseException | None = exc
    while failure is not None and failure not in seen:  # a library's own error wraps the OSError (FileCreateError)
        seen.append(failure)
        tb = failure.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if isinstance(value, zipfile.ZipFile) and value.fp is not None or \
                        isinstance(value, io.IOBase) and not value.closed:
                    with contextlib.suppress(Exception):
                        value.close()
            tb = tb.tb_next
        failure = failure.__cause__ or failure.__context__


_SHARED: dict = {}  # what forked writer processes inherit instead of receiving it pickled


def _claim() -> int | None:
    """The next writer nobody has taken yet (the counter is shared by the forked processes)."""
    counter = _SHARED["next"]
    with counter.get_lock():
        if counter.value >= len(_SHARED["writers"]):
            return None
        counter.value += 1
        return counter.value - 1


def _drain(folder: Path, first: int | None = None) -> list[tuple[int, Written]]:
    """Run writers until none is left: `first`, then each next one not yet taken by another process."""
    done = []
    index = _claim() if first is None else first
    while index is not None:
        done.append((index, _timed(_SHARED["writers"][index], _SHARED["result"], folder)))
        index = _claim()
    return done


def _write_in_parallel(result: Result, folder: Path, writers: list, workers: int) -> list[Written]:
    """The writers side by side: they only read the Result and write different files. Where processes can be
    forked (Linux), `workers - 1` children inherit the Result and this process is the last worker: one copy of
    the Result fewer in memory. Elsewhere (Windows) `workers` processes each receive the Result."""
    if "fork" in multiprocessing.get_all_start_methods():
        _SHARED.update(result=result, writers=writers)
        # What exists now is never garbage: the children need not scan it (nor copy it by touching it).
        gc.freeze()
        try:
            # Each process takes the next writer as soon as it is free; the children take the first ones (so this
            # process never loads what only those need, such as the Word libraries).
            children = max(1, min(workers, len(writers)) - 1)
            context = multiprocessing.get_context("fork")
            _SHARED["next"] = context.Value("i", children)
            with worker_pool(children, context) as pool:
                futures = [pool.submit(_drain, folder, i) for i in range(children)]
                finished = dict(_drain(folder))
                for share in futures:
                    finished.update(share.result())
            return [finished[i] for i in range(len(writers))]
        finally:
            _SHARED.clear()
            gc.unfreeze()
    with worker_pool(min(workers, len(writers))) as pool:
        return [future.result() for future in [pool.submit(_timed, writer, result, folder) for writer in writers]]


@contextmanager
def collector_paused():
    """Python's cycle collector off for a while. Reading and judging build hundreds of thousands of small records
    that form no cycles; at national scale the collector re-scanning them took a third of the evaluation."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def evaluate_folder(folder: Path, config: Config, registry: Registry, progress=lambda it, total: it,
                    workers: int | None = None, timings: dict[str, float] | None = None) -> Result:
    start = time.perf_counter()
    with collector_paused():
        submissions = read_folder(folder, progress, config.limits, workers)
        read = time.perf_counter()
        result = replace(evaluate(submissions, config, registry),
                         source_folder=display_name(str(Path(folder).resolve())))
    if timings is not None:
        timings.update(read=read - start, evaluate=time.perf_counter() - read)
    if not submissions:
        result = replace(result, issues=(issue("empty-input", folder=str(folder)),) + result.issues)
    return result
