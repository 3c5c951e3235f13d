"""Bounded git: no content of a scanned repository can make a git command patlint runs hang.

git opens the files of a git directory with a plain blocking `open()`: a FIFO (or a link to
one, or a device) at `HEAD`, `config`, `packed-refs`, `objects/info/alternates`, a loose object
or a pack stops the git process for ever, and the scan with it. An unpacked archive or a CI
artifact can carry such a `.git`, so this is the attacker's to choose. Two defences:

1. `precheck`: before any git command, the files git opens at start are looked at without
   opening them (`stat`): `HEAD`, `config`, `commondir`, `packed-refs`, `shallow`,
   `info/grafts`, `info/exclude`, `index` (and a split index's `sharedindex.*`), every loose
   ref, `objects/info/alternates` and the object folders it names (recursively), every loose
   object and pack file, and every file the repository's config names for git to open
   (includes, followed; `core.excludesFile`, `core.attributesFile`); before a tree scan's
   `git ls-files`, also the `.gitignore` of each folder from the top of the work tree down to
   the scanned folder. The repository is the one git finds from the real path (links
   resolved). Anything there that is not a regular file (or a folder where git expects one)
   is named, and the caller leaves git out (a tree scan walks the folder itself; `--history`
   skips that repository with a notice).
2. `Watch`: the pre-check cannot know every file git may open (the user's own config, a
   `.gitignore` below the scanned folder: finding one means walking the whole tree), so every
   git process runs watched: when neither it nor patlint has used any CPU for
   `stall_seconds()` (default 30 s, `PATLINT_GIT_STALL_SECONDS`), it is blocked on something
   that will never come, and it is killed; the caller keeps what was read and says so. A git busy walking a large history uses CPU, so it is never mistaken for a stall (on
   Linux the CPU time of each git process is read from /proc; elsewhere only patlint's own is
   seen, and the limit is four times longer). On Linux a git process waiting to open a FIFO
   (its wait channel in /proc) is stopped at once, without waiting for the stall.

`run` is `subprocess.run` for git, watched and with a hard `timeout`; `cat_file` is the one
request/answer loop over `git cat-file --batch` the history authors and `merge` share.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from patlint.sources import gitcmd

STALL_ENV = "PATLINT_GIT_STALL_SECONDS"
STALL_DEFAULT = 30.0
_POLL = 0.2  # seconds between two looks at the CPU counters
_HAS_PROC = os.path.isfile("/proc/self/stat")
_SELF_TICKS = 2  # CPU ticks (10 ms) of patlint's reading thread that count as work

# Files of a git directory git opens when it starts or resolves a revision (relative paths).
_GIT_FILES = (
    "HEAD",
    "config",
    "config.worktree",
    "commondir",
    "packed-refs",
    "shallow",
    "index",
    "gitdir",
)
_GIT_FILES_DEEP = ("info/grafts", "info/exclude", "info/attributes", "objects/info/alternates")
_MAX_ALTERNATES = 5  # levels of alternates git itself follows
_MAX_ENTRIES = 2_000_000  # entries looked at per repository (refs, loose objects, packs)


class GitStalled(subprocess.TimeoutExpired):
    """A git process stopped answering (and was killed): its output so far is `output`."""

    def __init__(self, cmd: Sequence[str], timeout: float, why: str) -> None:
        super().__init__(list(cmd), timeout)
        self.why = why

    def __str__(self) -> str:
        return self.why


def stall_seconds() -> float:
    """Seconds without CPU use after which a git process counts as hung (environment knob)."""
    raw = os.environ.get(STALL_ENV, "")
    try:
        value = float(raw) if raw else STALL_DEFAULT
    except ValueError:
        value = STALL_DEFAULT
    value = value if value > 0 else STALL_DEFAULT
    return value if _HAS_PROC else value * 4


# --- 1. the pre-check ------------------------------------------------------------------------


def _kind(path: str) -> str | None:
    """What is at `path` when git could not read it as a plain file without blocking: a FIFO,
    a device, a socket, a link loop; None for a regular file or nothing at all."""
    try:
        mode = os.stat(path).st_mode  # follows links: what git's open() would reach
    except (FileNotFoundError, ValueError):  # ValueError: a NUL byte (git stops the name there)
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        return None  # no permission and the like: git fails, it does not wait
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_small(path: str, limit: int = 1 << 16) -> str:
    """A regular file's first bytes as text, opened without blocking; "" for anything else."""
    if _kind(path) is not None:
        return ""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        return os.read(fd, limit).decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


