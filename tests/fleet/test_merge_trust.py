"""`patlint merge` and hostile shard reports: a report is a CI artifact (another job's output,
perhaps a pull request's), so what it names must not steer the merging job. A report cannot
make the merge read a file outside --root, read or fetch a repository the merging job was not
given, or send a token to a host the token was not found for.

An attacker needs the SHA-256 of a token to make the merge keep it, so the tests give it one
(a token the attacker has seen elsewhere): the question is only what the merging job reads
and where it sends things.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fleet.helpers import honest_shard, make_repo, run
from tests.github_emulator import Emulator

pytestmark = pytest.mark.usefixtures("git_env")


def _merge(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(["merge", "--format", "json", "--no-cache", *args])
    assert code in (0, 1), err
    return code, json.loads(out), out + err


def _offline_report(target: Path, out: Path, *extra: str) -> dict[str, Any]:
    code, _, err = run(["scan", "--offline", "--format", "json", "-o", str(out), *extra])
    assert code == 1, err
    data: dict[str, Any] = json.loads(out.read_text())
    return data


# --- item 4a: files outside --root ------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path, token: Any, emulator: Emulator) -> tuple[Path, str, dict[str, Any]]:
    """A file of the merging job outside the folder it merges for (think ~/.git-credentials),
    its live token, and a report of it the attacker can edit."""
    secrets = tmp_path / "home"
    secrets.mkdir()
    value = token()
    emulator.add(value, scopes="repo")
    (secrets / "creds.env").write_text(f"GH_TOKEN={value}\n")
    data = _offline_report(secrets, tmp_path / "plain.json", str(secrets))
    [entry] = data["tokens"]
    assert entry["locations"][0]["path"] == "creds.env"
    return secrets, value, data


@pytest.mark.parametrize("how", ["absolute", "dot-dot", "linked-folder", "linked-file"])
def test_merge_reads_no_file_outside_root(
    tmp_path: Path,
    emulator: Emulator,
    outside: tuple[Path, str, dict[str, Any]],
    how: str,
) -> None:
    secrets, value, data = outside
    root = tmp_path / "work"
    root.mkdir()
    (root / "folder").symlink_to(secrets)
    (root / "file.env").symlink_to(secrets / "creds.env")
    path = {
        "absolute": str(secrets / "creds.env"),
        "dot-dot": "../home/creds.env",
        "linked-folder": "folder/creds.env",
        "linked-file": "file.env",
    }[how]
    data["tokens"][0]["locations"][0]["path"] = path
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    api = ("--github-api", emulator.base_url, "--root", str(root))
    code, merged, text = _merge(str(forged), *api)
    assert emulator.tokens_seen() == set()  # never read, so never sent
    # the report's record of the token is still reported, unverified, with notices
    assert code == 1
    [tok] = merged["tokens"]
    assert tok["sha256"] == data["tokens"][0]["sha256"] and tok["verification"] is None
    assert any("outside --root" in n for n in merged["notices"]), merged["notices"]
    assert any("could not be read again" in n for n in merged["notices"])
    assert value not in text and str(secrets) not in "".join(merged["notices"])
    # the same place inside --root is read again and verified: the refusal above is the fix,
    # not a merge that reads nothing
    (root / "creds.env").write_text((secrets / "creds.env").read_text())
    data["tokens"][0]["locations"][0]["path"] = "creds.env"
    forged.write_text(json.dumps(data))
    code, merged, _ = _merge(str(forged), *api)
    assert merged["tokens"][0]["verification"]["status"] == "valid"
    assert emulator.tokens_seen() == {value}


def test_a_fifo_named_by_a_report_does_not_hang_the_merge(
    tmp_path: Path, emulator: Emulator, outside: tuple[Path, str, dict[str, Any]]
) -> None:
    _, _, data = outside
    root = tmp_path / "work"
    root.mkdir()
    os.mkfifo(root / "pipe.env")
    data["tokens"][0]["locations"][0]["path"] = "pipe.env"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    code, merged, _ = _merge(str(forged), "--github-api", emulator.base_url, "--root", str(root))
    assert code == 1 and merged["tokens"][0]["verification"] is None
    assert emulator.requests == []


# --- item 4b: repositories the merging job was not told about ---------------------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port nobody should connect to: an https URL a forged report names."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def _connected(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


@pytest.mark.parametrize("named", ["path", "file-url", "https-url"])
@pytest.mark.parametrize("given", ["no list", "another list"])
def test_merge_reads_and_fetches_only_the_repositories_it_is_given(
    tmp_path: Path,
    token: Any,
    emulator: Emulator,
    listener: socket.socket,
    named: str,
    given: str,
) -> None:
    # The merging job's own git directory (another checkout on the runner), not in the fleet.
    value = token()
    emulator.add(value, scopes="repo")
    victim = make_repo(tmp_path / "victim", [{"v.env": f"T={value}\n"}])
    honest = make_repo(tmp_path / "honest", [{"README": "clean\n"}])
    listing = tmp_path / "victim.txt"
    listing.write_text(f"{victim}\n")
    data = _offline_report(
        victim, tmp_path / "victim.json", "--history", "--repos", str(listing), "--no-progress"
    )
    port = listener.getsockname()[1]
    name = {
        "path": str(victim),
        "file-url": f"file://{victim}",
        "https-url": f"https://127.0.0.1:{port}/victim.git",
    }[named]
    for loc in data["tokens"][0]["locations"]:
        loc["repository"] = name
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    cache = tmp_path / "merge-cache"
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(f"{honest}\n")
    listed = ["--repos", str(fleet)] if given == "another list" else []
    args = ("--github-api", emulator.base_url, "--repos-cache", str(cache))
    code, merged, text = _merge(str(forged), *args, *listed)
    assert emulator.tokens_seen() == set()
    assert not _connected(listener)  # nothing fetched from the URL the report names
    assert not cache.exists() or not [p for p in cache.iterdir() if p.suffix == ".git"]
    assert code == 1 and merged["tokens"][0]["verification"] is None
    said = " ".join(merged["notices"])
    assert "not in the --repos list" in said if listed else "give merge --repos FILE" in said
    assert value not in text
    if named == "https-url":
        return
    # told about it (the list the shards scanned), the merge reads it again and verifies
    listing.write_text(f"{name}\n")
    code, merged, _ = _merge(str(forged), *args, "--repos", str(listing))
    assert merged["tokens"][0]["verification"]["status"] == "valid", merged["notices"]
    assert emulator.tokens_seen() == {value}


def test_a_repository_name_that_hides_a_token_is_neither_named_nor_echoed(
    tmp_path: Path, token: Any, emulator: Emulator
) -> None:
    honest, _, _ = honest_shard(tmp_path, token, emulator)
    legacy = token("legacy")  # 40 hex digits: a shape the redactor cannot know
    names = {
        f"/srv/{legacy}/repo": 1,
        f"https://{legacy}@github.com/o/r": 2,
        f"x{legacy}://github.com/o/r": 2,  # an unknown scheme: the message names it
        f"git@{legacy}.:o/r": 2,  # not a host name: the message names it
    }
    for name, code_wanted in names.items():
        data = json.loads(honest.read_text())
        data["tokens"][0]["locations"][0].update(repository=name, blob="ab" * 20)
        forged = tmp_path / "forged.json"
        forged.write_text(json.dumps(data))
        code, out, err = run(
            [
                "merge",
                "--format",
                "json",
                "--no-cache",
                "--github-api",
                emulator.base_url,
                str(forged),
            ]
        )
        assert code == code_wanted, err
        if code == 2:  # a name no scan writes (a token as the URL's user): the report is refused
            assert "tokens[0].locations[0].repository: expected a repository" in err
            assert legacy not in out + err
            data["tokens"][0]["locations"][0]["repository"] = None
            data["fleet"] = {"shards": ["1/1"], "repositories": [{"name": name}]}
            forged.write_text(json.dumps(data))
            code, out, err = run(["merge", "--offline", str(forged)])
            assert code == 2 and "fleet.repositories[0].name: expected a repository" in err
            assert legacy not in out + err
        else:  # a name a scan may write: refused for re-reading, and the notice hides it
            notices = " ".join(json.loads(out)["notices"])
            assert "1 repository not read again" in notices and legacy not in notices


# --- item 5: hosts come from what is read again, not from the reports' claims -----------------


def _connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket of this process tries to reach."""
    seen: list[Any] = []
    connect = socket.socket.connect

    def recording(self: socket.socket, address: Any) -> None:
        seen.append(address)
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording)
    return seen


