"""The trigger finders report exactly every occurrence of every literal: the `re` finder is checked
against a plain reference search (and against Hyperscan when it is installed)."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patlint.config import Config
from patlint.detectors import triggers
from patlint.detectors.pattern import Detector
from patlint.engine.ruleset import build_ruleset
from patlint.tokengen import expand

RULES = build_ruleset(Config()).detectors
PLAIN = [b"ghp_", b"github", b"GH_", b"github_pat_"]
ENCODED = [b"Z2hwX", b"docF", b"naHBf", b"ghp%5F", b"dockerconfigjson"]
LITERALS = PLAIN + ENCODED


def _default_literals() -> tuple[list[bytes], list[bytes]]:
    det = Detector(RULES)
    table, _finder = det._triggers_for(frozenset(range(len(det.rules))))
    plain = sorted(lit for lit, ts in table.items() if any(t.encoding is None for t in ts))
    encoded = sorted(lit for lit, ts in table.items() if any(t.encoding for t in ts))
    return plain, encoded


DEFAULT_PLAIN, DEFAULT_ENCODED = _default_literals()
DEFAULT = sorted(set(DEFAULT_PLAIN) | set(DEFAULT_ENCODED))
DEFAULT_FINDER = triggers.ReFinder(DEFAULT_PLAIN, DEFAULT_ENCODED)
# Look-alikes: each literal as a pass sees it after folding rare bytes into the anchor (`hh_`
# for `GH_`), which that pass must turn down unless the real literal is there.
IMAGES = sorted({p.image(lit) for p in DEFAULT_FINDER.plan for lit, _, _ in p.literals} - {b""})


def reference(
    plain: list[bytes], encoded: list[bytes], data: bytes, *, with_encoded: bool
) -> tuple[triggers.Positions, triggers.Encoded]:
    """Every occurrence of every literal, overlapping ones included, found the slow way."""
    positions: triggers.Positions = {}
    spans: triggers.Encoded = []
    for lit in sorted(set(plain) | set(encoded)):
        starts = [m.start() for m in re.finditer(b"(?=" + re.escape(lit) + b")", data)]
        if lit in plain and starts:
            positions[lit] = starts
        if with_encoded and lit in encoded:
            spans.extend((s, lit, s + len(lit)) for s in starts)
    return positions, sorted(spans)


def _pieces(literals: list[bytes]) -> st.SearchStrategy[bytes]:
    """Literals, their halves (a literal cut at a buffer edge or split by other bytes), and
    bytes a pass stops at."""
    halves = sorted({lit[:i] for lit in literals for i in range(1, len(lit))})
    halves += sorted({lit[i:] for lit in literals for i in range(1, len(lit))})
    return st.one_of(
        st.sampled_from(literals),
        st.sampled_from(halves),
        st.binary(max_size=12),
        st.text("hdgGHZ9J%_opbc1lauitk ", max_size=8).map(str.encode),
    )


def test_anchored_regex_matches_at_the_anchor_of_each_image() -> None:
    rx = re.compile(triggers.anchored_regex(ord("h"), [(b"ghp_", 1), (b"oauth_t", 4), (b"hub", 0)]))
    data = b"hp_ ghp_ xhubx oauth_t gh_ hu oauth_x ghp"
    assert [m.start() for m in rx.finditer(data)] == [5, 10, 19]
    assert rx.match(b"hp_") is None  # the lookbehind does not reach before the buffer


def test_minimal_literals_drop_those_containing_another() -> None:
    assert triggers.minimal_literals([b"github_pat_", b"github", b"gh_", b"x", b"xy", b"gh_"]) == [
        b"gh_",
        b"github",
        b"x",
    ]


def test_default_literals_take_two_passes_with_rare_bytes_folded() -> None:
    # One trie per first byte took six full passes; the plan takes two, and folds only bytes
    # rarer than any pass anchor (a byte replace costs far less than a pass).
    plan = DEFAULT_FINDER.plan
    # A third pass would cost ~30% more without Hyperscan: a new keyword made only of common
    # bytes that holds neither anchor does that (check `plan_passes` before accepting it).
    assert [chr(p.anchor) for p in plan] == ["h", "d"]
    anchors = [p.anchor for p in plan]
    for p in plan:
        assert all(triggers.byte_freq(b) < min(map(triggers.byte_freq, anchors)) for b in p.folds)
    placed = [lit for p in plan for lit, _, _ in p.literals]
    assert sorted(placed) == DEFAULT
    for p in plan:
        for lit, k, nxt in p.literals:
            # Each literal is searched where the minimal literal inside it has the anchor.
            image = p.image(lit)
            assert image[k] == p.anchor
            assert nxt == b"" or image[k + 1 : k + 2] == nxt
    # The pass that folds nothing keeps a two-byte literal prefix (`do`), the fast case of `re`.
    unfolded = [p for p in plan if not p.folds]
    assert len(unfolded) == 1
    assert len({nxt for lit, _, nxt in unfolded[0].literals if lit in unfolded[0].minimal}) == 1


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(st.one_of(_pieces(DEFAULT), st.sampled_from(IMAGES)), max_size=30),
    with_encoded=st.booleans(),
)
def test_re_finder_finds_every_occurrence_of_the_default_literals(
    parts: list[bytes], with_encoded: bool
) -> None:
    data = b"".join(parts)
    expected = reference(DEFAULT_PLAIN, DEFAULT_ENCODED, data, with_encoded=with_encoded)
    assert DEFAULT_FINDER.find(data, with_encoded=with_encoded) == expected
    everything = reference(DEFAULT_PLAIN, DEFAULT_ENCODED, data, with_encoded=True)
    assert DEFAULT_FINDER.any(data) == bool(everything[0] or everything[1])
    assert DEFAULT_FINDER.any_checker()(data) == DEFAULT_FINDER.any(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"h",
        b"ghp_",  # at the start and the end of the buffer
        b"xx GH_",
        b"GGH_GH_",  # overlapping starts
        b"ghp_ghp_ghp%5Fghp_",
        b"github_pat_",  # plain literals inside a longer one
        b"dockerconfigjsondockercfg",
        b"hh_ Gh_ gH_ naGhf naHhf naXRodWhfcGF0X",  # folded images only: no literal
        b"oauth_toke",
        b"auth_token",
    ],
)
def test_re_finder_edge_cases(data: bytes) -> None:
    for with_encoded in (False, True):
        expected = reference(DEFAULT_PLAIN, DEFAULT_ENCODED, data, with_encoded=with_encoded)
        assert DEFAULT_FINDER.find(data, with_encoded=with_encoded) == expected
    everything = reference(DEFAULT_PLAIN, DEFAULT_ENCODED, data, with_encoded=True)
    assert DEFAULT_FINDER.any(data) == bool(everything[0] or everything[1])


# Literal sets the default rules do not produce: literals inside others, one-byte literals,
# regex metacharacters, NUL and non-ASCII bytes, literals both plain and encoded, only rare bytes.
_ALPHABET = b"ghdoe_GHZJQ9%.(\\\x00\xff"
_LITERAL = st.binary(min_size=1, max_size=6).map(
    lambda raw: bytes(_ALPHABET[x % len(_ALPHABET)] for x in raw)
)


@settings(max_examples=300, deadline=None)
@given(
    plain=st.lists(_LITERAL, max_size=6),
    encoded=st.lists(_LITERAL, max_size=6),
    seed=st.integers(0, 2**32),
    with_encoded=st.booleans(),
)
def test_re_finder_on_arbitrary_literal_sets(
    plain: list[bytes], encoded: list[bytes], seed: int, with_encoded: bool
) -> None:
    rng = random.Random(seed)
    literals = plain + encoded
    finder = triggers.ReFinder(plain, encoded)
    images = [p.image(lit) for p in finder.plan for lit, _, _ in p.literals]
    pool = literals + images + [bytes([b]) for b in _ALPHABET]
    for _ in range(5):
        parts = [rng.choice(pool) for _ in range(rng.randrange(12))] if pool else []
        data = b"".join(p[rng.randrange(len(p)) :] if rng.random() < 0.2 else p for p in parts)
        expected = reference(plain, encoded, data, with_encoded=with_encoded)
        assert finder.find(data, with_encoded=with_encoded) == expected
        everything = reference(plain, encoded, data, with_encoded=True)
        assert finder.any(data) == bool(everything[0] or everything[1])


def test_re_finder_refuses_an_empty_literal() -> None:
    with pytest.raises(ValueError, match="empty"):
        triggers.ReFinder([b"ghp_", b""], [])


@pytest.mark.skipif(
    "hyperscan" not in triggers.finder_names(),
    reason="hyperscan not installed (pip install 'patlint[fast]')",
)
@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.one_of(_pieces(DEFAULT), st.sampled_from(LITERALS)), max_size=30),
    with_encoded=st.booleans(),
)
def test_finders_agree(parts: list[bytes], with_encoded: bool) -> None:
    data = b"".join(parts)
    for plain, encoded in ((PLAIN, ENCODED), (DEFAULT_PLAIN, DEFAULT_ENCODED)):
        re_finder = triggers.ReFinder(plain, encoded)
        hs_finder = triggers.HyperscanFinder(plain, encoded)
        # Both report every occurrence, overlapping ones included.
        assert re_finder.find(data, with_encoded=with_encoded) == hs_finder.find(
            data, with_encoded=with_encoded
        )
        assert re_finder.any(data) == hs_finder.any(data)


def test_detector_results_identical_with_and_without_hyperscan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(5)
    text, _ = expand(
        "a={{token:ghp}}\nb={{b64:u:{{token:gho}}}}\nc={{pct:https://x:{{token:github_pat}}@github.com}}\n"
        "GITHUB_TOKEN={{token:legacy}}\nd={{bad:ghp}}\n" + "filler line\n" * 50,
        rng,
    )
    data = text.encode()

    def hits() -> list[tuple[str, str, int, str | None]]:
        det = Detector(RULES)
        return [(h.rule.id, h.token, h.offset, h.encoding) for h in det.scan(data)]

    first = hits()
    monkeypatch.setenv("PATLINT_NO_HYPERSCAN", "1")
    second = hits()
    assert first == second
    assert len(first) == 4


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(st.sampled_from(LITERALS), st.binary(max_size=40)), max_size=30))
def test_any_is_true_exactly_when_find_finds_something(parts: list[bytes]) -> None:
    data = b"".join(parts)
    for make in triggers.finder_names().values():
        finder = make(PLAIN, ENCODED)
        plain, encoded = finder.find(data, with_encoded=True)
        assert finder.any(data) == bool(plain or encoded), finder.name


def test_may_hit_is_false_only_where_scan_finds_nothing() -> None:
    rng = random.Random(9)
    det = Detector(RULES)
    samples = [
        "plain prose, no keyword at all\n",
        "{{token:ghp}}",
        '{"auth": "{{b64:user:{{token:gho}}}}"}',
        "https://x:{{pct:{{token:github_pat}}}}@github.com",
        "oauth_token: {{token:legacy}}\n",  # a path-restricted rule's keyword (gh hosts.yml)
    ]
    for sample in samples:
        data = expand(sample, rng)[0].encode()
        if not det.may_hit(data):
            every_rule = frozenset(range(len(det.rules)))
            assert det.scan(data) == [] and det.scan(data, allowed=every_rule) == []
    assert not det.may_hit(b"plain prose, no keyword at all\n")
    assert all(det.may_hit(expand(s, rng)[0].encode()) for s in samples[1:])


# --- shapes: what `any` looks for where a rule's keywords alone are too common ---------------


def _any_setup() -> tuple[list[bytes], list[bytes], list[triggers.Shape]]:
    """The literals and shapes of the default rules' pre-check (as `Detector` builds them)."""
    det = Detector(RULES)
    finder = det._finder_of_all()
    every = frozenset(range(len(det.rules)))
    shaped = frozenset(i for i in every if det.rules[i].trigger is not None)
    table = det._table(every, shaped=shaped)
    plain = sorted(lit for lit, ts in table.items() if any(t.encoding is None for t in ts))
    encoded = sorted(lit for lit, ts in table.items() if any(t.encoding for t in ts))
    return plain, encoded, list(finder.shapes)  # type: ignore[attr-defined]


