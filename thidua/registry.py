"""The province's own list of submitting units: the source of every unit count used for quotas."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import RegistryError
from .text import cap_first, clean, parse_mark, strip_diacritics

COLUMNS = ("ma_don_vi", "ten_don_vi", "cap", "ma_cap_tren", "so_don_vi_cap_xa", "so_ban_cong_tac_mat_tran", "email")
# Optional: "có văn bản đăng ký thi đua" (plan VIII.2) and the plan's priority areas (VII: "vùng có đông đồng bào
# dân tộc thiểu số, vùng sâu, vùng xa"), each marked x / có / 1. Without the column, nothing is known or warned.
REGISTERED, PRIORITY_AREA = "da_dang_ky", "vung_uu_tien"
CAPS = ("tinh", "huyen", "xa")
CLUSTER = "cum_thi_dua"  # optional: the emulation cluster (cụm thi đua) of a submitting unit
_PREFIXES = ("Ủy ban MTTQ Việt Nam ", "Ủy ban Mặt trận Tổ quốc Việt Nam ", "UBMTTQ ", "MTTQ ")
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def address_problem(address: str) -> str:
    """Why an e-mail address cannot be used, in Vietnamese ("" when it can). Without SMTPUTF8, which few
    provincial servers offer, a letter with a diacritic (typed with Unikey on) makes the address undeliverable."""
    if not address:
        return "chưa có địa chỉ email"
    marked = "".join(dict.fromkeys(c for c in address if not c.isascii()))
    if marked:
        return (f"địa chỉ email \"{address}\" có chữ có dấu (\"{marked}\"), thường do gõ khi đang bật bộ gõ tiếng Việt; "
                "máy chủ thư không nhận địa chỉ như vậy")
    if not _ADDRESS.match(address):
        return f"địa chỉ email \"{address}\" không hợp lệ"
    return ""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    cap: str
    parent: str
    communes: int | None
    bctmt: int | None
    email: str
    registered: bool | None = None  # None: the registry does not say
    priority_area: bool = False
    cluster: str = ""  # cụm thi đua; blank: none
    line: int = field(default=0, compare=False)  # the registry row, for messages (0: not from a file)

    @property
    def short_name(self) -> str:
        """'Ủy ban MTTQ Việt Nam huyện Kế Sách' -> 'Huyện Kế Sách', for file names and lists."""
        name = self.name
        for prefix in _PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix):]
                break
        return cap_first(name)

    def count(self, source: str) -> int:
        """The unit's own count of communes or Ban công tác Mặt trận. A submitting commune is one commune."""
        if source == "communes":
            return 1 if self.cap == "xa" else (self.communes or 0)
        return self.bctmt or 0


@dataclass(frozen=True)
class Commune:
    district: str
    name: str
    unit_type: str


@dataclass(frozen=True)
class Registry:
    units: tuple[Unit, ...]
    communes: tuple[Commune, ...] = ()

    @cached_property
    def _by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def _communes_by_district(self) -> dict[str, tuple[Commune, ...]]:
        grouped: dict[str, list[Commune]] = {}
        for commune in self.communes:
            grouped.setdefault(commune.district, []).append(commune)
        return {k: tuple(v) for k, v in grouped.items()}

    def get(self, code: str) -> Unit | None:
        return self._by_code.get(code)

    @property
    def province(self) -> Unit:
        return next(u for u in self.units if u.cap == "tinh")

    @property
    def districts(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.cap == "huyen")

    @cached_property
    def submitters(self) -> tuple[Unit, ...]:
        """The units below the province that send a workbook: districts (2023) or communes (since 2025)."""
        return tuple(u for u in self.units if u.cap != "tinh")

    @property
    def two_tier(self) -> bool:
        """Communes submit directly to the province (the map since 1 July 2025)."""
        return any(u.cap == "xa" for u in self.units)

    @property
    def submitter_level(self) -> str:
        """The level of the submitting units, which is also the ranking of their committees."""
        return "xa" if self.two_tier else "huyen"

    @cached_property
    def clusters(self) -> dict[str, tuple[Unit, ...]]:
        """Cluster name -> its submitting units, in registry order (no entry for units without a cluster)."""
        grouped: dict[str, list[Unit]] = {}
        for unit in self.submitters:
            if unit.cluster:
                grouped.setdefault(unit.cluster, []).append(unit)
        return {name: tuple(units) for name, units in grouped.items()}

    def total(self, source: str, units: tuple[Unit, ...] | None = None) -> int:
        """Communes or BCTMT counted over `units` (all submitting units when None), from the registry."""
        return sum(u.count(source) for u in (self.submitters if units is None else units))

    def cluster_of(self, code: str) -> str:
        unit = self.get(code)
        return unit.cluster if unit else ""

    def communes_of(self, district: str) -> tuple[Commune, ...]:
        return self._communes_by_district.get(district, ())


