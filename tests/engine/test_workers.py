"""The scan worker processes: every batch answered once, errors carried back, no hang on a death."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from patlint.engine.workers import Batch, WorkerDied, Workers, run_batches

_STATE: dict[str, int] = {}


def _init(tag: int) -> None:
    _STATE["tag"] = tag


def _echo(batch: Batch) -> tuple[int, list[str], int]:
    return os.getpid(), [rel for _path, rel in batch], _STATE["tag"]


def _fail_on_bad(batch: Batch) -> int:
    if any(rel == "bad" for _p, rel in batch):
        raise ValueError("cannot scan 'bad'")
    return len(batch)


def _die_on_bad(batch: Batch) -> int:
    if any(rel == "bad" for _p, rel in batch):
        os.kill(os.getpid(), signal.SIGKILL)
    return len(batch)


def _batches(n: int, size: int = 3, bad_at: int = -1) -> list[Batch]:
    return [
        [(f"/x/{i}-{j}", "bad" if i == bad_at and j == 0 else f"{i}-{j}") for j in range(size)]
        for i in range(n)
    ]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_every_batch_is_answered_once_by_initialised_workers(method: str) -> None:
    answers: list[tuple[int, list[str], int]] = []
    with Workers(2, _init, (7,), _echo, method=method) as workers:
        workers.run(iter(_batches(40)), answers.append)
    assert sorted(rel for _pid, rels, _tag in answers for rel in rels) == sorted(
        f"{i}-{j}" for i in range(40) for j in range(3)
    )
    assert {tag for _pid, _rels, tag in answers} == {7}  # init ran in every worker
    assert os.getpid() not in {pid for pid, _rels, _tag in answers}
    assert len({pid for pid, _rels, _tag in answers}) <= 2


def _slow_first(batch: Batch) -> list[str]:
    if batch[0][1] == "0-0":
        time.sleep(0.3)  # the other worker answers several batches meanwhile
    return [rel for _path, rel in batch]


def test_answers_come_in_batch_order_whichever_worker_is_quicker() -> None:
    answers: list[list[str]] = []
    with Workers(2, _init, (7,), _slow_first, method="fork") as workers:
        workers.run(iter(_batches(12)), answers.append)
    assert answers == [[f"{i}-{j}" for j in range(3)] for i in range(12)]


def test_an_error_in_a_worker_is_raised_in_the_parent() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="cannot scan 'bad'"):
        run_batches(2, _init, (1,), _fail_on_bad, iter(_batches(30, bad_at=12)), got.append)
    assert sum(got) < 30 * 3


@pytest.mark.parametrize("bad_at", [0, 1, 5, 29])
def test_a_killed_worker_is_an_error_not_a_hang(bad_at: int) -> None:
    # The parent learns of the death either reading the answer (EOF) or sending the worker
    # its next batch (broken pipe): both must be WorkerDied.
    start = time.monotonic()
    with pytest.raises(WorkerDied, match="exit code -9"):
        run_batches(2, _init, (1,), _die_on_bad, iter(_batches(30, bad_at=bad_at)), lambda _a: None)
    assert time.monotonic() - start < 20


def test_workers_are_gone_after_the_run() -> None:
    workers = Workers(2, _init, (1,), _echo, method="fork")
    procs = list(workers._procs)
    with workers:
        workers.run(iter(_batches(4)), lambda _a: None)
    assert all(not p.is_alive() for p in procs)
    assert all(p.exitcode == 0 for p in procs)  # told to stop, not terminated


_ORPHAN_SCRIPT = """
import os, signal, sys
from patlint.engine.workers import Workers
from tests.engine.test_workers import _echo, _init
workers = Workers(2, _init, (1,), _echo, method="fork")
with open(sys.argv[1], "w") as fh:
    fh.write(" ".join(str(p.pid) for p in workers._procs))
os.kill(os.getpid(), signal.SIGKILL)  # no clean-up: as when killed by the OOM killer or kill -9
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads worker states from /proc")
def test_forked_workers_leave_when_the_parent_is_killed(tmp_path: Path) -> None:
    # A forked worker inherits the parent's end of every pipe made before it, its own included:
    # unless it closes them, the parent's death never reaches it as end-of-file and it waits
    # for a batch forever.
    # The pids go through a file: the orphans would hold a stdout pipe open.
    pid_file = tmp_path / "pids"
    proc = subprocess.run(
        [sys.executable, "-c", _ORPHAN_SCRIPT, str(pid_file)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == -signal.SIGKILL
    pids = [int(p) for p in pid_file.read_text().split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [p for p in pids if _running(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert left == []
