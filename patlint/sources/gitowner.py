"""Whose history `--history` would read: the scanned repository's own, never another one the
scanned tree points git at.

The tree's `.git` is the tree's (hostile) metadata. A `.git` *file* (`gitdir: /elsewhere`), a
`commondir` or `objects/info/alternates` naming another local repository would make git read
that repository's history — every commit, path and token of a private checkout on the same
runner, reported and verified. So when the tree's own `.git` leads outside the scanned folder,
git must have been sent there by that repository itself:

- a worktree: its git directory is `<common>/worktrees/<id>`, whose `gitdir` file points back
  at this tree's `.git` (`git worktree add` writes it; the tree cannot write outside itself);
- a submodule: its git directory's `core.worktree` is this tree.

Object stores borrowed through `alternates` must be inside the tree, or be named by the user
in `GIT_ALTERNATE_OBJECT_DIRECTORIES` (a bare repository scanned as it is, too). What the
environment says (`GIT_DIR`, `GIT_COMMON_DIR`) is the user's choice and is not second-guessed;
nor is a repository found *above* the scanned folder (the tree has no say in that). Anything else is a configuration
error that names the target.
"""

from __future__ import annotations

import os
import subprocess

from patlint.errors import ConfigError
from patlint.sources import gitcmd, gitguard

_ALTERNATES_DEPTH = 5  # git's own limit on alternates of alternates


def check_own_history(root: str) -> None:
    """ConfigError when git, run in `root`, would read a repository other than the tree's own."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_COMMON_DIR"):
        return
    dotgit = os.path.join(root, ".git")
    real_root = os.path.realpath(root)
    git_dir, common = _git_dirs(root)
    if git_dir is None or common is None:
        return  # git itself fails; open_repo says so
    if not os.path.lexists(dotgit) and not _inside(git_dir, real_root):
        return  # a repository above the scanned folder: not the tree's to choose
    outside = [d for d in (git_dir, common) if not _inside(d, real_root)]
    if outside and not _points_back(git_dir, common, dotgit, real_root):
        raise ConfigError(
            f"{root}: its .git leads to a repository outside the scanned folder ({outside[-1]}); "
            "--history reads only the scanned repository's own history (a worktree or a "
            "submodule of it is fine). Scan that repository itself, or set GIT_DIR to use it"
        )
    trusted = {
        os.path.realpath(p)
        for p in os.environ.get("GIT_ALTERNATE_OBJECT_DIRECTORIES", "").split(os.pathsep)
        if p
    }
    for store in _alternates(os.path.join(common, "objects"), 0):
        if store not in trusted and not _inside(store, real_root):
            raise ConfigError(
                f"{root}: objects/info/alternates borrows objects from {store}, outside the "
                "scanned folder; --history reads only the scanned repository's own history. "
                "To read it anyway, name it in GIT_ALTERNATE_OBJECT_DIRECTORIES"
            )


def _git_dirs(root: str) -> tuple[str | None, str | None]:
    try:
        proc = gitguard.run(
            gitcmd.argv(root, "rev-parse", "--absolute-git-dir", "--git-common-dir"),
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    lines = os.fsdecode(proc.stdout).splitlines()
    if proc.returncode != 0 or len(lines) != 2:
        return None, None
    git_dir = os.path.realpath(lines[0])
    return git_dir, os.path.realpath(os.path.join(root, lines[1]))


def _inside(path: str, real_root: str) -> bool:
    return path == real_root or path.startswith(real_root.rstrip(os.sep) + os.sep)


def _points_back(git_dir: str, common: str, dotgit: str, real_root: str) -> bool:
    """True when the git directory outside the tree names this tree as its work tree."""
    if _inside(git_dir, real_root):
        return False  # the tree's own git dir borrowing another repository (commondir)
    if os.path.dirname(git_dir) == os.path.join(common, "worktrees"):
        back = _first_line(os.path.join(git_dir, "gitdir"))
        if back is not None:
            back = os.path.join(git_dir, back)  # relative (extensions.relativeWorktrees) or not
            return os.path.realpath(back) == os.path.realpath(dotgit)
        return False
    if git_dir == common:
        worktree = _core_worktree(git_dir)
        return worktree is not None and os.path.realpath(os.path.join(git_dir, worktree)) == (
            real_root
        )
    return False


def _core_worktree(git_dir: str) -> str | None:
    try:
        proc = gitguard.run(
            gitcmd.argv(
                git_dir, "config", "--file", os.path.join(git_dir, "config"), "core.worktree"
            ),
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = os.fsdecode(proc.stdout).strip()
    return value if proc.returncode == 0 and value else None


def _first_line(path: str) -> str | None:
    data = gitguard.read_small_bytes(path, 4096)
    line = data.split(b"\n", 1)[0].strip() if data else b""
    return os.fsdecode(line) or None


def _alternates(objects: str, depth: int) -> list[str]:
    """Object stores `objects` borrows from (and those they borrow from), as real paths, read
    as git reads `alternates` (`gitguard.alternate_stores`)."""
    if depth >= _ALTERNATES_DEPTH:
        return []
    stores = gitguard.alternate_stores(objects)
    if stores is None:
        raise ConfigError(
            f"{os.path.join(objects, 'info', 'alternates')} is larger than "
            f"{gitguard.ALTERNATES_MAX >> 20} MiB: --history does not read a repository whose "
            "borrowed object stores it cannot check"
        )
    out = []
    for store in stores:
        real = os.path.realpath(store)
        out += [real, *_alternates(real, depth + 1)]
    return out
