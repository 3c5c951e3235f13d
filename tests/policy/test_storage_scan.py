"""Storage rules end to end: `patlint scan` over a fake home and over a real git history."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact
from tests.sources.home import write

TokenFactory = Callable[..., str]
GHES = "git.corp.example"
GHES_API = f"{GHES}=https://{GHES}/api/v3"


def findings(*args: str, rule: str) -> list[tuple[str, str]]:
    """(path, message) of each `rule` finding of `patlint scan --format json ARGS`."""
    res = CliRunner().invoke(cli, ["scan", "--no-progress", "--format", "json", *args])
    assert res.exit_code in (0, 1), res.output
    doc = json.loads(res.output)
    return [(f["location"]["path"], f["message"]) for f in doc["findings"] if f["rule_id"] == rule]


def ghes_home(home: Path, token: TokenFactory) -> dict[str, str]:
    """A GHES host without "github" in its name in three credential files, npmjs.org in one."""
    tokens = {name: token("ghp") for name in ("git", "netrc", "docker", "npm")}
    write(home, ".git-credentials", f"https://me:{tokens['git']}@{GHES}\n")
    write(home, ".netrc", f"machine {GHES} login me password {tokens['netrc']}\n")
    auth = base64.b64encode(f"me:{tokens['docker']}".encode()).decode()
    write(home, ".docker/config.json", json.dumps({"auths": {GHES: {"auth": auth}}}, indent=2))
    write(home, ".npmrc", f"//registry.npmjs.org/:_authToken={tokens['npm']}\n")
    return tokens


def test_ghes_host_is_github_once_configured(home: Path, token: TokenFactory) -> None:
    """A GHES host named by `--github-api HOST=URL` (also --offline), by config `github_api:` or
    by the rule's params is a GitHub host for token-for-wrong-host; npmjs.org never is."""
    tokens = ghes_home(home, token)
    tail = (
        ", where a GitHub token cannot authenticate; it is either a mistake or a copy that "
        "leaks to that host"
    )
    everything = [
        (
            path,
            f"token {redact(tokens[name])} is stored as {usage} credential for {host} in "
            f"{path}:{line}:{col}{tail}",
        )
        for name, path, usage, host, line, col in (
            ("docker", "~/.docker/config.json", "container-registry", GHES, 4, 16),
            ("git", "~/.git-credentials", "git", GHES, 1, 12),
            ("netrc", "~/.netrc", "netrc", GHES, 1, 44),
            ("npm", "~/.npmrc", "npm", "registry.npmjs.org", 1, 34),
        )
    ]
    npm_only = everything[3:]

    def wrong_host(*args: str) -> list[tuple[str, str]]:
        return sorted(findings("--offline", *args, str(home), rule="token-for-wrong-host"))

    assert wrong_host() == everything
    # --github-api HOST=URL names a GitHub host; --offline sends nothing, the host still counts.
    assert wrong_host("--github-api", GHES_API) == npm_only
    assert wrong_host("--github-api", f"{GHES.upper()}:8443=https://{GHES}:8443/api/v3") == npm_only
    # Another GHES host configured does not make this one GitHub.
    other = "ghe.other.example=https://ghe.other.example/api/v3"
    assert wrong_host("--github-api", other) == everything
    # The config file's `github_api:` says the same.
    config = home / "patlint.yaml"
    config.write_text(f"github_api:\n  {GHES}: https://{GHES}/api/v3\n")
    assert wrong_host("--config", str(config)) == npm_only
    # And, as before, the rule's params.
    config.write_text(
        "rules:\n  token-for-wrong-host:\n    params:\n"
        f"      github_hosts: [github.com, ghcr.io, {GHES}]\n"
    )
    assert wrong_host("--config", str(config)) == npm_only


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> Callable[..., str]:
    """`git(*args)` in a fresh repository, without system or user git config."""
    path = tmp_path / "repo"
    path.mkdir()

    def git(*args: str) -> str:
        cmd = ["git", "-C", str(path), *args]
        return subprocess.run(cmd, capture_output=True, check=True, text=True).stdout.strip()

    git("init", "-q", "-b", "main")
    return git


def test_renamed_file_in_history_is_one_place(
    repo: Callable[..., str], token: TokenFactory
) -> None:
    """a.env committed, `git mv a.env b.env` committed: one stored copy that moved, no finding;
    the token in a second file (another blob) is a second place."""
    t = token("ghp")
    root = Path(repo("rev-parse", "--show-toplevel"))
    (root / "a.env").write_text(f"GH_TOKEN={t}\n")
    repo("add", "a.env")
    repo("commit", "-q", "-m", "add a.env")
    repo("mv", "a.env", "b.env")
    repo("commit", "-q", "-m", "rename a.env to b.env")
    rule = "token-stored-in-several-places"
    args = ("--history", "--offline", str(root))
    assert findings(*args, rule=rule) == []
    # The blob really is seen at both paths (the rule, not the scan, makes it one place).
    res = CliRunner().invoke(cli, ["scan", "--no-progress", "--format", "json", *args])
    [detected] = [f for f in json.loads(res.output)["findings"] if f["rule_id"] != rule]
    paths = [detected["location"]["path"], *(r["path"] for r in detected["related"])]
    assert sorted(paths) == ["a.env", "b.env"]

    (root / "c.env").write_text(f"# deploy\nDEPLOY_TOKEN={t}\n")
    repo("add", "c.env")
    repo("commit", "-q", "-m", "add c.env")
    assert findings(*args, rule=rule) == [
        (
            "a.env",
            f"token {redact(t)} is stored in 2 places: a.env → b.env (one copy, moved), c.env; "
            "every copy must be found and removed when it leaks or rotates",
        )
    ]


def test_copy_in_history_still_present_is_two_places(
    repo: Callable[..., str], token: TokenFactory
) -> None:
    """The same content copied to another path, both still in HEAD: two stored copies."""
    t = token("ghp")
    root = Path(repo("rev-parse", "--show-toplevel"))
    (root / "a.env").write_text(f"GH_TOKEN={t}\n")
    repo("add", "a.env")
    repo("commit", "-q", "-m", "add a.env")
    (root / "b.env").write_text(f"GH_TOKEN={t}\n")
    repo("add", "b.env")
    repo("commit", "-q", "-m", "copy a.env to b.env")
    assert findings("--history", "--offline", str(root), rule="token-stored-in-several-places") == [
        (
            "a.env",
            f"token {redact(t)} is stored in 2 places: a.env, b.env; "
            "every copy must be found and removed when it leaks or rotates",
        )
    ]
