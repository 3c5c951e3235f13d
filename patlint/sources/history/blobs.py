"""Git history as a source: every blob reachable from the refs (or a range), each read once.

How it works, all with the real git, streamed:

1. ``git rev-list --objects <revisions>`` lists every object once (git itself deduplicates by
   object id); ``git cat-file --batch-check`` adds each object's type and size. Commits are
   counted, blobs over the size limit are skipped with a reason, gitlinks (submodule commits)
   never appear because they are not objects of this repository.
2. ``git cat-file --batch`` streams the content of each remaining blob exactly once (packed or
   loose, git resolves deltas) to the engine's blob scanner (`BlobScanner`:
   `patlint.engine.history.BlobScan`), which scans it as it scans a file on disk (chunking,
   line/column and binary handling, and the structured readers its first path picks: `.npmrc`,
   a Docker config, `.git-credentials`, a workflow…, so its tokens get the same context).
   Memory stays bounded: one blob chunk (or one reader-sized blob) at a time plus the few
   blobs that produced hits.
3. Only for the blobs with hits: one ``git log --raw`` walk over the same revisions (filtered
   with ``--find-object`` when the hit blobs are few) says which commits added each blob at
   which path; ``git ls-tree -r`` of the tip says which are still there.

Revisions: by default every ref plus HEAD (``--all``). ``since`` keeps the commits reachable
from a ref but not from REV (``--all ^REV``: what is new since a scan of REV, on every branch).
``rev_range`` is a git range ``A..B`` (commits reachable from B but not from A: a pull request
or a pre-push); the tip used for "still present" is B, else HEAD. A git pre-push hook passes
all zeros for a side that does not exist: ``0…0..B`` (a new branch) scans the commits reachable
from B that no remote-tracking ref has (``B --not --remotes``; every commit of B when the
repository has no remote refs), ``A..0…0`` (a deleted branch) scans nothing. A pushed tag of a
tree or a blob (``0…0..T``) has no commits: every blob of the tree (found at its path inside
the tree), or the blob itself (shown as ``<blob SHA12>``), is scanned.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any, BinaryIO, Protocol, cast

from patlint.errors import PatlintError
from patlint.ignorespec import IgnoreSpec
from patlint.model import Candidate, Location, PlaceFinding, ScanStats, Skip
from patlint.sources import gitcmd, gitguard
from patlint.sources.history.attribution import (
    _attribute,
    _Hit,
    _place,
    _shallow_boundary,
    _tip_tree,
)
from patlint.sources.history.damage import _bad_refs, _damage_notices, _tolerant_listing
from patlint.sources.history.pathnames import PathNames
from patlint.sources.history.renames import follow_renames
from patlint.sources.history.revisions import (
    _count_commits,
    _first_line,
    _git_version,
    _partial_clone,
    _Revisions,
    open_repo,
    resolve_revisions,
)

Progress = Any  # Callable[[int, int, int], None]: blobs, bytes, candidates so far


class ScannedBlob(Protocol):
    """What scanning one blob produced (`patlint.engine.filescan.FileResult`)."""

    candidates: list[Candidate]
    places: list[PlaceFinding]
    skip: Skip | None
    scanned: bool
    bytes_read: int
    timeouts: list[str]  # notices: custom rules that gave up on the blob
    partial: list[Skip]  # what the detector could not finish in it: the scan is incomplete


class BlobScanner(Protocol):
    """Scans one blob: `stream` holds its `size` bytes; `path` is the first path it was seen
    at ("" for a blob outside any tree), `shown` how to show it."""

    def __call__(self, stream: BinaryIO, path: str, shown: str, size: int) -> ScannedBlob:
        """The blob's candidates and place findings (every byte of `stream` or a skip)."""


PIPE_BYTES = 1 << 20  # pipe buffer asked for between cat-file --batch and the scanner
_QUEUE_MAX = 4096
_DONE = object()


@dataclass(slots=True)
class HistoryCollected:
    """What the history walk produced; `candidates` feed `patlint.engine.run.finish`."""

    candidates: list[Candidate] = field(default_factory=list)
    # place findings the readers made about a stored token (see `history_places`)
    places: list[PlaceFinding] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)
    commits: int = 0  # commits in the scanned revisions
    blobs_read: int = 0  # unique blobs read from git (each once)
    blobs_with_hits: int = 0
    description: str = ""


