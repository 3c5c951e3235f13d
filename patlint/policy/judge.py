"""The judge stage: detection and policy findings for each token, place findings, and which of
them an inline comment, the allow-list or a baseline suppresses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Protocol

from patlint.catalog.ruleset import RuleSet
from patlint.kinds import KIND_NAMES
from patlint.model import (
    Candidate,
    Finding,
    PlaceFinding,
    Rule,
    Severity,
    Token,
    TokenInfo,
    TokenRef,
    TokenStatus,
    finding_fingerprint,
)
from patlint.suppress import covers


class JudgeOptions(Protocol):
    """What judging reads from the scan options (engine.run.ScanOptions has each)."""

    @property
    def no_suppress(self) -> bool:
        """Report suppressed findings as active."""

    @property
    def allow(self) -> frozenset[str]:
        """Fingerprints and token digests allowed by config."""

    @property
    def baseline(self) -> frozenset[str]:
        """Baselined fingerprints."""

    @property
    def baseline_sha1(self) -> frozenset[str]:
        """detect-secrets baseline entries: "path\\0hashed_secret"."""

    @property
    def now(self) -> datetime | None:
        """The clock policy checks use (None: the current time)."""

    @property
    def github_hosts(self) -> frozenset[str]:
        """Hosts configured as GitHub API targets."""


def _verdict_note(info: TokenInfo | None) -> str:
    """What GitHub said, for the detection message."""
    if info is None:
        return ""
    if info.status is TokenStatus.VALID:
        owner = f" (owner {info.owner})" if info.owner else ""
        return f"; GitHub accepts it: the token is live{owner}"
    if info.status is TokenStatus.INVALID:
        return "; GitHub rejects it (revoked, expired or never valid)"
    if info.status is TokenStatus.SSO_REQUIRED:
        return "; GitHub accepts it, but an organization requires SSO authorization"
    return ""


def _detected_severity(severity: Severity, info: TokenInfo | None) -> Severity:
    """A token GitHub rejects can no longer be abused: at most low (clean-up, not an incident)."""
    if info is not None and info.status is TokenStatus.INVALID:
        return min(severity, Severity.LOW)
    return severity


def _detection_findings(token: Token, rules: Mapping[str, Rule]) -> Iterator[tuple[Finding, bool]]:
    from patlint.policy.remediation import for_rule  # only when there is a token to judge

    by_rule: dict[str, list[Candidate]] = {}
    for c in token.candidates:
        by_rule.setdefault(c.rule_id, []).append(c)
    for rule_id, cands in by_rule.items():
        rule = rules[rule_id]
        active = [c for c in cands if not covers(c.suppress, rule_id)]
        primary = (active or cands)[0]
        where = len({c.location.where for c in cands})
        kind = KIND_NAMES.get(token.secret.kind, "token-shaped string")
        places = f" in {where} files" if where > 1 else ""
        if rule.token_kind == "invalid":
            msg = f"Token-shaped string {token.secret.preview} fails GitHub's checksum; it cannot be a real token"
        else:
            name = kind if kind.startswith("GitHub") else f"GitHub {kind}"
            msg = f"{name} {token.secret.preview} found{places}{_verdict_note(token.info)}"
        yield (
            Finding(
                rule_id=rule_id,
                message=msg,
                severity=_detected_severity(rule.severity, token.info),
                confidence=rule.confidence,
                location=primary.location,
                token=TokenRef.of(token.secret),
                context=primary.context,
                token_info=token.info,
                related=tuple(c.location for c in token.candidates if c is not primary),
                remediation=for_rule(token, rule.check, rule.kind, rule.remediation),
            ),
            not active,
        )


def _policy_findings(
    token: Token, rule: Rule, now: datetime, github_hosts: frozenset[str] = frozenset()
) -> Iterator[tuple[Finding, bool]]:
    from patlint.policy import CHECKS
    from patlint.policy.base import PolicyContext
    from patlint.policy.remediation import for_rule

    check = CHECKS[rule.check]
    params = check.parse_params(rule.params, f"rules.{rule.id}.params")
    ctx = PolicyContext(github_hosts=github_hosts)
    primary = None
    for verdict in check.evaluate(token, params, now=now, ctx=ctx):
        if primary is None:  # only for a token the rule flags: most (token, rule) pairs pass
            active = [c for c in token.candidates if not covers(c.suppress, rule.id)]
            # shown at a place that is not allowed at all, when there is one (the real leak,
            # not the fixture next to it that carries `# patlint: ignore[<detection rule>]`)
            plain = [c for c in active if not covers(c.suppress, c.rule_id)]
            primary = (plain or active or list(token.candidates))[0]
        yield (
            Finding(
                rule_id=rule.id,
                message=verdict.message,
                severity=verdict.severity or rule.severity,
                confidence=(
                    rule.confidence
                    if verdict.confidence is None
                    else min(rule.confidence, verdict.confidence)
                ),
                location=primary.location,
                token=TokenRef.of(token.secret),
                context=primary.context,
                token_info=token.info,
                related=tuple(c.location for c in token.candidates if c is not primary),
                remediation=verdict.remediation
                or for_rule(token, rule.check, rule.kind, rule.remediation),
            ),
            not active,
        )


def judge(
    tokens: Sequence[Token],
    ruleset: RuleSet,
    options: JudgeOptions,
    notices: list[str],
    *,
    places: Sequence[PlaceFinding] = (),
    explain_skipped: bool = True,
) -> tuple[list[Finding], list[Finding]]:
    """Detection and policy findings, split into active and suppressed. `explain_skipped`: add
    a notice naming the rules skipped for want of GitHub's answer (not when the user chose
    --offline: that is what offline means)."""
    now = options.now or datetime.now(timezone.utc)
    rules = {r.id: r for r in ruleset.known} | {r.id: r for r in ruleset.enabled}
    active: list[Finding] = []
    suppressed: list[Finding] = []
    skipped_github: set[str] = set()
    sha1s: dict[str, str] = {}
    if options.baseline_sha1:
        secrets = [t.secret for t in tokens] + [p.secret for p in places if p.secret is not None]
        sha1s = {s.digest: s.sha1 for s in secrets}

    # A token allowed on every line where it occurs (each place's comment covers its detection
    # rule) is a fixture: the findings derived from it (several places, the literal in CI, …)
    # are allowed with it. A place no comment can reach (a file name) keeps it reported.
    allowed = {
        t.secret.digest
        for t in tokens
        if t.candidates and all(covers(c.suppress, c.rule_id) for c in t.candidates)
    }

    def place(finding: Finding, inline: bool) -> None:
        reason = None
        if inline or (finding.token is not None and finding.token.sha256 in allowed):
            reason = "inline comment"
        elif finding.fingerprint in options.allow or (
            finding.token is not None and finding.token.sha256 in options.allow
        ):
            reason = "allow-list"
        elif in_baseline(finding, options, sha1s):
            reason = "baseline"
        if reason is None or options.no_suppress:
            active.append(finding)
        else:
            suppressed.append(replace(finding, suppressed=reason))

    policies = ruleset.policies  # a property that filters every rule: once, not per token
    # `check: place` rules judge nothing per token (their findings are the readers' places):
    # passed over, unless they carry params, which their check refuses (a ConfigError).
    per_token = [r.check != "place" or bool(r.params) for r in policies]
    for token in tokens:
        for finding, inline in _detection_findings(token, rules):
            place(finding, inline)
        for rule, judged in zip(policies, per_token, strict=True):
            if rule.requires == "github" and (token.info is None or not token.info.verified):
                skipped_github.add(rule.id)
                continue
            if not judged:
                continue
            for finding, inline in _policy_findings(token, rule, now, options.github_hosts):
                place(finding, inline)
    enabled = {r.id: r for r in ruleset.enabled}
    infos = {t.secret.digest: t.info for t in tokens}
    for p in places:
        prule = enabled.get(p.rule_id)
        if prule is None:
            continue  # the rule is disabled (or unknown to this ruleset)
        inline = covers(p.suppress, prule.id)
        place(
            Finding(
                rule_id=prule.id,
                message=p.message,
                severity=p.severity or prule.severity,
                confidence=prule.confidence,
                location=p.location,
                token=TokenRef.of(p.secret) if p.secret is not None else None,
                context=p.context,
                token_info=infos.get(p.secret.digest) if p.secret is not None else None,
                remediation=prule.remediation,
            ),
            inline,
        )
    if skipped_github and tokens and explain_skipped:
        notices.append(
            "policy rules that need GitHub's answer were skipped for unverified tokens: "
            + ", ".join(sorted(skipped_github))
        )
    active.sort(key=_order)
    suppressed.sort(key=_order)
    return active, suppressed


def in_baseline(finding: Finding, options: JudgeOptions, sha1s: Mapping[str, str]) -> bool:
    """True when a baseline covers the finding: its fingerprint, its token at this path, or
    (detect-secrets baselines) its token's SHA-1 in this file."""
    if finding.fingerprint in options.baseline:
        return True
    if finding.token is None:
        return False
    if finding_fingerprint("*", finding.location.where, finding.token.sha256) in options.baseline:
        return True
    sha1 = sha1s.get(finding.token.sha256)
    if sha1 is None or not options.baseline_sha1:
        return False
    from patlint.baseline import ds_key

    return ds_key(finding.location.path, sha1) in options.baseline_sha1


def _order(f: Finding) -> tuple[int, str, int, str]:
    return (-int(f.severity), f.location.where, f.location.offset or 0, f.rule_id)
