"""`--range` with git's all-zero ids, and the README's pre-push hook run by a real `git push`.

A pre-push hook reads `<local ref> <local sha> <remote ref> <remote sha>` lines; a new branch
has an all-zero remote sha, a deleted one an all-zero local sha.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from patlint.engine.history import collect_history
from patlint.errors import ConfigError
from tests.report.textblocks import parse, unwrap
from tests.sources.history.test_blobs import Repo, history, where

TokenFactory = Callable[..., str]
Z40, Z64 = "0" * 40, "0" * 64
README = Path(__file__).parents[3] / "README.md"


pytestmark = pytest.mark.usefixtures("git_env")


def notice(hist_notices: list[str]) -> str:
    [line] = [n for n in hist_notices if n.startswith("git history (")]
    return line


# --- --range with all zeros, at the source level ------------------------------------------


def test_new_branch_scans_only_commits_no_remote_ref_has(tmp_path: Path, token: TokenFactory):
    pushed, fresh = token("ghp"), token("gho")
    repo = Repo(tmp_path / "r")
    repo.write("old.env", f"T={pushed}\n")
    repo.commit("already on the remote")
    # a remote-tracking ref at main, as after `git push -u origin main`
    repo.git("update-ref", "refs/remotes/origin/main", "main")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("new.env", f"X=1\nT={fresh}\n")
    c1 = repo.commit("feature 1")
    repo.write("notes.md", "n\n")
    c2 = repo.commit("feature 2")

    hist, result = history(repo, rev_range=f"{Z40}..feature")
    [f] = result.findings
    assert where(f) == [("new.env", 2, c1, True)]
    assert (hist.commits, hist.blobs_read) == (2, 2)  # new.env and notes.md, not old.env
    assert notice(hist.stats.notices) == (
        f"git history (new branch: commits of {c2[:12]} not on any remote-tracking ref): "
        "2 commits, 2 unique blobs read once (0.0 MB), 1 with tokens"
    )
    # The same with `...` and with a branch made only of commits the remote has.
    _, result = history(repo, rev_range=f"{Z40}...{c2}")
    assert [where(f) for f in result.findings] == [[("new.env", 2, c1, True)]]
    hist, result = history(repo, rev_range=f"{Z40}..main")
    assert result.findings == [] and (hist.commits, hist.blobs_read) == (0, 0)


def test_new_branch_without_remote_refs_scans_every_commit(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write("a.env", f"T={t}\n")
    c1 = repo.commit("one")
    repo.write("b.md", "b\n")
    c2 = repo.commit("two")
    hist, result = history(repo, rev_range=f"{Z40}..HEAD")
    [f] = result.findings
    assert where(f) == [("a.env", 1, c1, True)]
    assert hist.commits == 2
    assert notice(hist.stats.notices).startswith(
        f"git history (new branch: every commit of {c2[:12]}, no remote refs): 2 commits"
    )


def test_deleted_branch_scans_nothing(tmp_path: Path, token: TokenFactory):
    repo = Repo(tmp_path / "r")
    repo.write("a.env", f"T={token('ghp')}\n")
    c1 = repo.commit("one")
    for rng in (f"{c1}..{Z40}", f"{Z40}..{Z40}", f"{c1[:7]}..{Z64}"):
        hist, result = history(repo, rev_range=rng)
        assert result.findings == [] and (hist.commits, hist.blobs_read) == (0, 0)
        assert hist.stats.notices == [
            "git history (deleted branch: --range ends in all zeros): nothing to scan"
        ]


def test_zeros_must_be_a_full_object_id(tmp_path: Path):
    repo = Repo(tmp_path / "r")
    repo.write("a", "a\n")
    repo.commit("a")
    for short in ("0000000", "0" * 39, "0" * 41):
        with pytest.raises(ConfigError, match=f"'{short}' is not a commit"):
            collect_history(str(repo.path), [], max_file_size=1, rev_range=f"{short}..HEAD")
    with pytest.raises(ConfigError, match="'nope' is not a commit"):
        collect_history(str(repo.path), [], max_file_size=1, rev_range=f"{Z40}..nope")


def test_sha256_repository_takes_64_zeros(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r", init=False)
    repo.path.mkdir()
    repo.git("init", "-q", "--object-format=sha256", "-b", "main")
    repo.write("a.env", f"T={t}\n")
    c1 = repo.commit("one")
    assert len(c1) == 64
    for zeros in (Z64, Z40):  # hooks pass 64 zeros here; 40 are accepted too
        hist, result = history(repo, rev_range=f"{zeros}..HEAD")
        assert [where(f) for f in result.findings] == [[("a.env", 1, c1, True)]]
        assert hist.commits == 1
    hist, result = history(repo, rev_range=f"HEAD..{Z64}")
    assert result.findings == [] and hist.commits == 0


# --- the README's pre-push hook, run by a real `git push` --------------------------------


def readme_hook() -> str:
    """The pre-push script exactly as the README documents it."""
    text = README.read_text(encoding="utf-8")
    m = re.search(r"\*\*pre-push hook\.\*\*.*?```sh\n(.*?)```", text, re.S)
    assert m, "README lost its pre-push hook snippet"
    return m.group(1)


class Pusher:
    """A work repository with a local bare `origin`, the README's hook, and a logging patlint."""

    def __init__(self, tmp_path: Path) -> None:
        self.remote = tmp_path / "origin.git"
        subprocess.run(["git", "init", "-q", "--bare", str(self.remote)], check=True)
        self.repo = Repo(tmp_path / "work")
        self.repo.git("remote", "add", "origin", str(self.remote))
        hook = self.repo.path / ".git" / "hooks" / "pre-push"
        hook.write_text(readme_hook())
        hook.chmod(0o755)
        # `patlint` on PATH: a shim that runs the real one and logs its arguments and exit code
        self.log = tmp_path / "calls.log"
        shim_dir = tmp_path / "bin"
        shim_dir.mkdir()
        real = Path(sys.executable).parent / "patlint"
        assert real.exists(), real
        shim = shim_dir / "patlint"
        shim.write_text(
            f'#!/bin/sh\n"{real}" "$@"\nrc=$?\necho "$rc $*" >> "{self.log}"\nexit $rc\n'
        )
        shim.chmod(0o755)
        self.env = {"PATH": f"{shim_dir}{os.pathsep}{os.environ['PATH']}"}

    def push(self, *args: str) -> tuple[int, str]:
        """`git push` (hook output included); returns (exit code, output)."""
        proc = subprocess.run(
            ["git", "-C", str(self.repo.path), "push", "-q", "origin", *args],
            capture_output=True,
            env={**os.environ, **self.env},
            check=False,
            timeout=120,
        )
        return proc.returncode, (proc.stdout + proc.stderr).decode()

    def calls(self) -> list[tuple[int, str]]:
        """(patlint exit code, `--range` value) of each run since the last call."""
        if not self.log.exists():
            return []
        out = []
        for line in self.log.read_text().splitlines():
            rc, args = line.split(" ", 1)
            assert args.startswith("scan --offline --no-progress --history --range "), args
            out.append((int(rc), args.rsplit(" ", 1)[1]))
        self.log.unlink()
        return out

    def remote_has(self, branch: str) -> str | None:
        proc = subprocess.run(
            ["git", "--git-dir", str(self.remote), "rev-parse", "--verify", "-q", branch],
            capture_output=True,
            check=False,
        )
        return proc.stdout.decode().strip() or None


