"""`patlint scan --history`: real repositories built with git; each blob read once, attributed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

import patlint.engine.history as gh
from patlint.cli import cli
from patlint.config import Config
from patlint.engine.filescan import scan_stream as real_scan_stream
from patlint.engine.history import collect_history
from patlint.engine.ruleset import build_ruleset
from patlint.engine.run import Collected, ScanOptions, finish, run_scan
from patlint.errors import ConfigError
from patlint.model import Finding, ScanResult
from patlint.sources.history.blobs import HistoryCollected
from tests.report.textblocks import parse, unwrap

TokenFactory = Callable[..., str]
START = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
SCHEMA = json.loads(
    (Path(__file__).parents[3] / "patlint" / "schemas" / "report-v1.json").read_text()
)


pytestmark = pytest.mark.usefixtures("git_env")


class Repo:
    """A repository built commit by commit; commit n is dated START + n days."""

    def __init__(self, path: Path, *, init: bool = True) -> None:
        self.path = path
        self.n = 0
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full = {**os.environ, **(env or {})}
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            env=full,
            check=True,
        )
        return proc.stdout.decode().strip()

    def write(self, rel: str, data: str | bytes) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data)

    def date(self, n: int) -> str:
        return (START + timedelta(days=n)).isoformat()

    def commit(self, message: str, *, stage: bool = True) -> str:
        """Stage everything (unless told not to) and commit; returns the full commit id."""
        self.n += 1
        when = self.date(self.n)
        if stage:
            self.git("add", "-A")
        self.git(
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message,
            env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
        )
        return self.git("rev-parse", "HEAD")

    def blob(self, rev: str, path: str) -> str:
        return self.git("rev-parse", f"{rev}:{path}")

    def unique_blobs(self) -> set[str]:
        """Every blob in every commit of every ref, computed without rev-list --objects."""
        out: set[str] = set()
        for commit in self.git("log", "--all", "--format=%H").split():
            for line in self.git("ls-tree", "-r", commit).splitlines():
                _mode, kind, oid = line.split("\t")[0].split()
                if kind == "blob":
                    out.add(oid)
        return out


def history(repo: Repo | Path, **kw: Any) -> tuple[HistoryCollected, ScanResult]:
    """Run the history source and the shared pipeline, as `patlint scan --history` does."""
    ruleset = build_ruleset(Config())
    path = str(repo.path if isinstance(repo, Repo) else repo)
    hist = collect_history(path, ruleset.detectors, max_file_size=kw.pop("max_size", 1 << 20), **kw)
    result = finish(Collected(candidates=hist.candidates, stats=hist.stats), ruleset, ScanOptions())
    return hist, result


def where(f: Finding) -> list[tuple[str, int | None, str | None, bool | None]]:
    """(path, line, commit, in_head) of the primary location, then every related one."""
    return [(loc.path, loc.line, loc.commit, loc.in_head) for loc in (f.location, *f.related)]


def only(result: ScanResult) -> Finding:
    assert len(result.findings) == 1, [f.rule_id for f in result.findings]
    return result.findings[0]


def test_token_added_then_deleted_is_found_with_its_commit(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "hello\n")
    repo.commit("readme")
    repo.write("app/config.py", f"DEBUG = False\n\nGH_TOKEN = '{t}'\n")
    added = repo.commit("config")
    blob = repo.blob("HEAD", "app/config.py")
    repo.write("README.md", "hello again\n")
    repo.commit("docs")
    (repo.path / "app/config.py").unlink()
    repo.commit("remove the token")

    hist, result = history(repo)
    f = only(result)
    assert f.rule_id == "github-classic-pat"
    assert f.token is not None and f.token.sha256 == hashlib.sha256(t.encode()).hexdigest()
    loc = f.location
    assert (loc.path, loc.line, loc.column) == ("app/config.py", 3, 13)
    assert loc.commit == added
    assert loc.commit_date == "2024-01-03T12:00:00+00:00"
    assert loc.in_head is False
    assert loc.blob == blob
    assert f.related == ()
    assert f.context.key == "GH_TOKEN"
    # 3 blobs: two READMEs and the config; 4 commits
    assert (hist.commits, hist.blobs_read, hist.blobs_with_hits) == (4, 3, 1)
    assert hist.stats.files_scanned == 3


def test_same_token_in_many_commits_reads_each_blob_once(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
):
    t = token("gho")
    repo = Repo(tmp_path / "r")
    repo.write("secrets.txt", f"{t}\n")
    first = repo.commit("add secrets")
    for i in range(25):
        repo.write("log.txt", f"entry {i}\n" * (i + 1))
        repo.commit(f"log {i}")
    repo.write("copy/secrets.txt", f"{t}\n")  # the very same blob at a second path
    copied = repo.commit("copy")
    repo.write("secrets.txt", f"# moved down\n{t}\n")  # a new blob, token kept
    edited = repo.commit("edit")
    for i in range(5):
        repo.write("log.txt", f"later {i}\n")
        repo.commit(f"later {i}")

    read: list[str] = []

    def spy(fh: Any, rel: str, detector: Any, **kw: Any) -> Any:
        data = fh.read()
        read.append(hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())  # noqa: S324
        return real_scan_stream(io.BytesIO(data), rel, detector, **kw)

    monkeypatch.setattr(gh, "scan_stream", spy)
    hist, result = history(repo)

    expected = repo.unique_blobs()
    assert len(expected) == 2 + 25 + 5  # two versions of secrets.txt, every log.txt
    assert sorted(read) == sorted(expected)  # every blob read, none twice
    assert hist.blobs_read == len(expected) == hist.stats.files_scanned
    assert hist.commits == 33
    rules = {f.rule_id: f for f in result.findings}
    assert sorted(rules) == ["github-oauth-token", "token-stored-in-several-places"]
    assert (
        "stored in 2 places: secrets.txt, copy/secrets.txt"
        in rules["token-stored-in-several-places"].message
    )  # policy rules see history places like any others
    f = rules["github-oauth-token"]
    assert where(f) == [
        ("secrets.txt", 1, first, False),
        ("copy/secrets.txt", 1, copied, True),
        ("secrets.txt", 2, edited, True),
    ]
    assert f.location.blob == repo.blob(first, "secrets.txt")
    assert f.related[1].blob == repo.blob("HEAD", "secrets.txt")
    note = hist.stats.notices[-1]
    assert note.startswith("git history (all refs): 33 commits, 32 unique blobs read once")


def test_token_on_a_branch_that_was_never_merged(tmp_path: Path, token: TokenFactory):
    t = token("github_pat")
    repo = Repo(tmp_path / "r")
    repo.write("a.txt", "a\n")
    repo.commit("a")
    repo.git("checkout", "-q", "-b", "feature/x")
    repo.write("deploy/env.sh", f"#!/bin/sh\nexport GITHUB_TOKEN={t}\n")
    on_branch = repo.commit("wip")
    repo.git("checkout", "-q", "main")
    repo.write("b.txt", "b\n")
    repo.commit("b")

    _, result = history(repo)
    f = only(result)
    assert f.rule_id == "github-fine-grained-pat"
    assert where(f) == [("deploy/env.sh", 2, on_branch, False)]
    assert f.location.column == len("export GITHUB_TOKEN=") + 1


def test_token_in_a_binary_blob_has_a_byte_offset(tmp_path: Path, token: TokenFactory):
    t = token("ghs")
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) + t.encode() + b"\x00tail"
    repo = Repo(tmp_path / "r")
    repo.write("assets/logo.png", data)
    c = repo.commit("logo")

    _, result = history(repo)
    f = only(result)
    loc = f.location
    assert (loc.path, loc.binary, loc.line, loc.offset) == (
        "assets/logo.png",
        True,
        None,
        data.index(t.encode()),
    )
    assert (loc.commit, loc.in_head) == (c, True)
    assert f.context.file_type == "binary"


def test_range_finds_only_what_the_range_adds(tmp_path: Path, token: TokenFactory):
    old, new = token("ghp"), token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write("old.env", f"TOKEN={old}\n")
    base = repo.commit("old token, already on main")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("old.env", f"TOKEN={old}\nOTHER=1\n")  # touches the old token's file: new blob
    repo.write("new.env", f"X=1\nTOKEN={new}\n")
    c1 = repo.commit("pr 1")
    repo.write("notes.md", "n\n")
    repo.commit("pr 2")

    hist, result = history(repo, rev_range=f"{base}..pr")
    by_file = {f.location.path: f for f in result.findings}
    assert sorted(by_file) == ["new.env", "old.env"]  # the old token rides in a new blob
    assert where(by_file["new.env"]) == [("new.env", 2, c1, True)]
    assert where(by_file["old.env"]) == [("old.env", 1, c1, True)]
    assert hist.blobs_read == 3  # old.env (new version), new.env, notes.md
    assert hist.commits == 2

    hist, result = history(repo, rev_range="pr~1..pr")
    assert result.findings == []
    assert (hist.blobs_read, hist.commits) == (1, 1)

    hist, result = history(repo, rev_range="main..pr")  # branch names work too
    assert len(result.findings) == 2


def test_since_covers_every_branch_after_rev(tmp_path: Path, token: TokenFactory):
    before, after = token("ghp"), token("ghu")
    repo = Repo(tmp_path / "r")
    repo.write("a.env", f"T={before}\n")
    mark = repo.commit("before")
    repo.git("checkout", "-q", "-b", "other")
    repo.write("b.env", f"T={after}\n")
    c = repo.commit("after, on another branch")
    repo.git("checkout", "-q", "main")

    hist, result = history(repo, since=mark)
    f = only(result)
    assert where(f) == [("b.env", 1, c, False)]
    assert hist.commits == 1


def test_packed_repository_gives_the_same_findings(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    body = "".join(f"line {i} of a long file that deltas well\n" for i in range(3000))
    repo.write("big.txt", body)
    repo.commit("big")
    repo.write("big.txt", body + f"GH_TOKEN={t}\n")
    added = repo.commit("token at the end")
    repo.write("big.txt", body + "\n")
    repo.commit("token gone")

    _, loose = history(repo)
    repo.git("gc", "-q", "--aggressive", "--prune=now")
    counts = dict(
        line.split(": ") for line in repo.git("count-objects", "-v").splitlines() if ": " in line
    )
    assert counts["count"] == "0" and int(counts["in-pack"]) >= 9  # everything is packed
    hist, packed = history(repo)
    assert where(only(packed)) == where(only(loose)) == [("big.txt", 3001, added, False)]
    assert hist.blobs_read == 3


def test_shallow_clone_notes_the_boundary(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    origin = Repo(tmp_path / "origin")
    origin.write("keys.env", f"K={t}\n")
    origin.commit("token")
    for i in range(4):
        origin.write("n.txt", f"{i}\n")
        origin.commit(f"n{i}")
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{origin.path}", str(tmp_path / "clone")],
        check=True,
        capture_output=True,
    )
    clone = Repo(tmp_path / "clone", init=False)
    boundary = clone.git("rev-parse", "HEAD~1")
    assert clone.git("rev-parse", "--is-shallow-repository") == "true"

    hist, result = history(clone)
    f = only(result)
    assert where(f) == [("keys.env", 1, boundary, True)]
    assert f.location.note == "shallow boundary: may have been added earlier"
    assert any(
        n.startswith("shallow clone: history stops at 1 boundary") for n in hist.stats.notices
    )
    assert hist.commits == 2


def test_empty_repository(tmp_path: Path):
    repo = Repo(tmp_path / "r")
    hist, result = history(repo)
    assert result.findings == []
    assert (hist.commits, hist.blobs_read) == (0, 0)
    assert f"{repo.path}: the repository has no commits yet; nothing to scan" in hist.stats.notices


def test_submodule_is_skipped_and_named(tmp_path: Path, token: TokenFactory):
    mine, theirs = token("ghp"), token("ghp")
    sub = Repo(tmp_path / "sub")
    sub.write("creds.env", f"T={theirs}\n")
    sub_head = sub.commit("sub token")
    repo = Repo(tmp_path / "super")
    repo.write(".gitmodules", '[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = ../sub\n')
    repo.write("app.env", f"T={mine}\n")
    repo.git("add", "-A")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sub_head},vendor/lib")
    c = repo.commit("with a submodule", stage=False)
    assert "160000 commit" in repo.git("ls-tree", "HEAD", "vendor/lib")

    hist, result = history(repo)
    f = only(result)  # the submodule's token lives in another repository
    assert where(f) == [("app.env", 1, c, True)]
    assert any(
        n.startswith("1 submodule(s) not scanned") and "vendor/lib" in n for n in hist.stats.notices
    )


def test_blob_over_the_size_limit_is_skipped_with_its_id(tmp_path: Path, token: TokenFactory):
    repo = Repo(tmp_path / "r")
    repo.write("huge.bin", b"\0" * 5000 + token("ghp").encode())
    repo.write("small.txt", "ok\n")
    repo.commit("files")
    hist, result = history(repo, max_size=4096)
    assert result.findings == []
    assert [(s.path, s.reason) for s in hist.stats.skipped] == [("huge.bin", "too-large")]
    blob = repo.blob("HEAD", "huge.bin")
    assert hist.stats.skipped[0].detail == f"blob {blob}: 5040 bytes > limit 4096"
    assert hist.blobs_read == 1


def test_excluded_paths_are_not_read(tmp_path: Path, token: TokenFactory):
    repo = Repo(tmp_path / "r")
    repo.write("fixtures/fake.env", f"T={token('ghp')}\n")
    repo.write("real.env", f"T={token('ghp')}\n")
    repo.commit("both")
    ruleset = build_ruleset(Config())
    hist = collect_history(
        str(repo.path), ruleset.detectors, max_file_size=1 << 20, exclude=["fixtures/"]
    )
    assert [c.location.path for c in hist.candidates] == ["real.env"]
    assert hist.blobs_read == 1


def test_fingerprints_match_a_working_tree_scan(tmp_path: Path, token: TokenFactory):
    repo = Repo(tmp_path / "r")
    repo.write("src/settings.py", f"TOKEN = '{token('ghp')}'\n")
    repo.commit("settings")
    _, hist_result = history(repo)
    tree_result = run_scan([str(repo.path)], build_ruleset(Config()), ScanOptions(jobs=1))
    assert [f.fingerprint for f in hist_result.findings] == [
        f.fingerprint for f in tree_result.findings
    ]
    assert len(hist_result.findings) == 1


def test_not_a_repository(tmp_path: Path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(ConfigError, match="not a git repository"):
        collect_history(str(tmp_path / "plain"), [], max_file_size=1)


def test_bad_revisions_are_usage_errors(tmp_path: Path):
    repo = Repo(tmp_path / "r")
    repo.write("a", "a\n")
    repo.commit("a")
    with pytest.raises(ConfigError, match="'nope' is not a commit"):
        collect_history(str(repo.path), [], max_file_size=1, rev_range="main..nope")
    with pytest.raises(ConfigError, match="not a range"):
        collect_history(str(repo.path), [], max_file_size=1, rev_range="main")
    with pytest.raises(ConfigError, match="is not a revision"):
        collect_history(str(repo.path), [], max_file_size=1, since="--all")


# --- the command line ----------------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", *args])
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def leaky(tmp_path: Path, token: TokenFactory) -> Iterator[tuple[Repo, list[str]]]:
    """A token added, kept through two edits, then removed."""
    repo = Repo(tmp_path / "r")
    t = token("ghp")
    repo.write("ci/deploy.sh", f"export GH_TOKEN={t}\n")
    commits = [repo.commit("deploy")]
    repo.write("ci/deploy.sh", f"set -e\nexport GH_TOKEN={t}\n")
    commits.append(repo.commit("set -e"))
    repo.write("ci/deploy.sh", f"set -eu\nexport GH_TOKEN={t}\n")
    commits.append(repo.commit("set -eu"))
    repo.write("ci/deploy.sh", "set -eu\nexport GH_TOKEN=${GH_TOKEN:?}\n")
    repo.commit("use the environment")
    yield repo, commits


def test_cli_json_carries_commit_data(leaky: tuple[Repo, list[str]]):
    repo, commits = leaky
    code, out, err = run_cli("--history", "--format", "json", str(repo.path))
    assert code == 1, err
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    (finding,) = report["findings"]
    assert finding["location"] == {
        "path": "ci/deploy.sh",
        "line": 1,
        "column": 17,
        "offset": 16,
        "commit": commits[0],
        "commit_date": "2024-01-02T12:00:00+00:00",
        "author_name": "Octo Cat",
        "author_email": "octo@example.com",
        "in_head": False,
        "blob": repo.blob(commits[0], "ci/deploy.sh"),
    }
    assert [(r["commit"], r["line"], r["in_head"]) for r in finding["related"]] == [
        (commits[1], 2, False),
        (commits[2], 2, False),
    ]
    assert report["summary"]["files_scanned"] == 4
    assert any(
        n.startswith("git history (all refs): 4 commits, 4 unique blobs") for n in report["notices"]
    )


def test_cli_text_groups_by_token_with_the_introducing_commit(leaky: tuple[Repo, list[str]]):
    repo, commits = leaky
    code, out, _ = run_cli("--history", str(repo.path))
    assert code == 1
    (block,) = parse(out).blocks.values()
    assert [f[:2] for f in block.findings] == [("high", "github-classic-pat")]
    # one place: the introducing commit, its date and author; the later commits counted
    assert block.where == [
        "ci/deploy.sh:1:17  GH_TOKEN, not in HEAD",
        f"@ {commits[0][:10]} 2024-01-02 by Octo Cat <octo@example.com> (+2 more commits)",
    ]
    assert block.command == (
        f"git -C {repo.path} cat-file blob {repo.blob(commits[0], 'ci/deploy.sh')[:12]}"
        f" | patlint revoke --file - --token {block.head.split()[-2]} --yes"
    )
    code, out, _ = run_cli("--history", "-v", str(repo.path))
    assert "@ " + commits[1][:10] not in out  # -v lists places, not every commit of a place


def test_cli_range_and_errors(leaky: tuple[Repo, list[str]], tmp_path: Path):
    repo, commits = leaky
    code, out, _ = run_cli("--range", f"{commits[2]}..HEAD", str(repo.path))  # implies --history
    assert code == 0
    assert "git history (range " in out and "0 with tokens" in unwrap(out)
    code, _, err = run_cli("--history", str(tmp_path))
    assert code == 2 and "not a git repository" in err
    code, _, err = run_cli("--history", "--since", "HEAD", "--range", "a..b", str(repo.path))
    assert code == 2 and "cannot be combined" in err
    code, _, err = run_cli("--history", str(repo.path), str(repo.path))
    assert code == 2 and "one repository directory" in err


def test_blob_larger_than_a_chunk_is_streamed(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
):
    import patlint.engine.filescan as filescan

    monkeypatch.setattr(filescan, "CHUNK", 64 << 10)  # 40 chunks instead of one 8 MiB read
    t, u = token("ghp"), token("gho")
    repo = Repo(tmp_path / "r")
    repo.write("a_big.log", "".join(f"{i:07d} noise\n" for i in range(200_000)) + f"T={t}\n")
    repo.write("b_small.env", f"U={u}\n")  # read right after the big one: headers stay aligned
    c = repo.commit("logs")
    hist, result = history(repo, max_size=8 << 20)
    got = sorted(where(f) for f in result.findings)
    assert got == [[("a_big.log", 200_001, c, True)], [("b_small.env", 1, c, True)]]
    assert hist.stats.bytes_scanned == 200_000 * 14 + len(t) + 3 + len(u) + 3


def test_a_failure_mid_stream_stops_every_git_process(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
):
    repo = Repo(tmp_path / "r")
    for i in range(50):
        repo.write(f"f{i}.txt", f"{i}\n")
    repo.commit("files")
    calls = []

    def boom(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("scanner failed")
        return real_scan_stream(*args, **kw)

    monkeypatch.setattr(gh, "scan_stream", boom)
    with pytest.raises(RuntimeError, match="scanner failed"):
        history(repo)
    assert len(calls) == 3
    monkeypatch.setattr(gh, "scan_stream", real_scan_stream)
    hist, _ = history(repo)  # and the repository is still fine to scan
    assert hist.blobs_read == 50


def test_cli_sarif_carries_commit_data(leaky: tuple[Repo, list[str]]):
    repo, commits = leaky
    code, out, _ = run_cli("--history", "--format", "sarif", str(repo.path))
    assert code == 1
    (result,) = json.loads(out)["runs"][0]["results"]
    (loc,) = result["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "ci/deploy.sh"
    assert loc["physicalLocation"]["region"]["startLine"] == 1
    assert loc["properties"] == {
        "commit": commits[0],
        "commit_date": "2024-01-02T12:00:00+00:00",
        "author_name": "Octo Cat",
        "author_email": "octo@example.com",
        "in_head": False,
        "blob": repo.blob(commits[0], "ci/deploy.sh"),
    }


def test_the_pre_check_of_a_long_history_changes_no_finding(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
):
    # Long histories give each blob to the pre-check first; most hold no keyword. Every kind
    # of token-bearing blob must still reach the detector, and clean ones must still count.
    import base64

    legacy = "".join("0123456789abcdef"[(i * 7) % 16] for i in range(40))
    repo = Repo(tmp_path / "r")
    blobs = {
        "a/plain.py": f"T = '{token('ghp')}'\n",
        "a/b64.txt": base64.b64encode(f"u:{token('gho')}".encode()).decode() + "\n",
        "a/url.sh": f"git clone https://x:{legacy}@github.com/o/r\n",
        "a/assign.env.txt": f"GITHUB_TOKEN={legacy[::-1]}\n",
        "a/imports.go": 'import "github.com/spf13/cobra"\n' * 50,
        "a/clean.md": "nothing here\n",
        ".github/workflows/ci.yml": f"env:\n  T: {token('ghs')}\n",
    }
    for rel, text in blobs.items():
        repo.write(rel, text)
    repo.commit("all")

    def summary() -> tuple[object, ...]:
        hist, result = history(repo)
        found = sorted(
            (f.rule_id, f.location.path, f.token.sha256 if f.token else "") for f in result.findings
        )
        return found, hist.blobs_read, hist.stats.files_scanned, hist.stats.bytes_scanned

    without = summary()
    monkeypatch.setattr(gh, "PRECHECK_MIN_FILES", 0)
    calls: list[bytes] = []
    real_may_hit = gh.Detector.may_hit

    def counting(self: Any, data: bytes) -> bool:
        calls.append(data)
        return bool(real_may_hit(self, data))

    monkeypatch.setattr(gh.Detector, "may_hit", counting)
    assert summary() == without
    assert calls  # the pre-check ran
    assert len(without[0]) >= 5  # type: ignore[arg-type]
