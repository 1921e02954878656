"""Refresh requirements.lock and requirements-dev.lock from the ranges in requirements*.txt.

    python -m venv .venv-lock && .venv-lock/bin/pip install uv          (once; any venv with uv will do)
    .venv-lock/bin/python scripts/refresh_locks.py                      (keep today's pins, add or drop what changed)
    .venv-lock/bin/python scripts/refresh_locks.py --upgrade            (every pin to the newest allowed version)

uv resolves once for every platform (--universal), so the lock keeps the markers a Windows office needs
(colorama for tqdm on Windows only; pyicu-wheels only where a wheel is published); pip-compile and pip freeze
only see the machine they run on. The dev lock is constrained by the runtime lock, so tests run on exactly the
versions users install. Afterwards: python scripts/check_wheels.py (every pin has a wheel for the users' PCs).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMON = ["--universal", "--python-version", "3.11", "--quiet",
          "--custom-compile-command", "python scripts/refresh_locks.py"]


def commands(upgrade: bool) -> list[list[str]]:
    """Without --upgrade, uv keeps every pin the current lock has (a new range or package is still resolved)."""
    again = ["--upgrade"] if upgrade else []
    uv = [sys.executable, "-m", "uv", "pip", "compile", *COMMON, *again]
    return [[*uv, "requirements.txt", "-o", "requirements.lock"],
            [*uv, "-c", "requirements.lock", "requirements-dev.txt", "-o", "requirements-dev.lock"]]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Cập nhật requirements.lock và requirements-dev.lock")
    parser.add_argument("--upgrade", action="store_true", help="đưa mọi thư viện lên bản mới nhất trong khoảng cho phép")
    for command in commands(parser.parse_args().upgrade):
        subprocess.run(command, cwd=ROOT, check=True)
    print("Đã cập nhật requirements.lock và requirements-dev.lock. Chạy kiểm thử trước khi commit.")
