"""requirements.lock installs from wheels alone on the PCs users have: nothing to build, so no compiler needed.

    python scripts/check_wheels.py          (needs PyPI; .ci/run runs it)

For each target (Windows x64 with Python 3.11 to 3.15, Windows ARM64, Linux x86_64 and aarch64, macOS arm64),
the lock's pins whose environment marker holds there are downloaded with `pip download --only-binary=:all:
--no-deps --platform ... --python-version ...`. The pins are chosen here, not by pip: pip evaluates a marker on
the machine it runs on, so on Linux it would skip colorama and take the Python 3.11 pin of vietnam-provinces
for a Windows Python 3.15. --no-deps because the lock already lists every package.

A package published only as source is allowed if it is in SOURCE_ONLY and its source holds Python alone.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

# Published as source only. pip builds it into a wheel with Python alone (the install step of .ci/run runs
# with no compiler on PATH, so this stays true).
SOURCE_ONLY = {"docopt": "num2words' command-line parser; num2words writes counts in words on documents"}
# Files that would need a compiler.
COMPILED = (".c", ".cc", ".cpp", ".cxx", ".h", ".hpp", ".pyx", ".pxd", ".f", ".f90", ".rs", ".go")


@dataclass(frozen=True)
class Target:
    system: str  # sys_platform there: win32, linux, darwin
    machine: str  # platform_machine there: AMD64 or ARM64 (Windows), x86_64, aarch64, arm64 (macOS)
    python: str  # "3.15"

    def environment(self) -> dict[str, str]:
        names = {"win32": ("Windows", "nt"), "linux": ("Linux", "posix"), "darwin": ("Darwin", "posix")}
        platform_system, os_name = names[self.system]
        return {"implementation_name": "cpython", "platform_python_implementation": "CPython",
                "python_version": self.python, "python_full_version": f"{self.python}.0",
                "sys_platform": self.system, "platform_system": platform_system, "os_name": os_name,
                "platform_machine": self.machine}

    def platforms(self) -> list[str]:
        """pip's --platform tags for the target; pip widens macosx and manylinux2014 itself, not manylinux_2_X."""
        machine = self.machine.lower()
        if self.system == "win32":
            return [f"win_{machine}"]
        if self.system == "darwin":
            return [f"macosx_11_0_{machine}"]
        # A Linux of 2019 or later (glibc 2.28: Debian 10, Ubuntu 20.04, RHEL 8) takes every older manylinux.
        return [*(f"manylinux_2_{minor}_{machine}" for minor in range(28, 16, -1)), f"manylinux2014_{machine}"]

    def __str__(self) -> str:
        return f"{self.system} {self.machine}, Python {self.python}"


TARGETS = (
    # The users' PCs: python.org's installer, whichever version they downloaded.
    *(Target("win32", "AMD64", version) for version in ("3.11", "3.12", "3.13", "3.14", "3.15")),
    Target("win32", "ARM64", "3.13"),
    Target("linux", "x86_64", "3.14"),
    Target("linux", "x86_64", "3.15"),
    Target("linux", "aarch64", "3.13"),
    Target("darwin", "arm64", "3.13"),
)


def pins(lock_text: str, target: Target) -> list[str]:
    """`name==version` of every pin of the lock that installs on the target."""
    chosen = []
    for line in lock_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(target.environment()):
            chosen.append(f"{requirement.name}{requirement.specifier}")
    return chosen


def pure_python(names: list[str]) -> bool:
    return not any(name.lower().endswith(COMPILED) for name in names)


def _pip(*args: str) -> bool:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", *args]
    return subprocess.run(command).returncode == 0


def check_target(lock_text: str, target: Target, folder: Path) -> bool:
    binary = [pin for pin in pins(lock_text, target) if pin.split("==")[0] not in SOURCE_ONLY]
    requirements = folder / "pins.txt"
    requirements.write_text("\n".join(binary) + "\n", encoding="utf-8")
    platforms = [option for tag in target.platforms() for option in ("--platform", tag)]
    if not _pip("--only-binary=:all:", "--no-deps", *platforms, "--python-version", target.python,
                "--implementation", "cp", "--dest", str(folder / "wheels"), "-r", str(requirements)):
        print(f"{target}: THIẾU bản dựng sẵn (wheel), xem dòng ERROR ở trên", flush=True)
        return False
    print(f"{target}: {len(binary)} gói, đều có bản dựng sẵn (wheel)", flush=True)
    return True


def check_source_only(lock_text: str, folder: Path) -> bool:
    for pin in sorted({pin for target in TARGETS for pin in pins(lock_text, target)}):
        if pin.split("==")[0] not in SOURCE_ONLY:
            continue
        destination = folder / "sources"
        if not _pip("--no-binary=:all:", "--no-deps", "--dest", str(destination), pin):
            return False
        [archive] = [p for p in destination.iterdir() if p.name.lower().startswith(pin.split("==")[0])]
        if archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as z:
                names = z.namelist()
        else:
            with tarfile.open(archive) as t:
                names = t.getnames()
        if not pure_python(names):
            print(f"{pin}: chỉ có mã nguồn và cần trình biên dịch ({', '.join(n for n in names if n.endswith(COMPILED))})")
            return False
        print(f"{pin}: chỉ có mã nguồn, toàn Python, cài không cần trình biên dịch", flush=True)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    args = parser.parse_args(argv)
    lock_text = args.lock.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = [check_target(lock_text, target, folder) for target in TARGETS]
        results.append(check_source_only(lock_text, folder))
    if not all(results):
        sys.exit(f"{args.lock.name}: có gói phải dựng từ mã nguồn trên máy người dùng (xem trên).")


if __name__ == "__main__":
    main()
