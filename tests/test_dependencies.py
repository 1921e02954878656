"""Every third-party import is declared: the product's in requirements.txt, the tests' in requirements-dev.txt.

A package that happens to be installed on the developer's machine must not hide a missing line: the product
once imported defusedxml without declaring it, and nobody who followed the README could run it.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import check_wheels  # noqa: E402


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: Path) -> set[str]:
    """Distribution names a requirements file declares, following `-r other.txt`."""
    names: set[str] = set()
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names |= declared(requirements.parent / line[3:].strip())
        elif line:
            names.add(_normalise(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]))
    return names


def _optional(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """An import inside `try: ... except ImportError` has a fallback when the package is absent."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            return True
    return False


def third_party_imports(folder: Path) -> dict[str, tuple[str, bool]]:
    """Top-level module -> (first file importing it, whether every import of it is optional)."""
    # The project's own modules (tests import each other's helpers and the scripts) are not packages.
    local = {p.stem for p in [*folder.glob("*.py"), *ROOT.glob("*.py"), *ROOT.glob("*/*.py")]} | {"thidua"}
    found: dict[str, tuple[str, bool]] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in local:
                    continue
                where, optional = found.get(top, (path.relative_to(folder.parent).as_posix(), True))
                found[top] = (where, optional and _optional(node, parents))
    return found


def undeclared(folder: Path, requirements: Path) -> list[str]:
    names = declared(requirements)
    providers = packages_distributions()
    problems = []
    for module, (where, optional) in sorted(third_party_imports(folder).items()):
        dists = {_normalise(d) for d in providers.get(module, ())}
        if not dists:
            if not optional:
                problems.append(f"{where} imports {module!r}, which no installed package provides "
                                f"(install the project's lock, or declare it in {requirements.name})")
        elif not dists & names:
            problems.append(f"{where} imports {module!r} from {', '.join(sorted(dists))}, "
                            f"which {requirements.name} does not declare")
    return problems


@pytest.mark.parametrize("folder, requirements", [
    ("thidua", "requirements.txt"),
    ("tests", "requirements-dev.txt"),
    ("scripts", "requirements-dev.txt"),
    ("benchmarks", "requirements-dev.txt"),
])
def test_every_third_party_import_is_declared(folder, requirements):
    assert undeclared(ROOT / folder, ROOT / requirements) == []


def test_an_undeclared_import_is_named(tmp_path):
    (tmp_path / "reader.py").write_text("import defusedxml.ElementTree\nimport pytest\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("pytest>=8\n", encoding="utf-8")
    [problem] = undeclared(tmp_path, tmp_path / "requirements.txt")
    assert "'defusedxml'" in problem and "does not declare" in problem


def test_an_import_with_a_fallback_need_not_be_installed(tmp_path):
    (tmp_path / "order.py").write_text("try:\n    import no_such_icu\nexcept ImportError:\n    pass\n",
                                       encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("", encoding="utf-8")
    assert undeclared(tmp_path, tmp_path / "requirements.txt") == []


def test_the_locks_pin_every_declared_package():
    for source, lock in (("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")):
        pinned = {_normalise(m) for m in re.findall(r"^([A-Za-z0-9_.-]+)==", (ROOT / lock).read_text(encoding="utf-8"),
                                                    flags=re.M)}
        assert declared(ROOT / source) <= pinned, f"{lock} is older than {source}: python scripts/refresh_locks.py"


# What pyicu-wheels 2.15.2 publishes (PyPI, checked with pip download): CPython 3.10-3.14 wheels for Windows
# (x64, x86, ARM64), Linux (x86_64 and aarch64 among others, glibc 2.27+ or musl) and macOS 15+; no source.
# A machine the marker lets through must find a wheel, or pip stops the whole install.
WINDOWS_313 = check_wheels.Target("win32", "AMD64", "3.13")


def _lock_pins(target: check_wheels.Target) -> set[str]:
    return set(check_wheels.pins((ROOT / "requirements.lock").read_text(encoding="utf-8"), target))


@pytest.mark.parametrize("target, icu", [
    (WINDOWS_313, True),
    (check_wheels.Target("win32", "AMD64", "3.11"), True),
    (check_wheels.Target("win32", "AMD64", "3.14"), True),
    (check_wheels.Target("win32", "AMD64", "3.15"), False),
    (check_wheels.Target("win32", "ARM64", "3.13"), True),
    (check_wheels.Target("linux", "x86_64", "3.11"), True),
    (check_wheels.Target("linux", "aarch64", "3.14"), True),
    (check_wheels.Target("linux", "x86_64", "3.15"), False),
    (check_wheels.Target("linux", "armv7l", "3.13"), False),
    (check_wheels.Target("darwin", "arm64", "3.13"), False),
])
def test_icu_is_installed_from_a_wheel_only_where_one_is_published(target, icu):
    names = {pin.split("==")[0] for pin in _lock_pins(target)}
    assert ("pyicu-wheels" in names) == icu
    assert "pyicu" not in names  # PyICU is source only: building it needs a compiler and the ICU headers


def test_pins_follow_the_markers_of_the_target_not_of_this_machine():
    windows_315 = _lock_pins(check_wheels.Target("win32", "AMD64", "3.15"))
    linux_311 = _lock_pins(check_wheels.Target("linux", "x86_64", "3.11"))
    assert any(pin.startswith("colorama==") for pin in windows_315)
    assert not any(pin.startswith("colorama==") for pin in linux_311)
    provinces = {pin for pin in windows_315 | linux_311 if pin.startswith("vietnam-provinces==")}
    assert len(provinces) == 2  # one pin for Python 3.11, another from 3.12 on


def test_a_package_published_as_source_must_hold_python_alone():
    assert check_wheels.pure_python(["docopt-0.6.2/docopt.py", "docopt-0.6.2/setup.py", "docopt-0.6.2/LICENSE-MIT"])
    assert not check_wheels.pure_python(["PyICU-2.17/setup.py", "PyICU-2.17/_icu_.cpp", "PyICU-2.17/icu/__init__.py"])


def test_refreshing_the_locks_keeps_todays_pins_unless_asked_to_upgrade():
    import refresh_locks
    kept, upgraded = refresh_locks.commands(upgrade=False), refresh_locks.commands(upgrade=True)
    assert not any("--upgrade" in command for command in kept)
    assert all("--upgrade" in command for command in upgraded)
    # The dev lock takes the runtime lock's versions, so the tests run what users install.
    assert ["-c", "requirements.lock"] == kept[1][kept[1].index("-c"):kept[1].index("-c") + 2]
