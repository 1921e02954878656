"""Properties over arbitrary plausible tables: every row accounted for once, whatever the column or file order."""

import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import info_rows, make_book

from thidua.evaluate import evaluate
from thidua.workbook import read_submission

HEADERS = ["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm", "Tờ trình", "Biên bản", "Báo cáo thành tích"]
names = st.sampled_from(["Xã An Hiệp", "Phường 5", "Ban công tác Mặt trận ấp Sóc Xoài", "Thị trấn Kế Sách", ""])
levels = st.sampled_from(["Cấp xã", "Xã", "BCTMT", "Ban công tác Mặt trận", "cấp thôn", "", "Cấp tỉnh"])
awards = st.sampled_from(["Bằng khen Ủy ban MTTQ Việt Nam tỉnh", "BK_MTTQ_TINH", "Giấy khen", "", "Bằng khen UBND tỉnh"])
scores = st.one_of(st.none(), st.floats(0, 110).map(lambda f: round(f, 1)), st.sampled_from(["87,5", "9O", "90"]))
marks = st.sampled_from(["x", "có", "", None])
nfd = st.booleans()


@st.composite
def tables(draw):
    rows = []
    for stt in range(draw(st.integers(0, 12))):
        if draw(st.booleans()) and draw(st.booleans()):
            rows.append([None] * len(HEADERS))  # a blank row between data
            continue
        name = draw(names)
        if draw(nfd):
            name = unicodedata.normalize("NFD", name)
        if name and draw(st.booleans()):  # pasted from the web: non-breaking and zero-width spaces
            name = "\u200b" + name.replace(" ", "\u00a0", 1) + " "
        rows.append([stt + 1, name, draw(levels), draw(awards), draw(scores), draw(marks), draw(marks), draw(marks)])
    extra = draw(st.integers(0, 2))
    order = draw(st.permutations(range(len(HEADERS) + extra)))
    return rows, extra, order


def _write(folder: Path, name: str, rows, extra, order) -> Path:
    headers = HEADERS + [f"Cột riêng {i}" for i in range(extra)]
    full = [r + [f"ghi chú {i}" if any(r) else None for i in range(extra)] for r in rows]
    sheet = [[headers[i] for i in order]] + [[r[i] for i in order] for r in full]
    return make_book(folder / name, {"Thông tin": info_rows(), "Đề nghị tập thể": sheet})


def _accounted(result) -> list[tuple[str, int]]:
    return sorted((n.file, n.row) for n in result.nominations)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables())
def test_every_non_blank_row_is_one_nomination_whatever_the_column_order(config, registry, table):
    rows, extra, order = table
    with tempfile.TemporaryDirectory() as tmp:
        shuffled = read_submission(_write(Path(tmp), "a.xlsx", rows, extra, order))
        plain = read_submission(_write(Path(tmp), "b.xlsx", rows, 0, list(range(len(HEADERS)))))
    expected = [r for r, row in enumerate(rows, start=2) if any(v not in (None, "") for v in row)]
    result = evaluate([shuffled], config, registry)
    assert _accounted(result) == [("a.xlsx", r) for r in expected]
    baseline = evaluate([plain], config, registry)

    def outcome(res):
        return [(n.row, n.status, n.reasons and len(n.reasons)) for n in res.nominations]
    assert outcome(result) == outcome(baseline)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables(), tables())
def test_result_does_not_depend_on_file_order(config, registry, first, second):
    with tempfile.TemporaryDirectory() as tmp:
        a = read_submission(_write(Path(tmp), "a.xlsx", *first))
        b = read_submission(_write(Path(tmp), "b.xlsx", *second))
    forward, backward = evaluate([a, b], config, registry), evaluate([b, a], config, registry)
    assert forward.as_json() == backward.as_json()
