"""Ctrl-C stops promptly with exit 130 and leaves no half-written report behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PATLINT = [sys.executable, "-m", "patlint", "scan", "--offline", "--no-progress"]


def _interrupt(
    cmd: list[str], cwd: Path, *, after: float, stdin: int | None = None
) -> tuple[int, float]:
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(after)
    assert proc.poll() is None, "the scan finished before it could be interrupted"
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, time.monotonic() - sent


def test_interrupt_while_reading_stdin(tmp_path: Path) -> None:
    code, took = _interrupt(
        [*PATLINT, "-o", "report.json", "-"], tmp_path, after=1.0, stdin=subprocess.PIPE
    )
    assert code == 130
    assert took < 3
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_interrupt_parallel_scan_terminates_workers(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(64):  # 6.4 GB of sparse zeros: seconds of work for two cores
        with (tree / f"disk{i:02}.img").open("wb") as fh:
            fh.truncate(100 << 20)
    out = tmp_path / "report.json"
    cmd = [*PATLINT, "--max-file-size", "1GB", "--format", "json", "-o", str(out), str(tree)]
    code, took = _interrupt(cmd, tmp_path, after=1.0)
    assert code == 130
    assert took < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tree"]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_sigterm_to_the_parent_alone_ends_its_workers_at_once(tmp_path: Path) -> None:
    """`timeout` sends SIGTERM to patlint alone: its workers must not scan on without it."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(16):  # 16 GB of sparse zeros: each file keeps a worker busy for seconds
        with (tree / f"disk{i:02}.img").open("wb") as fh:
            fh.truncate(1 << 30)
    out = tmp_path / "report.json"
    cmd = [*PATLINT, "-j", "2", "--max-file-size", "2GB", "--format", "json", "-o", str(out)]
    proc = subprocess.Popen([*cmd, str(tree)], cwd=tmp_path, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.1)
            workers = _children(proc.pid)
        assert len(workers) >= 2, "no workers started"
        time.sleep(0.5)  # both are inside a file now
        proc.send_signal(signal.SIGTERM)  # the parent only, as `timeout` does
        _, err = proc.communicate(timeout=10)
        gone_by = time.monotonic() + 1.0
        while time.monotonic() < gone_by and any(_alive(w) for w in workers):
            time.sleep(0.02)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
        assert proc.returncode == 143, err
        assert b"patlint: terminated" in err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["tree"]  # no report, no temp
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in _children(proc.pid):
            os.kill(w, signal.SIGKILL)