ANY_PLAIN, ANY_ENCODED, SHAPES = _any_setup()
HEX = "0123456789abcdef"
# Pieces that make and break shapes: hex runs one short and one long, `@` with and without a
# GitHub host, keys that name GitHub (and look-alikes), operators, quotes, line breaks.
SHAPE_PIECES = [
    "@",
    "@github.com/o/r",
    "@api.github.com",
    "@gitlab.com",
    "https://x:",
    "GITHUB_TOKEN",
    "github.token",
    "gh_api_key",
    "GH_PAT",
    "GitHubPassword",
    "Github_secret",
    "gh-token",
    "GITHUB",
    "github",
    "gh_",
    "_TOKEN",
    "Key",
    "=",
    ":",
    ":=",
    "=>",
    " ",
    '"',
    "'",
    "\n",
    "token ",
    "bearer ",
    "Bearer ",
    "ghp_",
    "oauth_token",
]


@st.composite
def shape_texts(draw: st.DrawFn) -> bytes:
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 12))):
        choice = draw(st.integers(0, 4))
        if choice == 0:
            n = draw(st.sampled_from([39, 40, 41, 64]))
            alphabet = HEX.upper() if draw(st.integers(0, 9)) == 0 else HEX
            parts.append(draw(st.text(alphabet, min_size=n, max_size=n)).encode())
        elif choice == 1:
            parts.append(draw(st.binary(max_size=8)))
        else:
            parts.append(draw(st.sampled_from(SHAPE_PIECES)).encode())
    return b"".join(parts)