def read_small_bytes(path: str, limit: int = 1 << 16) -> bytes:
    """A regular file's first bytes, opened without blocking; b"" for anything else."""
    if _kind(path) is not None:
        return b""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError):
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, limit)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _git_path(data: bytes) -> str:
    """A path as git reads it from `.git` (after `gitdir: `) or `commondir`: every byte but the
    line breaks at its end, up to a NUL (git uses it as a C string); not decoded as UTF-8."""
    return os.fsdecode(data.rstrip(b"\r\n").split(b"\0", 1)[0])


def _valid_git_dir(path: str) -> bool:
    """Whether git would take the folder as a repository and stop climbing there (it has
    `HEAD`, `objects` and `refs`; git passes over an empty or partial `.git` folder)."""
    return (
        os.path.lexists(os.path.join(path, "HEAD"))
        and os.path.isdir(os.path.join(path, "objects"))
        and os.path.isdir(os.path.join(path, "refs"))
    )


def git_dirs(path: str) -> tuple[list[str], str | None]:
    """(every git directory git looks at when it starts in `path`, the work tree's top): each
    `.git` it passes over (an empty or partial folder: git opens its `HEAD` to see) and the one
    it uses (a `.git` folder, the folder a `.git` file names, or a bare repository itself), found
    without running git; ([], None) when there is none. Searched from the real path, as git
    does (it climbs from the folder it runs in, links resolved): a link inside one repository
    to a folder of another is that other's."""
    here = os.path.realpath(path)
    seen: list[str] = []
    while True:
        dotgit = os.path.join(here, ".git")
        if os.path.lexists(dotgit):
            if os.path.isdir(dotgit):
                seen.append(dotgit)
                if _valid_git_dir(dotgit):
                    return seen, here
            else:
                data = read_small_bytes(dotgit)
                if data.startswith(b"gitdir: "):
                    seen.append(os.path.normpath(os.path.join(here, _git_path(data[8:]))))
                else:
                    seen.append(dotgit)  # not a folder, not a `gitdir:` file: named below
                return seen, here
        if os.path.isdir(os.path.join(here, "objects")) and os.path.lexists(
            os.path.join(here, "HEAD")
        ):
            return [*seen, here], None  # a bare repository
        parent = os.path.dirname(here)
        if parent == here:
            return seen, None
        here = parent


def find_git_dir(path: str) -> str | None:
    """The git directory git would use for `path` (its `.git` folder, the folder a `.git` file
    names, or a bare repository itself), found without running git; None when there is none.
    (See `git_dirs`: the last of them.)"""
    dirs, _top = git_dirs(path)
    return dirs[-1] if dirs else None


def precheck(path: str, *, work_tree: bool = False) -> str | None:
    """Why git would block in the repository at `path` (a sentence naming the file), or None.

    `work_tree=True` (before `git ls-files --exclude-standard` lists the folder `path`): also
    the `.gitignore` of each folder from the top of the work tree down to `path`, which git
    reads before it lists anything. Those further down cannot be known without walking the
    tree: the watch bounds them. (`git log` and `cat-file` never read a `.gitignore`: a history
    scan is not refused for one.)

    Only `stat` is used (nothing is opened but small regular files read without blocking), so
    the pre-check itself cannot hang."""
    candidates, top = git_dirs(path)
    if not candidates:
        return None
    if work_tree and top is not None:
        found = _ignore_files(path, top)
        if found:
            return found
    budget = [_MAX_ENTRIES]
    for git_dir in candidates:
        found = _check_git_dir(git_dir, budget)
        if found:
            return found
    return None


def _check_git_dir(git_dir: str, budget: list[int]) -> str | None:
    """The first file of the git directory `git_dir` (and its common directory) git would block
    on, as a sentence; None when there is none."""
    what = _kind(git_dir)
    if what is not None:
        return f"{git_dir} is {what}"
    dirs = [git_dir]
    common = _git_path(read_small_bytes(os.path.join(git_dir, "commondir")))
    if common:
        dirs.append(os.path.normpath(os.path.join(git_dir, common)))
    for d in dirs:
        for name in (*_GIT_FILES, *_GIT_FILES_DEEP, *_shared_indexes(d)):
            what = _kind(os.path.join(d, name))
            if what is not None:
                return f"{os.path.join(d, name)} is {what}"
        for name in ("config", "config.worktree"):
            found = _config_paths(os.path.join(d, name), 0)
            if found:
                return found
        found = _tree(os.path.join(d, "refs"), budget)
        if found:
            return found
    return _objects(os.path.join(dirs[-1], "objects"), 0, budget)


