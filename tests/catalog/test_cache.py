"""engine/rule_cache.py: the shipped rules parsed once, reused only when nothing changed."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from patlint.catalog import cache as rule_cache
from patlint.catalog.cache import RuleFileCache, cache_path
from patlint.config import Config
from patlint.engine.ruleset import build_ruleset
from patlint.errors import RuleError

DOC = "- id: a\n  n: 1\n  f: 1.5\n  b: true\n  x: null\n  l: [a, {k: v}]\n"


def _no_yaml(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("parsed the YAML although the cache holds it")


def test_second_build_reads_the_cache_and_gives_the_same_ruleset(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = build_ruleset(Config())
    path = Path(cache_path())
    assert path == home / ".cache" / "patlint" / "rules-v1.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["rules-v1.json"]  # no temp file left
    mtime = path.stat().st_mtime_ns
    monkeypatch.setattr("patlint.yamlio.safe_load", _no_yaml)
    warm = build_ruleset(Config())
    assert warm == cold
    assert [r.id for r in warm.enabled] == [r.id for r in cold.enabled]
    assert path.stat().st_mtime_ns == mtime  # a hit writes nothing


def test_warm_start_up_does_not_import_yaml(home: Path) -> None:
    build_ruleset(Config())
    code = (
        "import sys; from patlint.config import Config; "
        "from patlint.engine.ruleset import build_ruleset; "
        "rs = build_ruleset(Config()); "
        "print(len(rs.known), 'yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(len(build_ruleset(Config()).known)), "False"]


def test_hit_needs_the_same_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = str(tmp_path / "r.yml")
    first = RuleFileCache(str(tmp_path / "c.json"))
    assert first.load(DOC, where, error=RuleError) == [
        {"id": "a", "n": 1, "f": 1.5, "b": True, "x": None, "l": ["a", {"k": "v"}]}
    ]
    first.save()
    monkeypatch.setattr("patlint.yamlio.safe_load", _no_yaml)
    again = RuleFileCache(str(tmp_path / "c.json"))
    got = again.load(DOC, where, error=RuleError)
    assert got == [{"id": "a", "n": 1, "f": 1.5, "b": True, "x": None, "l": ["a", {"k": "v"}]}]
    assert type(got[0]["n"]) is int and type(got[0]["f"]) is float and got[0]["b"] is True
    monkeypatch.undo()
    changed = RuleFileCache(str(tmp_path / "c.json"))
    assert changed.load(DOC.replace("n: 1", "n: 2"), where, error=RuleError)[0]["n"] == 2
    other_file = RuleFileCache(str(tmp_path / "c.json"))
    assert other_file.load("- 3\n", str(tmp_path / "s.yml"), error=RuleError) == [3]


def test_parser_change_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = str(tmp_path / "r.yml")
    cache = RuleFileCache(str(tmp_path / "c.json"))
    cache.load(DOC, where, error=RuleError)
    cache.save()
    stamp = rule_cache.parser_stamp()
    monkeypatch.setattr(rule_cache, "parser_stamp", lambda: [*stamp[:-1], stamp[-1] + 1])
    calls: list[str] = []

    def counting(text: str, w: str, *, error: type[Exception]) -> Any:
        calls.append(w)
        return [1]

    monkeypatch.setattr("patlint.yamlio.safe_load", counting)
    assert RuleFileCache(str(tmp_path / "c.json")).load(DOC, where, error=RuleError) == [1]
    assert calls == [where]


def test_parse_errors_are_raised_and_not_cached(tmp_path: Path) -> None:
    cache = RuleFileCache(str(tmp_path / "c.json"))
    with pytest.raises(RuleError, match=r"r\.yml: not valid YAML"):
        cache.load("- [unclosed\n", str(tmp_path / "r.yml"), error=RuleError)
    cache.save()
    assert not (tmp_path / "c.json").exists()


def test_values_json_would_change_are_never_cached(tmp_path: Path) -> None:
    cache = RuleFileCache(str(tmp_path / "c.json"))
    where = str(tmp_path / "r.yml")
    assert cache.load("- when: 2024-01-02\n", where, error=RuleError)[0]["when"].year == 2024
    assert cache.load("- {1: one}\n", where, error=RuleError) == [{1: "one"}]
    cache.save()
    assert not (tmp_path / "c.json").exists()


@pytest.mark.parametrize(
    "content",
    ["not json", '{"version": 1, "entries": []}', '{"version": 2, "entries": {}}', "[" * 100_000],
)
def test_corrupt_cache_is_ignored_and_rewritten(home: Path, content: str) -> None:
    path = Path(cache_path())
    path.parent.mkdir(parents=True)
    path.write_text(content)
    path.chmod(0o600)
    expected = [r.id for r in build_ruleset(Config()).known]
    assert len(json.loads(path.read_text())["entries"]) == 8  # seven rule files and the ruleset
    assert [r.id for r in build_ruleset(Config()).known] == expected


def _forge(path: Path) -> None:
    doc = json.loads(path.read_text())
    for entry in doc["entries"].values():
        for item in entry["data"] if isinstance(entry["data"], list) else []:
            item["name"] = "forged"
    path.write_text(json.dumps(doc))


def test_cache_file_others_can_write_or_a_symlink_is_not_trusted(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_ruleset(Config())
    path = Path(cache_path())
    _forge(path)
    path.chmod(0o666)  # writable by others: ignored, parsed and rewritten
    assert "forged" not in {r.name for r in build_ruleset(Config()).known}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    _forge(path)  # the same file, ours alone: trusted (so the mode is what stopped it above)
    assert {r.name for r in build_ruleset(Config()).known} == {"forged"}
    target = path.with_name("elsewhere.json")
    os.replace(path, target)
    path.symlink_to(target)  # a symlink is never followed
    monkeypatch.setattr("patlint.yamlio.safe_load", _no_yaml)
    with pytest.raises(AssertionError, match="parsed the YAML"):
        build_ruleset(Config())


def test_unwritable_cache_dir_costs_only_the_parse(home: Path) -> None:
    (home / ".cache").mkdir()
    (home / ".cache" / "patlint").write_text("a file where the folder should be")
    assert len(build_ruleset(Config()).known) == len(build_ruleset(Config()).known) > 0


def test_a_fifo_at_the_cache_path_is_not_waited_on(home: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes: start-up hung forever.
    path = Path(cache_path())
    path.parent.mkdir(parents=True)
    os.mkfifo(path, 0o600)
    code = (
        "from patlint.config import Config; from patlint.engine.ruleset import build_ruleset; "
        "print(len(build_ruleset(Config()).known))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.split() == [str(len(build_ruleset(Config()).known))]
    assert stat.S_ISREG(path.stat().st_mode)  # replaced by a real cache after the parse


def test_validated_rules_are_not_guarded_again_until_text_or_checker_change(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The regular-expression guards (backtracking, triggers) ran on every start-up (~4 ms of a
    # pre-commit run); the cache now remembers that a shipped file's exact text passed them.
    from patlint.catalog import rules as rules_mod

    cold = build_ruleset(Config())
    guarded: list[str] = []
    real_risk = rules_mod.backtracking_risk

    def counting(pattern: str) -> str | None:
        guarded.append(pattern)
        return real_risk(pattern)

    monkeypatch.setattr(rules_mod, "backtracking_risk", counting)
    warm = build_ruleset(Config())
    assert warm == cold
    assert guarded == []  # the same texts, checked by the same code: not again
    stamp = rule_cache.checker_stamp()
    monkeypatch.setattr(rule_cache, "checker_stamp", lambda: [*stamp[:-1], stamp[-1] + 1])
    assert build_ruleset(Config()) == cold
    assert guarded  # rules.py changed (an upgrade, an edited checkout): every rule is checked
    n = len(guarded)
    assert build_ruleset(Config()) == cold
    assert len(guarded) == n  # and remembered again


def test_a_refused_rule_is_never_remembered_as_checked(tmp_path: Path) -> None:
    from patlint.catalog.rules import load_rule_file

    bad = (
        "- id: bad\n  name: n\n  kind: detector\n  severity: high\n  description: d\n"
        "  remediation: r\n  examples: [x]\n  negative_examples: [y]\n  token_kind: ghp\n"
        "  pattern: '((a+)+)'\n  keywords: [aa]\n"
    )
    path = tmp_path / "r.yml"
    path.write_text(bad)
    cache = RuleFileCache(str(tmp_path / "c.json"))
    for _ in range(2):
        with pytest.raises(RuleError, match="backtracking"):
            load_rule_file(path, parse=cache.load, memo=cache)
        assert not cache.checked(bad, str(path))
