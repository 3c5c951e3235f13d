"""Wire the stages: walk → detect → group → resolve → judge. No output happens here."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Protocol

from patlint.detectors.pattern import Detector
from patlint.engine.filescan import FileResult, scan_paths, scan_stream
from patlint.engine.rules import Rule
from patlint.engine.ruleset import RuleSet
from patlint.model import (
    KIND_NAMES,
    Candidate,
    Finding,
    ScanStats,
    Severity,
    Skip,
    Token,
    TokenInfo,
    TokenRef,
    TokenStatus,
    finding_fingerprint,
)
from patlint.sources.readers import PlaceFinding
from patlint.sources.tree import FileRef, WalkOptions, walk

Progress = Callable[[int, int, int], None]  # files, bytes, candidates so far
PARALLEL_MIN_BYTES = 8 << 20
PARALLEL_MIN_FILES = 400
BATCH_BYTES = 2 << 20
BATCH_FILES = 512


class Resolver(Protocol):
    """Asks GitHub (or a cache) what tokens are; keyed by token digest."""

    def resolve(self, tokens: Sequence[Token]) -> Mapping[str, TokenInfo]:
        """TokenInfo for each token it could learn something about."""

    def notices(self) -> list[str]:
        """One-line notices for the summary (e.g. "GitHub unreachable: …")."""


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Everything the pipeline needs besides the rules; built by the CLI from flags and config."""

    walk: WalkOptions = field(default_factory=WalkOptions)
    max_file_size: int = 256 << 20
    jobs: int = 0  # 0 = one per core
    no_suppress: bool = False
    allow: frozenset[str] = frozenset()
    baseline: frozenset[str] = frozenset()
    baseline_sha1: frozenset[str] = frozenset()  # detect-secrets entries: "path\0hashed_secret"
    now: datetime | None = None
    github_hosts: frozenset[str] = frozenset()  # hosts configured as GitHub API targets


@dataclass(slots=True)
class ScanResult:
    """What the pipeline produced: tokens, active and suppressed findings, counters."""

    tokens: list[Token]
    findings: list[Finding]
    suppressed: list[Finding]
    stats: ScanStats
    notices: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Collected:
    """Raw output of the walk + detect stage."""

    candidates: list[Candidate] = field(default_factory=list)
    places: list[PlaceFinding] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)


# --- collection (walk + detect), in parallel when the tree is large -------------------------

_WORKER_DETECTOR: Detector | None = None
_WORKER_MAX = 0


def _init_worker(rules: Sequence[Rule], max_size: int) -> None:
    global _WORKER_DETECTOR, _WORKER_MAX
    if _WORKER_DETECTOR is None or list(_WORKER_DETECTOR.rules) != [
        r for r in rules if r.kind == "detector"
    ]:
        _WORKER_DETECTOR = Detector(rules)
    _WORKER_MAX = max_size


def _scan_batch(batch: Sequence[tuple[str, str]]) -> tuple[int, int, list[FileResult]]:
    """Scan a batch in a worker: (files scanned clean, their bytes, every other result).

    Most files hold nothing; they travel back as two counters instead of pickled objects.
    """
    assert _WORKER_DETECTOR is not None
    return scan_paths(batch, _WORKER_DETECTOR, max_size=_WORKER_MAX)


