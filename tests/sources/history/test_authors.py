"""`patlint/sources/history/authors.py`: each history finding names the author of its commit,
read from real commit objects — crafted ones included."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact
from patlint.sources.history.authors import FIELD_MAX, commit_authors
from tests.sources.history.test_blobs import SCHEMA, Repo, history

TokenFactory = Callable[..., str]
pytestmark = pytest.mark.usefixtures("git_env")


def crafted_commit(repo: Repo, author_line: bytes, message: bytes = b"crafted\n") -> str:
    """A commit object written as raw bytes (what `git commit` would never write), on main."""
    tree = repo.git("write-tree")
    parent = repo.git("rev-parse", "HEAD")
    body = (
        b"tree "
        + tree.encode()
        + b"\nparent "
        + parent.encode()
        + b"\nauthor "
        + author_line
        + b"\ncommitter C <c@example.com> 1704067200 +0000\n\n"
        + message
    )
    proc = subprocess.run(
        [
            "git",
            "-C",
            str(repo.path),
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            "--stdin",
        ],
        input=body,
        capture_output=True,
        check=True,
    )
    oid = proc.stdout.decode().strip()
    repo.git("update-ref", "refs/heads/main", oid)
    return oid


def test_each_finding_names_the_author_of_its_commit(tmp_path: Path, token: TokenFactory):
    repo = Repo(tmp_path / "r")
    t = token("ghp")
    repo.write("a.env", f"T={t}\n")
    first = repo.commit("add")
    repo.write("b.env", f"T={t}\n")
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "-m",
        "copy",
        env={"GIT_AUTHOR_NAME": "Mallory Dev", "GIT_AUTHOR_EMAIL": "mallory@example.org"},
    )
    second = repo.git("rev-parse", "HEAD")
    _, result = history(repo)
    f = next(f for f in result.findings if f.rule_id == "github-classic-pat")
    who = {loc.commit: (loc.author_name, loc.author_email) for loc in (f.location, *f.related)}
    assert who == {
        first: ("Octo Cat", "octo@example.com"),
        second: ("Mallory Dev", "mallory@example.org"),
    }


def test_a_crafted_author_line_cannot_shift_the_fields_of_another_commit(
    tmp_path: Path, token: TokenFactory
):
    # NUL, SOH (the old log format's separator), newlines written as escapes, ANSI escapes, a
    # fake second ident, a huge message: each commit's author is its own, read whole.
    repo = Repo(tmp_path / "r")
    t = token("ghp")
    repo.write("a.env", f"T={t}\n")
    repo.commit("plain")
    repo.write("b.env", f"U={t}\n")
    repo.git("add", "-A")  # the crafted commit's tree (write-tree)
    evil_name = b"Ev\x00il \x01deadbeef \x1b[31mred\x1b[0m"
    crafted = crafted_commit(
        repo,
        evil_name + b" <ev\x00il@x> 1704067200 +0000",
        message=b"x" * (300 << 10) + b"\nauthor Fake <fake@example.com> 1 +0000\n",
    )
    got = commit_authors(str(repo.path), [crafted, repo.git("rev-parse", "HEAD~1")])
    assert got[crafted] == ("Ev\x00il \x01deadbeef \x1b[31mred\x1b[0m", "ev\x00il@x")
    assert got[repo.git("rev-parse", "HEAD~1")] == ("Octo Cat", "octo@example.com")
    # No output (the terminal, the Actions log, JSON, SARIF) holds the raw control characters.
    for fmt in ("text", "github", "json", "sarif"):
        res = CliRunner().invoke(
            cli,
            ["scan", "--offline", "--no-progress", "--history", "--format", fmt, str(repo.path)],
        )
        assert res.exit_code == 1, res.stderr
        assert not {"\x1b", "\x00", "\x01"} & set(res.stdout), fmt


def test_a_token_in_the_author_name_is_redacted_everywhere(tmp_path: Path, token: TokenFactory):
    repo = Repo(tmp_path / "r")
    t, named = token("ghp"), token("ghp")
    repo.write("a.env", f"T={t}\n")
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "-m",
        "x",
        env={"GIT_AUTHOR_NAME": f"bot {named}", "GIT_AUTHOR_EMAIL": f"{named}@example.com"},
    )
    for fmt in ("text", "json", "sarif", "github"):
        res = CliRunner().invoke(
            cli,
            ["scan", "--offline", "--no-progress", "--history", "--format", fmt, str(repo.path)],
        )
        assert res.exit_code == 1, res.stderr
        assert named not in res.stdout and t not in res.stdout, fmt
        if fmt == "json":
            (loc,) = [f["location"] for f in json.loads(res.stdout)["findings"]]
            assert loc["author_name"] == f"bot {redact(named)}"
            assert loc["author_email"] == f"{redact(named)}@example.com"


def test_long_fields_are_cut_and_missing_commits_left_out(tmp_path: Path, token: TokenFactory):
    repo = Repo(tmp_path / "r")
    repo.write("a.txt", "x\n")
    repo.commit("base")
    crafted = crafted_commit(repo, b"N" * 5000 + b" <" + b"e" * 5000 + b"> 1704067200 +0000")
    broken = crafted_commit(repo, b"no brackets at all")
    missing = "0" * 39 + "1"
    got = commit_authors(str(repo.path), [crafted, missing, "not-a-commit-id", broken])
    assert got[crafted] == ("N" * FIELD_MAX + "…", "e" * FIELD_MAX + "…")
    assert got[broken] == ("no brackets at all", "")
    assert set(got) == {crafted, broken}


def test_json_and_sarif_carry_the_author(tmp_path: Path, token: TokenFactory):
    repo = Repo(tmp_path / "r")
    repo.write("deploy.sh", f"export GH_TOKEN={token('ghp')}\n")
    repo.commit("deploy")
    run = CliRunner().invoke
    out = run(
        cli, ["scan", "--offline", "--no-progress", "--history", "--format", "json", str(repo.path)]
    )
    report = json.loads(out.stdout)
    jsonschema.validate(report, SCHEMA)
    loc = report["findings"][0]["location"]
    assert (loc["author_name"], loc["author_email"]) == ("Octo Cat", "octo@example.com")
    out = run(
        cli,
        ["scan", "--offline", "--no-progress", "--history", "--format", "sarif", str(repo.path)],
    )
    props = json.loads(out.stdout)["runs"][0]["results"][0]["locations"][0]["properties"]
    assert (props["author_name"], props["author_email"]) == ("Octo Cat", "octo@example.com")
