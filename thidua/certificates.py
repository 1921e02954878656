"""Bằng khen printed on the province's pre-printed blanks (phôi): each field at its configured place, in mm.

The layout is pure (text, boxes and a width function in, lines with their positions out); only `write_*` draw it,
with fpdf2 into a PDF that embeds Liberation Serif (metrics of Times New Roman, every Vietnamese diacritic), so
the page prints the same from any PDF reader on any machine.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import terms
from .config import CERTIFICATE_FIELDS, CertificateField, CertificateSettings, Config
from .docx_report import vietnamese_date
from .errors import ConfigError, OutputError, RegisterError
from .names import CALIBRATION_FILE, CERTIFICATES_DIR, certificates_file_name
from .register import Entry, in_force, parse_number

PT = 25.4 / 72  # one point in millimetres
LEADING = 1.2  # a line's height, in font sizes
BASELINE = 0.8  # where a line's baseline sits, as a share of the line's height from its top
SHRINK_STEP = 0.5  # points
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "LiberationSerif"
FONT_FILES = {"": "LiberationSerif-Regular.ttf", "B": "LiberationSerif-Bold.ttf"}

TITLES = {"Nam": "Ông", "Nữ": "Bà"}  # how a Bằng khen names a person

Measure = Callable[[str, float, bool], float]  # (text, size in points, bold) -> width in mm


@dataclass(frozen=True)
class Line:
    text: str
    x: float  # where the text starts, mm from the paper's left edge
    baseline: float  # mm from the paper's top edge


@dataclass(frozen=True)
class Placed:
    """One field's text as it will be printed: its lines, the font size it needed and whether it had to be cut."""

    field: str
    lines: tuple[Line, ...]
    size: float
    bold: bool
    cut: bool = False


def box_of(box: CertificateField, offset: tuple[float, float]) -> tuple[float, float, float, float]:
    """x, y, width, height of a field's box on paper, the printer's offset added."""
    return box.x + offset[0], box.y + offset[1], box.width, box.height


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap; a line break in the text is kept, a word wider than the box is split by characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}" if line else word
            if measure(trial) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            line = ""
            for char in word:
                if line and measure(line + char) > width:
                    lines.append(line)
                    line = ""
                line += char
        lines.append(line)
    return lines


def place(name: str, text: str, box: CertificateField, offset: tuple[float, float], min_size: float,
          measure: Measure) -> Placed:
    """A field's text inside its box: wrapped to the width, the font made smaller step by step until the lines fit
    the height. Text that does not fit even at `min_size` is cut (and said so): it never runs off the box."""
    x, y, width, height = box_of(box, offset)
    text = unicodedata.normalize("NFC", text.strip())
    size = box.size
    while True:
        lines = wrap(text, width, partial(_at, measure, size, box.bold))
        line_height = size * PT * LEADING
        fits = len(lines) * line_height <= height + 1e-6
        if fits or size - SHRINK_STEP < min_size:
            break
        size -= SHRINK_STEP
    room = max(1, int((height + 1e-6) // line_height))
    cut = len(lines) > room
    if cut:
        lines = lines[:room]
        last = lines[-1]
        while last and measure(last + "…", size, box.bold) > width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    placed = []
    for i, line in enumerate(lines):
        spare = width - measure(line, size, box.bold)
        left = x + {"left": 0.0, "right": spare, "center": spare / 2}[box.align]
        placed.append(Line(line, left, y + (i + BASELINE) * line_height))
    return Placed(name, tuple(placed), size, box.bold, cut)


def _at(measure: Measure, size: float, bold: bool, text: str) -> float:
    return measure(text, size, bold)


def entry_texts(entry: Entry, settings: CertificateSettings) -> dict[str, str]:
    """What each field of one Bằng khen says."""
    revoked = f" (thu hồi số vào sổ {entry.revokes})" if entry.revokes is not None else ""
    signer = settings.signer(entry.issuer)
    return {
        "recipient": f"{TITLES[entry.gender]} {entry.recipient}" if entry.gender in TITLES else entry.recipient,
        "unit": entry.detail,
        "achievement": entry.achievement,
        "decision": f"Số quyết định {entry.decision_number} ngày {entry.decision_date:%d/%m/%Y}",
        "register": f"Số vào sổ: {entry.number}{revoked}",
        "place_date": vietnamese_date(entry.decision_date, signer.place),
        "signer_title": signer.title,
        "signer_name": signer.name,
    }


def layout(texts: dict[str, str], settings: CertificateSettings, measure: Measure) -> list[Placed]:
    return [place(name, texts.get(name, ""), settings.fields[name], settings.offset, settings.min_size, measure)
            for name in CERTIFICATE_FIELDS]


# ---------------------------------------------------------------- drawing (fpdf2)

def _pdf(settings: CertificateSettings):
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format=settings.paper)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creator("thidua")
    for style, file in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, FONT_DIR / file)
    return pdf


