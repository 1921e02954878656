"""Runs are atomic: two at once each get their own folder, a worker never outlives its run, a full disk or an
over-long name is a Vietnamese sentence with exit 2 and no half-written folder, and the program's own failure
exits 3 with the traceback in a log, never on the clerk's screen (issue 21, points 7, 8, 9 and 22)."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, run_cli

from thidua.cli import ROOT
from thidua.names import CRASH_LOG, LOG_FILE, RESULT_JSON, TEMP_PREFIX

PYTHON = sys.executable


def folders(output: Path) -> tuple[list[Path], list[Path]]:
    """(run folders, hidden temporary folders) in an output folder."""
    items = sorted(output.iterdir()) if output.is_dir() else []
    return [p for p in items if p.is_dir() and not p.name.startswith(".")], [p for p in items if p.name.startswith(".")]


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# ---------------------------------------------------------------- two runs at once (point 7)

def start_run(inputs: Path, output: Path) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, str(ROOT / "process.py"), "run", "--input", str(inputs), "--output", str(output)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


@pytest.mark.parametrize("trial", range(3))
def test_two_runs_started_together_each_finish_in_their_own_folder(sample_run, tmp_path, trial):
    base, expected, _, reference, _ = sample_run
    output = tmp_path / "out"
    first = start_run(base / "input", output)
    time.sleep(0.3)
    second = start_run(base / "input", output)
    done = [(p.wait(timeout=600), *p.communicate()) for p in (first, second)]
    runs, temps = folders(output)
    assert temps == []
    printed = []
    for code, stdout, stderr in done:
        assert "Traceback" not in stdout + stderr
        if code == 2:  # allowed: the second stopped with a sentence, and wrote nothing
            assert stderr.startswith("Lỗi:") and "Kết quả:" not in stdout
            continue
        assert code == expected
        [line] = [x for x in stdout.splitlines() if x.startswith("Kết quả: ")]
        printed.append(Path(line.removeprefix("Kết quả: ")))
    assert len(set(printed)) == len(printed) == len(runs) >= 1
    for folder in printed:
        assert folder in runs and tree(folder) == tree(reference)
        assert json.loads((folder / RESULT_JSON).read_text(encoding="utf-8"))["inputs"]


def test_a_run_never_touches_a_folder_another_run_is_writing(config, registry, tmp_path):
    from thidua.batch import write_run
    from thidua.evaluate import evaluate

    output = tmp_path / "out"
    output.mkdir()
    now = dt.datetime(2026, 12, 7, 9, 15)
    other = output / f"{TEMP_PREFIX}2026-12-07_0915"  # another run, still writing under the name this one would take
    other.mkdir()
    (other / "dang-ghi.txt").write_text("của lần chạy khác", encoding="utf-8")
    run = write_run(evaluate([], config, registry), output, [], ["nhật ký"], now=now)
    assert (other / "dang-ghi.txt").read_text(encoding="utf-8") == "của lần chạy khác"
    assert run.folder.name == "2026-12-07_0915_2" and folders(output)[0] == [run.folder]
    assert (run.folder / RESULT_JSON).is_file()


def test_a_temporary_folder_that_vanishes_while_another_run_looks_is_no_failure(config, registry, tmp_path):
    from thidua.batch import write_run
    from thidua.evaluate import evaluate

    output = tmp_path / "out"
    output.mkdir()
    # Another run renamed its temporary folder into place between this run's listing and its look at the folder:
    # a dangling link stands for that moment.
    try:
        (output / f"{TEMP_PREFIX}2026-12-07_0914").symlink_to(output / "da-doi-ten")
    except OSError:
        pytest.skip("this system does not let a user make a link")
    run = write_run(evaluate([], config, registry), output, [], ["nhật ký"], now=dt.datetime(2026, 12, 7, 9, 15))
    assert (run.folder / RESULT_JSON).is_file()


# ---------------------------------------------------------------- workers die with their parent (point 8)

WORKER_SCRIPT = """
import sys, time
from pathlib import Path
from thidua import batch

