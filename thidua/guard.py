"""A look at an untrusted file before any library parses it.

Spreadsheets arrive by e-mail from many hands. Before python-calamine opens one we check, without trusting
anything the file says about itself: that a zip does not inflate past a limit (zip bombs), that no XML part
declares a DTD or entities (billion laughs, external entities), that an encrypted workbook is recognised as
such, and how far apart its cells really lie (calamine allocates the whole rectangle between the first and
last cell, so one stray cell at row 1,048,576 would exhaust memory). Formulas saved without a value are
noted, since a reader sees only their empty cell.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from xlsxwriter.utility import xl_cell_to_rowcol

from .config import Limits
from .text import money

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20
_ROW = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,7})"')
_WIDE_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{2,3})([0-9]{1,7})"')
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>[^<]+</v>")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


class Refused(Exception):
    """The file must not be opened; `code` is an issue code, `reason` Vietnamese."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class Scan:
    macros: bool = False
    oversized: dict[str, tuple[int, int]] = field(default_factory=dict)  # sheet name -> (rows, columns) spanned
    formulas_without_value: dict[str, list[str]] = field(default_factory=dict)  # sheet name -> cells


def column_number(letters: bytes | str) -> int:
    """b"AA" -> 27: the 1-based column of a cell reference's letters."""
    text = letters if isinstance(letters, str) else letters.decode("ascii")
    return xl_cell_to_rowcol(f"{text}1")[1] + 1


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Zip part of each worksheet -> its name, read with defusedxml from workbook.xml and its relationships."""
    try:
        book = SafeET.fromstring(zf.read("xl/workbook.xml"))
        rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    except DefusedXmlException as exc:
        raise Refused("file-unsafe", "mục lục của tệp có khai báo DTD/ENTITY, không có trong tệp Excel bình thường"
                      ) from exc
    except SafeET.ParseError as exc:
        raise Refused("file-unreadable", "tệp bị hỏng hoặc không phải tệp Excel thật") from exc
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", NS)}
    parts = {}
    for sheet in book.iterfind("m:sheets/m:sheet", NS):
        target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[str(PurePosixPath(path))] = sheet.get("name", "")
    return parts


def _scan_sheet_chunk(data: bytes, box: list[int], missing: list[str]) -> None:
    """Widen the sheet's bounding box [first row, last row, last column] and note formulas without a value.

    Rows come from the <row r="..."> tags (ordered, so the first and last of a chunk suffice); columns only
    need a look where a cell reference has two or more letters, which narrow sheets never have."""
    first = _ROW.search(data)
    if first:
        box[0] = min(box[0], int(first.group(1)))
        last = _ROW.search(data, data.rfind(b"<row "))
        if last:
            box[1] = max(box[1], int(last.group(1)))
    for m in _WIDE_REF.finditer(data):
        box[2] = max(box[2], column_number(m.group(1)))
        box[1] = max(box[1], int(m.group(2)))
    if b"<f" in data:
        for m in _CELL.finditer(data):
            inner = m.group(2) or b""
            if b"<f" in inner and not _VALUE.search(inner) and b"<is>" not in inner:
                ref = _REF.search(m.group(1))
                if ref:
                    missing.append(ref.group(1).decode("ascii"))


def scan(path: Path, limits: Limits = Limits()) -> Scan:
    """Raise Refused for a file that must not be opened; otherwise say what the reader should know."""
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_file_mb * 2**20:
        raise Refused("file-too-large", f"tệp nặng {size / 2**20:.0f} MB, quá giới hạn {limits.max_file_mb} MB")
    with path.open("rb") as fh:
        head = fh.read(8)
        fh.seek(0)
        if head == OLE_MAGIC:
            body = fh.read(min(size, 4 * _CHUNK))
            if "EncryptedPackage".encode("utf-16-le") in body or "EncryptionInfo".encode("utf-16-le") in body:
                raise Refused("file-protected", "tệp được đặt mật khẩu")
            return Scan()  # an Excel 97-2003 workbook: calamine reads it
    if head[:4] != ZIP_MAGIC:
        return Scan()  # not a zip: let the reader say what it is
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise Refused("file-unreadable", "tệp bị hỏng hoặc không phải tệp Excel thật") from exc
    with zf:
        return _scan_zip(zf, limits)


def _scan_zip(zf: zipfile.ZipFile, limits: Limits) -> Scan:
    result = Scan()
    budget = limits.max_inflated_mb * 2**20
    infos = zf.infolist()
    declared = sum(i.file_size for i in infos)
    if declared > budget:
        raise Refused("file-unsafe", f"tệp khai báo giải nén ra {declared / 2**20:.0f} MB, quá giới hạn "
                                     f"{limits.max_inflated_mb} MB (có thể là \"bom nén\")")
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio and info.file_size > _CHUNK:
            raise Refused("file-unsafe", f"phần \"{info.filename}\" nén bất thường (tỉ lệ "
                                         f"{info.file_size // max(info.compress_size, 1)}:1, có thể là \"bom nén\")")
    names = sheet_parts(zf) if "xl/workbook.xml" in zf.namelist() else {}
    result.macros = any(i.filename.lower().endswith("vbaproject.bin") for i in infos)
    inflated = 0
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        sheet = names.get(info.filename)
        box = [10**9, 0, 26]  # first row, last row, last column (any of A..Z is as cheap as Z)
        rows = 0  # <row> elements: the rows the sheet really holds, however far apart
        missing: list[str] = []
        carry = b""
        first = True
        try:
            with zf.open(info) as part:
                while chunk := part.read(_CHUNK):
                    inflated += len(chunk)
                    if inflated > budget:
                        raise Refused("file-unsafe", f"tệp giải nén ra hơn {limits.max_inflated_mb} MB "
                                                     "(có thể là \"bom nén\")")
                    if first and _DTD.search(chunk[:65536]):
                        raise Refused("file-unsafe", f"phần \"{info.filename}\" có khai báo DTD/ENTITY, "
                                                     "không có trong tệp Excel bình thường")
                    first = False
                    if sheet is not None:
                        data = carry + chunk
                        cut = data.rfind(b"</c>")
                        cut = data.rfind(b"/>") if cut < 0 else cut + 4
                        cut = len(data) if cut < 0 else cut
                        _scan_sheet_chunk(data[:cut], box, missing)
                        rows += data.count(b"<row ", 0, cut) + data.count(b"<row>", 0, cut)
                        carry = data[cut:]
                        if rows > limits.max_data_rows:
                            raise Refused("file-too-large", f"trang \"{sheet}\" có {money(rows)} dòng trở lên, quá "
                                          f"giới hạn {money(limits.max_data_rows)} dòng")
            if carry:
                _scan_sheet_chunk(carry, box, missing)
                rows += carry.count(b"<row ") + carry.count(b"<row>")
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise Refused("file-unreadable", "tệp bị hỏng hoặc không phải tệp Excel thật") from exc
        if sheet is None:
            continue
        if rows > limits.max_data_rows:
            raise Refused("file-too-large", f"trang \"{sheet}\" có {money(rows)} dòng, quá giới hạn "
                          f"{money(limits.max_data_rows)} dòng")
        if box[1]:
            rows, cols = box[1] - box[0] + 1, box[2]
            if rows * cols > limits.max_cells or cols > limits.max_columns:
                result.oversized[sheet] = (box[1], box[2])
        if missing:
            result.formulas_without_value[sheet] = missing
    return result
