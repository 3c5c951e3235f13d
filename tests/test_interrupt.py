"""Ctrl-C stops promptly with exit 130 and leaves no half-written report behind."""

from __future__ import annotations

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
