"""`patlint scan --pre-commit`: file names from pre-commit are never read as options
(patlint/cli/hookargs.py)."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest

from patlint.cli.hookargs import rewrite, split

VALUE = frozenset({"--baseline", "-o", "--fail-on"})


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ["a.py", "--help", "--fail-on=critical", "-", "b.json"]:
        (tmp_path / name).write_text("x\n")
    return tmp_path


def test_the_file_names_are_the_tail_of_existing_paths(tree: Path) -> None:
    assert split(["--offline", "a.py", "--help"], VALUE) == (["--offline"], ["a.py", "--help"])
    # the user's option that takes a value keeps it, though the value exists as a file
    assert split(["--baseline", "b.json", "a.py"], VALUE) == (["--baseline", "b.json"], ["a.py"])
    assert split(["--baseline=b.json", "a.py"], VALUE) == (["--baseline=b.json"], ["a.py"])
    # a file named like the user's argument only makes the user's arguments shorter
    (tree / "--offline").write_text("x\n")
    assert split(["--offline", "a.py"], VALUE) == ([], ["--offline", "a.py"])


def test_rewrite_puts_the_names_after_a_double_dash_and_stays_offline(tree: Path) -> None:
    assert rewrite(["scan", "--pre-commit", "--offline", "a.py", "-"]) == [
        "scan", "--no-progress", "--offline", "--", "a.py", "./-",
    ]  # fmt: skip
    # online only when the user asks, and `--verify` itself is no scan option
    assert rewrite(["scan", "--pre-commit", "--verify", "a.py"]) == [
        "scan", "--no-progress", "--", "a.py",
    ]  # fmt: skip
    # other command lines are left alone
    assert rewrite(["scan", "--offline", "a.py"]) == ["scan", "--offline", "a.py"]
    assert os.path.lexists("--help")


@pytest.mark.parametrize("name", ["--help", "--fail-on=critical", "--no-repo-config", "--verify"])
def test_a_file_named_like_an_option_is_refused(tree: Path, name: str) -> None:
    """Dropping the user's `--no-repo-config` or `--config F` (a staged file of that name joins
    the tail) would loosen the hook (a second review): such a name stops it, exit 2."""
    (tree / name).write_text("x\n")
    with pytest.raises(click.UsageError, match="named like an option"):
        rewrite(["scan", "--pre-commit", "--no-repo-config", "a.py", name])


def test_the_refusal_names_only_the_option_part(tree: Path) -> None:
    """The message is printed before the redacting, log-safe writers exist: the tree's part of
    the name (`##[add-mask]…`, a token) must not be in it."""
    name = "--config=##[add-mask]ghp_x"
    (tree / name).write_text("x\n")
    with pytest.raises(click.UsageError) as err:
        rewrite(["scan", "--pre-commit", "a.py", name])
    assert "(--config)" in str(err.value) and "##[" not in str(err.value)
