"""`patlint scan ~`: the workstation audit end to end through the CLI (text and JSON)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact
from tests.github_emulator import Emulator
from tests.report.textblocks import parse
from tests.sources.home import write


def fake_home(home: Path, token: Any) -> list[str]:
    t1, t2 = token("ghp"), token("gho")
    auth = base64.b64encode(f"octocat:{t1}".encode()).decode()
    write(home, ".docker/config.json", json.dumps({"auths": {"ghcr.io": {"auth": auth}}}, indent=2))
    write(home, ".git-credentials", f"https://octocat:{t1}@github.com\n")
    write(home, ".bash_history", "ls\n" * 1022 + f"export GITHUB_TOKEN={t1}\n")
    write(home, ".config/gh/hosts.yml", f"github.com:\n    oauth_token: {t2}\n    user: octocat\n")
    write(home, "code/node_modules/x/index.js", f"t = '{token('ghp')}'\n")
    return [t1, t2]


def test_text_report_groups_by_token(home: Path, token: Any) -> None:
    t1, t2 = fake_home(home, token)
    res = CliRunner().invoke(cli, ["scan", "--offline", str(home)])
    assert res.exit_code == 1, res.output
    assert t1 not in res.output and t2 not in res.output
    report = parse(res.output)
    assert report.blocks[redact(t1)].where == [
        "~/.bash_history:1023:21  GITHUB_TOKEN",
        "~/.docker/config.json:4:16  auths.ghcr.io.auth, for ghcr.io, base64",
        "~/.git-credentials:1:17  password, for github.com",
    ]
    assert " in 2 tokens; 4 files " in report.summary


def test_json_report_contexts_and_profiles(home: Path, token: Any) -> None:
    t1, t2 = fake_home(home, token)
    res = CliRunner().invoke(cli, ["scan", "--offline", "--format", "json", str(home)])
    assert t1 not in res.output and t2 not in res.output
    doc = json.loads(res.output)
    by_preview = {t["preview"]: t for t in doc["tokens"]}
    assert by_preview[redact(t1)]["contexts"] == [
        {"file_type": "shell-history", "key": "GITHUB_TOKEN", "usage": "shell-history"},
        {
            "file_type": "docker-config",
            "key": "auths.ghcr.io.auth",
            "host": "ghcr.io",
            "usage": "container-registry",
            "encoding": "base64",
        },
        {"file_type": "git-credentials", "key": "password", "host": "github.com", "usage": "git"},
    ]
    rules = {(f["rule_id"], f["location"]["path"]) for f in doc["findings"]}
    assert {
        ("token-in-shell-history", "~/.bash_history"),
        ("plaintext-credential-store", "~/.docker/config.json"),
        ("plaintext-credential-store", "~/.git-credentials"),
        ("plaintext-credential-store", "~/.config/gh/hosts.yml"),
        ("token-stored-in-several-places", "~/.bash_history"),
    } <= rules
    assert doc["summary"]["files_scanned"] == 4
    # --all: the dependency tree is scanned too; --profile repository: plain tree scan. Both
    # also read patlint's own parsed-rules cache in ~/.cache (pruned by the default profile).
    # With Hyperscan, its compiled keyword databases are there too (hs-*.db).
    assert (home / ".cache" / "patlint" / "rules-v1.json").is_file()
    databases = len(list((home / ".cache" / "patlint").glob("hs-*.db")))
    res = CliRunner().invoke(cli, ["scan", "--offline", "--all", "--format", "json", str(home)])
    assert json.loads(res.output)["summary"]["files_scanned"] == 6 + databases
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--profile", "repository", "--format", "json", str(home)]
    )
    assert json.loads(res.output)["summary"]["files_scanned"] == 6 + databases


def test_env_flag(home: Path, token: Any, monkeypatch: Any) -> None:
    t = token("ghp")
    monkeypatch.setenv("GH_TOKEN", t)
    empty = home / "empty"
    empty.mkdir()
    res = CliRunner().invoke(cli, ["scan", "--offline", "--env", "--format", "json", str(empty)])
    doc = json.loads(res.output)
    assert t not in res.output
    assert [
        (f["rule_id"], f["location"]["path"], f["context"]["key"]) for f in doc["findings"]
    ] == [("github-classic-pat", "env:GH_TOKEN", "GH_TOKEN")]


def _cr_pat_home(home: Path, tok: str) -> None:
    auth = base64.b64encode(f"octocat:{tok}".encode()).decode()
    write(home, ".bashrc", f"alias ll='ls -l'\nexport CR_PAT={tok}\n")
    write(home, ".docker/config.json", json.dumps({"auths": {"ghcr.io": {"auth": auth}}}))


def test_cr_pat_holding_repo_is_overscoped_end_to_end(
    home: Path, token: Any, emulator: Emulator
) -> None:
    """The issue's case: CR_PAT in .bashrc + ghcr.io in Docker's config, GitHub says the token
    holds repo on top of the packages scopes."""
    t = token("ghp")
    emulator.add(t, scopes="repo, write:packages, read:packages")
    _cr_pat_home(home, t)
    res = CliRunner().invoke(
        cli, ["scan", "--github-api", emulator.base_url, "--format", "json", str(home)]
    )
    assert t not in res.output
    doc = json.loads(res.output)
    [f] = [f for f in doc["findings"] if f["rule_id"] == "overscoped-for-context"]
    assert "container-registry credential (ghcr.io) but also holds repo;" in f["message"]
    assert "~/.docker/config.json" in f["message"] and "~/.bashrc" in f["message"]
    assert f["confidence"] == "medium"


def test_cr_pat_with_only_packages_scopes_is_not_overscoped(
    home: Path, token: Any, emulator: Emulator
) -> None:
    t = token("ghp")
    emulator.add(t, scopes="write:packages, read:packages")
    _cr_pat_home(home, t)
    res = CliRunner().invoke(
        cli, ["scan", "--github-api", emulator.base_url, "--format", "json", str(home)]
    )
    doc = json.loads(res.output)
    assert emulator.seen(t)  # it was verified, so the silence is a judgement
    assert [f for f in doc["findings"] if f["rule_id"] == "overscoped-for-context"] == []
