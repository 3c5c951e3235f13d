"""`yamldoc.Doc`: a file without aliases is sized without its scalar index, which waits for a
first use; the pre-check that tells such files apart never misses an alias."""

from __future__ import annotations

import re
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


# The alias pre-check as first written: the look-behind tried at every character (slow).
_ALIAS_REFERENCE = re.compile(r"(?:^|(?<=[\s\[\]{},:?'\"\ufeff]))\*[0-9A-Za-z_-]")


@settings(max_examples=500, deadline=None)
@given(text=st.lists(_PIECES, max_size=25).map("".join))
def test_the_alias_pre_check_matches_where_it_always_did(text: str) -> None:
    found, reference = yamldoc._ALIAS.search(text), _ALIAS_REFERENCE.search(text)
    assert (found and found.start()) == (reference and reference.start())


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="a \n\r\x85\u2028\t", max_size=40))
def test_line_starts_are_after_each_lf_crlf_and_cr(text: str) -> None:
    expected = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]
    assert yamldoc._line_starts(text) == expected


def _tags(roots: list[Any]) -> list[tuple[str, str, Any]]:
    """(kind, tag, value) of every node, depth first (shared nodes once)."""
    out: list[tuple[str, str, Any]] = []
    seen: set[int] = set()
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append((node.id, node.tag, node.value if node.id == "scalar" else None))
        if node.id == "sequence":
            stack.extend(reversed(node.value))
        elif node.id == "mapping":
            for k, v in reversed(node.value):
                stack += [v, k]
    return out


_SCALARS = [
    *["on", "On", "ON", "off", "yes", "No", "y", "n", "true", "False", "TRUE", "~", "null"],
    *["Null", "NULL", "", "0", "1", "-1", "+1", "0x1F", "0o17", "017", "0b101", "1_000"],
    *["190:20:30", "1.5", "-.inf", ".NaN", "1e3", "6.8523015e+5", "2026-12-05"],
    *["2026-12-05T13:00:00Z", "<<", "=", "!", "'true'", '"1"', "!!str 1", "!!int x"],
    *["!reference [a]", "|\n  true", ">\n  1", "v1.2", "ubuntu-latest", "${{ x }}", "1.2.3"],
]


@pytest.mark.parametrize("deep", [False, True])
def test_tags_are_what_pyyaml_resolves(deep: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # The loaders' own `resolve` must tag every scalar as pyyaml's does (YAML 1.1: `on` and
    # `false` are bool, `017` an int, `<<` a merge): the model keeps a script only when it
    # is a string, and merges `<<` keys by tag.
    lines = []
    for i, s in enumerate(_SCALARS):  # each as a value, a key and a list item
        lines += [f"k{i}: {s}", f"? {s}", f": v{i}", f"l{i}:", "  - " + s.replace("\n", "\n  ")]
    text = "\n".join(lines) + "\n"
    monkeypatch.setattr(yamldoc, "_too_deep", lambda _text: deep)
    got = _tags(yamldoc.compose_documents(text))
    # (each as its own base loader does: pyyaml's Python parser makes `!` alone a null, libyaml
    # a string)
    loader = yaml.SafeLoader if deep else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert got == _tags([d for d in yaml.compose_all(text, Loader=loader) if d is not None])
    (root,) = yamldoc.compose_documents(text)
    tags = {s: yamldoc.get(root, f"k{i}").tag.rsplit(":", 1)[-1] for i, s in enumerate(_SCALARS)}
    assert [tags[s] for s in ["on", "off", "False", "1", "017", "1.5", "~", "", "<<", "v1.2"]] == [
        *["bool", "bool", "bool", "int", "int", "float", "null", "null", "merge", "str"]
    ]
    quoted_or_tagged = [tags[s] for s in ["'true'", '"1"', "!!int x", "!reference [a]"]]
    assert quoted_or_tagged == ["str", "str", "int", "!reference"]


_YAMLISH = st.sampled_from(
    [*_SCALARS, ": ", "- ", "\n", "  ", "[", "]", "{", "}", ", ", "? ", "&a ", "*a", "---\n"]
)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(_YAMLISH, max_size=30).map("".join), deep=st.booleans())
def test_any_text_gets_pyyamls_tags_or_its_error(text: str, deep: bool) -> None:
    real = yamldoc._too_deep
    yamldoc._too_deep = lambda _text: deep  # type: ignore[assignment]
    try:
        got: Any = _tags(yamldoc.compose_documents(text))
    except yamldoc.ParseFailure as exc:
        got = ("error", exc.reason, exc.line, exc.column)
    finally:
        yamldoc._too_deep = real
    loader = yaml.SafeLoader if deep else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        expected: Any = _tags([d for d in yaml.compose_all(text, Loader=loader) if d is not None])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        expected = ("error", exc.problem or exc.context or exc.__class__.__name__)
        expected += (mark.line + 1, mark.column + 1) if mark else (None, None)
    assert got == expected


