"""Find which trigger literals occur in a buffer: one pass with Hyperscan when it is installed,
else two or three `re` passes, each anchored on one byte that its literals hold (`ReFinder`).

`pip install "patlint[fast]"` adds Hyperscan (Vectorscan); results are identical either way
(tests run both). `PATLINT_NO_HYPERSCAN=1` forces the pure-Python finder.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Positions = dict[bytes, list[int]]  # plain literal -> start offsets
Encoded = list[tuple[int, bytes, int]]  # (start, encoded literal, end)


@dataclass(frozen=True, slots=True)
class Shape:
    """A regex `any` looks for besides the literals: one of `literals`, right after a
    fixed-width match of `before`, followed by a match of `after` (the syntax Python's `re` and
    Hyperscan share). `gates`: texts of which every match holds one (the `re` finder looks
    for the shape only in a buffer that holds one; `engine.rules` checks that they are implied).
    """

    literals: tuple[bytes, ...]
    before: bytes = b""
    after: bytes = b""
    gates: tuple[bytes, ...] = ()

    def expression(self) -> bytes:
        """The whole shape as one regex (Hyperscan's, and the reference for `re`)."""
        lits = b"|".join(re.escape(lit) for lit in self.literals)
        before = b"(?:" + self.before + b")" if self.before else b""
        after = b"(?:" + self.after + b")" if self.after else b""
        return before + b"(?:" + lits + b")" + after

    def searches(self) -> list[Callable[..., re.Match[bytes] | None]]:
        """One `re` search per literal, each starting with it (the fast case of `re`: a
        literal prefix), `before` checked by lookbehind."""
        out = []
        for lit in self.literals:
            lit_rx = re.escape(lit)
            behind = b"(?<=(?:" + self.before + b")" + lit_rx + b")" if self.before else b""
            after = b"(?:" + self.after + b")" if self.after else b""
            out.append(re.compile(lit_rx + behind + after).search)
        return out


class TriggerFinder(Protocol):
    """Where the literals occur: every start offset of plain ones, every span of encoded ones."""

    name: str

    def find(self, data: bytes, *, with_encoded: bool) -> tuple[Positions, Encoded]:
        """({plain literal: [start, …]}, [(start, encoded literal, end)])."""

    def any(self, data: bytes) -> bool:
        """Whether any literal occurs at all, or any shape matches (stops at the first one: the
        common answer is no)."""

    def any_checker(self) -> Callable[[bytes], bool]:
        """`any` as one callable, set up for this process (for a loop over many buffers)."""

    def prepare(self) -> None:
        """Compile now what is otherwise compiled on first use (before workers are forked)."""


# How often each ASCII byte occurs in source code and prose, per 100,000 bytes: an average over
# C headers, Python, JavaScript, Perl and plain-text documentation (any other byte counts as 5).
# ReFinder's plan only compares these: which bytes are rare, and roughly how rare.
_ASCII_FREQ = (
    1, 1, 1, 1, 1, 1, 1, 1, 1, 366, 2826, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    18752, 71, 913, 410, 223, 27, 106, 658, 790, 790, 405, 68, 824, 643, 1070, 902,
    795, 532, 454, 312, 261, 238, 271, 218, 261, 220, 555, 384, 848, 827, 1038, 34,
    66, 727, 269, 508, 343, 728, 309, 281, 165, 584, 38, 76, 523, 248, 420, 344,
    347, 41, 472, 464, 663, 208, 99, 104, 124, 98, 31, 164, 141, 163, 14, 1635,
    118, 3704, 786, 2082, 1995, 6363, 1438, 895, 1493, 3455, 188, 353, 2559, 1279, 3525, 3289,
    1775, 105, 3444, 3899, 4813, 1472, 493, 471, 526, 746, 104, 260, 59, 259, 13, 1,
)  # fmt: skip
_OTHER_FREQ = 5
# Costs in nanoseconds (CPython 3.11's `re`, one core; only their ratios matter): a regex pass,
# per byte; a stop of a pass at its anchor byte (a call into the matcher, or one compare when
# the pass has a two-byte literal prefix); a bytes.replace() of one byte, per byte and per hit.
_COST_PASS = 0.28
_COST_STOP = 20.0
_COST_STOP_PREFIX = 10.0
_COST_FOLD = 0.05
_COST_FOLD_HIT = 11.0
_RARE = 0.003  # bytes at most this frequent may be folded into an anchor


def byte_freq(byte: int) -> float:
    """Estimated share of `byte` among the bytes of source code and text."""
    return (_ASCII_FREQ[byte] if byte < 128 else _OTHER_FREQ) / 100_000


def fold(data: bytes, folds: bytes, anchor: int) -> bytes:
    """`data` with each byte of `folds` replaced by `anchor` (same length, same offsets)."""
    into = bytes([anchor])
    for byte in folds:
        data = data.replace(bytes([byte]), into)
    return data


def minimal_literals(literals: Sequence[bytes]) -> list[bytes]:
    """The literals that contain no other one: wherever a literal occurs, one of these does."""
    kept: list[bytes] = []
    for lit in sorted(set(literals), key=lambda lit: (len(lit), lit)):
        if not any(m in lit for m in kept):
            kept.append(lit)
    return sorted(kept)


@dataclass(frozen=True, slots=True)
class AnchorPass:
    """One regex pass: where `anchor` occurs (after `folds` were replaced by it), do literals?"""

    anchor: int
    folds: bytes  # rare bytes replaced by the anchor before this pass searches
    # (literal, offset of the anchor in it, the folded byte after that anchor or b"")
    literals: tuple[tuple[bytes, int, bytes], ...]
    minimal: frozenset[bytes]  # the ones its regex matches (the others contain one of them)

    def image(self, literal: bytes) -> bytes:
        """The literal as this pass sees it."""
        return fold(literal, self.folds, self.anchor)


def plan_passes(literals: Sequence[bytes]) -> list[AnchorPass]:
    """The cheapest few anchor bytes (by `byte_freq`) such that every literal holds one, itself
    or as a rare byte that one pass folds into its anchor."""
    mins = minimal_literals(literals)
    if not mins:
        return []
    holders: dict[int, int] = {}  # byte -> bit set of the minimal literals holding it
    for i, lit in enumerate(mins):
        for byte in set(lit):
            holders[byte] = holders.get(byte, 0) | 1 << i
    rare = sorted(b for b in holders if byte_freq(b) <= _RARE)
    must = 0  # literals without a rare byte: only a pass anchored on one of their bytes finds them
    for i, lit in enumerate(mins):
        if not any(b in lit for b in rare):
            must |= 1 << i
    pool = sorted({b for i, lit in enumerate(mins) if must >> i & 1 for b in lit})
    pool = pool or sorted(holders)
    covers: list[tuple[int, ...]] = []
    for size in (1, 2, 3) if len(pool) <= 32 else (1, 2):
        for combo in itertools.combinations(pool, size):
            mask = 0
            for b in combo:
                mask |= holders[b]
            if mask & must == must:
                covers.append(combo)
        if covers:
            break
    if not covers:  # many unrelated literals: anchors chosen greedily
        greedy: list[int] = []
        left = must
        while left:
            best = max(pool, key=lambda b: ((holders[b] & left).bit_count(), -byte_freq(b), -b))
            greedy.append(best)
            left &= ~holders[best]
        covers.append(tuple(greedy))
    covers.sort(key=lambda combo: sum(byte_freq(b) for b in combo))
    best_plan: tuple[float, list[AnchorPass]] | None = None
    for combo in covers[:6]:
        for target in combo:
            plan = _assign(mins, literals, combo, target, rare)
            cost = _cost(plan)
            if best_plan is None or cost < best_plan[0]:
                best_plan = (cost, plan)
    assert best_plan is not None
    return best_plan[1]


def _assign(
    mins: list[bytes],
    literals: Sequence[bytes],
    anchors: tuple[int, ...],
    target: int,
    rare: list[int],
) -> list[AnchorPass]:
    """Which pass looks for which literal, and which rare bytes the `target` pass folds.

    A literal goes to a pass whose anchor it holds, unless it would cost that pass its two-byte
    prefix (the fast case of `re`): then one of its rare bytes is folded into the target pass.
    """
    where: dict[bytes, int] = {}
    nexts: dict[int, set[bytes]] = {a: set() for a in anchors}  # byte after the anchor
    pending = []
    for lit in mins:
        if target in lit:
            where[lit] = target
        elif any(b in lit for b in rare):
            pending.append(lit)
        else:
            a = min((a for a in anchors if a in lit), key=byte_freq)
            where[lit] = a
            k = lit.index(a)
            nexts[a].add(lit[k + 1 : k + 2])
    unplaced = []
    for lit in pending:
        for a in sorted((a for a in anchors if a in lit), key=byte_freq):
            k = lit.index(a)
            nxt = lit[k + 1 : k + 2]
            if len(nexts[a]) != 1 or nxt in nexts[a]:
                where[lit] = a
                nexts[a].add(nxt)
                break
        else:
            unplaced.append(lit)
    folds = []
    left = unplaced
    while left:
        byte = min(
            (b for b in rare if any(b in lit for lit in left)),
            key=lambda b: (
                (_COST_FOLD + (_COST_FOLD_HIT + _COST_STOP) * byte_freq(b))
                / sum(b in lit for lit in left)
            ),
        )
        folds.append(byte)
        left = [lit for lit in left if byte not in lit]
    folded = bytes(sorted(folds))
    for lit in unplaced:
        where[lit] = target
    groups: dict[int, list[tuple[bytes, int, bytes]]] = {}
    minimal: dict[int, set[bytes]] = {}
    for lit in sorted(set(literals)):
        # A longer literal is looked for where the minimal one it contains is: same anchor.
        m = lit if lit in where else next(m for m in mins if m in lit)
        a = where[m]
        image = fold(m, folded, a) if a == target else m
        k = image.index(a)
        groups.setdefault(a, []).append((lit, lit.find(m) + k, image[k + 1 : k + 2]))
        if lit == m:
            minimal.setdefault(a, set()).add(lit)
    plan = [
        AnchorPass(a, folded if a == target else b"", tuple(groups[a]), frozenset(minimal[a]))
        for a in anchors
        if a in groups
    ]
    plan.sort(key=lambda p: (-len(p.minimal), p.anchor))
    return plan


def _cost(plan: list[AnchorPass]) -> float:
    """Estimated nanoseconds per byte of data for these passes."""
    total = 0.0
    for p in plan:
        stops = byte_freq(p.anchor) + sum(byte_freq(b) for b in p.folds)
        nexts = {nxt for lit, _, nxt in p.literals if lit in p.minimal}
        prefix = len(nexts) == 1 and b"" not in nexts
        total += _COST_PASS + (_COST_STOP_PREFIX if prefix else _COST_STOP) * stops
        total += sum(_COST_FOLD + _COST_FOLD_HIT * byte_freq(b) for b in p.folds)
    return total


def anchored_regex(anchor: int, images: Sequence[tuple[bytes, int]]) -> bytes:
    """A regex matching at an `anchor` byte where one of `images` (literal, offset of `anchor`
    in it) occurs: the bytes after the anchor are matched, those before checked by lookbehind."""
    end = -1
    trie: dict[int, Any] = {}
    for image, k in images:
        node = trie
        for byte in image[k + 1 :]:
            node = node.setdefault(byte, {})
        node.setdefault(end, set()).add((image, k))

    def emit(node: dict[int, Any]) -> bytes:
        ends = node.get(end, set())
        if any(k == 0 for _, k in ends):
            return b""  # a whole image is matched: longer ones need not be
        alts = [b"(?<=" + re.escape(image) + b")" for image, _ in sorted(ends)]
        alts += [
            re.escape(bytes([byte])) + emit(child)
            for byte, child in sorted(node.items())
            if byte != end
        ]
        return alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"

    body = emit(trie)
    firsts = sorted(b for b in trie if b != end)
    if end not in trie and len(firsts) > 1:
        # `re` calls the matcher at every anchor byte: one class test turns most away.
        body = b"(?=[" + b"".join(re.escape(bytes([b])) for b in firsts) + b"])" + body
    return re.escape(bytes([anchor])) + body


_Search = Callable[..., "re.Match[bytes] | None"]  # Pattern.search(data[, pos])
_AnyEntry = tuple[bytes, int]  # minimal literal, offset of the anchor in it
_FindEntry = tuple[bytes, int, bool, bool]  # literal, offset of the anchor, plain?, encoded?
# anchor, folded bytes, regex search, entries by the byte after the anchor, entries to try always
_AnyPass = tuple[
    bytes, tuple[bytes, ...], _Search, dict[bytes, tuple[_AnyEntry, ...]], tuple[_AnyEntry, ...]
]
_FindPass = tuple[
    bytes,
    tuple[bytes, ...],
    _Search,
    dict[bytes, tuple[_FindEntry, ...]],
    tuple[_FindEntry, ...],
    bool,  # whether any of its literals is plain (else with_encoded=False skips the pass)
]


class ReFinder:
    """A few `re` passes over the buffer (two for the default rules), each anchored on one byte.

    `re` scans fast only for a literal prefix (about 0.3 ns a byte), so each pass costs a full
    scan, and a trie per first byte (six for the default literals) costs six. Here every
    literal holds one of a few anchor bytes, chosen by their frequency in source code
    (`plan_passes`): a pass's regex matches at its anchor, then checks the bytes after it and,
    by lookbehind, those before. A literal whose other bytes are common but which holds a rare
    byte (G, H, …) is found by one pass after `bytes.replace` folds that byte into its anchor
    (a copy at memchr speed); what that pass finds is then confirmed on the original bytes.
    `find` reports every occurrence, overlapping ones included, as Hyperscan does.
    """

    name = "re"

    def __init__(
        self, plain: Sequence[bytes], encoded: Sequence[bytes], shapes: Sequence[Shape] = ()
    ) -> None:
        plain_set, encoded_set = frozenset(plain), frozenset(encoded)
        literals = sorted(plain_set | encoded_set)
        if b"" in literals:
            raise ValueError("a trigger literal is empty")
        self.plan = plan_passes(literals)
        any_passes: list[_AnyPass] = []
        find_passes: list[_FindPass] = []
        for p in self.plan:
            images = [(p.image(lit), k) for lit, k, _ in p.literals if lit in p.minimal]
            search = re.compile(anchored_regex(p.anchor, images)).search
            anchor = bytes([p.anchor])
            folds = tuple(bytes([b]) for b in p.folds)
            # Entries by the byte after the anchor; under b"", those to try at every match.
            any_entries: dict[bytes, list[_AnyEntry]] = {}
            find_entries: dict[bytes, list[_FindEntry]] = {}
            for lit, k, nxt in p.literals:
                if lit in p.minimal:
                    any_entries.setdefault(nxt, []).append((lit, k))
                entry = (lit, k, lit in plain_set, lit in encoded_set)
                find_entries.setdefault(nxt, []).append(entry)
            any_always = tuple(any_entries.pop(b"", ()))
            find_always = tuple(find_entries.pop(b"", ()))
            any_by_next = {n: tuple(e) for n, e in any_entries.items()}
            find_by_next = {n: tuple(e) for n, e in find_entries.items()}
            any_passes.append((anchor, folds, search, any_by_next, any_always))
            has_plain = any(lit in plain_set for lit, _, _ in p.literals)
            find_passes.append((anchor, folds, search, find_by_next, find_always, has_plain))
        self._any = tuple(any_passes)
        self._find = tuple(find_passes)
        self._literals = plain_set | encoded_set
        self.shapes = tuple(shapes)
        # With shapes: one plan over the literals and every shape's gates, so that a buffer
        # holding neither (most of them) costs what the literals alone cost.
        gates = {g for shape in self.shapes for g in shape.gates} - self._literals
        self._gated: ReFinder | None = None
        if self.shapes:
            self._gated = ReFinder(sorted(plain_set | gates), sorted(encoded_set))
        self._any_fn = self.any_checker()

    def find(self, data: bytes, *, with_encoded: bool) -> tuple[Positions, Encoded]:
        """Start offsets of plain literals, spans of encoded ones (every occurrence)."""
        plain: Positions = {}
        encoded: Encoded = []
        for anchor, folds, search, by_next, always, has_plain in self._find:
            if not (has_plain or with_encoded):
                continue
            seen = data
            for byte in folds:
                seen = seen.replace(byte, anchor)
            m = search(seen)
            while m is not None:
                at = m.start()
                for group in (by_next.get(seen[at + 1 : at + 2], ()), always):
                    for lit, k, is_plain, is_encoded in group:
                        start = at - k
                        if start >= 0 and data.startswith(lit, start):
                            if is_plain:
                                plain.setdefault(lit, []).append(start)
                            if with_encoded and is_encoded:
                                encoded.append((start, lit, start + len(lit)))
                m = search(seen, at + 1)
        encoded.sort()
        return plain, encoded

    def any(self, data: bytes) -> bool:
        """Whether any literal occurs (each pass stops at its first confirmed match)."""
        return self._any_fn(data)

    def prepare(self) -> None:
        """Nothing: every pass is compiled in the constructor."""

    def any_checker(self) -> Callable[[bytes], bool]:
        """`any` as one callable."""
        first = self._first_checker()
        gated = self._gated
        if gated is None:
            return lambda data: first(data) is not None
        gated_first = gated._first_checker()
        gated_literals = gated._literals
        literals = self._literals
        # Per shape: its gates, and per literal the search that starts with it (from the
        # literal's first occurrence when the gated plan reports where that is).
        shapes = tuple(
            (shape.gates, tuple(zip(shape.literals, shape.searches(), strict=True)))
            for shape in self.shapes
        )

        def any_(data: bytes) -> bool:
            lit = gated_first(data)
            if lit is None:
                return False  # neither a literal nor a gate: no shape can match either
            if lit in literals:
                return True
            plain, encoded = gated.find(data, with_encoded=True)
            if encoded or any(p in literals for p in plain):
                return True
            for gates, searches in shapes:
                if not any(g in plain for g in gates):
                    continue
                for shape_lit, search in searches:
                    if shape_lit in gated_literals:
                        if shape_lit in plain and search(data, plain[shape_lit][0]):
                            return True
                    elif search(data):
                        return True
            return False

        return any_

    def _first_checker(self) -> Callable[[bytes], bytes | None]:
        """A callable returning a (minimal) literal that occurs in a buffer, or None: each pass
        stops at its first confirmed match."""
        passes = self._any

        def first(data: bytes) -> bytes | None:
            for anchor, folds, search, by_next, always in passes:
                seen = data
                for byte in folds:
                    seen = seen.replace(byte, anchor)
                m = search(seen)
                while m is not None:
                    at = m.start()
                    for lit, k in by_next.get(seen[at + 1 : at + 2], ()):
                        if at >= k and data.startswith(lit, at - k):
                            return lit
                    for lit, k in always:
                        if at >= k and data.startswith(lit, at - k):
                            return lit
                    m = search(seen, at + 1)
            return None

        return first


class HyperscanFinder:
    """All literals in one Hyperscan pass (every occurrence reported).

    With shapes, `any` scans one database of the literals and the shapes, each expression
    with HS_FLAG_SINGLEMATCH, that stops at the first match. It is compiled when first needed
    (~25 ms; a scan of a few files skips the pre-check): without SINGLEMATCH the literals with
    the URL shape took 0.13-0.45 s to compile.
    """

    name = "hyperscan"

    def __init__(
        self, plain: Sequence[bytes], encoded: Sequence[bytes], shapes: Sequence[Shape] = ()
    ) -> None:
        import hyperscan

        self._lits = sorted(set(plain) | set(encoded))
        plain_set, encoded_set = set(plain), set(encoded)
        self._is_plain = [lit in plain_set for lit in self._lits]
        self._is_encoded = [lit in encoded_set for lit in self._lits]
        self.shapes = tuple(shapes)
        literals = [re.escape(lit) for lit in self._lits]
        # With shapes this finder is the pre-check's: `find` (this database) is seldom used.
        self._db = _Database(hyperscan, literals, lazy=bool(shapes))
        self._any_db = self._db
        self._fallback: ReFinder | None = None  # `any` for shapes Hyperscan cannot compile
        self._plain, self._encoded = sorted(plain_set), sorted(encoded_set)
        if self.shapes:
            exprs = literals + [shape.expression() for shape in self.shapes]
            single = hyperscan.HS_FLAG_SINGLEMATCH
            self._any_db = _Database(hyperscan, exprs, flags=single, lazy=True)
        self._terminated: type[Exception] = hyperscan.ScanTerminated
        self._error: type[Exception] = hyperscan.error

    def find(self, data: bytes, *, with_encoded: bool) -> tuple[Positions, Encoded]:
        """Start offsets of plain literals, spans of encoded ones."""
        db, scratch = self._db.here()
        lits, is_plain, is_encoded = self._lits, self._is_plain, self._is_encoded
        plain: Positions = {}
        encoded: Encoded = []

        def on_match(ident: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            lit = lits[ident]
            start = end - len(lit)
            if is_plain[ident]:
                plain.setdefault(lit, []).append(start)
            if with_encoded and is_encoded[ident]:
                encoded.append((start, lit, end))

        if data:
            db.scan(data, match_event_handler=on_match, scratch=scratch)
        encoded.sort()
        return plain, encoded

    def any(self, data: bytes) -> bool:
        """Whether any literal occurs or any shape matches: each scan stops at its first match."""
        return self.any_checker()(data)

    def prepare(self) -> None:
        """Compile the pre-check's database now (forked workers then share it)."""
        self.any_checker()

    def any_checker(self) -> Callable[[bytes], bool]:
        """`any` with this process's scratch space bound in: no method calls per buffer.

        A shape Hyperscan cannot compile (a user rule's trigger using what only Python's `re`
        knows, such as an atomic group) makes `any` the `re` finder's: the same answers."""
        if self._fallback is None:
            try:
                return self._any_db.any_checker(self._terminated)
            except self._error:
                self._fallback = ReFinder(self._plain, self._encoded, self.shapes)
        return self._fallback.any_checker()


class _Database:
    """A block-mode Hyperscan database of `expressions` (ids: their indexes) and its scratch
    space, which is per process (workers are forked): made anew after each fork."""

    def __init__(
        self, hyperscan: Any, expressions: Sequence[bytes], *, flags: int = 0, lazy: bool = False
    ) -> None:
        self._hyperscan = hyperscan
        self._expressions = list(expressions)
        self._flags = flags
        self._db: Any = None
        self._scratch: Any = None
        self._generation = -1
        self._checker: Callable[[bytes], bool] | None = None
        if not lazy:
            self._compile()

    def _compile(self) -> Any:
        if self._db is None:
            from patlint.detectors import hscache

            hs, exprs, flags = self._hyperscan, self._expressions, self._flags
            db = hscache.load(hs, hs.HS_MODE_BLOCK, exprs, flags)  # ~20 µs instead of ~30 ms
            if db is None:
                db = hs.Database(mode=hs.HS_MODE_BLOCK)
                db.compile(
                    expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
                    flags=[flags] * len(exprs),
                )  # fmt: skip
                hscache.store(hs, db, hs.HS_MODE_BLOCK, exprs, flags)
            self._db = db
        return self._db

    def here(self) -> tuple[Any, Any]:
        """The database and this process's scratch space for it."""
        db = self._compile()
        if self._generation != _FORKS[0]:
            self._scratch = self._hyperscan.Scratch(db)
            self._generation = _FORKS[0]
            self._checker = None
        return db, self._scratch

    def any_checker(self, terminated: type[Exception]) -> Callable[[bytes], bool]:
        """Whether any expression matches a buffer (the scan stops at the first match)."""
        db, scratch = self.here()
        checker = self._checker
        if checker is None:
            scan = db.scan

            def checker(data: bytes) -> bool:
                if not data:
                    return False
                try:
                    # Positional: hyperscan parses keyword arguments on every call, which cost
                    # as much as scanning a small file (0.66 -> 0.33 µs a call; one per file).
                    scan(data, _stop, 0, None, scratch)
                except terminated:
                    return True
                return False

            self._checker = checker
        return checker


# Fork counter, bumped in each forked child: a finder compares it instead of asking getpid()
# (a system call) on every buffer it scans.
_FORKS = [0]


def _forked() -> None:
    _FORKS[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def _stop(_ident: int, _start: int, _end: int, _flags: int, _ctx: object) -> bool:
    return True  # non-zero: Hyperscan stops scanning


def _hyperscan_available() -> bool:
    if os.environ.get("PATLINT_NO_HYPERSCAN"):
        return False
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def make_finder(
    plain: Sequence[bytes], encoded: Sequence[bytes], shapes: Sequence[Shape] = ()
) -> TriggerFinder:
    """Hyperscan when available (and it compiles), else shared-prefix regexes."""
    if _hyperscan_available():
        import hyperscan

        try:
            return HyperscanFinder(plain, encoded, shapes)
        except hyperscan.error:  # a shape Hyperscan cannot compile: `re` finds the same
            pass
    return ReFinder(plain, encoded, shapes)


MakeFinder = Callable[[Sequence[bytes], Sequence[bytes], Sequence[Shape]], TriggerFinder]


def finder_names() -> Mapping[str, MakeFinder]:
    """Every finder by name (tests compare them)."""
    names: dict[str, MakeFinder] = {"re": ReFinder}
    if _hyperscan_available():
        names["hyperscan"] = HyperscanFinder
    return names