@pytest.mark.parametrize("attacker_host", ["unnamed", "configured"])
def test_a_forged_shard_cannot_choose_where_another_shards_token_is_sent(
    tmp_path: Path,
    token: Any,
    emulator: Emulator,
    emulator2: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    attacker_host: str,
) -> None:
    # The honest shard found a github.com token. A forged shard (digests are in every
    # artifact) names the same place, and another, with `context.host` set to its own host.
    # The merging job trusts unnamed hosts (its own config says so) or knows a GHES host: the
    # token must still go only where it was found for.
    honest, value, tree = honest_shard(tmp_path, token, emulator)
    emulator.requests.clear()
    emulator2.add(value, scopes="repo")  # the attacker's server would answer for it
    host = "127.0.0.1" if attacker_host == "unnamed" else "ghes.attacker.example"
    data = json.loads(honest.read_text())
    entry = data["tokens"][0]
    (tree / "copy.env").write_text((tree / "deploy.env").read_text())
    entry["locations"].append(dict(entry["locations"][0], path="copy.env"))
    entry["detections"].append(dict(entry["detections"][0]))
    entry["contexts"].append(dict(entry["contexts"][0]))
    for ctx in entry["contexts"]:
        ctx["host"] = host
    entry["verification"] = None
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    config = tmp_path / "merge-config.yaml"  # the merging job's own, trusted config
    config.write_text(
        "verification: {verify_unnamed_hosts: true}\n"
        f"github_api: {{github.com: '{emulator.base_url}', {host}: '{emulator2.base_url}'}}\n"
        if attacker_host == "configured"
        else f"verification: {{verify_unnamed_hosts: true}}\n"
        f"github_api: {{github.com: '{emulator.base_url}'}}\n"
    )
    seen = _connections(monkeypatch)
    for order in ((forged, honest), (honest, forged)):
        code, merged, _ = _merge(*map(str, order), "--config", str(config), "--root", str(tree))
        assert code == 1
        assert merged["tokens"][0]["verification"]["status"] == "valid"
    assert emulator2.requests == []  # the attacker's configured host: not one request
    assert ("127.0.0.1", 443) not in seen  # the unnamed one: not even a connection
    # github.com asked once per merge (each answer is one /user call)
    assert [r.token for r in emulator.requests if r.path == "/user"] == [value, value]


