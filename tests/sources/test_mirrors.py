"""Bare mirrors of a fleet's remote repositories (patlint/sources/mirrors.py), through `patlint
scan --history --repos`: reused and updated, kept (stale) when the origin is gone, a cache folder
others may write refused, and a remote that never answers stopped with its whole process group."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.fleet.helpers import git, make_repo, run, scan_json

pytestmark = pytest.mark.usefixtures("git_env")


def test_a_mirror_is_reused_and_updated_on_the_next_run(tmp_path: Path, token: Any) -> None:
    first, second = token(), token()
    origin = make_repo(tmp_path / "origin", [{"a.env": f"T={first}\n"}])
    listing = tmp_path / "repos.txt"
    listing.write_text(f"file://{origin}\n")
    _, report = scan_json(listing)
    assert len(report["tokens"]) == 1
    (origin / "b.env").write_text(f"T={second}\n")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "second")
    git(origin, "branch", "-q", "side")
    _, report = scan_json(listing)
    assert len(report["tokens"]) == 2  # fetched the new commit into the same mirror
    mirror = next((Path(os.environ["XDG_CACHE_HOME"]) / "patlint" / "repos").glob("*.git"))
    assert "side" in git(mirror, "branch", "--list")
    # the origin is gone: the earlier copy is still scanned, with a notice (incomplete)
    subprocess.run(["rm", "-rf", str(origin)], check=True)
    _, report = scan_json(listing)
    assert len(report["tokens"]) == 2
    assert report["fleet"]["repositories"][0]["status"] == "stale"
    assert any(s["reason"] == "stale-mirror" for s in report["skipped"])


def test_a_cache_folder_others_may_write_is_refused(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)
    listing = tmp_path / "repos.txt"
    listing.write_text("file:///nowhere/r\n")
    code, _, err = run(
        ["scan", "--offline", "--history", "--repos", str(listing), "--repos-cache", str(cache)]
    )
    assert code == 2 and "others may write" in err


def test_a_remote_that_never_answers_is_stopped_and_leaves_nothing_running(
    tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile (or dead) server that accepts and then says nothing must not hang the fleet:
    the fetch is killed with its whole process group after --fetch-timeout."""
    import time

    marker = tmp_path / "ssh-started"
    fake_ssh = tmp_path / "ssh"
    fake_ssh.write_text(f"#!/bin/sh\necho $$ > {marker}\nexec sleep 300\n")
    fake_ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(fake_ssh))
    good = make_repo(tmp_path / "good", [{"a.env": f"T={token()}\n"}])
    listing = tmp_path / "repos.txt"
    listing.write_text(f"ssh://git.example.test/o/r\n{good}\n")
    start = time.monotonic()
    _, report = scan_json(listing, "--fetch-timeout", "1")
    assert time.monotonic() - start < 30
    status = {r["name"]: r for r in report["fleet"]["repositories"]}
    assert status["ssh://git.example.test/o/r"]["status"] == "not-scanned"
    assert "no answer within 1 s" in status["ssh://git.example.test/o/r"]["detail"]
    assert status[str(good)]["status"] == "scanned" and len(report["tokens"]) == 1
    pid = int(marker.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the fake ssh (the fetch's child) is still running")
    leftovers = list((Path(os.environ["XDG_CACHE_HOME"]) / "patlint" / "repos").glob(".fetch-*"))
    assert leftovers == []  # the half-done clone was removed, no mirror looks whole
