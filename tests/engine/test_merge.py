"""`patlint merge`: shards' JSON reports as one, verified once; and the issue's done-when test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fleet.helpers import honest_shard, make_fleet, places, run, scan_json
from tests.github_emulator import Emulator

pytestmark = pytest.mark.usefixtures("git_env")


def _findings(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (
            f["rule_id"],
            f["location"].get("repository", ""),
            f["location"]["path"],
            f["token"]["sha256"] if f.get("token") else "",
        )
        for f in report["findings"]
    }


def test_merged_shards_equal_the_unsharded_run_and_github_sees_each_token_once(
    tmp_path: Path, token: Any, emulator: Emulator, emulator2: Emulator
) -> None:
    listing, t = make_fleet(tmp_path, token)
    for value in t.values():
        emulator.add(value)
        emulator2.add(value)
    api = ["--no-cache", "--github-api", emulator.base_url]
    code, out, err = run(
        ["scan", "--history", "--repos", str(listing), "--format", "json", "--no-progress", *api]
    )
    assert code == 1, err
    whole = json.loads(out)
    reports = []
    for k in (1, 2, 3):
        path = tmp_path / f"shard-{k}.json"
        _, report = scan_json(listing, "--shard", f"{k}/3", "-o", str(path))
        reports.append(str(path))
    # the merging job has no mirrors yet: it fetches again what it must read tokens from, of
    # the repositories of the list it is given (the one the shards scanned)
    code, out, err = run(
        [
            "merge",
            *reports,
            "--repos",
            str(listing),
            "--format",
            "json",
            "--no-cache",
            "--github-api",
            emulator2.base_url,
            "--repos-cache",
            str(tmp_path / "merge-cache"),
        ]
    )
    assert code == 1, err
    merged = json.loads(out)
    assert {x["sha256"] for x in merged["tokens"]} == {x["sha256"] for x in whole["tokens"]}
    assert len(merged["tokens"]) == 4  # the shared token is one token
    assert places(merged) == places(whole)
    assert _findings(merged) == _findings(whole)
    # every field of every place survives the round trip through the shards' reports
    assert sorted(map(json.dumps, (x["locations"] for x in merged["tokens"]))) == sorted(
        map(json.dumps, (x["locations"] for x in whole["tokens"]))
    )
    assert {x["sha256"]: x["verification"]["status"] for x in merged["tokens"]} == {
        x["sha256"]: x["verification"]["status"] for x in whole["tokens"]
    }
    assert all(x["verification"]["status"] == "valid" for x in merged["tokens"])
    # GitHub asked about each token once for the whole fleet: as often as one unsharded run
    assert emulator2.tokens_seen() == set(t.values())
    for value in t.values():
        assert len(emulator2.seen(value)) == len(emulator.seen(value)) >= 1
    # the old token (only in a deleted file) and the shared one (two repositories)
    shared = next(x for x in merged["tokens"] if x["preview"].endswith(t["shared"][-4:]))
    assert {loc["repository"] for loc in shared["locations"]} == {
        str(tmp_path / "alpha"),
        f"file://{tmp_path / 'beta'}",
    }
    old = next(x for x in merged["tokens"] if x["preview"].endswith(t["old"][-4:]))
    assert [loc.get("in_head") for loc in old["locations"]] == [False]
    # the unreachable repository: a notice and an incomplete scan, in both
    for report in (whole, merged):
        status = {r["name"]: r["status"] for r in report["fleet"]["repositories"]}
        assert status[f"file://{tmp_path / 'unreachable'}"] == "not-scanned"
        assert any("unreachable: not scanned" in n for n in report["notices"])
    assert merged["fleet"]["shards"] == ["1/3", "2/3", "3/3"]
    assert not any(s["reason"] == "missing-shard" for s in merged["skipped"])
    text = out + err + "".join(Path(r).read_text() for r in reports)
    assert not any(value in text for value in t.values())  # no artifact holds a token


def _offline_merge(*reports: str) -> dict[str, Any]:
    code, out, err = run(["merge", "--offline", "--format", "json", *reports])
    assert code in (0, 1), err
    data = json.loads(out)
    return data


def test_merging_is_associative_and_commutative(tmp_path: Path, token: Any) -> None:
    listing, _ = make_fleet(tmp_path, token)
    shards = []
    for k in (1, 2, 3):
        path = tmp_path / f"s{k}.json"
        scan_json(listing, "--shard", f"{k}/3", "-o", str(path))
        shards.append(str(path))
    _, whole = scan_json(listing)
    flat = _offline_merge(*shards)
    left = tmp_path / "left.json"
    left.write_text(json.dumps(_offline_merge(shards[0], shards[1])))
    nested = _offline_merge(str(left), shards[2])
    shuffled = _offline_merge(shards[2], shards[0], shards[1])
    twice = _offline_merge(*shards, shards[1], str(left))  # a part given again counts once
    assert flat["tokens"] == nested["tokens"] == shuffled["tokens"]
    assert flat["findings"] == nested["findings"] == shuffled["findings"] == twice["findings"]
    assert flat["fleet"] == nested["fleet"] == shuffled["fleet"] == twice["fleet"]
    assert flat["skipped"] == nested["skipped"] == shuffled["skipped"]
    assert flat["notices"] == nested["notices"] == shuffled["notices"]
    counts = ("files_scanned", "bytes_scanned", "tokens", "findings", "by_severity")
    for key in counts:  # the summary too: a shard given again, or inside a merge, counts once
        assert flat["summary"][key] == nested["summary"][key] == shuffled["summary"][key]
        assert flat["summary"][key] == twice["summary"][key] == whole["summary"][key], key
    assert places(flat) == places(whole)
    assert _findings(flat) == _findings(whole)


def test_a_missing_shard_makes_the_merge_incomplete(tmp_path: Path, token: Any) -> None:
    listing, _ = make_fleet(tmp_path, token)
    paths = []
    for k in (1, 3):
        path = tmp_path / f"s{k}.json"
        scan_json(listing, "--shard", f"{k}/3", "-o", str(path))
        paths.append(str(path))
    merged = _offline_merge(*paths)
    assert any(
        s["reason"] == "missing-shard" and s["path"] == "shard 2/3" for s in merged["skipped"]
    )
    assert any("shard 2/3 missing" in n for n in merged["notices"])


def test_reports_of_another_version_or_malformed_are_refused(tmp_path: Path, token: Any) -> None:
    listing, _ = make_fleet(tmp_path, token)
    good = tmp_path / "good.json"
    scan_json(listing, "-o", str(good))
    data = json.loads(good.read_text())
    older = dict(data, schema_version="1.0")
    other = dict(data, tool={"name": "patlint", "version": "0.0.1"})
    broken = json.loads(good.read_text())
    broken["tokens"][0]["sha256"] = "../../etc/passwd"
    cases = {
        "older": (older, "schema 1.0"),
        "other": (other, "patlint 0.0.1"),
        "broken": (broken, "tokens[0].sha256: expected a SHA-256"),
    }
    for name, (doc, said) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        code, _, err = run(["merge", "--offline", str(good), str(path)])
        assert code == 2 and said in err and name in err, err
    (tmp_path / "nojson.json").write_text("{")
    code, _, err = run(["merge", "--offline", str(tmp_path / "nojson.json")])
    assert code == 2 and "not JSON" in err


def _severities(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule_id"], f["severity"]) for f in report["findings"]}


def test_a_hostile_shard_cannot_suppress_another_shards_token(
    tmp_path: Path, token: Any, emulator: Emulator
) -> None:
    # Shard reports are artifacts of other jobs (pull-request jobs too). A forged one that
    # names the same place as an honest shard (digests are in every report artifact) with
    # `suppress: "*"` replaced the honest place when it was given first: the token vanished.
    honest, _, _ = honest_shard(tmp_path, token, emulator)
    data = json.loads(honest.read_text())
    for t in data["tokens"]:
        for d in t["detections"]:
            d["suppress"] = "*"
            d["checksum_valid"] = False
    for p in data["collected"]["places"]:
        p["suppress"] = "*"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    alone = _offline_merge(str(honest))
    assert alone["findings"]
    for order in ((forged, honest), (honest, forged)):
        merged = _offline_merge(*map(str, order))
        assert _severities(merged) == _severities(alone), order
        assert merged["summary"]["suppressed"] == 0


def test_a_hostile_shard_cannot_downgrade_what_another_shard_verified(
    tmp_path: Path, token: Any, emulator: Emulator
) -> None:
    # The token cannot be read again (an offline merge; a file or mirror the merging job
    # lacks): each token keeps what a shard recorded. The most recent record won, so a forged
    # shard dated later said "revoked" (or live with no scopes) and every finding went away.
    honest, _, tree = honest_shard(tmp_path, token, emulator)
    data = json.loads(honest.read_text())
    [verified] = [t["verification"] for t in data["tokens"]]
    assert verified["status"] == "valid" and "admin:org" in verified["scopes"]
    alone = _offline_merge(str(honest))
    lies = {
        "revoked": {"status": "invalid", "scopes": None, "reason": "Bad credentials"},
        "no scopes": {"scopes": [], "never_expires": False},
    }
    for name, lie in lies.items():
        forged_data = json.loads(honest.read_text())
        forged_data["tokens"][0]["verification"].update(lie, checked_at="2999-01-01T00:00:00Z")
        forged = tmp_path / f"forged-{name}.json"
        forged.write_text(json.dumps(forged_data))
        for order in ((forged, honest), (honest, forged)):
            merged = _offline_merge(*map(str, order))
            assert _severities(merged) == _severities(alone), (name, order)
            [kept] = [t["verification"] for t in merged["tokens"]]
            assert kept["status"] == "valid" and "admin:org" in kept["scopes"], name
    # online, the file under --root is read again and GitHub's answer is what counts
    code, out, err = run(
        [
            *("merge", str(tmp_path / "forged-revoked.json"), "--format", "json", "--no-cache"),
            *("--root", str(tree), "--github-api", emulator.base_url),
        ]
    )
    assert code == 1, err
    assert json.loads(out)["tokens"][0]["verification"]["status"] == "valid"


def test_blobs_are_read_again_through_one_git_process_per_repository(
    tmp_path: Path, token: Any, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from patlint.engine.merge import read_blobs
    from tests.fleet.helpers import git, make_repo

    value = token()
    emulator.add(value)
    versions = [
        {"deploy.env": f"GH_TOKEN={value}\nversion={i}\n"} for i in range(25)
    ]  # one a day (make_repo)
    repo = make_repo(tmp_path / "repo", [*versions, {"big.bin": "x" * 100}])
    blob = git(repo, "rev-parse", "HEAD:deploy.env")
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    asked = [blob, "0" * 40, "not-hex", tree, blob[:7], git(repo, "rev-parse", "HEAD:big.bin")]
    got = dict(read_blobs(str(repo), asked))
    assert got == {
        blob: f"GH_TOKEN={value}\nversion=24\n".encode(),
        blob[:7]: f"GH_TOKEN={value}\nversion=24\n".encode(),
        asked[-1]: b"x" * 100,
    }
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{repo}\n")
    report = tmp_path / "r.json"
    scan_json(listing, "-o", str(report))
    spawned: list[list[str]] = []
    popen = subprocess.Popen

    def counting(args: Any, *a: Any, **kw: Any) -> Any:
        spawned.append(list(args))
        return popen(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", counting)
    code, out, err = run(
        [
            *("merge", str(report), "--repos", str(listing), "--format", "json", "--no-cache"),
            *("--github-api", emulator.base_url),
        ]
    )
    assert code == 1, err
    [tok] = json.loads(out)["tokens"]
    assert len(tok["locations"]) == 25 and tok["verification"]["status"] == "valid"
    assert [a[-2:] for a in spawned if "cat-file" in a] == [["cat-file", "--batch"]]


def test_reading_again_from_a_repository_whose_git_dir_blocks_finishes(
    tmp_path: Path, token: Any, emulator: Emulator
) -> None:
    """`merge --repos` reads each token again from its blob; a loose object swapped for a FIFO
    after the scan must not hang it: the token is kept as the shard recorded it, with a notice."""
    import os
    import time

    from tests.fleet.helpers import git, make_repo, run_bounded

    value = token()
    emulator.add(value)
    repo = make_repo(tmp_path / "repo", [{"deploy.env": f"GH_TOKEN={value}\n"}])
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{repo}\n")
    report = tmp_path / "r.json"
    scan_json(listing, "-o", str(report))
    blob = git(repo, "rev-parse", "HEAD:deploy.env")
    loose = repo / ".git" / "objects" / blob[:2] / blob[2:]
    loose.unlink()
    os.mkfifo(loose)
    start = time.monotonic()
    code, out, err = run_bounded(
        [
            *("merge", str(report), "--repos", str(listing), "--format", "json", "--no-cache"),
            *("--github-api", emulator.base_url),
        ]
    )
    assert time.monotonic() - start < 30
    assert code == 1, err
    merged = json.loads(out)
    [tok] = merged["tokens"]
    assert tok["verification"] is None  # not read again: never sent (offline shard: nothing kept)
    assert emulator.seen(value) == []
    assert any("is a FIFO" in n for n in merged["notices"])
