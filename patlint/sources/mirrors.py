"""Bare mirrors of a fleet's repositories (`scan --repos`), kept in a cache folder.

A URL is fetched once with `git clone --mirror` (every ref) and brought up to date with
`git fetch` on the next run. Both go through the hardened argv of `patlint.sources.gitcmd`:
exactly the URL's own transport, no hook, no prompt, no submodule, nothing left running.

Safe against interruption and concurrency: a new mirror is cloned into a temporary folder
and renamed into place only when complete, so a fetch killed half-way (Ctrl-C, a timeout, a
CI job cancelled) never leaves a mirror that looks whole; one lock per mirror (`flock`) keeps
two runs from fetching into the same folder at once. A mirror that cannot be updated is still
scanned, as it was, with a notice that says so. Each fetch has a time limit, after which its
whole process group is killed. The cache folder is created private (0700) and refused when
someone else owns it or may write in it: its mirrors' configs are trusted by the fetches.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from patlint.errors import ConfigError
from patlint.sources import gitcmd
from patlint.sources.repos import Repo

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/patlint/repos, else ~/.cache/patlint/repos."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "patlint" / "repos"


@dataclass(frozen=True, slots=True)
class Fetched:
    """Where a repository's history can be read, or why it cannot."""

    repo: Repo
    path: str | None  # a git directory (the mirror, or the local path); None: nothing to read
    problem: str = ""  # why it could not be fetched, or updated (then `stale`)
    stale: bool = False  # `path` is the copy of an earlier run: the update failed


def _slug(normalized: str) -> str:
    tail = re.sub(r"[^A-Za-z0-9._-]+", "-", normalized.split("://", 1)[-1]).strip("-.")
    return tail[-60:].lstrip("-.") or "repo"


def _safe_text(text: str) -> str:
    """git's message, first line, with any `user:password@` of a URL taken out."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return _USERINFO.sub(r"\1***@", first)[:300]


def _check_private(root: Path) -> None:
    """ConfigError unless `root` is a folder owned by this user that nobody else may write."""
    try:
        st = os.lstat(root)
    except OSError as exc:
        raise ConfigError(f"--repos-cache {root}: cannot use it ({exc.strerror})") from None
    if not stat.S_ISDIR(st.st_mode):
        raise ConfigError(f"--repos-cache {root}: not a folder")
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and st.st_uid != geteuid():
        raise ConfigError(
            f"--repos-cache {root}: owned by uid {st.st_uid}, not by you: its mirrors' git "
            "configs would be trusted; use a folder of your own"
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(
            f"--repos-cache {root}: others may write in it (mode {stat.S_IMODE(st.st_mode):o}); "
            "`chmod 700` it or use a private folder"
        )


class MirrorCache:
    """The cache folder of mirrors; `fetch` one repository, `fetch_all` many in parallel."""

    def __init__(self, root: str | os.PathLike[str] | None = None, *, timeout: float) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.timeout = timeout
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._ready = False

    def _prepare(self) -> None:
        """Create the cache folder (private) on first use and check it is ours alone."""
        if self._ready:
            return
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"--repos-cache {self.root}: cannot create it ({exc.strerror})"
            ) from None
        _check_private(self.root)
        self._ready = True

    def path_for(self, repo: Repo) -> Path:
        """The mirror folder of a repository (named after its normalized name)."""
        import hashlib

        digest = hashlib.sha256(repo.normalized.encode("utf-8", "surrogateescape")).hexdigest()
        return self.root / f"{_slug(repo.normalized)}-{digest[:16]}.git"

    def existing(self, repo: Repo) -> str | None:
        """The mirror of an earlier run, if there is one (not fetched again)."""
        path = self.path_for(repo)
        return str(path) if (path / "HEAD").is_file() else None

    def fetch(self, repo: Repo) -> Fetched:
        """Clone the mirror (or update it) and say where to read it."""
        assert repo.url is not None
        self._prepare()
        final = self.path_for(repo)
        lock_fd = os.open(f"{final}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            _flock(lock_fd)
            if (final / "HEAD").is_file():
                problem = self._run(gitcmd.fetch_mirror_argv(str(final), repo.url), repo.scheme)
                if problem:
                    return Fetched(
                        repo,
                        str(final),
                        f"could not update the mirror ({problem}); its copy of an earlier run "
                        f"was scanned (to start again, remove {final})",
                        stale=True,
                    )
                return Fetched(repo, str(final))
            if os.path.lexists(final):  # not a mirror (not ours): never scanned as one
                return Fetched(repo, None, f"{final} is in the way and is not a mirror")
            work = tempfile.mkdtemp(prefix=".fetch-", dir=self.root)
            try:
                dest = os.path.join(work, "mirror.git")
                problem = self._run(gitcmd.clone_mirror_argv(repo.url, dest), repo.scheme)
                if problem:
                    return Fetched(repo, None, f"could not fetch it ({problem})")
                os.rename(dest, final)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            return Fetched(repo, str(final))
        finally:
            os.close(lock_fd)  # releases the lock

    def _run(self, argv: list[str], protocol: str) -> str:
        """Run one fetch; "" when it worked, else why not (git's first line, no credentials)."""
        if self._closed:
            return "stopped"
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=gitcmd.fetch_env(protocol),
                start_new_session=True,  # no terminal to prompt on; killed as a group
            )
            with self._lock:
                self._running.add(proc)
                if self._closed:  # close() came between the check above and now
                    _kill(proc)
            try:
                exited = _wait_unreaped(proc, self.timeout)
            finally:
                with self._lock:  # reaped under the lock: close() only signals unreaped ones
                    _kill(proc)  # the group too (git-remote-https, ssh): its leader holds it
                    code = proc.wait()
                    self._running.discard(proc)
            if not exited:
                return f"no answer within {self.timeout:g} s: stopped"
            if code == 0:
                return ""
            err.seek(0)
            said = _safe_text(err.read(8192).decode("utf-8", "replace"))
            return f"git exit {code}: {said}" if said else f"git exit {code}"

    def fetch_all(self, repos: Sequence[Repo], jobs: int) -> Iterator[Fetched]:
        """Every repository, in list order: URLs fetched `jobs` at a time ahead of the reader,
        local paths as they are. Leaving early (an error, Ctrl-C) stops every fetch."""
        pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="patlint-fetch")
        futures: list[Future[Fetched] | None] = [
            pool.submit(self.fetch, r) if r.url is not None else None for r in repos
        ]
        try:
            for repo, fut in zip(repos, futures, strict=True):
                if fut is None:
                    yield local(repo)
                else:
                    yield fut.result()
        finally:
            self.close()
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Stop: kill every fetch still running, start no other."""
        self._closed = True
        with self._lock:
            for proc in self._running:
                _kill(proc)


def local(repo: Repo) -> Fetched:
    """A local path, read in place: it must be a folder (git says whether it is a repository)."""
    path = os.path.expanduser(repo.name)
    if not os.path.isdir(path):
        why = "does not exist" if not os.path.lexists(path) else "is not a folder"
        return Fetched(repo, None, f"{why}")
    return Fetched(repo, path)


def _flock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no second run on one cache, we trust
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def _wait_unreaped(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait up to `timeout` for the process to end, without reaping it (so its process group
    id cannot be reused before `_kill` has signalled the group): True when it ended."""
    import time

    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            done = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # reaped elsewhere (close() from another thread)
            return proc.returncode is not None
        if done is not None:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.1)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a fetch's process group (it leads its own session). Only while the leader is
    not reaped: its group id is then still its own."""
    if proc.returncode is not None:
        return
    import signal

    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
