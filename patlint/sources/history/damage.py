"""What a damaged or partial clone cannot give: refs to no object, trees and blobs git cannot
read. The tolerant walk lists every object reachable without them; each is a counted skip."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Sequence

from patlint.model import ScanStats, Skip
from patlint.sources import gitcmd, gitguard
from patlint.sources.history.revisions import _HEX, _git, _Revisions


def _damage_notices(
    stats: ScanStats, bad_refs: Sequence[Skip], missing: Sequence[str], unreadable: Sequence[str]
) -> None:
    """One notice per kind of damage, naming what was skipped (each is also a counted skip)."""

    def some(ids: Sequence[str]) -> str:
        return ", ".join(i[:12] for i in ids[:5]) + (" …" if len(ids) > 5 else "")

    if bad_refs:
        names = ", ".join(s.path for s in bad_refs[:5]) + (" …" if len(bad_refs) > 5 else "")
        stats.notices.append(
            f"{len(bad_refs)} ref(s) point to no object and were skipped: {names} "
            "(`git for-each-ref` lists them; delete or repair them)"
        )
    if missing:
        stats.skipped.extend(
            Skip(f"<object {i[:12]}>", "missing-object", f"{i}: not in the repository")
            for i in missing
        )
        stats.notices.append(
            f"{len(missing)} objects are missing from the repository (a partial clone?) and "
            f"were not scanned: {some(missing)}; fetch them (or clone without --filter) to "
            "scan them"
        )
    if unreadable:
        stats.skipped.extend(
            Skip(f"<object {i[:12]}>", "corrupt-object", f"{i}: git cannot read it")
            for i in unreadable
        )
    corrupt = [s for s in stats.skipped if s.reason == "corrupt-object"]
    if corrupt:
        stats.notices.append(
            f"{len(corrupt)} object(s) git cannot read (corrupt?) were skipped: "
            + ", ".join(s.path for s in corrupt[:5])
            + (" …" if len(corrupt) > 5 else "")
            + " (`git fsck` says more); everything else was scanned"
        )


def _bad_refs(repo: str) -> list[Skip]:
    """Refs that point to no object (or are not refs at all): git skips them, we name them."""
    proc = _git(repo, "for-each-ref", "--format=%(objectname) %(refname)", check=False)
    skips: list[Skip] = []
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("warning: ignoring broken ref "):
            name = line[len("warning: ignoring broken ref ") :].strip()
            skips.append(Skip(name, "bad-ref", "not a valid ref"))
    refs = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        oid, _, name = line.partition(" ")
        if _HEX.fullmatch(oid):
            refs.append((oid, name))
    if not refs:
        return skips
    check = gitguard.run(
        gitcmd.argv(repo, "cat-file", "--batch-check=%(objectname)"),
        input="".join(f"{oid}\n" for oid, _ in refs).encode("ascii"),
        timeout=600,
    )
    answers = check.stdout.decode("ascii", "replace").splitlines()
    for (oid, name), answer in zip(refs, answers, strict=False):
        if answer.endswith(" missing"):
            skips.append(Skip(name, "bad-ref", f"points to {oid}, which is not in the repository"))
    return skips


def _tolerant_listing(
    repo: str, revs: _Revisions, problems: list[Skip], walked: list[str] | None = None
) -> Iterator[bytes]:
    """`<oid> <path>` for every blob reachable from the revisions, like `rev-list --objects`,
    walking trees through cat-file so that a tree git cannot read is skipped (in `problems`)
    instead of ending the listing. Slower than rev-list: only used after rev-list failed.

    The commits come from `rev-list --boundary`; when even that fails (a commit is missing or
    unreadable), the commits are walked here, parent by parent, from the tips the revisions
    name: a parent that cannot be read is a skip, every readable commit is still listed.
    `walked` receives the commits listed.
    """
    objects = _ObjectReader(repo)
    seen_trees: set[str] = set()
    seen_blobs: set[str] = set()

    def walk(tree: str, prefix: str, emit: bool) -> Iterator[bytes]:
        if tree in seen_trees:
            return
        seen_trees.add(tree)
        got = objects.read(tree)
        if got is None or got[0] != "tree":
            if emit:
                shown = f"{prefix.rstrip('/')}/" if prefix else f"<tree {tree[:12]}>"
                problems.append(
                    Skip(
                        shown,
                        "corrupt-object",
                        f"tree {tree}: git cannot read it; the files below it were not scanned",
                    )
                )
            return
        for mode, name, oid in _tree_entries(got[1], len(tree) // 2):
            path = prefix + name
            if mode.startswith(b"4"):  # 40000: a tree
                yield from walk(oid, path + "/", emit)
            elif mode == b"160000":  # a gitlink: another repository's commit
                continue
            elif oid not in seen_blobs:
                seen_blobs.add(oid)
                if emit:
                    yield oid.encode("ascii") + b" " + os.fsencode(path)

    try:
        if not revs.commits:  # a pushed tree or blob
            oid = revs.args[0]
            got = objects.read(oid)
            if got is not None and got[0] == "blob":
                yield oid.encode("ascii")
            else:
                yield from walk(oid, "", True)
            return
        proc = _git(repo, "rev-list", "--boundary", "--ignore-missing", *revs.args, check=False)
        included: list[str] = []
        excluded: list[str] = []
        loose: list[tuple[str, str]] = []  # trees and blobs a ref names directly
        if proc.returncode == 0:
            for line in proc.stdout.decode("ascii", "replace").split():
                (excluded if line.startswith("-") else included).append(line.lstrip("-"))
        else:
            included, excluded, loose = _walk_commits(repo, revs, objects, problems)
        if walked is not None:
            walked.extend(included)
        for commit in excluded:  # what the excluded side has is not new: rev-list's rule
            tree = objects.tree_of(commit)
            if tree is not None:
                for _ in walk(tree, "", False):
                    pass
        for commit in included:
            tree = objects.tree_of(commit)
            if tree is None:
                problems.append(
                    Skip(
                        f"<commit {commit[:12]}>",
                        "corrupt-object",
                        f"commit {commit}: git cannot read it",
                    )
                )
                continue
            yield from walk(tree, "", True)
        for kind, oid in loose:
            if kind == "blob":
                if oid not in seen_blobs:
                    seen_blobs.add(oid)
                    yield oid.encode("ascii")
            else:
                yield from walk(oid, "", True)
    finally:
        objects.close()


def _tips(repo: str, revs: _Revisions) -> tuple[list[str], list[str]]:
    """(start, stop) object ids the revisions name, resolved without walking any history."""
    args: list[str] = []
    for arg in revs.args:
        # A...B needs their merge base, which needs the history: take both sides whole
        # (this scans more than the range, never less)
        args += arg.split("...", 1) if "..." in arg else [arg]
    start: list[str] = []
    stop: list[str] = []
    if "--all" in args:  # rev-list --all includes HEAD (detached or not), rev-parse --all not
        head = _git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
        start += [o for o in head.stdout.decode("ascii", "replace").split() if _HEX.fullmatch(o)]
    proc = _git(repo, "rev-parse", "--revs-only", *args, check=False)
    for line in proc.stdout.decode("ascii", "replace").split():
        if _HEX.fullmatch(line.lstrip("^")):
            (stop if line.startswith("^") else start).append(line.lstrip("^"))
    return start, stop


def _walk_commits(
    repo: str, revs: _Revisions, objects: _ObjectReader, problems: list[Skip]
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(commits to scan, boundary commits, trees and blobs named by a ref) found by walking
    parents through cat-file, as `rev-list --boundary` would list them; each commit that
    cannot be read is a skip in `problems`."""
    start, stop = _tips(repo, revs)
    hidden: set[str] = set()  # every commit the stop side reaches: not new
    stack = list(stop)
    while stack:
        oid = stack.pop()
        if oid in hidden:
            continue
        hidden.add(oid)
        stack += objects.commit_parents(oid) or []
    included: list[str] = []
    boundary: list[str] = []
    loose: list[tuple[str, str]] = []
    seen: set[str] = set()
    todo = [(oid, "") for oid in reversed(start)]  # (object, the commit that names it)
    while todo:
        oid, child = todo.pop()
        if oid in seen:
            continue
        seen.add(oid)
        if oid in hidden:
            boundary.append(oid)
            continue
        got = objects.read(oid)
        if got is None or got[0] not in ("commit", "tag", "tree", "blob"):
            what = "missing-object" if objects.missing else "corrupt-object"
            why = "not in the repository" if objects.missing else "git cannot read it"
            behind = "; the history behind it was not scanned" if child else ""
            problems.append(Skip(f"<commit {oid[:12]}>", what, f"commit {oid}: {why}{behind}"))
            continue
        kind, data = got
        if kind == "tag":  # peel: `object <id>` is the first line
            target = data.split(b"\n", 1)[0].removeprefix(b"object ").decode("ascii", "replace")
            if _HEX.fullmatch(target):
                todo.append((target, child))
            continue
        if kind != "commit":
            loose.append((kind, oid))
            continue
        included.append(oid)
        todo += [(p, oid) for p in reversed(_parents(data))]
    return included, boundary, loose


