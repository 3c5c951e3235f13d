"""The model's safety properties: a Secret never shows its plaintext by accident, and a
finding's fingerprint survives edits (no line number)."""

from __future__ import annotations

import pickle
from typing import Any

from patlint.model import Secret, finding_fingerprint, sha256_hex


def test_a_secret_shows_only_its_preview(token: Any) -> None:
    t = token("ghp")
    s = Secret(t, "ghp")
    for shown in (str(s), repr(s), f"{s}", f"{s!r}", str([s]), str({"k": s})):
        assert t not in shown
    assert s.preview in str(s) and s.reveal() == t and s.digest == sha256_hex(t)


def test_secrets_compare_by_digest_and_survive_pickling(token: Any) -> None:
    t = token("gho")
    a, b = Secret(t, "gho"), Secret(t, "ghp")
    assert a == b and hash(a) == hash(b) and a != Secret(token("gho"), "gho")
    back = pickle.loads(pickle.dumps(a))  # noqa: S301 - our own bytes (the workers do this)
    assert back == a and back.reveal() == t and back.kind == "gho"


def test_fingerprints_have_no_line_number_and_separate_their_fields() -> None:
    fp = finding_fingerprint("no-expiration", "a/b.env", "d" * 64)
    assert fp == finding_fingerprint("no-expiration", "a/b.env", "d" * 64)
    assert fp != finding_fingerprint("no-expiration", "a/b.en", "v" + "d" * 64)  # no run-on
    assert fp != finding_fingerprint("no-expiratio", "na/b.env", "d" * 64)


def test_utc_converts_or_says_there_is_no_utc_form() -> None:
    from datetime import datetime, timedelta, timezone

    from patlint.model import utc

    plus2 = timezone(timedelta(hours=2))
    assert utc(datetime(2030, 1, 1, 2, 0, tzinfo=plus2)) == datetime(
        2030, 1, 1, tzinfo=timezone.utc
    )
    assert utc(datetime(2030, 1, 1)) == datetime(2030, 1, 1, tzinfo=timezone.utc)
    late = timezone(-timedelta(hours=23, minutes=59))
    assert utc(datetime(9999, 12, 31, 23, 59, 59, tzinfo=late)) is None
    early = timezone(timedelta(hours=23, minutes=59))
    assert utc(datetime(1, 1, 1, 0, 0, 0, tzinfo=early)) is None
