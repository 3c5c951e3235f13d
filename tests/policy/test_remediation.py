"""patlint/policy/remediation.py: the concrete replacement for each context a token is found in."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from patlint.model import Context, Location, TokenInfo, TokenStatus
from patlint.policy.remediation import (
    NEW_CLASSIC,
    NEW_FINE_GRAINED,
    for_rule,
    remediation_for,
    repositories,
)


def info(kind: str = "ghp", scopes: set[str] | None = None) -> TokenInfo:
    return TokenInfo(
        TokenStatus.VALID, kind=kind, scopes=frozenset(scopes) if scopes is not None else None
    )


def test_ghcr_credential_read_only_gets_classic_read_packages_and_a_docker_helper() -> None:
    text = remediation_for(
        "ghp",
        [Context(file_type="docker-config", host="ghcr.io", usage="container-registry")],
        info(scopes={"read:packages"}),
    )
    assert text.startswith("Revoke it (`patlint revoke` or https://github.com/settings/tokens)")
    assert f"{NEW_CLASSIC}?scopes=read:packages " in text
    assert "holding just read:packages (add write:packages only to push or publish)" in text
    assert "the Container registry at ghcr.io accepts only classic tokens" in text
    assert "`permissions: {packages: read}`" in text
    assert "docker-credential-secretservice" in text and '"credsStore"' in text


def test_ghcr_credential_that_pushes_keeps_write_packages() -> None:
    text = remediation_for(
        "ghp",
        [Context(file_type="docker-config", host="ghcr.io", usage="container-registry")],
        info(scopes={"repo", "write:packages"}),
    )
    assert f"{NEW_CLASSIC}?scopes=read:packages,write:packages " in text
    assert "`permissions: {packages: write}`" in text


@pytest.mark.parametrize(
    ("usage", "file_type", "expected"),
    [
        ("npm", "npmrc", "//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN}"),
        ("maven", "maven-settings", "<password>${env.GITHUB_TOKEN}</password>"),
        ("gradle", "gradle-properties", "ORG_GRADLE_PROJECT_gpr.key"),
        ("nuget", "nuget-config", "%GITHUB_TOKEN%"),
        ("rubygems", "text", "BUNDLE_RUBYGEMS__PKG__GITHUB__COM"),
    ],
)
def test_package_registries_get_read_packages_and_an_env_reference(
    usage: str, file_type: str, expected: str
) -> None:
    text = remediation_for("ghp", [Context(file_type=file_type, usage=usage)], info())
    assert f"{NEW_CLASSIC}?scopes=read:packages " in text
    assert "accepts only classic tokens" in text
    assert expected in text


def test_git_credential_names_the_repository_and_a_credential_helper() -> None:
    ctx = Context(file_type="git-credentials", key="https://github.com/octo/app.git", usage="git")
    text = remediation_for("ghp", [ctx], info(scopes={"repo", "delete_repo"}))
    assert "fine-grained token for only octo/app with Contents: read and write" in text
    assert NEW_FINE_GRAINED in text
    assert "`gh auth setup-git`" in text
    assert "git config --global credential.helper manager" in text
    assert "drop `credential.helper store`" in text


def test_repository_from_a_location_note_and_unnamed_repository() -> None:
    loc = Location(path="~/.bash_history", line=3, note="git clone github.com:octo/lib")
    assert repositories([], [loc]) == ["octo/lib"]
    text = remediation_for("ghp", [Context(file_type="git-credentials", usage="git")], None)
    assert "Only select repositories" in text


def test_ci_workflow_gets_github_token_with_a_minimal_permissions_block() -> None:
    ctx = Context(file_type="ci-yaml", key="jobs.build.env.GH_TOKEN", usage="ci")
    loc = Location(path=".github/workflows/ci.yml", line=9)
    text = remediation_for("ghp", [ctx], info(), locations=[loc])
    assert "`${{ secrets.GITHUB_TOKEN }}`" in text
    assert "`permissions: {contents: read}`" in text
    assert "actions/create-github-app-token" in text


def test_other_ci_systems_get_their_secret_store() -> None:
    ctx = Context(file_type="ci-yaml", key="variables.GITHUB_TOKEN", usage="ci")
    text = remediation_for("ghp", [ctx], info(), locations=[Location(path=".gitlab-ci.yml")])
    assert "GITHUB_TOKEN" not in text
    assert "CI system's secret store" in text


def test_gh_cli_login_goes_to_the_keyring() -> None:
    ctx = Context(file_type="gh-hosts", host="github.com", usage="gh-cli")
    text = remediation_for("gho", [ctx], info(kind="gho"))
    assert text.startswith(
        "Revoke it (`patlint revoke` or https://github.com/settings/applications)"
    )
    assert "`gh auth login`" in text and "`gh auth logout`" in text and "--insecure-storage" in text


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ("shell-history", "`history -d N`"),
        ("shell-rc", 'export GH_TOKEN="$(gh auth token)"'),
        ("env", "find where the variable is set"),
        ("dotenv", "keep .env files out of git"),
        ("netrc", "remove the `password` entry from ~/.netrc"),
    ],
)
def test_plaintext_places_get_a_fine_grained_token_and_a_better_store(
    usage: str, expected: str
) -> None:
    text = remediation_for("ghp", [Context(file_type=usage, usage=usage)], info(scopes={"repo"}))
    assert NEW_FINE_GRAINED in text
    assert expected in text
    if usage != "netrc":
        # classic scopes mapped to the fine-grained permissions that do the same job
        assert "Contents, Issues, Pull requests: read and write" in text


def test_several_uses_each_get_their_replacement_once() -> None:
    ctxs = [
        Context(file_type="docker-config", host="ghcr.io", usage="container-registry"),
        Context(file_type="git-credentials", usage="git"),
        Context(file_type="docker-config", host="ghcr.io", usage="container-registry"),
    ]
    text = remediation_for("ghp", ctxs, info(scopes={"repo", "write:packages"}))
    assert text.count("As a container registry credential:") == 1
    assert text.count("As a git credential:") == 1


def test_fallbacks() -> None:
    # a plain text file says nothing: the rule's own remediation stays
    assert remediation_for("ghp", [Context()], None, fallback="RULE TEXT") == "RULE TEXT"
    # …unless GitHub reported scopes, which map to fine-grained permissions
    text = remediation_for("ghp", [Context()], info(scopes={"workflow"}), fallback="RULE")
    assert "Workflows: read and write" in text and NEW_FINE_GRAINED in text
    # checksum-invalid strings are not tokens: no replacement advice
    assert remediation_for("invalid", [Context(usage="git")], None, fallback="X") == "X"
    # installation tokens are minted, not replaced
    ghs = remediation_for("ghs", [Context(usage="dotenv")], None, fallback="X")
    assert "cannot be revoked by patlint" in ghs and "fine-grained" not in ghs


def test_engine_uses_it_for_detection_and_replacement_policies_only() -> None:
    from patlint.model import Candidate, Confidence, Secret, Severity, Token
    from patlint.tokengen import make_token

    secret = Secret(make_token("ghp", random.Random(3)), "ghp")
    cand = Candidate(
        "github-classic-pat",
        secret,
        Location(".git-credentials", 1),
        Context(file_type="git-credentials", usage="git"),
        Severity.HIGH,
        Confidence.HIGH,
    )
    token = Token(secret, (cand,), info(scopes={"repo"}))
    assert "`gh auth setup-git`" in for_rule(token, "", "detector", "RULE")
    assert "`gh auth setup-git`" in for_rule(token, "god-token", "policy", "RULE")
    assert for_rule(token, "dead-token", "policy", "RULE") == "RULE"
    assert for_rule(token, "sso", "policy", "RULE") == "RULE"


def test_scan_findings_carry_the_context_remediation(tmp_path: Path) -> None:
    """Through the real pipeline: a .git-credentials entry gets the credential-helper fix."""
    import json

    from click.testing import CliRunner

    from patlint.cli import cli
    from patlint.tokengen import make_token

    root = tmp_path
    tok = make_token("ghp", random.Random(5))
    (root / ".git-credentials").write_text(f"https://octo:{tok}@github.com\n")
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--no-progress", "--format", "json", str(root)]
    )
    assert tok not in res.stdout
    doc = json.loads(res.stdout)
    det = [f for f in doc["findings"] if f["rule_id"] == "github-classic-pat"]
    assert len(det) == 1
    assert "As a git credential: replace it with a fine-grained token" in det[0]["remediation"]
    assert "`gh auth setup-git`" in det[0]["remediation"]