def _parents(commit: bytes) -> list[str]:
    """The parent ids of a raw commit object (its header lines, before the first blank line)."""
    out = []
    for line in commit.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(b"parent "):
            out.append(line[7:].decode("ascii", "replace"))
    return out


def _tree_entries(data: bytes, oid_bytes: int) -> Iterator[tuple[bytes, str, str]]:
    """(mode, name, oid) of each entry of a raw tree object."""
    i = 0
    while i < len(data):
        space = data.find(b" ", i)
        nul = data.find(b"\0", space)
        if space < 0 or nul < 0 or nul + 1 + oid_bytes > len(data):
            return  # a damaged tree: what was readable is kept
        mode = data[i:space]
        name = os.fsdecode(data[space + 1 : nul])
        oid = data[nul + 1 : nul + 1 + oid_bytes].hex()
        i = nul + 1 + oid_bytes
        yield mode, name, oid


class _ObjectReader:
    """One object at a time from `git cat-file --batch`, started again when it dies."""

    def __init__(self, repo: str) -> None:
        self.repo = repo
        self.proc: subprocess.Popen[bytes] | None = None
        self.watch: gitguard.Watch | None = None
        self.missing = False  # the last object read was not in the repository at all

    def _start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self.proc = subprocess.Popen(
                gitcmd.argv(self.repo, "cat-file", "--batch"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=gitcmd.env(),
            )
            self.watch = gitguard.Watch([self.proc], f"{self.repo}: git cat-file")
        return self.proc

    def read(self, oid: str) -> tuple[str, bytes] | None:
        """(type, content), or None when git cannot read the object."""
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        self.missing = False
        try:
            proc.stdin.write(oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            head = proc.stdout.readline().split()
            if len(head) != 3:
                self.missing = head[-1:] == [b"missing"]
                return None
            size = int(head[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
        except (OSError, ValueError):
            self.close()
            return None
        finally:
            if self.watch is not None and self.watch.fired:  # not damage: git was stopped
                notice = self.watch.notice()
                self.close()
                raise gitguard.GitStalled(["git cat-file"], 0, notice)
        if len(data) != size:
            self.close()  # it died inside the object
            return None
        return head[1].decode("ascii", "replace"), data

    def tree_of(self, commit: str) -> str | None:
        """The tree id of a commit, or None when it cannot be read."""
        got = self.read(commit)
        if got is None or got[0] != "commit" or not got[1].startswith(b"tree "):
            return None
        return got[1][5 : got[1].find(b"\n")].decode("ascii", "replace")

    def commit_parents(self, commit: str) -> list[str] | None:
        """The parents of a commit, or None when it cannot be read as one."""
        got = self.read(commit)
        return _parents(got[1]) if got is not None and got[0] == "commit" else None

    def close(self) -> None:
        """Stop the git process."""
        if self.proc is not None:
            for stream in (self.proc.stdin, self.proc.stdout):
                with contextlib.suppress(OSError, ValueError):
                    if stream is not None:
                        stream.close()
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc = None
        if self.watch is not None:
            self.watch.close()
            self.watch = None
