"""Find which trigger literals occur in a buffer: one pass with Hyperscan when it is installed,
else a few shared-prefix regexes (Python's `re` searches one literal prefix fast, not many).

`pip install "patlint[fast]"` adds Hyperscan (Vectorscan); results are identical either way
(tests run both). `PATLINT_NO_HYPERSCAN=1` forces the pure-Python finder.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

Positions = dict[bytes, list[int]]  # plain literal -> start offsets
Encoded = list[tuple[int, bytes, int]]  # (start, encoded literal, end)


class TriggerFinder(Protocol):
    """Where the literals occur: every start offset of plain ones, every span of encoded ones."""

    name: str

    def find(self, data: bytes, *, with_encoded: bool) -> tuple[Positions, Encoded]:
        """({plain literal: [start, …]}, [(start, encoded literal, end)])."""

    def any(self, data: bytes) -> bool:
        """Whether any literal occurs at all (stops at the first one: the common answer is no)."""

    def any_checker(self) -> Callable[[bytes], bool]:
        """`any` as one callable, set up for this process (for a loop over many buffers)."""


def trie_regex(literals: Sequence[bytes]) -> bytes:
    """A regex for a set of literals that shares prefixes, so `re` can use its fast literal scan."""
    trie: dict[int, Any] = {}
    end = -1
    for lit in literals:
        node = trie
        for byte in lit:
            node = node.setdefault(byte, {})
        node[end] = {}

    def emit(node: dict[int, Any]) -> bytes:
        alts = []
        optional = end in node
        for byte, child in sorted((b, c) for b, c in node.items() if b != end):
            alts.append(re.escape(bytes([byte])) + emit(child))
        if not alts:
            return b""
        body = alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
        if optional:
            body = b"(?:" + body + b")?"
        return body

    return emit(trie)


class ReFinder:
    """One regex pass per distinct first byte of the literals."""

    name = "re"

    def __init__(self, plain: Sequence[bytes], encoded: Sequence[bytes]) -> None:
        self._plain = frozenset(plain)
        self._encoded = frozenset(encoded)
        # A regex match consumes its bytes, so a plain literal inside a longer one ("github" in
        # "github_pat_") would go unseen: a match implies every plain literal it contains.
        self._implied = {
            lit: tuple((p, lit.find(p)) for p in self._plain if p in lit)
            for lit in self._plain | self._encoded
        }
        groups: dict[bytes, list[bytes]] = defaultdict(list)
        for lit in sorted(self._plain | self._encoded):
            groups[lit[:1]].append(lit)
        self._regexes = [re.compile(trie_regex(lits)) for _, lits in sorted(groups.items())]

    def find(self, data: bytes, *, with_encoded: bool) -> tuple[Positions, Encoded]:
        """Start offsets of plain literals, spans of encoded ones."""
        plain: Positions = {}
        encoded: Encoded = []
        for rx in self._regexes:
            for m in rx.finditer(data):
                lit = m.group()
                start = m.start()
                for p, at in self._implied[lit]:
                    plain.setdefault(p, []).append(start + at)
                if with_encoded and lit in self._encoded:
                    encoded.append((start, lit, m.end()))
        encoded.sort()
        return plain, encoded

    def any(self, data: bytes) -> bool:
        """Whether any literal occurs (one search per regex, stopping at the first match)."""
        return any(rx.search(data) is not None for rx in self._regexes)

    def any_checker(self) -> Callable[[bytes], bool]:
        """`any` as one callable."""
        return self.any


class HyperscanFinder:
    """All literals in one Hyperscan pass (every occurrence reported)."""

    name = "hyperscan"

    def __init__(self, plain: Sequence[bytes], encoded: Sequence[bytes]) -> None:
        import hyperscan

        self._lits = sorted(set(plain) | set(encoded))
        plain_set, encoded_set = set(plain), set(encoded)
        self._is_plain = [lit in plain_set for lit in self._lits]
        self._is_encoded = [lit in encoded_set for lit in self._lits]
        flags = [0] * len(self._lits)
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=[re.escape(lit) for lit in self._lits],
            ids=list(range(len(self._lits))),
            elements=len(self._lits),
            flags=flags,
        )
        self._scratch: Any = None
        self._generation = -1
        self._terminated: type[Exception] = hyperscan.ScanTerminated

    def find(self, data: bytes, *, with_encoded: bool) -> tuple[Positions, Encoded]:
        """Start offsets of plain literals, spans of encoded ones."""
        scratch = self._scratch_here()
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
            self._db.scan(data, match_event_handler=on_match, scratch=scratch)
        encoded.sort()
        return plain, encoded

    def any(self, data: bytes) -> bool:
        """Whether any literal occurs: the scan stops at the first match."""
        if not data:
            return False
        scratch = self._scratch_here()
        try:
            self._db.scan(data, match_event_handler=_stop, scratch=scratch)
        except self._terminated:
            return True
        return False

    def any_checker(self) -> Callable[[bytes], bool]:
        """`any` with this process's scratch space bound in: no method calls per buffer."""
        scan = self._db.scan
        scratch = self._scratch_here()
        terminated = self._terminated

        def any_(data: bytes) -> bool:
            if not data:
                return False
            try:
                scan(data, match_event_handler=_stop, scratch=scratch)
            except terminated:
                return True
            return False

        return any_

    def _scratch_here(self) -> Any:
        """Scratch space is per process (workers are forked): made anew after each fork."""
        if self._generation != _FORKS[0]:
            import hyperscan

            self._scratch = hyperscan.Scratch(self._db)
            self._generation = _FORKS[0]
        return self._scratch


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


def make_finder(plain: Sequence[bytes], encoded: Sequence[bytes]) -> TriggerFinder:
    """Hyperscan when available (and it compiles), else shared-prefix regexes."""
    if _hyperscan_available():
        import hyperscan

        try:
            return HyperscanFinder(plain, encoded)
        except hyperscan.error:  # pragma: no cover - literals always compile
            pass
    return ReFinder(plain, encoded)


def finder_names() -> Mapping[str, Callable[[Sequence[bytes], Sequence[bytes]], TriggerFinder]]:
    """Every finder by name (tests compare them)."""
    names: dict[str, Callable[[Sequence[bytes], Sequence[bytes]], TriggerFinder]] = {"re": ReFinder}
    if _hyperscan_available():
        names["hyperscan"] = HyperscanFinder
    return names
