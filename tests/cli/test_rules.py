"""`patlint rules`, `rules list`, `rules check` and `explain` (patlint/cli/rules.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


CORP_RULE = (
    "- id: corp-deploy-key\n  name: Corp key\n  kind: detector\n  token_kind: legacy\n"
    "  pattern: '(CORP-[0-9a-f]{32})'\n  keywords: [CORP-]\n  entropy: 2.5\n  severity: medium\n"
    "  description: d\n  remediation: r\n  examples: ['k=CORP-3a7f19c2e84b60d5f1c9a2e7b4d80f63']\n"
    "  negative_examples: [{negative}]\n"
)


def write_rule(folder: Path, negative: str = "'CORP-1'") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "corp.yml").write_text(CORP_RULE.replace("{negative}", negative))
    return folder


def rule_ids(listing: str) -> list[str]:
    """The ID column of `rules list` (below the header and its dashes)."""
    return [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]


def test_rules_alone_is_rules_list_and_a_folder_adds_its_rule(tmp_path: Path) -> None:
    runner = CliRunner()
    alone = runner.invoke(cli, ["rules"])
    listed = runner.invoke(cli, ["rules", "list"])
    assert alone.exit_code == listed.exit_code == 0
    assert alone.stdout == listed.stdout
    built_in = rule_ids(listed.stdout)
    assert "github-classic-pat" in built_in and "corp-deploy-key" not in built_in
    mine = runner.invoke(cli, ["rules", "list", "--rules", str(write_rule(tmp_path / "r"))])
    assert mine.exit_code == 0
    assert sorted(rule_ids(mine.stdout)) == sorted([*built_in, "corp-deploy-key"])
    row = next(line for line in mine.stdout.splitlines() if line.startswith("corp-deploy-key"))
    assert row.split()[1:4] == ["detector", "medium", "yes"]


def test_rules_check_exits_1_naming_each_example_that_misbehaves(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(cli, ["rules", "check", "--rules", str(write_rule(tmp_path / "good"))])
    assert good.exit_code == 0, good.output
    count = len(rule_ids(runner.invoke(cli, ["rules", "list"]).stdout))
    assert good.stdout.startswith(f"ok: {count + 1} rules")
    # a negative example the pattern does match: the rule would flag what it says it must not
    bad = write_rule(tmp_path / "bad", negative="'x=CORP-9f8e7d6c5b4a39281706f5e4d3c2b1a0'")
    res = runner.invoke(cli, ["rules", "check", "--rules", str(bad)])
    assert res.exit_code == 1, res.output
    fails = [line for line in res.stdout.splitlines() if line.startswith("FAIL ")]
    assert fails and all(line.startswith("FAIL corp-deploy-key: ") for line in fails)
    assert res.stdout.rstrip().endswith(f"{len(fails)} problem(s) in {count + 1} rules")


def test_rules_check_and_list_refuse_a_broken_or_missing_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "mine.yml").write_text(
        CORP_RULE.replace("{negative}", "b").replace("'(CORP-", "'((CORP-")
    )
    for sub in ("check", "list"):
        res = runner.invoke(cli, ["rules", sub, "--rules", str(broken)])
        assert res.exit_code == 2, res.output
        assert "rule 'corp-deploy-key': field 'pattern': does not compile" in res.stderr
        assert "Traceback" not in res.output
        res = runner.invoke(cli, ["rules", sub, "--rules", str(tmp_path / "absent")])
        assert res.exit_code == 2 and "does not exist" in res.stderr


def test_explain_is_rules_explain_and_an_unknown_id_is_never_echoed_raw(token: Any) -> None:
    runner = CliRunner()
    short = runner.invoke(cli, ["explain", "github-classic-pat"])
    long = runner.invoke(cli, ["rules", "explain", "github-classic-pat"])
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout
    assert short.stdout.startswith("github-classic-pat: ")
    assert "## What it does" in short.stdout
    secret = token("ghp")
    for rule_id in (secret, "\x1b[2Jgone\u202e"):
        for cmd in (["explain"], ["rules", "explain"]):
            res = runner.invoke(cli, [*cmd, rule_id])
            assert res.exit_code == 2 and "unknown rule" in res.stderr
            assert secret not in res.output  # a token pasted as an id is redacted
            assert "\x1b" not in res.output and "\u202e" not in res.output
