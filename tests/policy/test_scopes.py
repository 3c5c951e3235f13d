"""god-token, overscoped-for-context, classic-where-fine-grained-would-do."""

from __future__ import annotations

import pytest

from patlint.errors import ConfigError
from patlint.model import Confidence
from patlint.policy.scopes import ContextScopesCheck, GodTokenCheck
from tests.policy.helpers import RULES, token, verdicts


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
        (["repo", "admin:org"], [{}, {"key": "SOME_TOKEN"}]),  # no place of known use
        (["repo", "admin:org"], [{"usage": "git"}, {"key": "GH_TOKEN"}]),  # general API use
        (["read:packages"], [{"key": "CR_PAT"}, {}]),
        (["repo", "admin:org"], [{"usage": "shell-history"}]),  # use not in the table
    ],
)
def test_not_overscoped(scopes: list[str], contexts: list[dict[str, str]]) -> None:
    assert (
        verdicts("overscoped-for-context", token(kind="ghp", scopes=scopes, contexts=contexts))
        == []
    )


def _check(t: object) -> list[object]:
    from patlint.policy.examples import FROZEN_NOW

    rule = RULES["overscoped-for-context"]
    check = ContextScopesCheck()
    params = check.parse_params(rule.params, "x")
    return list(check.evaluate(t, params, now=FROZEN_NOW))  # type: ignore[arg-type]


def test_partial_usage_is_judged_over_the_known_places_at_lower_confidence() -> None:
    t = token(
        kind="ghp",
        scopes=["repo", "read:packages", "write:packages"],
        contexts=[
            {"usage": "container-registry", "host": "ghcr.io", "path": "home/.docker/config.json"},
            {"path": "home/notes.txt"},
        ],
    )
    [v] = _check(t)
    assert v.confidence is Confidence.MEDIUM  # type: ignore[attr-defined]
    msg = v.message  # type: ignore[attr-defined]
    assert "is used as a container-registry credential (ghcr.io) but also holds repo;" in msg
    assert "judged on home/.docker/config.json" in msg
    assert "not on home/notes.txt" in msg and "(use unknown)" in msg


def test_usage_inferred_from_a_conventional_name() -> None:
    t = token(kind="ghp", scopes=["repo", "write:packages"], contexts=[{"key": "cr_pat"}])
    [v] = _check(t)
    assert v.confidence is Confidence.MEDIUM  # type: ignore[attr-defined]
    assert "(CR_PAT, by its name)" in v.message  # type: ignore[attr-defined]
    assert "but also holds repo;" in v.message  # type: ignore[attr-defined]


def test_fully_known_usage_keeps_the_rule_confidence() -> None:
    t = token(
        kind="ghp", scopes=["repo", "write:packages"], contexts=[{"usage": "container-registry"}]
    )
    [v] = _check(t)
    assert v.confidence is None  # type: ignore[attr-defined]
    assert "judged on" not in v.message  # type: ignore[attr-defined]


def test_a_hostile_name_never_lowers_what_the_scopes_deserve() -> None:
    """Naming a god token's variable CR_PAT must not quiet god-token, nor any other rule."""
    scopes = ["repo", "admin:org", "delete_repo", "write:packages"]
    named = token(kind="ghp", scopes=scopes, contexts=[{"key": "CR_PAT"}])
    plain = token(kind="ghp", scopes=scopes, contexts=[{}])
    for rule_id in RULES:
        if RULES[rule_id].check in {"context-scopes"} or RULES[rule_id].kind != "policy":
            continue
        assert len(verdicts(rule_id, named)) >= len(verdicts(rule_id, plain)), rule_id
    assert verdicts("god-token", named)
    # and the name only adds: the overscoped verdict appears, naming what is not needed
    assert (
        "also holds admin:org, delete_repo, repo;" in verdicts("overscoped-for-context", named)[0]
    )


def test_a_token_shaped_variable_name_is_never_printed() -> None:
    t = token(
        kind="ghp", scopes=["repo", "write:packages"], contexts=[{"usage": "container-registry"}]
    )
    key = "ghp_" + "A1b2" * 9
    t2 = token(
        kind="ghp",
        scopes=["repo", "write:packages"],
        contexts=[{"usage": "container-registry"}, {"key": key}],
    )
    for v in _check(t) + _check(t2):
        assert key not in v.message  # type: ignore[attr-defined]
        assert "ghp_A1b2" not in v.message  # type: ignore[attr-defined]


def test_context_scopes_names_must_name_a_known_usage() -> None:
    base = {"usages": {"git": {"enough": ["repo"], "minimal": "m", "fine_grained": "f"}}}
    with pytest.raises(ConfigError, match=r"x.names.CR_PAT: expected a usage"):
        ContextScopesCheck().parse_params({**base, "names": {"CR_PAT": "nope"}}, "x")
    with pytest.raises(ConfigError, match=r"is not a variable name"):
        ContextScopesCheck().parse_params({**base, "names": {"a b": "git"}}, "x")
    with pytest.raises(ConfigError, match=r"partial_confidence: expected"):
        ContextScopesCheck().parse_params({**base, "partial_confidence": "very"}, "x")
    with pytest.raises(ConfigError, match=r"also listed under usages"):
        ContextScopesCheck().parse_params({**base, "general": ["git"]}, "x")


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


