"""`patlint revoke` output: one row per token (redacted preview, SHA-256, host, status)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from patlint.model import Outcome
from patlint.report.text import safe


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """Tokens per status."""
    out: dict[str, int] = {}
    for o in outcomes:
        out[o.status] = out.get(o.status, 0) + 1
    return dict(sorted(out.items()))


def render_text(outcomes: Sequence[Outcome], *, stream: TextIO, dry_run: bool) -> None:
    """A table and a summary line."""
    from tabulate import tabulate

    rows = [[o.preview, o.sha256, o.host, o.status, safe(o.detail)] for o in outcomes]
    if rows:
        stream.write(tabulate(rows, headers=["TOKEN", "SHA256", "HOST", "STATUS", "DETAIL"]) + "\n")
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
