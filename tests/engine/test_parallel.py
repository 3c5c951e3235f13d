"""The parallel walk gives the same answer as the serial one, also when other threads run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from patlint.config import Config
from patlint.engine import run as run_mod
from patlint.engine.ruleset import build_ruleset
from patlint.engine.run import ScanOptions, run_scan
from patlint.engine.workers import start_method

TokenFactory = Callable[..., str]


def _tree(root: Path, token: TokenFactory, n: int = 600) -> set[str]:
    planted = set()
    for i in range(n):
        d = root / f"d{i % 17}"
        d.mkdir(exist_ok=True)
        text = f"line {i}\n" * 20
        if i % 50 == 0:
            t = token("ghp")
            planted.add(t)
            text += f"TOKEN={t}\n"
        (d / f"f{i}.txt").write_text(text)
    return planted


def _found(root: Path, jobs: int) -> set[str]:
    ruleset = build_ruleset(Config())
    result = run_scan([str(root)], ruleset, ScanOptions(jobs=jobs))
    assert result.stats.files_scanned == 600
    return {t.secret.reveal() for t in result.tokens}


def test_parallel_equals_serial(tmp_path: Path, token: TokenFactory) -> None:
    planted = _tree(tmp_path, token)
    assert run_mod.PARALLEL_MIN_FILES <= 600
    assert _found(tmp_path, 1) == planted
    assert _found(tmp_path, 2) == planted


def test_spawn_is_used_while_other_threads_run(tmp_path: Path, token: TokenFactory) -> None:
    planted = _tree(tmp_path, token)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        assert start_method() == "spawn"
        assert _found(tmp_path, 2) == planted
    finally:
        stop.set()
        other.join()
    assert start_method() == "fork"


def test_workers_fork_from_one_thread_after_the_compile_thread(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The detector compiles in a thread while the readers are imported: that thread has ended
    # before any fork (fork with two threads can copy a held lock), and its error is not lost.
    from patlint.detectors.pattern import Detector
    from patlint.engine import workers

    planted = _tree(tmp_path, token)
    methods: list[str] = []
    real_run = workers.run_batches

    def spy(*args: Any, **kw: Any) -> None:
        methods.append(start_method())
        real_run(*args, **kw)

    monkeypatch.setattr(workers, "run_batches", spy)
    assert _found(tmp_path, jobs=2) == planted
    assert methods == ["fork"]

    def broken(self: Detector) -> None:
        raise RuntimeError("compile failed")

    monkeypatch.setattr(Detector, "prepare", broken)
    with pytest.raises(RuntimeError, match="compile failed"):
        _found(tmp_path, jobs=2)
    assert threading.active_count() == 1


def test_parallel_scan_compiles_one_detector_for_names_and_workers(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The name search used a Detector of its own: its pre-check database (~30 ms to compile)
    # was compiled a second time in the middle of the scan.
    from patlint.detectors.pattern import Detector

    made: list[Detector] = []

    class Counted(Detector):
        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            made.append(self)

    monkeypatch.setattr(run_mod, "Detector", Counted)
    planted = _tree(tmp_path, token)
    (tmp_path / "d0" / f"name-{token('ghp')}.txt").write_text("x")  # a token the name search finds
    ruleset = build_ruleset(Config())
    result = run_scan([str(tmp_path)], ruleset, ScanOptions(jobs=2))
    assert {t.secret.reveal() for t in result.tokens} >= planted
    assert len(result.tokens) == len(planted) + 1
    assert len(made) == 1