# --- git plumbing ------------------------------------------------------------------------------


# --- enumerate and read every blob once --------------------------------------------------------


class _BlobReader:
    """The next `size` bytes of a `git cat-file --batch` stream, as a file-like object."""

    def __init__(self, raw: IO[bytes], size: int) -> None:
        self._raw = raw
        self.left = size

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes of the blob (all that is left when n < 0)."""
        if self.left <= 0:
            return b""
        want = self.left if n < 0 else min(n, self.left)
        data = self._raw.read(want)
        if not data:
            raise OSError("git cat-file ended in the middle of a blob")
        self.left -= len(data)
        return data

    def drain(self) -> None:
        """Skip what the scanner did not read, so the next object header lines up."""
        while self.left > 0:
            self.read(1 << 20)


def _grow_pipe(stream: IO[bytes] | None) -> None:
    """Let git work further ahead of the scanner (Linux: F_SETPIPE_SZ); best effort."""
    if stream is None or not hasattr(os, "O_CLOEXEC"):
        return
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (ImportError, OSError):
        pass


class _Pipeline:
    """rev-list | cat-file --batch-check → (feeder thread) → cat-file --batch, all streamed.

    The feeder queues each blob and asks cat-file for it; the main thread reads the answers
    in queue order (cat-file answers in request order), so git inflates the next blobs on
    another core while this one is scanned. The queue and the pipes bound the memory.

    `listing`: object lines ("<oid> <path>") to check instead of rev-list's (the tolerant walk
    over a repository rev-list cannot walk). `skip_items`: items to pass over without reading
    them (a restart after cat-file --batch died on a corrupt blob: those were handled).
    """

    def __init__(
        self,
        repo: str,
        revs: _Revisions,
        max_size: int,
        exclude: Sequence[str],
        *,
        listing: Iterator[bytes] | None = None,
        skip_items: int = 0,
    ):
        self.repo = repo
        self.max_size = max_size
        self.spec = IgnoreSpec(exclude) if exclude else None
        self.missing = 0
        self.missing_ids: list[str] = []  # rev-list: not in the repository (partial clone)
        self.unreadable: list[str] = []  # batch-check: listed, but git cannot read it
        self.skip_items = skip_items
        self.stop = threading.Event()
        self.queue: queue.Queue[Any] = queue.Queue(_QUEUE_MAX)
        # git's stderr, read only on failure; closed in close()
        self.errors = [tempfile.TemporaryFile() for _ in range(3)]  # noqa: SIM115
        env = gitcmd.env()
        self.revlist: subprocess.Popen[bytes] | None = None
        self.lister: threading.Thread | None = None
        if listing is None:
            # The blob filter also hides missing trees, so a partial clone lists everything
            # (a tree it lacks is then named, and the blobs under it count as not scanned).
            filters = (
                ["--filter=object:type=blob"]
                if _git_version(repo) >= (2, 32) and not _partial_clone(repo)
                else []
            )
            self.revlist = subprocess.Popen(
                gitcmd.argv(
                    *(repo, "rev-list", "--objects", "--missing=print"),
                    *("--ignore-missing", *filters, *revs.args),
                ),
                stdout=subprocess.PIPE,
                stderr=self.errors[0],
                env=env,
            )
        self.check = subprocess.Popen(
            gitcmd.argv(
                repo,
                "cat-file",
                "--buffer",
                "--batch-check=%(objectname) %(objecttype) %(objectsize) %(rest)",
            ),
            stdin=self.revlist.stdout if self.revlist is not None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors[1],
            env=env,
        )
        if self.revlist is not None:
            assert self.revlist.stdout is not None
            self.revlist.stdout.close()  # rev-list sees a broken pipe if batch-check dies
        else:
            assert listing is not None
            self.lister = threading.Thread(
                target=self._list, args=(listing,), name="patlint-git-list", daemon=True
            )
            self.lister.start()
        self.batch = subprocess.Popen(
            gitcmd.argv(repo, "cat-file", "--batch"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors[2],
            env=env,
            bufsize=1 << 16,
        )
        _grow_pipe(self.batch.stdout)
        procs = [p for p in (self.revlist, self.check, self.batch) if p is not None]
        self.watch = gitguard.Watch(procs, f"{repo}: git history")
        self.feeder = threading.Thread(target=self._feed, name="patlint-git-feed", daemon=True)
        self.feeder.start()

    def _list(self, listing: Iterator[bytes]) -> None:
        """Write the object lines of the tolerant walk to batch-check (in place of rev-list)."""
        out = self.check.stdin
        assert out is not None
        try:
            for line in listing:
                if self.stop.is_set():
                    break
                out.write(line + b"\n")
        except (OSError, ValueError):
            pass  # batch-check is gone: the feeder says why
        finally:
            with contextlib.suppress(OSError, ValueError):
                out.close()

    def _put(self, item: Any) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _feed(self) -> None:
        """Read object types and sizes; queue each blob and ask cat-file --batch for it."""
        try:
            assert self.check.stdout is not None and self.batch.stdin is not None
            out = self.batch.stdin
            for line in self.check.stdout:
                parts = line.rstrip(b"\n").split(b" ", 3)
                if len(parts) >= 2 and parts[1] == b"missing":
                    name = parts[0].decode("ascii", "replace")
                    if name.startswith("?"):  # rev-list --missing=print: not in the repository
                        self.missing += 1
                        self.missing_ids.append(name[1:])
                    else:  # listed, so present: git cannot read it (corrupt, or not an object)
                        self.unreadable.append(name)
                    continue
                if len(parts) < 3 or parts[1] != b"blob":
                    continue
                oid = parts[0].decode("ascii")
                size = int(parts[2])
                path = os.fsdecode(parts[3]) if len(parts) > 3 and parts[3] else ""
                if self.skip_items > 0:  # handled before a restart
                    self.skip_items -= 1
                    continue
                if path and self.spec is not None and self.spec.match_file(path):
                    if not self._put(("excluded", oid, path, size)):  # counted, as in a tree scan
                        return
                    continue
                if size > self.max_size:
                    if not self._put(("skip", oid, path, size)):
                        return
                    continue
                if not self._put(("blob", oid, path, size)):
                    return
                out.write(parts[0] + b"\n")
                out.flush()
        except (OSError, ValueError) as exc:  # broken pipe when the reader stopped early
            if not self.stop.is_set():
                self._put(("error", str(exc), "", 0))
        finally:
            try:
                if self.batch.stdin is not None:
                    self.batch.stdin.close()
            except OSError:
                pass
            self._put(_DONE)

    def items(self) -> Iterator[tuple[str, str, str, int]]:
        """(kind, blob id, path, size) in the order cat-file --batch answers."""
        while True:
            item = self.queue.get()
            if item is _DONE:
                return
            if item[0] == "error":
                self.stalled()
                raise PatlintError(f"reading git objects failed: {item[1]}")
            yield item

    @property
    def stdout(self) -> IO[bytes]:
        """The answers of cat-file --batch."""
        assert self.batch.stdout is not None
        return self.batch.stdout

    def header(self) -> tuple[str, str, int]:
        """Read the next `<oid> <type> <size>` header from cat-file --batch."""
        line = self.stdout.readline()
        if not line:
            self.stalled()
            raise _CatFileDied(f"git cat-file ended early: {self._stderr(2)}")
        parts = line.split()
        if len(parts) == 2 and parts[1] == b"missing":
            return parts[0].decode("ascii", "replace"), "missing", 0
        if len(parts) != 3:
            raise PatlintError("git cat-file --batch: unexpected output")
        return parts[0].decode("ascii"), parts[1].decode("ascii"), int(parts[2])

    def stalled(self) -> None:
        """GitStalled when the watch stopped git (then no answer means nothing about the data)."""
        if self.watch.fired:
            raise gitguard.GitStalled(["git"], self.watch.stall, self.watch.notice())

    def _stderr(self, i: int) -> str:
        f = self.errors[i]
        f.seek(0)
        return _first_line(f.read(4096))

    def close(self, *, ok: bool) -> None:
        """Stop everything; when `ok`, raise if a git process failed (_RevListFailed for the
        listing: a tree or commit git cannot read stops rev-list, and the tolerant walk takes
        over)."""
        self.stop.set()
        procs = [p for p in (self.revlist, self.check, self.batch) if p is not None]
        if not ok:
            for p in procs:
                if p.poll() is None:
                    p.kill()
        for p in (self.check, self.batch):
            if p.stdout is not None:
                p.stdout.close()
        self.feeder.join(timeout=10)
        if self.lister is not None:
            self.lister.join(timeout=10)
        codes = {id(p): p.wait() for p in procs}
        self.watch.close()
        try:
            if ok:
                self.stalled()
                if self.revlist is not None and codes[id(self.revlist)] != 0:
                    raise _RevListFailed(self._stderr(0))
                for i, (name, p) in enumerate(
                    (("cat-file --batch-check", self.check), ("cat-file --batch", self.batch)),
                    start=1,
                ):
                    if codes[id(p)] != 0:
                        raise PatlintError(f"git {name} failed in {self.repo}: {self._stderr(i)}")
        finally:
            for f in self.errors:
                f.close()


class _CatFileDied(PatlintError):
    """git cat-file --batch ended in the middle of its answers (a blob it cannot inflate)."""


class _RevListFailed(PatlintError):
    """git rev-list --objects stopped (a tree or commit it cannot read)."""


MAX_RESTARTS = 100  # corrupt blobs survived per scan; beyond, the rest is reported unscanned


def read_history(
    repo: str,
    scan: BlobScanner,
    *,
    max_file_size: int,
    exclude: Sequence[str] = (),
    since: str | None = None,
    rev_range: str | None = None,
    progress: Progress | None = None,
) -> HistoryCollected:
    """Scan every unique blob in the history of `repo` once and attribute hits to commits
    (`_read_history`), unless git would hang there: a repository whose git directory holds a
    FIFO, a device… where git opens a file (`gitguard.precheck`), or where a git command stops
    answering (`gitguard.Watch`), is skipped with a notice naming the reason."""
    why = gitguard.precheck(repo) if os.path.isdir(repo) else None
    if why is not None:
        return _not_read(repo, f"{why}: git would wait on it for ever")
    try:
        return _read_history(
            repo,
            scan,
            max_file_size=max_file_size,
            exclude=exclude,
            since=since,
            rev_range=rev_range,
            progress=progress,
        )
    except gitguard.GitStalled as exc:
        return _not_read(repo, str(exc))


def _not_read(repo: str, why: str) -> HistoryCollected:
    out = HistoryCollected(description=f"{repo}: not read")
    out.stats.skipped.append(Skip("<history>", "repository-not-scanned", why))
    out.stats.notices.append(f"{repo}: git history not scanned: {why}")
    return out


def _read_history(
    repo: str,
    scan: BlobScanner,
    *,
    max_file_size: int,
    exclude: Sequence[str] = (),
    since: str | None = None,
    rev_range: str | None = None,
    progress: Progress | None = None,
) -> HistoryCollected:
    """Scan every unique blob in the history of `repo` once and attribute hits to commits.

    What git cannot give is skipped with a notice naming it, and everything else is still
    scanned: refs that point to no object, objects missing from a partial or damaged clone,
    blobs and trees git cannot read (rev-list stops at an unreadable tree: the tolerant walk
    lists every object it can reach without it; cat-file stops at an unreadable blob: it is
    started again after it).
    """
    open_repo(repo, checked=True)
    revs = resolve_revisions(repo, since=since, rev_range=rev_range)
    out = HistoryCollected(description=revs.description)
    stats = out.stats
    if not revs.args:
        stats.notices.append(f"git history ({revs.description}): nothing to scan")
        return out
    bad_refs = _bad_refs(repo) if "--all" in revs.args else []
    walked: list[str] = []  # commits the tolerant walk listed (when rev-list failed)
    try:
        hits, pipe_missing, unreadable = _read_blobs(
            repo, revs, scan, out, max_file_size, exclude, progress, listing=None
        )
    except _RevListFailed as exc:
        out = HistoryCollected(description=revs.description)  # start again, tolerantly
        stats = out.stats
        walk_problems: list[Skip] = []
        listing = _tolerant_listing(repo, revs, walk_problems, walked)
        hits, pipe_missing, unreadable = _read_blobs(
            repo, revs, scan, out, max_file_size, exclude, progress, listing=listing
        )
        stats.skipped.extend(walk_problems)
        stats.notices.append(
            f"git rev-list could not walk the history ({exc}); patlint walked it object by "
            f"object instead and scanned what it could read ({len(walked)} commits)"
        )
        if not (walk_problems or pipe_missing or unreadable or stats.incomplete() or bad_refs):
            # rev-list failed, yet the walk met nothing it could not read: never call that complete
            stats.skipped.append(
                Skip(
                    "<history>",
                    "corrupt-object",
                    f"git rev-list failed ({exc}) and the cause was not found: "
                    "part of the history may not have been scanned",
                )
            )
    stats.skipped[:0] = bad_refs
    out.commits = max(_count_commits(repo, revs), len(walked))
    out.blobs_with_hits = len(hits)
    _damage_notices(stats, bad_refs, pipe_missing, unreadable)
    tip_paths, gitlinks = _tip_tree(repo, revs.tip, set(hits))
    if gitlinks:
        shown_links = ", ".join(gitlinks[:5]) + (" …" if len(gitlinks) > 5 else "")
        stats.notices.append(
            f"{len(gitlinks)} submodule(s) not scanned (gitlinks point to commits in other "
            f"repositories): {shown_links}; scan each with `patlint scan --history <dir>`"
        )
    boundary = _shallow_boundary(repo)
    if boundary:
        stats.notices.append(
            f"shallow clone: history stops at {len(boundary)} boundary commit(s); a token shown "
            "as introduced there may be older (`git fetch --unshallow` for the full history)"
        )
    damaged = bool(pipe_missing or unreadable or stats.incomplete())
    occurrences = (
        _attribute(repo, revs, set(hits), stats.notices, find_object=not damaged)
        if hits and revs.commits
        else {}
    )
    unattributed = (
        "no commit in the scanned revisions adds this blob here"
        if revs.commits
        else f"pushed {revs.description.split(':', 1)[0]}, not in a commit"
    )
    out.candidates, out.places = _place(
        hits, occurrences, tip_paths, revs.tip is not None and revs.commits, boundary, unattributed
    )  # a pushed tree is no HEAD: its blobs are found at their paths, `in_head` stays unknown
    try:
        out.candidates = follow_renames(repo, out.candidates)
    except PatlintError as exc:  # rename detection reads blobs a damaged clone may not have
        stats.notices.append(f"renamed files not followed ({exc})")
    _add_authors(repo, out)
    if revs.tip is None and not out.commits and revs.commits:
        stats.notices.append(f"{repo}: the repository has no commits yet; nothing to scan")
    mb = stats.bytes_scanned / 1e6
    stats.notices.append(
        f"git history ({revs.description}): {out.commits} commit{_s(out.commits)}, "
        f"{out.blobs_read} unique blob{_s(out.blobs_read)} read once ({mb:.1f} MB), "
        f"{len(hits)} with tokens"
    )
    return out


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _add_authors(repo: str, out: HistoryCollected) -> None:
    """Each history place gets the author (name, email) of the commit that added it there."""
    from patlint.sources.history.authors import commit_authors

    locs = [c.location for c in out.candidates] + [p.location for p in out.places]
    authors = commit_authors(repo, (loc.commit for loc in locs if loc.commit))
    if not authors:
        return

    def signed(loc: Location) -> Location:
        who = authors.get(loc.commit or "")
        return replace(loc, author_name=who[0], author_email=who[1]) if who else loc

    out.candidates = [replace(c, location=signed(c.location)) for c in out.candidates]
    out.places = [replace(p, location=signed(p.location)) for p in out.places]


def _read_blobs(
    repo: str,
    revs: _Revisions,
    scan: BlobScanner,
    out: HistoryCollected,
    max_file_size: int,
    exclude: Sequence[str],
    progress: Progress | None,
    *,
    listing: Iterator[bytes] | None,
) -> tuple[dict[str, _Hit], list[str], list[str]]:
    """Scan every blob the listing names; (hits, missing ids, unreadable ids).

    When cat-file --batch dies on a blob it cannot inflate, that blob is skipped as corrupt
    and a new pipeline takes over after it (the listing is deterministic; the items already
    handled are passed over without being read again).
    """
    stats = out.stats
    hits: dict[str, _Hit] = {}
    names = PathNames(scan)  # a path can hold a token too, as in a tree scan
    missing: list[str] = []
    unreadable: list[str] = []
    done = 0  # items handled, across restarts
    restarts = 0
    replay: list[bytes] | None = None  # the tolerant listing, kept for a restart
    if listing is not None:
        replay = list(listing)
    while True:
        pipe = _Pipeline(
            repo,
            revs,
            max_file_size,
            exclude,
            listing=iter(replay) if replay is not None else None,
            skip_items=done,
        )
        ok = False
        died: tuple[str, str] | None = None
        try:
            for kind, oid, path, size in pipe.items():
                shown = path or f"<blob {oid[:12]}>"
                done += 1
                if path:
                    names.add(path, oid)
                if kind == "excluded":
                    stats.skipped.append(Skip(shown, "excluded", "config exclude"))
                    continue
                if kind == "skip":
                    stats.skipped.append(
                        Skip(
                            shown, "too-large", f"blob {oid}: {size} bytes > limit {max_file_size}"
                        )
                    )
                    continue
                try:
                    got, typ, real = pipe.header()
                except _CatFileDied:
                    died = (oid, shown)
                    break
                if got != oid or typ == "missing":
                    stats.skipped.append(
                        Skip(shown, "corrupt-object", f"blob {oid}: git cannot read it")
                    )
                    continue
                stream = pipe.stdout
                reader = _BlobReader(stream, real)
                res = scan(cast(BinaryIO, reader), path, shown, real)
                stats.notices.extend(res.timeouts)
                stats.skipped.extend(res.partial)
                try:
                    reader.drain()
                    stream.read(1)  # the newline after each object
                except OSError:
                    died = (oid, shown)
                    break
                if (
                    res.skip is not None
                    and res.skip.reason == "read-error"
                    and pipe.batch.poll() is not None
                ):
                    died = (oid, shown)  # read-error: cat-file died inside this blob
                    break
                out.blobs_read += 1
                stats.bytes_scanned += res.bytes_read
                if res.skip is not None:
                    stats.skipped.append(replace(res.skip, detail=f"blob {oid}: {res.skip.detail}"))
                if res.scanned:
                    stats.files_scanned += 1
                places = history_places(res.places)
                if res.candidates or places:
                    hits[oid] = _Hit(shown, res.candidates, places)
                if progress is not None:
                    progress(out.blobs_read, stats.bytes_scanned, len(hits))
            ok = died is None
        finally:
            missing.extend(pipe.missing_ids)
            unreadable.extend(pipe.unreadable)
            pipe.close(ok=ok)
        pipe.stalled()  # a read that failed because the watch stopped git is no corrupt blob
        if died is None:
            return names.into(hits), missing, unreadable
        oid, shown = died
        stats.skipped.append(
            Skip(shown, "corrupt-object", f"blob {oid}: git cannot read it (cat-file stopped)")
        )
        restarts += 1
        if restarts > MAX_RESTARTS:
            stats.notices.append(
                f"more than {MAX_RESTARTS} blobs git cannot read: the rest of the history "
                "was not scanned"
            )
            stats.skipped.append(Skip("<history>", "corrupt-object", "not scanned: too damaged"))
            return names.into(hits), missing, unreadable
        missing.clear()  # the next pipeline lists them again
        unreadable.clear()


def history_places(places: Sequence[PlaceFinding]) -> list[PlaceFinding]:
    """The place findings that still hold for a blob in history: those about a stored token.

    A committed `.git-credentials`, a Docker `auth`, a token in a committed shell rc or
    workflow was stored in plaintext where every clone has it (plaintext-credential-store,
    token-in-shell-rc, token-literal-in-ci, …): true for history too. Facts about the file
    itself are not: a blob has no permissions (credential-file-readable-by-others never fires,
    the readers get no stat) and an old workflow's configuration (missing-permissions-block,
    ci-file-unparsable, …) no longer runs; a tree scan reports the current one.
    """
    return [p for p in places if p.secret is not None]


# --- attribute hits to commits and paths --------------------------------------------------------


# --- renames: one file moved and edited in one commit is one place --------------------------