def test_a_forged_checksum_claim_cannot_keep_a_token_from_being_verified(
    tmp_path: Path, token: Any, emulator: Emulator
) -> None:
    # `checksum_valid: false` on another place of the token made it "not sendable": the token
    # went unverified and the forged shard's record ("invalid") was all the merge had.
    honest, value, tree = honest_shard(tmp_path, token, emulator)
    emulator.requests.clear()
    data = json.loads(honest.read_text())
    entry = data["tokens"][0]
    (tree / "copy.env").write_text((tree / "deploy.env").read_text())
    entry["locations"].append(dict(entry["locations"][0], path="copy.env"))
    entry["detections"].append(dict(entry["detections"][0], checksum_valid=False))
    entry["contexts"].append(dict(entry["contexts"][0]))
    entry["verification"] = None
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    api = ("--github-api", emulator.base_url, "--root", str(tree))
    _, merged, _ = _merge(str(forged), str(honest), *api)
    assert merged["tokens"][0]["verification"]["status"] == "valid"
    assert [r.token for r in emulator.requests if r.path == "/user"] == [value]


# --- item 6: coverage claims (trusted: merge only your own run's artifacts) --------------------


def _shards(tmp_path: Path, listing: Path) -> list[Path]:
    out = []
    for k in (1, 2, 3):
        path = tmp_path / f"s{k}.json"
        code, _, err = run(
            [
                *("scan", "--offline", "--history", "--repos", str(listing), "--shard"),
                *(f"{k}/3", "--format", "json", "-o", str(path), "--no-progress"),
            ]
        )
        assert code in (0, 1), err
        out.append(path)
    return out


