"""Exclude patterns are matched in linear time with gitignore's meaning: a pattern from the
scanned tree's own config (`exclude` narrows, so a pull request may set it) and a file name it
picks must not hang the scan."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patlint import ignorespec
from patlint.ignorespec import IgnoreSpec, PatternError

TokenFactory = Callable[..., str]

# patlint as a plain `pip install patlint` runs it: no Hyperscan, no re2 (pathspec's "simple"
# backend, which ran every exclude pattern as a backtracking Python regex).
NO_FAST_ENGINES = (
    "import sys; sys.modules['hyperscan'] = None; sys.modules['re2'] = None; "
    "from patlint.cli import cli; cli(sys.argv[1:], prog_name='patlint')"
)
SCAN = ("scan", "--offline", "--no-progress", "--format", "json")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


def scan(root: Path, *args: str, timeout: float = 60) -> tuple[int, dict, float]:  # type: ignore[type-arg]
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", NO_FAST_ENGINES, *SCAN, *args, "."],
            capture_output=True,
            cwd=root,
            timeout=timeout,
            check=False,
            env={**os.environ, "PATLINT_NO_HYPERSCAN": "1"},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the scan did not finish in {timeout} s")
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout), time.monotonic() - start


def test_a_backtracking_exclude_from_the_scanned_tree_does_not_hang_the_scan(
    tmp_path: Path, token: TokenFactory
) -> None:
    git(tmp_path, "init", "-q")
    t = token("ghp")
    long_name = "a" * 200  # file names may be 255 bytes
    (tmp_path / long_name).write_text(f"t={t}\n")
    (tmp_path / ("a" * 60 + "b")).write_text(f"t={token('ghp')}\n")
    (tmp_path / ".patlint.yaml").write_text('exclude: ["*a*a*a*a*a*a*a*a*b"]\n')
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x")
    code, report, took = scan(tmp_path, timeout=30)
    assert took < 10
    assert code == 1
    assert [f["location"]["path"] for f in report["findings"]] == [long_name]
    assert report["summary"]["skipped_by_reason"] == {"excluded": 1}
    # The history scan reads the same list.
    code, report, took = scan(tmp_path, "--history", timeout=30)
    assert took < 10
    assert [f["location"]["path"] for f in report["findings"]] == [long_name]


@pytest.fixture(params=["atomic groups", "lookahead and backreference"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of writing an atomic group: Python 3.11's, and 3.10's trick."""
    if request.param != "atomic groups":
        monkeypatch.setattr(ignorespec, "_ATOMIC_GROUPS", False)


@pytest.mark.usefixtures("engine")
def test_deep_paths_and_many_double_stars_stay_fast() -> None:
    path = "/".join(["a"] * 1000) + "/c"
    start = time.monotonic()
    spec = IgnoreSpec(
        ["**/a/**/a/**/a/**/a/**/a/**/b", "*a*a*a*a*a*a*a*a*a*a*b", "a/**/a*a*a*a*b/"]
    )
    assert not spec.match_file(path)
    assert not spec.match_file("a" * 4000)
    assert spec.match_file(path.replace("/c", "/b"))
    assert time.monotonic() - start < 1


@pytest.mark.usefixtures("engine")
def test_gitignore_meaning_is_kept() -> None:
    spec = IgnoreSpec(["*.log", "!keep.log", "build/", "/top.txt", "docs/**/gen", "x/**"])
    cases = {
        "a.log": True,
        "sub/a.log": True,
        "keep.log": False,
        "sub/keep.log": False,
        "build/": True,
        "build/out.o": True,
        "src/build/out.o": True,
        "build": False,  # a file named build: `build/` matches folders only
        "top.txt": True,
        "sub/top.txt": False,
        "docs/gen": True,
        "docs/a/b/gen": True,
        "docs/a/b/gen/x.md": True,
        "x": False,
        "x/y": True,
        "a[b]": False,
    }
    assert {p: spec.match_file(p) for p in cases} == cases
    assert IgnoreSpec(["a[/]b"]).match_file("a/b") is False  # as git: `[…]` never matches /
    assert IgnoreSpec(["\\*.py"]).match_file("*.py") and not IgnoreSpec(["\\*.py"]).match_file(
        "a.py"
    )
    for bad in ("a\\", "!"):
        with pytest.raises(PatternError):
            IgnoreSpec([bad])


def test_a_discovered_exclude_is_bounded_and_every_exclude_is_checked(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    cfg = tmp_path / ".patlint.yaml"
    cases = {
        json.dumps(
            {"exclude": [f"d{i}/" for i in range(1001)]}
        ): "1001 patterns, more than the 1000",
        json.dumps({"exclude": ["a" * 300]}): "a pattern of 300 characters, longer than the 256",
        json.dumps({"exclude": ["ok", "bad\\"]}): "'bad\\\\': ",
    }
    for text, message in cases.items():
        cfg.write_text(text)
        proc = subprocess.run(
            [sys.executable, "-m", "patlint", *SCAN, "."],
            capture_output=True,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert f"{cfg}: exclude: " in proc.stderr.decode() and message in proc.stderr.decode()
    # The user's own config may hold more (it is trusted), but not a pattern git refuses.
    cfg.unlink()
    from patlint.config import resolve
    from patlint.errors import ConfigError

    user = Path(os.environ["XDG_CONFIG_HOME"]) / "patlint" / "config.yaml"
    user.parent.mkdir(parents=True)
    user.write_text(json.dumps({"exclude": [f"d{i}/" for i in range(1001)] + ["a" * 300]}))
    assert len(resolve([str(tmp_path)]).exclude) == 1002
    user.write_text(json.dumps({"exclude": ["a\\"]}))
    with pytest.raises(ConfigError, match="ends with a backslash"):
        resolve([str(tmp_path)])


# --- the same answers as pathspec's GitIgnoreSpec ------------------------------------------------

_PIECES = ["a", "b", ".", "*", "?", "[ab]", "[!a]", "\\*", "**"]
segment = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4).map("".join)
pattern = st.builds(
    lambda neg, lead, segs, trail: (
        ("!" if neg else "") + ("/" if lead else "") + "/".join(segs) + ("/" if trail else "")
    ),
    st.booleans(),
    st.booleans(),
    st.lists(segment, min_size=1, max_size=4),
    st.booleans(),
)
path = st.builds(
    lambda segs, trail: "/".join(segs) + ("/" if trail else ""),
    st.lists(
        st.sampled_from(["a", "b", "ab", "ba", "a.b", ".a", "*", "aab"]), min_size=1, max_size=6
    ),
    st.booleans(),
)


def _oracle(patterns: list[str]) -> pathspec.GitIgnoreSpec | None:
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(patterns, backend="simple")
    except ValueError:
        return None
    for p in spec.patterns:  # git's rule that a bracket never matches "/" (pathspec's `[^a]` does)
        if p.regex is not None:
            p.regex = re.compile(p.regex.pattern.replace("[^a]", "[^a/]"))
    return spec


@settings(max_examples=3000, deadline=None)
@given(st.lists(pattern, min_size=1, max_size=4), st.lists(path, min_size=1, max_size=6))
def test_same_answers_as_pathspec(patterns: list[str], paths: list[str]) -> None:
    oracle = _oracle(patterns)
    if oracle is None:
        with pytest.raises(PatternError):
            IgnoreSpec(patterns)
        return
    ours = IgnoreSpec(patterns)
    for p in paths:
        assert ours.match_file(p) == oracle.match_file(p), (patterns, p)
