"""Attack 5: a custom rule's pattern cannot hang a scan.

The real console script runs in a subprocess with a hard timeout, so a hang is a test failure,
not a stuck test run: the guard refuses the exponential shapes at load (exit 2, naming the
rule), and a pattern the guard lets through is stopped by its time budget per file, in the
main process, in worker processes and in a history scan alike.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from patlint.catalog.rules import backtracking_risk
from patlint.detectors.pattern import REGEX_BUDGET
from patlint.tokengen import make_token

HANG = 60  # seconds: far beyond what any of these scans needs when it works


def rule_dir(tmp_path: Path, rule_id: str, pattern: str) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "custom.yml").write_text(
        f"- id: {rule_id}\n  name: Custom\n  kind: detector\n  token_kind: legacy\n"
        f"  pattern: '{pattern}'\n  keywords: [k_]\n  severity: high\n  description: d\n"
        "  remediation: r\n  examples: [a]\n  negative_examples: [b]\n"
    )
    return rules


def run(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """The console script in its own process group, killed whole (workers too) on a hang."""
    start = time.monotonic()
    cmd = [sys.executable, "-m", "patlint", *args]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    with subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=HANG)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail(f"patlint {' '.join(args)} still running after {HANG}s: the scan hangs")
    took = time.monotonic() - start
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), took


def test_overlapping_alternation_under_a_repeat_is_refused_at_load(tmp_path: Path) -> None:
    rules = rule_dir(tmp_path, "alt-rule", "(k_(?:a|a)*!)")
    (tmp_path / "x.txt").write_text("k_" + "a" * 100 + "\n")
    proc, _took = run("scan", "--offline", "--rules", str(rules), "x.txt", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert (
        "rule 'alt-rule': field 'pattern': refused: alternatives that can both match nothing, "
        "inside a repeat (prone to catastrophic backtracking)"
    ) in proc.stderr


SLOW = r"(k_\w*\w*\w*\w*!)"  # polynomial (n^4): no shape the guard refuses, yet it never ends


@pytest.fixture
def slow_tree(tmp_path: Path) -> tuple[Path, Path, str]:
    """A tree where the slow rule meets a long run of word characters, next to a real token."""
    rules = rule_dir(tmp_path, "slow-rule", SLOW)
    root = tmp_path / "tree"
    root.mkdir()
    tok = make_token("ghp", random.Random(15))
    (root / "big.txt").write_text(f"GH_TOKEN={tok}\nk_{'a' * 4000}\n")
    return rules, root, tok


def _check(proc: subprocess.CompletedProcess[str], took: float, tok: str, budgets: int) -> None:
    assert proc.returncode == 1, proc.stderr  # the built-in rule still found the token
    report = json.loads(proc.stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["github-classic-pat"]
    assert (
        f"rule slow-rule: gave up on big.txt after {REGEX_BUDGET:g}s (its pattern backtracks "
        "too much); that rule did not finish searching this file"
    ) in report["notices"]
    assert tok not in proc.stdout and tok not in proc.stderr
    assert took < budgets * REGEX_BUDGET + 15


def test_a_custom_pattern_the_guard_lets_through_stops_at_its_budget(
    slow_tree: tuple[Path, Path, str],
) -> None:
    rules, root, tok = slow_tree
    assert backtracking_risk(SLOW) is None  # the guard lets it through
    proc, took = run(
        *("scan", "--offline", "--format", "json", "--rules", str(rules), "-j", "1", "."),
        cwd=root,
    )
    _check(proc, took, tok, budgets=1)


def test_the_budget_holds_in_worker_processes(slow_tree: tuple[Path, Path, str]) -> None:
    rules, root, tok = slow_tree
    from patlint.engine.run import PARALLEL_MIN_FILES

    for i in range(PARALLEL_MIN_FILES + 100):  # enough files for the parallel scan
        (root / f"f{i:03}.txt").write_text("nothing here\n")
    proc, took = run(
        *("scan", "--offline", "--format", "json", "--rules", str(rules), "-j", "2", "."),
        cwd=root,
    )
    _check(proc, took, tok, budgets=1)


@pytest.mark.usefixtures("git_env")
def test_the_budget_holds_in_a_history_scan(slow_tree: tuple[Path, Path, str]) -> None:
    rules, root, tok = slow_tree
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", "x"], check=True)
    proc, took = run(
        *("scan", "--offline", "--format", "json", "--rules", str(rules), "--history", "."),
        cwd=root,
    )
    _check(proc, took, tok, budgets=1)
