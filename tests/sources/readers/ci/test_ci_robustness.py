"""Properties: scalar positions map back to the source exactly; no input makes the reader raise."""

from __future__ import annotations

import os
import random
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine.filescan import FileResult, scan_structured
from patlint.engine.ruleset import build_ruleset
from patlint.sources.readers.ci import CiYamlReader, shell
from patlint.sources.readers.ci.yamldoc import Doc
from tests.test_yamlio import depth_by_hand

DETECTOR = Detector(build_ruleset(Config()).detectors)


def _read(data: bytes, name: str) -> FileResult:
    """The reader's view of `data`, joined with the file's own hits, as a scan does."""
    return scan_structured(data, name, os.stat("."), DETECTOR, [CiYamlReader()], max_size=1 << 20)


_TEXT = st.lists(
    st.sampled_from(
        [*"ab $\\'\"{}|&;>#\n\tx-:[]é", "${{ secrets.T }}", "echo ", "gh pr ", "$T", "<<EOF\n"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_TEXT, style=st.sampled_from(["", "'", '"', "|", ">"]))
def test_value_positions_point_at_the_same_character(value: str, style: str) -> None:
    text = yaml.dump(
        {"job": {"run": value}}, default_style=style or None, width=20, allow_unicode=True
    )
    doc = Doc.parse(text)
    node = next(s.node for s in doc.scalars if s.path == ("job", "run") and not s.is_key)
    value = node.value  # pyyaml's emitter does not always round-trip (folded, leading space)
    for k, ch in enumerate(value):
        src = text[doc.value_index(node, k)]
        if ch in " \n\t\\\"'" or not ch.isprintable():
            continue  # folded, escaped or re-quoted in the source: not a 1:1 character
        assert src == ch, (k, text)


@settings(max_examples=300, deadline=None)
@given(script=_TEXT)
def test_shell_helpers_never_raise(script: str) -> None:
    refs = [shell.Ref(s, e, n, n) for s, e, n in shell.expression_secrets(script)]
    refs += shell.variable_refs(script, {"T": "secrets.T"})
    for leak in shell.leaks(script, refs):
        assert 0 <= leak.ref.start < len(script)
    shell.gh_calls(script)


_PIECES = [
    "on: push\n",
    "jobs:\n",
    "  a:\n",
    "    steps:\n",
    "      - run: |\n",
    "          echo x\n",
    "  &a ",
    "*a",
    "<<: *a\n",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "---\n",
    "'",
    '"',
    "\t",
    "\n",
    "permissions: write-all\n",
    "secrets: inherit\n",
    "uses: actions/checkout@v4\n",
    "with: {token: ${{ secrets.X }}}\n",
    "!reference [a]\n",
    "? x\n",
    "%YAML 1.1\n",
]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(_PIECES), max_size=30),
    name=st.sampled_from(
        [
            ".github/workflows/x.yml",
            "action.yml",
            ".gitlab-ci.yml",
            ".circleci/config.yml",
            "azure-pipelines.yml",
            "bitbucket-pipelines.yml",
            ".travis.yml",
        ]
    ),
)
def test_reader_never_raises(parts: list[str], name: str) -> None:
    data = "".join(parts).encode()
    out = _read(data, name)
    for p in out.places:
        assert p.location.line is not None and p.location.line >= 1
        assert p.location.column is not None and p.location.column >= 1


def test_random_bytes_never_raise(rng: random.Random) -> None:
    for _ in range(200):
        data: Any = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
        out = _read(data, ".github/workflows/x.yml")
        assert [p.rule_id for p in out.places] in ([], ["ci-file-unparsable"])


def _nesting_reference(text: str) -> int:
    """The estimate as first written: a loop over every character (the flow part is
    tests/test_yamlio.py's hand count), and the deepest indent."""
    indent = max((len(m.group(1)) for m in re.finditer(r"(?m)^( +)\S", text)), default=0)
    return max(depth_by_hand(text), indent // 2)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="[]{}x: \n-'\"", max_size=200))
def test_nesting_estimate_looks_only_at_brackets_and_indents(text: str) -> None:
    from patlint.sources.readers.ci.yamldoc import _nesting_estimate

    assert _nesting_estimate(text) == _nesting_reference(text)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["[", "{", "]", "}", "x", ": ", "\n", " " * 50, " " * 101, "[" * 60]),
        max_size=60,
    ).map("".join)
)
@example(text="[" * 101)
@example(text="{" * 50 + "[" * 51)
@example(text="\n" + " " * 202 + "x")
@example(text=" " * 202 + "x")
@example(text=" " * 201 + "x\n" + "[" * 100)
def test_the_quick_nesting_check_never_passes_a_deep_text(text: str) -> None:
    from patlint.sources.readers.ci.yamldoc import MAX_NESTING, _nesting_estimate, _too_deep

    if _nesting_estimate(text) > MAX_NESTING:
        assert _too_deep(text)