def _shared_indexes(git_dir: str) -> list[str]:
    """The `sharedindex.<id>` files of a split index (`core.splitIndex`): git opens the one the
    index names before it lists or reads anything. All are looked at (the index is not parsed)."""
    try:
        with os.scandir(git_dir) as entries:
            names = (e.name for e in entries if e.name.startswith("sharedindex."))
            return list(itertools.islice(names, _MAX_ENTRIES))
    except OSError:
        return []


def _ignore_files(path: str, top: str) -> str | None:
    """The first `.gitignore` git reads before listing the folder `path` that is not a regular
    file: those of the top of the work tree `top` (where git found its repository, from the
    real path) and of every folder down to `path`."""
    here = os.path.realpath(path)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    chain = [here]
    while here != top:
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
        chain.append(here)
    for folder in reversed(chain):
        name = os.path.join(folder, ".gitignore")
        what = _kind(name)
        if what is not None:
            return f"{name} is {what}"
    return None


_MAX_INCLUDE_DEPTH = 10  # git's own limit on nested config includes
_GIT_BLANKS = " \t\n\v\f\r"  # git's isspace()
# Config keys naming a file git opens when it starts (includes) or lists a work tree.
_PATH_KEYS = frozenset({"include.path", "core.excludesfile", "core.attributesfile"})


def _config_paths(config: str, depth: int) -> str | None:
    """The first file a git config (and the configs it includes, recursively) names for git to
    open that is not a regular file: `include.path`, `includeIf.<cond>.path` (whatever the
    condition: it is not worth guessing), `core.excludesFile`, `core.attributesFile`. Read as
    text without blocking (`read_small`); nothing of it is run or followed but by `stat`."""
    section = ""
    # As git reads it: bytes (a path need not be UTF-8), a byte order mark skipped, lines split
    # at a line feed only, git's six blanks (not Python's wider whitespace) around them.
    text = os.fsdecode(read_small_bytes(config)).removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\\\n", "")  # continued lines
    for raw in text.split("\n"):
        line = raw.strip(_GIT_BLANKS)
        if line.startswith("["):
            head = line[1 : line.find("]")] if "]" in line else line[1:]
            name, *rest = re.split(f"[{_GIT_BLANKS}]", head, maxsplit=1)
            sub = rest[0] if rest else ""
            section = name.strip(_GIT_BLANKS).lower()
            if section == "includeif" or (section == "include" and sub):
                section = "include"
            line = line[line.find("]") + 1 :].strip() if "]" in line else ""
            if not line:
                continue
        key, eq, value = line.partition("=")
        if not eq or f"{section}.{key.strip().lower()}" not in _PATH_KEYS:
            continue
        value = gitcmd.config_value(value)
        if not value:
            continue
        if value.startswith("~/") or value == "~":
            value = os.path.expanduser(value)
        # An include is relative to the config naming it; the other paths to where git runs
        # (the work tree, the parent of `.git`): both are looked at.
        bases = {os.path.dirname(config), os.path.dirname(os.path.dirname(config))}
        for path in sorted({os.path.normpath(os.path.join(b, value)) for b in bases}):
            what = None if path == os.devnull else _kind(path)
            if what is not None:
                return f"{path} (named by {config}) is {what}"
            if section == "include" and depth < _MAX_INCLUDE_DEPTH and path != os.devnull:
                found = _config_paths(path, depth + 1)
                if found:
                    return found
    return None


def _tree(folder: str, budget: list[int], seen: set[str] | None = None) -> str | None:
    """The first entry under `folder` (recursively, through links to folders as git walks
    `refs/` and `objects/`; each real folder once) that is not a regular file or folder."""
    seen = set() if seen is None else seen
    real = os.path.realpath(folder)
    if real in seen:
        return None
    seen.add(real)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return None
    for entry in entries:
        budget[0] -= 1
        if budget[0] < 0:
            return None  # too many to look at: the watch still bounds git
        try:
            is_dir = entry.is_dir()  # follows a link, as git's open() and opendir() do
        except OSError:
            is_dir = False
        if is_dir:
            found = _tree(entry.path, budget, seen)
            if found:
                return found
        elif not entry.is_file(follow_symlinks=False):
            what = _kind(entry.path)
            if what is not None:
                return f"{entry.path} is {what}"
    return None


