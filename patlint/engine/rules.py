"""Load and validate rules from YAML: a broken rule names its file, its id and the field."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patlint.errors import ConfigError, RuleError
from patlint.inputs import MAX_RULES, read_text
from patlint.model import Confidence, Severity

RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("detector", "policy")
VALIDATORS = ("checksum", "checksum-fails", "shape", "jwt", "none")
TOKEN_KINDS = ("ghp", "github_pat", "gho", "ghu", "ghs", "ghr", "legacy", "invalid")
_COMMON = {
    "id",
    "name",
    "kind",
    "severity",
    "confidence",
    "description",
    "remediation",
    "references",
    "examples",
    "negative_examples",
    "opt_in",
}
_DETECTOR = {"token_kind", "pattern", "keywords", "validator", "entropy", "paths", "window"}
_POLICY = {"check", "params", "requires"}
YamlParser = Callable[..., Any]  # (text, where, *, error) -> data, like yamlio.safe_load
# The names in patlint.policy.CHECKS, so loading rules need not import every check module (a test
# keeps the two equal). The checks' code runs only when params are validated or tokens judged.
POLICY_CHECKS = frozenset(
    {
        "place",
        "god-token",
        "context-scopes",
        "classic-token",
        "no-expiration",
        "lifetime",
        "expires-soon",
        "dead-token",
        "sso",
        "several-places",
        "wrong-host",
        "unused",
    }
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A detection or policy rule as loaded from YAML."""

    id: str
    name: str
    kind: str
    severity: Severity
    confidence: Confidence
    description: str
    remediation: str
    source: str
    references: tuple[str, ...] = ()
    examples: tuple[Any, ...] = ()
    negative_examples: tuple[Any, ...] = ()
    opt_in: bool = False
    # detector
    token_kind: str = ""
    pattern: str = ""
    keywords: tuple[str, ...] = ()
    validator: str = "none"
    entropy: float = 0.0
    paths: tuple[str, ...] = ()
    window: tuple[int, int] | None = None  # (bytes before, after) a keyword; None: whole buffer
    # policy
    check: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    requires: str = ""

    def with_overrides(
        self, *, severity: Severity | None, params: Mapping[str, Any] | None
    ) -> Rule:
        """A copy with config overrides applied."""
        from dataclasses import replace

        merged = dict(self.params)
        if params:
            merged.update(params)
        return replace(self, severity=severity or self.severity, params=merged)


def load_rule_files(paths: Iterable[Path], *, parse: YamlParser | None = None) -> list[Rule]:
    """Load every rule from the given YAML files, validating each."""
    rules: list[Rule] = []
    for path in paths:
        rules.extend(load_rule_file(path, parse=parse))
    return rules


def load_rule_file(path: Path, *, parse: YamlParser | None = None) -> list[Rule]:
    """Load one YAML file holding a list of rules (`parse`: yamlio.safe_load or a cache of it)."""
    try:
        text = read_text(path, MAX_RULES, "rule file")
    except ConfigError as exc:
        raise RuleError(f"{path}: cannot read {exc}") from None
    if parse is None:
        from patlint.yamlio import safe_load

        parse = safe_load

    data = parse(text, str(path), error=RuleError)
    if data is None:
        return []
    if not isinstance(data, list):
        raise RuleError(f"{path}: expected a list of rules at the top level")
    return [parse_rule(item, source=str(path), index=i) for i, item in enumerate(data)]


