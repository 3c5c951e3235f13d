"""Tokens in file and folder names are found like tokens anywhere else (`patlint/sources/names.py`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from patlint.engine.run import ScanOptions, run_scan
from patlint.model import sha256_hex
from patlint.sources.tree import WalkOptions
from tests.sources.home import ruleset


def _places(result: Any) -> dict[str, tuple[str, str, str]]:
    """token digest -> (path, note, rule id) of each place a token was seen in a name."""
    return {
        c.secret.digest: (c.location.path, c.location.note, c.rule_id)
        for t in result.tokens
        for c in t.candidates
        if c.context.file_type == "path"
    }


def test_file_folder_and_skipped_names_are_places(
    tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_file, in_folder, in_deep, in_fifo, encoded = (
        token(k) for k in ("ghp", "gho", "ghu", "ghs", "ghp")
    )
    (tmp_path / f"{in_file}.txt").write_text("nothing\n")
    (tmp_path / in_folder).mkdir()
    for i in range(3):  # three files under the folder: still one place, the folder
        (tmp_path / in_folder / f"f{i}.txt").write_text("nothing\n")
    (tmp_path / "a" / in_deep / "b").mkdir(parents=True)
    (tmp_path / "a" / in_deep / "b" / "c.txt").write_text("nothing\n")
    os.mkfifo(tmp_path / in_fifo)  # skipped, never opened: its name is still read
    (tmp_path / quote(encoded, safe="").replace("_", "%5F")).write_text("nothing\n")
    (tmp_path / token("ghp", valid=False)).write_text("a checksum that fails: no token\n")
    monkeypatch.chdir(tmp_path)
    result = run_scan(["."], ruleset(), ScanOptions(walk=WalkOptions(use_gitignore=False)))
    assert _places(result) == {
        sha256_hex(in_file): (f"{in_file}.txt", "file name", "github-classic-pat"),
        sha256_hex(in_folder): (in_folder, "folder name", "github-oauth-token"),
        sha256_hex(in_deep): (f"a/{in_deep}", "folder name", "github-app-user-token"),
        sha256_hex(in_fifo): (in_fifo, "file name", "github-app-installation-token"),
        sha256_hex(encoded): (
            quote(encoded, safe="").replace("_", "%5F"),
            "file name",
            "github-classic-pat",
        ),
    }
    findings = {(f.rule_id, f.location.path) for f in result.findings}
    assert ("github-oauth-token", in_folder) in findings  # reported like any other token


def test_names_in_a_git_work_tree(tmp_path: Path, token: Any, git_env: None) -> None:
    """Inside a repository the walk lists files with git: tracked and untracked names count,
    ignored ones are not read (like their contents)."""
    tracked, untracked, ignored = token("ghp"), token("gho"), token("ghu")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(f"{ignored}\n")
    for t in (tracked, untracked, ignored):
        (tmp_path / t).write_text("x\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", tracked, ".gitignore"], check=True)
    result = run_scan([str(tmp_path)], ruleset(), ScanOptions())
    assert set(_places(result)) == {sha256_hex(tracked), sha256_hex(untracked)}