def _objects(objects: str, depth: int, budget: list[int]) -> str | None:
    """The object store: loose objects, packs, and the stores `info/alternates` names."""
    what = _kind(objects)
    if what is not None:
        return f"{objects} is {what}"
    for name in ("info/alternates", "info/http-alternates", "info/packs", "info/commit-graph"):
        what = _kind(os.path.join(objects, name))
        if what is not None:
            return f"{os.path.join(objects, name)} is {what}"
    found = _tree(objects, budget)
    if found:
        return found
    if depth >= _MAX_ALTERNATES:
        return None
    stores = alternate_stores(objects)
    if stores is None:
        return f"{os.path.join(objects, 'info', 'alternates')} is {_TOO_LARGE}"
    for store in stores:
        found = _objects(store, depth + 1, budget)
        if found:
            return found
    return None


ALTERNATES_MAX = 4 << 20  # bytes of `objects/info/alternates` read (git reads it whole)
_TOO_LARGE = f"larger than {ALTERNATES_MAX >> 20} MiB: the stores it names were not checked"


def alternate_stores(objects: str) -> list[str] | None:
    """The object stores `objects/info/alternates` names, as git reads the file: every line
    (however far down: git reads it whole), a C-quoted one unquoted, the others as they are
    (and stripped too, in case), joined to `objects`. None when the file is larger than
    ALTERNATES_MAX: the caller cannot know what it names. The history's ownership check
    (`gitowner`) and the pre-check read it through here."""
    data = read_small_bytes(os.path.join(objects, "info", "alternates"), ALTERNATES_MAX + 1)
    if len(data) > ALTERNATES_MAX:
        return None
    out: list[str] = []
    for raw in os.fsdecode(data).split("\n"):
        if not raw or raw.startswith("#"):
            continue
        forms = {_unquote_c(raw.rstrip("\r")) if raw.startswith('"') else raw, raw.strip()}
        out += [os.path.normpath(os.path.join(objects, f)) for f in sorted(f for f in forms if f)]
    return out


