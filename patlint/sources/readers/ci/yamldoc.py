"""CI YAML as pyyaml nodes that keep their marks: parse, walk (alias-safe), look up, locate.

Marks from pyyaml are 0-based (line, column in characters); everything this module hands out
is a character index into the decoded text, turned into 1-based line/column by `Doc.where`.
Anchors and aliases compose to shared nodes (even cycles), so every walk keeps a visited set
and a node budget instead of expanding aliases.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from collections.abc import Mapping as CMapping
from dataclasses import dataclass, field
from itertools import accumulate
from types import MappingProxyType
from typing import Any, NamedTuple

from patlint.yamlio import flow_deeper_than, flow_depth

Path = tuple[str | int, ...]
NODE_BUDGET = 200_000  # unique nodes walked per file
EXPANSION_LIMIT = 1_000_000  # alias-expanded size above which a file is called an alias bomb
# Deeper flow/indent nesting (an upper bound, counted before parsing) is parsed by the
# pure-Python loader (libyaml recurses), which refuses to compose deeper than this.
MAX_NESTING = 100
SLOW_PARSE_MAX = 128 << 10  # characters the pure-Python loader is given (~1.3 s of parsing)
MERGE_DEPTH = 8


class ParseFailure(Exception):
    """The file is not YAML that can be analysed; `reason` never quotes the file's content."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line  # 1-based
        self.column = column


