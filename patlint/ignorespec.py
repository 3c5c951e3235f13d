"""gitignore-style patterns (`exclude:`, the home profile's lists), matched in linear time.

pathspec turns `*a*a*a*a*b` into `[^/]*a[^/]*a…` and, without Hyperscan or re2, runs it with
Python's backtracking `re`: polynomial in the length of the name, so a pattern from the scanned
tree's own config (`exclude` may narrow) and a file name it picks hung the scan for minutes.
Here each pattern becomes a regular expression that cannot backtrack across choices:

- a `*` in the middle of a segment matches up to the *first* place the fixed-width text after
  it fits, and never reconsiders (an atomic group, written as a lookahead plus a
  backreference so it works on Python 3.10): for a glob of `*`s between fixed-width pieces the
  earliest fit is always a right one, since what follows can only use more room;
- likewise a `**` skips to the first place where the segments after it, up to the next `**`,
  fit whole;

so every choice is made once, and a match costs about (path length) × (pattern length).

The meaning is pathspec's `GitIgnoreSpec` (so git's): patterns in order, the last match wins,
`!` re-includes, a match of the file itself outranks a match of a folder above it,
`dir/`, `/anchored`, `a/**/b`, `**/x`, `x/**`, `[a-z]`, `[!a]`, `\\*`. One difference, as in
git: a bracket expression never matches `/`. A `tests/test_ignorespec.py` property test
holds it to pathspec on random patterns and paths.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_FILE, _DIR, _OPT = 0, 1, 2  # how a match ranks: the file itself, a folder above it, or either


class PatternError(ValueError):
    """A pattern git would not take (a trailing backslash, `!` alone, a bad range)."""


@dataclass(frozen=True, slots=True)
class _Rule:
    include: bool  # True: excludes what it matches; False (`!`): takes it back
    regex: re.Pattern[str]
    kind: int
    whole: re.Pattern[str] | None  # _OPT: matches the whole path (else only a folder above it)


class IgnoreSpec:
    """A list of gitignore-style patterns; `match_file` says whether a path is matched."""

    def __init__(self, patterns: Sequence[str]) -> None:
        names = _Names()
        self._rules: list[_Rule] = []
        for pattern in patterns:
            rule = _compile(pattern, names)
            if rule is not None:
                self._rules.append(rule)
        self._rules.reverse()  # the last pattern that matches decides
        self._any = (
            _re("|".join(f"(?:{r.regex.pattern})" for r in self._rules)) if self._rules else None
        )

    def match_file(self, path: str) -> bool:
        """Whether `path` (relative, `/`-separated; a folder may end with `/`) is matched."""
        if self._any is None or self._any.match(path) is None:
            return False  # the usual case: one pass for all patterns
        result: bool | None = None
        rank = 0
        for rule in self._rules:
            if rule.regex.match(path) is None:
                continue
            folder = rule.kind == _DIR or (
                rule.kind == _OPT and rule.whole is not None and rule.whole.match(path) is None
            )
            if not folder:
                return rule.include  # a match of the path itself, the last one: it decides
            if rank == 0:
                result, rank = rule.include, 1
        return bool(result)


class _Names:
    """Group names, unique across all patterns of a spec (they are joined into one regex)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"g{self.n}"


def _re(source: str) -> re.Pattern[str]:
    with warnings.catch_warnings():  # `[[]` is a literal `[` in a glob, a "nested set" to re
        warnings.simplefilter("ignore", FutureWarning)
        try:
            return re.compile(source, re.DOTALL)
        except re.error as exc:
            raise PatternError(f"not a valid pattern ({exc})") from None


def check(pattern: str) -> None:
    """PatternError when git would refuse `pattern`."""
    _compile(pattern, _Names())


