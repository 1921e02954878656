"""Render Word documents to PDF and PNG pages to look at them as a user will (LibreOffice + pdftoppm).

    python scripts/render_preview.py output/<run>/VanBan [--pages 2] [--dpi 60]

Optional: needs LibreOffice (soffice) and pdftoppm (poppler) on the PATH; says so and stops if absent.
Writes <name>.pdf and <name>-<page>.png beside each .docx in a folder "XemTruoc".
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path


def tools() -> tuple[str, str] | None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    return (office, pdftoppm) if office and pdftoppm else None


def render(folder: Path, pages: int = 2, dpi: int = 60) -> list[Path]:
    found = tools()
    if found is None:
        raise RuntimeError("Cần LibreOffice (soffice) và pdftoppm để xem trước văn bản.")
    office, pdftoppm = found
    out = folder / "XemTruoc"
    out.mkdir(exist_ok=True)
    docs = sorted(folder.glob("*.docx"))
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, docs)],
                   check=True, capture_output=True, timeout=600)
    images: list[Path] = []
    for pdf in sorted(out.glob("*.pdf")):
        prefix = out / pdf.stem
        subprocess.run([pdftoppm, "-r", str(dpi), "-png", "-f", "1", "-l", str(pages), str(pdf), str(prefix)],
                       check=True, capture_output=True, timeout=120)
        images += sorted(out.glob(f"{pdf.stem}-*.png"))
    return images


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    try:
        for image in render(args.folder, args.pages, args.dpi):
            print(image)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
