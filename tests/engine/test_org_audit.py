"""`patlint org` with token-unused: last use and grant dates from the emulated organization API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from patlint.cli import cli
from patlint.config import Config
from patlint.engine.org_audit import audit
from patlint.engine.ruleset import build_ruleset
from patlint.github.client import GitHubClient
from patlint.github.org import saml_tokens
from patlint.model import Secret
from tests.github_emulator import Emulator
from tests.github_emulator_org import OrgState, install

NOW = datetime.now(timezone.utc).replace(microsecond=0)
OWNER_TOKEN = "ghp_orgowner000000000000000000000000000000"
PAGE = "https://github.com/organizations/acme/settings/personal-access-tokens/"
UNSET = object()


def iso(days: float) -> str:
    return (NOW + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(days: float) -> str:
    return f"{NOW + timedelta(days=days):%Y-%m-%d}"


def grant(gid: int, owner: str, granted: float, last_used: object) -> dict[str, Any]:
    """A read-only, expiring fine-grained grant: nothing but its usage can break a rule."""
    item: dict[str, Any] = {
        "id": gid,
        "owner": {"login": owner, "id": gid * 10, "type": "User"},
        "repository_selection": "subset",
        "permissions": {"repository": {"contents": "read"}},
        "access_granted_at": iso(granted),
        "token_id": gid + 1000,
        "token_name": f"{owner}-token",
        "token_expired": False,
        "token_expires_at": iso(60),
    }
    if last_used is not UNSET:
        item["token_last_used_at"] = None if last_used is None else iso(float(last_used))  # type: ignore[arg-type]
    return item


@pytest.fixture
def org(emulator: Emulator, keypair: tuple[bytes, bytes]) -> Iterator[OrgState]:
    state = install(emulator, public_key_pem=keypair[1])
    state.installations["acme"] = 77
    state.pats["acme"] = [
        grant(11, "alice", -300, -10),  # used 10 days ago: silent
        grant(12, "bob", -300, -200),  # used 200 days ago: fires
        grant(13, "carol", -120, None),  # never used, granted 120 days ago: fires
        grant(14, "dave", -30, None),  # never used, granted 30 days ago: silent
        grant(15, "erin", -400, UNSET),  # last use not reported: unknown, silent
    ]
    state.pat_repos = {i: [{"full_name": "acme/api"}] for i in range(11, 16)}
    state.owner_tokens[OWNER_TOKEN] = "acme"
    state.credential_authorizations["acme"] = [
        {
            "login": "root",
            "credential_id": 601,
            "credential_type": "OAuth app token",
            "token_last_eight": "a1b2WXYZ",
            "credential_authorized_at": iso(-500),
            "credential_accessed_at": iso(-150),
            "scopes": ["read:user"],
            "authorized_credential_expires_at": None,
        }
    ]
    yield state


def run_org(emulator: Emulator, pem: Path, *args: str) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "org",
            "acme",
            "--github-api",
            emulator.base_url,
            "--app-id",
            "4242",
            "--private-key",
            str(pem),
            *args,
        ],
    )


@pytest.fixture
def pem(keypair: tuple[bytes, bytes], tmp_path: Path) -> Path:
    path = tmp_path / "app.pem"
    path.write_bytes(keypair[0])
    return path


def test_cli_flags_only_the_stale_and_the_long_unused_grants(
    emulator: Emulator, org: OrgState, pem: Path
) -> None:
    res = run_org(emulator, pem)
    assert res.exit_code == 1, res.stderr
    lines = res.stdout.splitlines()
    found = [re.split(r"\s{2,}", ln) for ln in lines if ln.startswith("medium")]
    assert found == [
        [
            "medium",
            "token-unused",
            "github_pat #12",
            f"github_pat #12 of bob has not been used for 200 days (last used {day(-200)}; "
            "limit 90): access nobody uses is only risk",
        ],
        [
            "medium",
            "token-unused",
            "github_pat #13",
            f"github_pat #13 of carol has never been used in the 120 days since the "
            f"organization granted its access ({day(-120)}; limit 90): access nobody uses is "
            "only risk",
        ],
    ]
    assert lines[-1] == (
        "patlint org acme (github.com): 5 tokens (5 fine-grained, 0 SAML-authorized); "
        "2 findings (2 medium); 0 suppressed"
    )
    # the inventory table says "never" only where GitHub said so, "unknown" where it said nothing
    rows = {ln.split()[1]: ln for ln in lines if ln.startswith("github_pat #")}
    assert rows["#11"].endswith(day(-10)) and rows["#12"].endswith(day(-200))
    assert rows["#13"].endswith(" never") and rows["#14"].endswith(" never")
    assert rows["#15"].endswith(" unknown")


def test_cli_json_shows_the_finding_with_its_page_and_dates(
    emulator: Emulator, org: OrgState, pem: Path
) -> None:
    res = run_org(emulator, pem, "--format", "json")
    assert res.exit_code == 1, res.stderr
    doc = json.loads(res.stdout)
    got = {f["token"]["preview"]: f for f in doc["findings"]}
    assert sorted(got) == ["github_pat #12", "github_pat #13"]
    stale = got["github_pat #12"]
    assert (stale["rule_id"], stale["severity"]) == ("token-unused", "medium")
    assert stale["location"]["path"] == PAGE + "12"
    assert stale["token_info"]["last_used_at"] == iso(-200).replace("Z", "+00:00")
    assert stale["token_info"]["never_used"] is False
    assert stale["remediation"] == (
        f"Revoke the organization's access from {PAGE}12 (the token's page in the organization "
        "settings). If something turns out to need it, ask bob for a new token with an "
        "expiration date and only the repositories and permissions it uses."
    )
    fresh = got["github_pat #13"]
    assert fresh["token_info"]["never_used"] is True and "last_used_at" not in fresh["token_info"]
    assert fresh["token_info"]["granted_at"] == iso(-120).replace("Z", "+00:00")
    inv = {e["id"]: e for e in doc["inventory"]}
    assert [inv[i]["never_used"] for i in (11, 12, 13, 14, 15)] == [
        False,
        False,
        True,
        True,
        False,
    ]
    assert inv[15]["last_used_at"] is None  # not reported: neither a date nor "never"


@pytest.mark.parametrize(
    ("days", "flagged"),
    [
        (250, []),
        (150, ["github_pat #12"]),
        (5, ["github_pat #11", "github_pat #12", "github_pat #13", "github_pat #14"]),
    ],
)
def test_config_params_change_the_threshold(
    emulator: Emulator, org: OrgState, pem: Path, tmp_path: Path, days: int, flagged: list[str]
) -> None:
    cfg = tmp_path / "patlint.yaml"
    cfg.write_text(f"rules:\n  token-unused:\n    params:\n      days: {days}\n")
    res = run_org(emulator, pem, "--format", "json", "--config", str(cfg))
    assert res.exit_code == (1 if flagged else 0), res.stderr
    doc = json.loads(res.stdout)
    assert [f["token"]["preview"] for f in doc["findings"]] == flagged
    assert {f["message"].split(": ")[0].rsplit("limit ", 1)[1] for f in doc["findings"]} <= {
        f"{days})"
    }


def test_saml_authorization_unused_points_at_the_sso_page(
    emulator: Emulator, org: OrgState
) -> None:
    client = GitHubClient(requests.Session(), emulator.base_url)
    entries = saml_tokens(client, "acme", Secret(OWNER_TOKEN, "ghp"))
    result = audit(entries, build_ruleset(Config()), org="acme", host="github.com", now=NOW)
    assert [(f.rule_id, f.token.preview if f.token else "") for f in result.findings] == [
        ("token-unused", "gho_…WXYZ")
    ]
    [finding] = result.findings
    assert finding.message == (
        f"gho_…WXYZ of root has not been used for 150 days (last used {day(-150)}; limit 90): "
        "access nobody uses is only risk"
    )
    assert finding.location.path == "https://github.com/orgs/acme/people/root/sso"
    assert finding.remediation is not None
    assert finding.remediation.startswith(
        "Revoke the organization's access from https://github.com/orgs/acme/people/root/sso "
    )


def test_a_verified_scan_never_reports_token_unused(
    emulator: Emulator, tmp_path: Path, token: Any
) -> None:
    """A scan's GitHub answer has no usage data: the rule stays silent, and says nothing."""
    secret = token("ghp")
    emulator.add(secret, scopes="read:user", owner="octocat")  # valid, never expires
    (tmp_path / "notes.txt").write_text(f"GITHUB_TOKEN={secret}\n")
    res = CliRunner().invoke(
        cli,
        [
            "scan",
            "--no-cache",
            "--github-api",
            emulator.base_url,
            "--format",
            "json",
            str(tmp_path),
        ],
    )
    doc = json.loads(res.stdout)
    assert sorted(f["rule_id"] for f in doc["findings"]) == [
        "classic-where-fine-grained-would-do",
        "github-classic-pat",
        "no-expiration",
    ]
    info = doc["findings"][0]["token_info"]
    assert info["status"] == "valid" and not {"last_used_at", "never_used", "granted_at"} & set(
        info
    )
    assert not any("token-unused" in n for n in doc["notices"])


def test_dates_without_a_zone_are_utc_not_a_crash(
    emulator: Emulator, org: OrgState, pem: Path
) -> None:
    # An API answer whose times lack the zone (`2025-01-01T00:00:00`): a naive datetime used
    # to meet an aware `now` in the checks (TypeError, exit 3); they are UTC like GitHub's.
    late = grant(16, "zed", -300, -200)
    late["token_last_used_at"] = late["token_last_used_at"].removesuffix("Z")
    late["token_expires_at"] = late["token_expires_at"].removesuffix("Z")
    late["access_granted_at"] = day(-300)  # a date alone
    org.pats["acme"] = [late]
    org.pat_repos = {16: [{"full_name": "acme/api"}]}
    res = run_org(emulator, pem, "--format", "json")
    assert res.exit_code == 1, res.stderr
    [f] = json.loads(res.stdout)["findings"]
    assert (f["rule_id"], f["message"]) == (
        "token-unused",
        f"github_pat #16 of zed has not been used for 200 days (last used {day(-200)}; "
        "limit 90): access nobody uses is only risk",
    )
