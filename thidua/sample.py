"""A realistic filled batch: one workbook per district of the registry, and the province's own.

Deterministic (fixed seed), built from whatever registry is configured: real commune names where the
registry has them, generated ones elsewhere. It shows what a real month looks like: Kinh and Khmer
names, some districts proposing more than their quota, a tie at a cutoff, a missing dossier item.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from pathlib import Path
from typing import Any

from . import terms
from .config import Config
from .criteria import CriteriaTable
from .errors import ThiduaError
from .registry import Registry, Unit
from .rules import unit_quota
from .template import write_workbook
from .terms import FRONT
from .text import safe_filename
from .workbook import list_inputs

SEED = 2023
# What `sample` wrote into a folder, by name and SHA-256: any other file there is a real one, and invented files
# must never stand beside it (issue 20: an invented "Xã Gio Linh" superseded the real file). Hidden, so the batch
# never reads it.
MANIFEST = ".thidua-sample.json"

_KINH_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương")
_KINH_MIDDLE_M = ("Văn", "Minh", "Hoàng", "Quốc", "Thanh", "Hữu", "Công")
_KINH_MIDDLE_F = ("Thị", "Ngọc", "Thanh", "Kim", "Mỹ", "Thu")
_KINH_GIVEN_M = ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quang", "Tài",
                 "Thắng", "Toàn", "Trung", "Vinh")
_KINH_GIVEN_F = ("Anh", "Diễm", "Hằng", "Hoa", "Lan", "Linh", "Mai", "Ngân", "Nhung", "Phượng", "Thảo", "Trang",
                 "Tuyết", "Yến")
_KHMER_FAMILY = ("Thạch", "Sơn", "Danh", "Kim", "Lâm", "Lý", "Triệu", "Tăng", "Dương")
_KHMER_GIVEN_M = ("Sóc", "Sa Rươn", "Sang", "Chanh", "Ny", "Phol", "Sà Mút", "Kha", "Sươl", "Rương")
_KHMER_GIVEN_F = ("Sà Rây", "Sa Phia", "Chanh Đa", "Sóc Khe", "Thươl", "Ni", "Sà Phon", "Mỹ Linh")
_HAMLETS = ("Phú Hữu", "Trà Canh", "Sóc Xoài", "Tà Lọt", "Bưng Tróp", "Kinh Ngay", "Hòa Phuông", "Xóm Chòi",
            "Tân Thành", "Mỹ Hòa", "Vĩnh Thuận", "Prey Chóp", "Sóc Vồ", "Đai Tèn", "Cầu Đỏ", "Phước Hòa",
            "Nhơn Hòa", "Bà Xẩm", "Giồng Chát", "Trà Quýt")
# Chức vụ as a clerk types it beside the workplace ("Phó Chủ tịch" + "Ủy ban MTTQ Việt Nam huyện Kế Sách").
_POSITIONS_DISTRICT = ("Phó Chủ tịch", "Ủy viên Ban Thường trực", "Chánh Văn phòng")
_POSITIONS_COMMUNE = ("Chủ tịch", "Phó Chủ tịch")
_ACHIEVEMENTS = (
    "Vận động Quỹ \"Vì người nghèo\" vượt chỉ tiêu, xây dựng {n} căn nhà Đại đoàn kết.",
    "Thực hiện tốt Cuộc vận động \"Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh\".",
    "Tổ chức tốt Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư; vận động {n} hộ hỗ trợ người nghèo.",
    "Phát huy vai trò giám sát, phản biện xã hội; tập hợp, đoàn kết đồng bào dân tộc Khmer.",
    "Hoàn thành xuất sắc nhiệm vụ được giao; tham mưu tốt công tác Mặt trận ở cơ sở.",
)


def _person(rng: random.Random, khmer_share: float = 0.35) -> dict:
    female = rng.random() < 0.45
    if rng.random() < khmer_share:
        family = rng.choice(_KHMER_FAMILY)
        middle = "Thị" if female else rng.choice(("Văn", "", ""))
        given = rng.choice(_KHMER_GIVEN_F if female else _KHMER_GIVEN_M)
        ethnicity = "Khmer"
    else:
        family = rng.choice(_KINH_FAMILY)
        middle = rng.choice(_KINH_MIDDLE_F if female else _KINH_MIDDLE_M)
        given = rng.choice(_KINH_GIVEN_F if female else _KINH_GIVEN_M)
        ethnicity = "Hoa" if rng.random() < 0.05 else "Kinh"
    name = " ".join(part for part in (family, middle, given) if part)
    return {"name": name, "gender": "Nữ" if female else "Nam", "birth_year": rng.randint(1965, 1992),
            "ethnicity": ethnicity}


def _score(rng: random.Random, low: float = 72, high: float = 96) -> float:
    return round(rng.uniform(low, high) * 2) / 2


def _dossier(complete: bool = True) -> dict:
    return {"has_proposal": "x", "has_minutes": "x", "has_report": "x" if complete else ""}


def criteria_marks(table: CriteriaTable, level: str, total: float, index: int) -> list[dict]:
    """Marks by criterion that add up to `total` exactly (in quarter points): each criterion loses a share of
    what the unit misses. One unit in three earns a bonus and takes a deduction that cancel out."""
    leaves = table.leaves(level)
    quarters = {c.code: int((c.standard or 0) * 4) for c in leaves}
    missing = sum(quarters.values()) - round(total * 4)
    for code in sorted(quarters, key=lambda k: -quarters[k]):
        take = min(missing, quarters[code] // 3)
        quarters[code] -= take
        missing -= take
    marks = {c.code: {"code": c.code, "self_mark": quarters[c.code] / 4, "note": "Có báo cáo, số liệu kèm theo."}
             for c in leaves}
    bonus = next((c for c in leaves if c.bonus), None)
    minus = next((c for c in leaves if c.deduction), None)
    if index % 3 == 0 and bonus and minus:
        marks[bonus.code]["bonus"] = 1.0
        marks[minus.code]["deduction"] = 1.0
    return list(marks.values())


def _communes(unit: Unit, registry: Registry) -> list[tuple[str, str]]:
    known = registry.communes_of(unit.code)
    if known:
        return [(c.name, c.unit_type) for c in known]
    return [(f"Xã {i}", "Xã") for i in range(1, unit.count("communes") + 1)]


def _number(*tables: list[dict]) -> None:
    """STT 1, 2, ... in each table, as a clerk numbers the rows."""
    for table in tables:
        for stt, row in enumerate(table, start=1):
            row["stt"] = stt


def _district_book(unit: Unit, index: int, registry: Registry, config: Config, rng: random.Random,
                   tie_score: float, district_score: float) -> tuple[dict, dict]:
    communes = _communes(unit, registry)
    commune_rows: list[dict[str, Any]] = []
    for stt, (name, kind) in enumerate(communes, start=1):
        commune_rows.append({"stt": stt, "name": name, "unit_type": kind, "score": _score(rng, 70, 95.5)})
    # Two communes in different districts share the score at the third place: a tie at the cutoff.
    if index in (0, 1) and commune_rows:
        commune_rows[0]["score"] = tie_score
    if index == 2 and commune_rows:
        commune_rows[0]["score"] = 98.0
    if index == 3 and commune_rows:
        commune_rows[0]["score"] = 97.5
    bctmt_rows: list[dict[str, Any]] = []
    for stt in range(1, unit.count("bctmt") + 1):
        commune, kind = communes[(stt - 1) % len(communes)] if communes else ("", "Xã")
        prefix = "khóm" if kind == "Phường" else "ấp"
        hamlet = f"{prefix} {_HAMLETS[(stt * 7 + index) % len(_HAMLETS)]} {1 + (stt - 1) // len(_HAMLETS)}"
        bctmt_rows.append({"stt": stt, "name": f"Ban công tác Mặt trận {hamlet}", "parent": commune,
                           "score": round(rng.uniform(70, 96) * 4) / 4})
    if index % 2 == 0 and index < min(10, len(bctmt_rows)):  # five clear leaders province-wide
        bctmt_rows[index]["score"] = 98.5 - index / 4

    collective: list[dict[str, Any]] = []
    individual: list[dict[str, Any]] = []

    def quota_of(kind: str, level: str, award: str = "BK_MTTQ_TINH") -> int:
        rule = config.quota_rule(kind, level, award)
        return unit_quota(rule, unit, config) if rule else 0

    best_communes = sorted(commune_rows, key=lambda r: -r["score"])
    extra = 1 if index % 4 == 1 else 0  # some districts propose one more than their quota
    for r in best_communes[: quota_of("collective", "xa") + extra]:
        collective.append({"name": terms.committee_name(r["name"], r["unit_type"]), "level": "Cấp xã",
                           "award": terms.AWARDS["BK_MTTQ_TINH"], "merit_type": "Công trạng", "score": r["score"],
                           "summary": rng.choice(_ACHIEVEMENTS).format(n=rng.randint(3, 20)), **_dossier()})
    best_bctmt = sorted(bctmt_rows, key=lambda r: -r["score"])
    for r in best_bctmt[: quota_of("collective", "bctmt")]:
        collective.append({"name": r["name"], "level": "BCTMT", "award": "Bằng khen UBMTTQ tỉnh",
                           "score": r["score"], "summary": rng.choice(_ACHIEVEMENTS).format(n=rng.randint(3, 20)),
                           **_dossier()})
    if index % 3 == 0:
        value = 150_000_000 if index % 2 == 0 else "80 triệu"
        collective.append({"name": f"Công ty TNHH Nông sản {_HAMLETS[index % len(_HAMLETS)]}", "level": "Cấp huyện",
                           "award": terms.AWARDS["BK_UBND_TINH"], "merit_type": "Đột xuất",
                           "summary": "Đóng góp xây dựng nhà Đại đoàn kết và hỗ trợ hộ nghèo trên địa bàn.",
                           "contribution": value, **_dossier()})

    def person_rows(level: str, award: str, count: int, position: str, workplace: str, complete=True):
        for _ in range(count):
            person = _person(rng)
            individual.append({**person, "position": position, "workplace": workplace, "level": level,
                               "award": award, "merit_type": "Công trạng", "score": _score(rng, 80, 96),
                               "summary": rng.choice(_ACHIEVEMENTS).format(n=rng.randint(3, 20)),
                               **_dossier(complete)})

    person_rows("Cấp huyện", terms.AWARDS["BK_MTTQ_TINH"], 1 + (index == 4), rng.choice(_POSITIONS_DISTRICT), unit.name)
    person_rows("Cấp huyện", "BK_TW_MTTQ", 1, "Chủ tịch", unit.name)
    for _ in range(quota_of("individual", "xa")):
        commune_name = rng.choice(communes)[0]
        person_rows("Cấp xã", terms.AWARDS["BK_MTTQ_TINH"], 1, rng.choice(_POSITIONS_COMMUNE),
                    terms.committee_name(commune_name), complete=index != 5)
    for _ in range(quota_of("individual", "bctmt")):
        hamlet = rng.choice(bctmt_rows)["name"]
        person_rows("Ban công tác Mặt trận", terms.AWARDS["BK_MTTQ_TINH"], 1, "Trưởng ban", hamlet)
    if index == 2:
        # Plan 4.1c: công trạng for individuals is for provincial front staff only; this one is a district's.
        individual.append({"name": "Trần Thị Mộng Tuyền", "gender": "Nữ", "birth_year": 1980, "ethnicity": "Kinh",
                           "position": "Phó Chủ tịch", "workplace": unit.name, "level": "Cấp huyện",
                           "award": terms.AWARDS["BK_UBND_TINH"], "merit_type": "Công trạng", "years_excellent": 3,
                           "initiatives": 2, "summary": "Hoàn thành xuất sắc nhiệm vụ 03 năm liền; 02 sáng kiến.",
                           **_dossier()})
    _number(collective, individual)

    typed = district_score + (0 if _keeps_self_score(index) else 1.5)
    tables_extra: dict[str, list[dict]] = {}
    if config.criteria is not None:
        tables_extra["criteria"] = criteria_marks(config.criteria, unit.cap, typed, index)
        if index == 4:
            typed += 0.5  # a typed total that disagrees with its criteria: reported, and not used
    info = {
        "unit_name": unit.name, "unit_code": unit.code, "year": config.year, "round": terms.ROUNDS[config.round],
        "declared_communes": unit.count("communes") + (1 if index == 6 else 0), "declared_bctmt": unit.bctmt,
        "self_score": typed, "preparer": _person(rng, 0.2)["name"],
        "phone": f"0299 38{rng.randint(10000, 99999)}", "email": unit.email,
        "date": dt.date(config.year, 11, 20 + index % 8),
    }
    return info, {"communes": commune_rows, "bctmt": bctmt_rows, "collective": collective, "individual": individual,
                  **tables_extra}


def _has_rule(config: Config, kind: str, level: str, award: str) -> bool:
    return config.quota_rule(kind, level, award) is not None


def _province_book(registry: Registry, config: Config, rng: random.Random, unit_scores: list[float]
                   ) -> tuple[dict, dict]:
    """The province's own proposals, as far as the configured plan allows them, and its appraisals."""
    province = registry.province
    word = "thành phố" if config.province_short_name.startswith("thành phố") else "tỉnh"
    collective = [
        {"name": name, "level": "Cấp tỉnh", "award": terms.AWARDS["BK_MTTQ_TINH"], "score": _score(rng, 86, 95),
         "summary": "Hoàn thành xuất sắc nhiệm vụ năm; tham mưu tốt cho Ban Thường trực.", **_dossier()}
        for name in ("Ban Tuyên giáo - Dân tộc - Tôn giáo", "Ban Dân chủ - Pháp luật", "Ban Phong trào",
                     "Ban Tổ chức - Kiểm tra", f"Văn phòng Ủy ban MTTQ Việt Nam {word}")
    ]
    if _has_rule(config, "collective", "tinh", "BK_TW_MTTQ"):
        # Plan 5.1a: the provincial committee itself, proposed to the Central Committee.
        collective.append({"name": province.name, "level": "Cấp tỉnh", "award": terms.AWARDS["BK_TW_MTTQ"],
                           "score": 95.0, "summary": "Dẫn đầu các chỉ tiêu thi đua của Ủy ban MTTQ Việt Nam cấp tỉnh.",
                           **_dossier()})
    collective.append({"name": f"Hội Chữ thập đỏ {word}", "level": "Cấp tỉnh", "award": terms.AWARDS["BK_UBND_TINH"],
                       "merit_type": "Công trạng", "years_excellent": 3,
                       "summary": "Hoàn thành xuất sắc nhiệm vụ 03 năm liền.", **_dossier()})
    individual = []
    workplace = province.name
    for i in range(18):
        person = _person(rng)
        individual.append({**person, "position": "Chuyên viên", "workplace": workplace, "level": "Cấp tỉnh",
                           "award": terms.AWARDS["BK_MTTQ_TINH"], "score": _score(rng, 84, 96),
                           "summary": "Hoàn thành xuất sắc nhiệm vụ được giao.", **_dossier(i != 7)})
    for position in ("Phó Chủ tịch", "Trưởng Ban Phong trào"):
        individual.append({**_person(rng), "position": position, "workplace": workplace, "level": "Cấp tỉnh",
                           "award": "BK_TW_MTTQ", "score": _score(rng, 90, 98),
                           "summary": f"Hoàn thành xuất sắc nhiệm vụ năm {config.year}.", **_dossier()})
    for years, initiatives in ((3, 2), (2, 1)):
        individual.append({**_person(rng), "position": "Phó Chánh Văn phòng", "workplace": workplace,
                           "level": "Cấp tỉnh", "award": terms.AWARDS["BK_UBND_TINH"], "merit_type": "Công trạng",
                           "years_excellent": years, "initiatives": initiatives,
                           "summary": "Có sáng kiến được công nhận, áp dụng hiệu quả ở cơ sở.", **_dossier()})
    _number(collective, individual)
    appraisal = [{"unit_code": u.code, "name": u.name, "score": unit_scores[i]}
                 for i, u in enumerate(registry.submitters) if not _keeps_self_score(i)]
    # With a criteria table the province re-marks one criterion of a unit it does not appraise as a whole.
    re_marked = []
    unappraised = [i for i in range(len(registry.submitters)) if _keeps_self_score(i)]
    if config.criteria is not None and len(unappraised) > 1:
        i = unappraised[1]
        unit = registry.submitters[i]
        leaf = config.criteria.leaves(unit.cap)[-3]
        own = next(m for m in criteria_marks(config.criteria, unit.cap, unit_scores[i], i) if m["code"] == leaf.code)
        re_marked.append({"unit_code": unit.code, "code": leaf.code, "self_mark": own["self_mark"] - 0.5,
                          "note": "Chưa đủ minh chứng cho một cuộc giám sát."})
    info = {"unit_name": province.name, "unit_code": province.code, "year": config.year,
            "round": terms.ROUNDS[config.round], "preparer": "Nguyễn Thị Thu Hằng", "phone": "0299 3822 123",
            "email": province.email, "date": dt.date(config.year, 11, 30)}
    return info, {"collective": collective, "individual": individual, "appraisal": appraisal,
                  "criteria_appraisal": re_marked}


