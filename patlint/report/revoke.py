"""`patlint revoke` output: one row per token (redacted preview, SHA-256, host, status)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from patlint.model import Outcome
from patlint.redaction import redact_text
from patlint.report.text import safe


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """Tokens per status."""
    out: dict[str, int] = {}
    for o in outcomes:
        out[o.status] = out.get(o.status, 0) + 1
    return dict(sorted(out.items()))


WIDTH = 120  # columns the table fits: the detail wraps under itself
DIGEST_SHOWN = 16  # hex digits of the SHA-256 (`revoke --token` takes them; JSON has all 64)


def render_text(outcomes: Sequence[Outcome], *, stream: TextIO, dry_run: bool) -> None:
    """A table that fits 120 columns and a summary line."""
    import textwrap

    from tabulate import tabulate

    headers = ["TOKEN", "SHA256", "HOST", "STATUS", "DETAIL"]
    cells = [[o.preview, o.sha256[:DIGEST_SHOWN], safe(o.host), o.status] for o in outcomes]
    # tabulate's widths: a header and 2 spaces of padding at least, then 2 between columns
    used = sum(
        max(len(h) + 2, 0, *(len(r[i]) for r in cells)) + 2 for i, h in enumerate(headers[:4])
    )
    room = max(30, WIDTH - used)
    rows = [
        # redacted before it is wrapped: a token broken across lines matches no shape
        [*r, "\n".join(textwrap.wrap(redact_text(safe(o.detail)), room, break_on_hyphens=False))]
        for r, o in zip(cells, outcomes, strict=True)
    ]
    if rows:
        stream.write(tabulate(rows, headers=headers, disable_numparse=True) + "\n")
    by = ", ".join(f"{n} {s}" for s, n in counts(outcomes).items()) or "nothing to do"
    head = "patlint revoke (dry run, nothing sent)" if dry_run else "patlint revoke"
    stream.write(f"{head}: {len(outcomes)} token{'s' if len(outcomes) != 1 else ''}: {by}\n")


def render_json(outcomes: Sequence[Outcome], *, stream: TextIO, dry_run: bool) -> None:
    """Sorted-key JSON: one object per token, and counts per status."""
    doc: dict[str, Any] = {
        "schema_version": "1.0",
        "dry_run": dry_run,
        "summary": counts(outcomes),
        "revocations": [
            {
                "preview": o.preview,
                "sha256": o.sha256,
                "kind": o.kind,
                "host": o.host,
                "status": o.status,
                "detail": o.detail,
            }
            for o in outcomes
        ],
    }
    json.dump(doc, stream, indent=2, sort_keys=True, ensure_ascii=False)
    stream.write("\n")
