"""The repository profile reads `.git/config` (issue 19): the credential actions/checkout
persists is one low finding, a PAT there is still a leak, and nothing hostile in `.git` is
followed, run or printed."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from patlint.engine.run import ScanOptions, run_scan
from patlint.model import ScanResult, sha256_hex
from patlint.sources.tree import WalkOptions
from patlint.sources.workstation import plan_scan
from tests.sources.home import ruleset

pytestmark = pytest.mark.usefixtures("git_env")

RULE = "checkout-persisted-credentials"
LEAK = "token-in-git-remote-url"


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def scan_repo(path: Path) -> ScanResult:
    plan = plan_scan([str(path)], WalkOptions(), profile=None)
    assert plan.profile == "repository"
    return run_scan(plan.roots, ruleset(), ScanOptions(walk=plan.walk, jobs=1))


def checkout(tmp_path: Path, tok: str, *, v6: bool = False) -> Path:
    """A clone configured the way actions/checkout leaves it (src/git-auth-helper.ts)."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git("init", "-q", "--bare", cwd=origin)
    work = tmp_path / "work" / "app"
    work.parent.mkdir(parents=True)
    git("clone", "-q", str(origin), str(work), cwd=tmp_path)
    git("config", "--local", "url.https://github.com/.insteadOf", "git@github.com:", cwd=work)
    if v6:
        cred = tmp_path / "_temp" / "git-credentials-0b0e3b5e-1c1d-4c4e-9f3a-2f6c9d1e7a10.config"
        cred.parent.mkdir()
        header = base64.b64encode(f"x-access-token:{tok}".encode()).decode()
        cred.write_text(
            f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {header}\n'
        )
        gd = f"{work}/.git"
        for key in (f"includeIf.gitdir:{gd}.path", f"includeIf.gitdir:{gd}/worktrees/*.path"):
            git("config", "--local", key, str(cred), cwd=work)
        git(
            "config",
            "--local",
            "includeIf.gitdir:/github/workspace/.git.path",
            f"/github/runner_temp/{cred.name}",
            cwd=work,
        )
    else:
        header = base64.b64encode(f"x-access-token:{tok}".encode()).decode()
        git(
            "config",
            "--local",
            "http.https://github.com/.extraheader",
            f"AUTHORIZATION: basic {header}",
            cwd=work,
        )
    return work


def test_checkout_v4_ghs_is_one_low_finding_never_verified(tmp_path: Path, token: Any) -> None:
    t = token("ghs")
    work = checkout(tmp_path, t)
    result = scan_repo(work)
    [f] = [f for f in result.findings if f.rule_id == RULE]
    assert f.severity.name == "LOW" and f.location.path == ".git/config"
    assert "persist-credentials: false" in f.message
    # the job's own token is not a leak finding and not a token to verify
    assert [f.rule_id for f in result.findings if f.rule_id != RULE] == []
    assert result.tokens == []
    assert t not in json.dumps([f.message + str(f.context) for f in result.findings])


def test_checkout_v6_include_is_one_finding_file_not_read(tmp_path: Path, token: Any) -> None:
    t = token("ghp")  # even a PAT in the included file: outside the tree, never read
    work = checkout(tmp_path, t, v6=True)
    result = scan_repo(work)
    [f] = [f for f in result.findings if f.rule_id == RULE]
    assert f.location.path == ".git/config"
    assert result.tokens == []
    assert "git-credentials-" in f.message


def test_checkout_with_a_pat_is_still_a_leak(tmp_path: Path, token: Any) -> None:
    t = token("ghp")
    work = checkout(tmp_path, t)
    result = scan_repo(work)
    assert [f.rule_id for f in result.findings if f.rule_id == RULE] == [RULE]
    [tok] = result.tokens
    assert tok.secret.digest == sha256_hex(t)
    assert any(f.token is not None and f.rule_id != RULE for f in result.findings)


def test_same_header_in_a_user_gitconfig_is_not_a_checkout(tmp_path: Path, token: Any) -> None:
    """Only a checkout's own `.git/config` is actions/checkout's: the same header in a tracked
    `gitconfig` file is no checkout finding, while the real checkout beside it is one."""
    t, job = token("ghs"), token("ghs")
    repo = tmp_path / "repo"
    repo.mkdir()
    header = base64.b64encode(f"x-access-token:{t}".encode()).decode()
    (repo / "gitconfig").write_text(
        f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {header}\n'
    )
    (tmp_path / "v").mkdir()
    vendored = checkout(tmp_path / "v", job)
    os.rename(vendored, repo / "vendor")
    result = scan_repo(repo)
    # control: the checkout's own config is read (the old code read none and found nothing)
    assert [f.location.path for f in result.findings if f.rule_id == RULE] == ["vendor/.git/config"]