def parse_rule(item: Any, *, source: str, index: int) -> Rule:
    """Validate one rule mapping and build a Rule."""
    where = f"{source}: rule #{index + 1}"
    if not isinstance(item, Mapping):
        raise RuleError(f"{where}: expected a mapping with id, name, kind, …")
    rid = item.get("id")
    if not isinstance(rid, str) or not RULE_ID.match(rid):
        raise RuleError(f"{where}: field 'id': expected a kebab-case id, got {rid!r}")
    where = f"{source}: rule {rid!r}"

    def err(fieldname: str, problem: str) -> RuleError:
        return RuleError(f"{where}: field {fieldname!r}: {problem}")

    kind = item.get("kind")
    if kind not in KINDS:
        raise err("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    allowed = _COMMON | (_DETECTOR if kind == "detector" else _POLICY)
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise err(unknown[0], f"unknown field (allowed: {', '.join(sorted(allowed))})")
    for name in ("name", "description", "remediation"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            raise err(name, "expected a non-empty string")
    try:
        severity = Severity.parse(str(item.get("severity", "")))
    except ValueError as exc:
        raise err("severity", str(exc)) from None
    try:
        confidence = Confidence.parse(str(item.get("confidence", "high")))
    except ValueError as exc:
        raise err("confidence", str(exc)) from None
    examples = item.get("examples")
    negatives = item.get("negative_examples")
    if not isinstance(examples, list) or not examples:
        raise err("examples", "expected a non-empty list of examples")
    if not isinstance(negatives, list) or not negatives:
        raise err("negative_examples", "expected a non-empty list of negative examples")
    refs = item.get("references", [])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise err("references", "expected a list of URLs")
    opt_in = item.get("opt_in", False)
    if not isinstance(opt_in, bool):
        raise err("opt_in", "expected true or false")
    common: dict[str, Any] = {
        "id": rid,
        "name": item["name"].strip(),
        "kind": kind,
        "severity": severity,
        "confidence": confidence,
        "description": " ".join(item["description"].split()),
        "remediation": " ".join(item["remediation"].split()),
        "source": source,
        "references": tuple(refs),
        "examples": tuple(examples),
        "negative_examples": tuple(negatives),
        "opt_in": opt_in,
    }
    if kind == "detector":
        return Rule(**common, **_parse_detector(item, err))
    return Rule(**common, **_parse_policy(item, err))


def _parse_detector(item: Mapping[str, Any], err: Any) -> dict[str, Any]:
    token_kind = item.get("token_kind")
    if token_kind not in TOKEN_KINDS:
        raise err("token_kind", f"expected one of {', '.join(TOKEN_KINDS)}, got {token_kind!r}")
    pattern = item.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise err("pattern", "expected a regular expression")
    try:
        compiled = re.compile(pattern.encode("utf-8"))
    except re.error as exc:
        raise err("pattern", f"does not compile: {exc}") from None
    risk = backtracking_risk(pattern)
    if risk:
        raise err("pattern", f"refused: {risk} (prone to catastrophic backtracking)")
    if compiled.groups != 1:
        raise err(
            "pattern", f"expected exactly one capture group (the token), found {compiled.groups}"
        )
    keywords = item.get("keywords")
    if (
        not isinstance(keywords, list)
        or not keywords
        or not all(isinstance(k, str) and len(k) >= 2 for k in keywords)
    ):
        raise err("keywords", "expected a non-empty list of literal strings of 2+ characters")
    validator = item.get("validator", "none")
    if validator not in VALIDATORS:
        raise err("validator", f"expected one of {', '.join(VALIDATORS)}, got {validator!r}")
    entropy = item.get("entropy", 0.0)
    if not isinstance(entropy, (int, float)) or not 0 <= entropy <= 8:
        raise err("entropy", "expected a number between 0 and 8 (bits per character)")
    paths = item.get("paths", [])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise err("paths", "expected a list of glob patterns")
    window = item.get("window")
    if window is not None:
        if (
            not isinstance(window, Mapping)
            or set(window) != {"before", "after"}
            or not all(isinstance(v, int) and 0 <= v <= 1 << 20 for v in window.values())
        ):
            raise err(
                "window", "expected {before: N, after: N}: bytes around a keyword (0..1048576)"
            )
        window = (window["before"], window["after"])
    return {
        "window": window,
        "token_kind": token_kind,
        "pattern": pattern,
        "keywords": tuple(keywords),
        "validator": validator,
        "entropy": float(entropy),
        "paths": tuple(paths),
    }


def _parse_policy(item: Mapping[str, Any], err: Any) -> dict[str, Any]:
    check = item.get("check")
    if check not in POLICY_CHECKS:
        raise err("check", f"unknown check {check!r} (known: {', '.join(sorted(POLICY_CHECKS))})")
    params = item.get("params", {})
    if not isinstance(params, Mapping):
        raise err("params", "expected a mapping")
    requires = item.get("requires", "")
    if requires not in ("", "github"):
        raise err("requires", "expected 'github' or nothing")
    return {"check": check, "params": dict(params), "requires": requires}


def backtracking_risk(pattern: str) -> str | None:
    """Why `pattern` could backtrack catastrophically (an unbounded repeat inside another), or None."""
    import importlib

    try:  # Python 3.11+
        sre_parse: Any = importlib.import_module("re._parser")
        sre_c: Any = importlib.import_module("re._constants")
    except ImportError:  # Python 3.10
        sre_parse = importlib.import_module("sre_parse")
        sre_c = importlib.import_module("sre_constants")

    unbounded = sre_c.MAXREPEAT
    repeats = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None))

    def walk(items: Any, depth: int) -> str | None:
        for op, av in items:
            if op in repeats and op is not None:
                _lo, hi, sub = av
                inner = depth + (1 if hi == unbounded or hi > 1000 else 0)
                if inner >= 2:
                    return "an unbounded repeat nested inside another"
                found = walk(sub, inner)
            elif op is sre_c.SUBPATTERN:
                found = walk(av[-1], depth)
            elif op is sre_c.BRANCH:
                found = next((r for r in (walk(b, depth) for b in av[1]) if r), None)
            elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
                found = walk(av[1], depth)
            else:
                found = None
            if found:
                return found
        return None

    return walk(sre_parse.parse(pattern), 0)


def check_unique(rules: Sequence[Rule]) -> None:
    """Raise RuleError when an id is defined twice."""
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleError(
                f"{rule.source}: rule {rule.id!r}: field 'id': already defined in {seen[rule.id]}"
            )
        seen[rule.id] = rule.source
