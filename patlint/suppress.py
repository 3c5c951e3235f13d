"""Inline suppression: `# patlint: ignore[rule-a,rule-b]` (or detect-secrets' `pragma: allowlist
secret`) on the line of a finding. Parsed once where the line is read, matched where findings
are judged."""

from __future__ import annotations

import re

SUPPRESS = re.compile(rb"patlint:\s*ignore(?:\[([^\]\r\n]*)\]|(?!\[))|pragma:\s*allowlist secret")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
# What ends a line for a reader: \n, \r (a file of old Mac line ends), vertical tab, form feed,
# NEL, and the Unicode line and paragraph separators (UTF-8), which editors show as breaks: a
# comment on the line shown above a token must not reach it.
_BREAKS = (b"\n", b"\r", b"\x0b", b"\x0c", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")


def suppression_at(data: bytes, offset: int) -> str | None:
    """`*` or a comma list of rule ids when the line holding `offset` carries a suppression
    (`patlint: ignore[...]` with no valid rule id in it suppresses nothing)."""
    lo = max(0, offset - 4096)
    hi = min(len(data), offset + 4096)
    line_start = lo  # not 0: earlier lines are not this line
    line_end = hi
    for brk in _BREAKS:
        before = data.rfind(brk, lo, offset)
        if before >= 0:
            line_start = max(line_start, before + len(brk))
        after = data.find(brk, offset, hi)
        if after >= 0:
            line_end = min(line_end, after)
    line = data[line_start:line_end]
    if b"patlint" not in line and b"pragma" not in line:
        return None
    m = SUPPRESS.search(line)
    if not m:
        return None
    if m.group(1) is not None:
        ids = {p.strip() for p in m.group(1).decode("utf-8", "replace").split(",")}
        valid = sorted(i for i in ids if _RULE_ID.fullmatch(i))
        return ",".join(valid) if valid else None
    return "*"


def covers(suppress: str | None, rule_id: str) -> bool:
    """True when a parsed suppression (`*` or a comma list of rule ids) covers `rule_id`."""
    return suppress is not None and (suppress == "*" or rule_id in suppress.split(","))