def _keeps_self_score(index: int) -> bool:
    """A few districts are not appraised by the province: their self-score counts."""
    return index % 5 == 4


def _commune_book(unit: Unit, index: int, config: Config, rng: random.Random, score: float) -> tuple[dict, dict]:
    """A commune's workbook since 2025: its own score, its Ban công tác Mặt trận, and what the plan lets a
    commune propose (pooled over its cluster, so not every commune proposes every line)."""
    prefix = "khóm" if unit.name.casefold().split(FRONT.casefold())[-1].strip().startswith("phường") else "ấp"
    bctmt_rows: list[dict[str, Any]] = []
    for stt in range(1, unit.count("bctmt") + 1):
        hamlet = f"{prefix} {_HAMLETS[(stt * 7 + index) % len(_HAMLETS)]} {1 + (stt - 1) // len(_HAMLETS)}"
        bctmt_rows.append({"stt": stt, "name": f"Ban công tác Mặt trận {hamlet}", "score": round(rng.uniform(70, 96), 1)})
    if index % 9 == 0 and bctmt_rows:
        bctmt_rows[0]["score"] = 98.5 - index / 20  # clear leaders province-wide
    collective: list[dict[str, Any]] = []
    individual: list[dict[str, Any]] = []

    def summary() -> str:
        return rng.choice(_ACHIEVEMENTS).format(n=rng.randint(3, 20))

    best = max(bctmt_rows, key=lambda r: r["score"]) if bctmt_rows else None
    if best and index % 2 == 0 and _has_rule(config, "collective", "bctmt", "BK_MTTQ_TINH"):
        collective.append({"name": best["name"], "level": "BCTMT", "award": terms.AWARDS["BK_MTTQ_TINH"],
                           "score": best["score"], "summary": summary(), **_dossier()})
    if index % 4 == 1:
        collective.append({"name": f"Hợp tác xã Nông nghiệp {_HAMLETS[index % len(_HAMLETS)]}", "level": "Cấp xã",
                           "award": terms.AWARDS["BK_UBND_TINH"], "merit_type": "Đột xuất", "summary":
                           "Đóng góp xây dựng nhà Đại đoàn kết và hỗ trợ hộ nghèo trên địa bàn.",
                           "contribution": 120_000_000 if index % 8 == 1 else "60 triệu", **_dossier()})

    def person(level: str, award: str, position: str, workplace: str, complete: bool = True) -> None:
        individual.append({**_person(rng), "position": position, "workplace": workplace, "level": level,
                           "award": award, "merit_type": "Công trạng", "score": _score(rng, 80, 96),
                           "summary": summary(), **_dossier(complete)})

    if index % 2 == 1 and _has_rule(config, "individual", "xa", "BK_MTTQ_TINH"):
        person("Cấp xã", terms.AWARDS["BK_MTTQ_TINH"], rng.choice(_POSITIONS_COMMUNE), unit.name, index % 11 != 3)
    if best and index % 3 == 0 and _has_rule(config, "individual", "bctmt", "BK_MTTQ_TINH"):
        person("Ban công tác Mặt trận", terms.AWARDS["BK_MTTQ_TINH"], "Trưởng ban", best["name"])
    if index % 4 == 0 and _has_rule(config, "individual", "xa", "BK_TW_MTTQ"):
        person("Cấp xã", "BK_TW_MTTQ", "Chủ tịch", unit.name)
    _number(collective, individual)
    info = {"unit_name": unit.name, "unit_code": unit.code, "year": config.year, "round": terms.ROUNDS[config.round],
            "declared_bctmt": unit.bctmt, "self_score": score, "preparer": _person(rng, 0.2)["name"],
            "phone": f"0292 38{rng.randint(10000, 99999)}", "email": unit.email,
            "date": dt.date(config.year, 11, 15 + index % 10)}
    return info, {"bctmt": bctmt_rows, "collective": collective, "individual": individual}


