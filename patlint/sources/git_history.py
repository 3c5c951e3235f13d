"""Git history as a source: every blob reachable from the refs (or a range), each read once.

How it works, all with the real git, streamed:

1. ``git rev-list --objects <revisions>`` lists every object once (git itself deduplicates by
   object id); ``git cat-file --batch-check`` adds each object's type and size. Commits are
   counted, blobs over the size limit are skipped with a reason, gitlinks (submodule commits)
   never appear because they are not objects of this repository.
2. ``git cat-file --batch`` streams the content of each remaining blob exactly once (packed or
   loose, git resolves deltas); `patlint.engine.filescan.scan_stream` scans it, so chunking,
   line/column and binary handling are those of a file on disk. A blob whose first path names
   a file a structured reader understands (`.npmrc`, a Docker config, `.git-credentials`, a
   workflow…) and that fits `READER_MAX_BYTES` is read whole and goes through
   `patlint.engine.filescan.scan_structured`, as in a tree scan, so its tokens get the same
   context (key, host, usage). Memory stays bounded: one blob chunk (or one reader-sized
   blob) at a time plus the few blobs that produced hits.
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
import io
import os
import queue
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any, BinaryIO, cast

from patlint.detectors.pattern import Detector
from patlint.engine.filescan import FileResult, scan_stream, scan_structured
from patlint.engine.rules import Rule
from patlint.errors import ConfigError, PatlintError
from patlint.model import Candidate, Location, ScanStats, Skip
from patlint.sources import gitcmd
from patlint.sources.gitowner import check_own_history
from patlint.sources.ignorespec import IgnoreSpec
from patlint.sources.readers import READER_MAX_BYTES, PlaceFinding
from patlint.sources.registry import may_have_readers, readers_for

Progress = Any  # Callable[[int, int, int], None]: blobs, bytes, candidates so far

PIPE_BYTES = 1 << 20  # pipe buffer asked for between cat-file --batch and the scanner
FIND_OBJECT_MAX = 256  # up to this many hit blobs, `git log` filters with --find-object
_QUEUE_MAX = 4096
_DONE = object()
_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_ZERO = re.compile(r"0{40}(0{24})?")  # git's "no object" (SHA-1 or SHA-256) in hook input


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A commit that added a blob at a path (rank: larger is older in `git log --date-order`)."""

    commit: str
    date: str
    path: str
    rank: int


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


@dataclass(frozen=True, slots=True)
class _Revisions:
    args: tuple[str, ...]  # for rev-list and log; empty: nothing to scan
    tip: str | None  # commit whose tree is "HEAD" for in_head; None when there is none
    description: str
    # a pushed tag of a tree or blob (`0…0..TREE`): no commits, `tip` is that tree (or None)
    commits: bool = True


# --- git plumbing ------------------------------------------------------------------------------


