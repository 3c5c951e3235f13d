"""What a damaged or partial clone cannot give: refs to no object, trees and blobs git cannot
read. The tolerant walk lists every object reachable without them; each is a counted skip."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Sequence

from patlint.model import ScanStats, Skip
from patlint.sources import gitcmd
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
    check = subprocess.run(
        gitcmd.argv(repo, "cat-file", "--batch-check=%(objectname)"),
        input="".join(f"{oid}\n" for oid, _ in refs).encode("ascii"),
        capture_output=True,
        env=gitcmd.env(),
        check=False,
        timeout=600,
    )
    answers = check.stdout.decode("ascii", "replace").splitlines()
    for (oid, name), answer in zip(refs, answers, strict=False):
        if answer.endswith(" missing"):
            skips.append(Skip(name, "bad-ref", f"points to {oid}, which is not in the repository"))
    return skips


def _tolerant_listing(repo: str, revs: _Revisions, problems: list[Skip]) -> Iterator[bytes]:
    """`<oid> <path>` for every blob reachable from the revisions, like `rev-list --objects`,
    walking trees through cat-file so that a tree git cannot read is skipped (in `problems`)
    instead of ending the listing. Slower than rev-list: only used after rev-list failed."""
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
        for line in proc.stdout.decode("ascii", "replace").split():
            (excluded if line.startswith("-") else included).append(line.lstrip("-"))
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
    finally:
        objects.close()


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
        return self.proc

    def read(self, oid: str) -> tuple[str, bytes] | None:
        """(type, content), or None when git cannot read the object."""
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            head = proc.stdout.readline().split()
            if len(head) != 3:
                return None
            size = int(head[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
        except (OSError, ValueError):
            self.close()
            return None
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
