"""Tried as a new user would: the real `patlint scan` on a hostile tree against an API that never answers.

The tree holds a FIFO, a symlink loop, symlinks to a token (and a folder) outside the tree, YAML
alias bombs in a workflow and in gh's hosts.yml, and a file whose name is an escape sequence.
The scan must finish in bounded time, say what it skipped and why, report the token inside the
tree (escaped), and nothing from outside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.github.test_transport_hostile_network import RawServer, silent
from tests.report.textblocks import parse, unwrap

EVIL_NAME = "evil\x1b[2J\x1b]0;pwned\x07.txt"


def _alias_bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(9):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def black_hole() -> Iterator[RawServer]:
    """An API host that accepts connections and never answers."""
    srv = RawServer(silent)
    yield srv
    srv.close()


@pytest.fixture
def hostile_tree(tmp_path: Path, token: Any) -> tuple[Path, str, str]:
    inside, outside = token("ghp"), token("ghp")
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.txt").write_text(f"TOKEN={outside}\n")
    tree = tmp_path / "tree"
    (tree / ".github" / "workflows").mkdir(parents=True)
    (tree / ".config" / "gh").mkdir(parents=True)
    os.mkfifo(tree / "pipe")
    os.symlink("loop2", tree / "loop1")
    os.symlink("loop1", tree / "loop2")
    os.symlink(out / "secret.txt", tree / "leak.txt")
    os.symlink(out, tree / "outdir")
    (tree / ".github" / "workflows" / "bomb.yml").write_text("on: push\n" + _alias_bomb())
    (tree / ".config" / "gh" / "hosts.yml").write_text(_alias_bomb())
    (tree / EVIL_NAME).write_text(f"GH_TOKEN={inside}\n")
    (tmp_path / "pinned.yaml").write_text("verification: {timeout: 0.5}\n")
    return tree, inside, outside


@pytest.mark.parametrize("follow", [False, True], ids=["default", "follow-symlinks"])
def test_new_user_scan_of_a_hostile_tree(
    hostile_tree: tuple[Path, str, str], black_hole: RawServer, follow: bool
) -> None:
    tree, inside, outside = hostile_tree
    args = [sys.executable, "-m", "patlint", "scan", "-v", "--no-progress", "--no-cache"]
    args += ["--config", str(tree.parent / "pinned.yaml"), "--github-api", black_hole.url]
    if follow:
        args.append("--follow-symlinks")
    start = time.monotonic()
    proc = subprocess.run(
        [*args, str(tree)], capture_output=True, text=True, timeout=60, cwd=tree.parent
    )
    took = time.monotonic() - start
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out  # the token inside the tree is a finding
    assert took < 10  # one attempt of 0.5 s (the host is then down for the run), and start-up
    (block,) = parse(proc.stdout).blocks.values()
    assert [f[:2] for f in block.findings] == [("high", "github-classic-pat")], proc.stdout
    assert block.where == ["evil\\x1b[2J\\x1b]0;pwned\\x07.txt:1:10  GH_TOKEN"]
    # a name a shell cannot be handed as typed is never put in a command to copy
    assert block.command is None and "settings/tokens" in block.next
    assert "\x1b" not in out and "\x07" not in out  # no raw escape reaches the terminal
    out = unwrap(out)
    assert inside not in out and outside not in out
    assert outside[-4:] not in out  # not even the preview of the token outside the tree
    assert "note: cannot parse .config/gh/hosts.yml: too many YAML aliases, scanned as text" in out
    assert ".github/workflows/bomb.yml: YAML aliases expand to more than 1,000,000 nodes" in out
    assert (
        f"GitHub could not be reached for 1 token at github.com ({black_hole.url}: timed out "
        "after 0.5s); the host was skipped for the rest of the run" in out
    )
    assert "scan with --offline" in out
    skipped = sorted(line for line in out.splitlines() if line.startswith("skipped: "))
    if follow:
        assert skipped == [
            "skipped: leak.txt: symlink-outside-tree: target is outside the scanned tree",
            "skipped: loop1: symlink-loop: the link resolves to itself",
            "skipped: loop2: symlink-loop: the link resolves to itself",
            "skipped: outdir: symlink-outside-tree: target is outside the scanned tree",
            "skipped: pipe: fifo",
        ]
    else:
        assert skipped == [
            "skipped: leak.txt: symlink: not followed (use --follow-symlinks)",
            "skipped: loop1: symlink: not followed (use --follow-symlinks)",
            "skipped: loop2: symlink: not followed (use --follow-symlinks)",
            "skipped: outdir: symlink: not followed (use --follow-symlinks)",
            "skipped: pipe: fifo",
        ]
    assert "/outside" not in out  # nothing about the targets
    assert f"config: {tree.parent / 'pinned.yaml'}" in out or "config: pinned.yaml" in out
