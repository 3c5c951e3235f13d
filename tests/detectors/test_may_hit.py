"""`Detector.may_hit` is a sound pre-check: when it says no, the full detector finds nothing,
whatever the path-restricted rules, the encodings or the finder (Hyperscan or `re`)."""

from __future__ import annotations

import base64
import os
import random
import urllib.parse

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from patlint.config import Config
from patlint.detectors import triggers
from patlint.detectors.pattern import Detector
from patlint.engine.ruleset import build_ruleset
from patlint.tokengen import make_token

RULES = build_ruleset(Config()).detectors
KINDS = ("ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "legacy")
# Pieces that build token-bearing text in the forms the detector decodes, and near misses.
FRAGMENTS = [
    "GITHUB_TOKEN=",
    "gh_token: ",
    "github.token: 'token ",
    'GH_PAT="',
    "GitHubApiKey => ",
    "Github_secret := bearer ",
    "@api.github.com",
    "@ghe.github.example/o",
    "@",
    "oauth_token: ",
    "https://x:",
    "@github.com/o/r",
    '"auth": "',
    "dockerconfigjson: ",
    "%5F",
    "github",
    "gh",
    "_pat_",
    "\n",
    " ",
]


def _finders() -> list[str]:
    return list(triggers.finder_names())


@st.composite
def texts(draw: st.DrawFn) -> bytes:
    rng = random.Random(draw(st.integers(0, 2**32)))
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 8))):
        choice = draw(st.integers(0, 5))
        if choice == 0:
            tok = make_token(draw(st.sampled_from(KINDS)), rng)
            form = draw(st.integers(0, 3))
            raw = tok.encode()
            if form == 1:
                raw = base64.b64encode(b"u:" + raw)
            elif form == 2:
                raw = urllib.parse.quote(tok, safe="").replace("_", "%5F").encode()
            elif form == 3:
                raw = raw[: draw(st.integers(0, len(raw)))]  # a truncated token
            parts.append(raw)
        elif choice == 1:
            parts.append(draw(st.binary(max_size=30)))
        else:
            parts.append(draw(st.sampled_from(FRAGMENTS)).encode())
    return b"".join(parts)


_DETECTORS: dict[str, Detector] = {}


def _detector(finder: str) -> Detector:
    """A detector whose finders were compiled with `finder` (chosen as users choose it)."""
    if finder not in _DETECTORS:
        old = os.environ.get("PATLINT_NO_HYPERSCAN")
        os.environ["PATLINT_NO_HYPERSCAN"] = "1" if finder == "re" else ""
        try:
            det = Detector(RULES)
            det.prepare()
            det.scan(b"", allowed=frozenset(range(len(det.rules))))
        finally:
            if old is None:
                del os.environ["PATLINT_NO_HYPERSCAN"]
            else:
                os.environ["PATLINT_NO_HYPERSCAN"] = old
        _DETECTORS[finder] = det
    return _DETECTORS[finder]


@pytest.mark.parametrize("finder", _finders())
@settings(max_examples=250, deadline=None)
@given(data=texts())
def test_no_keyword_means_no_hit(finder: str, data: bytes) -> None:
    det = _detector(finder)
    every_rule = frozenset(range(len(det.rules)))
    hits = det.scan(data, allowed=every_rule)
    event("found a token" if hits else ("keyword, no token" if det.may_hit(data) else "nothing"))
    assert det.may_hit_checker()(data) == det.may_hit(data)
    if hits:
        assert det.may_hit(data)  # the contrapositive: no keyword, no hit


def test_both_finders_are_exercised() -> None:
    names = {f: type(_detector(f)._finder_of_all()).__name__ for f in _finders()}
    assert names["re"] == "ReFinder"
    if "hyperscan" in names:
        assert names["hyperscan"] == "HyperscanFinder"
