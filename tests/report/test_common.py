"""Report helpers: every format writes valid UTF-8 whatever bytes a file name or value holds."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.report.common import clean_data, clean_text

TokenFactory = Callable[..., str]


def test_clean_text() -> None:
    assert clean_text("dir\udcff/x é") == "dir\\xff/x é"
    assert clean_text("ghcr.io\ud800") == "ghcr.io\\ud800"
    assert clean_data({"k\udc80": ["a\ud800", 3, None]}) == {"k\\x80": ["a\\ud800", 3, None]}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit", "html"])
def test_undecodable_names_and_lone_surrogates(
    tmp_path: Path, token: TokenFactory, fmt: str
) -> None:
    # Readers quote the file's path in messages and notices, and JSON keys in contexts: a
    # directory named with a non-UTF-8 byte, or a "\ud800" escape in a Docker config key,
    # made every format but junit fail with UnicodeEncodeError (exit 3) under -o, and wrote
    # invalid UTF-8 on stdout.
    root = tmp_path / "tree"
    odd = os.path.join(os.fsencode(root), b"dir\xff")
    os.makedirs(odd)
    with open(os.path.join(odd, b".git-credentials"), "w") as fh:
        fh.write(f"https://me:{token('ghp')}@github.com\n")
    os.chmod(os.path.join(odd, b".git-credentials"), 0o600)
    (root / ".docker").mkdir()
    (root / ".docker" / "config.json").write_text(
        '{"auths": {"ghcr.io\\ud800": {"identitytoken": "' + token("gho") + '"}}}'
    )
    out = tmp_path / f"report.{fmt}"
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--no-progress", "--format", fmt, "-o", str(out), str(root)]
    )
    assert res.exit_code == 1, res.output
    text = out.read_bytes().decode("utf-8")
    escaped = "dir\\\\xff" if fmt in ("json", "sarif") else "dir\\xff"  # JSON doubles "\\"
    if fmt == "text":  # the block names the place; its one-line findings may be cut short
        assert f"  where    {escaped}/.git-credentials:1:" in text
    else:
        assert f"plaintext in {escaped}/.git-credentials" in text
    if fmt == "json":
        doc = json.loads(text)
        messages = [f["message"] for f in doc["findings"]]
        assert any("in plaintext in dir\\xff/.git-credentials" in m for m in messages)
        keys = {c.get("key") for f in doc["findings"] for c in [f["context"]]}
        assert "auths.ghcr.io\\ud800.identitytoken" in keys


def _persisted_checkout(root: Path, job: str) -> None:
    """`root` as actions/checkout leaves it with persist-credentials: the job's token in
    `.git/config`, which the place rule `checkout-persisted-credentials` reports (and absorbs:
    the token gets no detection finding of its own and is never sent to GitHub)."""
    import base64
    import subprocess

    subprocess.run(["git", "init", "-q", str(root)], check=True)
    header = base64.b64encode(f"x-access-token:{job}".encode()).decode()
    key = "http.https://github.com/.extraheader"
    subprocess.run(
        ["git", "-C", str(root), "config", key, f"AUTHORIZATION: basic {header}"], check=True
    )


@pytest.mark.usefixtures("git_env")
def test_the_summary_counts_the_tokens_the_report_lists(
    tmp_path: Path, token: TokenFactory
) -> None:
    # The checkout token a place rule absorbs is listed as a token block of its own, yet the
    # summary counted only the tokens detection found: "1 finding in 0 tokens" for the checkout
    # alone, "2 findings in 1 token" with a leaked PAT beside it, over two token blocks.
    from tests.report.textblocks import parse

    root = tmp_path / "repo"
    _persisted_checkout(root, token("ghs"))
    res = CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", str(root)])
    report = parse(res.stdout)
    assert len(report.blocks) == 1
    assert report.summary.startswith("patlint: 1 finding (1 low) in 1 token; ")

    (root / "deploy.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    # a token whose only finding is suppressed is not listed: it counts as suppressed only
    (root / "old.env").write_text(f"OLD={token('gho')}  # patlint: ignore\n")
    res = CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", str(root)])
    report = parse(res.stdout)
    assert len(report.blocks) == 2
    assert report.summary.startswith("patlint: 2 findings (1 high, 1 low) in 2 tokens; ")
    assert "; 1 suppressed; " in report.summary


def test_a_member_named_with_dot_segments_links_to_its_archive(
    tmp_path: Path, token: Callable[..., str]
) -> None:
    """`a.zip!../../README.md` as a GitHub annotation's `file=` or GitLab's location path
    resolved to the tree's README (an attacker's review): the archive is the file named now,
    and the member is said in the message."""
    import zipfile

    from patlint.report.common import linked_path

    assert linked_path("a.zip!../../README.md") == "a.zip"
    assert linked_path("d/a.zip!b.zip!../../../x") == "d/a.zip"
    assert linked_path("a.zip!..\\..\\x") == "a.zip"
    assert linked_path("a.zip!docs/x.env") == "a.zip!docs/x.env"
    assert linked_path("we!rd/name.env") == "we!rd/name.env"

    with zipfile.ZipFile(tmp_path / "a.zip", "w") as z:
        z.writestr("../../README.md", f"GH_TOKEN={token('ghp')}\n")
    (tmp_path / "README.md").write_text("clean\n")
    runner = CliRunner()
    res = runner.invoke(
        cli, ["scan", "--offline", "--no-progress", "--format", "github", str(tmp_path)]
    )
    assert res.exit_code == 1
    files = {
        ln.split("file=", 1)[1].split(",", 1)[0] for ln in res.stdout.splitlines() if "file=" in ln
    }
    assert files == {"a.zip"}
    assert "In a.zip!../../README.md." in res.stdout
    res = runner.invoke(
        cli, ["scan", "--offline", "--no-progress", "--format", "gitlab-codequality", str(tmp_path)]
    )
    issues = json.loads(res.stdout)
    assert {i["location"]["path"] for i in issues} == {"a.zip"}
