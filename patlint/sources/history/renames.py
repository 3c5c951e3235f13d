"""Renames: one file moved and edited in one commit is one place."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from patlint.errors import ConfigError, PatlintError
from patlint.model import Candidate, Location
from patlint.sources import gitcmd, gitguard
from patlint.sources.history.revisions import _first_line

RENAME_PATHSPECS_MAX = 1000  # more paths than this: diff whole commits (still renames only)


_STATUS = re.compile(rb"[A-Z][0-9]*")


def follow_renames(repo: str, candidates: list[Candidate]) -> list[Candidate]:
    """Mark each history candidate whose path git saw renamed (`-M`, 50%) from another path of
    the same token in the same commit (`Location.moved_from`), so `token-stored-in-several-places`
    counts a file renamed *and* edited once, as it counts a pure rename (same blob) once.

    Costs nothing unless a token would otherwise count as stored in several places: then one
    `git diff-tree --stdin -M` over only the commits that added such a token, limited to its
    paths.
    """
    from patlint.sources.places import stored_places

    by_token: dict[str, list[Candidate]] = {}
    for c in candidates:
        if c.location.commit is not None:
            by_token.setdefault(c.secret.digest, []).append(c)
    commits: dict[str, None] = {}  # ordered set
    paths: dict[str, set[str]] = {}  # commit -> token paths it added
    token_paths: set[str] = set()
    for cands in by_token.values():
        if sum(p.copies for p in stored_places(cands)) < 2:
            continue
        names = {c.location.path for c in cands}
        token_paths |= names
        for c in cands:
            commit = c.location.commit or ""
            commits[commit] = None
            paths.setdefault(commit, set()).add(c.location.path)
    if not commits:
        return candidates
    renamed = _renames(repo, list(commits), sorted(token_paths))
    moved: dict[tuple[str, str], str] = {}  # (commit, new path) -> old path, both token paths
    for commit, old, new in renamed:
        if new in paths.get(commit, ()) and old in token_paths:
            moved[(commit, new)] = old
    if not moved:
        return candidates
    out = []
    for c in candidates:
        source = moved.get((c.location.commit or "", c.location.path))
        out.append(replace(c, location=replace(c.location, moved_from=source)) if source else c)
    return out


def _renames(repo: str, commits: Sequence[str], paths: Sequence[str]) -> list[tuple[str, str, str]]:
    """(commit, old path, new path) for each rename git detects in `commits` (first parent)."""
    args = ["diff-tree", "--stdin", "-r", "-M", "--name-status", "-z", "--no-ext-diff"]
    if len(paths) <= RENAME_PATHSPECS_MAX:
        args += ["--", *(f":(literal){p}" for p in paths)]
    try:
        proc = gitguard.run(
            gitcmd.argv(repo, *args),
            input="".join(f"{c}\n" for c in commits).encode("ascii"),
            timeout=600,
        )
    except FileNotFoundError:
        raise ConfigError("git is not installed (or not on PATH); --history needs it") from None
    if proc.returncode != 0:
        raise PatlintError(f"git diff-tree failed in {repo}: {_first_line(proc.stderr)}")
    found: list[tuple[str, str, str]] = []
    fields = proc.stdout.split(b"\0")  # commit id, then status, path(s), status, path(s)…
    commit, i = "", 0
    while i < len(fields):
        field_ = fields[i]
        if not _STATUS.fullmatch(field_):
            if field_:
                commit = field_.decode("ascii", "replace")
            i += 1
            continue
        two = field_[:1] in (b"R", b"C")
        if field_[:1] == b"R" and i + 2 < len(fields):
            found.append((commit, os.fsdecode(fields[i + 1]), os.fsdecode(fields[i + 2])))
        i += 3 if two else 2
    return found


def _relocate(loc: Location, notes: Sequence[str], where: dict[str, Any]) -> Location:
    """`loc` moved to a commit and path of the history, with its notes."""
    note = "; ".join(n for n in (loc.note, *notes) if n)
    return replace(loc, note=note, **where)
