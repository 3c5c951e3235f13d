"""Which commit added a blob with a hit, at which path (patlint/sources/history/attribution.py):
a merge that resolves a conflict with a token, and many hit blobs attributed by the unfiltered
log as by `git log --find-object`."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import patlint.sources.history.attribution as attribution
from tests.sources.history.test_blobs import Repo, history, only, where

TokenFactory = Callable[..., str]

pytestmark = pytest.mark.usefixtures("git_env")


def test_token_introduced_by_a_merge_resolution(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write("conf.ini", "[a]\nx = 1\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("conf.ini", "[a]\nx = 2\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("conf.ini", "[a]\nx = 3\n")
    repo.commit("main")
    proc = subprocess.run(
        ["git", "-C", str(repo.path), "merge", "-q", "side"], capture_output=True, check=False
    )
    assert proc.returncode != 0  # a conflict, resolved by hand with a token
    repo.write("conf.ini", f"[a]\nx = 4\ntoken = {t}\n")
    merge = repo.commit("merge side")
    assert len(repo.git("rev-list", "--parents", "-n1", "HEAD").split()) == 3

    _, result = history(repo)
    assert where(only(result)) == [("conf.ini", 3, merge, True)]


def test_many_hit_blobs_use_the_unfiltered_log(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
):
    repo = Repo(tmp_path / "r")
    commits = []
    for i in range(3):
        repo.write(f"k{i}.env", f"T={token('ghp')}\n")
        commits.append(repo.commit(f"k{i}"))
    _, filtered = history(repo)
    monkeypatch.setattr(attribution, "FIND_OBJECT_MAX", 0)
    _, unfiltered = history(repo)
    got = sorted(where(f) for f in unfiltered.findings)
    assert got == sorted(where(f) for f in filtered.findings)
    assert got == [[(f"k{i}.env", 1, commits[i], True)] for i in range(3)]
