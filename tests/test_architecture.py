"""The package graph flows one way,
cli → engine → report → policy → github → detectors → sources → catalog → config → the floor
(model, kinds, hosts, scopes, suppress, errors, …): every import of patlint anywhere in a
module, lazy ones inside functions and TYPE_CHECKING ones included, goes to the module's own
layer or one below it. And no module is over 700 lines.

The allow-list held the upward imports that step 2 of issue 17 removed (readers yield values
instead of running the detector; the history walk hands its blobs to the engine). It can only
shrink: an entry that no longer matches an import fails the test as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "patlint"
MAX_LINES = 700

# Lowest first: a module may import its own layer and every layer before it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "floor",
        (
            "patlint",
            "patlint.errors",
            "patlint.kinds",
            "patlint.hosts",
            "patlint.scopes",
            "patlint.model",
            "patlint.records",
            "patlint.suppress",
            "patlint.inputs",
            "patlint.yamlio",
            "patlint.ignorespec",
            "patlint.redaction",
            "patlint.tokenforms",
            "patlint.splits",
        ),
    ),
    ("config", ("patlint.config", "patlint.baseline")),
    ("catalog", ("patlint.catalog",)),
    ("sources", ("patlint.sources",)),
    ("detectors", ("patlint.detectors", "patlint.tokengen")),
    ("github", ("patlint.github",)),
    ("policy", ("patlint.policy",)),
    ("report", ("patlint.report",)),
    ("engine", ("patlint.engine",)),
    ("cli", ("patlint.cli", "patlint.__main__")),
)

# The detect-secrets plugin file stays where README documents it; it wires a whole detector.
EXEMPT = frozenset({"patlint.detectors.secrets_adapter"})

# (importing module, imported module): upward imports still to be removed. Empty since step 2
# (readers yield values, the engine detects once); it may only shrink, so it stays empty.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for i, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank >= 0, f"{module} belongs to no layer: add it to LAYERS"
    return rank


def imports_of(path: Path) -> set[str]:
    """Every patlint module `path` imports."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    return imports_in(ast.parse(path.read_text(encoding="utf-8")), package)


def imports_in(tree: ast.AST, package: str) -> set[str]:
    """The patlint modules a parsed module of `package` imports, anywhere in it (a `from X
    import name` counts X.name when that is a module, else X)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "patlint")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "patlint":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if is_module(sub) else target)
    return out


def is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (ROOT / rel.with_suffix(".py")).is_file() or (ROOT / rel / "__init__.py").is_file()


def all_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def upward_imports() -> set[tuple[str, str]]:
    found = set()
    for path in all_modules():
        module = module_name(path)
        if module in EXEMPT:
            continue
        for target in imports_of(path):
            if layer_of(target) > layer_of(module):
                found.add((module, target))
    return found


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = upward_imports()
    new = sorted(upward - ALLOWED)
    assert not new, "upward imports (see LAYERS):\n" + "\n".join(f"{a} -> {b}" for a, b in new)


def test_the_allow_list_only_shrinks() -> None:
    stale = sorted(ALLOWED - upward_imports())
    assert not stale, "remove from ALLOWED (no longer imported):\n" + "\n".join(
        f"{a} -> {b}" for a, b in stale
    )


def test_every_module_is_in_a_layer() -> None:
    for path in all_modules():
        layer_of(module_name(path))


def test_the_graph_test_sees_lazy_relative_and_type_checking_imports() -> None:
    """A test of the test: the imports it must not miss are found and judged upward."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from patlint.github.transport import GitHubClient\n"
        "def f():\n    from patlint.engine import run\n    import patlint.cli\n"
        "from ..engine import filescan\n"
        "from . import common\n"
    )
    found = imports_in(ast.parse(source), "patlint.report")
    assert found == {
        "patlint.github.transport",
        "patlint.engine.run",
        "patlint.cli",
        "patlint.engine.filescan",
        "patlint.report.common",
    }
    report = layer_of("patlint.report.text")
    assert [layer_of(m) > report for m in sorted(found)] == [True, True, True, False, False]


def test_no_module_is_over_700_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in all_modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and not p.name.startswith("_dccode_")  # generated (patlint/dcache.py), never read
    }
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


# Tests mirror the code: `patlint/<pkg>/<module>.py` is tested in `tests/<pkg>/test_<module>.py`
# (or `test_<module>_<topic>.py`). A module tested elsewhere names the file that tests it and
# why; the list may only shrink (a listed module that gains its mirror fails the test).
MIRROR_EXCEPTIONS: dict[str, tuple[str, str]] = {
    # Data and protocols only, nothing to run.
    "errors": ("tests/test_fail_well.py", "exception classes; the exit codes they map to"),
    "policy.base": ("tests/test_recipes.py", "Verdict, PolicyContext, the PolicyCheck protocol"),
    "sources.readers.ci.common": ("tests/sources/readers/ci/test_ci_yaml.py", "two constants"),
    "sources.values": ("tests/engine/test_readings.py", "the values readers return"),
}


def _unmirrored() -> set[str]:
    out = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("__init__.py", "__main__.py") or "__pycache__" in path.parts:
            continue
        if path.name.startswith("_dccode_"):  # generated: tests/test_dcache.py checks it
            continue
        rel = path.relative_to(PACKAGE)
        folder = ROOT / "tests" / rel.parent
        if (folder / f"test_{path.stem}.py").exists() or any(folder.glob(f"test_{path.stem}_*.py")):
            continue
        out.add(".".join(rel.with_suffix("").parts))
    return out


def test_tests_mirror_the_code_file_for_file() -> None:
    unmirrored = _unmirrored()
    assert unmirrored - set(MIRROR_EXCEPTIONS) == set(), "add tests/<pkg>/test_<module>.py"
    assert set(MIRROR_EXCEPTIONS) - unmirrored == set(), "mirrored now: drop the exception"
    for module, (test_file, why) in MIRROR_EXCEPTIONS.items():
        assert (ROOT / test_file).is_file() and why, module


def test_every_package_is_shipped_by_the_wheel() -> None:
    """A package folder missing from pyproject's list works in an editable install and is
    absent from a real one (the CI rules once vanished that way: every example stopped firing)."""
    import re

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    listed_block = re.search(r"^packages = \[(.*?)\]", text, re.S | re.M)
    assert listed_block is not None
    listed = set(re.findall(r'"([\w.]+)"', listed_block.group(1)))
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in PACKAGE.rglob("__init__.py")
    }
    assert on_disk - listed == set()
