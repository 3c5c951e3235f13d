"""`patlint revoke` filters (--token, --rule, --min-severity), tokens GitHub already rejects,
and the warning before revoking a token this machine's own tools log in with — real files, a
real scan report, the loopback emulator as GitHub."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import patlint.cli.revoke
from patlint.cli import cli
from patlint.model import redact, sha256_hex
from tests.github_emulator import Emulator
from tests.github_emulator_org import install


def run(args: list[str], input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["revoke", *args], input=input)


def scan_report(root: Path, out: Path, *extra: str) -> None:
    res = CliRunner().invoke(
        cli, ["scan", "--no-progress", "--format", "json", "-o", str(out), *extra, str(root)]
    )
    assert res.exit_code == 1, res.stderr


@pytest.fixture
def tree(tmp_path: Path, emulator: Emulator, token: Any) -> dict[str, Any]:
    """A CI file with a literal token (critical), a plain .env token (high), a dead one."""
    ci, env, dead = token("ghp"), token("gho"), token("ghp")
    emulator.add(ci, scopes="repo")
    emulator.add(env, kind="gho", scopes="repo")
    emulator.add(dead, valid=False)
    root = tmp_path / "repo"
    wf = root / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  b:\n    runs-on: x\n"
        f"    steps:\n      - run: make\n        env:\n          GH_TOKEN: {ci}\n"
    )
    (root / "app.env").write_text(f"TOKEN={env}\n")
    (root / "old.env").write_text(f"OLD={dead}\n")
    report = tmp_path / "report.json"
    scan_report(root, report, "--github-api", emulator.base_url)
    return {"ci": ci, "env": env, "dead": dead, "root": str(root), "report": str(report)}


def rows(res: Result) -> dict[str, dict[str, str]]:
    return {r["sha256"]: r for r in json.loads(res.stdout)["revocations"]}


def base(tree: dict[str, Any], emulator: Emulator) -> list[str]:
    return [
        "--from-report",
        tree["report"],
        "--root",
        tree["root"],
        "--github-api",
        emulator.base_url,
        "--format",
        "json",
    ]


def test_a_token_github_already_rejects_is_skipped_not_sent(
    tree: dict[str, Any], emulator: Emulator
) -> None:
    com = install(emulator)
    res = run([*base(tree, emulator), "--yes"])
    assert res.exit_code == 0, res.stderr
    got = rows(res)
    assert got[sha256_hex(tree["dead"])]["status"] == "skipped"
    assert "already rejects" in got[sha256_hex(tree["dead"])]["detail"]
    assert sorted(com.revoked()) == sorted([tree["ci"], tree["env"]])


def test_min_severity_and_rule_choose_by_the_report_findings(
    tree: dict[str, Any], emulator: Emulator
) -> None:
    com = install(emulator)
    res = run([*base(tree, emulator), "--min-severity", "critical", "--yes"])
    assert res.exit_code == 0, res.stderr
    assert set(rows(res)) == {sha256_hex(tree["ci"])}
    assert com.revoked() == [tree["ci"]]
    assert "2 tokens left out (no finding matching --rule/--min-severity)" in res.stderr

    res = run([*base(tree, emulator), "--rule", "github-oauth-token", "--dry-run"])
    assert res.exit_code == 0, res.stderr
    assert set(rows(res)) == {sha256_hex(tree["env"])}
    assert com.revoked() == [tree["ci"]]  # a dry run sends nothing

    res = run([*base(tree, emulator), "--rule", "no-such-rule", "--dry-run"])
    assert res.exit_code == 2 and "no-such-rule" in res.stderr
    res = run(["--file", "-", "--min-severity", "high", "--yes"], input="x\n")
    assert res.exit_code == 2 and "--from-report" in res.stderr


def test_token_prefix_picks_one_token_of_a_file(
    tmp_path: Path, emulator: Emulator, token: Any
) -> None:
    com = install(emulator)
    a, b = token("ghp"), token("ghp")
    leaked = tmp_path / "leaked.env"
    leaked.write_text(f"A={a}\nB={b}\n")
    api = ["--github-api", emulator.base_url]
    # the command the text report prints as the next step
    res = run(["--token", sha256_hex(b)[:16], "--file", str(leaked), *api, "--yes"])
    assert res.exit_code == 0, res.stderr
    assert com.revoked() == [b]
    assert a not in res.stdout + res.stderr and b not in res.stdout + res.stderr
    res = run(["--token", "0" * 16, "--file", str(leaked), *api, "--yes"])
    assert res.exit_code == 1
    assert f"no token with sha256 {'0' * 16}… in the input" in res.stderr
    assert com.revoked() == [b]
    for bad in ("xyz", "abc", "g" * 16):
        res = run(["--token", bad, "--file", str(leaked), *api, "--yes"])
        assert res.exit_code == 2 and "--token" in res.stderr


def test_warns_before_revoking_what_gh_docker_and_git_log_in_with(
    tmp_path: Path, home: Path, emulator: Emulator, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(emulator)
    gh, docker, git, other = token("gho"), token("ghp"), token("ghp"), token("ghp")
    (home / ".config" / "gh").mkdir(parents=True)
    (home / ".config" / "gh" / "hosts.yml").write_text(
        f"github.com:\n    oauth_token: {gh}\n    user: octo\n"
    )
    (home / ".docker").mkdir()
    auth = base64.b64encode(f"octo:{docker}".encode()).decode()
    (home / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": auth}}})
    )
    (home / ".git-credentials").write_text(f"https://octo:{git}@github.com\n")
    leaked = tmp_path / "leaked.txt"
    leaked.write_text("\n".join((gh, docker, git, other)) + "\n")
    api = ["--github-api", emulator.base_url]
    monkeypatch.setattr(patlint.cli.revoke, "_can_prompt", lambda: True)
    res = run(["--file", str(leaked), *api], input="n\n")
    assert res.exit_code == 1
    err = res.stderr
    assert f"{redact(gh)} (sha256 {sha256_hex(gh)[:16]}…) is what this machine's own tools" in err
    assert "breaks: gh (~/.config/gh/hosts.yml)" in err
    assert "breaks: docker login (~/.docker/config.json)" in err
    assert "breaks: git credentials (~/.git-credentials)" in err
    assert redact(other) + " (sha256" not in err  # no tool uses it: no warning
    # the warning comes before the question, and the question says so
    assert err.index("own tools") < err.index("Revoke these 4 tokens")
    assert "breaks the tools named above (3)" in err
    for t in (gh, docker, git, other):
        assert t not in res.stdout + err
    # a dry run says it in each row, and lists the tokens once (its table, not stderr too)
    res = run(["--file", str(leaked), *api, "--dry-run"])
    assert res.exit_code == 0
    assert res.stdout.count(redact(other)) == 1 and redact(other) not in res.stderr
    assert max(len(line) for line in res.stdout.splitlines()) <= 120, res.stdout
    assert "breaks docker login" in " ".join(res.stdout.split())
    res = run(["--file", str(leaked), *api, "--dry-run", "--format", "json"])
    got = rows(res)
    assert got[sha256_hex(docker)]["detail"].endswith(
        "; breaks docker login (~/.docker/config.json)"
    )
    assert "breaks" not in got[sha256_hex(other)]["detail"]