def _git(repo: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run a short git command in `repo` and capture its output."""
    try:
        proc = subprocess.run(
            gitcmd.argv(repo, *args),
            capture_output=True,
            env=gitcmd.env(),
            check=False,
            timeout=600,
        )
    except FileNotFoundError:
        raise ConfigError("git is not installed (or not on PATH); --history needs it") from None
    if check and proc.returncode != 0:
        raise PatlintError(f"git {args[0]} failed in {repo}: {_first_line(proc.stderr)}")
    return proc


def _first_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[0] if lines else "no message"


def open_repo(path: str) -> str:
    """Check that `path` is inside a git repository; ConfigError (exit 2) when it is not."""
    if not os.path.isdir(path):
        raise ConfigError(f"{path}: not a directory (--history needs a git repository)")
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
            raise _CatFileDied(f"git cat-file ended early: {self._stderr(2)}")
        parts = line.split()
        if len(parts) == 2 and parts[1] == b"missing":
            return parts[0].decode("ascii", "replace"), "missing", 0
        if len(parts) != 3:
            raise PatlintError("git cat-file --batch: unexpected output")
        return parts[0].decode("ascii"), parts[1].decode("ascii"), int(parts[2])

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
        try:
            if ok:
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


def collect_history(
    repo: str,
    rules: Sequence[Rule],
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
    open_repo(repo)
    revs = resolve_revisions(repo, since=since, rev_range=rev_range)
    out = HistoryCollected(description=revs.description)
    stats = out.stats
    if not revs.args:
        stats.notices.append(f"git history ({revs.description}): nothing to scan")
        return out
    bad_refs = _bad_refs(repo) if "--all" in revs.args else []
    detector = Detector(rules)
    try:
        hits, pipe_missing, unreadable = _read_blobs(
            repo, revs, detector, out, max_file_size, exclude, progress, listing=None
        )
    except _RevListFailed as exc:
        out = HistoryCollected(description=revs.description)  # start again, tolerantly
        stats = out.stats
        walk_problems: list[Skip] = []
        listing = _tolerant_listing(repo, revs, walk_problems)
        hits, pipe_missing, unreadable = _read_blobs(
            repo, revs, detector, out, max_file_size, exclude, progress, listing=listing
        )
        stats.skipped.extend(walk_problems)
        stats.notices.append(
            f"git rev-list could not walk the history ({exc}); every object reachable "
            "without the unreadable ones was listed another way and scanned"
        )
    stats.skipped[:0] = bad_refs
    out.commits = _count_commits(repo, revs)
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
    if revs.tip is None and not out.commits and revs.commits:
        stats.notices.append(f"{repo}: the repository has no commits yet; nothing to scan")
    mb = stats.bytes_scanned / 1e6
    stats.notices.append(
        f"git history ({revs.description}): {out.commits} commits, {out.blobs_read} unique "
        f"blobs read once ({mb:.1f} MB), {len(hits)} with tokens"
    )
    return out


def _read_blobs(
    repo: str,
    revs: _Revisions,
    detector: Detector,
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
                res = _scan_blob(reader, path, shown, real, detector, max_file_size)
                stats.notices.extend(res.timeouts)
                stats.skipped.extend(res.partial)
                try:
                    reader.drain()
                    stream.read(1)  # the newline after each object
                except OSError:
                    died = (oid, shown)
                    break
                if res.skip is not None and pipe.batch.poll() is not None:
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
        if died is None:
            return hits, missing, unreadable
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
            return hits, missing, unreadable
        missing.clear()  # the next pipeline lists them again
        unreadable.clear()


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


@dataclass(frozen=True, slots=True)
class _Hit:
    path: str  # the blob's first path (the one rev-list names)
    candidates: list[Candidate]
    places: list[PlaceFinding]


def _scan_blob(
    reader: _BlobReader, path: str, shown: str, size: int, detector: Detector, max_size: int
) -> FileResult:
    """Scan one blob: text detectors, plus the structured readers its first path picks."""
    readers = (
        readers_for(path) if path and size <= READER_MAX_BYTES and may_have_readers(path) else []
    )
    if not readers:
        return scan_stream(cast(BinaryIO, reader), shown, detector, max_size=max_size)
    try:
        data = reader.read(size)
    except OSError as exc:
        return FileResult(skip=Skip(shown, "read-error", str(exc)))
    if all(getattr(r, "text_derived", False) for r in readers):
        # e.g. a workflow: the reader only re-labels the text detectors' tokens, and what it
        # says without any is about the file's configuration, which history does not report
        # (`history_places`); most versions of most workflows hold no token
        res = scan_stream(io.BytesIO(data), shown, detector, max_size=max_size)
        if not res.candidates:
            return res
    return scan_structured(data, shown, None, detector, readers, max_size=max_size)


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
    return paths, links


def _shallow_boundary(repo: str) -> frozenset[str]:
    proc = _git(repo, "rev-parse", "--is-shallow-repository", check=False)
    if proc.stdout.strip() != b"true":
        return frozenset()
    where = _git(repo, "rev-parse", "--git-path", "shallow").stdout.decode().strip()
    path = where if os.path.isabs(where) else os.path.join(repo, where)
    try:
        with open(path, encoding="ascii") as fh:
            return frozenset(line.strip() for line in fh if line.strip())
    except OSError:
        return frozenset()


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
                key = (age, path, c.location.offset or 0, c.rule_id, oid)
                keyed.append((key, replace(c, location=_relocate(c.location, notes, where))))
            for p in hit.places:
                key = (age, path, p.location.offset or 0, p.rule_id, oid)
                keyed_places.append((key, replace(p, location=_relocate(p.location, notes, where))))
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


# --- renames: one file moved and edited in one commit is one place --------------------------


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
    from patlint.policy.storage import stored_places

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
        proc = subprocess.run(
            gitcmd.argv(repo, *args),
            input="".join(f"{c}\n" for c in commits).encode("ascii"),
            capture_output=True,
            env=gitcmd.env(),
            check=False,
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
