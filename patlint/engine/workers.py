"""Scan worker processes, fed batches over one pipe each, from the main thread.

Why not `multiprocessing.Pool`: its three helper threads cost the main process as much CPU as
the walk itself (its worker-handler thread wakes up for every result waiting in the result
pipe, and the feeding thread fights the walk for the GIL), and a worker that dies leaves
`Pool` waiting forever. Here the main thread walks, keeps each worker two batches ahead and
reads results as they come; a reader thread in each worker empties its pipe at once, so
neither side can block on a full pipe while the other waits for it; a dead worker is an
error, not a hang.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

Batch = list[tuple[str, str]]  # (file-system path, shown path)
DEPTH = 2  # batches a worker holds: the one it scans and the next one


class WorkerDied(RuntimeError):
    """A scan worker ended without answering (killed, or crashed in native code)."""


def start_method() -> str:
    """fork when this process has one thread (fast, inherits the compiled detector); spawn otherwise.

    Forking a process that runs other threads (an embedding application, a test's HTTP server)
    can copy a lock another thread holds and hang the worker forever.
    """
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _serve(
    conn: Connection,
    init: Callable[..., None],
    init_args: tuple[Any, ...],
    job: Any,
    inherited: tuple[Connection, ...] = (),
) -> None:
    """A worker's life: set up once, then answer each batch until told to stop.

    A reader thread takes each batch off the pipe as soon as it arrives, so the parent's send
    never waits on a busy worker (the parent keeps the next batch queued here while this one
    is scanned): whatever the size of a batch or an answer, neither side can block the other.
    `inherited`: the parent's pipe ends a forked worker got a copy of (its own among them);
    closed first, or a parent that dies without a word (kill -9) would never reach the
    reader as end-of-file and the worker would wait for a batch forever.
    """
    import queue
    import threading

    for other in inherited:
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker must not run the parent's
    _die_with_parent()
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def read() -> None:
        while True:
            try:
                batch = conn.recv()
            except (EOFError, OSError):
                batch = None  # the parent is gone
            inbox.put(batch)
            if batch is None:
                return

    threading.Thread(target=read, name="patlint-inbox", daemon=True).start()
    init(*init_args)
    while True:
        batch = inbox.get()
        if batch is None:
            return
        try:
            answer: tuple[str, Any] = ("ok", job(batch))
        except BaseException as exc:  # not handled here: carried to the parent, which re-raises it
            answer = ("error", exc)
        try:
            conn.send(answer)
        except (OSError, ValueError):
            return


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker the moment its parent dies.

    `timeout 60 patlint scan` sends SIGTERM to the parent alone; without this the workers
    scanned on until their next write to the parent failed (seconds, with large files).
    Elsewhere the reader thread still sees the closed pipe, only later.
    """
    import os
    import sys

    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl: the pipe still tells, only later
        return
    if os.getppid() != parent:  # the parent died before the line above: follow it now
        os._exit(1)


class Workers:
    """`jobs` worker processes running `job(batch)` after `init(*init_args)`."""

    def __init__(
        self,
        jobs: int,
        init: Callable[..., None],
        init_args: tuple[Any, ...],
        job: Callable[[Batch], Any],
        *,
        method: str | None = None,
    ) -> None:
        method = method or start_method()
        ctx: Any = multiprocessing.get_context(method)
        self._procs: list[Any] = []
        self._conns: list[Connection] = []
        try:
            for _ in range(jobs):
                ours, theirs = ctx.Pipe(duplex=True)
                # A forked child holds copies of the parent's ends made so far: it closes them.
                inherited = (*self._conns, ours) if method == "fork" else ()
                proc = ctx.Process(
                    target=_serve, args=(theirs, init, init_args, job, inherited), daemon=True
                )
                proc.start()
                theirs.close()
                self._procs.append(proc)
                self._conns.append(ours)
        except BaseException:
            self.terminate()
            raise

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.terminate()

    def run(self, batches: Iterator[Batch], on_result: Callable[[Any], None]) -> None:
        """Scan every batch; `on_result` gets each answer in the main thread, in the order the
        batches came (whichever worker finished first), so a scan's report does not depend on
        which worker was quicker.

        Each worker holds up to DEPTH batches (the one it scans and the next), so it never
        waits for the parent between two. The main thread pulls batches (that is: walks) when
        a worker has room, and while every worker is full and no batch is ready yet. A worker
        answers its batches in the order it got them, so each pipe's answers are matched to
        their batches by a queue of numbers; an answer that came early waits (at most
        jobs × DEPTH of them) until those before it are in.
        """
        conns = list(self._conns)
        held = dict.fromkeys(conns, 0)
        sent: dict[Connection, deque[int]] = {c: deque() for c in conns}
        early: dict[int, Any] = {}  # answers that came before an earlier batch's
        next_out = 0  # the number of the next answer `on_result` gets
        count = 0  # batches sent so far
        ready: deque[Batch] = deque()
        exhausted = False

        def pull() -> None:
            nonlocal exhausted
            if not exhausted:
                batch = next(batches, None)
                if batch is None:
                    exhausted = True
                else:
                    ready.append(batch)

        while True:
            for level in range(DEPTH):  # one batch to each worker before a second to any
                for conn in conns:
                    if held[conn] > level:
                        continue
                    if not ready:
                        pull()
                    if not ready:
                        break
                    self._send(conn, ready.popleft())
                    held[conn] += 1
                    sent[conn].append(count)
                    count += 1
            busy = [c for c in conns if held[c]]
            if not busy:
                return
            if not ready:
                pull()  # walk on while every worker is full
            timeout = None if (ready or exhausted) else 0.0
            for done in wait(busy, timeout):
                assert isinstance(done, Connection)
                answer = self._receive(done)
                held[done] -= 1
                early[sent[done].popleft()] = answer
                while next_out in early:
                    on_result(early.pop(next_out))
                    next_out += 1

    def _send(self, conn: Connection, batch: Batch) -> None:
        try:
            conn.send(batch)
        except OSError as exc:  # BrokenPipeError: it died while holding its previous batch
            raise self._died(conn) from exc

    def _receive(self, conn: Connection) -> Any:
        try:
            status, value = conn.recv()
        except (EOFError, OSError) as exc:
            raise self._died(conn) from exc
        if status == "error":
            raise value
        return value

    def _died(self, conn: Connection) -> WorkerDied:
        proc = self._procs[self._conns.index(conn)]
        proc.join(timeout=1)
        return WorkerDied(f"a scan worker ended unexpectedly (exit code {proc.exitcode})")

    def close(self) -> None:
        """Tell each worker to stop and wait for it."""
        for conn in self._conns:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        self._close_conns()

    def terminate(self) -> None:
        """Stop every worker now (Ctrl-C, or an error in the main process)."""
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join()
        self._close_conns()

    def _close_conns(self) -> None:
        for conn in self._conns:
            conn.close()
        self._conns = []
        self._procs = []


def run_batches(
    jobs: int,
    init: Callable[..., None],
    init_args: Sequence[Any],
    job: Callable[[Batch], Any],
    batches: Iterator[Batch],
    on_result: Callable[[Any], None],
) -> None:
    """Start `jobs` workers, run every batch through `job`, stop the workers."""
    with Workers(jobs, init, tuple(init_args), job) as workers:
        workers.run(batches, on_result)
