"""Discoverability: every command's --help has examples; shell completion works via click."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from patlint.cli import cli

PATLINT = shutil.which("patlint", path=os.path.dirname(sys.executable)) or shutil.which("patlint")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))
        else:
            yield (*path, name)


ALL_COMMANDS = list(_commands(cli))


def test_known_commands_are_audited() -> None:
    for expected in [(), ("scan",), ("explain",), ("rules", "list"), ("baseline", "create")]:
        assert expected in ALL_COMMANDS


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "patlint")
def test_every_command_has_help_with_examples(path: tuple[str, ...]) -> None:
    res = CliRunner().invoke(cli, [*path, "--help"], prog_name="patlint", catch_exceptions=False)
    assert res.exit_code == 0
    assert res.stdout.startswith(f"Usage: patlint {' '.join(path)}".rstrip() + " ")
    assert "Examples:" in res.stdout
    examples = res.stdout.split("Examples:", 1)[1]
    assert f"patlint {' '.join(path)}".rstrip() in examples  # an example of this very command


def test_top_level_help_documents_completion() -> None:
    res = CliRunner().invoke(cli, ["--help"])
    assert 'eval "$(_PATLINT_COMPLETE=bash_source patlint)"' in res.stdout


def _complete(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert PATLINT is not None
    return subprocess.run(
        [PATLINT], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


@pytest.mark.skipif(PATLINT is None, reason="the patlint console script is not installed")
def test_completion_scripts_are_produced() -> None:
    bash = _complete({"_PATLINT_COMPLETE": "bash_source"})
    assert bash.returncode == 0
    assert "_patlint_completion()" in bash.stdout
    assert "complete -o nosort -F _patlint_completion patlint" in bash.stdout
    zsh = _complete({"_PATLINT_COMPLETE": "zsh_source"})
    assert "#compdef patlint" in zsh.stdout
    fish = _complete({"_PATLINT_COMPLETE": "fish_source"})
    assert "complete --no-files --command patlint" in fish.stdout


@pytest.mark.skipif(PATLINT is None, reason="the patlint console script is not installed")
@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("patlint sc", "1", ["plain,scan"]),
        ("patlint scan --format s", "3", ["plain,sarif"]),
        ("patlint baseline ", "2", ["plain,create", "plain,update"]),
        ("patlint explain github-classic", "2", ["plain,github-classic-pat"]),
    ],
)
def test_bash_completion_answers(words: str, cword: str, expected: list[str]) -> None:
    done = _complete(
        {"_PATLINT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    )
    assert done.returncode == 0
    assert done.stdout.split() == expected
