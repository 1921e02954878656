"""A province's registry from the official list of provinces and communes since 1 July 2025.

The list is the PyPI package vietnam-provinces (names and GSO codes). The office fills in what no list can
know: each commune's number of Ban công tác Mặt trận, its e-mail and its emulation cluster.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path

from .errors import ThiduaError
from .registry import CLUSTER, COLUMNS
from .terms import FRONT, PLACE_TYPES, in_sentence
from .text import strip_diacritics

_PREFIXES = ("thanh pho truc thuoc trung uong ", "thanh pho ", "tp. ", "tp ", "tinh ")


@dataclass(frozen=True)
class Division:
    code: str  # GSO code as text: "92", "31135"
    name: str  # "Thành phố Cần Thơ", "Phường Ninh Kiều"
    kind: str  # "tỉnh", "thành phố trung ương", "xã", "phường", "đặc khu"

    @property
    def place(self) -> str:
        """The name as a committee's name ends: 'thành phố Cần Thơ', 'tỉnh Cao Bằng', 'phường Ninh Kiều'."""
        if self.kind == "tỉnh" and not self.name.casefold().startswith("tỉnh"):
            return f"tỉnh {self.name}"
        return in_sentence(self.name)


# The 29 provinces merged into others on 1 July 2025 (Nghị quyết số 202/2025/QH15 của Quốc hội về việc sắp xếp
# đơn vị hành chính cấp tỉnh): 63 provinces became 34. vietnam-provinces lists only the new map, so the old
# names live here, each with the name of the province it merged into as that list spells it.
MERGED_INTO: dict[str, str] = {
    "Hà Giang": "Tuyên Quang", "Yên Bái": "Lào Cai", "Bắc Kạn": "Thái Nguyên", "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ", "Bắc Giang": "Bắc Ninh", "Thái Bình": "Hưng Yên", "Hải Dương": "Thành phố Hải Phòng",
    "Hà Nam": "Ninh Bình", "Nam Định": "Ninh Bình", "Quảng Bình": "Quảng Trị", "Quảng Nam": "Thành phố Đà Nẵng",
    "Kon Tum": "Quảng Ngãi", "Bình Định": "Gia Lai", "Ninh Thuận": "Khánh Hòa", "Phú Yên": "Đắk Lắk",
    "Đắk Nông": "Lâm Đồng", "Bình Thuận": "Lâm Đồng", "Bình Dương": "Thành phố Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "Thành phố Hồ Chí Minh", "Bình Phước": "Đồng Nai", "Long An": "Tây Ninh",
    "Tiền Giang": "Đồng Tháp", "Bến Tre": "Vĩnh Long", "Trà Vinh": "Vĩnh Long", "Hậu Giang": "Thành phố Cần Thơ",
    "Sóc Trăng": "Thành phố Cần Thơ", "Bạc Liêu": "Cà Mau", "Kiên Giang": "An Giang",
}


def _key(name: str) -> str:
    key = " ".join(strip_diacritics(name).casefold().replace(".", ". ").split())
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def _merged_key(name: str) -> str:
    return " ".join(_key(name).replace("-", " ").split())


def proper_name(name: str) -> str:
    """'Xã Đắk song' -> 'Xã Đắk Song': the official list has a few names with a word in small letters, and an
    official writes every word of a place's proper name with its capital. The place type ('Xã', 'Đặc khu') and
    the rest of each word stay as written."""
    name = " ".join(name.split())
    kind = next((k for k in PLACE_TYPES if name.casefold().startswith(k.casefold() + " ")), "")
    head, rest = name[:len(kind)], name[len(kind):]
    return head + " ".join(word[:1].upper() + word[1:] for word in rest.split(" "))


def provinces() -> list[Division]:
    from vietnam_provinces import Province

    return [Division(f"{int(p.code):02d}", " ".join(p.name.split()), p.division_type.value) for p in Province.iter_all()]


def find_province(name: str) -> Division:
    """The province or centrally-run city named `name`, with or without diacritics, "TP", "Thành phố", "tỉnh"."""
    everyone = provinces()
    wanted = _key(name)
    for division in everyone:
        if _key(division.name) == wanted:
            return division
    merged = {_merged_key(old): (old, new) for old, new in MERGED_INTO.items()}
    if _merged_key(name) in merged:
        old, new = merged[_merged_key(name)]
        raise ThiduaError(f"Tỉnh {old} đã được sắp xếp vào {new if new.startswith('Thành phố') else 'tỉnh ' + new} từ ngày "
                          f"01/7/2025 (Nghị quyết số 202/2025/QH15 của Quốc hội). Đề nghị chạy: python process.py "
                          f"registry \"{new.removeprefix('Thành phố ')}\".")
    names = {_key(d.name): d.name for d in everyone}
    close = [names[k] for k in difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)]
    hint = f" Tên gần giống: {', '.join(close)}." if close else f" Các tỉnh, thành phố: {', '.join(sorted(names.values()))}."
    raise ThiduaError(f"Không tìm thấy tỉnh, thành phố \"{name}\" trong danh mục từ ngày 01/7/2025.{hint}")


def communes(province: Division) -> list[Division]:
    from vietnam_provinces import ProvinceCode, Ward

    # The list has a few doubled spaces ("Xã  Phú Hữu"): names are written as a clerk would type them.
    found = [Division(f"{int(w.code):05d}", proper_name(w.name), w.division_type.value)
             for w in Ward.iter_by_province(ProvinceCode(int(province.code)))]
    return sorted(found, key=lambda d: d.code)


def registry_rows(province: Division) -> list[dict[str, str]]:
    """The province and every commune, as registry rows; counts, e-mails and clusters left blank."""
    blank = dict.fromkeys([*COLUMNS, CLUSTER], "")
    rows = [{**blank, "ma_don_vi": province.code, "ten_don_vi": f"{FRONT} {province.place}", "cap": "tinh"}]
    rows += [{**blank, "ma_don_vi": c.code, "ten_don_vi": f"{FRONT} {c.place}", "cap": "xa",
              "ma_cap_tren": province.code} for c in communes(province)]
    return rows


def write_registry(rows: list[dict[str, str]], path: Path) -> Path:
    """UTF-8 with a byte-order mark, so that Excel on Windows opens the Vietnamese names correctly."""
    path = Path(path)
    if path.exists():
        raise ThiduaError(f"Tệp {path} đã có; không ghi đè. Đề nghị chọn tên khác bằng --output.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*COLUMNS, CLUSTER])
        writer.writeheader()
        writer.writerows(rows)
    return path
