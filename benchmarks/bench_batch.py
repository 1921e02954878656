"""Benchmark of the whole batch against the I/O floor. Not a test: it prints figures.

    python benchmarks/bench_batch.py                      # 700 districts of the realistic shape (default)
    python benchmarks/bench_batch.py --districts 11       # a province
    python benchmarks/bench_batch.py --shape sample       # the lighter shape of the sample generator

The realistic shape is what districts actually send: an info sheet, about 15 xã score rows, 100-130 Ban công
tác Mặt trận score rows and 20-30 nominations with full text (about 1,150 cells a file). The inputs are made
once and kept in benchmarks/.cache/. Each repeat measures, on the same inputs:
  - the product as a user runs it: a separate `python process.py run --registry ...` process, timed from
    before it starts to its end; the stages (start-up, read, evaluate, write) come from its THIDUA_TIMINGS line;
  - the floor: python-calamine reading every cell of every input once, plus xlsxwriter (constant_memory)
    writing those cells back into one workbook per input, with no logic in between;
and prints the best of the repeats, the ratio product / floor (and each repeat's), the seconds of each writer,
and the peak memory of the product's whole process tree, sampled from /proc on Linux (PSS, and the RSS sum),
besides that of its largest single process (resource.getrusage; neither is measured on Windows).
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

from thidua.batch import read_folder  # noqa: E402
from thidua.cli import DEFAULT_CONFIG  # noqa: E402
from thidua.config import load_config, with_overrides  # noqa: E402
from thidua.docx_report import docx_writer  # noqa: E402
from thidua.evaluate import evaluate  # noqa: E402
from thidua.records import NominationRow  # noqa: E402
from thidua.registry import COLUMNS, load_registry  # noqa: E402
from thidua.result import Nomination  # noqa: E402
from thidua.sample import write_sample  # noqa: E402
from thidua.workbook import list_inputs  # noqa: E402


def peak_memory_mib(own: bool = False) -> float | None:
    """Peak resident memory of the largest single process this one started, or of this one (`own`), where the
    platform tells it."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF if own else resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


class TreeMemory:
    """Samples, every 50 ms, the memory of a process and of all its descendants together (Linux /proc), and keeps
    the highest sums: RSS (pages shared by forked workers counted once per process, an upper bound) and PSS
    (shared pages divided among the processes sharing them: what the tree really holds)."""

    def __init__(self, pid: int):
        import threading

        self.pid, self.rss, self.pss = pid, 0.0, 0.0
        self.available = Path("/proc/self/smaps_rollup").is_file()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if self.available:
            self._thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += children.get(pid, [])
        return found

    def _sample(self) -> None:
        rss = pss = 0
        for pid in self._tree():
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            except OSError:
                continue  # the process ended meanwhile
        self.rss, self.pss = max(self.rss, rss / 1024), max(self.pss, pss / 1024)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._sample()

    def stop(self) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()


_TEXT = ("Ủy ban MTTQ Việt Nam đã chủ động phối hợp với chính quyền và các tổ chức thành viên vận động nhân dân "
         "tham gia xây dựng nông thôn mới, đô thị văn minh; vận động Quỹ \"Vì người nghèo\" vượt chỉ tiêu, hỗ trợ "
         "xây dựng {n} căn nhà Đại đoàn kết cho hộ nghèo, hộ cận nghèo; tổ chức tốt Ngày hội Đại đoàn kết toàn dân "
         "tộc ở khu dân cư; thực hiện hiệu quả công tác giám sát và phản biện xã hội.")


