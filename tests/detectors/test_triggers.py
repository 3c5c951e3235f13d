"""Both trigger finders (Hyperscan and `re`) report exactly the same literals and positions."""

from __future__ import annotations

import random

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


def test_trie_regex_matches_each_literal_and_nothing_else() -> None:
    import re

    rx = re.compile(triggers.trie_regex([b"ghp_", b"gho_", b"github", b"github_pat_"]))
    assert [m.group() for m in rx.finditer(b"x ghp_ gho_ github_pat_ gh_ githu")] == [
        b"ghp_",
        b"gho_",
        b"github_pat_",
    ]


@pytest.mark.skipif(
    "hyperscan" not in triggers.finder_names(),
    reason="hyperscan not installed (pip install 'patlint[fast]')",
)
@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.one_of(st.sampled_from(LITERALS), st.binary(max_size=40)), max_size=30),
    with_encoded=st.booleans(),
)
def test_finders_agree(parts: list[bytes], with_encoded: bool) -> None:
    data = b"".join(parts)
    re_finder = triggers.ReFinder(PLAIN, ENCODED)
    hs_finder = triggers.HyperscanFinder(PLAIN, ENCODED)
    plain_re, enc_re = re_finder.find(data, with_encoded=with_encoded)
    plain_hs, enc_hs = hs_finder.find(data, with_encoded=with_encoded)
    # `re` reports non-overlapping matches; Hyperscan reports every one (overlaps included).
    assert set(plain_re) == set(plain_hs)
    for lit, offsets in plain_re.items():
        assert set(offsets) <= set(plain_hs[lit])
        assert all(data.startswith(lit, o) for o in plain_hs[lit])
    assert set(enc_re) <= set(enc_hs)
    assert {e[1] for e in enc_re} == {e[1] for e in enc_hs}


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