def format_path(path: Path) -> str:
    """`jobs.build.steps[2].with.password` for ("jobs", "build", "steps", 2, "with", "password")."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(document)"


_INDENT = re.compile(r"(?m)^ +(?=\S)")


def _nesting_estimate(text: str) -> int:
    """An upper bound on how deep the YAML nests (flow brackets, indentation)."""
    indent = max(map(len, _INDENT.findall(text)), default=0)
    return max(flow_depth(text), indent // 2)


def _too_deep(text: str) -> bool:
    """`_nesting_estimate(text) > MAX_NESTING`, without its walks for most files: an indent
    deep enough needs a run of that many spaces (one substring search), and nesting is at most
    the number of opening brackets."""
    if _DEEP_SPACES in text and _DEEP_INDENT.search(text) is not None:
        return True
    return flow_deeper_than(text, MAX_NESTING)


# Where an alias (`*name`) could start: at a token's start (after a blank or line break, a flow
# indicator, `:` or `?` (flow context), a closing quote), with an anchor-name character after it (libyaml and pyyaml both allow
# only `[0-9A-Za-z_-]`). Over-matches (`ls *_386` in a script, `*bold*` in a comment), never
# misses one: a `*` elsewhere is inside a scalar or a comment, or a syntax error.
# Written with the `*` first, its left side a look-behind: the regex engine then only stops at
# a `*` (one fast search for a literal) instead of trying the look-behind at every character,
# which cost ~9 ms on the real trees' 153 CI files (more than the rest of the parse but libyaml).
_ALIAS = re.compile(r"\*(?:(?<=^\*)|(?<=[\s\[\]{},:?'\"\ufeff]\*))[0-9A-Za-z_-]")
_DEEP_SPACES = " " * (2 * (MAX_NESTING + 1))
_DEEP_INDENT = re.compile(f"(?m)^ {{{len(_DEEP_SPACES)},}}(?=\\S)")


def compose_documents(text: str) -> list[Any]:
    """Compose every document of `text` into pyyaml nodes; raise ParseFailure when malformed."""
    return _compose(text)[0]


def _compose(text: str) -> tuple[list[Any], list[int]]:
    """Every document of `text` as pyyaml nodes, and how many nodes the composer made for each
    (an alias reuses a node: without one, that is the document's size); raise ParseFailure
    when malformed."""
    import yaml

    fast, depth_limited = _loaders()
    # libyaml's composer recurses in C and can crash the process; pyyaml's own scanner costs
    # time quadratic in the depth (its simple-key list), so it stops at MAX_NESTING. It reads
    # ~100 KB a second: a large file that only looks deep (brackets in a comment or a string
    # count too) is not given to it, or a crafted workflow would cost its size in seconds.
    if _too_deep(text):
        if len(text) > SLOW_PARSE_MAX:
            raise ParseFailure(
                f"nests (or seems to nest) deeper than {MAX_NESTING} levels and is larger than "
                f"{SLOW_PARSE_MAX >> 10} KiB: not parsed"
            )
        loader = depth_limited(text)
    else:
        loader = fast(text)
    roots: list[Any] = []
    counts: list[int] = []
    made = 0
    try:
        while loader.check_node():
            root = loader.get_node()
            if root is not None:
                roots.append(root)
                counts.append(loader.made() - made)
            made = loader.made()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or exc.__class__.__name__
        if mark is None:
            raise ParseFailure(reason) from None
        raise ParseFailure(reason, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:
        raise ParseFailure(exc.__class__.__name__) from None
    except (RecursionError, _TooDeep):
        raise ParseFailure(f"nesting deeper than {MAX_NESTING} levels") from None
    finally:
        loader.dispose()
    return roots, counts


class _TooDeep(Exception):
    """The document nests deeper than MAX_NESTING (raised by the pure-Python composer)."""


_LOADERS: tuple[Any, Any] | None = None


def _loaders() -> tuple[Any, Any]:
    """(libyaml's CSafeLoader, pyyaml's pure-Python SafeLoader refusing to compose deeper
    than MAX_NESTING), each resolving tags with less Python work and counting the nodes it
    makes; made on first use (yaml is imported lazily)."""
    global _LOADERS
    if _LOADERS is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        fast = _quick_resolver(base)

        class DepthLimited(_quick_resolver(yaml.SafeLoader)):  # type: ignore[misc]
            _depth = 0

            def compose_node(self, parent: Any, index: Any) -> Any:
                self._depth += 1
                try:
                    if self._depth > MAX_NESTING:
                        raise _TooDeep()
                    return super().compose_node(parent, index)
                finally:
                    self._depth -= 1

        _LOADERS = (fast, DepthLimited)
    return _LOADERS


def _quick_resolver(base: Any) -> Any:
    """`base` (a pyyaml loader) with the same tags from a `resolve` that does less per node.

    The composer asks `resolve(kind, value, implicit)` for every node without an explicit tag:
    libyaml calls back into Python for each, ~13,000 times on the real trees' CI files. pyyaml's
    own `resolve` looks its resolver lists up twice and joins them, and walks path resolvers
    (a SafeLoader has none) on every node, as do `descend_resolver`/`ascend_resolver`, called
    around each node. Here the implicit resolvers of `base` (the same regexes in the same order:
    `on` and `false` still resolve to bool, `1` to int, `~` and an empty plain scalar to null,
    `<<` to merge) are one table by first character, copied when the class is made (once per
    process: a resolver added to pyyaml's loaders later is not seen; patlint adds none).

    `made()` is how many nodes the composer made so far (one `ascend_resolver` call each,
    counted by a C iterator, not a Python method).
    """
    import itertools

    from yaml.nodes import ScalarNode, SequenceNode

    if base.yaml_path_resolvers:
        raise AssertionError("a loader with path resolvers")  # none in SafeLoader, ever
    Resolvers = tuple[tuple[str, re.Pattern[str]], ...]
    implicit: dict[str | None, Resolvers] = {
        k: tuple(v) for k, v in base.yaml_implicit_resolvers.items()
    }
    anywhere = implicit.pop(None, ())
    table = {k: v + anywhere for k, v in implicit.items()}
    resolvers_for = table.get
    str_tag: str = base.DEFAULT_SCALAR_TAG
    seq_tag: str = base.DEFAULT_SEQUENCE_TAG
    map_tag: str = base.DEFAULT_MAPPING_TAG

    class QuickResolver(base):  # type: ignore[misc]
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self._made = itertools.count()
            self._reads = 0
            self.ascend_resolver = self._made.__next__

        def made(self) -> int:
            self._reads += 1  # each read takes one number from the counter too
            return next(self._made) - self._reads + 1

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass

        def resolve(self, kind: Any, value: str, implicit_: tuple[bool, bool]) -> str:
            if kind is ScalarNode:
                if implicit_[0]:
                    for tag, regexp in resolvers_for(value[:1], anywhere):
                        if regexp.match(value):
                            return tag
                return str_tag
            return seq_tag if kind is SequenceNode else map_tag

    return QuickResolver


def is_map(node: Any) -> bool:
    """True for a mapping node."""
    return node is not None and node.id == "mapping"


def is_seq(node: Any) -> bool:
    """True for a sequence node."""
    return node is not None and node.id == "sequence"


def text_of(node: Any) -> str | None:
    """The value of a scalar node (None for collections and missing nodes)."""
    if node is not None and node.id == "scalar":
        return str(node.value)
    return None


def items(node: Any) -> list[tuple[Any, Any]]:
    """(key node, value node) pairs of a mapping, `<<` merges resolved (own keys win)."""
    if not is_map(node):
        return []
    return list(_merged(node)[0])


def pairs(node: Any) -> tuple[tuple[Any, Any], ...]:
    """`items`, as the tuple cached on the node (no copy: one read per mapping built)."""
    if node is None or node.id != "mapping":
        return ()
    return _merged(node)[0]


_NO_KEYS: CMapping[str, tuple[Any, Any]] = MappingProxyType({})


def keyed(node: Any) -> CMapping[str, tuple[Any, Any]]:
    """A mapping's (key node, value node) pairs by key text, `<<` merges resolved (own keys
    win, the first of a repeated key kept), empty for anything else: `entry` for many keys of
    one mapping, its index looked up once. The index cached on the node: read it only."""
    if node is None or node.id != "mapping":
        return _NO_KEYS
    return _merged(node)[1]


_MERGED = "_patlint_merged"  # attribute caching a mapping node's merged pairs and key index


def _merged(node: Any) -> tuple[tuple[tuple[Any, Any], ...], dict[str, tuple[Any, Any]]]:
    """A mapping's merged (key, value) pairs and the pairs by key text, computed once per node
    (a workflow's analysis looks keys up in the same mappings many times)."""
    cached: tuple[tuple[tuple[Any, Any], ...], dict[str, tuple[Any, Any]]] | None = getattr(
        node, _MERGED, None
    )
    if cached is None:
        cached = _plain(node)
    if cached is None:
        out: list[tuple[Any, Any]] = []
        _merge_into(node, out, set(), 0, set())
        by_key: dict[str, tuple[Any, Any]] = {}
        for k, v in out:
            key = text_of(k)
            if key is not None:
                by_key.setdefault(key, (k, v))
        cached = (tuple(out), by_key)
        setattr(node, _MERGED, cached)
    return cached


def _plain(node: Any) -> tuple[tuple[tuple[Any, Any], ...], dict[str, tuple[Any, Any]]] | None:
    """`_merged` of a mapping without `<<` or a repeated key (most of them): its own pairs, or
    None when it has either (then `_merge_into` resolves them)."""
    by_key: dict[str, tuple[Any, Any]] = {}
    for pair in node.value:
        k = pair[0]
        if k.id == "scalar":
            key = str(k.value)
            if key == "<<" or key in by_key:
                return None
            by_key[key] = pair
    cached = (tuple(node.value), by_key)
    setattr(node, _MERGED, cached)
    return cached


def _merge_into(
    node: Any, out: list[tuple[Any, Any]], seen: set[str], depth: int, stack: set[int]
) -> None:
    if depth > MERGE_DEPTH or id(node) in stack:
        return
    stack = stack | {id(node)}
    merges: list[Any] = []
    for k, v in node.value:
        key = text_of(k)
        if key == "<<" and k.tag in ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:str"):
            merges.extend(v.value if is_seq(v) else [v])
            continue
        name = key if key is not None else f"#{id(k)}"
        if name not in seen:
            seen.add(name)
            out.append((k, v))
    for m in merges:
        if is_map(m):
            _merge_into(m, out, seen, depth + 1, stack)


def entry(node: Any, key: str) -> tuple[Any, Any] | None:
    """(key node, value node) for `key` in a mapping, or None."""
    if not is_map(node):
        return None
    return _merged(node)[1].get(key)


def get(node: Any, key: str) -> Any:
    """The value node for `key` in a mapping, or None."""
    found = entry(node, key)
    return found[1] if found else None


def get_text(node: Any, key: str) -> str | None:
    """The scalar value for `key` in a mapping, or None."""
    return text_of(get(node, key))


def seq(node: Any) -> list[Any]:
    """The item nodes of a sequence (empty for anything else)."""
    return list(node.value) if is_seq(node) else []


class Scalar(NamedTuple):
    """A scalar node with the first path it was reached by and its character span.

    A named tuple, not a frozen dataclass: one is made for every scalar of every workflow
    (~10,000 on the real trees' 81 workflows), and a frozen dataclass's `__init__` (one
    `object.__setattr__` a field) cost ~1.2 µs each against ~0.3 µs, ~10 % of the CI reader.
    """

    node: Any
    path: Path
    start: int
    end: int
    is_key: bool


@dataclass(slots=True)
class Doc:
    """One CI file: text, line index, documents, every scalar (keys too) sorted by position."""

    text: str
    roots: list[Any]
    line_starts: list[int]
    truncated: bool = False  # the node budget ran out
    expansion: int = 0  # alias-expanded node count (capped at EXPANSION_LIMIT + 1)
    # The scalar index, built on first use (most CI files have no hit to label):
    _scalars: list[Scalar] | None = None
    _starts: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Doc:
        """Parse and size `text` (its scalar index waits for a first use); raise ParseFailure
        when it is not YAML."""
        roots, made = _compose(text)
        doc = cls(text, roots, _line_starts(text))
        if _ALIAS.search(text) is None:
            # No alias, so no node is shared: the nodes the composer made for a document are
            # its expanded size and the number of unique nodes (what the index walk counts).
            counts = [min(n, EXPANSION_LIMIT + 1) for n in made]
            doc.truncated = sum(counts) > NODE_BUDGET
            doc.expansion = max(counts, default=0)
            return doc
        counts_or_none = doc._index()
        if counts_or_none is not None:
            # No node reached twice (no alias) and the whole tree indexed: the alias-expanded
            # size is each document's node count, already taken by the index walk.
            doc.expansion = max(counts_or_none, default=0)
        else:
            doc.expansion = max((_expanded_size(r) for r in roots), default=0)
        return doc

    @property
    def scalars(self) -> list[Scalar]:
        """Every scalar (keys too) with its first path and span, sorted by position."""
        if self._scalars is None:
            self._index()
        assert self._scalars is not None
        return self._scalars

    @property
    def starts(self) -> list[int]:
        """The start of each of `scalars`."""
        if self._scalars is None:
            self._index()
        return self._starts

    def escaped(self) -> list[tuple[Any, int, int]]:
        """(node, start, end) of the double-quoted scalars (keys too) whose source holds a
        backslash, in file order: the scalars whose text the file writes escaped."""
        text = self.text
        if "\\" not in text:
            return []
        if self._scalars is not None or self.truncated:
            spans = [(s.node, s.start, s.end) for s in self.scalars if s.node.style == '"']
        else:
            spans = []
            for node in _double_quoted(self.roots):
                start = self.index_of(node.start_mark)
                spans.append((node, start, max(self.index_of(node.end_mark), start + 1)))
            spans.sort(key=lambda t: t[1])
        return [t for t in spans if "\\" in text[t[1] : t[2]]]

    def index_of(self, mark: Any) -> int:
        """Character index of a pyyaml mark (computed from its line and column)."""
        line = min(int(mark.line), len(self.line_starts) - 1)
        return min(self.line_starts[line] + int(mark.column), len(self.text))

    def where(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of a character index."""
        line = bisect.bisect_right(self.line_starts, index) - 1
        return line + 1, index - self.line_starts[line] + 1

    def index_at(self, line: int, column: int) -> int:
        """Character index of a 1-based (line, column)."""
        line = max(1, min(line, len(self.line_starts)))
        return self.line_starts[line - 1] + max(column, 1) - 1

    def _index(self) -> list[int] | None:
        """Every scalar (keys too) with its first path and span, sorted by position; returns
        each document's node count, or None when a node was reached twice (an alias: counts
        would not be the alias-expanded size) or the node budget ran out."""
        visited: set[int] = set()
        budget = NODE_BUDGET
        shared = False
        counts: list[int] = []
        scalars: list[Scalar] = []
        self._scalars = scalars
        line_starts = self.line_starts
        last_line = len(line_starts) - 1
        size = len(self.text)
        for root in self.roots:
            before = len(visited)
            stack: list[tuple[Any, Path, bool]] = [(root, (), False)]
            while stack:
                node, path, is_key = stack.pop()
                nid = id(node)
                if nid in visited:
                    shared = True
                    continue
                visited.add(nid)
                budget -= 1
                if budget < 0:
                    self.truncated = True
                    break
                kind = node.id
                if kind == "scalar":
                    # index_of, inline and without min() calls: this runs for every scalar
                    mark = node.start_mark
                    line = mark.line
                    start = line_starts[line if line < last_line else last_line] + mark.column
                    start = start if start < size else size
                    mark = node.end_mark
                    line = mark.line
                    end = line_starts[line if line < last_line else last_line] + mark.column
                    end = end if end < size else size
                    end = end if end > start else start + 1
                    scalars.append(Scalar(node, path, start, end, is_key))
                elif kind == "sequence":
                    value = node.value
                    for i in range(len(value) - 1, -1, -1):
                        stack.append((value[i], (*path, i), False))
                else:
                    for k, v in reversed(node.value):
                        key = text_of(k)
                        sub = (*path, key if key is not None else "?")
                        stack.append((v, sub, False))
                        stack.append((k, path, True))
            counts.append(len(visited) - before)
            if self.truncated:
                break
        scalars.sort(key=lambda s: s.start)
        self._starts = [s.start for s in scalars]
        return None if shared or self.truncated else counts

    def scalar_at(self, index: int) -> Scalar | None:
        """The scalar whose span holds a character index (None: a comment or structure)."""
        i = bisect.bisect_right(self.starts, index) - 1
        if i >= 0 and self.scalars[i].start <= index < self.scalars[i].end:
            return self.scalars[i]
        return None

    def value_index(self, node: Any, offset: int) -> int:
        """Character index in the file of character `offset` of a scalar's value."""
        positions = value_positions(self.text, node, self.index_of(node.start_mark))
        if not positions:
            return self.index_of(node.start_mark)
        return positions[min(max(offset, 0), len(positions) - 1)]


def value_positions(text: str, node: Any, start: int) -> list[int]:
    """For each character of a scalar's value, its character index in the source text.

    Walks the source and the value together: indentation, line folding and quoting only add
    or turn whitespace, so non-space value characters are found in order. Escapes in double
    quotes and doubled quotes in single quotes are stepped over. When the two stop agreeing
    (should not happen), the rest map to the last position found.
    """
    value: str = node.value
    style = node.style or ""
    end = len(text)
    i = start
    if style in ("|", ">"):
        nl = text.find("\n", i)
        i = nl + 1 if nl >= 0 else end
    elif style in ("'", '"'):
        i += 1
    out: list[int] = []
    for ch in value:
        found = -1
        while i < end:
            s = text[i]
            if style == '"' and s == "\\":
                nxt = text[i + 1] if i + 1 < end else ""
                if nxt in ("\n", "\r"):
                    i += 2
                    while i < end and text[i] in " \t\r\n":
                        i += 1
                    continue
                found = i
                i += 2 + {"x": 2, "u": 4, "U": 8}.get(nxt, 0)
                break
            if style == "'" and s == "'" and ch == "'":
                found = i
                i += 2
                break
            if s == ch or (ch in " \n" and s in " \t\r\n"):
                found = i
                i += 1
                break
            if s in " \t\r\n":
                i += 1
                continue
            break
        if found < 0:
            last = out[-1] if out else start
            out.extend([last] * (len(value) - len(out)))
            return out
        out.append(found)
    return out


def _double_quoted(roots: list[Any]) -> list[Any]:
    """The double-quoted scalars of trees without aliases (no node is shared)."""
    out = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        kind = node.id
        if kind == "scalar":
            if node.style == '"':
                out.append(node)
        elif kind == "sequence":
            stack.extend(node.value)
        else:
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
    return out


def _line_starts(text: str) -> list[int]:
    """Where each line starts (after `\\n`, `\\r\\n` or `\\r`; not after pyyaml's other breaks)."""
    if "\r" in text:
        return [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]
    # Without a CR: the cumulative line lengths, each plus its newline (no loop in Python).
    return list(accumulate(map((1).__add__, map(len, text.split("\n")[:-1])), initial=0))


def _expanded_size(root: Any) -> int:
    """Node count with aliases expanded, capped at EXPANSION_LIMIT + 1 (cycles count as over)."""
    cap = EXPANSION_LIMIT + 1
    size: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            active.discard(nid)
            total = 1
            for child in _children(node):
                total += size.get(id(child), cap)
                if total >= cap:
                    break
            size[nid] = min(total, cap)
            continue
        if nid in size:
            continue
        if nid in active:
            return cap  # a cycle: `&a [*a]` expands forever
        active.add(nid)
        stack.append((node, True))
        for child in _children(node):
            if id(child) not in size:
                if id(child) in active:
                    return cap
                stack.append((child, False))
    return size.get(id(root), cap)


def _children(node: Any) -> Iterator[Any]:
    if node.id == "sequence":
        yield from node.value
    elif node.id == "mapping":
        for k, v in node.value:
            yield k
            yield v
