"""`yamldoc.Doc`: a file without aliases is sized without its scalar index, which waits for a
first use; the pre-check that tells such files apart never misses an alias."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from patlint.sources.readers.ci import yamldoc
from patlint.sources.readers.ci.yamldoc import NODE_BUDGET, Doc

# Anchors, aliases and the characters around them, including flow context (`{a:*x}`).
_PIECES = st.sampled_from(
    [
        *["&x ", "&y ", "*x", "*y", "*x_1", "a", "b", ":", ": ", "- ", "[", "]", "{", "}", ", "],
        *["\n", "  ", "? ", "?", "'*x'", '"*x"', "# *x", "!!str ", "!t", "|\n  *x", "<<: ", "*-"],
        *["x*y", "&z", "---", "...", "%", "\t", "\r", "\ufeff", "\u2028", "\x85", "\\", "-"],
    ]
)


@settings(max_examples=500, deadline=None)
@given(text=st.lists(_PIECES, max_size=25).map("".join))
def test_every_alias_the_scanner_sees_is_found_by_the_pre_check(text: str) -> None:
    # A missed alias would size a shared (or cyclic) tree as if nothing were shared.
    for loader in {yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)}:
        try:
            tokens = list(yaml.scan(text, Loader=loader))
        except yaml.YAMLError:
            continue
        if any(isinstance(t, yaml.AliasToken) for t in tokens):
            assert yamldoc._ALIAS.search(text) is not None, text


@pytest.mark.parametrize(
    "text",
    [
        "on:\n  schedule:\n    - cron: '0 5 * * *'\npaths: ['**.md', 'docs/**']\n",
        'run: |\n  echo "a*b" # **bold**\n  ls dist/*\n',
    ],
)
def test_stars_in_scalars_and_comments_are_not_aliases(text: str) -> None:
    assert yamldoc._ALIAS.search(text) is None
    doc = Doc.parse(text)
    assert doc._scalars is None  # sized without the index
    assert doc.scalars and doc._scalars is not None  # built on first use


_TREES = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(alphabet='ab\\"*& \n', max_size=6)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(tree=_TREES, style=st.sampled_from([None, '"', "'"]))
def test_lazy_sizes_and_escapes_are_what_the_index_gives(tree: Any, style: str | None) -> None:
    text = yaml.safe_dump(tree, default_style=style)
    lazy, eager = Doc.parse(text), Doc.parse(text)
    eager._index()  # the index parse built before it waited for a first use
    assert (lazy.expansion, lazy.truncated) == (eager.expansion, eager.truncated)
    sized_lazily = yamldoc._ALIAS.search(text) is None  # (`'*a'` is sized with the index)
    assert (lazy._scalars is None) is sized_lazily
    # from the walk's quoted nodes / from the index:
    assert [(n.value, a, b) for n, a, b in lazy.escaped()] == [
        (n.value, a, b) for n, a, b in eager.escaped()
    ]
    assert (lazy._scalars is None) is sized_lazily  # finding escapes did not need the index
    expected = [s.start for s in eager.scalars if s.node.style == '"']
    expected = [
        i for i in expected if "\\" in text[i : next(s.end for s in eager.scalars if s.start == i)]
    ]
    assert [start for _node, start, _end in lazy.escaped()] == expected


def test_a_file_over_the_node_budget_is_still_called_truncated() -> None:
    text = "a: [" + ", ".join("x" for _ in range(NODE_BUDGET)) + "]\n"
    doc = Doc.parse(text)
    assert doc.truncated and doc._scalars is None
    assert 0 < len(doc.scalars) < NODE_BUDGET + 1  # the index stops where it always did


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["[", "{", "]", "}", "x", ": ", "\n", " " * 40, " " * 81, "${{ a }}"]),
        max_size=60,
    ).map("".join)
)
def test_the_depth_pre_check_is_the_estimate_compared(text: str) -> None:
    # Deep nesting must still reach the depth-limited loader (libyaml recurses in C).
    assert yamldoc._too_deep(text) == (yamldoc._nesting_estimate(text) > yamldoc.MAX_NESTING)
    deep = "a:\n" + " " * 202 + "b: 1\n"
    assert yamldoc._too_deep(deep) and not yamldoc._too_deep(deep.replace(" " * 202, " " * 201))
    assert yamldoc._too_deep("[" * 101) and not yamldoc._too_deep("[" * 100)