def _compile(pattern: str, names: _Names) -> _Rule | None:
    """The rule for one pattern line, or None for a blank line, a comment, `/` or a pattern git
    ignores (an unclosed `[`)."""
    if not pattern.endswith("\\ "):
        pattern = pattern.rstrip()
    if not pattern or pattern.startswith("#") or pattern == "/":
        return None
    include = not pattern.startswith("!")
    body = pattern if include else pattern[1:]
    segs = body.split("/")
    is_dir = not segs[-1]
    if not segs[0]:
        del segs[0]  # a leading `/` anchors the pattern
    elif (len(segs) == 1 or (len(segs) == 2 and not segs[1])) and segs[0] != "**":
        segs.insert(0, "**")  # no slash but a trailing one: matches at any depth
    if not segs:
        raise PatternError(f"{pattern!r}: nothing to match")
    if not segs[-1]:
        segs[-1] = "**"
    segs = [s for i, s in enumerate(segs) if not (s == "**" and i and segs[i - 1] == "**")]
    # Patterns pathspec matches with a search, not from the start.
    if segs == ["**"] or segs == ["**", "*"]:
        if is_dir and segs == ["**"]:
            return _Rule(include, _re("(?=[^/]*/)"), _DIR, None)
        return _Rule(include, _re("(?=.)"), _FILE, None)
    if segs == ["**", "*", "**"]:
        return _Rule(include, _re("(?=[^/]*/)"), _DIR if is_dir else _FILE, None)
    try:
        globs = [None if s == "**" else _segment(s, names) for s in segs]
    except _RangeError:
        return None
    lead = globs[0] is None
    trail = globs[-1] is None
    chunks = list(_chunks(globs[1 if lead else 0 : -1 if trail else None]))
    if trail:
        kind, end = (_DIR if is_dir else _FILE), "/"
    else:
        kind, end = _OPT, "(?=/|\\Z)"
    regex = _re(_join(chunks, lead, end, names))
    whole = _re(_join(chunks, lead, "\\Z", names)) if kind == _OPT else None
    return _Rule(include, regex, kind, whole)


def _chunks(globs: Sequence[str | None]) -> Iterator[str]:
    """The runs of segments between `**`s, each as one regex of `/`-joined segments."""
    run: list[str] = []
    for g in globs:
        if g is None:
            yield "/".join(run)
            run = []
        else:
            run.append(g)
    yield "/".join(run)


def _join(chunks: Sequence[str], lead: bool, end: str, names: _Names) -> str:
    """The runs with `**` between them. With one `**` at most, as pathspec writes it (the one
    choice costs a pass over the path); with more, each run is placed at the first position it
    fits whole, atomically (each further `**` would multiply the cost by the path's depth)."""
    if len(chunks) - (0 if lead else 1) <= 1:
        skips = ["(?:.+/)?" if lead else "", *["(?:/.+)?/"] * (len(chunks) - 1)]
        return "".join(skip + chunk for skip, chunk in zip(skips, chunks, strict=True)) + end
    out = []
    for k, chunk in enumerate(chunks):
        term = end if k == len(chunks) - 1 else "(?=/)"
        skip = "" if k == 0 and not lead else "(?:.+?/)??" if k == 0 else "(?:/.+?)??/"
        out.append(_atomic(skip + chunk + term, names))
    return "".join(out)


def _atomic(regex: str, names: _Names) -> str:
    """`regex` matched once, at its first fit, never reconsidered."""
    if _ATOMIC_GROUPS:
        return f"(?>{regex})"
    g = names()  # Python 3.10: a lookahead that captures, then the capture (fnmatch's trick)
    return f"(?=(?P<{g}>{regex}))(?P={g})"


_ATOMIC_GROUPS = sys.version_info >= (3, 11)


class _RangeError(Exception):
    pass


def _segment(glob: str, names: _Names) -> str:
    """One segment's glob: fixed-width pieces between `*`s; each middle `*` atomic."""
    if glob == "*":
        return "[^/]+"
    pieces: list[str] = [""]
    i, end = 0, len(glob)
    while i < end:
        char = glob[i]
        i += 1
        if char == "\\":
            if i == end:
                raise PatternError(f"{glob!r}: ends with a backslash that escapes nothing")
            pieces[-1] += re.escape(glob[i])
            i += 1
        elif char == "*":
            if pieces[-1] or len(pieces) == 1:
                pieces.append("")
        elif char == "?":
            pieces[-1] += "[^/]"
        elif char == "[":
            j = i
            if j < end and glob[j] in "!^":
                j += 1
            if j < end and glob[j] == "]":
                j += 1
            while j < end and glob[j] != "]":
                j += 1
            if j >= end:
                raise _RangeError
            negate = glob[i] in "!^"
            inner = glob[i + 1 if negate else i : j].replace("\\", "\\\\")
            pieces[-1] += "(?!/)[" + ("^" if negate else "") + inner + "]"
            i = j + 1
        else:
            pieces[-1] += re.escape(char)
    if len(pieces) == 1:
        return pieces[0]
    first, *middle, last = pieces
    out = first
    for piece in middle:
        if not piece:  # `**` inside a segment is two stars: the same as one
            continue
        out += _atomic(f"[^/]*?{piece}", names)
    return out + "[^/]*" + last