def realistic_book(path: Path, config, unit, index: int) -> Path:
    """One district's workbook of the shape districts send (cells, text lengths), deterministic from index."""
    from thidua.template import write_workbook

    communes = [{"stt": i, "name": f"Xã Thạnh Phú Đông Số {i}", "unit_type": "Xã", "score": 70 + (i * 37 + index) % 26,
                 "note": "Hoàn thành tốt các chỉ tiêu thi đua."} for i in range(1, 16)]
    bctmt = [{"stt": i, "name": f"Ban công tác Mặt trận ấp Phước Thọ Hòa Số {i}", "parent": f"Xã Thạnh Phú Đông Số "
              f"{1 + i % 15}", "score": 70 + (i * 53 + index) % 27, "note": "Vận động nhân dân tham gia tốt."}
             for i in range(1, 101 + (index * 7) % 31)]
    dossier = {"has_proposal": "x", "has_minutes": "x", "has_report": "x"}
    nominees = 20 + (index * 3) % 11
    collective = [{"stt": i, "name": f"Ủy ban MTTQ Việt Nam xã Thạnh Phú Đông Số {i}", "level": "Cấp xã",
                   "award": "Bằng khen Ủy ban MTTQ Việt Nam tỉnh", "merit_type": "Công trạng", "score": 85 + i % 10,
                   "summary": _TEXT.format(n=3 + i), "years_excellent": 2, **dossier} for i in range(1, nominees // 3)]
    individual = [{"stt": i, "name": f"Nguyễn Thị Thanh Hương {index}-{i}", "gender": "Nữ", "birth_year": 1970 + i,
                   "ethnicity": "Kinh", "position": "Phó Chủ tịch", "workplace": "Ủy ban MTTQ Việt Nam xã Thạnh Phú "
                   f"Đông Số {i}", "level": "Cấp xã", "award": "Bằng khen Ủy ban MTTQ Việt Nam tỉnh",
                   "merit_type": "Công trạng", "score": 80 + i % 15, "summary": _TEXT.format(n=i), "years_excellent": 3,
                   "initiatives": 2, "note": "Đề nghị xét khen", **dossier} for i in range(1, nominees - nominees // 3 + 2)]
    info = {"unit_name": unit.name, "unit_code": unit.code, "year": config.year, "round": "Tổng kết",
            "declared_communes": unit.communes, "declared_bctmt": len(bctmt), "self_score": 80 + index % 15,
            "preparer": "Trần Văn Bình", "phone": "0299 3822 123", "email": unit.email}
    return write_workbook(path, config, info, {"communes": communes, "bctmt": bctmt, "collective": collective,
                                               "individual": individual})


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


def prepare(districts: int, config, shape: str = "realistic"):
    cache = HERE / ".cache" / f"{shape}-{districts}"
    registry_path = cache / "don_vi.csv"
    inputs = cache / "input"
    expected = districts + (1 if shape == "sample" else 0)
    if not (registry_path.is_file() and inputs.is_dir() and len(list(inputs.iterdir())) == expected):
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        make_registry(cache, districts)
        registry = load_registry(registry_path)
        print(f"Tạo {expected} tệp đầu vào trong {cache} ...", flush=True)
        if shape == "sample":
            write_sample(inputs, config, registry)
        else:
            inputs.mkdir()
            for i, unit in enumerate(registry.districts):
                realistic_book(inputs / f"{unit.code}.xlsx", config, unit, i)
    return load_registry(registry_path), inputs


def product(inputs: Path, out: Path, registry_path: Path, workers: int | None, ledger: bool = True
            ) -> tuple[float, dict[str, float], TreeMemory]:
    """The command a user runs, in its own process: wall seconds from before it starts, its own stages, and the
    memory of its process tree."""
    import os
    import subprocess

    command = [sys.executable, "process.py", "run", "--input", str(inputs), "--output", str(out),
               "--registry", str(registry_path), "--config", str(HERE / ".cache" / "config.toml")]
    if workers is not None:
        command += ["--workers", str(workers)]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=HERE.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               encoding="utf-8", env={**os.environ, "THIDUA_TIMINGS": "1",
                                                      **({} if ledger else {"THIDUA_NO_LEDGER": "1"})})
    memory = TreeMemory(process.pid)
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    memory.stop()
    if process.returncode > 1:
        raise SystemExit(f"Lệnh lỗi ({process.returncode}):\n{stderr}")
    line = next(x for x in stderr.splitlines() if x.startswith("thidua-timings "))
    stages = {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}
    return wall, stages, memory


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


WRITERS = {"feedback": "phản hồi", "consolidated": "tổng hợp", "documents": "văn bản Word", "json": "ket_qua.json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--districts", type=int, default=700)
    parser.add_argument("--shape", choices=("realistic", "sample"), default="realistic",
                        help="tệp như các huyện gửi thật (mặc định) hoặc như bộ mẫu")
    parser.add_argument("--long-list", action="store_true", help="đo thêm văn bản Word với danh sách 5.000 người")
    parser.add_argument("--workers", type=int, default=None, help="tiến trình song song (mặc định: tự chọn)")
    parser.add_argument("--repeat", type=int, default=2, help="số lần đo, lấy lần nhanh nhất")
    parser.add_argument("--big-file", type=int, default=0, metavar="MB",
                        help="chỉ đo việc đọc một tệp dữ liệu thật nặng chừng ấy MB")
    parser.add_argument("--no-row-limit", action="store_true",
                        help="với --big-file: bỏ giới hạn max_data_rows để đo chính việc đọc")
    args = parser.parse_args()
    config = load_config(DEFAULT_CONFIG)
    config = with_overrides(config, communes_path=None)
    if args.big_file:
        from thidua.workbook import read_submission

        path = big_file(args.big_file)
        start = time.perf_counter()
        limits = config.limits if not args.no_row_limit else replace(config.limits, max_data_rows=10**9)
        sub = read_submission(path, limits=limits)
        wall = time.perf_counter() - start
        if not sub.readable:  # refused by a limit of [limits]: how fast, and why
            print(f"Tệp {path.stat().st_size / 2**20:.0f} MB bị từ chối sau {wall:.1f} s: "
                  + "; ".join(i.message for i in sub.issues))
            peak = peak_memory_mib(own=True)
            print("Bộ nhớ đỉnh: " + (f"{peak:,.0f} MiB" if peak else "không đo được"))
            return
        start = time.perf_counter()
        cells = sum(1 for name in CalamineWorkbook.from_path(str(path)).sheet_names
                    for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python() for _ in row)
        floor_wall = time.perf_counter() - start
        print(f"Tệp {path.stat().st_size / 2**20:.0f} MB, {sub.rows:,} dòng: đọc {wall:.1f} s "
              f"({sub.rows / wall:,.0f} dòng/giây); calamine đọc {cells:,} ô: {floor_wall:.1f} s")
        peak = peak_memory_mib(own=True)  # read in this process
        print("Bộ nhớ đỉnh: " + (f"{peak:,.0f} MiB" if peak else "không đo được"))
        return
    (HERE / ".cache").mkdir(exist_ok=True)
    # The benchmark's config: the project's, without a criteria table (the realistic shape types its totals).
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace('criteria = "data/tieu_chi_cham_diem.csv"', 'criteria = ""')
    for folder in ("templates", "data"):
        text = text.replace(f'"{folder}/', f'"{(HERE.parent / folder).as_posix()}/').replace(
            f'templates = "{folder}"', f'templates = "{(HERE.parent / folder).as_posix()}"')
    (HERE / ".cache" / "config.toml").write_text(text, encoding="utf-8")
    config = with_overrides(load_config(HERE / ".cache" / "config.toml"), communes_path=None)
    registry, inputs = prepare(args.districts, config, args.shape)
    registry_path = HERE / ".cache" / f"{args.shape}-{args.districts}" / "don_vi.csv"
    floors, runs, without, again = [], [], [], []
    for _ in range(args.repeat):  # the best of a few runs: the machine is shared
        with tempfile.TemporaryDirectory() as tmp:
            floor_out = Path(tmp) / "floor"
            floor_out.mkdir()
            floors.append(floor(inputs, floor_out))
            # The same run without the ledger, with it (a first run: an empty ledger), and again (the monthly
            # re-run: compared with the previous run, both recorded).
            without.append(product(inputs, Path(tmp) / "bare", registry_path, args.workers, ledger=False))
            runs.append(product(inputs, Path(tmp) / "out", registry_path, args.workers))
            again.append(product(inputs, Path(tmp) / "out", registry_path, args.workers))
    f_wall, f_cpu, cells = min(floors)
    p_wall, stages, memory = min(runs, key=lambda r: r[0])
    peak = peak_memory_mib()
    files = len(list(inputs.iterdir()))
    print(f"Đầu vào: {files} tệp ({args.shape}), {cells:,} ô")
    print(f"Nền I/O (calamine đọc + xlsxwriter ghi):   {f_wall:7.2f} s thực, {f_cpu:7.2f} s CPU")
    print(f"Lệnh process.py run (tiến trình riêng):   {p_wall:7.2f} s thực")
    print("Từng bước: khởi động {start:.2f} s, đọc {read:.2f} s, xét {evaluate:.2f} s, ghi {write:.2f} s".format(**stages))
    print("  từng bộ ghi (giây thực trong tiến trình của nó; chạy song song): " + ", ".join(
        f"{WRITERS.get(k[6:], k[6:])} {v:.2f} s" for k, v in stages.items() if k.startswith("write_")))
    print(f"Tỉ lệ lệnh / nền I/O: {p_wall / f_wall:.2f}× (lần nhanh nhất trong {args.repeat} lần đo; từng lần: "
          + ", ".join(f"{r[0] / f[0]:.2f}×" for r, f in zip(runs, floors)) + ")")
    bare, rerun = min(w[0] for w in without), min(again, key=lambda r: r[0])
    print(f"Sổ lưu các lần chạy: không có sổ {bare:.2f} s; có sổ, lần đầu {p_wall:.2f} s; có sổ, chạy lại "
          f"{rerun[0]:.2f} s (trong đó so sánh với lần trước {rerun[1]['changes']:.2f} s, ghi sổ "
          f"{rerun[1]['ledger']:.2f} s); từng lần không sổ / lần đầu / chạy lại: " + "; ".join(
              f"{w[0]:.2f} / {r[0]:.2f} / {a[0]:.2f} s" for w, r, a in zip(without, runs, again)))
    if memory.available:
        print(f"Bộ nhớ đỉnh của cả cây tiến trình: {memory.pss:,.0f} MiB (PSS), {memory.rss:,.0f} MiB (tổng RSS, "
              "trang dùng chung được đếm ở mỗi tiến trình)")
    print("Bộ nhớ đỉnh của tiến trình lớn nhất: " + (f"{peak:,.0f} MiB" if peak is not None else "không đo được"))
    if args.long_list:
        result = evaluate(read_folder(inputs, limits=config.limits), config, registry)
        with tempfile.TemporaryDirectory() as tmp:
            print(f"Văn bản Word khi danh sách Bằng khen UBND tỉnh có 5.000 người: "
                  f"{long_list(result, config, Path(tmp) / 'long'):.2f} s")


if __name__ == "__main__":
    main()
