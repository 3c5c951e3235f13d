"""god-token, overscoped-for-context, classic-where-fine-grained-would-do."""

from __future__ import annotations

import pytest

from patlint.errors import ConfigError
from patlint.policy.scopes import ContextScopesCheck, GodTokenCheck
from tests.policy.helpers import token, verdicts


def test_god_token_lists_the_dangerous_scopes() -> None:
    t = token(kind="ghp", scopes=["repo", "admin:org", "delete_repo", "gist"])
    [msg] = verdicts("god-token", t)
    assert msg == (
        f"classic personal access token {t.secret.preview} is a God Token "
        "(repo plus admin:org, delete_repo): it holds admin:org, delete_repo, repo, "
        "far more than any single use needs"
    )


def test_god_token_by_count_of_high_risk_scopes() -> None:
    t = token(
        kind="ghp", scopes=["workflow", "write:packages", "delete:packages", "user", "codespace"]
    )
    [msg] = verdicts("god-token", t)
    assert "(5 high-risk scopes)" in msg
    assert verdicts("god-token", t, threshold=6) == []


def test_god_token_counts_each_granted_scope_once() -> None:
    # admin:org implies write:org (both high-risk): the pair counts as one granted scope.
    t = token(kind="ghp", scopes=["repo", "admin:org"])
    assert verdicts("god-token", t, with_any=[], threshold=3) == []
    assert verdicts("god-token", t, with_any=[], threshold=2) != []
    # Four granted high-risk scopes are four, not five, even though admin:org implies write:org.
    t = token(kind="ghp", scopes=["admin:org", "workflow", "user", "write:packages"])
    assert verdicts("god-token", t) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "ghp", "scopes": ["repo", "workflow", "gist"]},
        {"kind": "ghp", "scopes": ["admin:org"]},
        {"kind": "ghp", "status": "invalid", "scopes": ["repo", "admin:org"]},
        {"kind": "github_pat", "scopes": None},
    ],
)
def test_not_a_god_token(fields: dict[str, object]) -> None:
    assert verdicts("god-token", token(**fields)) == []


def test_god_token_params_are_validated() -> None:
    with pytest.raises(ConfigError, match=r"rules.god-token.params.threshold: expected a positive"):
        GodTokenCheck().parse_params({"threshold": 0}, "rules.god-token.params")
    with pytest.raises(
        ConfigError, match=r"rules.god-token.params.high_risk: expected a list of scopes"
    ):
        GodTokenCheck().parse_params({"high_risk": "repo"}, "rules.god-token.params")
    with pytest.raises(ConfigError, match=r"unknown param\(s\) forbidden"):
        GodTokenCheck().parse_params({"forbidden": []}, "rules.god-token.params")


def test_registry_token_with_repo_is_overscoped() -> None:
    t = token(
        kind="ghp",
        scopes=["repo", "write:packages"],
        contexts=[{"usage": "container-registry", "host": "ghcr.io", "file_type": "docker-config"}],
    )
    [msg] = verdicts("overscoped-for-context", t)
    assert msg.startswith(
        f"{t.secret.preview} is used only as a container-registry credential (ghcr.io) but also "
        "holds repo; that use needs only container-registry: read:packages to pull "
        "(write:packages only if you push with it); better: the registry accepts classic tokens only"
    )


def test_git_credentials_token_with_admin_is_overscoped() -> None:
    t = token(
        kind="ghp", scopes=["repo", "admin:org"], contexts=[{"usage": "git", "host": "github.com"}]
    )
    [msg] = verdicts("overscoped-for-context", t)
    assert "but also holds admin:org;" in msg
    assert "a fine-grained token with Contents read/write" in msg


def test_npmrc_token_needs_read_packages() -> None:
    t = token(
        kind="ghp",
        scopes=["read:packages", "gist"],
        contexts=[{"usage": "npm", "host": "npm.pkg.github.com"}],
    )
    [msg] = verdicts("overscoped-for-context", t)
    assert "also holds gist; that use needs only npm: read:packages to install" in msg


@pytest.mark.parametrize(
    ("scopes", "contexts"),
    [
        (["read:packages"], [{"usage": "container-registry", "host": "ghcr.io"}]),
        (["repo"], [{"usage": "git"}]),
        (["repo", "write:packages"], [{"usage": "git"}, {"usage": "container-registry"}]),
        (["repo", "admin:org"], [{"usage": "git"}, {}]),  # one place of unknown use: no verdict
        (["repo", "admin:org"], [{"usage": "shell-history"}]),  # use not in the table
    ],
)
def test_not_overscoped(scopes: list[str], contexts: list[dict[str, str]]) -> None:
    assert (
        verdicts("overscoped-for-context", token(kind="ghp", scopes=scopes, contexts=contexts))
        == []
    )


def test_context_scopes_params_are_validated() -> None:
    with pytest.raises(ConfigError, match=r"x.usages.git.minimal: expected a sentence"):
        ContextScopesCheck().parse_params(
            {"usages": {"git": {"enough": ["repo"], "fine_grained": "y"}}}, "x"
        )


def test_classic_where_fine_grained_would_do() -> None:
    t = token(kind="ghp", scopes=["repo"], contexts=[{"usage": "git"}])
    [msg] = verdicts("classic-where-fine-grained-would-do", t)
    assert msg.startswith(
        f"classic token {t.secret.preview} acts on everything its owner can reach"
    )
    assert (
        verdicts(
            "classic-where-fine-grained-would-do",
            token(kind="ghp", scopes=["read:packages"], contexts=[{"usage": "npm"}]),
        )
        == []
    )
    assert verdicts("classic-where-fine-grained-would-do", token(kind="gho", scopes=["repo"])) == []