def _measure(pdf) -> Measure:
    def width(text: str, size: float, bold: bool) -> float:
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        return float(pdf.get_string_width(text))
    return width


def _draw(pdf, placed: Iterable[Placed]) -> None:
    for field in placed:
        pdf.set_font(FONT_FAMILY, "B" if field.bold else "", field.size)
        for line in field.lines:
            if line.text:
                pdf.text(line.x, line.baseline, line.text)


def _save(pdf, path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.tmp")
        pdf.output(str(temp))
        temp.replace(path)
    except OSError as exc:
        raise OutputError(f"Không ghi được tệp {path}: {exc.strerror or exc}.") from exc
    return path


@dataclass(frozen=True)
class Printed:
    path: Path
    pages: int
    cut: tuple[tuple[int, str], ...]  # (register number, field) whose text had to be cut to fit its box


def off_paper(settings: CertificateSettings) -> list[str]:
    """The fields whose box, the offset added, does not lie wholly on the paper."""
    width, height = settings.paper
    found = []
    for name, box in settings.fields.items():
        x, y, w, h = box_of(box, settings.offset)
        if x < 0 or y < 0 or x + w > width or y + h > height:
            found.append(name)
    return found


def _check_on_paper(settings: CertificateSettings) -> None:
    """Refuse, rather than warn: a blank (phôi) printed with text cut at the edge is a numbered blank wasted, and a
    warning under a finished PDF is easily missed."""
    off = off_paper(settings)
    if off:
        names = ", ".join(f"\"{CERTIFICATE_FIELDS[k]}\"" for k in off)
        dx, dy = settings.offset
        raise ConfigError(f"Với độ lệch certificates.offset = [{dx:g}, {dy:g}] (mm), ô {names} nằm một phần ngoài "
                          f"tờ giấy {settings.paper[0]:g} x {settings.paper[1]:g} mm, chữ sẽ bị cắt ở mép giấy. "
                          "Đề nghị sửa offset hoặc vị trí ô trong config.toml (in trang căn chỉnh: python process.py "
                          "certificates --calibrate); chưa in trang nào.")


def write_certificates(entries: Sequence[Entry], settings: CertificateSettings, path: Path) -> Printed:
    """One page per register entry, in register order."""
    _check_on_paper(settings)
    pdf = _pdf(settings)
    measure = _measure(pdf)
    cut = []
    for entry in entries:
        pdf.add_page()
        placed = layout(entry_texts(entry, settings), settings, measure)
        cut += [(entry.number, CERTIFICATE_FIELDS[p.field]) for p in placed if p.cut]
        _draw(pdf, placed)
    return Printed(_save(pdf, path), len(entries), tuple(cut))


def write_calibration(settings: CertificateSettings, path: Path, today: dt.date | None = None) -> Path:
    """A page that outlines every field's box (offset included) and prints its name in it, with a millimetre
    ruler along the edges: printed on plain paper and laid on a blank, it shows where each field will fall."""
    pdf = _pdf(settings)
    pdf.add_page()
    width, height = settings.paper
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    pdf.set_font(FONT_FAMILY, "", 6)
    for mm in range(0, int(width) + 1, 5):
        tick = 4 if mm % 10 == 0 else 2
        pdf.line(mm, 0, mm, tick)
        if mm % 50 == 0 and mm:
            pdf.text(mm + 0.5, 6, str(mm))
    for mm in range(0, int(height) + 1, 5):
        tick = 4 if mm % 10 == 0 else 2
        pdf.line(0, mm, tick, mm)
        if mm % 50 == 0 and mm:
            pdf.text(5, mm + 2, str(mm))
    measure = _measure(pdf)
    for name, label in CERTIFICATE_FIELDS.items():
        box = settings.fields[name]
        x, y, w, h = box_of(box, settings.offset)
        pdf.set_draw_color(200, 0, 0)
        pdf.rect(x, y, w, h)
        caption = f"{label} ({name}) x={box.x:g} y={box.y:g} rộng={box.width:g} cao={box.height:g} cỡ={box.size:g}"
        size = min(8.0, max(4.0, h / PT / LEADING))
        _draw(pdf, [place(name, caption, CertificateField(box.x, box.y, w, h, size, False, "left"),
                          settings.offset, 4.0, measure)])
    dx, dy = settings.offset
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.text(10, height - 6, f"Trang căn chỉnh phôi Bằng khen, khổ {width:g} x {height:g} mm, độ lệch offset = "
                             f"[{dx:g}, {dy:g}] mm. Đặt lên phôi, soi đèn để so vị trí các ô.")
    return _save(pdf, path)


# ---------------------------------------------------------------- the command

# Cờ thi đua are flags, not printed on a Bằng khen blank: they are printed only when --award names them.
PRINTED_AWARDS = ("BK_MTTQ_TINH", "BK_UBND_TINH", "BK_TW_MTTQ")


def printable(entries: Sequence[Entry], decision: str | None, award: str | None) -> tuple[str, list[Entry]]:
    """The decision to print (the one named, or the latest recorded) and its entries still in force, in register
    order: revocations and revoked entries get no certificate."""
    issued = [e for e in entries if e.revokes is None]
    if decision is None:
        if not issued:
            raise RegisterError("Sổ theo dõi khen thưởng chưa có quyết định nào. Đề nghị ghi quyết định đã ký trước: "
                                "python process.py record-decision --number ... --date ...")
        decision = issued[-1].decision_number
    number = parse_number(decision)
    named = [e for e in issued if e.decision_number.casefold() == number.casefold()]
    # Numbers start again each year: the decision meant is the latest signed under that number.
    signed = max((e.decision_date.year for e in named), default=0)
    live = set(in_force(entries))
    chosen = [e for e in named if e.decision_date.year == signed and e in live
              and (e.award == award if award else e.award in PRINTED_AWARDS)]
    if not chosen:
        what = f" {terms.award_name(award)}" if award else " Bằng khen"
        raise RegisterError(f"Quyết định số {number} không có trường hợp{what} nào trong sổ theo dõi khen thưởng để in. "
                            "Đề nghị kiểm tra lại --decision, --award.")
    return number, chosen


def print_certificates(config: Config, award: str | None = None, decision: str | None = None) -> Printed:
    """`certificates`: one page per entry of the decision, into `In bằng khen/` of the output folder."""
    from .register_store import entries, open_ledger

    settings = _settings(config)
    with open_ledger(config) as ledger:
        recorded = entries(ledger)
    number, chosen = printable(recorded, decision, award)
    return write_certificates(chosen, settings, config.output_dir / CERTIFICATES_DIR
                              / certificates_file_name(number, award))


def print_calibration(config: Config) -> Path:
    return write_calibration(_settings(config), config.output_dir / CERTIFICATES_DIR / CALIBRATION_FILE)


def _settings(config: Config) -> CertificateSettings:
    if config.certificates is None:
        raise ConfigError(f"Cấu hình {config.path} chưa có mục [certificates] (khổ phôi Bằng khen và vị trí các ô). "
                          "Đề nghị chép mục [certificates] từ config.toml của công cụ rồi đo lại theo phôi của tỉnh.")
    return config.certificates
