"""Load and validate rules from YAML: a broken rule names its file, its id and the field."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from patlint.errors import ConfigError, RuleError
from patlint.inputs import MAX_RULES, read_text
from patlint.kinds import RULE_TOKEN_KINDS
from patlint.model import Confidence, Rule, Severity, Trigger

if TYPE_CHECKING:
    from patlint.catalog.cache import RuleFileCache as CheckedMemo

RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("detector", "policy")
VALIDATORS = ("checksum", "checksum-fails", "shape", "jwt", "none")
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
_DETECTOR = {
    "token_kind",
    "pattern",
    "keywords",
    "validator",
    "entropy",
    "paths",
    "window",
    "trigger",
}
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


def load_rule_files(
    paths: Iterable[Path], *, parse: YamlParser | None = None, memo: CheckedMemo | None = None
) -> list[Rule]:
    """Load every rule from the given YAML files, validating each."""
    rules: list[Rule] = []
    for path in paths:
        rules.extend(load_rule_file(path, parse=parse, memo=memo))
    return rules


def load_rule_file(
    path: Path, *, parse: YamlParser | None = None, memo: CheckedMemo | None = None
) -> list[Rule]:
    """Load one YAML file holding a list of rules (`parse`: yamlio.safe_load or a cache of it;
    `memo`: the shipped rules' cache, where a text that passed before skips the regex guards)."""
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
    trusted = memo is not None and memo.checked(text, str(path))
    rules = [
        parse_rule(item, source=str(path), index=i, trusted=trusted) for i, item in enumerate(data)
    ]
    if memo is not None and not trusted:
        memo.mark_checked(text, str(path))
    return rules


def parse_rule(item: Any, *, source: str, index: int, trusted: bool = False) -> Rule:
    """Validate one rule mapping and build a Rule (`trusted`: this exact rule passed every check
    before; the regular-expression guards are not run again)."""
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
        return Rule(**common, **_parse_detector(item, err, trusted))
    return Rule(**common, **_parse_policy(item, err))


def _parse_detector(item: Mapping[str, Any], err: Any, trusted: bool = False) -> dict[str, Any]:
    token_kind = item.get("token_kind")
    if token_kind not in RULE_TOKEN_KINDS:
        raise err(
            "token_kind", f"expected one of {', '.join(RULE_TOKEN_KINDS)}, got {token_kind!r}"
        )
    pattern = item.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise err("pattern", "expected a regular expression")
    try:
        compiled = re.compile(pattern.encode("utf-8"))
    except re.error as exc:
        raise err("pattern", f"does not compile: {exc}") from None
    risk = None if trusted else backtracking_risk(pattern)
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
    trigger = item.get("trigger")
    if trigger is not None:
        trigger = _parse_trigger(trigger, keywords, err, trusted)
    elif any(_is_word(k) for k in keywords):
        word = next(k for k in keywords if _is_word(k))
        raise err(
            "keywords",
            f"{word!r} is a plain word: in real code it is in a large share of files, so every "
            "such file would go through the full detector; give a 'trigger' (the shape a token "
            "is found in) for the pre-check",
        )
    return {
        "window": window,
        "trigger": trigger,
        "token_kind": token_kind,
        "pattern": pattern,
        "keywords": tuple(keywords),
        "validator": validator,
        "entropy": float(entropy),
        "paths": tuple(paths),
    }


def _is_word(keyword: str) -> bool:
    """A keyword made of letters only (`github`, `GitHub`): common in code and prose."""
    return keyword.isascii() and keyword.isalpha()


def _parse_trigger(value: Any, keywords: Sequence[str], err: Any, trusted: bool = False) -> Trigger:
    """Validate a `trigger: {literals: [...], before: REGEX, after: REGEX}` mapping."""
    if not isinstance(value, Mapping) or not set(value) <= {"literals", "before", "after"}:
        raise err("trigger", "expected a mapping with literals, and optionally before and after")
    literals = value.get("literals")
    if (
        not isinstance(literals, list)
        or not literals
        or not all(isinstance(x, str) and x and x.isascii() for x in literals)
    ):
        raise err("trigger", "literals: expected a non-empty list of non-empty ASCII strings")
    parts: dict[str, str] = {}
    for name in ("before", "after"):
        regex = value.get(name, "")
        if not isinstance(regex, str):
            raise err("trigger", f"{name}: expected a regular expression")
        problem = None if trusted else trigger_regex_problem(regex, fixed_width=name == "before")
        if problem:
            raise err("trigger", f"{name}: {problem}")
        parts[name] = regex
    trigger = Trigger(tuple(literals), parts["before"], parts["after"])
    if trusted:
        return trigger
    implied = trigger_required_text(trigger)
    if not all(any(k in text for k in keywords) for text in implied):
        raise err(
            "trigger",
            "every match must hold one of the rule's keywords: each literal, or the literal "
            "text that `after` ends with or `before` starts with, must contain one",
        )
    return trigger


def trigger_regex_problem(regex: str, *, fixed_width: bool) -> str | None:
    """Why `regex` cannot be a trigger part (None when it can): it must compile, use only what
    Python's `re` and Hyperscan both support, and (before) match a fixed number of bytes."""
    parsed = _sre_parse(regex)
    if isinstance(parsed, str):
        return parsed
    _parser, consts, tree = parsed
    if tree.state.flags & ~consts.SRE_FLAG_UNICODE:
        return "a global flag such as (?i) is not allowed: scope it, as in (?i:token)"
    banned = {consts.ASSERT, consts.ASSERT_NOT, consts.GROUPREF, consts.AT}
    for name in ("GROUPREF_EXISTS", "ATOMIC_GROUP", "POSSESSIVE_REPEAT"):  # Python's own
        if getattr(consts, name, None) is not None:
            banned.add(getattr(consts, name))
    if any(op in banned for op, _av in _ops(tree, consts)):
        return (
            "lookarounds, back-references, anchors, atomic groups and possessive repeats "
            "are not allowed"
        )
    if backtracking_risk(regex):
        return "an unbounded repeat nested inside another"
    lo, hi = tree.getwidth()
    if fixed_width and lo != hi:
        return "expected a fixed-width regular expression (it is checked by lookbehind)"
    return None


def trigger_required_text(trigger: Trigger) -> list[str]:
    """Texts of which every match of the trigger holds one: its literals, or else the literal
    run `after` ends with or `before` starts with (when one of those is longer)."""
    runs = [*trigger.literals]
    for regex, at_end in ((trigger.after, True), (trigger.before, False)):
        parsed = _sre_parse(regex)
        if isinstance(parsed, str) or not regex:
            continue
        _parser, consts, tree = parsed
        items = list(tree)
        if at_end:
            items.reverse()
        text = []
        for op, av in items:
            if op is not consts.LITERAL:
                break
            text.append(chr(av))
        run = "".join(reversed(text) if at_end else text)
        if run:
            return [run]
    return runs


def _sre_parse(regex: str) -> tuple[Any, Any, Any] | str:
    import importlib

    try:  # Python 3.11+
        sre_parse: Any = importlib.import_module("re._parser")
        sre_c: Any = importlib.import_module("re._constants")
    except ImportError:  # Python 3.10
        sre_parse = importlib.import_module("sre_parse")
        sre_c = importlib.import_module("sre_constants")
    try:
        re.compile(regex.encode("utf-8"))
        return sre_parse, sre_c, sre_parse.parse(regex)
    except re.error as exc:
        return f"does not compile: {exc}"


def _ops(items: Any, consts: Any) -> Iterable[tuple[Any, Any]]:
    """Every (op, argument) in a parsed regex, nested ones included."""
    for op, av in items:
        yield op, av
        if op in (consts.MAX_REPEAT, consts.MIN_REPEAT) or op is getattr(
            consts, "POSSESSIVE_REPEAT", None
        ):
            yield from _ops(av[2], consts)
        elif op is consts.SUBPATTERN:
            yield from _ops(av[-1], consts)
        elif op is consts.BRANCH:
            for branch in av[1]:
                yield from _ops(branch, consts)
        elif op in (consts.ASSERT, consts.ASSERT_NOT):
            yield from _ops(av[1], consts)
        elif getattr(consts, "ATOMIC_GROUP", None) is not None and op is consts.ATOMIC_GROUP:
            yield from _ops(av, consts)


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


LOOP = 8  # a repeat that may run more times than this is a loop for the backtracking guard
UNBOUNDED = 1000  # ... and one that may run more than this counts as unbounded
MAX_PATTERN = 4096  # characters: a longer custom pattern is refused before it is walked
# Bounded variable repeats in a row whose text overlaps split the same input in the product of
# their widths: `.{0,1000}.{0,1000}.{0,1000}` is 10⁹ ways at each start.
SPLITS_MAX = 100_000
_ALL = frozenset(range(256))
_CATEGORIES = {  # what each class escape matches in a bytes pattern (ASCII)
    "CATEGORY_DIGIT": frozenset(range(0x30, 0x3A)),
    "CATEGORY_SPACE": frozenset(b" \t\n\r\f\v"),
    "CATEGORY_WORD": frozenset(b"_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
}


def backtracking_risk(pattern: str) -> str | None:
    """Why `pattern` could backtrack catastrophically, or None.

    Refused, inside a repeat that may run more than `LOOP` times (a loop):
    - an unbounded repeat nested in an unbounded one: `(a+)+`;
    - alternatives that can start with the same character, or match nothing: `(?:a|a)*`,
      `(?:\\w|\\d)+`, `(?:a|b?)*` (`re` factors a common literal prefix out first, so
      `(?:ab|ac)*` passes);
    - a variable repeat whose text can also start what follows it in the loop, so the same
      input splits many ways: `(?:a{1,2})*`, `(?:a?a)*` (but `(?:-?x)*` passes).
    Python's `re` backtracks through every split: each such shape is exponential. What the
    guard cannot see (polynomial shapes such as `\\w*\\w*\\w*x`) a custom rule's time budget
    stops (`patlint.detectors.pattern.REGEX_BUDGET`).
    """
    import importlib

    if len(pattern) > MAX_PATTERN:
        return f"longer than {MAX_PATTERN} characters"
    try:  # Python 3.11+
        sre_parse: Any = importlib.import_module("re._parser")
        sre_c: Any = importlib.import_module("re._constants")
    except ImportError:  # Python 3.10
        sre_parse = importlib.import_module("sre_parse")
        sre_c = importlib.import_module("sre_constants")
    return _Guard(sre_c).check(sre_parse.parse(pattern))


class _Guard:
    """The walk behind `backtracking_risk` over `re`'s parse tree (first sets over bytes)."""

    def __init__(self, sre_c: Any) -> None:
        self.c = sre_c
        self.repeats = {
            op
            for op in (
                sre_c.MAX_REPEAT,
                sre_c.MIN_REPEAT,
                getattr(sre_c, "POSSESSIVE_REPEAT", None),
            )
            if op is not None
        }
        self.ignorecase = sre_c.SRE_FLAG_IGNORECASE

    def check(self, parsed: Any) -> str | None:
        fold = bool(parsed.state.flags & self.ignorecase)
        self.memo: dict[tuple[Any, int, bool], tuple[frozenset[int], bool]] = {}
        # Small repeats that multiply past LOOP, side by side or nested (`(?:a|a){8}` four
        # times: 2³² ways) are loops too.
        self.loop = LOOP if self.weight(list(parsed), 1) <= LOOP else 1
        return self.walk(list(parsed), fold, _Ctx())

    def weight(self, items: list[Any], times: int) -> int:
        """Turns of the small repeats (2 to LOOP) in `items`, each times those around it."""
        total = 0
        for op, av in items:
            for sub, n in self.children(op, av):
                if op in self.repeats and 1 < av[1] <= LOOP:
                    total += av[1] * times
                total += self.weight(sub, times * n)
                if total > LOOP:
                    return total
        return total

    def children(self, op: Any, av: Any) -> list[tuple[list[Any], int]]:
        """The sequences directly inside an item, with how often each may run."""
        c = self.c
        if op in self.repeats:
            return [(list(av[2]), max(1, min(av[1], UNBOUNDED)))]
        if op is c.SUBPATTERN:
            return [(list(av[-1]), 1)]
        if op is c.BRANCH:
            return [(list(b), 1) for b in av[1]]
        if op in (c.ASSERT, c.ASSERT_NOT):
            return [(list(av[1]), 1)]
        if op is getattr(c, "ATOMIC_GROUP", None):
            return [(list(av), 1)]
        if op is c.GROUPREF_EXISTS:
            return [(list(b), 1) for b in av[1:] if b is not None]
        return []

    # -- first sets ---------------------------------------------------------------------------

    def first_seq(self, items: list[Any], fold: bool) -> tuple[frozenset[int], bool]:
        """Bytes a match of the sequence can start with, and whether it can match nothing."""
        out: set[int] = set()
        for op, av in items:
            first, empty = self.first(op, av, fold)
            out |= first
            if not empty:
                return frozenset(out), False
        return frozenset(out), True

    def first(self, op: Any, av: Any, fold: bool) -> tuple[frozenset[int], bool]:
        key = (op, id(av), fold)  # the parse tree lives as long as the check: ids are stable
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = self._first(op, av, fold)
        return got

    def _first(self, op: Any, av: Any, fold: bool) -> tuple[frozenset[int], bool]:
        c = self.c
        if op is c.LITERAL:
            return self.literal(av, fold), False
        if op is c.NOT_LITERAL:
            return _ALL - self.literal(av, fold), False
        if op is c.ANY:
            return _ALL, False
        if op is c.IN:
            return self.klass(av, fold), False
        if op is c.SUBPATTERN:
            return self.first_seq(list(av[-1]), self.fold(av, fold))
        if op is c.BRANCH:
            firsts = [self.first_seq(list(b), fold) for b in av[1]]
            return frozenset().union(*(f for f, _ in firsts)), any(e for _, e in firsts)
        if op in self.repeats:
            first, empty = self.first_seq(list(av[2]), fold)
            return first, empty or av[0] == 0
        if op is getattr(c, "ATOMIC_GROUP", None):
            return self.first_seq(list(av), fold)
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            return frozenset(), True
        return _ALL, True  # back-references and the rest: anything, possibly nothing

    def literal(self, code: int, fold: bool) -> frozenset[int]:
        if code > 255:
            return _ALL
        if fold and chr(code).isascii() and chr(code).isalpha():
            return frozenset({ord(chr(code).lower()), ord(chr(code).upper())})
        return frozenset({code})

    def klass(self, items: Any, fold: bool) -> frozenset[int]:
        c = self.c
        out: set[int] = set()
        negate = False
        for op, av in items:
            if op is c.NEGATE:
                negate = True
            elif op is c.LITERAL:
                out |= self.literal(av, fold)
            elif op is c.RANGE:
                lo, hi = av
                if hi > 255:
                    return _ALL
                for code in range(lo, hi + 1):
                    out |= self.literal(code, fold)
            elif op is c.CATEGORY and str(av) in _CATEGORIES:
                out |= _CATEGORIES[str(av)]
            else:  # a negated category (\\W, \\S, \\D) or anything unusual
                return _ALL
        return _ALL - out if negate else frozenset(out)

    def fold(self, av: Any, fold: bool) -> bool:
        _group, add, remove = av[0], av[1], av[2]
        return (fold or bool(add & self.ignorecase)) and not remove & self.ignorecase

    # -- the walk -----------------------------------------------------------------------------

    def walk(self, items: list[Any], fold: bool, ctx: _Ctx) -> str | None:
        """The first risk in `items` (a sequence) in context `ctx`, or None."""
        c = self.c
        firsts = [self.first(op, av, fold) for op, av in items]
        split = self.split_product(items, firsts)
        if split > SPLITS_MAX:
            return (
                f"bounded repeats in a row whose text overlaps (more than {SPLITS_MAX:,} ways "
                "to split the same input)"
            )
        # What can follow each item in this sequence (and whether nothing must), from the end:
        # one pass instead of a first set of every suffix (quadratic on long patterns).
        suffix: list[tuple[frozenset[int], bool]] = [(frozenset(), True)] * (len(items) + 1)
        for k in range(len(items) - 1, -1, -1):
            f, e = firsts[k]
            after, after_empty = suffix[k + 1]
            suffix[k] = (f | after if e else f, e and after_empty)
        head_empty = True
        for k, (op, av) in enumerate(items):
            rest, rest_empty = suffix[k + 1]
            here = ctx.at(rest | ctx.follow if rest_empty else rest, rest_empty)
            if not head_empty:
                here = replace(here, head_empty=False)
            head_empty = head_empty and firsts[k][1]
            found: str | None = None
            if op in self.repeats:
                found = self.repeat(op, av, fold, here)
            elif op is c.SUBPATTERN:
                found = self.walk(list(av[-1]), self.fold(av, fold), here)
            elif op is c.BRANCH:
                branches = [list(b) for b in av[1]]
                if here.loops:
                    found = self.branch_risk(branches, fold, here)
                for b in branches:
                    found = found or self.walk(b, fold, here)
            elif op in (c.ASSERT, c.ASSERT_NOT):
                found = self.walk(list(av[1]), fold, _Ctx(here.loops, here.unbounded))
            elif op is getattr(c, "ATOMIC_GROUP", None):
                found = self.walk(list(av), fold, here)
            elif op is c.GROUPREF_EXISTS:
                for b in av[1:]:
                    if b is not None:
                        found = found or self.walk(list(b), fold, here)
            if found:
                return found
        return None

    def split_product(self, items: list[Any], firsts: list[tuple[frozenset[int], bool]]) -> int:
        """Ways bounded variable repeats in this sequence can split text they all match: per
        run of them (ended by a required item none of them can match, as `b` ends `a?` in
        `a?ba?b`), the product of the widths of those whose first bytes overlap another's."""
        worst = 1
        run: list[tuple[frozenset[int], int]] = []
        covered: frozenset[int] = frozenset()
        for (op, av), (first, empty) in zip(items, firsts, strict=True):
            if op in self.repeats and av[0] != av[1] and av[1] <= UNBOUNDED:
                run.append((first, av[1] - av[0] + 1))
                covered |= first
            elif not empty and not first & covered:
                worst = max(worst, self._product(run))
                run, covered = [], frozenset()
        return max(worst, self._product(run))

    @staticmethod
    def _product(run: list[tuple[frozenset[int], int]]) -> int:
        product = 1
        for i, (first, width) in enumerate(run):
            if any(first & other for j, (other, _) in enumerate(run) if j != i):
                product *= width
                if product > SPLITS_MAX:
                    break
        return product

    def repeat(self, op: Any, av: Any, fold: bool, here: _Ctx) -> str | None:
        lo, hi, sub = av
        body = list(sub)
        unbounded = hi > UNBOUNDED
        if unbounded and here.unbounded:
            return "an unbounded repeat nested inside another"
        first, _ = self.first_seq(body, fold)
        possessive = op is getattr(self.c, "POSSESSIVE_REPEAT", None)  # never backtracked into
        if here.loops and lo != hi and not possessive and self.splits(first, hi, here):
            return (
                "a variable repeat inside a repeat, whose text can also start what follows it "
                "(the same input splits many ways)"
            )
        if hi > self.loop and not possessive:  # a loop of its own: its body's context afresh
            after = here.follow | here.wrap if here.at_end else here.follow
            inner = _Ctx(here.loops + 1, here.unbounded + unbounded, wrap=first | after)
        else:
            inner = replace(
                here,
                unbounded=here.unbounded + unbounded,
                follow=here.follow | first if hi > 1 else here.follow,
            )
        return self.walk(body, fold, inner)

    def splits(self, first: frozenset[int], hi: int, here: _Ctx) -> bool:
        """True when a part that may match more or less text (starting with `first`) leaves
        text that what follows it could take instead, inside a loop: the same input then
        splits many ways. Following text is the rest of the loop's body, or, at its end, the
        next turn; an optional part (`?`) with nothing before it in the turn is not counted
        there: taking nothing makes an empty turn, which `re` cuts off."""
        if first & here.follow:
            return True
        return here.at_end and bool(first & here.wrap) and not (hi == 1 and here.head_empty)

    def branch_risk(self, branches: list[list[Any]], fold: bool, here: _Ctx) -> str | None:
        """Why alternatives inside a loop are ambiguous, or None."""
        seen: set[int] = set()
        empty = 0
        for b in branches:
            first, nullable = self.first_seq(b, fold)
            empty += nullable
            if empty > 1:
                return "alternatives that can both match nothing, inside a repeat"
            if first & seen:
                return "alternatives that can start with the same character, inside a repeat"
            seen |= first
        if empty and self.splits(frozenset(seen), 1, here):  # (?:a|) is a?
            return (
                "an optional alternative inside a repeat, whose text can also start what "
                "follows it (the same input splits many ways)"
            )
        return None


@dataclass(frozen=True, slots=True)
class _Ctx:
    """Where the guard's walk is: `loops` / `unbounded` repeats around it; inside the innermost
    loop, `follow`: bytes that can come next in the loop's body; `at_end`: the rest of the body
    can match nothing, so the next turn (`wrap`: its first bytes, or what follows the loop) may
    come next; `head_empty`: everything before, in this turn, can match nothing."""

    loops: int = 0
    unbounded: int = 0
    follow: frozenset[int] = frozenset()
    at_end: bool = True
    head_empty: bool = True
    wrap: frozenset[int] = frozenset()

    def at(self, follow: frozenset[int], rest_empty: bool) -> _Ctx:
        """The context of one item of a sequence, given what follows it in the sequence."""
        return replace(self, follow=follow, at_end=self.at_end and rest_empty)


def check_unique(rules: Sequence[Rule]) -> None:
    """Raise RuleError when an id is defined twice."""
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleError(
                f"{rule.source}: rule {rule.id!r}: field 'id': already defined in {seen[rule.id]}"
            )
        seen[rule.id] = rule.source