def _count(row: dict, key: str, line: int, required: bool) -> int | None:
    text = clean(row.get(key))
    if not text:
        if required:
            raise RegistryError(f"Danh sách đơn vị, dòng {line}: đơn vị cấp huyện phải ghi \"{key}\".")
        return None
    # "1³" and "١٢" pass isdigit() but are no count a clerk meant; nine digits are more than any province has.
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise RegistryError(f"Danh sách đơn vị, dòng {line}: \"{key}\" = \"{text}\" không phải số nguyên.")
    return int(text)


def parse_registry(rows: list[dict], source: str = "danh sách đơn vị") -> tuple[Unit, ...]:
    """Validate registry rows (dicts keyed by COLUMNS); line numbers count the header as line 1."""
    units: list[Unit] = []
    seen: dict[str, int] = {}
    lines: dict[str, int] = {}
    problems: list[str] = []  # every bad row at once: a clerk should not need a run per row
    for line, row in enumerate(rows, start=2):
        try:
            unit = _unit(row, line, seen, source)
        except RegistryError as exc:
            problems.append(str(exc))
            continue
        if unit is not None:
            seen[unit.code] = lines[unit.code] = line
            units.append(unit)
    raise_all(problems, source)
    if sum(u.cap == "tinh" for u in units) != 1:
        raise RegistryError(f"{source}: phải có đúng một đơn vị cấp tỉnh (cap = tinh).")
    _one_map(units, lines, source)
    return tuple(units)


def raise_all(problems: list[str], source: str, advice: str = "") -> None:
    """One error naming every problem found, then what to do (nothing when there is no problem)."""
    tail = f" {advice}" if advice else ""
    if len(problems) == 1:
        raise RegistryError(problems[0] + tail)
    if problems:
        raise RegistryError(f"{source} có {len(problems)} chỗ cần sửa:\n" + "\n".join(f"  - {p}" for p in problems)
                            + (f"\n{advice}" if advice else ""))


def _unit(row: dict, line: int, seen: dict[str, int], source: str) -> Unit | None:
    """One registry row as a unit (None for a blank row); a bad row raises RegistryError naming its line."""
    code = clean(row.get("ma_don_vi"))
    if not code and not any(clean(v) for v in row.values()):
        return None
    if not code:
        raise RegistryError(f"{source}, dòng {line}: thiếu \"ma_don_vi\".")
    if code in seen:
        raise RegistryError(f"{source}, dòng {line}: mã đơn vị \"{code}\" trùng với dòng {seen[code]}.")
    cap = clean(row.get("cap"))
    if cap not in CAPS:
        raise RegistryError(f"{source}, dòng {line}: \"cap\" = \"{cap}\" không hợp lệ; chọn \"tinh\", \"huyen\" "
                            "hoặc \"xa\".")
    if cap == "xa" and clean(row.get("so_don_vi_cap_xa")):
        raise RegistryError(f"{source}, dòng {line}: đơn vị cấp xã để trống \"so_don_vi_cap_xa\".")
    return Unit(
        code=code, name=clean(row.get("ten_don_vi")) or code, cap=cap, parent=clean(row.get("ma_cap_tren")),
        communes=_count(row, "so_don_vi_cap_xa", line, cap == "huyen"),
        bctmt=_count(row, "so_ban_cong_tac_mat_tran", line, cap in ("huyen", "xa")),
        email=clean(row.get("email")),
        registered=parse_mark(row[REGISTERED]) if REGISTERED in row else None,
        priority_area=parse_mark(row.get(PRIORITY_AREA)),
        cluster=clean(row.get(CLUSTER)),
        line=line,
    )


def _one_map(units: list[Unit], lines: dict[str, int], source: str) -> None:
    """Districts (2023) or communes (since 2025) submit, never both: the rules of the two maps differ."""
    province = next(u for u in units if u.cap == "tinh")
    submitters = [u for u in units if u.cap != "tinh"]
    if not submitters:
        return
    first = submitters[0]
    for unit in submitters:
        if unit.cap != first.cap:
            raise RegistryError(
                f"{source}, dòng {lines[unit.code]}: \"{unit.name}\" là đơn vị cấp {'xã' if unit.cap == 'xa' else 'huyện'}, "
                f"trong khi dòng {lines[first.code]} là đơn vị cấp {'xã' if first.cap == 'xa' else 'huyện'}. Danh sách "
                "chỉ gồm tỉnh và các huyện (trước năm 2025) hoặc tỉnh và các xã, phường (từ năm 2025), không trộn hai loại.")
        if unit.parent and unit.parent != province.code:
            raise RegistryError(f"{source}, dòng {lines[unit.code]}: \"ma_cap_tren\" = \"{unit.parent}\" phải là mã "
                                f"của tỉnh ({province.code}).")


# "Cụm thi đua số 05", "cụm số 5", "Cum 5" all mean the fifth cluster: the words and the zeros say nothing.
_CLUSTER_WORDS = re.compile(r"\b(cum|thi dua|so)\b")