SHAPE_FINDERS = {
    name: make(ANY_PLAIN, ANY_ENCODED, SHAPES) for name, make in triggers.finder_names().items()
}


def _reference_any(data: bytes) -> bool:
    """A literal occurs, or a shape's whole expression matches (Python's `re`)."""
    literals = set(ANY_PLAIN) | set(ANY_ENCODED)
    if any(lit in data for lit in literals):
        return True
    return any(re.search(shape.expression(), data) for shape in SHAPES)


def test_default_rules_have_shapes_for_their_common_keywords() -> None:
    # `github` and its capitalisations are keywords of the legacy rules, but no longer plain
    # literals of the pre-check: their shapes stand for them.
    assert len(SHAPES) == 2
    for word in (b"github", b"GITHUB", b"GitHub", b"Github", b"gh_", b"GH_"):
        assert word not in ANY_PLAIN
    assert b"ghp_" in ANY_PLAIN and b"oauth_token" in ANY_PLAIN


@settings(max_examples=600, deadline=None)
@given(data=shape_texts())
def test_shape_finders_agree_with_the_reference(data: bytes) -> None:
    expected = _reference_any(data)
    for name, finder in SHAPE_FINDERS.items():
        assert finder.any(data) == expected, name
        assert finder.any_checker()(data) == expected, name
        # `find` reports literals only: the shapes are for the pre-check.
        assert finder.find(data, with_encoded=True) == reference(
            ANY_PLAIN, ANY_ENCODED, data, with_encoded=True
        ), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 40 + "@github.com", True),
        ("a" * 39 + "@github.com", False),  # one hex short
        ("@github.com", False),  # `before` cannot reach in front of the buffer
        ("A" * 40 + "@github.com", False),  # uppercase is not hex here
        ("a" * 40 + "@gitlab.com", False),
        ("x" + "a" * 40 + "@ghe.github.example", True),
        ("GITHUB_TOKEN=" + "a" * 40, True),
        ("GITHUB_TOKEN=" + "a" * 39, False),
        ("github.token: 'token " + "a" * 40, True),
        ("gh-token=" + "a" * 40, False),  # not a keyword: the rule does not find it either
        ("uses: actions/checkout@v4\ntoken: ${{ secrets.GITHUB_TOKEN }}\n", False),
        ('import "github.com/spf13/cobra"\n', False),
        ("see https://github.com/o/r/commit/" + "a" * 40, False),
    ],
)
def test_shape_edges(text: str, expected: bool) -> None:
    for name, finder in SHAPE_FINDERS.items():
        assert finder.any(text.encode()) == expected, name
    assert _reference_any(text.encode()) == expected


