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