def _offline(*args: str) -> dict[str, Any]:
    code, out, err = run(["merge", "--offline", "--format", "json", *args])
    assert code in (0, 1), err
    data: dict[str, Any] = json.loads(out)
    return data


def test_shard_claims_that_disagree_are_noticed(tmp_path: Path, token: Any) -> None:
    from tests.fleet.helpers import make_fleet

    listing, _ = make_fleet(tmp_path, token)
    reports = _shards(tmp_path, listing)
    held = [json.loads(r.read_text())["fleet"]["repositories"] for r in reports]
    k = next(i for i in range(3) if held[i])  # a shard that holds repositories (names vary)
    other = (k + 1) % 3
    claim = f"{k + 1}/3"
    honest = _offline(*map(str, reports), str(reports[k]))  # a shard given twice: nothing said
    assert not any(" claim" in n for n in honest["notices"]), honest["notices"]
    # A forged report of shard k that scanned nothing: it hides what shard k found, and, given
    # instead of the real one, that shard k's repositories were ever missing.
    empty = json.loads(reports[k].read_text())
    assert empty["fleet"]["shards"] == [claim]
    empty.update(tokens=[], findings=[])
    empty["fleet"]["repositories"] = []
    empty["collected"]["places"] = []
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(empty))
    both = _offline(*map(str, reports), str(forged))
    assert any(
        f"2 reports claim shard {claim} with different contents" in n for n in both["notices"]
    ), both["notices"]
    # given instead of the real shard, only the list the shards scanned can tell
    instead = [str(forged) if i == k else str(r) for i, r in enumerate(reports)]
    alone = _offline(*instead)
    assert not any("in no report" in n for n in alone["notices"])
    told = _offline(*instead, "--repos", str(listing))
    names = {r["name"] for r in held[k]}
    status = {r["name"]: r for r in told["fleet"]["repositories"]}
    for name in names:
        assert status[name]["status"] == "not-scanned", status
    assert any(f"{len(names)} repositor" in n and "in no report" in n for n in told["notices"])
    assert told["summary"]["incomplete"] >= len(names)
    # a report that claims another shard but lists repositories of shard k
    odd = json.loads(reports[other].read_text())
    odd["fleet"]["repositories"] += held[k]
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(odd))
    mixed = _offline(*[str(wrong) if i == other else str(r) for i, r in enumerate(reports)])
    said = f"wrong.json claims shard {other + 1}/3 but lists repositories of other shards"
    assert any(said in n for n in mixed["notices"]), mixed["notices"]


# --- not reached before: many or huge reports, terminal escapes, output targets ---------------


