"""token-stored-in-several-places over history: git's own rename detection decides what moved.

A pure rename keeps the blob (one place by blob id); a rename *and* edit in one commit makes a
new blob, so only git's rename detection (`-M`, 50% similarity) can say it is the same file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import patlint.sources.history.renames as gh
from patlint.model import redact
from tests.policy.test_storage_scan import findings
from tests.sources.history.test_blobs import Repo, history

TokenFactory = Callable[..., str]
RULE = "token-stored-in-several-places"
TAIL = "every copy must be found and removed when it leaks or rotates"

pytestmark = pytest.mark.usefixtures("git_env")


def env_file(t: str, region: str = "eu-west-1") -> str:
    """A credentials file of ten lines, one of them the token."""
    lines = [f"SETTING_{i}=value-{i}" for i in range(8)]
    return "\n".join([f"GH_TOKEN={t}", f"REGION={region}", *lines]) + "\n"


def several(repo: Repo) -> list[tuple[str, str]]:
    return findings("--history", "--offline", str(repo.path), rule=RULE)


def test_renamed_and_edited_in_one_commit_is_one_place(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write(".env", env_file(t))
    repo.commit("add .env")
    repo.git("mv", ".env", "prod.env")
    repo.write("prod.env", env_file(t, region="us-east-1"))
    moved = repo.commit("rename .env to prod.env and change the region")
    status, old, new = repo.git("show", "-M", "--name-status", "--format=", moved).split("\t")
    assert (status[0], int(status[1:]) >= 50, old, new) == ("R", True, ".env", "prod.env")

    assert several(repo) == []
    # Two blobs, so the scan sees the token at both paths; git's rename links them.
    hist, _ = history(repo)
    assert hist.blobs_with_hits == 2
    assert sorted((c.location.path, c.location.moved_from) for c in hist.candidates) == [
        (".env", None),
        ("prod.env", ".env"),
    ]

    # An unrelated file with the same token is a second place; the moved file is still one.
    repo.write("deploy/ci.env", f"# ci\nDEPLOY={t}\n")
    repo.commit("add ci.env")
    assert several(repo) == [
        (
            ".env",
            f"token {redact(t)} is stored in 2 places: .env → prod.env (one copy, moved), "
            f"deploy/ci.env; {TAIL}",
        )
    ]


def test_copied_and_edited_file_is_two_places(tmp_path: Path, token: TokenFactory):
    """A copy (the original stays) is not a rename, even when git could pair the contents."""
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write(".env", env_file(t))
    repo.commit("add .env")
    repo.write("prod.env", env_file(t, region="us-east-1"))
    repo.commit("copy .env to prod.env with another region")
    assert several(repo) == [
        (".env", f"token {redact(t)} is stored in 2 places: .env, prod.env; {TAIL}")
    ]


def test_rename_git_does_not_see_is_two_places(tmp_path: Path, token: TokenFactory):
    """Moved and mostly rewritten (under git's 50% similarity): git sees a delete and an add."""
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write(".env", env_file(t))
    repo.commit("add .env")
    repo.git("mv", ".env", "prod.env")
    repo.write("prod.env", f"GH_TOKEN={t}\n" + "".join(f"NEW_{i}=other\n" for i in range(9)))
    moved = repo.commit("move and rewrite")
    assert repo.git("show", "-M", "--name-status", "--format=", moved) == "D\t.env\nA\tprod.env"
    assert several(repo) == [
        (".env", f"token {redact(t)} is stored in 2 places: .env, prod.env; {TAIL}")
    ]


def test_renamed_then_original_restored_is_two_places(tmp_path: Path, token: TokenFactory):
    """Renamed and edited, then the old file committed again: both live, two copies."""
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write(".env", env_file(t))
    repo.commit("add .env")
    repo.git("mv", ".env", "prod.env")
    repo.write("prod.env", env_file(t, region="us-east-1"))
    repo.commit("rename and edit")
    repo.write(".env", env_file(t))
    repo.commit("bring .env back")
    assert several(repo) == [
        (".env", f"token {redact(t)} is stored in 2 places: .env, prod.env; {TAIL}")
    ]


def test_no_rename_lookup_unless_the_rule_could_fire(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
):
    """A history whose tokens each sit in one place never runs the extra git diff-tree."""
    calls: list[tuple[str, ...]] = []
    real = gh._renames

    def spy(repo: str, commits: list[str], paths: list[str]) -> list[tuple[str, str, str]]:
        calls.append(tuple(commits))
        return real(repo, commits, paths)

    monkeypatch.setattr(gh, "_renames", spy)
    repo = Repo(tmp_path / "r")
    repo.write("notes.md", "nothing here\n")
    repo.commit("no token")
    assert several(repo) == [] and calls == []
    t = token("ghp")
    repo.write("a.env", f"T={t}\n")
    repo.commit("one token")
    repo.git("mv", "a.env", "b.env")
    repo.commit("pure rename: same blob")
    assert several(repo) == [] and calls == []
    repo.write("c.env", f"# c\nT={t}\n")
    c = repo.commit("a second place")
    assert len(several(repo)) == 1
    [commits] = calls
    assert c in commits and len(commits) == 3  # the commits that added a.env, b.env, c.env
