"""`patlint/config.py`: where configuration comes from and what a discovered config may do.

Trusted: flags, `--config FILE`, the user config under $XDG_CONFIG_HOME. Discovered (the
scanned tree's `.patlint.yaml` / `[tool.patlint]`): narrowing only, each narrowing named.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from patlint.cli import cli
from patlint.config import KEYS, NARROWING, TRUSTED_ONLY, discover, resolve, user_config_path
from patlint.errors import ConfigError
from patlint.tokengen import make_token
from tests.report.textblocks import unwrap


def scan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", *args])


def user_config(text: str) -> Path:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_user_config_path_follows_xdg(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert user_config_path() == home / ".config" / "patlint" / "config.yaml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")  # not absolute: ignored, as XDG says
    assert user_config_path() == home / ".config" / "patlint" / "config.yaml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert user_config_path() == home / ".config" / "patlint" / "config.yaml"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg"))
    assert user_config_path() == home / "xdg" / "patlint" / "config.yaml"


def test_each_narrowing_is_named_in_the_summary(tmp_path: Path) -> None:
    rng = random.Random(3)
    ghp, gho, ghu = (make_token(k, rng) for k in ("ghp", "gho", "ghu"))
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.js").write_text(f"t='{ghp}'\n")
    (tmp_path / "a.env").write_text(f"A={gho}\nB={ghu}\n")
    (tmp_path / ".patlint.yaml").write_text(
        "exclude: ['vendor/']\n"
        "disable: [github-oauth-token]\n"
        "rules:\n"
        "  github-app-user-token: {severity: info}\n"
        "  lifetime-too-long: {params: {max_lifetime_days: 3650}}\n"
        "fail_on: high\n"
        "max_file_size: 1MB\n"
        "follow_symlinks: false\n"
        f"allow: ['{'ab' * 32}']\n"
        "enable: [github-token-checksum-invalid]\n"  # only adds findings: allowed, not a narrowing
    )
    res = scan("--format", "json", str(tmp_path))
    report = json.loads(res.stdout)
    assert res.exit_code == 0  # fail_on: high, and the one finding left is info
    assert [(f["rule_id"], f["severity"]) for f in report["findings"]] == [
        ("github-app-user-token", "info")
    ]
    assert report["summary"]["config_narrowed"] == [
        "rules.github-app-user-token.severity info",
        "rules.lifetime-too-long.params.max_lifetime_days",
        "disable github-oauth-token",
        "exclude vendor/",
        f"allow {'ab' * 6}…",
        "fail_on high",
        f"max_file_size {1 << 20}",
    ]
    res = scan(str(tmp_path))
    assert (
        unwrap(res.stdout)
        .rstrip()
        .endswith(
            f"config: {tmp_path / '.patlint.yaml'} (narrowed by the scanned tree's config: 7: "
            "rules.github-app-user-token.severity info, rules.lifetime-too-long.params.max_lifetime_days, "
            f"disable github-oauth-token, exclude vendor/, allow {'ab' * 6}…, fail_on high, "
            f"max_file_size {1 << 20})"
        )
    )


@pytest.mark.parametrize(
    ("text", "key", "where"),
    [
        (
            "github_api: {ghe.corp.example: 'https://ghe.corp.example/api/v3'}",
            "github_api",
            "--github-api HOST=URL",
        ),
        ("verification: {timeout: 1}", "verification", "your user config"),
        ("verification: {verify_unnamed_hosts: true}", "verification", "your user config"),
        ("profile: repository", "profile", "--profile"),
        ("rules_dirs: [./rules]", "rules_dirs", "--rules DIR"),
        ("follow_symlinks: true", "follow_symlinks", "--follow-symlinks"),
        ("max_file_size: 1GB", "max_file_size", "--max-file-size"),
    ],
)
def test_a_trusted_only_key_in_a_discovered_config_is_a_config_error(
    tmp_path: Path, text: str, key: str, where: str
) -> None:
    (tmp_path / ".patlint.yaml").write_text(text + "\n")
    res = scan(str(tmp_path))
    assert res.exit_code == 2, res.output
    assert (
        f"{tmp_path / '.patlint.yaml'}: {key}: not taken from a config found in the scanned tree ("
        in res.stderr
    )
    assert where in res.stderr and "--trust-repo-config" in res.stderr


def test_every_setting_is_either_narrowing_or_trusted_only() -> None:
    """A new key must be classified: one that is not is refused in a discovered config."""
    assert set(NARROWING) | set(TRUSTED_ONLY) == set(KEYS)
    assert not set(NARROWING) & set(TRUSTED_ONLY)


def test_a_larger_max_file_size_is_refused_against_the_trusted_limit(tmp_path: Path) -> None:
    """The limit a discovered config may not exceed is the trusted one, not the default."""
    user_config("max_file_size: 512MB\n")
    (tmp_path / ".patlint.yaml").write_text("max_file_size: 300MB\n")
    cfg = resolve([str(tmp_path)])
    assert cfg.max_file_size == 300 << 20 and cfg.narrowed == (f"max_file_size {300 << 20}",)
    (tmp_path / ".patlint.yaml").write_text("max_file_size: 600MB\n")
    with pytest.raises(ConfigError, match="max_file_size: not taken"):
        resolve([str(tmp_path)])


def test_trust_repo_config_lets_the_repository_set_every_key(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "corp.yml").write_text(
        "- id: corp-deploy-key\n  name: Corp key\n  kind: detector\n  token_kind: legacy\n"
        "  pattern: '(CORP-[0-9a-f]{32})'\n  keywords: [CORP-]\n  entropy: 2.5\n"
        "  severity: medium\n  description: d\n  remediation: r\n"
        "  examples: ['k=CORP-0123456789abcdef0fedcba987654321']\n  negative_examples: ['CORP-1']\n"
    )
    (tmp_path / "x.cfg").write_text("key = CORP-9f8e7d6c5b4a39281706f5e4d3c2b1a0\n")
    (tmp_path / ".patlint.yaml").write_text("rules_dirs: [./my-rules]\nprofile: repository\n")
    assert scan(str(tmp_path)).exit_code == 2
    res = scan("--trust-repo-config", "--format", "json", str(tmp_path))
    assert res.exit_code == 1, res.output
    assert [f["rule_id"] for f in json.loads(res.stdout)["findings"]] == ["corp-deploy-key"]


def test_user_config_is_the_base_and_the_discovered_config_narrows_it(tmp_path: Path) -> None:
    rng = random.Random(4)
    ghp, gho = make_token("ghp", rng), make_token("gho", rng)
    (tmp_path / "a.env").write_text(f"A={ghp}\nB={gho}\n")
    user = user_config(
        "rules:\n  github-classic-pat: {severity: critical}\ngithub_api: {ghe.corp.example: "
        "'https://ghe.corp.example/api/v3'}\n"
    )
    (tmp_path / ".patlint.yaml").write_text("disable: [github-oauth-token]\n")
    res = scan("--format", "json", str(tmp_path))
    report = json.loads(res.stdout)
    assert [(f["rule_id"], f["severity"]) for f in report["findings"]] == [
        ("github-classic-pat", "critical")
    ]
    assert report["summary"]["config"] == f"{user} + {tmp_path / '.patlint.yaml'}"
    cfg = resolve([str(tmp_path)])
    assert dict(cfg.github_api) == {"ghe.corp.example": "https://ghe.corp.example/api/v3"}
    # --no-repo-config: the user config alone
    report = json.loads(scan("--format", "json", "--no-repo-config", str(tmp_path)).stdout)
    assert {f["rule_id"] for f in report["findings"]} == {
        "github-classic-pat",
        "github-oauth-token",
    }
    assert report["summary"]["config"] == f"{user} (--no-repo-config)"
    # --config FILE pins the whole configuration: neither the user's nor the tree's is read
    pinned = tmp_path.parent / f"{tmp_path.name}-pinned.yaml"
    pinned.write_text("disable: [github-classic-pat]\n")
    report = json.loads(scan("--format", "json", "--config", str(pinned), str(tmp_path)).stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["github-oauth-token"]
    assert report["summary"]["config"] == str(pinned)


def test_a_user_config_not_owned_by_the_user_is_ignored(tmp_path: Path) -> None:
    """sudo without -H keeps HOME: root must not take the invoking user's config as its own."""
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    path = user_config("github_api: {github.com: 'http://127.0.0.1:9'}\n")
    os.chown(path, 65534, 65534)
    cfg = resolve([str(tmp_path)])
    assert dict(cfg.github_api) == {}
    assert cfg.notices == (
        f"config: {path} ignored: owned by uid 65534, not by the user running patlint (uid 0)",
    )


