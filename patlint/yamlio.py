"""Hostile-input-safe YAML: size, nesting depth and alias expansion are bounded."""

from __future__ import annotations

import re
from itertools import accumulate, tee
from operator import sub
from typing import Any

from patlint.errors import ConfigError

MAX_BYTES = 4 << 20
MAX_EXPANDED_NODES = 1_000_000
MAX_DEPTH = 200


_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def flow_depth(text: str) -> int:
    """Deepest `[`/`{` nesting (an over-estimate when brackets sit inside quoted strings; a
    `]`/`}` with nothing open is ignored), without a Python loop over the brackets (a CI
    workflow's `${{ }}` expressions are hundreds of them).

    The depth after each bracket is the running sum of the steps (+1 open, -1 close) minus its
    running minimum so far (0 included): a closer that would go below 0 only lowers that minimum.
    """
    sums, lows = tee(
        accumulate(map(_BRACKET_STEP.__getitem__, _NOT_BRACKETS.sub("", text)), initial=0)
    )
    depth: int = max(map(sub, sums, accumulate(lows, min)))
    return depth


def flow_deeper_than(text: str, limit: int) -> bool:
    """`flow_depth(text) > limit`, without its walk for most texts: nesting is at most the
    number of opening brackets."""
    return text.count("[") + text.count("{") > limit and flow_depth(text) > limit


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def expanded_size(root: Any, *, limit: int = MAX_EXPANDED_NODES, max_depth: int = MAX_DEPTH) -> int:
    """Node count once aliases are expanded (memoised, stops past `limit`); checks depth too."""
    import yaml

    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if depth > max_depth:
            raise ValueError(f"nested deeper than {max_depth} levels")
        key = id(node)
        if key in sizes:
            return sizes[key]
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
                if total > limit:
                    break
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
                if total > limit:
                    break
        sizes[key] = total
        return total

    return size(root, 0) if root is not None else 0


def block_depth(text: str) -> int:
    """Deepest block nesting, estimated from indentation (two spaces a level)."""
    indent = max((len(m.group(1)) for m in re.finditer(r"(?m)^( +)\S", text)), default=0)
    return indent // 2


def load_or_reason(text: str) -> tuple[Any, str | None]:
    """Like `safe_load` for data files (credential configs): (document, None) or (None, why not)."""
    try:
        return safe_load(text, "document"), None
    except ConfigError as exc:
        return None, str(exc).removeprefix("document: ")


def safe_load(text: str, where: str, *, error: type[ConfigError] = ConfigError) -> Any:
    """`yaml.safe_load` that refuses huge, deeply nested or alias-bomb documents with a clear error."""
    import yaml

    if len(text) > MAX_BYTES:
        raise error(f"{where}: larger than {MAX_BYTES >> 20} MB, refused")
    if flow_deeper_than(text, MAX_DEPTH) or block_depth(text) > MAX_DEPTH:
        # libyaml recurses per level: refuse before it can overflow the C stack.
        raise error(f"{where}: nested deeper than {MAX_DEPTH} levels, refused")
    loader = _loader()(text)  # one parse: compose, check the node graph, then construct it
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if expanded_size(node) > MAX_EXPANDED_NODES:
            raise error(
                f"{where}: expands to more than {MAX_EXPANDED_NODES} nodes (alias bomb?), refused"
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise error(f"{where}: not valid YAML ({problem}{at})") from None
    except (RecursionError, ValueError) as exc:
        msg = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise error(f"{where}: {msg}, refused") from None
    finally:
        loader.dispose()
