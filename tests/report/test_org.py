"""`patlint org` reports (patlint/report/org.py): the inventory table with each token's power,
expiry and last use, the findings and the summary line, and JSON. Every name, owner and message
comes from GitHub's API answer (a token's owner chose its name): escapes are shown, never run,
and a token pasted into a name is redacted before the column is cut."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Any

from patlint.model import (
    Confidence,
    Finding,
    Location,
    OrgResult,
    OrgToken,
    ScanStats,
    Severity,
)
from patlint.report.common import ReportMeta
from patlint.report.org import render_json, render_text, summary_line

META = ReportMeta(version="9.9", config_source="-", fail_on="high", exit_code=1, verification="")
WHEN = datetime(2026, 3, 4, 5, 6, tzinfo=timezone.utc)


def result(inventory: list[OrgToken], findings: tuple[Finding, ...] = (), **kw: Any) -> OrgResult:
    return OrgResult([], list(findings), [], ScanStats(), org="acme", inventory=inventory, **kw)


def finding(severity: Severity, message: str = "too powerful") -> Finding:
    return Finding(
        "org-token-rule", message, severity, Confidence.HIGH, Location("acme"), token=None
    )


INVENTORY = [
    OrgToken(
        "fine-grained",
        1,
        "github_pat",
        "alice",
        "deploy",
        repository_selection="subset",
        repositories=("acme/a", "acme/b", "acme/c"),
        permissions={"repository:contents": "write", "repository:metadata": "read"},
        expires_at=WHEN,
        last_used_at=WHEN,
    ),
    OrgToken(
        "fine-grained",
        2,
        "github_pat",
        "bob",
        "reader",
        permissions={"a": "read"},
        expired=True,
        never_used=True,
    ),
    OrgToken(
        "saml",
        3,
        "ghp",
        "carol",
        "laptop",
        scopes=frozenset({"repo", "admin:org"}),
        last_eight="abcd1234",
    ),
    OrgToken("saml", 4, "gho", "dave", scopes=frozenset()),
]


def rows(text: str) -> dict[str, list[str]]:
    """Inventory rows by their preview, split on runs of two or more spaces."""
    import re

    out = {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells and (cells[0].startswith(("github_pat #", "gho #")) or "_…" in cells[0]):
            out[cells[0]] = cells
    return out


def test_the_inventory_shows_power_expiry_and_last_use(token: Any) -> None:
    out = io.StringIO()
    render_text(result(INVENTORY), stream=out, meta=META)
    table = rows(out.getvalue())
    assert table["github_pat #1"][5:] == [
        "repository:contents: write (+1 read)",
        "2026-03-04",
        "2026-03-04",
    ]
    assert table["github_pat #2"][-3:] == ["read only", "expired", "never"]
    assert table["ghp_…1234"][-3:] == ["admin:org, repo", "never", "unknown"]
    assert table["gho #4"][-3:] == ["(no scopes)", "never", "unknown"]
    assert out.getvalue().splitlines()[-1] == (
        "patlint org acme (github.com): 4 tokens (2 fine-grained, 2 SAML-authorized); "
        "0 findings; 0 suppressed"
    )


def test_the_summary_orders_severities_and_counts_suppressed() -> None:
    r = result(
        INVENTORY[:1],
        (finding(Severity.LOW), finding(Severity.CRITICAL), finding(Severity.LOW)),
    )
    r.suppressed.append(finding(Severity.HIGH))
    assert summary_line(r) == (
        "patlint org acme (github.com): 1 tokens (1 fine-grained, 0 SAML-authorized); "
        "3 findings (1 critical, 2 low); 1 suppressed"
    )


def test_names_owners_messages_and_the_org_from_the_api_cannot_run_escapes(token: Any) -> None:
    secret = token("ghp")
    hostile = OrgToken(
        "fine-grained",
        5,
        "github_pat",
        "mallory\x1b[2J",
        "x" * 30 + " " + secret,  # the cut at 40 would leave part of it: redacted first
        permissions={"repository:contents\x1b]0;pwn\x07": "write"},
    )
    r = result([hostile], (finding(Severity.HIGH, "name \u202egpj.exe"),))
    r.notices.append("GitHub said \x1b[31mred")
    r.org = "acme\x1b[1A"
    out = io.StringIO()
    render_text(r, stream=out, meta=META)
    shown = out.getvalue()
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in shown
    assert "mallory\\x1b[2J" in shown and "acme\\x1b[1A" in shown and "\\u202e" in shown
    assert secret[:5] not in shown


def test_json_keeps_every_field_and_the_counts() -> None:
    out = io.StringIO()
    render_json(result(INVENTORY, (finding(Severity.HIGH),)), stream=out, meta=META)
    doc = json.loads(out.getvalue())
    assert doc["schema_version"] == "2.0" and doc["tool"] == {"name": "patlint", "version": "9.9"}
    assert (doc["org"], doc["host"]) == ("acme", "github.com")
    assert doc["summary"] == {
        "tokens": 4,
        "findings": 1,
        "by_severity": {"high": 1},
        "suppressed": 0,
        "fail_on": "high",
        "exit_code": 1,
    }
    first, second, third, _ = doc["inventory"]
    assert first["expires_at"] == WHEN.isoformat() and first["repository_selection"] == "subset"
    assert first["repositories"] == ["acme/a", "acme/b", "acme/c"]
    assert first["permissions"] == {"repository:contents": "write", "repository:metadata": "read"}
    assert (second["expired"], second["never_used"], second["last_used_at"]) == (True, True, None)
    assert third["scopes"] == ["admin:org", "repo"] and third["preview"] == "ghp_…1234"
    assert out.getvalue() == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_json_repository_count_is_a_number_or_null() -> None:
    # It was the text column's string ("3", "all", "none", "?"): a consumer summing or comparing
    # counts got strings. Now a number when known, null when the token reaches all repositories
    # (`repository_selection` says "all") or when the selection was not listed; the text table
    # keeps its words.
    listed = INVENTORY[0]
    inventory = [
        listed,
        OrgToken("fine-grained", 5, "github_pat", "eve", "a", "all"),
        OrgToken("fine-grained", 6, "github_pat", "frank", "b", "none"),
        OrgToken("fine-grained", 7, "github_pat", "gina", "c", "subset"),  # list failed
        OrgToken("fine-grained", 8, "github_pat", "hal", "d", "subset", repositories=()),
        INVENTORY[2],  # SAML: GitHub says nothing about repositories
    ]
    out = io.StringIO()
    render_json(result(inventory), stream=out, meta=META)
    got = [
        (e["id"], e["repository_selection"], e["repository_count"])
        for e in json.loads(out.getvalue())["inventory"]
    ]
    assert got == [
        (1, "subset", 3),
        (5, "all", None),
        (6, "none", 0),
        (7, "subset", None),
        (8, "subset", 0),
        (3, None, None),
    ]
    assert all(type(n) is int for _, _, n in got if n is not None)
    text = io.StringIO()
    render_text(result(inventory), stream=text, meta=META)
    table = rows(text.getvalue())
    assert [table[p][4] for p in ("github_pat #1", "github_pat #5", "github_pat #6")] == [
        "3",
        "all",
        "none",
    ]
    assert [table[p][4] for p in ("github_pat #7", "github_pat #8")] == ["?", "0"]
