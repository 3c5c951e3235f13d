"""`patlint revoke` output (patlint/report/revoke.py): a table that fits 120 columns with a
summary line, and JSON with every digest in full. Hosts and details come from a report or an
API answer: their escapes never reach the terminal."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

from patlint.model import Outcome, redact
from patlint.report.revoke import counts, render_json, render_text


def outcome(secret: str, status: str, detail: str = "", host: str = "github.com") -> Outcome:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return Outcome(redact(secret), digest, secret[:3], host, status, detail)


def text(outcomes: list[Outcome], dry_run: bool = False) -> str:
    out = io.StringIO()
    render_text(outcomes, stream=out, dry_run=dry_run)
    return out.getvalue()


def test_the_table_fits_120_columns_and_the_summary_counts_each_status(token: Any) -> None:
    long = "GitHub answered 422: " + " ".join(["the credential was not recognised"] * 12)
    outcomes = [
        outcome(token("ghp"), "submitted"),
        outcome(token("gho"), "failed", long),
        outcome(token("ghp"), "submitted"),
        outcome(token("ghu"), "skipped", "not a kind GitHub revokes by API"),
    ]
    shown = text(outcomes)
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert lines[0].split() == ["TOKEN", "SHA256", "HOST", "STATUS", "DETAIL"]
    assert lines[-1] == "patlint revoke: 4 tokens: 1 failed, 1 skipped, 2 submitted"
    for o in outcomes:
        assert f"{o.preview}  {o.sha256[:16]}  " in shown and o.sha256[:17] not in shown
    # the long detail wrapped under itself: every word is there
    assert " ".join(shown.split()).count("the credential was not recognised") == 12
    assert counts(outcomes) == {"failed": 1, "skipped": 1, "submitted": 2}


def test_a_dry_run_says_so_and_nothing_to_do_has_no_table() -> None:
    assert (
        text([], dry_run=True)
        == "patlint revoke (dry run, nothing sent): 0 tokens: nothing to do\n"
    )
    assert text([]) == "patlint revoke: 0 tokens: nothing to do\n"


def test_escapes_in_a_host_or_a_detail_are_shown_never_run(token: Any) -> None:
    hostile = outcome(
        token("ghp"),
        "failed",
        "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \u202eexe.txt",
        host="evil\x1b[2J.example",
    )
    shown = text([hostile])
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "evil\\x1b[2J.example" in shown and "\\u202e" in shown


def test_json_has_every_digest_in_full_and_the_same_counts(token: Any) -> None:
    secrets = [token("ghp"), token("gho")]
    outcomes = [outcome(secrets[0], "dry-run"), outcome(secrets[1], "skipped", "ghe.example")]
    out = io.StringIO()
    render_json(outcomes, stream=out, dry_run=True)
    doc = json.loads(out.getvalue())
    assert doc["schema_version"] == "1.0" and doc["dry_run"] is True
    assert doc["summary"] == {"dry-run": 1, "skipped": 1}
    assert [r["sha256"] for r in doc["revocations"]] == [
        hashlib.sha256(s.encode()).hexdigest() for s in secrets
    ]
    assert [r["status"] for r in doc["revocations"]] == ["dry-run", "skipped"]
    for s in secrets:
        assert s not in out.getvalue()
    assert out.getvalue() == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_a_token_in_a_long_detail_is_redacted_before_it_is_wrapped(token: Any) -> None:
    """A detail is an API's answer (hostile too) and is wrapped to the table's width: a
    fine-grained token it echoes (93 characters) was broken mid-word, and the second line
    matched no shape when the output's redactor saw it."""
    from patlint.redaction import Redactor

    echoed = token("github_pat")
    shown = Redactor()(text([outcome(token("ghp"), "failed", f"GitHub answered 422: {echoed}")]))
    assert [
        echoed[i : i + 12] for i in range(len(echoed) - 11) if echoed[i : i + 12] in shown
    ] == []
    assert redact(echoed) in shown
