"""`patlint rules`, `rules list`, `rules check` and `explain` (patlint/cli/rules.py)."""

from __future__ import annotations

from click.testing import CliRunner

from patlint.cli import cli


def test_rules_list_explain_and_check() -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["rules"])
    assert res.exit_code == 0 and "github-classic-pat" in res.stdout and "opt-in" in res.stdout
    res = runner.invoke(cli, ["explain", "github-classic-pat"])
    assert res.exit_code == 0 and "## How to fix it" in res.stdout
    res = runner.invoke(cli, ["explain", "nope"])
    assert res.exit_code == 2
    res = runner.invoke(cli, ["rules", "check"])
    assert res.exit_code == 0 and res.stdout.startswith("ok: ")
