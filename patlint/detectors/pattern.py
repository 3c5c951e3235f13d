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
from patlint.model import Rule, Skip
from patlint.suppress import suppression_at

# Seconds each custom rule's pattern may run on one file (built-in patterns are linear: no budget).
REGEX_BUDGET = 2.0
# Per scan (per process): a custom rule that ran out of time on this many files, or spent this
# many seconds in all, is dropped for the rest of the scan (2 s × 10,000 files was 5.5 hours).
RULE_TIMEOUTS_MAX = 3
RULE_SECONDS_MAX = 30.0
MAX_DEPTH = 2  # base64 inside base64 (a Kubernetes dockerconfigjson) is as deep as we go
# Keys whose value is base64 of a whole Docker config (itself holding base64 auths): the value is
# decoded as a unit. They share a first byte with the base64 triggers, so they cost no extra pass.
CONTAINER_KEYS = (b"dockerconfigjson", b"dockercfg")
_VALUE_START = re.compile(rb"""["']?\s*[:=]\s*["']?""")
_B64_CLASS = rb"A-Za-z0-9+/_="
_URL_CLASS = rb"A-Za-z0-9%._~+:@/=&?"
_REGION = 4096  # how far a decoded region may extend on each side of a trigger
# A trigger this far inside the last region decoded for its encoding and alignment is covered
# by it: any token starting there (at most 1.5 KB decoded) was in that region. Without this, a
# megabyte of base64 fragments of "ghp_" (a trigger every 5 bytes) decoded 8 KB per trigger.
_COVER = _REGION // 2
# Validated tokens per file: past this, the rest of the file is not searched (a notice, and the
# file counts as incomplete). Each token costs judging and reporting: 25,000 checksum-valid
# fakes in 1 MB took 8 s and 290 MB; a real file holds a handful.
MAX_HITS_PER_FILE = 1000
# Bytes decoded (base64, percent) per file: 2 per byte read, plus 256 KiB. A real file decodes
# each encoded run about once; one made of encoded fragments of a prefix would decode every
# byte at four alignments, twice over. Past it: a notice, and the file counts as incomplete.
_DECODE_PER_BYTE = 2
_DECODE_EXTRA = 256 << 10

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
        self._scan_timeouts: dict[int, int] = {}  # per custom rule, in this scan
        self._scan_spent: dict[int, float] = {}
        self._dropped: set[int] = set()
        self._newly_dropped: list[tuple[str, str]] = []  # rule id, why
        self.max_hits = MAX_HITS_PER_FILE
        self._hits = 0  # validated hits in this file
        self._capped: str | None = None  # why the rest of this file was not searched
        self._decode_left = _DECODE_EXTRA  # bytes this file may still decode

    def begin_file(self) -> None:
        """A new file: each custom rule has its whole time budget again, and the hit count
        starts over."""
        self._spent.clear()
        self._gave_up.clear()
        self._hits = 0
        self._capped = None
        self._decode_left = _DECODE_EXTRA

    def take_capped(self) -> tuple[str, str] | None:
        """Skip reason and detail when part of this file was not searched since `begin_file`
        (more than `max_hits` tokens, or more encoded text than a file holds); then forgotten."""
        why, self._capped = self._capped, None
        if why is None:
            return None
        if why == "too-many-tokens":
            return why, f"more than {self.max_hits} tokens in one file; the rest was not searched"
        return why, "more encoded text than one file decodes; the rest was not decoded"

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
        if depth == 0:
            self._decode_left += _DECODE_PER_BYTE * len(data)
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
                    if self._hits >= self.max_hits:
                        self._capped = "too-many-tokens"
                        break
                    self._hits += 1
                    hits.append(self._hit(rule, token, m.start(1), m.end(1), checksum, data))
        if encoded and self._capped is None:
            encoded.sort(key=lambda e: e[0])
            hits.extend(self._decode_and_scan(data, encoded, allowed, depth))
        return _dedupe(hits)

    def _within_budget(self, i: int, matches: Iterator[re.Match[bytes]]) -> list[re.Match[bytes]]:
        """The matches a custom rule finds before its budget for this file runs out; when it
        does, the rule is given up on for the rest of the file (`take_timeouts` names it)."""
        spent = self._spent.get(i, 0.0)
        if spent >= self.budget or i in self._dropped:
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
            self._scan_timeouts[i] = self._scan_timeouts.get(i, 0) + 1
        took = time.perf_counter() - start
        self._spent[i] = max(spent, self._spent.get(i, 0.0) + took)
        self._scan_spent[i] = self._scan_spent.get(i, 0.0) + took
        if self._scan_timeouts.get(i, 0) >= RULE_TIMEOUTS_MAX:
            self._drop(i, f"after running out of time on {RULE_TIMEOUTS_MAX} files")
        elif self._scan_spent[i] >= RULE_SECONDS_MAX:
            self._drop(i, f"after {RULE_SECONDS_MAX:g}s in all")
        return found

    def _drop(self, i: int, why: str) -> None:
        self._dropped.add(i)
        self._newly_dropped.append((self.rules[i].id, why))

    def budget_report(self, where: str) -> tuple[list[str], list[Skip]]:
        """Notices and incomplete marks for the custom rules that ran out of time on `where`
        since `begin_file`, and for those dropped for the rest of the scan (then forgotten)."""
        notices: list[str] = []
        skips: list[Skip] = []
        for rid in self.take_timeouts():
            notices.append(
                f"rule {rid}: gave up on {where} after {self.budget:g}s (its pattern backtracks "
                "too much); that rule did not finish searching this file"
            )
            skips.append(Skip(where, "rule-timeout", f"rule {rid} gave up after {self.budget:g}s"))
        dropped, self._newly_dropped = self._newly_dropped, []
        for rid, why in dropped:
            notices.append(
                f"rule {rid}: dropped for the rest of the scan {why}; the files after that were "
                "not searched by it"
            )
            skips.append(Skip(f"<rule {rid}>", "rule-timeout", f"dropped {why}"))
        return notices, skips

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
        # encoding and alignment -> the last region decoded: start, stop, whether its run ended
        last: dict[tuple[str | None, int], tuple[int, int, bool]] = {}
        for pos, trig, _end in encoded:
            if self._capped is not None:
                break
            at = pos - trig.shift if trig.encoding == "base64" else pos
            kind = (trig.encoding, at % 4 if trig.encoding == "base64" else 0)
            c = last.get(kind)
            if c is not None and c[0] <= at and (at + _COVER <= c[1] or (c[2] and at < c[1])):
                continue  # a token starting here was inside that region
            if trig.encoding == "container":
                m = _VALUE_START.match(data, _end)
                value_at = m.end() if m else _end
                start, stop = _span(data, value_at, _B64_CLASS)
                start = value_at
                if stop - start < 8 or (start, stop) in done:
                    continue
                done.add((start, stop))
                last[kind] = (start, stop, stop < value_at + _REGION)
                if not self._may_decode(stop - start):
                    break
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
                last[kind] = (start, stop, stop + 8 < at + _REGION)
                if not self._may_decode(stop - start):
                    break
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
                last[kind] = (start, stop, stop < pos + _REGION)
                if not self._may_decode(stop - start):
                    break
                decoded = urllib.parse.unquote_to_bytes(data[start:stop])
                where = start
            inner = self.scan(decoded, allowed=allowed, depth=depth + 1)
            if not inner:
                continue  # the context is looked up only for what it is the context of
            key, host = context_at(data, where, stop)
            suppress = suppression_at(data, where)
            for h in inner:
                hits.append(
                    Hit(
                        h.rule,
                        h.token,
                        where,
                        h.checksum_valid,
                        encoding=_nested(trig.encoding, h.encoding),
                        key=key or h.key,
                        host=h.host or host,
                        # only what the file shows: a comment inside the encoded text (base64
                        # of `<token>  # patlint: ignore`) is no comment anyone can see
                        suppress=suppress,
                        end=max(stop, where + 1),
                    )
                )
        return hits

    def _may_decode(self, size: int) -> bool:
        """Take `size` bytes from this file's decoding budget; False (and the file is marked
        as not fully searched) when it is spent."""
        if size > self._decode_left:
            self._capped = "too-much-encoded"
            return False
        self._decode_left -= size
        return True


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
            m = _key_before(before) if b"=" in before or b":" in before else None
            if m:
                key = m.group(1).decode("ascii", "replace")
    after = _HOST_AFTER.match(data, end, min(len(data), end + 260))
    if after:
        host = after.group(1).decode("ascii").lower().rstrip(".")
    return key, host


def _key_before(before: bytes) -> re.Match[bytes] | None:
    """`_KEY_BEFORE.search(before)`, without trying starts that cannot reach a separator.

    A search tries every start, and from each the key may run 81 characters: 300 bytes of
    letters before a token cost ~1 ms a token. A key holds no `:` or `=`, so a match starting
    at or before the first of them (`f`) uses that one, and its key ends just before it, after
    at most a quote and whitespace: no match can start earlier than 82 characters before that.
    """
    colon, equal = before.find(b":"), before.find(b"=")
    f = min(colon, equal) if colon >= 0 and equal >= 0 else max(colon, equal)
    head = before[:f]
    lo = max(0, f - (len(head) - len(head.rstrip())) - 82)
    return _KEY_BEFORE.search(before, lo)
