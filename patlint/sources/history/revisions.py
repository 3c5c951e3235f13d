"""Which commits a history scan covers: open the repository, resolve `--since`, `--range` and a
pre-push hook's all-zero sides into rev-list arguments, and the git plumbing the others use."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

from patlint.errors import ConfigError, PatlintError
from patlint.sources import gitcmd, gitguard
from patlint.sources.gitowner import check_own_history

_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


_ZERO = re.compile(r"0{40}(0{24})?")  # git's "no object" (SHA-1 or SHA-256) in hook input


@dataclass(frozen=True, slots=True)
class _Revisions:
    args: tuple[str, ...]  # for rev-list and log; empty: nothing to scan
    tip: str | None  # commit whose tree is "HEAD" for in_head; None when there is none
    description: str
    # a pushed tag of a tree or blob (`0…0..TREE`): no commits, `tip` is that tree (or None)
    commits: bool = True


def _git(repo: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run a short git command in `repo` and capture its output."""
    try:
        proc = gitguard.run(gitcmd.argv(repo, *args), timeout=600)
    except FileNotFoundError:
        raise ConfigError("git is not installed (or not on PATH); --history needs it") from None
    if check and proc.returncode != 0:
        raise PatlintError(f"git {args[0]} failed in {repo}: {_first_line(proc.stderr)}")
    return proc


def _first_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[0] if lines else "no message"


def open_repo(path: str, *, checked: bool = False) -> str:
    """Check that `path` is inside a git repository; ConfigError (exit 2) when it is not, or
    when git would hang there (`gitguard.precheck`, unless the caller `checked` already)."""
    if not os.path.isdir(path):
        raise ConfigError(f"{path}: not a directory (--history needs a git repository)")
    why = None if checked else gitguard.precheck(path)
    if why is not None:  # `read_history` skips such a repository before; the others stop here
        raise ConfigError(f"{path}: git would wait for ever in this repository ({why})")
    proc = _git(path, "rev-parse", "--git-dir", check=False)
    if proc.returncode != 0:
        raise ConfigError(f"{path}: not a git repository ({_first_line(proc.stderr)})")
    check_own_history(path)  # not another repository the tree's .git points at
    return path


def _commit(repo: str, rev: str, flag: str) -> str:
    if not rev or rev.startswith("-"):
        raise ConfigError(f"{flag}: {rev!r} is not a revision")
    proc = _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    oid = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not _HEX.fullmatch(oid):
        raise ConfigError(f"{flag}: {rev!r} is not a commit in {repo}")
    return oid


def _head(repo: str) -> str | None:
    proc = _git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    oid = proc.stdout.decode("ascii", "replace").strip()
    return oid if proc.returncode == 0 and _HEX.fullmatch(oid) else None


def resolve_revisions(repo: str, *, since: str | None, rev_range: str | None) -> _Revisions:
    """Turn --since / --range into rev-list arguments (resolved commit ids: nothing to inject)."""
    if since and rev_range:
        raise ConfigError("--since and --range cannot be combined")
    if rev_range is not None:
        sep = "..." if "..." in rev_range else ".."
        if sep not in rev_range:
            raise ConfigError(f"--range: {rev_range!r} is not a range (expected A..B)")
        left, right = rev_range.split(sep, 1)
        if _ZERO.fullmatch(right):
            return _Revisions((), None, "deleted branch: --range ends in all zeros")
        if _ZERO.fullmatch(left):
            return _new_branch(repo, right)
        a = _commit(repo, left or "HEAD", "--range")
        b = _commit(repo, right or "HEAD", "--range")
        return _Revisions((f"{a}{sep}{b}",), b, f"range {rev_range}")
    head = _head(repo)
    if since is not None:
        base = _commit(repo, since, "--since")
        return _Revisions(("--all", f"^{base}"), head, f"all refs since {since}")
    return _Revisions(("--all",), head, "all refs")


def _new_branch(repo: str, rev: str) -> _Revisions:
    """`0…0..B` from a pre-push hook: the commits of B that no remote-tracking ref has yet;
    when B is (a tag of) a tree or a blob, every blob of that tree, or that blob."""
    try:
        tip = _commit(repo, rev or "HEAD", "--range")
    except ConfigError:
        loose = _tree_or_blob(repo, rev)
        if loose is None:
            raise
        return loose
    short = tip[:12]
    remotes = _git(repo, "for-each-ref", "--count=1", "--format=x", "refs/remotes/").stdout
    if not remotes.strip():
        return _Revisions((tip,), tip, f"new branch: every commit of {short}, no remote refs")
    return _Revisions(
        (tip, "--not", "--remotes"),
        tip,
        f"new branch: commits of {short} not on any remote-tracking ref",
    )


def _tree_or_blob(repo: str, rev: str) -> _Revisions | None:
    """`rev` (a tag peeled) as revisions when it is a tree or a blob; None otherwise."""
    if not rev or rev.startswith("-"):
        return None
    proc = _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{}}", check=False)
    oid = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not _HEX.fullmatch(oid):
        return None
    kind = _git(repo, "cat-file", "-t", oid, check=False).stdout.decode("ascii", "replace")
    kind = kind.strip()
    if kind == "tree":
        what = f"tree {oid[:12]}: not a commit, every blob in it"
        return _Revisions((oid,), oid, what, commits=False)
    if kind == "blob":
        return _Revisions((oid,), None, f"blob {oid[:12]}: not a commit", commits=False)
    return None


def _count_commits(repo: str, revs: _Revisions) -> int:
    args = ("rev-list", "--count", "--ignore-missing", *revs.args)
    out = _git(repo, *args, check=False).stdout.strip()
    return int(out) if out.isdigit() else 0


def _git_version(repo: str) -> tuple[int, ...]:
    out = _git(repo, "version").stdout.decode("ascii", "replace")
    m = re.search(r"(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def _partial_clone(repo: str) -> bool:
    """True when `repo` is a partial clone (objects may be missing by design): a promisor
    remote (`remote.<name>.promisor`) or `extensions.partialClone`."""
    proc = _git(
        repo,
        "config",
        "--get-regexp",
        r"^(remote\..*\.promisor|extensions\.partialclone)$",
        check=False,
    )
    return proc.returncode == 0 and bool(proc.stdout.strip())
