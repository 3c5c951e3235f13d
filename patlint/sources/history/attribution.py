"""Attribute the blobs with hits to commits and paths: which commit added each blob where, and
whether it is still in the tip."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import IO, Any

from patlint.model import Candidate, PlaceFinding
from patlint.sources import gitcmd, gitguard
from patlint.sources.history.renames import _relocate
from patlint.sources.history.revisions import _first_line, _git, _Revisions

FIND_OBJECT_MAX = 256  # up to this many hit blobs, `git log` filters with --find-object


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A commit that added a blob at a path (rank: larger is older in `git log --date-order`)."""

    commit: str
    date: str
    path: str
    rank: int


def _attribute(
    repo: str,
    revs: _Revisions,
    blobs: set[str],
    notices: list[str],
    *,
    find_object: bool = True,
) -> dict[str, list[Occurrence]]:
    """For each blob, every commit (in the revisions) that added it at a path.

    `--find-object` reads the blobs of every change it filters (git 2.39), so a damaged or
    partial clone is walked without it; when git log still stops, what it said is kept.
    """
    args = [
        "log",
        "--no-color",
        "--no-show-signature",
        "--no-ext-diff",
        "--no-textconv",
        "--format=%x01%H %aI",
        "-c",  # merges: only what differs from every parent (conflict resolutions, evil merges)
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--root",
        "-z",
        "--date-order",
    ]
    if find_object and len(blobs) <= FIND_OBJECT_MAX:
        args += [f"--find-object={b}" for b in sorted(blobs)]
    args += ["--ignore-missing", *revs.args]
    found: dict[str, list[Occurrence]] = {}
    seen: set[tuple[str, str, bytes]] = set()
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        gitcmd.argv(repo, *args),
        stdout=subprocess.PIPE,
        stderr=errors,
        env=gitcmd.env(),
    )
    watch = gitguard.Watch([proc], f"{repo}: git log")
    assert proc.stdout is not None
    commit, date, rank = "", "", 0
    new_oid: str | None = None
    try:
        for token in _split_nul(proc.stdout):
            if new_oid is not None:  # the path that follows a raw record
                if new_oid in blobs and (commit, new_oid, token) not in seen:
                    seen.add((commit, new_oid, token))
                    path = os.fsdecode(token)
                    found.setdefault(new_oid, []).append(Occurrence(commit, date, path, rank))
                new_oid = None
                continue
            token = token.lstrip(b"\n")
            if token.startswith(b"\x01"):
                head = token[1:].decode("ascii", "replace").split(" ", 1)
                commit, date = head[0], head[1] if len(head) > 1 else ""
                rank += 1
            elif token.startswith(b":"):
                new_oid = _new_blob(token)
    finally:
        proc.stdout.close()
        code = proc.wait()
        errors.seek(0)
        stderr = errors.read(4096)
        errors.close()
        watch.close()
    if watch.fired:
        raise gitguard.GitStalled(args, watch.stall, watch.notice())
    if code != 0:
        notices.append(
            f"git log stopped early (exit {code}: {_first_line(stderr)}): some findings may name "
            "a later commit than the one that added them, or none"
        )
    return found


def _new_blob(record: bytes) -> str:
    """The post-image blob id of a raw diff record (plain or combined `::…`)."""
    colons = len(record) - len(record.lstrip(b":"))
    fields = record[colons:].split(b" ")
    n = colons + 1  # modes and ids per record: each parent plus the result
    if len(fields) < 2 * n + 1:
        return ""
    return fields[2 * n - 1].decode("ascii", "replace")


def _split_nul(stream: IO[bytes]) -> Iterator[bytes]:
    rest = b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest.strip(b"\n"):
        yield rest


def _tip_tree(repo: str, tip: str | None, blobs: set[str]) -> tuple[dict[str, set[str]], list[str]]:
    """Paths of the hit blobs in the tip's tree, and the gitlinks (submodules) there."""
    paths: dict[str, set[str]] = {}
    links: list[str] = []
    if tip is None:
        return paths, links
    proc = subprocess.Popen(
        gitcmd.argv(repo, "ls-tree", "-r", "-z", "--full-tree", tip),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=gitcmd.env(),
    )
    watch = gitguard.Watch([proc], f"{repo}: git ls-tree")
    assert proc.stdout is not None
    try:
        for entry in _split_nul(proc.stdout):
            meta, _, name = entry.partition(b"\t")
            fields = meta.split(b" ")
            if len(fields) != 3:
                continue
            if fields[1] == b"commit":
                links.append(os.fsdecode(name))
            elif fields[1] == b"blob":
                oid = fields[2].decode("ascii", "replace")
                if oid in blobs:
                    paths.setdefault(oid, set()).add(os.fsdecode(name))
    finally:
        proc.stdout.close()
        proc.wait()
        watch.close()
    if watch.fired:
        raise gitguard.GitStalled(["git ls-tree"], watch.stall, watch.notice())
    return paths, links