def _digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def foreign_files(folder: Path) -> list[Path]:
    """The files in `folder` that an earlier `sample` did not write there (or that were changed since)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    try:
        own = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        own = {}
    return [p for p in list_inputs(folder)
            if own.get(p.relative_to(folder).as_posix()) != _digest(p)]


def write_sample(folder: Path, config: Config, registry: Registry) -> list[Path]:
    """Write one filled workbook per submitting unit (districts, or communes since 2025) and one for the
    province into `folder`, which holds no file but the ones an earlier sample wrote."""
    rng = random.Random(SEED)
    folder = Path(folder)
    foreign = foreign_files(folder)
    if foreign:
        shown = ", ".join(p.relative_to(folder).as_posix() for p in foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise ThiduaError(f"Thư mục {folder} đã có {len(foreign)} tệp không phải tệp mẫu ({shown}). Để tệp mẫu không "
                          "lẫn với báo cáo thật, lệnh sample không ghi vào đây; đề nghị dùng --output để ghi tệp mẫu vào "
                          "một thư mục khác, ví dụ: python process.py sample --output thu_mau")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    units = registry.submitters
    if registry.two_tier:
        # One clear leader; two communes of one cluster tied at its first place, for the council to decide.
        scores = [round(rng.uniform(70, 95), 1) for _ in units]
        scores[0] = 98.0
        tied = [i for i, u in enumerate(units) if u.cluster and u.cluster == units[len(units) // 4].cluster][:2]
        for i in tied:
            scores[i] = 96.5
        books = [_commune_book(unit, i, config, rng, scores[i]) for i, unit in enumerate(units)]
    else:
        scores = [(94.5 - 1.5 * i) for i in range(len(units))]
        rng.shuffle(scores)
        books = [_district_book(unit, i, registry, config, rng, 96.5, scores[i]) for i, unit in enumerate(units)]
    for unit, (info, tables) in zip(units, books, strict=True):
        path = folder / f"{safe_filename(unit.short_name)} - Báo cáo thi đua {config.year}.xlsx"
        written.append(write_workbook(path, config, info, tables, two_tier=registry.two_tier))
    info, tables = _province_book(registry, config, rng, scores)
    path = folder / f"{safe_filename(registry.province.short_name)} - Báo cáo thi đua {config.year}.xlsx"
    written.append(write_workbook(path, config, info, tables, appraisal=True, two_tier=registry.two_tier))
    # Files an earlier sample wrote under other names (another year, another registry) stay its own.
    files = {p.relative_to(folder).as_posix(): _digest(p) for p in list_inputs(folder)}
    (folder / MANIFEST).write_text(json.dumps({"files": files}, ensure_ascii=False, indent=1), encoding="utf-8")
    return written
