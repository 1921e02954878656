"""Refresh requirements.lock and requirements-dev.lock from the ranges in requirements*.txt.

    pip install uv && python scripts/refresh_locks.py

uv resolves once for every platform (--universal), so the lock keeps the markers a Windows office needs
(PyICU off Windows, colorama for tqdm on Windows); pip-compile and pip freeze only see the machine they run on.
The dev lock is constrained by the runtime lock, so tests run on exactly the versions users install.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMON = ["--universal", "--python-version", "3.11", "--quiet",
          "--custom-compile-command", "python scripts/refresh_locks.py"]


def compile_lock(source: str, lock: str, *extra: str) -> None:
    subprocess.run([sys.executable, "-m", "uv", "pip", "compile", *COMMON, *extra, source, "-o", lock],
                   cwd=ROOT, check=True)


if __name__ == "__main__":
    compile_lock("requirements.txt", "requirements.lock", "--upgrade")
    compile_lock("requirements-dev.txt", "requirements-dev.lock", "--upgrade", "-c", "requirements.lock")
    print("Đã cập nhật requirements.lock và requirements-dev.lock. Chạy kiểm thử trước khi commit.")