def _size(path: str) -> int:
    """A file's size for the parallel-or-not decision (0 when it cannot be read: the scan says why)."""
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def _batches(files: Iterable[FileRef]) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    size = 0
    for f in files:
        batch.append((f.path, f.rel))
        size += max(f.size, 0)
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def collect(
    roots: Sequence[str],
    rules: Sequence[Rule],
    options: ScanOptions,
    *,
    progress: Progress | None = None,
    stdin: Any = None,
) -> Collected:
    """Walk `roots` and detect tokens in every file; `-` means standard input."""
    out = Collected()
    stats = out.stats
    candidates = out.candidates
    detector = Detector(rules)
    paths = [r for r in roots if r != "-"]
    jobs = options.jobs or os.cpu_count() or 1
    # Walk until the tree is known to be big enough for the pool, then go on walking while the
    # pool scans what was handed out (walk skips are kept apart and put first, as if the walk
    # had finished before the scan).
    from patlint.sources.names import NameScan

    names = NameScan(detector)  # a token can be a file or folder name too
    walker = names.wrap(walk(paths, options.walk))
    walk_skipped: list[Skip] = []
    files: list[FileRef] = []
    total = 0
    parallel = False
    for item in walker:
        if isinstance(item, Skip):
            walk_skipped.append(item)
            continue
        files.append(item)
        total += item.size if item.size >= 0 else _size(item.path)
        if jobs > 1 and (total >= PARALLEL_MIN_BYTES or len(files) >= PARALLEL_MIN_FILES):
            parallel = True
            break

    def rest_of_walk() -> Iterator[FileRef]:
        yield from files
        for item in walker:
            if isinstance(item, Skip):
                walk_skipped.append(item)
            else:
                yield item

    dropped: set[str] = set()  # each worker drops a rule on its own: say it once

    def absorb(res: FileResult) -> None:
        candidates.extend(res.candidates)
        out.places.extend(res.places)
        stats.notices.extend(res.notices)
        stats.notices.extend(n for n in res.timeouts if n not in dropped)
        dropped.update(n for n in res.timeouts if "dropped for the rest of the scan" in n)
        stats.bytes_scanned += res.bytes_read
        if res.skip is not None:
            stats.skipped.append(res.skip)
        for s in res.partial:
            if s.path.startswith("<rule "):
                if s.path in dropped:
                    continue
                dropped.add(s.path)
            stats.skipped.append(s)
        if res.scanned:
            stats.files_scanned += 1
        if progress is not None:
            progress(stats.files_scanned, stats.bytes_scanned, len(candidates))

    if "-" in roots:
        stream = stdin if stdin is not None else sys.stdin.buffer
        absorb(scan_stream(stream, "<stdin>", detector, max_size=options.max_file_size))

    if parallel:
        from patlint.engine.workers import run_batches

        def take(answer: tuple[int, int, list[FileResult]]) -> None:
            clean, clean_bytes, results = answer
            stats.files_scanned += clean
            stats.bytes_scanned += clean_bytes
            for res in results:
                absorb(res)
            if progress is not None:
                progress(stats.files_scanned, stats.bytes_scanned, len(candidates))

        _init_worker(rules, options.max_file_size)  # forked workers inherit the compiled detector
        assert _WORKER_DETECTOR is not None
        _WORKER_DETECTOR.prepare()
        run_batches(
            jobs,
            _init_worker,
            (list(rules), options.max_file_size),
            _scan_batch,
            _batches(rest_of_walk()),
            take,
        )
    else:
        clean, clean_bytes, results = scan_paths(
            [(f.path, f.rel) for f in files], detector, max_size=options.max_file_size
        )
        stats.files_scanned += clean
        stats.bytes_scanned += clean_bytes
        for res in results:
            absorb(res)
    candidates.extend(names.candidates)
    # Workers finish in any order: sort what they skipped so reports are reproducible.
    stats.skipped.sort(key=lambda s: (s.path, s.reason))
    stats.skipped[:0] = walk_skipped
    candidates.sort(key=lambda c: (c.location.path, c.location.offset or 0, c.rule_id))
    return out


# --- grouping, judging, suppression ----------------------------------------------------------


def group_tokens(candidates: Iterable[Candidate]) -> list[Token]:
    """One Token per unique secret (by digest), with every place it was seen, in scan order."""
    by_digest: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_digest.setdefault(c.secret.digest, []).append(c)
    return [Token(secret=cs[0].secret, candidates=tuple(cs)) for cs in by_digest.values()]


