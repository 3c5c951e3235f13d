"""`--env`: tokens in the process environment, reported by variable name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from patlint.detectors.pattern import Detector
from patlint.engine.readings import values_candidates
from patlint.model import Candidate, Context, Location
from patlint.sources.env import env_values
from tests.sources.home import digest, ruleset, scan_home


def env_candidates(env: dict[str, str]) -> list[Candidate]:
    """What the engine finds in the values `--env` hands it."""
    found = values_candidates(env_values(env), Detector(ruleset().detectors))
    return [c for cands in found for c in cands]


def test_env_candidates(token: Any, rng: Any) -> None:
    from patlint.tokengen import make_token

    t_gh, t_ent, t_cr, t_other = token("ghp"), token("ghp"), token("ghp"), token("github_pat")
    legacy = make_token("legacy", rng)
    env = {
        "GH_TOKEN": t_gh,
        "GH_HOST": "ghe.acme.com",
        "GH_ENTERPRISE_TOKEN": t_ent,
        "CR_PAT": t_cr,
        "MY_SECRET": t_other,
        "GITHUB_TOKEN": legacy,
        "PATH": "/usr/bin",
    }
    got = env_candidates(env)
    by_key = {c.context.key: c for c in got}
    assert sorted(by_key) == [
        "CR_PAT",
        "GH_ENTERPRISE_TOKEN",
        "GH_TOKEN",
        "GITHUB_TOKEN",
        "MY_SECRET",
    ]
    assert by_key["GH_TOKEN"].location == Location("env:GH_TOKEN", note="process environment")
    assert by_key["GH_TOKEN"].context == Context(
        file_type="env", key="GH_TOKEN", host="github.com", usage="env"
    )
    assert by_key["GH_ENTERPRISE_TOKEN"].context.host == "ghe.acme.com"
    assert by_key["CR_PAT"].context.host == "ghcr.io"
    assert by_key["MY_SECRET"].rule_id == "github-fine-grained-pat"
    assert by_key["GITHUB_TOKEN"].rule_id == "github-legacy-token-assignment"
    assert by_key["GITHUB_TOKEN"].secret.digest == digest(legacy)


def test_scan_env_joins_home_scan(home: Path, token: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    t = token("ghp")
    (home / ".git-credentials").write_text(f"https://me:{t}@github.com\n")
    (home / ".git-credentials").chmod(0o600)
    monkeypatch.setenv("GITHUB_TOKEN", t)
    result = scan_home(home)
    assert [c.location.path for tok in result.tokens for c in tok.candidates] == [
        "~/.git-credentials"
    ]
    result = scan_home(home, scan_env=True)
    [tok] = result.tokens
    assert [c.location.path for c in tok.candidates] == ["~/.git-credentials", "env:GITHUB_TOKEN"]
    [f] = [f for f in result.findings if f.rule_id == "token-stored-in-several-places"]
    assert f.message == (
        f"token {tok.secret.preview} is stored in 2 places: ~/.git-credentials (github.com), "
        "env:GITHUB_TOKEN (github.com); every copy must be found and removed when it leaks or rotates"
    )