@pytest.fixture
def pusher(tmp_path: Path) -> Pusher:
    """A repository whose `main` (one clean commit) is already pushed through the hook."""
    return main_pushed(tmp_path)


def main_pushed(tmp_path: Path) -> Pusher:
    """A repository whose `main` (one clean commit) is already pushed through the hook."""
    p = Pusher(tmp_path)
    p.repo.write("README.md", "hello\n")
    main = p.repo.commit("readme")
    code, out = p.push("main")
    assert code == 0, out
    # first push: no remote refs yet, every commit of main scanned
    assert p.calls() == [(0, f"{Z40}..{main}")]
    assert "new branch: every commit of" in out and "1 commit," in unwrap(out)
    assert p.remote_has("main") == main
    return p


def test_pre_push_blocks_a_new_branch_that_adds_a_token(pusher: Pusher, token: TokenFactory):
    t = token("ghp")
    repo = pusher.repo
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("deploy.sh", f"export GH_TOKEN={t}\n")
    leak = repo.commit("deploy")
    repo.write("notes.md", "n\n")
    tip = repo.commit("notes")
    code, out = pusher.push("feature")
    assert code == 1, out
    assert pusher.calls() == [(1, f"{Z40}..{tip}")]
    assert pusher.remote_has("feature") is None  # git refused the push
    block = parse(out).blocks[f"{t[:4]}…{t[-4:]}"]
    assert block.findings[0][:2] == ("high", "github-classic-pat") and t not in out
    assert block.where[0] == "deploy.sh:1:17  GH_TOKEN, still in HEAD"
    assert block.where[1].startswith(f"@ {leak[:10]} ")
    assert (
        f"git history (new branch: commits of {tip[:12]} not on any remote-tracking ref): "
        "2 commits, 2 unique blobs"
    ) in unwrap(out)

    # Once the token is gone from the branch's history, the same new branch pushes.
    repo.git("reset", "-q", "--hard", "main")
    repo.write("deploy.sh", "export GH_TOKEN=${GH_TOKEN:?}\n")
    clean = repo.commit("deploy, token from the environment")
    code, out = pusher.push("feature")
    assert code == 0, out
    assert pusher.calls() == [(0, f"{Z40}..{clean}")]
    assert pusher.remote_has("feature") == clean