def _suppressed_here(c: Candidate, rule_id: str) -> bool:
    return c.suppress is not None and (c.suppress == "*" or rule_id in c.suppress.split(","))


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
        active = [c for c in cands if not _suppressed_here(c, rule_id)]
        primary = (active or cands)[0]
        where = len({c.location.path for c in cands})
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
    active = [c for c in token.candidates if not _suppressed_here(c, rule.id)]
    primary = (active or list(token.candidates))[0]
    ctx = PolicyContext(github_hosts=github_hosts)
    for verdict in check.evaluate(token, params, now=now, ctx=ctx):
        yield (
            Finding(
                rule_id=rule.id,
                message=verdict.message,
                severity=verdict.severity or rule.severity,
                confidence=rule.confidence,
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
    options: ScanOptions,
    notices: list[str],
    *,
    places: Sequence[PlaceFinding] = (),
) -> tuple[list[Finding], list[Finding]]:
    """Detection and policy findings, split into active and suppressed."""
    now = options.now or datetime.now(timezone.utc)
    rules = {r.id: r for r in ruleset.known} | {r.id: r for r in ruleset.enabled}
    active: list[Finding] = []
    suppressed: list[Finding] = []
    skipped_github: set[str] = set()
    sha1s: dict[str, str] = {}
    if options.baseline_sha1:
        secrets = [t.secret for t in tokens] + [p.secret for p in places if p.secret is not None]
        sha1s = {s.digest: s.sha1 for s in secrets}

    def place(finding: Finding, inline: bool) -> None:
        reason = None
        if inline:
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

    for token in tokens:
        for finding, inline in _detection_findings(token, rules):
            place(finding, inline)
        for rule in ruleset.policies:
            if rule.requires == "github" and (token.info is None or not token.info.verified):
                skipped_github.add(rule.id)
                continue
            for finding, inline in _policy_findings(token, rule, now, options.github_hosts):
                place(finding, inline)
    enabled = {r.id: r for r in ruleset.enabled}
    infos = {t.secret.digest: t.info for t in tokens}
    for p in places:
        prule = enabled.get(p.rule_id)
        if prule is None:
            continue  # the rule is disabled (or unknown to this ruleset)
        inline = p.suppress is not None and (p.suppress == "*" or prule.id in p.suppress.split(","))
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
    if skipped_github and tokens:
        notices.append(
            "policy rules that need GitHub's answer were skipped for unverified tokens: "
            + ", ".join(sorted(skipped_github))
        )
    active.sort(key=_order)
    suppressed.sort(key=_order)
    return active, suppressed


def in_baseline(finding: Finding, options: ScanOptions, sha1s: Mapping[str, str]) -> bool:
    """True when a baseline covers the finding: its fingerprint, its token at this path, or
    (detect-secrets baselines) its token's SHA-1 in this file."""
    if finding.fingerprint in options.baseline:
        return True
    if finding.token is None:
        return False
    if finding_fingerprint("*", finding.location.path, finding.token.sha256) in options.baseline:
        return True
    sha1 = sha1s.get(finding.token.sha256)
    if sha1 is None or not options.baseline_sha1:
        return False
    from patlint.baseline import ds_key

    return ds_key(finding.location.path, sha1) in options.baseline_sha1


def _order(f: Finding) -> tuple[int, str, int, str]:
    return (-int(f.severity), f.location.path, f.location.offset or 0, f.rule_id)


def run_scan(
    roots: Sequence[str],
    ruleset: RuleSet,
    options: ScanOptions,
    *,
    resolver: Resolver | None = None,
    progress: Progress | None = None,
    extra_candidates: Iterable[Candidate] = (),
    stdin: Any = None,
) -> ScanResult:
    """The whole pipeline for a scan of files and folders."""
    collected = collect(roots, ruleset.detectors, options, progress=progress, stdin=stdin)
    collected.candidates.extend(extra_candidates)
    return finish(collected, ruleset, options, resolver=resolver)


def finish(
    collected: Collected,
    ruleset: RuleSet,
    options: ScanOptions,
    *,
    resolver: Resolver | None = None,
) -> ScanResult:
    """Group, resolve and judge what a source collected (shared by every kind of scan)."""
    tokens = group_tokens(collected.candidates)
    notices: list[str] = []
    if resolver is not None and tokens:
        infos = resolver.resolve(tokens)
        tokens = [replace(t, info=infos.get(t.secret.digest)) for t in tokens]
        notices.extend(resolver.notices())
    findings, suppressed = judge(tokens, ruleset, options, notices, places=collected.places)
    collected.stats.suppressed = len(suppressed)
    return ScanResult(tokens, findings, suppressed, collected.stats, notices)


def exit_code(findings: Sequence[Finding], fail_on: Severity) -> int:
    """1 when any active finding is at or above the threshold, else 0."""
    return 1 if any(f.severity >= fail_on for f in findings) else 0
