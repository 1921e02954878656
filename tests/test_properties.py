"""Properties over arbitrary plausible tables: every row accounted for once, whatever the column or file order."""

import tempfile
import unicodedata
from pathlib import Path

from conftest import info_rows, make_book
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- quotas and caps on random nominations

from collections import Counter  # noqa: E402
from dataclasses import replace  # noqa: E402

from thidua.records import Info, NominationRow, Submission  # noqa: E402

LEVELS = ["xa", "bctmt", "huyen"]


@st.composite
def batches(draw):
    units = draw(st.lists(st.sampled_from(["941", "942", "943", "944"]), min_size=1, max_size=4, unique=True))
    subs = []
    for code in units:
        rows = []
        for r in range(draw(st.integers(0, 8))):
            kind = draw(st.sampled_from(["collective", "individual"]))
            level = draw(st.sampled_from(LEVELS if kind == "individual" else LEVELS[:2]))
            rows.append(NominationRow(
                file=f"{code}.xlsx", sheet="x", row=r + 2, kind=kind, stt=r + 1, name=f"{code}-{r}", level=level,
                award="BK_MTTQ_TINH", merit_type=None, score=draw(st.sampled_from([80.0, 85.0, 85.0, 90.0, 95.5])),
                has_proposal=True, has_minutes=True, has_report=draw(st.booleans()) or draw(st.booleans())))
        info = Info(unit_code=code, year=2023, round="tong-ket", self_score=88.0)
        subs.append(Submission(f"{code}.xlsx", "0", 0.0, True, info=info, nominations=tuple(rows)))
    cap = draw(st.integers(0, 6))
    return subs, cap


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches())
def test_quotas_and_caps_always_hold(config, registry, batch):
    subs, cap = batch
    cfg = replace(config, quotas=tuple(replace(q, cap=cap) if q.level == "xa" else q for q in config.quotas))
    result = evaluate(subs, cfg, registry)
    proposed = Counter((n.unit_code, n.key) for n in result.nominations if n.status == "proposed")
    for line in result.quotas:
        assert proposed[(line.unit_code, (line.kind, line.level, line.award))] == line.proposed <= line.quota
    for c in result.caps:
        assert c.proposed <= c.cap
    for n in result.nominations:
        if n.status == "incomplete_dossier":
            assert not n.source.has_report
        if n.status == "over_quota":  # everyone kept in its unit and quota row scored at least as well
            kept = [m.score for m in result.nominations if m.unit_code == n.unit_code and m.key == n.key
                    and m.status in ("proposed", "needs_review")]
            assert all(score >= n.score for score in kept)
    reviews = [n for n in result.nominations if n.status == "needs_review"]
    assert all(n.level == "xa" for n in reviews)  # only the capped rows go to the council


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches(), st.randoms(use_true_random=False), st.booleans())
def test_result_does_not_depend_on_file_order(config, registry, batch, rnd, resubmit):
    """Several units' files, and perhaps a resubmission of one of them, judged in any order give one result."""
    subs, _ = batch
    if resubmit:
        first = subs[0]
        later = replace(first, file=f"{first.info.unit_code}-bổ sung.xlsx", mtime=first.mtime + 1,
                        nominations=first.nominations[:1])
        subs = [*subs, later]
    shuffled = subs[:]
    rnd.shuffle(shuffled)
    assert evaluate(shuffled, config, registry).as_json() == evaluate(subs, config, registry).as_json()
