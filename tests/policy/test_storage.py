"""Storage checks: the same token in several places; a token stored for a non-GitHub host."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from patlint.errors import ConfigError
from patlint.model import (
    Candidate,
    Confidence,
    Context,
    Location,
    Secret,
    Severity,
    Token,
    TokenInfo,
    TokenStatus,
)
from patlint.policy.base import PolicyContext
from patlint.policy.storage import SeveralPlacesCheck, WrongHostCheck

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def tok(
    value: str, *places: tuple[str, str | None, str | None], info: TokenInfo | None = None
) -> Token:
    secret = Secret(value, "ghp")
    cands = tuple(
        Candidate(
            "github-classic-pat",
            secret,
            Location(path, 1),
            Context(file_type="text", host=host, usage=usage),
            Severity.HIGH,
            Confidence.HIGH,
        )
        for path, host, usage in places
    )
    return Token(secret, cands, info)


def test_several_places(token: Any) -> None:
    check = SeveralPlacesCheck()
    params = check.parse_params({"min_places": 3}, "rules.x.params")
    t = token("ghp")
    two = tok(t, ("~/a", "github.com", "git"), ("~/b", None, None), ("~/a", None, "git"))
    assert list(check.evaluate(two, params, now=NOW)) == []
    three = tok(
        t, ("~/a", "github.com", "git"), ("~/b", None, "npm"), ("env:GH_TOKEN", "github.com", "env")
    )
    [v] = check.evaluate(three, params, now=NOW)
    assert v.message == (
        f"token {Secret(t, 'ghp').preview} is stored in 3 places: ~/a (github.com), ~/b, "
        "env:GH_TOKEN (github.com); every copy must be found and removed when it leaks or rotates"
    )


def test_mentions_in_text_files_are_not_stores(token: Any) -> None:
    check = SeveralPlacesCheck()
    t = token("ghp")
    mentions = tok(
        t, ("notes.txt", None, None), ("copy.txt", None, None), ("~/.npmrc", None, "npm")
    )
    assert (
        list(check.evaluate(mentions, check.parse_params({"count_text": False}, "p"), now=NOW))
        == []
    )
    [v] = check.evaluate(mentions, check.parse_params({}, "p"), now=NOW)
    assert "is stored in 3 places: notes.txt, copy.txt, ~/.npmrc;" in v.message


@pytest.mark.parametrize(
    "params", [{"min_places": 1}, {"min_places": "2"}, {"places": 2}, {"count_text": "yes"}]
)
def test_several_places_params(params: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=r"^rules\.x\.params\."):
        SeveralPlacesCheck().parse_params(params, "rules.x.params")


def test_wrong_host(token: Any) -> None:
    check = WrongHostCheck()
    params = check.parse_params({}, "p")
    t = token("ghp")
    ok = tok(
        t,
        ("a", "github.com", "git"),
        ("b", "ghcr.io", None),
        ("c", "npm.pkg.github.com", "npm"),
        ("d", "acme.ghe.com", None),
        ("e", "github.acme.internal", None),
        ("f", None, None),
    )
    assert list(check.evaluate(ok, params, now=NOW)) == []
    bad = tok(t, ("~/.npmrc", "registry.npmjs.org", "npm"), ("x", "gitlab.com", None))
    assert [v.message for v in check.evaluate(bad, params, now=NOW)] == [
        f"token {Secret(t, 'ghp').preview} is stored as npm credential for registry.npmjs.org in "
        "~/.npmrc:1, where a GitHub token cannot authenticate; it is either a mistake or a copy "
        "that leaks to that host",
        f"token {Secret(t, 'ghp').preview} is stored for gitlab.com in x:1, where a GitHub token "
        "cannot authenticate; it is either a mistake or a copy that leaks to that host",
    ]


def test_wrong_host_knows_configured_and_verified_ghes_hosts(token: Any) -> None:
    check = WrongHostCheck()
    t = token("ghp")
    stored = tok(t, ("a", "git.corp.example", "git"))
    assert len(list(check.evaluate(stored, check.parse_params({}, "p"), now=NOW))) == 1
    params = check.parse_params({"github_hosts": ["github.com", "git.corp.example"]}, "p")
    assert list(check.evaluate(stored, params, now=NOW)) == []
    info = TokenInfo(status=TokenStatus.VALID, kind="ghp", host="git.corp.example")
    verified = tok(t, ("a", "git.corp.example", "git"), info=info)
    assert list(check.evaluate(verified, check.parse_params({}, "p"), now=NOW)) == []
    with pytest.raises(ConfigError, match="github_hosts: expected a list of host globs"):
        check.parse_params({"github_hosts": "github.com"}, "p")


def test_wrong_host_knows_hosts_configured_as_github_api_targets(token: Any) -> None:
    """`--github-api HOST=URL` / `github_api:` hosts reach the check through its context."""
    check = WrongHostCheck()
    t = token("ghp")
    stored = tok(
        t,
        ("~/.git-credentials", "git.corp.example", "git"),
        ("~/.docker/config.json", "git.corp.example:5050", "container-registry"),
        ("~/.npmrc", "registry.npmjs.org", "npm"),
    )
    ctx = PolicyContext(github_hosts=frozenset({"git.corp.example"}))
    preview = Secret(t, "ghp").preview
    npm = (
        f"token {preview} is stored as npm credential for registry.npmjs.org in ~/.npmrc:1, "
        "where a GitHub token cannot authenticate; it is either a mistake or a copy that leaks "
        "to that host"
    )
    default = check.parse_params({}, "p")
    assert [v.message for v in check.evaluate(stored, default, now=NOW, ctx=ctx)] == [npm]
    assert len(list(check.evaluate(stored, default, now=NOW))) == 3  # not configured
    # GHE.com tenants and configured hosts count even when params name other hosts only.
    narrow = check.parse_params({"github_hosts": ["github.com"]}, "p")
    tenant = tok(t, ("a", "containers.acme.ghe.com", None), ("b", "git.corp.example", "git"))
    assert list(check.evaluate(tenant, narrow, now=NOW, ctx=ctx)) == []
    [v] = check.evaluate(tenant, narrow, now=NOW)
    assert "for git.corp.example in b:1" in v.message


def hist(value: str, *sightings: tuple[str, str, str, bool], usage: str | None = None) -> Token:
    """A token seen by a history scan: (path, commit, blob, in_head) per sighting, oldest first."""
    secret = Secret(value, "ghp")
    cands = tuple(
        Candidate(
            "github-classic-pat",
            secret,
            Location(path, 1, 1, 0, commit=commit, blob=blob, in_head=in_head),
            Context(usage=usage),
            Severity.HIGH,
            Confidence.HIGH,
        )
        for path, commit, blob, in_head in sightings
    )
    return Token(secret, cands)


@pytest.mark.parametrize(
    ("sightings", "shown"),
    [
        # a.env committed, then renamed to b.env: the same blob moved, one place
        ([("a.env", "c1", "X", False), ("b.env", "c2", "X", True)], None),
        # renamed, then edited at its new path (a new blob there): still one file
        (
            [("a.env", "c1", "X", False), ("b.env", "c2", "X", False), ("b.env", "c3", "Y", True)],
            None,
        ),
        # a file edited in place: two blobs, one path, one place
        ([("a.env", "c1", "X", False), ("a.env", "c2", "Y", True)], None),
        # copied unchanged, and both copies are still in HEAD: two places
        ([("a.env", "c1", "X", True), ("b.env", "c2", "X", True)], "2 places: a.env, b.env"),
        # two files holding the token in different content (two blobs)
        ([("a.env", "c1", "X", True), ("c.env", "c2", "Y", False)], "2 places: a.env, c.env"),
        # one commit added the same content at two paths (both deleted since): two places
        ([("a.env", "c1", "X", False), ("b.env", "c1", "X", False)], "2 places: a.env, b.env"),
        # a copy, edited after: both paths still hold the token in HEAD
        (
            [("a.env", "c1", "X", True), ("b.env", "c2", "X", False), ("b.env", "c3", "Y", True)],
            "2 places: a.env, b.env",
        ),
        # a renamed file beside another file with the token
        (
            [("a.env", "c1", "X", False), ("c.env", "c1", "Y", True), ("b.env", "c2", "X", True)],
            "2 places: a.env → b.env (one copy, moved), c.env",
        ),
        # three paths of one blob, two of them in HEAD: two copies, shown as one moving file
        (
            [("p.env", "c1", "X", True), ("q.env", "c2", "X", False), ("r.env", "c3", "X", True)],
            "2 places: p.env → q.env → r.env (2 copies, moved)",
        ),
    ],
)
def test_several_places_follows_files_through_history(
    token: Any, sightings: list[tuple[str, str, str, bool]], shown: str | None
) -> None:
    check = SeveralPlacesCheck()
    t = token("ghp")
    verdicts = list(check.evaluate(hist(t, *sightings), check.parse_params({}, "p"), now=NOW))
    if shown is None:
        assert verdicts == []
    else:
        [v] = verdicts
        assert v.message == (
            f"token {Secret(t, 'ghp').preview} is stored in {shown}; every copy must be found "
            "and removed when it leaks or rotates"
        )


def test_wrong_host_knows_subdomains_of_configured_ghes_hosts(token: Any) -> None:
    """GHES with subdomain isolation serves its registries at npm.HOST, containers.HOST, …:
    a token stored for them is stored for GitHub once HOST is configured as an API target."""
    check = WrongHostCheck()
    t = token("ghp")
    stored = tok(
        t,
        ("~/.npmrc", "npm.git.corp.example", "npm"),
        ("~/.docker/config.json", "containers.git.corp.example:443", "container-registry"),
        ("~/.netrc", "notgit.corp.example", None),  # a sibling, not a subdomain
    )
    ctx = PolicyContext(github_hosts=frozenset({"git.corp.example"}))
    [v] = check.evaluate(stored, check.parse_params({}, "p"), now=NOW, ctx=ctx)
    assert "for notgit.corp.example in ~/.netrc:1" in v.message
    assert len(list(check.evaluate(stored, check.parse_params({}, "p"), now=NOW))) == 3


def test_default_github_hosts_are_the_rules_yaml() -> None:
    # One fact: the check's default (used when a config drops the param) is the shipped rule's.
    from patlint.config import Config
    from patlint.engine.ruleset import build_ruleset
    from patlint.policy.storage import DEFAULT_GITHUB_HOSTS

    known = build_ruleset(Config()).known
    [rule] = [r for r in known if r.params.get("github_hosts") is not None]
    assert tuple(rule.params["github_hosts"]) == DEFAULT_GITHUB_HOSTS
