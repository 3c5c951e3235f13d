"""`patlint org`: App JWT, installation token exchange, paged inventories, policy verdicts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from patlint.cli import cli
from patlint.config import Config
from patlint.engine.org_audit import audit
from patlint.engine.ruleset import build_ruleset
from patlint.errors import GitHubError
from patlint.github.app import app_jwt, installation_token
from patlint.github.client import GitHubClient
from patlint.github.org import fine_grained_tokens, next_link, saml_tokens
from patlint.model import Secret
from tests.github_emulator import Emulator
from tests.github_emulator_org import OrgState, install

NOW = datetime.now(timezone.utc).replace(microsecond=0)
OWNER_TOKEN = "ghp_orgowner000000000000000000000000000000"


def iso(days: float | None) -> str | None:
    if days is None:
        return None
    return (NOW + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pat(
    grant: int,
    owner: str,
    name: str,
    selection: str,
    perms: dict[str, dict[str, str]],
    expires: float | None,
    *,
    expired: bool = False,
    last_used: float | None = -1,
) -> dict[str, Any]:
    return {
        "id": grant,
        "owner": {"login": owner, "id": grant * 10, "type": "User"},
        "repository_selection": selection,
        "repositories_url": f"https://api.github.com/organizations/1/personal-access-token/{grant}/repositories",
        "permissions": perms,
        "access_granted_at": iso(-10),
        "token_id": grant + 1000,
        "token_name": name,
        "token_expired": expired,
        "token_expires_at": iso(expires),
        "token_last_used_at": iso(last_used),
    }


def seed(state: OrgState) -> None:
    """Five fine-grained grants (three pages of two) and three SAML credentials."""
    state.installations["acme"] = 77
    state.pats["acme"] = [
        pat(
            1,
            "mallory",
            "deploy-everything",
            "all",
            {
                "repository": {"contents": "write", "administration": "write", "metadata": "read"},
                "organization": {"administration": "write"},
            },
            None,
        ),
        pat(2, "alice", "ci-read", "subset", {"repository": {"contents": "read"}}, 30),
        pat(
            3,
            "bob",
            "<script>alert(1)</script>",
            "subset",
            {"repository": {"issues": "write"}},
            200,
        ),
        pat(4, "carol", "old", "subset", {"repository": {"contents": "read"}}, -3, expired=True),
        pat(
            5, "dave", "release", "subset", {"repository": {"contents": "write"}}, 5, last_used=None
        ),
    ]
    state.pat_repos = {
        2: [{"full_name": "acme/api"}, {"full_name": "acme/web"}, {"full_name": "acme/docs"}],
        3: [{"full_name": "acme/api"}],
        4: [],
        5: [{"full_name": "acme/cli"}],
    }
    state.owner_tokens[OWNER_TOKEN] = "acme"
    state.credential_authorizations["acme"] = [
        {
            "login": "root",
            "credential_id": 501,
            "credential_type": "personal access token",
            "token_last_eight": "a1b2WXYZ",
            "credential_authorized_at": iso(-100),
            "credential_accessed_at": iso(-1),
            "scopes": ["repo", "admin:org", "delete_repo"],
            "authorized_credential_expires_at": None,
        },
        {
            "login": "erin",
            "credential_id": 502,
            "credential_type": "personal access token",
            "token_last_eight": "zzzz9876",
            "credential_authorized_at": iso(-5),
            "credential_accessed_at": None,
            "scopes": ["read:org"],
            "authorized_credential_expires_at": iso(30),
        },
        {
            "login": "erin",
            "credential_id": 503,
            "credential_type": "SSH key",
            "fingerprint": "SHA256:abc",
            "credential_authorized_at": iso(-5),
        },
    ]


@pytest.fixture
def org_emulator(emulator: Emulator, keypair: tuple[bytes, bytes]) -> Iterator[OrgState]:
    state = install(emulator, public_key_pem=keypair[1])
    seed(state)
    yield state


def test_installation_token_exchange_and_paged_inventory(
    emulator: Emulator, org_emulator: OrgState, keypair: tuple[bytes, bytes]
) -> None:
    client = GitHubClient(requests.Session(), emulator.base_url)
    inst = installation_token(client, "acme", app_jwt("4242", keypair[0]))
    assert inst.kind == "ghs" and org_emulator.issued[inst.reveal()] == "acme"
    assert org_emulator.jwts[0]["iss"] == "4242"  # the emulator verified the signature
    entries = fine_grained_tokens(client, "acme", inst)
    assert [e.id for e in entries] == [1, 2, 3, 4, 5]
    assert entries[1].repositories == ("acme/api", "acme/web", "acme/docs")
    assert entries[1].repository_count == 3 and entries[0].repository_count is None
    assert (entries[1].repositories_shown, entries[0].repositories_shown) == ("3", "all")
    assert entries[0].permissions == {
        "organization:administration": "write",
        "repository:administration": "write",
        "repository:contents": "write",
        "repository:metadata": "read",
    }
    assert entries[0].equivalent_scopes() == frozenset({"repo", "admin:org", "delete_repo"})
    assert entries[3].expired is True and entries[4].last_used_at is None
    lists = [
        (r.path, r.query)
        for r in emulator.requests
        if r.path == "/orgs/acme/personal-access-tokens"
    ]
    assert [q for _p, q in lists] == ["per_page=100", "per_page=2&page=2", "per_page=2&page=3"]
    # only the installation token was used for the lists; the JWT only for the exchange
    assert {r.token for r in emulator.requests if r.path.startswith("/orgs/acme/personal")} == {
        inst.reveal()
    }
    assert {r.method for r in emulator.requests} == {"GET", "POST"}
    posts = [r.path for r in emulator.requests if r.method == "POST"]
    assert posts == ["/app/installations/77/access_tokens"]


def test_saml_inventory_keeps_tokens_and_drops_ssh_keys(
    emulator: Emulator, org_emulator: OrgState
) -> None:
    client = GitHubClient(requests.Session(), emulator.base_url)
    entries = saml_tokens(client, "acme", Secret(OWNER_TOKEN, "ghp"))
    assert [(e.id, e.kind, e.owner, e.preview) for e in entries] == [
        (501, "ghp", "root", "ghp_…WXYZ"),
        (502, "ghp", "erin", "ghp_…9876"),
    ]
    assert entries[0].scopes == frozenset({"repo", "admin:org", "delete_repo"})
    with pytest.raises(GitHubError, match="needs an organization owner's token"):
        saml_tokens(client, "acme", Secret("ghp_notanowner00000000000000000000000000", "ghp"))


def test_policy_rules_flag_the_right_tokens(
    emulator: Emulator, org_emulator: OrgState, keypair: tuple[bytes, bytes]
) -> None:
    client = GitHubClient(requests.Session(), emulator.base_url)
    inst = installation_token(client, "acme", app_jwt("4242", keypair[0]))
    entries = fine_grained_tokens(client, "acme", inst) + saml_tokens(
        client, "acme", Secret(OWNER_TOKEN, "ghp")
    )
    result = audit(entries, build_ruleset(Config()), org="acme", host="github.com", now=NOW)
    got = sorted((f.token.preview if f.token else "", f.rule_id) for f in result.findings)
    assert got == [
        ("ghp_…9876", "classic-where-fine-grained-would-do"),
        ("ghp_…WXYZ", "classic-where-fine-grained-would-do"),
        ("ghp_…WXYZ", "god-token"),
        ("ghp_…WXYZ", "no-expiration"),
        ("github_pat #1", "god-token"),
        ("github_pat #1", "no-expiration"),
        ("github_pat #3", "lifetime-too-long"),
        ("github_pat #5", "expires-soon"),
    ]
    god = next(f for f in result.findings if f.rule_id == "god-token" and "#1" in f.message)
    assert "admin:org" in god.message and "delete_repo" in god.message
    assert god.location.path == (
        "https://github.com/organizations/acme/settings/personal-access-tokens/1"
    )
    assert "https://github.com/settings/personal-access-tokens/new" in god.remediation


def org_cli(emulator: Emulator, *args: str, **env: str) -> Any:
    return CliRunner().invoke(
        cli, ["org", "acme", "--github-api", emulator.base_url, *args], env=env or None
    )


def test_cli_json_inventory_and_exit_code(
    emulator: Emulator, org_emulator: OrgState, keypair: tuple[bytes, bytes], tmp_path: Path
) -> None:
    pem = tmp_path / "app.pem"
    pem.write_bytes(keypair[0])
    res = org_cli(
        emulator,
        "--app-id",
        "4242",
        "--private-key",
        str(pem),
        "--token-env",
        "ORG_OWNER_TOKEN",
        "--format",
        "json",
        ORG_OWNER_TOKEN=OWNER_TOKEN,
    )
    assert res.exit_code == 1, res.stderr
    doc = json.loads(res.stdout)
    assert doc["summary"]["tokens"] == 7
    assert doc["summary"]["by_severity"]  # exact findings are checked above
    inv = {(e["source"], e["id"]): e for e in doc["inventory"]}
    assert inv[("fine-grained", 2)]["repositories"] == ["acme/api", "acme/web", "acme/docs"]
    # a number a JSON consumer can use, null for "all repositories" (and for SAML: unknown)
    counts = {k: (e["repository_selection"], e["repository_count"]) for k, e in inv.items()}
    assert counts[("fine-grained", 1)] == ("all", None)
    assert counts[("fine-grained", 2)] == ("subset", 3)
    assert counts[("fine-grained", 4)] == ("subset", 0)
    assert counts[("saml", 501)] == (None, None)
    assert inv[("fine-grained", 1)]["expires_at"] is None
    assert inv[("saml", 501)]["scopes"] == ["admin:org", "delete_repo", "repo"]
    rules = sorted({f["rule_id"] for f in doc["findings"]})
    assert rules == [
        "classic-where-fine-grained-would-do",
        "expires-soon",
        "god-token",
        "lifetime-too-long",
        "no-expiration",
    ]
    issued = list(org_emulator.issued)
    for secret in [OWNER_TOKEN, *issued]:
        assert secret not in res.stdout and secret not in res.stderr


def test_cli_text_table_and_html(
    emulator: Emulator, org_emulator: OrgState, keypair: tuple[bytes, bytes], tmp_path: Path
) -> None:
    pem = tmp_path / "app.pem"
    pem.write_bytes(keypair[0])
    res = org_cli(emulator, "--app-id", "4242", "--private-key", str(pem))
    assert res.exit_code == 1, res.stderr
    lines = res.stdout.splitlines()
    row = next(ln for ln in lines if ln.startswith("github_pat #2"))
    assert "alice" in row and "ci-read" in row and " 3 " in row
    assert res.stdout.splitlines()[-1] == (
        "patlint org acme (github.com): 5 tokens (5 fine-grained, 0 SAML-authorized); "
        "4 findings (1 critical, 1 high, 1 medium, 1 low); 0 suppressed"
    )
    out = tmp_path / "acme.html"
    res = org_cli(
        emulator, "--app-id", "4242", "--private-key", str(pem), "--format", "html", "-o", str(out)
    )
    assert res.exit_code == 1, res.stderr
    page = out.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "Inventory of acme" in page


def test_cli_under_the_ghes_prefix(emulator: Emulator, org_emulator: OrgState) -> None:
    res = CliRunner().invoke(
        cli,
        [
            "org",
            "acme",
            "--host",
            "ghe.example.com",
            "--github-api",
            emulator.base_url + "/api/v3",
            "--token-env",
            "OWNER",
            "--format",
            "json",
        ],
        env={"OWNER": OWNER_TOKEN},
    )
    assert res.exit_code == 1, res.stderr
    doc = json.loads(res.stdout)
    assert doc["host"] == "ghe.example.com" and doc["summary"]["tokens"] == 2
    prefixes = {r.prefix for r in emulator.requests}
    assert prefixes == {"/api/v3"}
    pages = [r.query for r in emulator.requests if r.path.endswith("credential-authorizations")]
    assert pages == ["per_page=100", "per_page=2&page=2"]


def test_cli_errors(emulator: Emulator, org_emulator: OrgState, tmp_path: Path) -> None:
    res = org_cli(emulator)
    assert res.exit_code == 2 and "give --app-id and --private-key" in res.stderr
    res = org_cli(emulator, "--app-id", "4242")
    assert res.exit_code == 2 and "go together" in res.stderr
    res = org_cli(emulator, "--token-env", "NOT_SET_ANYWHERE")
    assert res.exit_code == 2 and "the variable is not set" in res.stderr
    # a key that is not the App's: GitHub (the emulator) rejects the JWT
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "wrong.pem"
    pem.write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    res = org_cli(emulator, "--app-id", "4242", "--private-key", str(pem))
    assert res.exit_code == 2  # the wrong key is a usage error, said in one line
    assert "rejected the App JWT (HTTP 401)" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_next_link_parsing() -> None:
    link = '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=9>; rel="last"'
    assert next_link(link) == "https://api.github.com/x?page=2"
    assert next_link('<https://api.github.com/x?page=9>; rel="last"') is None
    assert next_link(None) is None


def test_next_page_on_another_host_is_not_followed(
    emulator: Emulator, emulator2: Emulator, org_emulator: OrgState
) -> None:
    emulator.inject(
        200,
        headers={
            "Link": f'<{emulator2.base_url}/orgs/acme/credential-authorizations?page=2>; rel="next"'
        },
        body=[],
        path="/orgs/acme/credential-authorizations",
    )
    client = GitHubClient(requests.Session(), emulator.base_url)
    with pytest.raises(GitHubError, match="another host or path; not followed"):
        saml_tokens(client, "acme", Secret(OWNER_TOKEN, "ghp"))
    assert emulator2.requests == []


def test_next_page_stays_under_the_api_base_path() -> None:
    from patlint.github.org import next_page

    base = "https://ghe.example.com/api/v3"
    assert next_page(base, base + "/orgs/a/personal-access-tokens?page=2&per_page=100") == (
        "/orgs/a/personal-access-tokens",
        {"page": "2", "per_page": "100"},
    )
    assert next_page(base, "https://ghe.example.com/api/v30/orgs/a?page=2") is None
    assert next_page(base, "https://evil.example/api/v3/orgs/a?page=2") is None
    assert next_page(base, "http://ghe.example.com/api/v3/orgs/a?page=2") is None
    assert next_page(base, "https://[::1/api/v3/orgs/a?page=2") is None  # raised ValueError
    assert next_page("https://api.github.com", "https://api.github.com/orgs/a?page=3") == (
        "/orgs/a",
        {"page": "3"},
    )


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_an_api_that_echoes_a_legacy_owner_token_never_shows_it(
    emulator: Emulator, token: Any, fmt: str
) -> None:
    """A 40-hex owner token (still common on GHES) has no shape the redactor knows: `org` must
    teach it, as a scan teaches the tokens it finds, or an echoing API prints it."""
    owner = token("legacy")
    echoed = {
        "login": owner,
        "credential_id": 1,
        "credential_type": "personal access token",
        "authorized_credential_title": f"ci {owner}",
        "scopes": ["repo", "admin:org"],
        "token_last_eight": owner[-8:],
        "credential_authorized_at": "2020-01-01T00:00:00Z",
    }
    emulator.inject(200, body=[echoed], path="/orgs/acme/credential-authorizations")
    res = org_cli(emulator, "--token-env", "OWN", "--format", fmt, OWN=owner)
    assert res.exit_code == 1, res.output
    assert "admin:org" in res.stdout  # the entry is reported
    for text in (res.stdout, res.stderr):
        assert owner not in text.lower() and owner.upper() not in text


@pytest.mark.parametrize(
    ("scopes", "rule"), [(["repo", "admin:org", "delete_repo"], "god-token"), (["gist"], None)]
)
def test_a_page_that_fails_keeps_the_pages_read_and_the_inventory_is_incomplete(
    emulator: Emulator, scopes: list[str], rule: str | None
) -> None:
    """Page 2 answering 500 threw page 1 away (its god token too) and exited 2; and an
    incomplete inventory could exit 0, reading as clean."""
    item = {
        "login": "octo",
        "credential_id": 1,
        "credential_type": "personal access token",
        "authorized_credential_title": "ci",
        "scopes": scopes,
        "token_last_eight": "abcdefgh",
        "credential_authorized_at": iso(-1),
        "authorized_credential_expires_at": iso(20),
        "credential_accessed_at": iso(-1),
    }
    path = "/orgs/acme/credential-authorizations"
    nxt = f'<{emulator.base_url}{path}?page=2>; rel="next"'
    emulator.inject(200, body=[item], headers={"Link": nxt}, path=path)
    emulator.inject(500, body={"message": "boom"}, path=path, count=100)
    # without the god token, no finding reaches --fail-on critical: only the incompleteness
    fail_on = "high" if rule else "critical"
    res = org_cli(
        emulator, "--token-env", "OWN", "--format", "json", "--fail-on", fail_on, OWN=OWNER_TOKEN
    )
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    assert [(e["source"], e["id"]) for e in doc["inventory"]] == [("saml", 1)]
    rules = {f["rule_id"] for f in doc["findings"]}
    assert (rule in rules) if rule else "god-token" not in rules, rules
    assert any("incomplete inventory" in n and "after 1 listed" in n for n in doc["notices"]), doc[
        "notices"
    ]


def test_an_id_that_is_a_bool_or_not_positive_is_no_entry_and_no_request(
    emulator: Emulator, org_emulator: OrgState, keypair: tuple[bytes, bytes]
) -> None:
    """bool is an int to isinstance: a grant `{"id": true}` made a `github_pat #True` entry and
    sent the installation token to GET /orgs/acme/personal-access-tokens/True/repositories."""
    odd: list[Any] = [True, False, 0, -2]
    org_emulator.pats["acme"] += [
        pat(10 + i, "oscar", "odd", "subset", {"repository": {"contents": "read"}}, 30)
        for i in range(len(odd))
    ]
    for i, value in enumerate(odd):
        org_emulator.pats["acme"][-len(odd) + i]["id"] = value
    org_emulator.credential_authorizations["acme"] += [
        {"login": "oscar", "credential_id": value, "credential_type": "personal access token"}
        for value in odd
    ]
    client = GitHubClient(requests.Session(), emulator.base_url)
    inst = installation_token(client, "acme", app_jwt("4242", keypair[0]))
    assert [e.id for e in fine_grained_tokens(client, "acme", inst)] == [1, 2, 3, 4, 5]
    saml = saml_tokens(client, "acme", Secret(OWNER_TOKEN, "ghp"))
    assert [e.id for e in saml] == [501, 502]
    paths = [r.path for r in emulator.requests]
    assert not [p for p in paths if "/True/" in p or "/False/" in p or "/0/" in p or "/-2/" in p]
