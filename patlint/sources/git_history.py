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
from patlint.engine.filescan import PRECHECK_MIN_FILES, FileResult, scan_stream, scan_structured
from patlint.engine.rules import Rule
from patlint.errors import ConfigError, PatlintError
from patlint.model import Candidate, Location, ScanStats, Skip
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


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_NO_LAZY_FETCH"] = "1"  # a partial clone must not fetch missing blobs (git >= 2.44)
    env.pop("GIT_PAGER", None)
    return env


def _git(repo: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run a short git command in `repo` and capture its output."""
    try:
        proc = subprocess.run(
            ["git", "-C", repo, *args], capture_output=True, env=_env(), check=False, timeout=600
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
    out = _git(repo, "rev-list", "--count", *revs.args, check=False).stdout.strip()
    return int(out) if out.isdigit() else 0


def _git_version(repo: str) -> tuple[int, ...]:
    out = _git(repo, "version").stdout.decode("ascii", "replace")
    m = re.search(r"(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


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
    """

    def __init__(self, repo: str, revs: _Revisions, max_size: int, exclude: Sequence[str]):
        self.repo = repo
        self.max_size = max_size
        self.spec: Any = None
        if exclude:
            import pathspec

            self.spec = pathspec.GitIgnoreSpec.from_lines(exclude)
        self.missing = 0
        self.stop = threading.Event()
        self.queue: queue.Queue[Any] = queue.Queue(_QUEUE_MAX)
        # git's stderr, read only on failure; closed in close()
        self.errors = [tempfile.TemporaryFile() for _ in range(3)]  # noqa: SIM115
        filters = ["--filter=object:type=blob"] if _git_version(repo) >= (2, 32) else []
        env = _env()
        self.revlist = subprocess.Popen(
            ["git", "-C", repo, "rev-list", "--objects", "--missing=print", *filters, *revs.args],
            stdout=subprocess.PIPE,
            stderr=self.errors[0],
            env=env,
        )
        self.check = subprocess.Popen(
            [
                "git",
                "-C",
                repo,
                "cat-file",
                "--buffer",
                "--batch-check=%(objectname) %(objecttype) %(objectsize) %(rest)",
            ],
            stdin=self.revlist.stdout,
            stdout=subprocess.PIPE,
            stderr=self.errors[1],
            env=env,
        )
        assert self.revlist.stdout is not None
        self.revlist.stdout.close()  # rev-list sees a broken pipe if batch-check dies
        self.batch = subprocess.Popen(
            ["git", "-C", repo, "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors[2],
            env=env,
            bufsize=1 << 16,
        )
        _grow_pipe(self.batch.stdout)
        self.feeder = threading.Thread(target=self._feed, name="patlint-git-feed", daemon=True)
        self.feeder.start()

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
                    self.missing += 1
                    continue
                if len(parts) < 3 or parts[1] != b"blob":
                    continue
                oid = parts[0].decode("ascii")
                size = int(parts[2])
                path = os.fsdecode(parts[3]) if len(parts) > 3 and parts[3] else ""
                if path and self.spec is not None and self.spec.match_file(path):
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
            raise PatlintError(f"git cat-file ended early: {self._stderr(2)}")
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
        """Stop everything; when `ok`, raise if a git process failed."""
        self.stop.set()
        procs = [self.revlist, self.check, self.batch]
        if not ok:
            for p in procs:
                if p.poll() is None:
                    p.kill()
        for p in procs[1:]:
            if p.stdout is not None:
                p.stdout.close()
        self.feeder.join(timeout=10)
        codes = [p.wait() for p in procs]
        try:
            if ok:
                names = ["rev-list", "cat-file --batch-check", "cat-file --batch"]
                for i, (name, code) in enumerate(zip(names, codes, strict=True)):
                    if code != 0:
                        raise PatlintError(f"git {name} failed in {self.repo}: {self._stderr(i)}")
        finally:
            for f in self.errors:
                f.close()


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
    """Scan every unique blob in the history of `repo` once and attribute hits to commits."""
    open_repo(repo)
    revs = resolve_revisions(repo, since=since, rev_range=rev_range)
    out = HistoryCollected(description=revs.description)
    stats = out.stats
    if not revs.args:
        stats.notices.append(f"git history ({revs.description}): nothing to scan")
        return out
    detector = Detector(rules)
    hits: dict[str, _Hit] = {}  # blob id -> what its scan found
    pipe = _Pipeline(repo, revs, max_file_size, exclude)
    ok = False
    try:
        for kind, oid, path, size in pipe.items():
            shown = path or f"<blob {oid[:12]}>"
            if kind == "skip":
                stats.skipped.append(
                    Skip(shown, "too-large", f"blob {oid}: {size} bytes > limit {max_file_size}")
                )
                continue
            got, typ, real = pipe.header()
            if got != oid or typ == "missing":
                stats.skipped.append(Skip(shown, "missing", f"blob {oid} not in the repository"))
                continue
            stream = pipe.stdout
            reader = _BlobReader(stream, real)
            precheck = out.blobs_read >= PRECHECK_MIN_FILES  # compiled once history is long
            res = _scan_blob(reader, path, shown, real, detector, max_file_size, precheck)
            reader.drain()
            stream.read(1)  # the newline after each object
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
        ok = True
    finally:
        pipe.close(ok=ok)
    out.commits = _count_commits(repo, revs)
    out.blobs_with_hits = len(hits)
    if pipe.missing:
        stats.notices.append(
            f"{pipe.missing} objects are missing from the repository (a partial clone?) "
            "and were not scanned"
        )
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
    occurrences = _attribute(repo, revs, set(hits)) if hits and revs.commits else {}
    unattributed = (
        "no commit in the scanned revisions adds this blob here"
        if revs.commits
        else f"pushed {revs.description.split(':', 1)[0]}, not in a commit"
    )
    out.candidates, out.places = _place(
        hits, occurrences, tip_paths, revs.tip is not None and revs.commits, boundary, unattributed
    )  # a pushed tree is no HEAD: its blobs are found at their paths, `in_head` stays unknown
    out.candidates = follow_renames(repo, out.candidates)
    if revs.tip is None and not out.commits and revs.commits:
        stats.notices.append(f"{repo}: the repository has no commits yet; nothing to scan")
    mb = stats.bytes_scanned / 1e6
    stats.notices.append(
        f"git history ({revs.description}): {out.commits} commits, {out.blobs_read} unique "
        f"blobs read once ({mb:.1f} MB), {len(hits)} with tokens"
    )
    return out


@dataclass(frozen=True, slots=True)
class _Hit:
    path: str  # the blob's first path (the one rev-list names)
    candidates: list[Candidate]
    places: list[PlaceFinding]


def _scan_blob(
    reader: _BlobReader,
    path: str,
    shown: str,
    size: int,
    detector: Detector,
    max_size: int,
    precheck: bool = False,
) -> FileResult:
    """Scan one blob: text detectors, plus the structured readers its first path picks."""
    readers = (
        readers_for(path) if path and size <= READER_MAX_BYTES and may_have_readers(path) else []
    )
    if not readers:
        stream = cast(BinaryIO, reader)
        return scan_stream(stream, shown, detector, max_size=max_size, precheck=precheck)
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


def _attribute(repo: str, revs: _Revisions, blobs: set[str]) -> dict[str, list[Occurrence]]:
    """For each blob, every commit (in the revisions) that added it at a path."""
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
    if len(blobs) <= FIND_OBJECT_MAX:
        args += [f"--find-object={b}" for b in sorted(blobs)]
    args += list(revs.args)
    found: dict[str, list[Occurrence]] = {}
    seen: set[tuple[str, str, bytes]] = set()
    proc = subprocess.Popen(
        ["git", "-C", repo, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(),
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
    if code != 0:
        raise PatlintError(f"git log failed in {repo} (exit {code})")
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
        ["git", "-C", repo, "ls-tree", "-r", "-z", "--full-tree", tip],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(),
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
            ["git", "-C", repo, *args],
            input="".join(f"{c}\n" for c in commits).encode("ascii"),
            capture_output=True,
            env=_env(),
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