def test_pre_push_checks_every_ref_of_one_push(pusher: Pusher, token: TokenFactory):
    repo = pusher.repo
    repo.git("checkout", "-q", "-b", "a")
    repo.write("a.md", "a\n")
    a = repo.commit("a")
    repo.git("checkout", "-q", "-b", "b", "main")
    repo.write("b.env", f"T={token('gho')}\n")
    b = repo.commit("b")
    code, out = pusher.push("a", "b")
    assert code == 1, out
    # each line of the hook's input reached its own patlint run (none ate the next line)
    assert pusher.calls() == [(0, f"{Z40}..{a}"), (1, f"{Z40}..{b}")]
    assert pusher.remote_has("a") is None and pusher.remote_has("b") is None


def test_pre_push_does_not_rescan_what_the_remote_has(pusher: Pusher, token: TokenFactory):
    repo = pusher.repo
    repo.write("old.env", f"T={token('ghp')}\n")
    old = repo.commit("a token the remote already has (pushed with --no-verify)")
    code, out = pusher.push("--no-verify", "main")
    assert code == 0 and pusher.calls() == [], out
    # A new branch made of those commits: nothing the remote lacks, nothing scanned.
    repo.git("branch", "copy", "main")
    code, out = pusher.push("copy")
    assert code == 0, out
    assert pusher.calls() == [(0, f"{Z40}..{old}")]
    assert "not on any remote-tracking ref): 0 commits, 0 unique blobs" in unwrap(out)
    assert pusher.remote_has("copy") == old
    # ... though the token is there: a scan of the whole history finds it
    _, result = history(repo)
    assert [f.location.path for f in result.findings] == ["old.env"]
    # An update of an existing branch scans only its new commits.
    repo.git("checkout", "-q", "copy")
    repo.write("more.md", "m\n")
    new = repo.commit("more")
    code, out = pusher.push("copy")
    assert code == 0, out
    assert pusher.calls() == [(0, f"{old}..{new}")]
    assert f"git history (range {old}..{new}): 1 commit, 1 unique blob read" in unwrap(out)


def test_pre_push_update_with_a_token_is_blocked(pusher: Pusher, token: TokenFactory):
    repo = pusher.repo
    base = pusher.remote_has("main")
    repo.write("x.env", f"T={token('github_pat')}\n")
    tip = repo.commit("x")
    code, out = pusher.push("main")
    assert code == 1, out
    assert pusher.calls() == [(1, f"{base}..{tip}")]
    assert pusher.remote_has("main") == base


def test_pre_push_deleting_a_branch_scans_nothing(pusher: Pusher):
    repo = pusher.repo
    main = pusher.remote_has("main")
    repo.git("branch", "gone", "main")
    assert pusher.push("gone")[0] == 0
    pusher.calls()
    code, out = pusher.push("--delete", "gone")
    assert code == 0, out
    assert pusher.calls() == [(0, f"{main}..{Z40}")]
    assert "git history (deleted branch: --range ends in all zeros): nothing to scan" in unwrap(out)
    assert pusher.remote_has("gone") is None


def test_pre_push_force_over_commits_never_fetched(
    pusher: Pusher, tmp_path: Path, token: TokenFactory
):
    # Someone else pushes to main; we force-push our own main without fetching first.
    other = Repo(tmp_path / "other", init=False)
    subprocess.run(
        ["git", "clone", "-q", "-b", "main", str(pusher.remote), str(other.path)],
        check=True,
        capture_output=True,
    )
    other.write("theirs.md", "t\n")
    theirs = other.commit("theirs")
    other.git("push", "-q", "origin", "main")
    repo = pusher.repo
    repo.write("ours.env", f"T={token('ghp')}\n")
    ours = repo.commit("ours")
    code, out = pusher.push("--force", "main")
    assert code == 1, out
    # the remote tip is unknown here: the hook falls back to "what no remote-tracking ref has"
    assert pusher.calls() == [(1, f"{Z40}..{ours}")]
    assert "1 commit," in unwrap(out) and "ours.env:1:3" in out
    assert pusher.remote_has("main") == theirs
