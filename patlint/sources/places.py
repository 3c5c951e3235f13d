"""Where a token is stored: its places, a file that moved through history counted once.

Read by the several-places policy check and by the history walk (which follows renames only
for tokens stored in several places)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from patlint.model import Candidate


@dataclass(frozen=True, slots=True)
class Place:
    """One place a token is stored: its paths (several when a file moved) and copies held there."""

    paths: tuple[str, ...]
    copies: int
    host: str | None = None

    def show(self) -> str:
        """`~/a (github.com)`, or `a.env → b.env (one copy, moved)` for a file that moved."""
        if len(self.paths) > self.copies:
            many = "one copy" if self.copies == 1 else f"{self.copies} copies"
            where = f"{' → '.join(self.paths)} ({many}, moved)"
        else:
            where = ", ".join(self.paths)
        return f"{where} ({self.host})" if self.host else where


def stored_places(candidates: Iterable[Candidate]) -> list[Place]:
    """Where a token is stored, files followed through history, in scan order.

    Every file, variable or history path is a place, except that paths which held the same git
    blob, or that git saw renamed one into the other (`Location.moved_from`: renamed and edited
    in one commit), are one file that moved: they count once, or once per path where several
    of them are still in the tip (HEAD or the range's end) or one commit added several of them
    (copies that existed together). Tree scans have no blobs, so each path counts.
    """
    parent: dict[str, str] = {}  # path -> a path of the same file (union-find)
    hosts: dict[str, str | None] = {}
    live: set[str] = set()
    first_path: dict[str, str] = {}  # blob -> first path seen holding it
    added: dict[str, set[str]] = {}  # commit -> paths it added with the token
    moves: list[tuple[str, str]] = []  # (path, the path git saw it renamed from)

    def root(path: str) -> str:
        while parent[path] != path:
            parent[path] = parent[parent[path]]
            path = parent[path]
        return path

    for c in candidates:
        loc = c.location
        path = loc.where  # in a fleet scan, `[repository] path`: each repository is its own
        repo = loc.repository or ""
        if path not in parent:
            parent[path] = path
            hosts[path] = c.context.host
        if loc.in_head:
            live.add(path)
        if loc.blob is not None:
            parent[root(path)] = root(first_path.setdefault(f"{repo}\0{loc.blob}", path))
        if loc.commit is not None:
            added.setdefault(f"{repo}\0{loc.commit}", set()).add(path)
        if loc.moved_from is not None:
            old = replace(loc, path=loc.moved_from).where
            moves.append((path, old))
    for path, old in moves:  # git saw the file renamed (and edited) from `old` in that commit
        if old in parent:
            parent[root(path)] = root(old)
    groups: dict[str, list[str]] = {}
    for path in parent:
        groups.setdefault(root(path), []).append(path)
    together: dict[str, int] = {}  # group -> most of its paths one commit added
    for paths in added.values():
        per_group: dict[str, int] = {}
        for path in paths:
            r = root(path)
            per_group[r] = per_group.get(r, 0) + 1
        for r, n in per_group.items():
            together[r] = max(together.get(r, 0), n)
    return [
        Place(
            tuple(paths),
            max(1, sum(p in live for p in paths), together.get(r, 0)),
            hosts[paths[0]],
        )
        for r, paths in groups.items()
    ]
