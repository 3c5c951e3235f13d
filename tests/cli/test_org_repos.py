"""`patlint org ORG --list-repos`: the FILE for `scan --repos`, from the org emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from patlint.sources.repos import parse_repos
from tests.fleet.helpers import run
from tests.github.conftest import keypair
from tests.github_emulator import Emulator
from tests.github_emulator_org import OrgState, install

__all__ = ["keypair"]


def _repo(name: str, **kw: Any) -> dict[str, Any]:
    return {
        "full_name": f"acme/{name}",
        "clone_url": f"https://github.com/acme/{name}.git",
        "archived": False,
        "fork": False,
        **kw,
    }


@pytest.fixture
def org(emulator: Emulator, keypair: tuple[bytes, bytes]) -> Iterator[OrgState]:
    state = install(emulator, public_key_pem=keypair[1])
    state.installations["acme"] = 77
    state.repos["acme"] = [
        _repo("api"),
        _repo("web"),
        _repo("old", archived=True),
        _repo("copy", fork=True),
        _repo("evil1", clone_url="ext::sh -c 'touch /tmp/pwned'"),
        _repo("evil2", clone_url="https://github.com/acme/x\nfile:///etc"),
        _repo("evil3", clone_url="http://github.com/acme/cleartext"),
        _repo("evil4", clone_url="https://github.com/--upload-pack=touch"),
        _repo("site"),
    ]
    yield state


def _app(emulator: Emulator, keypair: tuple[bytes, bytes], tmp_path: Path) -> list[str]:
    key = tmp_path / "app.pem"
    key.write_bytes(keypair[0])
    return [
        "org",
        "acme",
        "--app-id",
        "4242",
        "--private-key",
        str(key),
        "--github-api",
        emulator.base_url,
        "--list-repos",
    ]


def test_list_repos_pages_filters_and_writes_a_repos_file(
    emulator: Emulator, org: OrgState, keypair: tuple[bytes, bytes], tmp_path: Path
) -> None:
    out_file = tmp_path / "repos.txt"
    code, _, err = run([*_app(emulator, keypair, tmp_path), "-o", str(out_file)])
    assert code == 0, err
    text = out_file.read_text()
    assert text.splitlines() == sorted(
        f"https://github.com/acme/{n}.git" for n in ("api", "web", "old", "copy", "site")
    )
    assert next(r.normalized for r in parse_repos(text, "f")) == "https://github.com/acme/api"
    pages = [r for r in emulator.requests if r.path.endswith("/orgs/acme/repos")]
    assert len(pages) == 5  # 9 items, 2 a page: every Link rel="next" followed
    for evil in ("evil1", "evil2", "evil3", "evil4"):
        assert f"acme/{evil}" in err and "left out" in err
    assert "pwned" not in text and "/etc" not in text
    code, out, _ = run([*_app(emulator, keypair, tmp_path), "--no-archived", "--no-forks"])
    assert code == 0 and out.splitlines() == [
        f"https://github.com/acme/{n}.git" for n in ("api", "site", "web")
    ]


def test_list_repos_with_an_owner_token_and_a_denied_one(
    emulator: Emulator, org: OrgState, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, stranger = token(), token()
    org.owner_tokens[owner] = "acme"
    base = ["org", "acme", "--github-api", emulator.base_url, "--list-repos", "--token-env", "T"]
    monkeypatch.setenv("T", owner)
    code, out, _ = run(base)
    assert code == 0 and len(out.splitlines()) == 5
    monkeypatch.setenv("T", stranger)
    code, out, err = run(base)
    assert code == 2 and "could not list its repositories" in err and out == ""
    assert stranger not in err
