"""Helpers for CI reader tests: write files into a tree and scan it offline with the default rules."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from patlint.config import Config
from patlint.engine.ruleset import build_ruleset
from patlint.engine.run import ScanOptions, run_scan
from patlint.model import Finding, ScanResult
from patlint.sources.tree import WalkOptions

RULESET = build_ruleset(Config())


def scan_tree(root: Path, files: dict[str, str]) -> ScanResult:
    """Write `files` (dedented) under `root` and scan it offline, one process."""
    for rel, text in files.items():
        full = root / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(textwrap.dedent(text), encoding="utf-8")
    return run_scan(
        [str(root)], RULESET, ScanOptions(walk=WalkOptions(use_gitignore=False), jobs=1)
    )


def where(f: Finding) -> tuple[str, int | None, int | None, str | None]:
    """(path, line, column, YAML path) of a finding."""
    return f.location.path, f.location.line, f.location.column, f.context.key


def of(result: ScanResult, rule_id: str) -> list[Finding]:
    """Active findings of one rule, in report order."""
    return [f for f in result.findings if f.rule_id == rule_id]


@pytest.fixture
def scan(tmp_path: Path) -> Callable[..., ScanResult]:
    """`scan({path: text})` → ScanResult of a fresh tree."""
    counter = iter(range(1000))

    def run(files: dict[str, str], **_: Any) -> ScanResult:
        root = tmp_path / f"t{next(counter)}"
        root.mkdir()
        return scan_tree(root, files)

    return run


def at(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of `needle` in the dedented `text`."""
    text = textwrap.dedent(text)
    pos = -1
    for _ in range(nth):
        pos = text.index(needle, pos + 1)
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1