def _cluster_key(name: str) -> str:
    key = _CLUSTER_WORDS.sub(" ", strip_diacritics(clean(name)).casefold())
    key = re.sub(r"\d+", lambda m: str(int(m.group())), key)
    return " ".join(key.replace(".", " ").replace(":", " ").split())


def same_cluster(a: str, b: str) -> bool:
    """Whether two spellings name one cluster ("Cụm thi đua số 02" and "cụm 2")."""
    return _cluster_key(a) == _cluster_key(b)


def closest_cluster(name: str, declared: tuple[str, ...]) -> str | None:
    """The declared cluster a typed name most likely means: the same number and words, else the nearest spelling."""
    keys = {_cluster_key(d): d for d in declared}
    wanted = _cluster_key(name)
    if wanted in keys:
        return keys[wanted]
    close = difflib.get_close_matches(wanted, list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


def check_clusters(registry: Registry, declared: tuple[str, ...], source: str = "Danh sách đơn vị",
                   config_name: str = "config.toml") -> None:
    """Every submitting unit names a declared cluster: a typo would otherwise make a cluster of its own and
    change every pooled quota (issue 20). Called only when some line is counted per cluster. Every unit that
    does not is named in one error."""
    listed = ", ".join(f"\"{d}\"" for d in declared)
    problems: list[str] = []
    for unit in registry.submitters:
        if unit.cluster in declared:
            continue
        where = f"{source}, dòng {unit.line}" if unit.line else source
        if not unit.cluster:
            problems.append(f"{where}: \"{unit.name}\" chưa ghi cụm thi đua (cột \"{CLUSTER}\").")
            continue
        near = closest_cluster(unit.cluster, declared)
        hint = f" Có phải là \"{near}\"?" if near else ""
        problems.append(f"{where}: \"{unit.name}\" ghi cụm thi đua \"{unit.cluster}\", không có trong các cụm đã "
                        f"khai báo.{hint}")
    raise_all(problems, source, f"Đề nghị ghi một trong các cụm đã khai báo trong {config_name} (map.clusters): "
                                f"{listed}.")


def _rows_from_xlsx(path: Path) -> tuple[list[str], list[dict]]:
    """The first sheet of a workbook holding the registry's columns (header on its first row)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if rows and set(COLUMNS) <= {clean(v) for v in rows[0]}:
                header = [clean(v) for v in rows[0]]
                return header, [dict(zip(header, (clean(v) for v in row))) for row in rows[1:]]
        return [clean(v) for v in (book.get_sheet_by_name(book.sheet_names[0]).to_python()[:1] or [[]])[0]], []
    finally:
        book.close()


def load_registry(path: Path, communes_path: Path | None = None) -> Registry:
    """The registry from a UTF-8 CSV file, or from a sheet of an .xlsx workbook with the same columns."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
            header, rows = _xlsx_or_error(path)
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                header, rows = list(reader.fieldnames or []), list(reader)
    except FileNotFoundError as exc:
        raise RegistryError(f"Không tìm thấy danh sách đơn vị {path}.") from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(f"Danh sách đơn vị {path} phải được lưu dạng UTF-8 (CSV UTF-8).") from exc
    except (OSError, ValueError) as exc:
        raise RegistryError(f"Không đọc được danh sách đơn vị {path}: {exc}.") from exc
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RegistryError(f"Danh sách đơn vị {path} thiếu cột: {', '.join(missing)}.")
    units = parse_registry(rows, f"Danh sách đơn vị {path.name}")
    communes: tuple[Commune, ...] = ()
    if communes_path is not None and Path(communes_path).is_file():
        communes = _communes(Path(communes_path))
    return Registry(units, communes)


def _xlsx_or_error(path: Path) -> tuple[list[str], list[dict]]:
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        return _rows_from_xlsx(path)
    except OSError:
        raise
    except Exception as exc:  # the reader's own errors (a damaged zip, a sheet it cannot parse) have no common base
        raise RegistryError(f"Không đọc được danh sách đơn vị {path}: tệp bị hỏng hoặc không phải bảng tính Excel "
                            f"({exc}). Đề nghị mở tệp bằng Excel, lưu lại dưới dạng .xlsx hoặc CSV UTF-8.") from exc


def _communes(path: Path) -> tuple[Commune, ...]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return tuple(
                Commune(clean(r.get("ma_huyen")), clean(r.get("ten_don_vi")), clean(r.get("loai")) or "Xã")
                for r in csv.DictReader(fh) if clean(r.get("ten_don_vi"))
            )
    except UnicodeDecodeError as exc:
        raise RegistryError(f"Danh sách xã, phường {path} (paths.communes) phải được lưu dạng UTF-8 (CSV UTF-8).") from exc
    except (OSError, csv.Error) as exc:
        raise RegistryError(f"Không đọc được danh sách xã, phường {path} (paths.communes): "
                            f"{getattr(exc, 'strerror', None) or exc}.") from exc
