"""`patlint scan --history --repos FILE`: real repositories, local and fetched as mirrors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from patlint.errors import ConfigError
from patlint.sources import gitcmd
from patlint.sources.repos import parse_repos
from tests.fleet.helpers import git, make_repo, places, run, scan_json

pytestmark = pytest.mark.usefixtures("git_env")


def test_local_paths_and_mirrors_one_report_with_the_repository_in_each_place(
    tmp_path: Path, token: Any
) -> None:
    shared = token()
    a = make_repo(tmp_path / "a", [{"cfg.env": f"T={shared}\n"}])
    b = make_repo(tmp_path / "b", [{"deploy/app.env": f"GH={shared}\n"}])
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# the fleet\n\n{a}\nfile://{b}/\n{tmp_path / 'gone'}\n")
    code, report = scan_json(listing)
    assert code == 1
    assert len(report["tokens"]) == 1  # one token, in two repositories
    digest = report["tokens"][0]["sha256"]
    assert {(r, p) for _, r, p, _ in places(report)} == {
        (str(a), "cfg.env"),
        (f"file://{b}/", "deploy/app.env"),
    }
    statuses = {r["name"]: r["status"] for r in report["fleet"]["repositories"]}
    assert statuses == {
        str(a): "scanned",
        f"file://{b}/": "scanned",
        str(tmp_path / "gone"): "not-scanned",
    }
    assert any("gone: not scanned" in n for n in report["notices"])
    assert report["summary"]["incomplete"] == 1
    assert digest not in report["notices"] and shared not in str(report)
    mirrors = list((Path(os.environ["XDG_CACHE_HOME"]) / "patlint" / "repos").glob("*.git"))
    assert len(mirrors) == 1 and (mirrors[0] / "HEAD").is_file()
    assert git(mirrors[0], "rev-parse", "--is-bare-repository") == "true"


def test_text_and_sarif_show_the_repository(tmp_path: Path, token: Any) -> None:
    a = make_repo(tmp_path / "alpha", [{"x.env": f"T={token()}\n"}])
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{a}\n")
    code, out, _ = run(["scan", "--offline", "--history", "--repos", str(listing)])
    assert code == 1 and f"[{a}] x.env:1" in out
    code, out, _ = run(
        ["scan", "--offline", "--history", "--repos", str(listing), "--format", "sarif"]
    )
    assert code == 1 and f'"repository": "{a}"' in out


def test_fetch_allows_only_the_urls_own_protocol(
    tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remote is hostile: an insteadOf (or a redirect) onto another transport is refused."""
    origin = make_repo(tmp_path / "origin", [{"a.env": f"T={token()}\n"}])
    cfg = tmp_path / "gitconfig"
    cfg.write_text(f'[url "file://{origin}"]\n\tinsteadOf = https://git.example.test/o/r\n')
    listing = tmp_path / "repos.txt"
    listing.write_text("https://git.example.test/o/r\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(cfg))
    _, report = scan_json(listing)
    assert report["tokens"] == []
    repo = report["fleet"]["repositories"][0]
    assert repo["status"] == "not-scanned" and "not allowed" in repo["detail"]
    env = gitcmd.fetch_env("https")
    assert env["GIT_ALLOW_PROTOCOL"] == "https" and env["GIT_TERMINAL_PROMPT"] == "0"
    argv = gitcmd.clone_mirror_argv("file:///x", "/d")
    assert "core.hooksPath=" + os.devnull in argv and argv[-3] == "--"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("http://github.com/o/r", "scheme 'http'"),
        ("git://github.com/o/r", "scheme 'git'"),
        ("ext::sh -c touch% /tmp/pwned", "scheme 'ext'"),
        ("--upload-pack=touch /tmp/pwned", "starts with '-'"),
        ("https://github.com/-oops", "starts with '-'"),
        ("https:///o/r", "needs a host"),
        ("https://github.com/o/r?x=1", "no query"),
        ("file://host/srv/r", "name no host"),
    ],
)
def test_bad_lines_are_usage_errors_naming_the_line(line: str, why: str) -> None:
    with pytest.raises(ConfigError, match=rf"list\.txt:3: .*{why}"):
        parse_repos(f"# c\n\n{line}\n", "list.txt")


def test_a_password_in_a_url_is_refused_and_not_echoed(tmp_path: Path, token: Any) -> None:
    secret = token()
    listing = tmp_path / "repos.txt"
    listing.write_text(f"https://x:{secret}@github.com/o/r\n")
    code, out, err = run(["scan", "--offline", "--history", "--repos", str(listing)])
    assert code == 2 and "repos.txt:1" in err and "password" in err
    assert secret not in out + err