def _read_one(job):  # a reading that never ends, so the workers are busy when the parent is killed
    time.sleep(600)

batch._read_one = _read_one
print("ready", flush=True)
batch.read_folder(Path(sys.argv[1]), workers=2)
"""


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc and sends POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_the_main_process_is_killed(tmp_path, sig):
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        shutil.copy(DATA / "comma_decimals.xlsx", tmp_path / name)
    parent = subprocess.Popen([PYTHON, "-c", WORKER_SCRIPT, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while len(children_of(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = children_of(parent.pid)
        assert len(workers) >= 2
        time.sleep(0.5)  # let the workers take their jobs
        parent.send_signal(sig)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [w for w in workers if alive(w)]
    finally:
        for w in children_of(parent.pid) | set(locals().get("workers", ())):
            if alive(w):
                os.kill(w, signal.SIGKILL)
    assert left == []


# ---------------------------------------------------------------- a full disk, an over-long name (point 9)

@pytest.mark.parametrize("failure", ["oserror", "xlsxwriter"])
def test_a_full_disk_is_a_sentence_with_exit_2_and_leaves_no_folder(sample_run, tmp_path, monkeypatch, capsys, failure):
    import xlsxwriter.exceptions

    from thidua import xlsx_report

    def full_disk(result, folder):
        (folder / "nua-chung.xlsx").write_bytes(b"PK")  # half a file, as a full disk leaves it
        error = OSError(errno.ENOSPC, "No space left on device", str(folder / "nua-chung.xlsx"))
        raise error if failure == "oserror" else xlsxwriter.exceptions.FileCreateError(error)
    monkeypatch.setattr(xlsx_report, "write_consolidated", full_disk)
    output = tmp_path / "out"
    code, text = run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(output))
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("Lỗi:") and "đầy" in err and "Traceback" not in err
    assert "Kết quả:" not in text
    assert folders(output) == ([], [])


class _FullDisk:
    """A file on a disk that fills up after a few kilobytes: every later write fails, as the OS says it."""

    def __init__(self, room: int):
        self.room, self.size = room, 0

    def write(self, data) -> int:
        if self.size + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def seek(self, *args) -> int:
        return self.size

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("library", ["xlsxwriter", "docx"])
def test_a_writer_failing_on_a_full_disk_leaves_no_open_file_to_complain_later(config, registry, tmp_path,
                                                                               monkeypatch, library):
    """xlsxwriter and python-docx leave their zip file open when a write fails; closed later by the garbage
    collector, it printed "Exception ignored in: <function ZipFile.__del__ ...>" and an OSError before the
    Vietnamese sentence."""
    import gc

    import docx
    import xlsxwriter

    from thidua.batch import write_run
    from thidua.errors import OutputError
    from thidua.evaluate import evaluate

    def full_disk(result, folder):
        if library == "docx":
            document = docx.Document()
            document.add_paragraph("x" * 50_000)
            document.save(_FullDisk(2000))  # type: ignore[arg-type]
            return []
        book = xlsxwriter.Workbook(_FullDisk(2000), {"in_memory": True})  # type: ignore[arg-type]
        book.add_worksheet().write_string(0, 0, "x" * 50_000)
        book.close()
        return []
    seen = tmp_path / "unraisable.txt"  # a file, so that a forked writer process reports here too

    def hook(unraisable) -> None:
        with seen.open("a", encoding="utf-8") as fh:
            fh.write(f"{unraisable.object!r}: {unraisable.exc_value!r}\n")
    monkeypatch.setattr(sys, "unraisablehook", hook)
    with pytest.raises(OutputError, match="đầy"):
        write_run(evaluate([], config, registry), tmp_path / "out", [full_disk], ["nhật ký"])
    gc.collect()
    assert not seen.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="a small tmpfs needs Linux and root")
@pytest.mark.parametrize("size", ["500k", "700k", "900k"])
def test_a_real_full_disk_prints_only_the_vietnamese_sentence(sample_run, tmp_path, size):
    # CI strips PATH down to a few tools, so look for mount where Linux keeps it too.
    mount, umount = (shutil.which(tool) or next((p for p in (f"/usr/bin/{tool}", f"/bin/{tool}") if os.path.exists(p)),
                                                None) for tool in ("mount", "umount"))
    disk = tmp_path / "disk"
    disk.mkdir()
    if mount is None or umount is None or subprocess.run(
            [mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], capture_output=True).returncode != 0:
        pytest.skip("mount is not available here")
    try:
        done = subprocess.run([sys.executable, str(ROOT / "process.py"), "run", "--input", str(sample_run[0] / "input"),
                               "--output", str(disk / "out")], capture_output=True, encoding="utf-8", timeout=300)
    finally:
        subprocess.run([umount, str(disk)], capture_output=True)
    assert done.returncode == 2
    assert done.stderr.startswith("Lỗi:") and done.stderr.count("\n") == 1 and "đầy" in done.stderr


def test_a_120_character_unit_name_never_gives_a_traceback(sample_run, tmp_path, capsys):
    registry = (ROOT / "data" / "don_vi.csv").read_text(encoding="utf-8")
    # 120 characters whose UTF-8 is longer than a file name may be (255 bytes on Linux; Windows limits the path)
    long_name = "Huyện " + ("Đồngướcễữởầỹỷệấ" * 8)[:114]
    assert len(long_name) == 120 and len(f"Phản hồi - {long_name}.xlsx".encode()) > 255
    (tmp_path / "don_vi.csv").write_text(registry.replace("Ủy ban MTTQ Việt Nam huyện Kế Sách", long_name),
                                         encoding="utf-8")
    output = tmp_path / "out"
    code, text = run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(output),
                         "--registry", str(tmp_path / "don_vi.csv"))
    err = capsys.readouterr().err
    assert "Traceback" not in err + text
    runs, temps = folders(output)
    assert temps == []
    if code == 2:
        assert err.startswith("Lỗi:") and "tên tệp quá dài" in err and runs == []
    else:  # a shortened file name is as good, as long as every unit still has its feedback
        [run] = runs
        data = json.loads((run / RESULT_JSON).read_text(encoding="utf-8"))
        assert all((run / "PhanHoi" / u["feedback_file"]).is_file() for u in data["units"] if u.get("summary"))


# ---------------------------------------------------------------- the program's own failure (point 22)

def test_an_internal_error_exits_3_with_a_sentence_and_the_traceback_in_a_log(sample_run, tmp_path, monkeypatch, capsys):
    from thidua import batch

    def broken(*args, **kwargs):
        raise ZeroDivisionError("một lỗi của chương trình")
    monkeypatch.setattr(batch, "evaluate", broken)
    output = tmp_path / "out"
    code, text = run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(output))
    err = capsys.readouterr().err
    assert code == 3
    assert "Traceback" not in err + text and "ZeroDivisionError" in err and str(output / CRASH_LOG) in err
    log = (output / CRASH_LOG).read_text(encoding="utf-8")
    assert "Traceback" in log and "một lỗi của chương trình" in log
    assert folders(output) == ([], [])


def test_an_internal_error_after_the_run_is_written_goes_to_its_own_log(sample_run, tmp_path, monkeypatch, capsys):
    from thidua import cli

    original = cli.summary_lines

    def broken(result, folder=None, *args, **kwargs):
        if folder is not None:
            raise KeyError("thiếu khóa")
        return original(result, folder, *args, **kwargs)
    monkeypatch.setattr(cli, "summary_lines", broken)
    output = tmp_path / "out"
    code, _ = run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(output))
    err = capsys.readouterr().err
    [run] = folders(output)[0]
    assert code == 3 and "Traceback" not in err and str(run / LOG_FILE) in err
    assert "Traceback" in (run / LOG_FILE).read_text(encoding="utf-8")
    assert not (output / CRASH_LOG).exists()
    assert "không được ghi" not in err  # the run folder was written: the message must not deny it


def test_a_crash_in_a_real_process_exits_3_without_a_traceback_on_screen(tmp_path):
    # A bug of the program (here: loading the registry raises) in a real process: the exit code and the screen.
    script = ("import sys\nfrom thidua import cli, registry\n"
              "def broken(*a, **k):\n    raise RuntimeError('hỏng')\n"
              "cli.load_registry = broken\n"
              f"sys.exit(cli.main(['check', {str(DATA / 'comma_decimals.xlsx')!r}, '--config', "
              f"{str(tmp_path / 'config.toml')!r}]))\n")
    config = (ROOT / "config.toml").read_text(encoding="utf-8")
    for key in ("data/don_vi.csv", "data/don_vi_cap_xa.csv", "data/tieu_chi_cham_diem.csv", "templates"):
        config = config.replace(f'"{key}"', f'"{(ROOT / key).as_posix()}"')
    (tmp_path / "config.toml").write_text(config.replace('output = "output"', 'output = "ra"'), encoding="utf-8")
    done = subprocess.run([PYTHON, "-c", script], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 3 and "Traceback" not in done.stdout + done.stderr
    assert "RuntimeError: hỏng" in (tmp_path / "ra" / CRASH_LOG).read_text(encoding="utf-8")


# ---------------------------------------------------------------- hostile retest, point 6: who was notified

def _bao_cao_text(folder: Path) -> str:
    import docx

    from thidua.names import DOCUMENTS

    document = docx.Document(str(folder / "VanBan" / DOCUMENTS["bao_cao_tong_ket"]))
    return "\n".join(p.text for p in document.paragraphs)


def test_the_report_says_a_unit_was_notified_only_when_its_current_feedback_was_sent(sample_run, tmp_path):
    from conftest import info_rows, make_book, run_dirs

    inputs = tmp_path / "in"
    shutil.copytree(sample_run[0] / "input", inputs)
    for old in [*inputs.glob("*Kế Sách*"), *inputs.glob("*Mỹ Tú*")]:
        old.unlink()
    # Two units whose only file is for another year: rejected, and told so by their feedback.
    make_book(inputs / "Ke Sach.xlsx", {"Thông tin": info_rows(year=2022)})
    make_book(inputs / "My Tu.xlsx", {"Thông tin": info_rows("944", "Ủy ban MTTQ Việt Nam huyện Mỹ Tú", year=2022)})
    output = tmp_path / "out"

    def run() -> Path:
        code, _ = run_cli("run", "--input", str(inputs), "--output", str(output))
        assert code in (0, 1)
        return run_dirs(output)[-1]

    first = run()
    told = "đã thông báo để gửi lại"
    assert told not in _bao_cao_text(first)  # nothing was sent yet
    assert run_cli("send", str(first))[0] == 0  # no mail server in config.toml: .eml files, recorded as sent
    second = run()
    text = _bao_cao_text(second)
    assert told in text and "Kế Sách" in text.split(told)[1] and "Mỹ Tú" in text.split(told)[1]
    make_book(inputs / "My Tu.xlsx", {"Thông tin": info_rows("944", "Ủy ban MTTQ Việt Nam huyện Mỹ Tú", year=2021)})
    third = run()
    after = _bao_cao_text(third).split(told)[1].split("\n")[0]
    assert "Kế Sách" in after and "Mỹ Tú" not in after


@pytest.mark.parametrize("damaged", ["[]", '{"year": 2023'])
def test_ledger_import_of_a_damaged_result_file_says_so_in_vietnamese(tmp_path, capsys, damaged):
    folder = tmp_path / "out" / "2023-12-05_1430"
    folder.mkdir(parents=True)
    (folder / RESULT_JSON).write_text(damaged, encoding="utf-8")
    assert run_cli("ledger", "import", str(folder))[0] == 2
    err = capsys.readouterr().err
    assert RESULT_JSON in err and "bị hỏng" in err and "Error" not in err