_C_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _unquote_c(quoted: str) -> str:
    """A C-style quoted path as git reads it (`"a\\"b\\303\\251"`: escapes, octal bytes);
    "" when it is not well formed (git then ignores the line)."""
    if not (len(quoted) >= 2 and quoted.startswith('"') and quoted.endswith('"')):
        return ""
    raw = os.fsencode(quoted[1:-1])
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:  # backslash
            out.append(c)
            i += 1
            continue
        nxt = raw[i + 1 : i + 2].decode("latin-1")
        if nxt in _C_ESCAPES:
            out += _C_ESCAPES[nxt].encode()
            i += 2
        elif nxt in ('"', "\\"):
            out += nxt.encode()
            i += 2
        elif len(raw) >= i + 4 and all(0x30 <= b <= 0x37 for b in raw[i + 1 : i + 4]):
            out.append(int(raw[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            return ""
    return os.fsdecode(bytes(out))


# --- 2. the watch --------------------------------------------------------------------------


def _ticks(stat_path: str) -> int:
    """utime + stime (clock ticks) from a /proc stat file; -1 when it cannot be read."""
    try:
        with open(stat_path, "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return -1


def waits_on_fifo(pid: int) -> bool:
    """Whether process `pid` is blocked opening a FIFO that nobody has open at its other end
    (Linux: its wait channel is the kernel's `wait_for_partner`). git never opens a FIFO on
    purpose: one in the repository or the work tree (a `.gitignore` deep in a hostile checkout)
    would hold it for ever. False when it cannot be told (no /proc, a kernel without symbols)."""
    try:
        with open(f"/proc/{pid}/wchan", "rb") as f:
            return f.read(64) == b"wait_for_partner"
    except OSError:
        return False


class Watch:
    """Kills the watched git processes when none of them, nor the patlint thread that reads
    them (the one that made the watch), uses any CPU for `stall` seconds while one of them
    still runs: they wait on something that never comes."""

    def __init__(
        self, procs: Sequence[subprocess.Popen[bytes]], what: str, stall: float | None = None
    ) -> None:
        self.procs = list(procs)
        self.what = what
        self.stall = stall_seconds() if stall is None else stall
        self.fired = False
        self.on_fifo = False  # fired because git waited to open a FIFO (seen in /proc)
        self._owner = f"/proc/self/task/{threading.get_native_id()}/stat"  # the reading thread
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="patlint-git-watch", daemon=True)
        self._thread.start()

    def _sample(self) -> tuple[int, ...]:
        if _HAS_PROC:
            own = _ticks(self._owner)
            return (own // _SELF_TICKS, *(_ticks(f"/proc/{p.pid}/stat") for p in self.procs))
        return (int(time.process_time() / (0.01 * _SELF_TICKS)),)

    def _run(self) -> None:
        base = self._sample()
        quiet = time.monotonic()
        fifo_waits = 0  # polls in a row that saw a git process waiting to open a FIFO
        while not self._done.wait(_POLL):
            running = [p for p in self.procs if p.poll() is None]
            if not running:
                return
            if _HAS_PROC and any(waits_on_fifo(p.pid) for p in running):
                fifo_waits += 1
                if fifo_waits >= 2:  # not a passing glimpse: the FIFO has no other end
                    self.on_fifo = True
                    self._kill()
                    return
            else:
                fifo_waits = 0
            now = self._sample()
            if now != base:
                base, quiet = now, time.monotonic()
                continue
            if time.monotonic() - quiet >= self.stall:
                self._kill()
                return

    def _kill(self) -> None:
        self.fired = True
        for p in self.procs:
            with contextlib.suppress(OSError):
                p.kill()

    def notice(self) -> str:
        """One line for the report: which git command was stopped, and why."""
        if self.on_fifo:
            return (
                f"{self.what}: git stopped answering (it waits to open a FIFO, a named pipe, of "
                "the repository or its work tree) and was stopped; what it gave before is kept"
            )
        return (
            f"{self.what}: git stopped answering (no progress for {self.stall:g} s: a file of the "
            "repository blocks it, e.g. a FIFO) and was stopped; what it gave before is kept"
        )

    def close(self) -> None:
        self._done.set()
        if self._thread is not threading.current_thread():
            self._thread.join()


def run(
    args: Sequence[str],
    *,
    timeout: float,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    what: str = "",
) -> subprocess.CompletedProcess[bytes]:
    """`subprocess.run(args, capture_output=True)` for a git command, watched (`Watch`) and
    bounded by `timeout`; GitStalled (a `subprocess.TimeoutExpired`) when it was stopped."""
    proc = subprocess.Popen(
        list(args),
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=gitcmd.env() if env is None else env,
    )
    watch = Watch([proc], what or f"git {_verb(args)}")
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise GitStalled(
            args, timeout, f"git {_verb(args)} took longer than {timeout:g} s"
        ) from None
    finally:
        watch.close()
    if watch.fired:
        raise GitStalled(args, watch.stall, watch.notice())
    return subprocess.CompletedProcess(list(args), proc.returncode, out, err)


def _verb(args: Sequence[str]) -> str:
    """The git subcommand of a command line built by `gitcmd.argv` (after `-C repo`)."""
    rest = list(args)
    if "-C" in rest:
        rest = rest[rest.index("-C") + 2 :]
    return rest[0] if rest else "?"


# --- the cat-file --batch loop -------------------------------------------------------------


def cat_file(
    repo: str,
    oids: Iterable[str],
    keep: Callable[[bytes, int], int],
    notices: list[str] | None = None,
) -> Iterator[tuple[str, bytes, int, bytes]]:
    """(id, type, size, kept bytes) of each object git can read in `repo`, through one hardened
    `git cat-file --batch`, watched: one request at a time, each answer of announced size read
    before the next. `keep(type, size)` says how many of the object's first bytes to keep (the
    rest is read and dropped). Missing or ambiguous ids are left out; when git dies or stalls,
    what was read is kept (a stall adds a line to `notices`)."""
    wanted = list(oids)
    if not wanted:
        return
    proc = subprocess.Popen(
        gitcmd.argv(repo, "cat-file", "--batch"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=gitcmd.env(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    watch = Watch([proc], f"{repo}: git cat-file")
    try:
        for oid in wanted:
            proc.stdin.write(oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            head = proc.stdout.readline(512).split()
            if len(head) != 3 or not head[2].isdigit():
                if watch.fired or proc.poll() is not None:
                    break
                continue  # "<id> missing" / "<id> ambiguous": nothing more to read for it
            size = int(head[2])
            want = max(0, min(keep(head[1], size), size))
            data = proc.stdout.read(want) if want else b""
            rest = size - len(data) + 1  # and the newline after the object
            while rest > 0:
                chunk = proc.stdout.read(min(rest, 1 << 20))
                if not chunk:
                    raise OSError("git cat-file ended in the middle of an object")
                rest -= len(chunk)
            if len(data) == want:
                yield oid, head[1], size, data
    except OSError:
        pass  # what was read is kept
    finally:
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        if watch.fired or proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.kill()
        proc.wait()
        watch.close()
        if watch.fired and notices is not None:
            notices.append(watch.notice())
