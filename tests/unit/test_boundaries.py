"""The house's one-way dependencies (docs/adr/0012-composition-root.md), kept by a test:

    regie  →  accounts, portal, municipal  →  shared

`shared` imports no side, the sides never import each other, and only `regie` (the composition root)
assembles them. Every import counts, at the top of a module or inside a function, and so does every lazy
table reference (Piccolo's `LazyTableReference(module_path=...)`), because both tie one package to another.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("regie", "accounts", "portal", "municipal", "shared")
SIDES = ("accounts", "portal", "municipal")
# What each package may not reach.
FORBIDDEN = {
    "shared": {"regie", *SIDES},
    **{side: {"regie", *(s for s in SIDES if s != side)} for side in SIDES},
    "regie": set(),
}


def references(source: str) -> list[tuple[int, str]]:
    """(line, module) for every import and lazy table reference in a module's source."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.keyword) and node.arg == "module_path" and isinstance(node.value, ast.Constant):
            out.append((node.value.lineno, str(node.value.value)))
    return out


def violations(package: str, path: str, source: str) -> list[str]:
    found = []
    for line, module in references(source):
        top = module.split(".")[0]
        if top in FORBIDDEN[package]:
            found.append(f"{path}:{line}: {package} may not use {module}")
    return found


def modules() -> list[tuple[str, Path]]:
    return [(pkg, path) for pkg in PACKAGES for path in sorted((ROOT / pkg).rglob("*.py"))]


def test_every_package_keeps_to_its_side():
    for package, path in modules():
        problems = violations(package, str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        assert not problems, problems[0]


def test_only_the_composition_root_assembles_the_sides():
    used = {
        module.split(".")[0]
        for package, path in modules()
        if package == "regie"
        for _, module in references(path.read_text(encoding="utf-8"))
    }
    assert {"accounts", "portal", "municipal", "shared"} <= used


@pytest.mark.parametrize(
    "package,source",
    [
        ("shared", "def f():\n    from portal import uploads\n"),
        ("portal", "import municipal.inbox.rules\n"),
        ("municipal", "from accounts.services import roles_for\n"),
        ("shared", "x = ForeignKey(LazyTableReference('UploadBatch', module_path='portal.tables'))\n"),
    ],
)
def test_the_walk_sees_every_kind_of_reference(package, source):
    assert violations(package, "example.py", source)


def test_a_side_may_use_the_base():
    assert not violations("portal", "example.py", "from shared.tables import HourRecord\n")
