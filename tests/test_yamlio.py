"""YAML from hostile repositories: alias bombs, deep nesting and huge files are refused quickly."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patlint.errors import ConfigError, RuleError
from patlint.yamlio import flow_deeper_than, flow_depth, safe_load


def bomb(levels: int) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_refused_fast() -> None:
    start = time.monotonic()
    with pytest.raises(
        ConfigError, match=r"cfg: expands to more than 1000000 nodes \(alias bomb\?\), refused"
    ):
        safe_load(bomb(12), "cfg")
    assert time.monotonic() - start < 2


def test_small_alias_use_is_fine() -> None:
    assert safe_load(bomb(3), "cfg")["a2"][0][0] == ["x"] * 9


def test_deep_flow_nesting_refused_before_libyaml_sees_it() -> None:
    text = "x: " + "[" * 100_000 + "]" * 100_000
    assert flow_depth(text) == 100_000
    with pytest.raises(RuleError, match=r"rules\.yml: nested deeper than 200 levels, refused"):
        safe_load(text, "rules.yml", error=RuleError)


def depth_by_hand(text: str) -> int:
    """Deepest `[`/`{` nesting, counted by hand (a closer with nothing open ignored)."""
    depth = deepest = 0
    for c in text:
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}" and depth:
            depth -= 1  # a closer with nothing open is ignored
    return deepest


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("[]{}a '\"")), max_size=200), st.integers(0, 12))
def test_flow_depth_is_the_nesting_a_hand_count_gives(text: str, limit: int) -> None:
    """The one flow-nesting count (config, rules, gh hosts and CI YAML all use it) is the
    clamped running count of brackets, and its short cut agrees with it."""
    assert flow_depth(text) == depth_by_hand(text)
    assert flow_deeper_than(text, limit) == (depth_by_hand(text) > limit)


def test_deep_block_nesting_refused() -> None:
    text = "".join(" " * i + "- \n" for i in range(400))
    with pytest.raises(ConfigError, match="nested deeper than 200 levels"):
        safe_load(text, "cfg")


def test_huge_and_malformed() -> None:
    with pytest.raises(ConfigError, match="larger than 4 MB"):
        safe_load("a: b\n" * (1 << 20), "cfg")
    with pytest.raises(ConfigError, match="cfg: not valid YAML"):
        safe_load("a: [\n", "cfg")
    assert safe_load("", "cfg") is None


def test_deeply_nested_gh_hosts_file_does_not_crash_the_scan(tmp_path: object) -> None:
    """libyaml's C composer overflows the stack on deep nesting: the reader must refuse first."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    hosts = tmp_path / ".config" / "gh" / "hosts.yml"
    hosts.parent.mkdir(parents=True)
    # 10,000 levels in 50 KB: under the reader's 64 KiB limit, so the nesting check refuses it
    hosts.write_text("github.com: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "patlint", "scan", "--offline", "--format", "json", str(tmp_path)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    notices = json.loads(proc.stdout)["notices"]
    assert any("nested deeper than 200 levels" in n and "scanned as text" in n for n in notices)