def test_a_shape_searched_with_re_starts_with_its_literal() -> None:
    # `re` scans fast only for a literal prefix: `before` is a lookbehind, not a prefix.
    shape = triggers.Shape((b"@",), b"[a-f0-9]{40}", b"[a-z.]*github", (b"github",))
    (search,) = shape.searches()
    assert search.__self__.pattern.startswith(re.escape(b"@"))  # type: ignore[attr-defined]
    assert search(b"https://" + b"f" * 40 + b"@api.github.com") is not None
    assert search(b"@" + b"f" * 40 + b"@x.com") is None


@pytest.mark.skipif(
    "hyperscan" not in triggers.finder_names(),
    reason="hyperscan not installed (pip install 'patlint[fast]')",
)
def test_a_shape_hyperscan_cannot_compile_falls_back_to_re() -> None:
    # An atomic group is Python's (3.11) alone: Hyperscan refuses the database, which is
    # compiled on first use, so `any` must not fail then (a scan would exit 3).
    import sys

    if sys.version_info < (3, 11):
        pytest.skip("atomic groups need Python 3.11")
    shape = triggers.Shape((b"@",), b"[a-f0-9]{40}", b"(?>[.]?)github", (b"github",))
    finder = triggers.HyperscanFinder([b"ghp_"], [], [shape])
    assert finder.any(b"f" * 40 + b"@api.github") is False
    assert finder.any(b"x" + b"f" * 40 + b"@.github") is True
    assert finder.any(b"ghp_") is True and finder.any(b"nothing") is False
    finder.prepare()
    assert finder._fallback is not None
