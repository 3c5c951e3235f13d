"""`python -m patlint._dcregen --check`: the committed table of patlint/dcache.py is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import patlint
from patlint import dcache

TABLE_FILE = Path(patlint.__file__).parent / (dcache.table_module().rsplit(".", 1)[1] + ".py")


def _regen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "patlint._dcregen", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not TABLE_FILE.exists(), reason="no table for this Python version")
def test_the_committed_table_is_what_the_records_compile_to_now() -> None:
    """Changed a record? Run `python -m patlint._dcregen` (else every start compiles it again)."""
    proc = _regen("--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith(": current")


def test_a_wrong_argument_is_a_usage_error() -> None:
    proc = _regen("--write-elsewhere")
    assert proc.returncode == 2
    assert "usage" in proc.stderr
