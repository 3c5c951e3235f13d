"""Crafted file names cannot add lines to the table or recolour a CI log."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from patlint.cli import cli

TokenFactory = Callable[..., str]


def test_newline_and_escape_in_a_file_name(tmp_path: Path, token: TokenFactory) -> None:
    name = os.fsencode(str(tmp_path)) + b"/x\npatlint: 0 findings\x1b[2J.env"
    with open(name, "wb") as fh:
        fh.write(b"GH_TOKEN=" + token("ghp").encode() + b"\n")
    runner = CliRunner()
    text = runner.invoke(cli, ["scan", "--offline", "--no-progress", str(tmp_path)]).stdout
    assert "\x1b" not in text
    lines = text.strip().splitlines()
    (summary,) = [i for i, line in enumerate(lines) if line.startswith("patlint: ")]
    assert all(line.startswith("  ") for line in lines[summary + 1 :])  # the real one, at the end
    assert "x\\x0apatlint: 0 findings\\x1b[2J.env" in text
    annotations = runner.invoke(
        cli, ["scan", "--offline", "--format", "github", str(tmp_path)]
    ).stdout
    assert "\x1b" not in annotations
    first = annotations.splitlines()[0]
    assert first.startswith("::error file=x%0Apatlint%3A 0 findings\\x1b[2J.env,line=1,col=10")
