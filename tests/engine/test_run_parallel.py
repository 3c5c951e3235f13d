"""The pipeline of patlint/engine/run.py in parallel: the worker walk gives the same answer as the
serial one, also when other threads run."""

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


@pytest.fixture(autouse=True)
def _small_pool_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """These trees are smaller than a tree worth two workers: lower the threshold so the pool
    runs (the test below checks the real one)."""
    monkeypatch.setattr(run_mod, "PARALLEL_MIN_FILES", 400)


def test_a_tree_below_the_threshold_is_scanned_without_workers(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forking two workers and importing every reader first cost a 900-1,700 file checkout
    # ~10 % more wall time than scanning it in one process (--jobs 1 against 2, paired runs).
    from patlint.engine import workers

    monkeypatch.undo()
    assert run_mod.PARALLEL_MIN_FILES >= 2000
    started: list[int] = []
    real_run = workers.run_batches
    monkeypatch.setattr(
        workers, "run_batches", lambda *a, **kw: started.append(1) or real_run(*a, **kw)
    )
    planted = _tree(tmp_path, token)
    assert _found(tmp_path, jobs=2) == planted
    assert started == []


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
    assert run_mod.PARALLEL_MIN_FILES <= 600  # lowered for these tests
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


def _report(roots: list[str], jobs: int) -> tuple[str, list[str], list[str]]:
    """The JSON report of a scan of `roots` (no timestamp in it), and its tokens and the places'
    tokens in report order."""
    import io

    from patlint.report.common import ReportMeta
    from patlint.report.json_report import render

    ruleset = build_ruleset(Config())
    result = run_scan(roots, ruleset, ScanOptions(jobs=jobs))
    out = io.StringIO()
    meta = ReportMeta(
        version="test", config_source="defaults", fail_on="low", exit_code=1, verification="offline"
    )
    render(result, stream=out, meta=meta)
    places = [p.secret.reveal() for p in result.places if p.secret is not None]
    return out.getvalue(), [t.secret.reveal() for t in result.tokens], places


def test_reports_are_in_walk_order_whichever_worker_finishes_first(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several roots show the same relative paths (`scan a b`: both hold `.git-credentials`):
    # their tokens tie on (path, offset, rule), so the report took the order in which workers
    # happened to finish — the JSON `tokens` and `collected.places` changed from run to run.
    # Here the first root's batches are the slow ones: the report must still follow the walk.
    roots, in_order = [], []
    for name in ("a", "b", "c"):
        root = tmp_path / name
        for i in range(300):
            d = root / f"d{i % 7}"
            d.mkdir(parents=True, exist_ok=True)
            (d / f"f{i}.txt").write_text(f"line {i}\n")
        t = token("ghp")
        (root / ".git-credentials").write_text(f"https://user:{t}@github.com\n")
        roots.append(str(root))
        in_order.append(t)
    real_scan = run_mod._scan_batch

    def slow_first_root(batch: Any) -> Any:
        if any(path.startswith(roots[0] + "/") for path, _rel in batch):
            import time

            time.sleep(0.3)
        return real_scan(batch)

    monkeypatch.setattr(run_mod, "BATCH_FILES", 64)
    monkeypatch.setattr(run_mod, "_scan_batch", slow_first_root)  # inherited by forked workers
    serial, serial_tokens, serial_places = _report(roots, jobs=1)
    assert serial_tokens == in_order and serial_places == in_order
    first, tokens, places = _report(roots, jobs=2)
    assert tokens == in_order
    assert places == in_order
    assert first == serial  # byte for byte: the parallel report is the serial one
    second, _tokens, _places = _report(roots, jobs=2)
    assert second == first
