"""The verification cache fails well: keyed by API, merged under a lock, never a hang or an error.

Real processes against the emulator: two scans at once, a FIFO at the cache path, a cache
folder that cannot be created.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.github.cache import CACHE_FILE, VerificationCache, cache_dir, cache_key
from patlint.model import Secret, TokenInfo, TokenStatus
from tests.github_emulator import Emulator


def scan_json(*args: str) -> tuple[int, dict[str, Any], str]:
    res = CliRunner().invoke(
        cli, ["scan", "--no-progress", "--format", "json", *args], catch_exceptions=False
    )
    return res.exit_code, json.loads(res.stdout), res.stderr


def one_token_tree(tmp_path: Path, name: str, value: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    (root / "deploy.sh").write_text(f"export GH_TOKEN={value}\n")
    return root


def test_cache_folder_that_cannot_be_made_is_a_notice_not_a_failed_scan(
    tmp_path: Path, emulator: Emulator, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A non-root container with an unwritable HOME: the scan and its report still happen."""
    (tmp_path / "not-a-folder").write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    t = token("ghp")
    emulator.add(t, scopes="gist")
    root = one_token_tree(tmp_path, "repo", t)
    code, report, _ = scan_json("--github-api", emulator.base_url, str(root))
    assert code == 1
    assert report["tokens"][0]["verification"]["status"] == "valid"
    assert [n for n in report["notices"] if n.startswith("verification cache")] == [
        f"verification cache {tmp_path}/not-a-folder/patlint/{CACHE_FILE} not written: "
        "Not a directory"
    ]


def test_fifo_at_the_cache_path_does_not_hang_the_scan(
    tmp_path: Path, emulator: Emulator, token: Any
) -> None:
    t = token("ghp")
    emulator.add(t)
    root = one_token_tree(tmp_path, "repo", t)
    home = tmp_path / "home"
    (home / ".cache" / "patlint").mkdir(parents=True)
    fifo = home / ".cache" / "patlint" / CACHE_FILE
    os.mkfifo(fifo)
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    cmd = [sys.executable, "-m", "patlint", "scan", "--no-progress", "--format", "json"]
    proc = subprocess.run(
        [*cmd, "--github-api", emulator.base_url, str(root)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert proc.returncode == 1, proc.stderr
    notices = json.loads(proc.stdout)["notices"]
    assert f"verification cache {fifo} is not a regular file; not used" in notices
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # left alone, never replaced


def test_two_concurrent_scans_lose_no_cache_entries(
    tmp_path: Path, emulator: Emulator, token: Any, home: Path
) -> None:
    """Both scans read the (empty) cache, ask GitHub for half a second, then save: the last
    writer used to win and the other's entry was lost."""
    first, second = token("ghp"), token("ghp")
    emulator.add(first)
    emulator.add(second)
    emulator.latency = 0.5
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    cmd = [sys.executable, "-m", "patlint", "scan", "--no-progress", "-o", os.devnull]
    procs = [
        subprocess.Popen(
            [*cmd, "--github-api", emulator.base_url, str(one_token_tree(tmp_path, n, v))],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n, v in (("a", first), ("b", second))
    ]
    for p in procs:
        assert p.wait(timeout=60) == 1, p.stderr.read() if p.stderr else ""
        if p.stderr:
            p.stderr.close()
    path = home / ".cache" / "patlint" / CACHE_FILE
    entries = json.loads(path.read_text())["entries"]
    wanted = {
        cache_key(Secret(v, "ghp").digest, "github.com", emulator.base_url) for v in (first, second)
    }
    assert wanted <= set(entries)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_interleaved_saves_merge_instead_of_overwriting(tmp_path: Path) -> None:
    info = TokenInfo(TokenStatus.INVALID, "ghp", host="github.com")
    a = VerificationCache(tmp_path, ttl=3600)
    b = VerificationCache(tmp_path, ttl=3600)  # both loaded before either saved
    a.put("a" * 64, "github.com", info, "https://api.github.com")
    b.put("b" * 64, "github.com", info, "https://api.github.com")
    old = os.umask(0)
    try:
        a.save()
        b.save()
    finally:
        os.umask(old)
    fresh = VerificationCache(tmp_path, ttl=3600)
    assert fresh.get("a" * 64, "github.com", "https://api.github.com") is not None
    assert fresh.get("b" * 64, "github.com", "https://api.github.com") is not None
    assert stat.S_IMODE((tmp_path / CACHE_FILE).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [CACHE_FILE]  # no lock or temp left


def test_saves_from_many_threads_keep_every_entry(tmp_path: Path) -> None:
    info = TokenInfo(TokenStatus.INVALID, "ghp", host="github.com")
    caches = [VerificationCache(tmp_path, ttl=3600) for _ in range(8)]
    for i, c in enumerate(caches):
        c.put(f"{i:064x}", "github.com", info)
    threads = [threading.Thread(target=c.save) for c in caches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fresh = VerificationCache(tmp_path, ttl=3600)
    assert all(fresh.get(f"{i:064x}", "github.com") is not None for i in range(8))


def test_cache_is_keyed_by_the_api_that_answered(
    tmp_path: Path, emulator: Emulator, emulator2: Emulator, token: Any, home: Path
) -> None:
    """An answer from one API (a proxy, an emulator) is not github.com's: another API is asked."""
    t = token("ghp")
    emulator.add(t, scopes="repo, admin:org", owner="old-answer")
    root = one_token_tree(tmp_path, "repo", t)
    code, report, _ = scan_json("--github-api", emulator.base_url, str(root))
    assert report["tokens"][0]["verification"]["status"] == "valid"
    # the second API does not know the token: it must be asked, and its answer shown
    code, report, _ = scan_json("--github-api", emulator2.base_url, str(root))
    assert emulator2.tokens_seen() == {t}
    assert report["tokens"][0]["verification"]["status"] == "invalid"
    # and the first API's answer still comes from the cache
    before = len(emulator.requests)
    scan_json("--github-api", emulator.base_url, str(root))
    assert len(emulator.requests) == before
    assert (cache_dir() / CACHE_FILE).exists()
    assert code == 1


def test_a_cached_expiry_with_no_utc_form_is_read_as_unknown() -> None:
    """A cache written before the API's readers refused such dates made every later run crash
    in the policy step for the cache's lifetime (found by an attacker's review)."""
    from patlint.github.cache import info_from_dict

    info = info_from_dict(
        {
            "status": "valid",
            "kind": "ghp",
            "host": "github.com",
            "expires_at": "9999-12-31T23:59:59-23:59",
        }
    )
    assert info.expires_at is None