def test_spellings_of_one_repository_are_scanned_once(tmp_path: Path, token: Any) -> None:
    repos = parse_repos(
        "https://GitHub.com/Org/Repo.git\nhttps://github.com/Org/Repo/\n"
        "git@github.com:org/x.git\nssh://git@github.com:22/org/x\nrepos//a/./b/\nrepos/a/b\n",
        "l",
    )
    assert [r.normalized for r in repos] == [
        "https://github.com/Org/Repo",
        "ssh://github.com/org/x",
        "repos/a/b",
    ]


def test_stdin_and_usage_errors(tmp_path: Path, token: Any) -> None:
    a = make_repo(tmp_path / "a", [{"x.env": f"T={token()}\n"}])
    code, out, _ = run(
        ["scan", "--offline", "--history", "--repos", "-", "--format", "json"], stdin=f"{a}\n"
    )
    assert code == 1 and f'"repository": "{a}"' in out
    for args, said in [
        (["scan", "--repos", "-"], "add --history"),
        (["scan", "--history", "--shard", "1/2"], "--repos"),
        (["scan", "--history", "--repos", "-", "."], "no PATHS"),
        (["scan", "--history", "--repos", "-", "--shard", "3/2"], "K must be"),
        (["scan", "--history", "--repos", str(tmp_path / "none.txt")], "none.txt"),
    ]:
        code, _, err = run(args, stdin="")
        assert code == 2 and said in err, (args, err)


@pytest.mark.parametrize("kind", ["legacy", "ghp"])
def test_a_token_as_the_user_of_a_url_is_refused_and_not_echoed(
    tmp_path: Path, token: Any, kind: str
) -> None:
    # GitHub takes a token as the user of an https URL (`https://TOKEN@github.com/o/r`); a
    # legacy 40-hex one has no shape the redactor knows, so as a repository's name it went
    # into every report (fleet.repositories, each place's repository) in plaintext.
    secret = token(kind)
    make_repo(tmp_path / "r", [{"a.txt": "clean\n"}])
    for line in (f"https://{secret}@github.com/o/r", f"ssh://{secret}@github.com/o/r"):
        listing = tmp_path / "repos.txt"
        listing.write_text(f"{tmp_path / 'r'}\n{line}\n")
        code, out, err = run(
            ["scan", "--offline", "--history", "--repos", str(listing), "--format", "json"]
        )
        assert code == 2 and "repos.txt:2" in err and "token" in err, err
        assert secret not in out + err
    # an ordinary user name stays accepted
    assert parse_repos("https://alice@github.com/o/r\ngit@github.com:o/r\n", "l")[0].scheme == (
        "https"
    )


def test_a_list_of_a_million_repositories_is_refused_fast(tmp_path: Path) -> None:
    # 64 MiB of list parsed into a million repositories: 14 s and 400 MB before the first
    # fetch (or, given to merge, before the first report is read).
    import time

    from patlint.sources.repos import MAX_REPOS, read_repos

    listing = tmp_path / "repos.txt"
    listing.write_text(
        "# a comment\n\n" + "".join(f"https://github.com/acme/r{i}\n" for i in range(MAX_REPOS))
    )
    assert len(read_repos(str(listing))) == MAX_REPOS  # blank lines and comments do not count
    with listing.open("a") as f:
        f.write("".join(f"https://github.com/acme/x{i}\n" for i in range(1_000_000 - MAX_REPOS)))
    started = time.monotonic()
    with pytest.raises(ConfigError, match=f"more than {MAX_REPOS:,} repositories"):
        read_repos(str(listing))
    assert time.monotonic() - started < 2.0
    code, _, err = run(["merge", "--offline", "--repos", str(listing), str(listing)])
    assert code == 2 and f"more than {MAX_REPOS:,} repositories" in err


def test_a_local_repository_whose_git_dir_blocks_is_skipped_and_the_others_scanned(
    tmp_path: Path, token: Any
) -> None:
    """A FIFO where git opens a file would stop git for ever: that repository is named and
    skipped, every other one is scanned, the report is written (`gitguard.precheck`)."""
    import json
    import time

    from tests.fleet.helpers import run_bounded

    kept = token()
    a = make_repo(tmp_path / "a", [{"cfg.env": f"T={kept}\n"}])
    b = make_repo(tmp_path / "b", [{"x.env": f"T={token()}\n"}])
    os.mkfifo(b / ".git" / "objects" / "info" / "alternates")
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{b}\n{a}\n")
    start = time.monotonic()
    code, out, err = run_bounded(
        ["scan", "--offline", "--history", "--repos", str(listing), "--format", "json"]
    )
    assert time.monotonic() - start < 30
    assert code == 1, err
    report = json.loads(out)
    assert {r for _, r, _, _ in places(report)} == {str(a)}
    assert any("alternates is a FIFO" in n for n in report["notices"])
    assert report["summary"]["incomplete"] >= 1
