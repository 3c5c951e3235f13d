"""A custom rule's time budget also holds per scan: after a few files where it ran out of time
(or a total time), the rule is dropped for the rest of the scan with one notice; every file
where it gave up, and the drop itself, make the scan incomplete (a timeout can hide a real match
further on); `--env` gives each variable its own budget."""

from __future__ import annotations

import json
import os
from pathlib import Path

from patlint.detectors.pattern import REGEX_BUDGET, RULE_TIMEOUTS_MAX
from tests.detectors.test_regex_budget import SLOW, rule_dir, run

SCAN = ("scan", "--offline", "--no-progress", "--format", "json")


def test_a_rule_that_keeps_timing_out_is_dropped_for_the_rest_of_the_scan(tmp_path: Path) -> None:
    rules = rule_dir(tmp_path, "slow-rule", SLOW)
    root = tmp_path / "tree"
    root.mkdir()
    for i in range(10):
        (root / f"f{i}.txt").write_text(f"k_{'a' * 4000}\n")
    proc, took = run(*SCAN, "--rules", str(rules), "-j", "1", ".", cwd=root)
    assert took < RULE_TIMEOUTS_MAX * REGEX_BUDGET + 10, took  # was 10 × 2 s
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    dropped = [n for n in report["notices"] if "dropped for the rest of the scan" in n]
    assert dropped == [
        f"rule slow-rule: dropped for the rest of the scan after running out of time on "
        f"{RULE_TIMEOUTS_MAX} files; the files after that were not searched by it"
    ]
    # each file it gave up on, and the drop, count as incomplete
    assert report["summary"]["skipped_by_reason"] == {"rule-timeout": RULE_TIMEOUTS_MAX + 1}
    assert report["summary"]["incomplete"] == RULE_TIMEOUTS_MAX + 1
    proc, _ = run(*SCAN, "--rules", str(rules), "-j", "1", "--fail-on-incomplete", ".", cwd=root)
    assert proc.returncode == 1, proc.stderr


def test_a_timeout_that_hides_a_later_match_makes_the_scan_incomplete(tmp_path: Path) -> None:
    rules = rule_dir(tmp_path, "slow-rule", SLOW)
    root = tmp_path / "tree"
    root.mkdir()
    (root / "f.txt").write_text(f"k_{'a' * 4000}\nk_real!\n")
    proc, _ = run(*SCAN, "--rules", str(rules), "-j", "1", ".", cwd=root)
    assert proc.returncode == 0, proc.stderr  # the match after the slow part was not reached
    report = json.loads(proc.stdout)
    assert report["summary"]["incomplete"] == 1
    assert report["skipped"] == [
        {
            "path": "f.txt",
            "reason": "rule-timeout",
            "detail": f"rule slow-rule gave up after {REGEX_BUDGET:g}s",
        }
    ]
    proc, _ = run(*SCAN, "--rules", str(rules), "--fail-on-incomplete", ".", cwd=root)
    assert proc.returncode == 1


def test_each_environment_variable_has_its_own_budget(tmp_path: Path) -> None:
    rules = rule_dir(tmp_path, "slow-rule", SLOW)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"A_SLOW": f"k_{'a' * 4000}", "Z_REAL": "k_real!"}
    os.environ.update(env)
    try:
        proc, _ = run(*SCAN, "--rules", str(rules), "--env", ".", cwd=empty)
    finally:
        for k in env:
            os.environ.pop(k)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [f["location"]["path"] for f in report["findings"]] == ["env:Z_REAL"]
    assert report["summary"]["skipped_by_reason"] == {"rule-timeout": 1}
    assert any("gave up on env:A_SLOW" in n for n in report["notices"])
