"""Inline suppression: `# patlint: ignore[rule-a,rule-b]` (or detect-secrets' `pragma: allowlist
secret`) on the line of a finding. Parsed once where the line is read, matched where findings
are judged."""

from __future__ import annotations

import re

SUPPRESS = re.compile(rb"patlint:\s*ignore(?:\[([a-z0-9, -]+)\])?|pragma:\s*allowlist secret")


def suppression_at(data: bytes, offset: int) -> str | None:
    """`*` or a comma list of rule ids when the line holding `offset` carries a suppression."""
    lo = max(0, offset - 4096)
    newline = data.rfind(b"\n", lo, offset)
    line_start = newline + 1 if newline >= 0 else lo  # not 0: earlier lines are not this line
    line_end = data.find(b"\n", offset, offset + 4096)
    line = data[line_start : line_end if line_end >= 0 else offset + 4096]
    if b"patlint" not in line and b"pragma" not in line:
        return None
    m = SUPPRESS.search(line)
    if not m:
        return None
    if m.group(1):
        return ",".join(sorted({p.strip() for p in m.group(1).decode().split(",") if p.strip()}))
    return "*"


def covers(suppress: str | None, rule_id: str) -> bool:
    """True when a parsed suppression (`*` or a comma list of rule ids) covers `rule_id`."""
    return suppress is not None and (suppress == "*" or rule_id in suppress.split(","))