def test_merged_mappings_are_looked_up_as_before() -> None:
    # Lookups come from a per-node index now: own keys win over merged ones, the first merge
    # over later ones, and a key that is not a string is still listed (once) by `items`.
    from patlint.sources.readers.ci.yamldoc import compose_documents, entry, items, text_of

    (root,) = compose_documents(
        "base: &b {a: 1, c: 3}\nmore: &m {a: 9, d: 4}\nx:\n  <<: [*b, *m]\n  a: 2\n  ? [k]\n  : v\n"
    )
    x = entry(root, "x")
    assert x is not None
    node = x[1]
    assert [text_of(k) for k, _v in items(node)] == ["a", None, "c", "d"]
    assert {k: text_of(entry(node, k)[1]) for k in "acd"} == {"a": "2", "c": "3", "d": "4"}  # type: ignore[index]
    assert entry(node, "missing") is None and entry(None, "a") is None
    assert items(node) == items(node)  # the cached pairs, not a list a caller could change
    assert items(node) is not items(node)


_TREES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(trees=st.lists(_TREES, min_size=1, max_size=3), deep=st.booleans())
def test_a_document_without_aliases_is_counted_as_the_alias_walk_counts_it(
    trees: list[Any], deep: bool
) -> None:
    # The composer counts the nodes it makes (libyaml's, and the pure-Python one that deep
    # files get): without an alias, each document's count is its alias-expanded size.
    from patlint.sources.readers.ci import yamldoc

    text = yaml.safe_dump_all(trees)
    real = yamldoc._too_deep
    yamldoc._too_deep = lambda _text: deep  # type: ignore[assignment]
    try:
        roots, made = yamldoc._compose(text)
    finally:
        yamldoc._too_deep = real
    assert made == [yamldoc._expanded_size(r) for r in roots]


def test_alias_bombs_are_still_measured_with_aliases_expanded() -> None:
    from patlint.sources.readers.ci.yamldoc import EXPANSION_LIMIT, Doc

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    assert Doc.parse("\n".join(lines) + "\n").expansion > EXPANSION_LIMIT
    assert Doc.parse("a: [1, 2, {b: c}]\n").expansion == 8  # no `*`: nodes counted directly


def _expansion_reference(text: str) -> int:
    """`Doc.expansion` as first computed: a separate walk per document after the index."""
    from patlint.sources.readers.ci import yamldoc

    roots = yamldoc.compose_documents(text)
    return max((yamldoc._expanded_size(r) for r in roots), default=0)


_ALIASED = [
    "a: &x [1, 2]\nb: *x\nc: '*'\n",
    "a: &x {k: v}\nb: [*x, *x, {c: *x}]\n",
    "base: &b {a: 1}\nx:\n  <<: *b\n  y: 2\n",
    "a: &a [x, &b [y]]\nb: [*a, *b]\n",
    "--- &r [a, *r]\n",  # a cycle
    "a: 1\n---\nb: &q [1, 2, 3]\nc: *q\n---\n[x, y]\n",
    "cron: '0 0 * * *'\npaths: ['**.md']\n",
]


@settings(max_examples=200, deadline=None)
@given(trees=st.lists(_TREES, min_size=1, max_size=3))
def test_expansion_taken_by_the_index_walk_is_the_alias_walks(trees: list[Any]) -> None:
    from patlint.sources.readers.ci.yamldoc import Doc

    text = yaml.safe_dump_all(trees)
    doc = Doc.parse(text)
    assert doc.expansion == _expansion_reference(text)
    for s in doc.scalars:  # spans computed inline as `index_of` computes them
        start = doc.index_of(s.node.start_mark)
        assert (s.start, s.end) == (start, max(doc.index_of(s.node.end_mark), start + 1))


@pytest.mark.parametrize("text", _ALIASED)
def test_expansion_with_aliases_is_the_alias_walks(text: str) -> None:
    from patlint.sources.readers.ci.yamldoc import Doc

    assert Doc.parse(text).expansion == _expansion_reference(text)


def test_expansion_when_the_node_budget_runs_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from patlint.sources.readers.ci import yamldoc

    monkeypatch.setattr(yamldoc, "NODE_BUDGET", 5)
    text = "a: [1, 2, 3, 4, 5, 6, 7]\nb: c\n"
    doc = yamldoc.Doc.parse(text)
    assert doc.truncated and doc.expansion == _expansion_reference(text) == 12


@pytest.mark.parametrize("brk", ["\x85", "\u2028", "\u2029"])
def test_line_breaks_pyyaml_counts_and_the_index_does_not_stay_inside_the_text(brk: str) -> None:
    # pyyaml counts NEL, LS and PS as line breaks; the index's line starts do not: a mark's
    # line may lie past the last line the index knows, and every span must stay in the text.
    text = f"on: push{brk}{brk}{brk}jobs:{brk}  a:{brk}    runs-on: x{brk}{brk}\n# end: y\n"
    doc = Doc.parse(text)
    assert doc.scalars, "the keys and values are indexed"
    for s in doc.scalars:
        assert 0 <= s.start < s.end <= len(text) + 1
    assert max(s.node.end_mark.line for s in doc.scalars) >= len(doc.line_starts)
