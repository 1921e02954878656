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

from thidua.batch import evaluate_folder, write_run  # noqa: E402
from thidua.cli import DEFAULT_CONFIG  # noqa: E402
from thidua.config import load_config, with_overrides  # noqa: E402
from thidua.docx_report import docx_writer  # noqa: E402
from thidua.records import NominationRow  # noqa: E402
from thidua.result import Nomination  # noqa: E402
from thidua.registry import COLUMNS, load_registry  # noqa: E402
from thidua.sample import write_sample  # noqa: E402
from thidua.workbook import list_inputs  # noqa: E402
from thidua.xlsx_report import write_consolidated, write_feedback  # noqa: E402


def peak_memory_mib() -> float | None:
    """Peak resident memory of this process, where the platform tells it."""
    try:
        import resource
    except ImportError:  # Windows
        try:
            import psutil

            return psutil.Process().memory_info().peak_wset / 2**20
        except (ImportError, AttributeError):
            return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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


def batch(inputs: Path, out: Path, config, registry):
    wall, cpu = time.perf_counter(), time.process_time()
    result = evaluate_folder(inputs, config, registry)
    write_run(result, out, [write_consolidated, write_feedback, docx_writer(config)], ["benchmark"])
    rows = sum(i.rows for i in result.inputs)
    return time.perf_counter() - wall, time.process_time() - cpu, rows, result


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--districts", type=int, default=11)
    args = parser.parse_args()
    config = load_config(DEFAULT_CONFIG)
    config = with_overrides(config, communes_path=None)
    registry, inputs = prepare(args.districts, config)
    with tempfile.TemporaryDirectory() as tmp:
        floor_out = Path(tmp) / "floor"
        floor_out.mkdir()
        f_wall, f_cpu, cells = floor(inputs, floor_out)
        b_wall, b_cpu, rows, result = batch(inputs, Path(tmp) / "batch", config, registry)
        docs_5000 = long_list(result, config, Path(tmp) / "long")
    peak = peak_memory_mib()
    print(f"Đầu vào: {args.districts + 1} tệp, {rows:,} dòng dữ liệu, {cells:,} ô")
    print(f"Nền I/O (calamine đọc + xlsxwriter ghi): {f_wall:7.2f} s thực, {f_cpu:7.2f} s CPU")
    print(f"Tổng hợp (đọc, xét, ghi json, xlsx, docx):{b_wall:7.2f} s thực, {b_cpu:7.2f} s CPU, "
          f"{rows / b_wall:,.0f} dòng/giây")
    print(f"Tỉ lệ tổng hợp / nền I/O: {b_wall / f_wall:.2f}×")
    print(f"Văn bản Word khi danh sách Bằng khen UBND tỉnh có 5.000 người: {docs_5000:.2f} s")
    print("Bộ nhớ đỉnh: " + (f"{peak:,.0f} MiB" if peak is not None else "không đo được trên máy này"))


if __name__ == "__main__":
    main()
