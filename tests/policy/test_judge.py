"""judge(): what GitHub said changes the detection finding (message, severity)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from patlint.catalog.ruleset import RuleSet
from patlint.config import Config
from patlint.engine.ruleset import build_ruleset
from patlint.engine.run import ScanOptions
from patlint.errors import ConfigError
from patlint.model import (
    Candidate,
    Confidence,
    Context,
    Location,
    Secret,
    Severity,
    Token,
    TokenInfo,
    TokenStatus,
)
from patlint.policy.judge import judge

TokenFactory = Callable[..., str]


def _token(value: str, info: TokenInfo | None) -> Token:
    cand = Candidate(
        rule_id="github-classic-pat",
        secret=Secret(value, "ghp"),
        location=Location("a.env", 1, 5, 4),
        context=Context(key="GH_TOKEN", usage="dotenv"),
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        checksum_valid=True,
    )
    return Token(secret=cand.secret, candidates=(cand,), info=info)


def _detection(tok: Token) -> tuple[Severity, str]:
    ruleset = build_ruleset(Config())
    findings, _ = judge([tok], ruleset, ScanOptions(), [])
    (f,) = [f for f in findings if f.rule_id == "github-classic-pat"]
    return f.severity, f.message


def test_unverified_token_keeps_rule_severity(token: TokenFactory) -> None:
    sev, msg = _detection(_token(token("ghp"), None))
    assert sev is Severity.HIGH
    assert msg.endswith(" found")


def test_live_token_says_so(token: TokenFactory) -> None:
    info = TokenInfo(
        status=TokenStatus.VALID, kind="ghp", owner="octocat", scopes=frozenset({"gist"})
    )
    sev, msg = _detection(_token(token("ghp"), info))
    assert sev is Severity.HIGH
    assert msg.endswith("found; GitHub accepts it: the token is live (owner octocat)")


def test_rejected_token_drops_to_low(token: TokenFactory) -> None:
    info = TokenInfo(status=TokenStatus.INVALID, kind="ghp", reason="HTTP 401")
    sev, msg = _detection(_token(token("ghp"), info))
    assert sev is Severity.LOW
    assert msg.endswith("GitHub rejects it (revoked, expired or never valid)")


def test_packages_only_classic_token_is_not_told_to_go_fine_grained(token: TokenFactory) -> None:
    ruleset = build_ruleset(Config())
    info = TokenInfo(
        status=TokenStatus.VALID,
        kind="ghp",
        scopes=frozenset({"read:packages"}),
        never_expires=False,
    )
    findings, _ = judge([_token(token("ghp"), info)], ruleset, ScanOptions(), [])
    assert "classic-where-fine-grained-would-do" not in {f.rule_id for f in findings}
    info = TokenInfo(
        status=TokenStatus.VALID, kind="ghp", scopes=frozenset({"repo"}), never_expires=False
    )
    findings, _ = judge([_token(token("ghp"), info)], ruleset, ScanOptions(), [])
    assert "classic-where-fine-grained-would-do" in {f.rule_id for f in findings}


def test_place_rules_are_passed_over_per_token_unless_their_params_must_be_refused(
    token: TokenFactory,
) -> None:
    # `check: place` rules judge nothing per token; judge() no longer asks them for each
    # token, but one that carries params is still refused as its check refuses it.
    ruleset = build_ruleset(Config())
    tok = _token(token("ghp"), None)
    places = [r for r in ruleset.policies if r.check == "place"]
    assert places, "the shipped rules have place rules"
    findings, suppressed = judge([tok], ruleset, ScanOptions(), [])
    assert not {f.rule_id for f in findings + suppressed} & {r.id for r in places}
    bad = dataclasses.replace(places[0], params={"x": 1})
    odd = RuleSet(known=ruleset.known, enabled=(*ruleset.enabled, bad))
    with pytest.raises(ConfigError, match="take no params"):
        judge([tok], odd, ScanOptions(), [])
