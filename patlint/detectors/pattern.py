"""The hot path: literal keyword triggers → rule regexes → validators, over raw bytes.

Every keyword also yields its percent-encoded and base64 forms (at all three byte
alignments), so `{"auth": "b2N0b2NhdDpnaHBf…"}` is found without decoding every base64
string in the tree: only a region around a trigger hit is decoded and scanned again.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fnmatch
import re
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from patlint.catalog.rules import trigger_required_text
from patlint.detectors.triggers import Shape, TriggerFinder, make_finder
from patlint.detectors.validators import validate
from patlint.model import Rule
from patlint.suppress import suppression_at

# Seconds each custom rule's pattern may run on one file (built-in patterns are linear: no budget).
REGEX_BUDGET = 2.0
MAX_DEPTH = 2  # base64 inside base64 (a Kubernetes dockerconfigjson) is as deep as we go
# Keys whose value is base64 of a whole Docker config (itself holding base64 auths): the value is
# decoded as a unit. They share a first byte with the base64 triggers, so they cost no extra pass.
CONTAINER_KEYS = (b"dockerconfigjson", b"dockercfg")
_VALUE_START = re.compile(rb"""["']?\s*[:=]\s*["']?""")
_B64_CLASS = rb"A-Za-z0-9+/_="
_URL_CLASS = rb"A-Za-z0-9%._~+:@/=&?"
_REGION = 4096  # how far a decoded region may extend on each side of a trigger

_KEY_BEFORE = re.compile(
    rb"""([A-Za-z_][A-Za-z0-9_.\-]{0,80})["']?\s*(?::=|=>|=|:)\s*["']?"""
    rb"""(?:(?:Bearer|bearer|token|Token|Basic|basic)\s+)?(?:[^\s"':@/]{0,100}:)?$"""
)
_URL_BEFORE = re.compile(rb"(https?)://(?:[^\s:@/\"'<>]{0,100}(?::|%3A))?$", re.IGNORECASE)
_FLAG_BEFORE = re.compile(rb"(--password|-p|--token|--with-token)[= ]\s*[\"']?$")
_HOST_AFTER = re.compile(rb"(?:@|%40)([A-Za-z0-9.-]{1,253})")


@dataclass(frozen=True, slots=True)
class Hit:
    """A validated token match inside one buffer (offsets are relative to that buffer)."""

    rule: Rule
    token: str
    offset: int
    checksum_valid: bool | None
    encoding: str | None = None
    key: str | None = None
    host: str | None = None
    suppress: str | None = None  # "*" (all rules) or a comma list of rule ids
    # Where the bytes the token was read from end: the token's own end, or the end of the
    # encoded run it was decoded from (`offset` is then where that run starts).
    end: int = -1


@dataclass(frozen=True, slots=True)
class _Trigger:
    rules: tuple[int, ...]
    encoding: str | None  # None, "percent", "base64"
    shift: int  # base64: characters from the quad start to the literal


def _b64_forms(keyword: bytes) -> list[tuple[bytes, int]]:
    """The base64 characters fully determined by `keyword` at each byte alignment."""
    forms = []
    for k, (start, lost) in enumerate(((0, 0), (2, 4), (3, 2))):
        enc = base64.b64encode(b"\0" * k + keyword)
        n = (len(keyword) * 8 - lost) // 6
        if n >= 4:
            forms.append((enc[start : start + n], start))
    return forms


class Detector:
    """Compiled detection rules; `scan` returns validated hits in one buffer."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = [r for r in rules if r.kind == "detector"]
        self._regex = [re.compile(r.pattern.encode("utf-8")) for r in self.rules]
        self._path_rules = {i for i, r in enumerate(self.rules) if r.paths}
        # fnmatchcase(x, p) is re.match(fnmatch.translate(p), x): one compiled regex per rule.
        self._path_regex = {
            i: re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in self.rules[i].paths))
            for i in self._path_rules
        }
        self._compiled: dict[frozenset[int], tuple[dict[bytes, list[_Trigger]], TriggerFinder]] = {}
        self._base = frozenset(i for i in range(len(self.rules)) if i not in self._path_rules)
        self._any_finder: TriggerFinder | None = None
        # Custom rules (from a rule folder) run on a time budget per file: `begin_file` resets it.
        self._custom = frozenset(i for i, r in enumerate(self.rules) if r.custom)
        self.budget = REGEX_BUDGET
        self._spent: dict[int, float] = {}
        self._gave_up: list[str] = []

    def begin_file(self) -> None:
        """A new file: each custom rule has its whole time budget again."""
        self._spent.clear()
        self._gave_up.clear()

    def take_timeouts(self) -> list[str]:
        """Ids of the custom rules that ran out of time since `begin_file` (then forgotten)."""
        out, self._gave_up = self._gave_up, []
        return out

    def _triggers_for(
        self, active: frozenset[int]
    ) -> tuple[dict[bytes, list[_Trigger]], TriggerFinder]:
        """Trigger table and the finder for its literals, for a set of active rules (cached)."""
        cached = self._compiled.get(active)
        if cached is not None:
            return cached
        triggers = self._table(active)
        plain = [lit for lit, ts in triggers.items() if any(t.encoding is None for t in ts)]
        encoded = [lit for lit, ts in triggers.items() if any(t.encoding for t in ts)]
        finder = make_finder(plain, encoded)
        self._compiled[active] = (triggers, finder)
        return triggers, finder

    def _table(
        self, active: frozenset[int], *, shaped: frozenset[int] = frozenset()
    ) -> dict[bytes, list[_Trigger]]:
        """Every keyword literal of the `active` rules, plain and encoded, with the rules it
        triggers; the `shaped` rules add their encoded keywords only (their trigger stands
        for the plain ones)."""
        table: dict[bytes, dict[tuple[str | None, int], set[int]]] = defaultdict(
            lambda: defaultdict(set)
        )
        for i in sorted(active):
            rule = self.rules[i]
            encodable = rule.token_kind not in ("legacy",)
            for kw in rule.keywords:
                raw = kw.encode("utf-8")
                if i not in shaped:
                    table[raw][(None, 0)].add(i)
                if not encodable:
                    continue
                if b"_" in raw:
                    for esc in (b"%5F", b"%5f"):
                        table[raw.replace(b"_", esc)][("percent", 0)].add(i)
                for form, shift in _b64_forms(raw):
                    table[form][("base64", shift)].add(i)
        encodable_ids = {i for i in active if self.rules[i].token_kind not in ("legacy",)}
        if encodable_ids:
            for key in CONTAINER_KEYS:
                table[key][("container", 0)].update(encodable_ids)
        return {
            lit: [_Trigger(tuple(sorted(ids)), enc, shift) for (enc, shift), ids in kinds.items()]
            for lit, kinds in table.items()
        }

    def may_hit(self, data: bytes) -> bool:
        """False when `scan` would find nothing in `data`, whatever the file's path: no keyword
        of any rule in any encoding, and no rule's `trigger` shape where its keywords alone
        are too common (`github`). One pass that stops at the first match."""
        return self._finder_of_all().any(data)

    def may_hit_checker(self) -> Callable[[bytes], bool]:
        """`may_hit` as one callable, for a loop over many buffers in this process."""
        return self._finder_of_all().any_checker()

    def prepare(self) -> None:
        """Compile every finder a tree scan needs now (before workers are forked, not in each)."""
        self._finder_of_all().prepare()
        self._triggers_for(self._base)

    def _finder_of_all(self) -> TriggerFinder:
        finder = self._any_finder
        if finder is None:
            every = frozenset(range(len(self.rules)))
            shaped = frozenset(i for i in every if self.rules[i].trigger is not None)
            table = self._table(every, shaped=shaped)
            plain = [lit for lit, ts in table.items() if any(t.encoding is None for t in ts)]
            encoded = [lit for lit, ts in table.items() if any(t.encoding for t in ts)]
            shapes = []
            for i in sorted(shaped):
                trigger = self.rules[i].trigger
                assert trigger is not None
                shapes.append(
                    Shape(
                        tuple(lit.encode() for lit in trigger.literals),
                        trigger.before.encode(),
                        trigger.after.encode(),
                        tuple(text.encode() for text in trigger_required_text(trigger)),
                    )
                )
            finder = make_finder(plain, encoded, shapes)
            self._any_finder = finder
        return finder

    def rules_for_path(self, relpath: str) -> frozenset[int] | None:
        """Indexes of path-restricted rules that apply to `relpath` (None: no restrictions)."""
        if not self._path_rules:
            return None
        name = relpath.rsplit("/", 1)[-1]
        return frozenset(
            i for i, rx in self._path_regex.items() if rx.match(relpath) or rx.match(name)
        )

    def scan(
        self, data: bytes, *, allowed: frozenset[int] | None = None, depth: int = 0
    ) -> list[Hit]:
        """Validated hits in `data`; `allowed` lists the path-restricted rules that apply."""
        active = self._base if not allowed else self._base | allowed
        table, finder = self._triggers_for(active)
        where: dict[int, list[int]] = {}  # rule index -> keyword offsets
        encoded: list[tuple[int, _Trigger, int]] = []
        present, positions = finder.find(data, with_encoded=depth < MAX_DEPTH)
        for lit, offsets in present.items():
            for trig in table[lit]:
                if trig.encoding is None:
                    for i in trig.rules:
                        where.setdefault(i, []).extend(offsets)
        for start, lit, end in positions:
            for trig in table[lit]:
                if trig.encoding is not None:
                    encoded.append((start, trig, end))
        hits: list[Hit] = []
        for i in sorted(where):
            rule = self.rules[i]
            matches = _matches(self._regex[i], data, rule.window, where[i])
            if i in self._custom:
                matches = iter(self._within_budget(i, matches))
            for m in matches:
                token = m.group(1).decode("ascii", "replace")
                ok, checksum = validate(token, rule.validator, rule.entropy)
                if ok:
                    hits.append(self._hit(rule, token, m.start(1), m.end(1), checksum, data))
        if encoded:
            hits.extend(self._decode_and_scan(data, encoded, allowed, depth))
        return _dedupe(hits)

    def _within_budget(self, i: int, matches: Iterator[re.Match[bytes]]) -> list[re.Match[bytes]]:
        """The matches a custom rule finds before its budget for this file runs out; when it
        does, the rule is given up on for the rest of the file (`take_timeouts` names it)."""
        spent = self._spent.get(i, 0.0)
        if spent >= self.budget:
            return []
        found: list[re.Match[bytes]] = []
        start = time.perf_counter()
        try:
            with deadline(self.budget - spent):
                for m in matches:
                    found.append(m)
        except RegexTimeout:
            spent = self.budget
            self._gave_up.append(self.rules[i].id)
        self._spent[i] = max(spent, self._spent.get(i, 0.0) + time.perf_counter() - start)
        return found

    def _hit(
        self, rule: Rule, token: str, start: int, end: int, checksum: bool | None, data: bytes
    ) -> Hit:
        key, host = context_at(data, start, end)
        suppress = suppression_at(data, start)
        return Hit(rule, token, start, checksum, key=key, host=host, suppress=suppress, end=end)

    def _decode_and_scan(
        self,
        data: bytes,
        encoded: list[tuple[int, _Trigger, int]],
        allowed: frozenset[int] | None,
        depth: int,
    ) -> list[Hit]:
        hits: list[Hit] = []
        done: set[tuple[int, int]] = set()
        for pos, trig, _end in encoded:
            if trig.encoding == "container":
                m = _VALUE_START.match(data, _end)
                value_at = m.end() if m else _end
                start, stop = _span(data, value_at, _B64_CLASS)
                start = value_at
                if stop - start < 8 or (start, stop) in done:
                    continue
                done.add((start, stop))
                chunk = data[start:stop].rstrip(b"=")
                try:
                    decoded = base64.b64decode(chunk + b"=" * (-len(chunk) % 4))
                except (binascii.Error, ValueError):
                    continue
                where = start
            elif trig.encoding == "base64":
                region = _base64_region(data, pos - trig.shift)
                if region is None or region in done:
                    continue
                done.add(region)
                start, stop = region
                chunk = data[start:stop].replace(b"-", b"+").replace(b"_", b"/")
                try:
                    decoded = base64.b64decode(chunk + b"=" * (-len(chunk) % 4))
                except (binascii.Error, ValueError):
                    continue
                where = _b64_run(data, start)[0]
            else:
                start, stop = _span(data, pos, _URL_CLASS)
                if (start, stop) in done:
                    continue
                done.add((start, stop))
                decoded = urllib.parse.unquote_to_bytes(data[start:stop])
                where = start
            key, host = context_at(data, where, stop)
            suppress = suppression_at(data, where)
            for h in self.scan(decoded, allowed=allowed, depth=depth + 1):
                hits.append(
                    Hit(
                        h.rule,
                        h.token,
                        where,
                        h.checksum_valid,
                        encoding=_nested(trig.encoding, h.encoding),
                        key=key or h.key,
                        host=h.host or host,
                        suppress=h.suppress or suppress,
                        end=max(stop, where + 1),
                    )
                )
        return hits


class RegexTimeout(Exception):
    """A custom rule's pattern ran past its time budget (raised from SIGALRM)."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise RegexTimeout inside the block after `seconds`.

    `re` checks for signals while it backtracks, so a SIGALRM handler can stop a runaway
    match. Signals reach the main thread only, which is where scans run (in the parent and in
    each worker process); elsewhere (a thread, or a platform without setitimer) the block runs
    unbounded and only the load-time guard (`backtracking_risk`) protects. A timer someone else
    set is never touched.
    """
    import signal
    import threading

    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0
    ):
        yield
        return
    armed = True

    def on_alarm(signum: int, frame: object) -> None:
        if armed:
            raise RegexTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _matches(
    rx: re.Pattern[bytes], data: bytes, window: tuple[int, int] | None, offsets: list[int]
) -> Iterator[re.Match[bytes]]:
    """The rule's matches: in the whole buffer, or only in windows around its keywords."""
    if window is None:
        yield from rx.finditer(data)
        return
    for lo, hi in windows(offsets, window, len(data)):
        yield from _in_window(rx, data, lo, hi)


def windows(offsets: list[int], window: tuple[int, int], size: int) -> Iterator[tuple[int, int]]:
    """[lo, hi) spans around the keyword offsets, overlapping or touching ones merged.

    Two windows merge when their keywords are at most before + after apart: one subtraction
    per keyword. A changelog with 7,000 GitHub links, in each of its thousands of versions in
    a history scan, made a min/max per keyword the slowest part of the scan.
    """
    before, after = window
    span = before + after
    offs = sorted(set(offsets))
    if not offs:
        return
    first = prev = offs[0]
    for off in offs:
        if off - prev > span:
            lo, hi = max(0, first - before), min(size, prev + after)
            if hi > lo:
                yield lo, hi
            first = off
        prev = off
    lo, hi = max(0, first - before), min(size, prev + after)
    if hi > lo:
        yield lo, hi


def _in_window(rx: re.Pattern[bytes], data: bytes, lo: int, hi: int) -> Iterator[re.Match[bytes]]:
    """Matches starting in data[lo:hi], each confirmed on the whole buffer."""
    # To `re` the window's end is the end of the string: `(?![A-Za-z0-9])` passed there even
    # when the value went on (the first 40 characters of a 64-hex digest became a token).
    for m in rx.finditer(data, lo, hi):
        full = rx.match(data, m.start())
        if full is not None:
            yield full


def _nested(outer: str | None, inner: str | None) -> str | None:
    outer = "base64" if outer == "container" else outer
    return outer if inner is None else f"{outer}+{inner}"


def _dedupe(hits: list[Hit]) -> list[Hit]:
    seen: set[tuple[str, str, int]] = set()
    out = []
    for h in sorted(hits, key=lambda h: h.offset):
        k = (h.rule.id, h.token, h.offset)
        if k not in seen:
            seen.add(k)
            out.append(h)
    return out


_CHARSETS: dict[bytes, tuple[re.Pattern[bytes], re.Pattern[bytes]]] = {
    cls: (re.compile(rb"[" + cls + rb"-]*"), re.compile(rb"[^" + cls + rb"-]"))
    for cls in (_B64_CLASS, _URL_CLASS)
}


def _span(data: bytes, pos: int, cls: bytes) -> tuple[int, int]:
    """The run of characters of class `cls` around `pos`, at most _REGION each side."""
    run, other = _CHARSETS[cls]
    window = data[max(0, pos - _REGION) : pos][::-1]
    m = other.search(window)
    left = pos - (m.start() if m else len(window))
    m2 = run.match(data, pos, min(len(data), pos + _REGION))
    right = m2.end() if m2 else pos
    return left, right


def _b64_run(data: bytes, pos: int) -> tuple[int, int]:
    """The base64 run around `pos`; it starts after any `=` on its left (`KEY=<base64>`)."""
    left, right = _span(data, pos, _B64_CLASS)
    pad = data.rfind(b"=", left, pos)  # padding ends a base64 value: a later one starts after it
    return (pad + 1 if pad >= 0 else left), right


def _base64_region(data: bytes, quad_start: int) -> tuple[int, int] | None:
    """A 4-aligned slice around a base64 trigger (aligned on the trigger's quad)."""
    if quad_start < 0:
        return None
    left, right = _b64_run(data, quad_start)
    start = quad_start - ((quad_start - left) // 4) * 4
    stop = right
    while stop > start and data[stop - 1 : stop] == b"=":
        stop -= 1
    stop = (
        start + ((stop - start) // 4) * 4 + ((stop - start) % 4 if (stop - start) % 4 >= 2 else 0)
    )
    return (start, stop) if stop - start >= 8 else None


def context_at(data: bytes, start: int, end: int) -> tuple[str | None, str | None]:
    """The key or field a token is the value of, and the host a URL credential is for."""
    line_start = data.rfind(b"\n", max(0, start - 300), start) + 1
    before = data[max(line_start, start - 300) : start]
    key: str | None = None
    host: str | None = None
    # Each `…$` search tries every start in `before`: run only those whose anchor is present.
    m = _URL_BEFORE.search(before) if b"://" in before else None
    if m:
        key = f"{m.group(1).decode().lower()} URL credential"
    else:
        m = _FLAG_BEFORE.search(before) if b"-" in before else None
        if m:
            key = f"{m.group(1).decode()} argument"
        else:
            m = _KEY_BEFORE.search(before) if b"=" in before or b":" in before else None
            if m:
                key = m.group(1).decode("ascii", "replace")
    after = _HOST_AFTER.match(data, end, min(len(data), end + 260))
    if after:
        host = after.group(1).decode("ascii").lower().rstrip(".")
    return key, host