def test_discovery_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".patlint.yaml").write_text("disable: [github-classic-pat]\n")  # above the repo
    repo = tmp_path / "repo"
    (repo / "src" / "deep").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert discover([str(repo / "src" / "deep")]) is None
    (repo / ".patlint.yml").write_text("exclude: [x]\n")
    assert discover([str(repo / "src" / "deep")]) == repo / ".patlint.yml"
    (repo / "src" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: skipped
    assert discover([str(repo / "src" / "deep")]) == repo / ".patlint.yml"
    (repo / "src" / "pyproject.toml").write_text("[tool.patlint]\nexclude = ['y']\n")
    assert discover([str(repo / "src" / "deep")]) == repo / "src" / "pyproject.toml"


def test_discovery_outside_a_repository_looks_in_the_scanned_folder_only(tmp_path: Path) -> None:
    (tmp_path / ".patlint.yaml").write_text("exclude: [x]\n")
    (tmp_path / "sub").mkdir()
    assert discover([str(tmp_path / "sub")]) is None
    assert discover([str(tmp_path)]) == tmp_path / ".patlint.yaml"
    (tmp_path / "sub" / "f.txt").write_text("x\n")
    assert discover([str(tmp_path / "sub" / "f.txt")]) is None  # a file: its folder only


def test_a_linked_or_special_discovered_config_is_ignored_with_a_notice(
    tmp_path: Path, home: Path
) -> None:
    """A `.patlint.yaml` that is a link to a file outside the tree (e.g. a credential file,
    whose content a parse error would quote) is never read; a FIFO never blocks."""
    secret = home / ".git-credentials"
    tok = make_token("ghp", random.Random(5))
    secret.write_text(f"https://octo:{tok}@github.com\n")
    (tmp_path / ".patlint.yaml").symlink_to(secret)
    cfg = resolve([str(tmp_path)])
    assert cfg.notices == (
        f"config: {tmp_path / '.patlint.yaml'} ignored: a symbolic link (not followed)",
    )
    assert cfg.source == "built-in defaults"
    (tmp_path / ".patlint.yaml").unlink()
    os.mkfifo(tmp_path / ".patlint.yaml")
    cfg = resolve([str(tmp_path)])
    assert cfg.notices == (f"config: {tmp_path / '.patlint.yaml'} ignored: not a regular file",)


def test_a_huge_discovered_config_is_refused(tmp_path: Path) -> None:
    with open(tmp_path / ".patlint.yaml", "wb") as fh:
        fh.truncate(2 << 30)  # sparse: 2 GB of nothing
    res = scan(str(tmp_path))
    assert res.exit_code == 2
    assert "larger than 1 MiB: not a config file" in res.stderr