def test_hostile_documents_are_still_refused_or_sized() -> None:
    # Deep flow nesting and deep indentation go to the depth-limited composer and are refused
    # past MAX_NESTING; a deep indent that is one block scalar still parses (and is counted).
    for text in ["x: " + "[" * 101 + "]" * 101 + "\n", "a: " + "{b: " * 101 + "}" * 101 + "\n"]:
        with pytest.raises(yamldoc.ParseFailure, match="nesting deeper than 100 levels"):
            Doc.parse(text)
    nested = "".join(" " * (2 * i) + f"k{i}:\n" for i in range(102)) + " " * 204 + "v\n"
    with pytest.raises(yamldoc.ParseFailure, match="nesting deeper than 100 levels"):
        Doc.parse(nested)
    block = Doc.parse("run: |\n" + " " * 210 + "echo\n")
    assert yamldoc._too_deep(block.text) and (block.expansion, block.truncated) == (3, False)
    # Alias bombs: measured with aliases expanded, never by the composer's count.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    bomb = Doc.parse("\n".join(lines) + "\n")
    assert bomb.expansion > yamldoc.EXPANSION_LIMIT and not bomb.truncated
    assert Doc.parse("x: &x [*x]\n").expansion > yamldoc.EXPANSION_LIMIT  # a cycle


def test_a_document_over_the_budget_counted_by_the_composer_is_truncated() -> None:
    made = yamldoc._compose("a: [" + ", ".join("x" for _ in range(NODE_BUDGET)) + "]\n")[1]
    assert made == [NODE_BUDGET + 3]  # the mapping, `a`, the list and its items


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {a: 1, c: 3}\nx:\n  <<: [*b]\n  a: 2\n  ? [k]\n  : v\n  a: 5\n",
        "x: {a: 1, b: {c: 2}}\n",
        "x: [a, b]\n",
        "x: s\n",
        "x:\n",
    ],
)
def test_keyed_and_pairs_are_entry_and_items(text: str) -> None:
    (root,) = yamldoc.compose_documents(text)
    node = yamldoc.get(root, "x")
    assert list(yamldoc.pairs(node)) == yamldoc.items(node)
    keys = {yamldoc.text_of(k) for k, _v in yamldoc.items(node)} | {"missing"}
    assert {k: yamldoc.keyed(node).get(k) for k in keys if k} == {
        k: yamldoc.entry(node, k) for k in keys if k
    }
    assert yamldoc.keyed(None) == {} and yamldoc.pairs(None) == ()


def test_a_large_file_that_only_looks_deep_is_not_given_to_the_slow_parser() -> None:
    """A comment of 101 `[` sent a 3.9 MB workflow to pyyaml's pure-Python parser: 38 s for
    one file (an attacker's review). Above SLOW_PARSE_MAX such a file is refused quickly, with
    a reason; a small one is still parsed (and its real nesting still refused)."""
    import time

    big = "# " + "[" * 101 + "\n" + "x: [" + "1," * (yamldoc.SLOW_PARSE_MAX // 2) + "1]\n"
    start = time.monotonic()
    with pytest.raises(yamldoc.ParseFailure, match="not parsed"):
        Doc.parse(big)
    assert time.monotonic() - start < 1
    small = "# " + "[" * 101 + "\non: push\n"
    assert Doc.parse(small).roots
    with pytest.raises(yamldoc.ParseFailure, match="deeper than 100"):
        Doc.parse("x: " + "[" * 150 + "]" * 150 + "\n")
