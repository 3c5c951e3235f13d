"""`--shard K/N`: disjoint shares of one list whose union is the whole list, on every machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patlint.errors import ConfigError
from patlint.sources.repos import Shard, parse_line, parse_repos, parse_shard, select, shard_of
from tests.fleet.helpers import make_repo, scan_json

_seg = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12).filter(
    lambda s: not s.startswith("-")
)
_url = st.builds(lambda o, r: f"https://github.com/{o}/{r}", _seg, _seg)
_path = st.builds(lambda a, b: f"repos/{a}/{b}", _seg, _seg)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_url, _path), max_size=40), st.integers(min_value=1, max_value=12))
def test_shards_are_disjoint_and_add_up_to_the_list(lines: list[str], total: int) -> None:
    repos = parse_repos("\n".join(lines), "l")
    shares = [select(repos, Shard(k, total)) for k in range(1, total + 1)]
    names = [r.normalized for share in shares for r in share]
    assert len(names) == len(set(names))  # disjoint
    assert sorted(names) == sorted(r.normalized for r in repos)  # the union is the list


@settings(max_examples=200, deadline=None)
@given(_seg, _seg, st.integers(min_value=1, max_value=64))
def test_every_spelling_of_a_repository_is_in_the_same_shard(
    org: str, repo: str, total: int
) -> None:
    spellings = [
        f"https://github.com/{org}/{repo}",
        f"HTTPS://GitHub.COM/{org}/{repo}.git",
        f"https://github.com:443/{org}/{repo}/",
        f"https://someone@github.com/{org}/{repo}",
    ]
    ssh = [f"git@github.com:{org}/{repo}.git", f"ssh://git@github.com/{org}/{repo}"]
    assert len({shard_of(parse_line(s).normalized, total) for s in spellings}) == 1
    assert len({shard_of(parse_line(s).normalized, total) for s in ssh}) == 1


def test_the_hash_is_stable_across_runs_and_machines() -> None:
    """SHA-256 of the normalized name, not Python's salted hash(): fixed answers."""
    assert [shard_of(f"https://github.com/o/r{i}", 8) for i in range(8)] == [
        shard_of(f"https://github.com/o/r{i}", 8) for i in range(8)
    ]
    import hashlib

    name = "https://github.com/octo/cat"
    expected = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % 5 + 1
    assert shard_of(name, 5) == expected


@pytest.mark.parametrize("bad", ["0/3", "4/3", "1/0", "x", "1/", "2/3/4", "-1/3"])
def test_bad_shards_are_usage_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="--shard"):
        parse_shard(bad)


@pytest.mark.usefixtures("git_env")
def test_sharded_scans_cover_the_fleet_once(tmp_path: Path, token: Any) -> None:
    repos = [make_repo(tmp_path / f"r{i}", [{"a.env": f"T={token()}\n"}]) for i in range(6)]
    listing = tmp_path / "repos.txt"
    listing.write_text("".join(f"{r}\n" for r in repos))
    seen: list[str] = []
    for k in (1, 2, 3):
        _, report = scan_json(listing, "--shard", f"{k}/3")
        assert report["fleet"]["shards"] == [f"{k}/3"]
        seen += [r["name"] for r in report["fleet"]["repositories"]]
        assert all(
            loc["repository"] in {r["name"] for r in report["fleet"]["repositories"]}
            for t in report["tokens"]
            for loc in t["locations"]
        )
    assert sorted(seen) == sorted(str(r) for r in repos)
