"""ruff and mypy, configured in pyproject.toml, are clean on the package: the README's test command runs them."""

import subprocess
import sys

from thidua.cli import ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")


def test_ruff_finds_nothing():
    done = _run("ruff", "check", "thidua", "tests", "scripts", "benchmarks", "process.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing():
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