def test_hostile_names_never_print_the_token(tmp_path: Path, token: Any) -> None:
    t1, t2, t3 = token("ghp"), token("github_pat"), token("gho")
    repo = tmp_path / "r"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    git("config", f"remote.{t1}.url", f"https://u:{t2}@github.com/a/b", cwd=repo)
    git("config", f"url.https://{t3}@github.com/.insteadOf", "https://github.com/", cwd=repo)
    git("config", f"submodule.{t1}.url", f"https://{t2}@github.com/a/c", cwd=repo)
    git("config", f"credential.{t3}.helper", "store", cwd=repo)
    result = scan_repo(repo)
    assert {t.secret.digest for t in result.tokens} >= {sha256_hex(t2), sha256_hex(t3)}
    for fmt in ("text", "json", "sarif"):
        proc = subprocess.run(
            ["patlint", "scan", "--offline", "--format", fmt, str(repo)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 1, proc.stderr
        for t in (t1, t2, t3):
            assert t not in proc.stdout + proc.stderr, fmt


def real_nested_repo(path: Path, tok: str) -> None:
    """A nested repository whose own `.git/config` holds `tok`: the positive control that
    proves `.git/config` files are read at all in the scan beside the hostile ones."""
    path.mkdir(parents=True)
    git("init", "-q", cwd=path)
    git("remote", "add", "origin", f"https://x:{tok}@github.com/a/ok.git", cwd=path)


def test_git_symlink_and_gitdir_file_are_not_followed(tmp_path: Path, token: Any) -> None:
    t, ok = token("ghp"), token("ghp")
    outside = tmp_path / "outside"
    outside.mkdir()
    git("init", "-q", cwd=outside)
    git("remote", "add", "origin", f"https://x:{t}@github.com/a/b.git", cwd=outside)
    tree = tmp_path / "tree"
    (tree / "a").mkdir(parents=True)
    (tree / "b").mkdir()
    (tree / "a" / ".git").symlink_to(outside / ".git")
    (tree / "b" / ".git").write_text(f"gitdir: {outside / '.git'}\n")
    (tree / "c").mkdir()
    git("init", "-q", cwd=tree / "c")
    cfg = tree / "c" / ".git" / "config"
    cfg.unlink()
    cfg.symlink_to(outside / ".git" / "config")
    assert "x:" + t in (tree / "c" / ".git" / "config").read_text()  # the link does lead there
    real_nested_repo(tree / "d", ok)
    result = scan_repo(tree)
    # the real nested config is read; none of the three ways out of the tree is followed
    assert [x.secret.digest for x in result.tokens] == [sha256_hex(ok)]


def test_config_fifo_huge_and_include_traversal(tmp_path: Path, token: Any) -> None:
    t, ok = token("ghp"), token("ghp")
    secret = tmp_path / "secret.config"
    secret.write_text(f'[remote "o"]\n\turl = https://x:{t}@github.com/a/b\n')
    tree = tmp_path / "tree"
    (tree / "fifo").mkdir(parents=True)
    git("init", "-q", cwd=tree / "fifo")
    (tree / "fifo" / ".git" / "config").unlink()
    os.mkfifo(tree / "fifo" / ".git" / "config")
    (tree / "inc").mkdir()
    git("init", "-q", cwd=tree / "inc")
    git("config", "include.path", "../../../secret.config", cwd=tree / "inc")
    git("config", "includeIf.gitdir:/.path", str(secret), cwd=tree / "inc")
    # git itself follows the include: the token is one `git config` away
    proc = subprocess.run(
        ["git", "config", "remote.o.url"], cwd=tree / "inc", capture_output=True, text=True
    )
    assert t in proc.stdout
    (tree / "big").mkdir()
    git("init", "-q", cwd=tree / "big")
    with open(tree / "big" / ".git" / "config", "a") as fh:
        fh.write("[core]\n" + "\tx = y\n" * 400_000)
    real_nested_repo(tree / "zz", ok)
    result = scan_repo(tree)  # returns: a FIFO would hang a reader that opened it
    # read past the FIFO and the huge file to the real config; the included file never read
    assert [x.secret.digest for x in result.tokens] == [sha256_hex(ok)]


def test_fsmonitor_and_deep_nesting_run_nothing(tmp_path: Path, token: Any) -> None:
    """A real git runs `core.fsmonitor` on every index read; the scan reads the same
    `.git/config` files (finding the token in them) and runs nothing they name."""
    t, top = token("ghp"), token("ghp")
    marker = tmp_path / "RAN-fsmonitor"
    prog = tmp_path / "evil-fsmonitor"
    prog.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{marker}'\nexit 0\n")
    prog.chmod(0o755)
    tree = tmp_path / "tree"
    deep = tree
    for i in range(20):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    git("init", "-q", cwd=deep)
    git("remote", "add", "origin", f"https://x:{t}@github.com/a/b.git", cwd=deep)
    git("init", "-q", cwd=tree)
    git("remote", "add", "origin", f"https://x:{top}@github.com/a/top.git", cwd=tree)
    for d in (tree, deep):
        (d / "README").write_text("hello\n")
        git("add", "README", cwd=d)
        git("-c", "core.fsmonitor=false", "commit", "-q", "-m", "init", cwd=d)
        git("config", "core.fsmonitor", str(prog), cwd=d)
        git("config", "core.untrackedCache", "true", cwd=d)
        git("config", "core.hooksPath", str(tmp_path), cwd=d)
    assert not marker.exists()
    result = scan_repo(tree)
    assert not marker.exists(), marker.read_text()
    # the token in the same .git/config as the fsmonitor setting is found, at both depths
    assert sorted(x.secret.digest for x in result.tokens) == sorted(
        [sha256_hex(t), sha256_hex(top)]
    )
    # control: the trap is armed; a plain `git status` in that repository runs the program
    git("status", "--porcelain", cwd=deep)
    assert marker.exists()
