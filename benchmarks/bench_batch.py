"""Benchmark of the whole batch against the I/O floor. Not a test: it prints figures.

    python benchmarks/bench_batch.py               # the province (11 districts + the province)
    python benchmarks/bench_batch.py --districts 100

It generates N districts of realistic size (about 15 xã, 120 Ban công tác Mặt trận each) once and keeps
them in benchmarks/.cache/. Then, in the same process, it measures
  - the batch: reading, rules, ket_qua.json, the consolidated workbook, every feedback workbook and the
    Word documents; then the documents again with a 5,000-person list, to show they stay linear;
  - the floor: python-calamine reading every cell of every input once, plus xlsxwriter (constant_memory)
    writing those cells back into one workbook per input, with no logic in between;
and prints wall time, CPU time, rows per second, peak memory, and the ratio batch / floor.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import xlsxwriter  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from thidua.batch import default_workers, read_folder, write_run, writer_workers  # noqa: E402
from thidua.cli import DEFAULT_CONFIG  # noqa: E402
from thidua.config import load_config, with_overrides  # noqa: E402
from thidua.docx_report import docx_writer  # noqa: E402
from thidua.evaluate import evaluate  # noqa: E402
from thidua.records import NominationRow  # noqa: E402
from thidua.registry import COLUMNS, load_registry  # noqa: E402
from thidua.result import Nomination  # noqa: E402
from thidua.sample import write_sample  # noqa: E402
from thidua.workbook import list_inputs  # noqa: E402
from thidua.xlsx_report import feedback_writers, write_consolidated  # noqa: E402


def peak_memory_mib() -> float | None:
    """Peak resident memory of this process or of any worker process it started, where the platform tells it."""
    try:
        import resource
    except ImportError:  # Windows
        try:
            import psutil

            return psutil.Process().memory_info().peak_wset / 2**20
        except (ImportError, AttributeError):
            return None
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def make_registry(folder: Path, districts: int) -> Path:
    """A registry of N districts, 15 communes and 120 Ban công tác Mặt trận each (no real names: generated)."""
    path = folder / "don_vi.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerow(["94", "Ủy ban MTTQ Việt Nam tỉnh Thử Nghiệm", "tinh", "", "", "", "tinh@example.vn"])
        for i in range(districts):
            code = f"{1000 + i}"
            writer.writerow([code, f"Ủy ban MTTQ Việt Nam huyện Số {i + 1}", "huyen", "94", 15, 120,
                             f"huyen{i + 1}@example.vn"])
    return path


def prepare(districts: int, config):
    cache = HERE / ".cache" / f"{districts}"
    registry_path = cache / "don_vi.csv"
    inputs = cache / "input"
    if not (registry_path.is_file() and inputs.is_dir() and len(list(inputs.iterdir())) == districts + 1):
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        make_registry(cache, districts)
        registry = load_registry(registry_path)
        print(f"Tạo {districts + 1} tệp đầu vào trong {cache} ...", flush=True)
        write_sample(inputs, config, registry)
    return load_registry(registry_path), inputs


def floor(inputs: Path, out: Path) -> tuple[float, float, int]:
    """Read every cell once with calamine, write them back with xlsxwriter: the least work possible."""
    wall, cpu = time.perf_counter(), time.process_time()
    cells = 0
    for i, path in enumerate(list_inputs(inputs)):
        book = CalamineWorkbook.from_path(str(path))
        wb = xlsxwriter.Workbook(str(out / f"{i}.xlsx"), {"constant_memory": True})
        for name in book.sheet_names:
            ws = wb.add_worksheet(name[:31])
            for r, row in enumerate(book.get_sheet_by_name(name).to_python(skip_empty_area=False)):
                for c, value in enumerate(row):
                    if value != "":
                        ws.write(r, c, value if not hasattr(value, "isoformat") else str(value))
                        cells += 1
        wb.close()
    return time.perf_counter() - wall, time.process_time() - cpu, cells


def batch(inputs: Path, out: Path, config, registry, workers: int | None):
    """The whole batch; returns wall, CPU, rows, the Result and the wall time of each stage."""
    wall, cpu = time.perf_counter(), time.process_time()
    submissions = read_folder(inputs, limits=config.limits, workers=workers)
    t_read = time.perf_counter()
    result = evaluate(submissions, config, registry)
    t_eval = time.perf_counter()
    workers = writer_workers(len(result.inputs)) if workers is None else workers
    parts = 2 if workers > 1 and len(result.inputs) >= 100 else 1
    write_run(result, out, [*feedback_writers(parts), write_consolidated, docx_writer(config)], ["benchmark"],
              workers=workers)
    end = time.perf_counter()
    rows = sum(i.rows for i in result.inputs)
    stages = {"đọc": t_read - wall, "xét": t_eval - t_read, "ghi": end - t_eval}
    return end - wall, time.process_time() - cpu, rows, result, stages


def startup_share(inputs: Path, registry_path: Path) -> tuple[float, float]:
    """Seconds to start the command and load its config; to run it on an empty folder; to run it on `inputs`."""
    import subprocess

    root = HERE.parent
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import thidua.cli, thidua.xlsx_report, thidua.docx_report, thidua.workbook;"
                    "from thidua.config import load_config; load_config('config.toml')"], cwd=root, check=True)
    startup = time.perf_counter() - start
    def command(folder: Path) -> float:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run([sys.executable, "process.py", "run", "--input", str(folder), "--output", tmp,
                            "--registry", str(registry_path)], cwd=root, check=False, capture_output=True)
            return time.perf_counter() - start

    total = command(inputs)
    with tempfile.TemporaryDirectory() as empty:
        fixed = command(Path(empty))  # the same command with no file: everything that does not grow with data
    return startup, fixed, total


def long_list(result, config, out: Path, size: int = 5000) -> float:
    """Seconds to write the documents when the Bằng khen UBND list has `size` people (must stay linear)."""
    row = NominationRow("x.xlsx", "Đề nghị cá nhân", 2, "individual", 1, "", "xa", "BK_UBND_TINH", "chuyen-de", None,
                        summary="Có thành tích xuất sắc trong phong trào thi đua.", position="Trưởng ấp")
    people = tuple(Nomination(replace(row, row=i + 2, name=f"Nguyễn Văn Người {i:05d}"), config.province_code,
                              "proposed") for i in range(size))
    big = replace(result, nominations=result.nominations + people)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    docx_writer(config)(big, out)
    return time.perf_counter() - start


def big_file(target_mb: int = 50) -> Path:
    """One district workbook of about `target_mb` MB of real-looking rows (cached): the reader's worst honest case."""
    path = HERE / ".cache" / f"lon_{target_mb}mb.xlsx"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = target_mb * 27_600 // 2  # about 27,600 rows of five columns per MB, split over the two score sheets
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    info = wb.add_worksheet("Thông tin")
    for r, (label, value) in enumerate((("Mã đơn vị", "943"), ("Năm", 2023), ("Đợt", "Tổng kết"))):
        info.write(r, 0, label)
        info.write(r, 1, value)
    for title, headers, kind in (("Chấm điểm cấp xã", ["STT", "Tên đơn vị", "Loại đơn vị", "Điểm", "Ghi chú"], "Xã"),
                                 ("Chấm điểm BCTMT", ["STT", "Tên Ban công tác Mặt trận", "Thuộc đơn vị cấp xã",
                                                      "Điểm", "Ghi chú"], None)):
        ws = wb.add_worksheet(title)
        ws.write_row(0, 0, headers)
        for i in range(1, rows + 1):
            name = f"Xã Số {i} - {i * 7919 % 100003}" if kind else f"Ban công tác Mặt trận ấp {i} - {i * 7919 % 100003}"
            ws.write_row(i, 0, [i, name, kind or f"Xã {i % 97}", 70 + (i * 37 % 300) / 10,
                                f"Ghi chú số {i * 104729 % 1000003}"])
    wb.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--districts", type=int, default=11)
    parser.add_argument("--workers", type=int, default=None, help="tiến trình song song (mặc định: tự chọn)")
    parser.add_argument("--repeat", type=int, default=2, help="số lần đo, lấy lần nhanh nhất")
    parser.add_argument("--startup", action="store_true", help="đo cả phần khởi động của lệnh")
    parser.add_argument("--big-file", type=int, default=0, metavar="MB",
                        help="chỉ đo việc đọc một tệp dữ liệu thật nặng chừng ấy MB")
    args = parser.parse_args()
    config = load_config(DEFAULT_CONFIG)
    config = with_overrides(config, communes_path=None)
    if args.big_file:
        from thidua.workbook import read_submission

        path = big_file(args.big_file)
        start = time.perf_counter()
        sub = read_submission(path, limits=config.limits)
        wall = time.perf_counter() - start
        start = time.perf_counter()
        cells = sum(1 for name in CalamineWorkbook.from_path(str(path)).sheet_names
                    for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python() for _ in row)
        floor_wall = time.perf_counter() - start
        print(f"Tệp {path.stat().st_size / 2**20:.0f} MB, {sub.rows:,} dòng: đọc {wall:.1f} s "
              f"({sub.rows / wall:,.0f} dòng/giây); calamine đọc {cells:,} ô: {floor_wall:.1f} s")
        print("Bộ nhớ đỉnh: " + (f"{peak_memory_mib():,.0f} MiB" if peak_memory_mib() else "không đo được"))
        return
    registry, inputs = prepare(args.districts, config)
    floors, batches = [], []
    for _ in range(args.repeat):  # the best of a few runs: the machine is shared
        with tempfile.TemporaryDirectory() as tmp:
            floor_out = Path(tmp) / "floor"
            floor_out.mkdir()
            floors.append(floor(inputs, floor_out))
            batches.append(batch(inputs, Path(tmp) / "batch", config, registry, args.workers))
    f_wall, f_cpu, cells = min(floors)
    b_wall, b_cpu, rows, result, stages = min(batches, key=lambda b: b[0])
    with tempfile.TemporaryDirectory() as tmp:
        docs_5000 = long_list(result, config, Path(tmp) / "long")
    peak = peak_memory_mib()
    workers = default_workers(len(result.inputs)) if args.workers is None else args.workers
    print(f"Đầu vào: {args.districts + 1} tệp, {rows:,} dòng dữ liệu, {cells:,} ô; {workers} tiến trình")
    print(f"Nền I/O (calamine đọc + xlsxwriter ghi):   {f_wall:7.2f} s thực, {f_cpu:7.2f} s CPU")
    print(f"Tổng hợp (đọc, xét, ghi json, xlsx, docx): {b_wall:7.2f} s thực, {b_cpu:7.2f} s CPU (tiến trình chính), "
          f"{rows / b_wall:,.0f} dòng/giây")
    print("Từng bước: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items()))
    print(f"Tỉ lệ tổng hợp / nền I/O: {b_wall / f_wall:.2f}×")
    print(f"Văn bản Word khi danh sách Bằng khen UBND tỉnh có 5.000 người: {docs_5000:.2f} s")
    print("Bộ nhớ đỉnh (kể cả tiến trình con): " + (f"{peak:,.0f} MiB" if peak is not None else "không đo được"))
    if args.startup:
        startup, fixed, total = startup_share(inputs, HERE / ".cache" / f"{args.districts}" / "don_vi.csv")
        print(f"Lệnh đầy đủ {total:.2f} s; khởi động (nạp chương trình, cấu hình) {startup:.2f} s = "
              f"{100 * startup / total:.0f}%; chạy với thư mục trống (phần không phụ thuộc số liệu) {fixed:.2f} s = "
              f"{100 * fixed / total:.0f}%")

if __name__ == "__main__":
    main()