def test_a_hostile_docker_login_line_only_adds_findings() -> None:
    """`echo $GOD | docker login ghcr.io` makes the place a registry credential: the
    classic-token advice goes quiet (registries take classic tokens only) but god-token stays
    and overscoped-for-context fires, at a higher severity than the advice it replaces."""
    scopes = ["repo", "admin:org", "delete_repo", "write:packages"]
    t = token(kind="ghp", scopes=scopes, contexts=[{"usage": "container-registry"}])
    assert verdicts("god-token", t)
    assert "also holds admin:org, delete_repo, repo;" in verdicts("overscoped-for-context", t)[0]
    assert (
        RULES["overscoped-for-context"].severity
        > RULES["classic-where-fine-grained-would-do"].severity
    )


# Each conventional name, the use its public documentation gives it (cited next to the name in
# rules/policy/scopes.yml), scopes that use needs (no verdict) and one it does not (a verdict).
_DOCUMENTED_NAMES = [
    ("CR_PAT", "container-registry", ["read:packages", "write:packages"], "repo"),
    ("GHCR_TOKEN", "container-registry", ["read:packages"], "repo"),
    ("HOMEBREW_GITHUB_PACKAGES_TOKEN", "container-registry", ["read:packages"], "repo"),
    ("NODE_AUTH_TOKEN", "npm", ["read:packages"], "repo"),
    ("NPM_TOKEN", "npm", ["write:packages"], "admin:org"),
    ("HOMEBREW_GITHUB_API_TOKEN", "homebrew", ["public_repo", "gist", "workflow"], "repo"),
    ("GORELEASER_GITHUB_TOKEN", "release", ["repo"], "admin:org"),
    ("RENOVATE_TOKEN", "renovate", ["repo", "workflow"], "delete_repo"),
    ("GITHUB_COM_TOKEN", "read-only-api", [], "public_repo"),
    ("RENOVATE_GITHUB_COM_TOKEN", "read-only-api", [], "read:user"),
    ("DANGER_GITHUB_API_TOKEN", "pull-request-bot", ["public_repo"], "admin:repo_hook"),
]


@pytest.mark.parametrize(("name", "usage", "enough", "extra"), _DOCUMENTED_NAMES)
def test_a_documented_name_is_judged_by_its_use(
    name: str, usage: str, enough: list[str], extra: str
) -> None:
    check = ContextScopesCheck()
    params = check.parse_params(RULES["overscoped-for-context"].params, "x")
    assert params.names[name] == usage
    # found as a workflow's env entry and as a dotenv line: the last part of the key is the name
    for key in (name, f"jobs.release.env.{name}", name.lower()):
        ok = token(kind="ghp", scopes=enough, contexts=[{"key": key}])
        assert verdicts("overscoped-for-context", ok) == [], (name, key)
        over = token(kind="ghp", scopes=[*enough, extra], contexts=[{"key": key}])
        [msg] = verdicts("overscoped-for-context", over)
        assert f"is used only as a {usage} credential" in msg
        assert f"but also holds {extra};" in msg
        assert f"({name}, by its name)" in msg


@pytest.mark.parametrize(
    "key", ["GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]
)
def test_gh_cli_names_are_general_use_and_never_judged(key: str) -> None:
    """gh reads these for every command (`gh api` included): any scope may be needed, so a
    token also stored as one is never called over-scoped, even next to a registry login."""
    god = ["repo", "admin:org", "delete_repo", "write:packages"]
    t = token(kind="ghp", scopes=god, contexts=[{"usage": "container-registry"}, {"key": key}])
    assert verdicts("overscoped-for-context", t) == []
    assert verdicts("god-token", t)  # the general name quiets only this rule


def test_hub_config_is_general_use_without_a_name() -> None:
    """hub's ~/.config/hub `oauth_token` is read as a gh-cli place (gh_hosts reader)."""
    t = token(
        kind="gho",
        scopes=["repo", "read:org", "gist", "admin:org"],
        contexts=[
            {"usage": "gh-cli", "file_type": "hub-config", "key": "github.com[0].oauth_token"}
        ],
    )
    assert verdicts("overscoped-for-context", t) == []


def test_a_name_must_be_the_whole_last_part_of_the_key() -> None:
    for key in ("MY_RENOVATE_TOKEN", "RENOVATE_TOKEN_OLD", "GITHUB_COM_TOKEN2", "x.RENOVATE"):
        t = token(kind="ghp", scopes=["repo", "admin:org"], contexts=[{"key": key}])
        assert verdicts("overscoped-for-context", t) == [], key


def test_the_read_only_use_needs_no_scope_and_names_every_extra() -> None:
    t = token(kind="ghp", scopes=["public_repo", "gist"], contexts=[{"key": "GITHUB_COM_TOKEN"}])
    [msg] = verdicts("overscoped-for-context", t)
    assert "but also holds gist, public_repo;" in msg
    assert "read-only-api: no scope at all" in msg