def test_the_reports_of_a_merge_are_bounded_in_total(
    tmp_path: Path, token: Any, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each report is read up to 64 MiB; 10,000 of them (a shard count merge accepts) were
    # 640 GB of JSON, parsed one after the other into memory with no overall bound.
    import patlint.cli.merge as merge_cli

    honest, _, _ = honest_shard(tmp_path, token, emulator)
    size = honest.stat().st_size
    monkeypatch.setattr(merge_cli, "MAX_MERGE_TOTAL", size * 3)
    copies = []
    for i in range(4):
        copy = tmp_path / f"copy-{i}.json"
        copy.write_bytes(honest.read_bytes())
        copies.append(str(copy))
    code, out, err = run(["merge", "--offline", "--format", "json", *copies[:3]])
    assert code == 1, err  # up to the bound: merged
    code, out, err = run(["merge", "--offline", "--format", "json", *copies])
    assert code == 2 and out == ""
    assert f"the reports total {size * 4} bytes, more than {size * 3}" in err
    # a FIFO or a growing file cannot go past it either: what is read counts, not what stat says
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    import threading

    def feed() -> None:
        with open(fifo, "wb") as f:
            f.write(honest.read_bytes() * 2)

    writer = threading.Thread(target=feed)
    writer.start()
    code, out, err = run(["merge", "--offline", "--format", "json", *copies[:2], str(fifo)])
    writer.join(10)
    assert code == 2 and "more than" in err, err


def test_escapes_in_a_shard_report_never_reach_the_terminal(
    tmp_path: Path, token: Any, emulator: Emulator
) -> None:
    honest, _, _ = honest_shard(tmp_path, token, emulator)
    esc = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202e"
    forged = tmp_path / "forged.json"
    # names patlint writes (a kind, a preview, a skip reason, a status) never hold one: the
    # report is refused, naming where, not echoing it
    for where in ("preview", "kind", "reason", "status"):
        data = json.loads(honest.read_text())
        data["skipped"].append({"path": "p", "reason": "symlink", "detail": ""})
        data["fleet"] = {"shards": ["1/1"], "repositories": [{"name": "r", "status": "scanned"}]}
        target = {
            "preview": data["tokens"][0],
            "kind": data["tokens"][0],
            "reason": data["skipped"][-1],
            "status": data["fleet"]["repositories"][0],
        }[where]
        target[where] += esc
        forged.write_text(json.dumps(data))
        code, out, err = run(["merge", "--offline", str(forged)])
        assert code == 2 and f".{where}: expected" in err, err
        assert "\x1b" not in out + err
    # free text (file names, notes, keys, hosts, notices, details) is shown, escaped
    data = json.loads(honest.read_text())
    data["collected"]["notices"].append(f"note{esc}")
    data["skipped"].append({"path": f"p{esc}", "reason": "symlink", "detail": f"d{esc}"})
    data["tokens"][0]["locations"][0]["note"] = f"n{esc}"
    data["tokens"][0]["locations"][0]["author_name"] = f"a{esc}"
    data["tokens"][0]["contexts"][0]["key"] = f"k{esc}"
    data["tokens"][0]["contexts"][0]["host"] = f"h{esc}"
    data["fleet"] = {
        "shards": ["1/1"],
        "repositories": [{"name": "r", "status": "not-scanned", "detail": f"d{esc}"}],
    }
    forged.write_text(json.dumps(data))
    for fmt in ("text", "github"):
        code, out, err = run(["merge", "--offline", "--verbose", "--format", fmt, str(forged)])
        assert code == 1, err
        assert "pwned" in out  # shown...
        for bad in ("\x1b", "\x07", "\u202e"):
            assert bad not in out + err, (fmt, bad, out)  # ...escaped


def test_report_targets_a_link_or_a_fifo_write_nothing_else_and_never_hang(
    tmp_path: Path, token: Any, emulator: Emulator
) -> None:
    import stat

    honest, _, _ = honest_shard(tmp_path, token, emulator)
    # A checkout the merge job runs in (a merge request's) commits `fleet.json` as a link to a
    # file of the runner, or to a device: the report replaces the link, writes nothing there.
    victim = tmp_path / "authorized_keys"
    victim.write_text("ssh-ed25519 AAAA keep\n")
    work = tmp_path / "job"
    work.mkdir()
    (work / "fleet.json").symlink_to(victim)
    (work / "fleet.sarif").symlink_to("/dev/full")  # a device: writing through it fails late
    args = ["merge", "--offline", str(honest)]
    targets = [
        "--report",
        f"json={work / 'fleet.json'}",
        "--report",
        f"sarif={work / 'fleet.sarif'}",
    ]
    code, _, err = run([*args, *targets])
    assert code == 1, err
    assert victim.read_text() == "ssh-ed25519 AAAA keep\n"
    for name in ("fleet.json", "fleet.sarif"):
        assert stat.S_ISREG(os.lstat(work / name).st_mode), name
    json.loads((work / "fleet.json").read_text())
    # a FIFO nobody reads: a clear error, not a merge that never ends
    os.mkfifo(work / "fleet.html")
    code, _, err = run([*args, "--report", f"html={work / 'fleet.html'}"])
    assert code == 2 and "nobody reads" in err, err
    # a folder that does not exist: refused before any work
    code, _, err = run([*args, "--report", f"json={work / 'missing' / 'x.json'}"])
    assert code == 2 and "does not exist" in err
