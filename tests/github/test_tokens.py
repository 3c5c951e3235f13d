"""Response → TokenInfo: status from code and headers, scopes, both expiry formats, SSO."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from patlint.github.tokens import classify, endpoint_for, parse_expiration, parse_scopes, parse_sso
from patlint.github.transport import Response
from patlint.model import TokenStatus
from patlint.scopes import expand_scopes

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def resp(status: int, body: object = None, **headers: str) -> Response:
    return Response(status, {k.lower().replace("_", "-"): v for k, v in headers.items()}, body)


def test_parse_scopes() -> None:
    assert parse_scopes("repo, admin:org, gist") == {"repo", "admin:org", "gist"}
    assert parse_scopes("") == frozenset()
    assert parse_scopes(None) is None


def test_expand_scopes_follows_the_hierarchy() -> None:
    assert expand_scopes(["admin:org"]) == {
        "admin:org",
        "write:org",
        "read:org",
        "manage_runners:org",
    }
    assert "public_repo" in expand_scopes(["repo"])
    assert expand_scopes(["write:packages"]) == {"write:packages", "read:packages"}
    assert expand_scopes(["admin:gpg_key"]) == {"admin:gpg_key", "write:gpg_key", "read:gpg_key"}
    assert expand_scopes(["gist"]) == {"gist"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-10-07 19:07:53 UTC", datetime(2021, 10, 7, 19, 7, 53, tzinfo=timezone.utc)),
        (
            "2023-04-26 23:23:18 +0200",
            datetime(2023, 4, 26, 21, 23, 18, tzinfo=timezone.utc),
        ),
        ("2023-01-31 23:00:00 -0700", datetime(2023, 2, 1, 6, 0, 0, tzinfo=timezone.utc)),
    ],
)
def test_parse_expiration_both_formats(value: str, expected: datetime) -> None:
    parsed = parse_expiration(value)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None


def test_parse_expiration_garbage() -> None:
    assert parse_expiration("next tuesday") is None
    assert parse_expiration("2021-13-07 19:07:53 UTC") is None


def test_parse_sso_required_drops_the_authorization_request() -> None:
    state, shown, orgs = parse_sso(
        "required; url=https://github.com/orgs/acme/sso?authorization_request=SECRETISH"
    )
    assert (state, shown, orgs) == (
        "required",
        "required; url=https://github.com/orgs/acme/sso",
        ("acme",),
    )


def test_parse_sso_partial_results() -> None:
    assert parse_sso("partial-results; organizations=21955855,20582480") == (
        "partial-results",
        "partial-results; organizations=21955855,20582480",
        ("21955855", "20582480"),
    )
    assert parse_sso(None) == (None, None, ())


def test_endpoints_by_kind() -> None:
    assert endpoint_for("ghp") == ("/user", {})
    assert endpoint_for("github_pat") == ("/user", {})
    assert endpoint_for("ghs") == ("/installation/repositories", {"per_page": "1"})
    assert endpoint_for("ghr") is None


def test_classic_valid_without_expiration_never_expires() -> None:
    info = classify(
        resp(200, {"login": "octocat"}, x_oauth_scopes="repo, admin:org"),
        "ghp",
        "github.com",
        now=NOW,
    )
    assert info.status is TokenStatus.VALID
    assert info.owner == "octocat"
    assert info.scopes == {"repo", "admin:org"}
    assert info.never_expires is True
    assert info.expires_at is None
    assert info.checked_at == NOW


def test_fine_grained_with_offset_expiry() -> None:
    info = classify(
        resp(
            200,
            {"login": "mona"},
            github_authentication_token_expiration="2025-07-01 10:00:00 +0200",
        ),
        "github_pat",
        "github.com",
        now=NOW,
    )
    assert info.status is TokenStatus.VALID
    assert info.expires_at == datetime(2025, 7, 1, 8, 0, tzinfo=timezone.utc)
    assert info.never_expires is None
    assert info.scopes is None


def test_oauth_token_without_expiry_header_is_undetermined_not_never() -> None:
    info = classify(resp(200, {"login": "x"}, x_oauth_scopes="repo"), "gho", "github.com", now=NOW)
    assert info.never_expires is None
    assert any(u.startswith("expiry") for u in info.undetermined)


def test_401_is_invalid() -> None:
    info = classify(resp(401, {"message": "Bad credentials"}), "ghp", "github.com", now=NOW)
    assert info.status is TokenStatus.INVALID
    assert "401" in info.reason


@pytest.mark.parametrize(
    "headers",
    [
        {"x_ratelimit_remaining": "0", "x_ratelimit_reset": "1750000000"},
        {"retry_after": "30"},
    ],
)
@pytest.mark.parametrize("status", [403, 429])
def test_rate_limits_are_never_invalid(status: int, headers: dict[str, str]) -> None:
    info = classify(
        resp(status, {"message": "Bad credentials"}, **headers), "ghp", "github.com", now=NOW
    )
    assert info.status is TokenStatus.RATE_LIMITED


def test_status_never_comes_from_body_words() -> None:
    # a 200 whose body says "Bad credentials" is still valid; a 403 saying "rate limit" is not rate-limited
    ok = classify(
        resp(200, {"message": "Bad credentials", "login": "x"}), "ghp", "github.com", now=NOW
    )
    assert ok.status is TokenStatus.VALID
    forbidden = classify(
        resp(403, {"message": "API rate limit exceeded"}, x_ratelimit_remaining="4000"),
        "ghp",
        "github.com",
        now=NOW,
    )
    assert forbidden.status is TokenStatus.UNVERIFIED
    assert "403" in forbidden.reason


def test_sso_required() -> None:
    info = classify(
        resp(
            403,
            None,
            x_github_sso="required; url=https://github.com/orgs/acme/sso?authorization_request=x",
        ),
        "ghp",
        "github.com",
        now=NOW,
    )
    assert info.status is TokenStatus.SSO_REQUIRED
    assert info.sso_orgs == ("acme",)
    assert info.sso == "required; url=https://github.com/orgs/acme/sso"


def test_redirect_is_unreachable_and_names_only_the_origin() -> None:
    info = classify(
        resp(302, None, location="https://evil.example/collect?x=1"), "ghp", "github.com", now=NOW
    )
    assert info.status is TokenStatus.UNREACHABLE
    assert "https://evil.example" in info.reason and "collect" not in info.reason


def test_server_error_after_retries_is_unreachable() -> None:
    info = classify(Response(503, {}, None, "/user", attempts=4), "ghp", "github.com", now=NOW)
    assert info.status is TokenStatus.UNREACHABLE
    assert info.reason == "HTTP 503 from github.com after 4 attempts"


def test_installation_token_owner_from_repositories() -> None:
    body = {"total_count": 1, "repositories": [{"owner": {"login": "acme"}}]}
    info = classify(
        resp(200, body, github_authentication_token_expiration="2025-06-01 01:00:00 UTC"),
        "ghs",
        "github.com",
        now=NOW,
    )
    assert info.status is TokenStatus.VALID
    assert info.owner == "acme"
    assert info.expires_at is not None and info.expires_at - NOW == timedelta(hours=1)


def test_empty_expiration_header_is_undetermined_not_never() -> None:
    """Present but empty: GitHub said something unreadable, which is not "never expires"."""
    info = classify(
        resp(
            200,
            {"login": "octocat"},
            x_oauth_scopes="repo",
            github_authentication_token_expiration="",
        ),
        "ghp",
        "github.com",
        now=NOW,
    )
    assert info.status is TokenStatus.VALID
    assert info.never_expires is None
    assert info.expires_at is None
    assert "expiry (unreadable expiration header)" in info.undetermined