def _shallow_boundary(repo: str) -> frozenset[str]:
    proc = _git(repo, "rev-parse", "--is-shallow-repository", check=False)
    if proc.stdout.strip() != b"true":
        return frozenset()
    where = _git(repo, "rev-parse", "--git-path", "shallow").stdout.decode().strip()
    path = where if os.path.isabs(where) else os.path.join(repo, where)
    text = gitguard.read_small(path, 64 << 20)  # never blocks: a FIFO there gives ""
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _place(
    hits: dict[str, _Hit],
    occurrences: dict[str, list[Occurrence]],
    tip_paths: dict[str, set[str]],
    have_tip: bool,
    boundary: frozenset[str],
    unattributed: str = "no commit in the scanned revisions adds this blob here",
) -> tuple[list[Candidate], list[PlaceFinding]]:
    """One candidate (and place finding) per hit and per (commit, path) that added its blob,
    oldest first; a place finding only once per rule, path and token (at its oldest commit)."""
    never = 1 << 62
    keyed: list[tuple[tuple[int, str, int, str, str], Candidate]] = []
    keyed_places: list[tuple[tuple[int, str, int, str, str], PlaceFinding]] = []
    for oid, hit in hits.items():
        in_tip = tip_paths.get(oid, set())
        places: list[tuple[int, str, str | None, str | None]] = [
            (o.rank, o.path, o.commit, o.date) for o in occurrences.get(oid, [])
        ]
        added = {p for _, p, _, _ in places}
        places += [(-1, p, None, None) for p in sorted(in_tip - added)]
        if not places:
            places = [(-1, hit.path, None, None)]
        for rank, path, commit, date in places:
            notes = []
            if commit is None:
                notes.append(unattributed)
            elif commit in boundary:
                notes.append("shallow boundary: may have been added earlier")
            age = -rank if rank >= 0 else never  # oldest commit first, unattributed last
            where: dict[str, Any] = {
                "path": path,
                "commit": commit,
                "commit_date": date,
                "in_head": (path in in_tip) if have_tip else None,
                "blob": oid,
            }
            for c in hit.candidates:
                if c.context.file_type == NAME_TYPE:  # a token in the path: only where it is
                    named = c.location.path
                    if not _under(path, named) and any(_under(p, named) for _, p, _, _ in places):
                        continue
                    where_named = {**where, "path": named}
                    key = (age, named, 0, c.rule_id, oid)
                    relocated = _relocate(c.location, notes, where_named)
                    keyed.append((key, replace(c, location=relocated)))
                    continue
                key = (age, path, c.location.offset or 0, c.rule_id, oid)
                at = _inside(c.location.path, hit.path, where)
                keyed.append((key, replace(c, location=_relocate(c.location, notes, at))))
            for p in hit.places:
                key = (age, path, p.location.offset or 0, p.rule_id, oid)
                at = _inside(p.location.path, hit.path, where)
                keyed_places.append((key, replace(p, location=_relocate(p.location, notes, at))))
    keyed.sort(key=lambda kc: kc[0])
    keyed_places.sort(key=lambda kp: kp[0])
    seen: set[tuple[str, str, str]] = set()
    out_places = []
    for _, p in keyed_places:
        once = (p.rule_id, p.location.path, p.secret.digest if p.secret is not None else "")
        if once not in seen:
            seen.add(once)
            out_places.append(p)
    return [c for _, c in keyed], out_places


def _inside(shown: str, blob_path: str, where: dict[str, Any]) -> dict[str, Any]:
    """`where` for a place inside the blob: an archive member (`app.zip!lib/x.env`) keeps its
    member path after the commit's path of the archive."""
    if shown.startswith(blob_path + "!"):
        return {**where, "path": where["path"] + shown[len(blob_path) :]}
    return where


NAME_TYPE = "path"  # the file type of a candidate found in a path (sources/names.py)


def _under(path: str, named: str) -> bool:
    """Whether `path` is the named file, or a file in the named folder."""
    return path == named or path.startswith(named + "/")


@dataclass(frozen=True, slots=True)
class _Hit:
    path: str  # the blob's first path (the one rev-list names)
    candidates: list[Candidate]
    places: list[PlaceFinding]
