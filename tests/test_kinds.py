"""The token-kind table: the facts each part of patlint reads from it."""

from __future__ import annotations

from patlint.kinds import (
    CLASSIC_KINDS,
    CLASSIC_PAT_KINDS,
    KIND_NAMES,
    KINDS,
    PAT_KINDS,
    REVOCABLE_KINDS,
    RULE_TOKEN_KINDS,
)
from patlint.tokengen import make_token


def test_kind_sets_are_what_github_documents() -> None:
    assert {"ghp", "github_pat", "gho", "ghu", "ghr"} == REVOCABLE_KINDS
    assert {"ghp", "gho", "legacy"} == CLASSIC_KINDS
    assert {"ghp", "github_pat", "legacy"} == PAT_KINDS
    assert {"ghp", "legacy"} == CLASSIC_PAT_KINDS
    assert RULE_TOKEN_KINDS[-1] == "invalid" and set(RULE_TOKEN_KINDS[:-1]) == set(KINDS)
    assert KIND_NAMES["ghs"] == "GitHub App installation token"


def test_each_kind_generates_tokens_with_its_prefix() -> None:
    for kind in KINDS.values():
        token = make_token(kind.id)
        assert token.startswith(kind.prefix)
        if kind.prefix:
            assert token.startswith(kind.prefix) and token[len(kind.prefix) :].isascii()
        else:
            assert len(token) == 40 and int(token, 16) >= 0


def test_settings_pages_come_from_the_table() -> None:
    from patlint.kinds import settings_page

    assert settings_page("gho") == "https://github.com/settings/applications"
    assert settings_page("ghr") == settings_page("ghu") != settings_page("ghp")
    assert settings_page("github_pat") == "https://github.com/settings/personal-access-tokens"
    # No page of its own (an installation token) or no kind at all: the classic tokens page.
    assert settings_page("ghs") == settings_page("invalid") == settings_page("legacy")
    assert settings_page("ghp") == "https://github.com/settings/tokens"


def test_prose_that_lists_kinds_lists_the_tables() -> None:
    # Help text cannot be computed: it is checked against the table instead.
    import re

    from patlint.cli.revoke import revoke

    help_text = " ".join((revoke.help or "").split())
    listed = re.search(r"Accepted kinds: ([^.]+)\.", help_text)
    assert listed is not None
    prefixes = {p.strip() for p in listed.group(1).split(",")}
    assert prefixes == {KINDS[k].prefix for k in REVOCABLE_KINDS}


def test_token_shaped_messages_are_caught_for_every_prefixed_kind() -> None:
    from patlint.policy.examples import token_leak

    for kind in KINDS.values():
        if kind.prefix:
            assert token_leak(f"found {make_token(kind.id)} here"), kind.id
    assert not token_leak("ghp_…9xQ2 (a preview)")


def test_placeholders_are_shape_valid_for_fixed_length_kinds() -> None:
    from patlint.tokengen import make_placeholder

    for kind in KINDS.values():
        if kind.body is not None:
            assert make_placeholder(kind.id) == kind.prefix + "X" * kind.body
