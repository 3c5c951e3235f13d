"""Paths as users see them: relative to the scan root, `~/…` under the home directory."""

from __future__ import annotations

import os
from pathlib import Path

from patlint.sources.paths import relative_to_root


def test_inside_the_root_is_relative(tmp_path: Path) -> None:
    root = str(tmp_path / "tree")
    assert relative_to_root(os.path.join(root, "a", "b.txt"), root) == "a/b.txt"
    assert relative_to_root(root, root) == "tree"  # the root itself: its name, not "."


def test_a_sibling_with_the_roots_name_as_prefix_is_not_inside(tmp_path: Path) -> None:
    root = str(tmp_path / "tree")
    other = str(tmp_path / "tree2" / "x")
    assert relative_to_root(other, root) == other.replace(os.sep, "/")


def test_under_home_is_shown_with_a_tilde(home: Path) -> None:
    assert relative_to_root(str(home / ".npmrc"), "") == "~/.npmrc"
    assert relative_to_root(str(home / "p" / ".env"), str(home)) == "~/p/.env"
    assert relative_to_root(str(home) + "x/f", "") == (str(home) + "x/f").replace(os.sep, "/")
