"""`--history` in a damaged or partial repository: what git cannot give is skipped and named,
everything readable is still scanned and reported, and the exit code follows the findings.

Real git throughout: a real `git clone --filter=blob:none` from a local `file://` repository
with `uploadpack.allowFilter` (its source then moved away, as a runner without network would
have it), a ref file pointing at nothing, loose and packed objects overwritten with garbage.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def history(repo: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--history", "--format", "json", *extra, str(repo)]
    )
    assert res.exit_code in (0, 1), res.output  # never 3: damage is not an unexpected error
    return res.exit_code, json.loads(res.stdout), res.stderr


def found(report: dict[str, Any]) -> set[str]:
    return {t["preview"] for t in report["tokens"]}


def preview(value: str) -> str:
    return f"{value[:4]}…{value[-4:]}"


def spoil_loose(repo: Path, oid: str) -> None:
    path = repo / ".git" / "objects" / oid[:2] / oid[2:]
    os.chmod(path, 0o644)
    path.write_bytes(b"garbage, not zlib")


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> Path:
    r = tmp_path / "src"
    r.mkdir()
    git(r, "init", "-q")
    return r


def test_blobless_partial_clone_scans_what_it_has(repo: Path, tmp_path: Path, token: Any) -> None:
    old, current = token("ghp"), token("ghp")
    commit(repo, {"deploy.env": f"GH_TOKEN={old}\n"}, "first")
    commit(repo, {"deploy.env": f"GH_TOKEN={current}\n"}, "second")
    git(repo, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--filter=blob:none", f"file://{repo}", str(clone)], check=True
    )
    old_blob = git(repo, "rev-parse", "HEAD~1:deploy.env")
    repo.rename(tmp_path / "gone")  # no lazy fetch can reach it now
    code, report, _ = history(clone)
    assert code == 1
    assert found(report) == {preview(current)}  # HEAD's blob was checked out, so it is here
    [missing] = [s for s in report["skipped"] if s["reason"] == "missing-object"]
    assert missing["detail"] == f"{old_blob}: not in the repository"
    assert report["summary"]["incomplete"] == 1
    notice = next(n for n in report["notices"] if "missing from the repository" in n)
    assert old_blob[:12] in notice
    [finding] = report["findings"]
    assert finding["location"]["path"] == "deploy.env" and finding["location"]["commit"]


def test_dangling_ref_is_named_and_the_rest_scanned(repo: Path, token: Any) -> None:
    value = token("ghp")
    commit(repo, {"a.env": f"GH_TOKEN={value}\n"}, "one")
    (repo / ".git" / "refs" / "heads" / "dangling").write_text("12" * 20 + "\n")
    code, report, _ = history(repo)
    assert code == 1 and found(report) == {preview(value)}
    assert [s for s in report["skipped"] if s["reason"] == "bad-ref"] == [
        {
            "path": "refs/heads/dangling",
            "reason": "bad-ref",
            "detail": f"points to {'12' * 20}, which is not in the repository",
        }
    ]
    assert any("refs/heads/dangling" in n for n in report["notices"])


def test_unreadable_tree_is_skipped_and_everything_else_scanned(repo: Path, token: Any) -> None:
    a, b, c = token("ghp"), token("ghp"), token("ghp")
    commit(repo, {"one/a.env": f"A={a}\n", "top.txt": "x\n"}, "first")
    commit(repo, {"two/b.env": f"B={b}\n"}, "second")
    commit(repo, {"top.txt": f"C={c}\n"}, "third")
    spoil_loose(repo, git(repo, "rev-parse", "HEAD:two"))
    code, report, _ = history(repo)
    assert code == 1
    assert found(report) == {preview(a), preview(c)}  # b is below the tree git cannot read
    corrupt = [s for s in report["skipped"] if s["reason"] == "corrupt-object"]
    assert [s["path"] for s in corrupt] == ["two/"]
    assert report["summary"]["incomplete"] == 1
    assert any("git rev-list could not walk the history" in n for n in report["notices"])


def test_unreadable_loose_blob_is_named_not_dropped(repo: Path, token: Any) -> None:
    a, b = token("ghp"), token("ghp")
    commit(repo, {"a.env": f"A={a}\n", "b.env": f"B={b}\n"}, "one")
    blob = git(repo, "rev-parse", "HEAD:b.env")
    spoil_loose(repo, blob)
    code, report, _ = history(repo)
    assert code == 1 and found(report) == {preview(a)}
    corrupt = [s for s in report["skipped"] if s["reason"] == "corrupt-object"]
    assert [s["detail"] for s in corrupt] == [f"{blob}: git cannot read it"]
    assert report["summary"]["incomplete"] == 1
    assert any("git cannot read (corrupt?)" in n for n in report["notices"])


def test_unreadable_packed_blob_stops_cat_file_and_the_scan_goes_on_after_it(
    repo: Path, token: Any
) -> None:
    """A packed blob git cannot inflate ends `cat-file --batch`: the blobs after it are still read."""
    values = [token("ghp") for _ in range(6)]
    for i, v in enumerate(values):  # random filler: stored whole, not as a delta
        filler = os.urandom(3000).hex()
        commit(repo, {f"f{i}.txt": f"{filler}\nT={v}\n"}, f"c{i}")
    git(repo, "gc", "-q")
    victim = git(repo, "rev-parse", "HEAD:f3.txt")
    [pack] = (repo / ".git" / "objects" / "pack").glob("*.pack")
    listing = git(repo, "verify-pack", "-v", str(pack.with_suffix(".idx")))
    offset = next(int(line.split()[4]) for line in listing.splitlines() if line.startswith(victim))
    os.chmod(pack, 0o644)
    with pack.open("r+b") as fh:
        fh.seek(offset + 200)
        fh.write(b"\xff" * 64)
    code, report, _ = history(repo)
    assert code == 1
    assert found(report) == {preview(v) for i, v in enumerate(values) if i != 3}
    corrupt = [s for s in report["skipped"] if s["reason"] == "corrupt-object"]
    assert [(s["path"], s["detail"]) for s in corrupt] == [
        ("f3.txt", f"blob {victim}: git cannot read it (cat-file stopped)")
    ]


def test_a_missing_commit_is_named_and_every_readable_commit_still_scanned(
    repo: Path, token: Any
) -> None:
    """`rev-list` fails on a missing commit, and so did `rev-list --boundary`: the history was
    reported complete with nothing scanned (exit 0 even with --fail-on-incomplete)."""
    a, b, c = token("ghp"), token("ghp"), token("ghp")
    commit(repo, {"secret.env": f"A={a}\n", "keep.env": f"B={b}\n"}, "c1")
    git(repo, "branch", "old")  # a second ref still reaches c1
    git(repo, "rm", "-q", "secret.env")
    git(repo, "commit", "-qm", "c2")
    commit(repo, {"x.env": f"C={c}\n"}, "c3")
    c2 = git(repo, "rev-parse", "HEAD~1")
    (repo / ".git" / "objects" / c2[:2] / c2[2:]).unlink()
    code, report, _ = history(repo)
    assert code == 1
    assert found(report) == {preview(a), preview(b), preview(c)}
    missing = [s for s in report["skipped"] if s["reason"] == "missing-object"]
    assert missing == [
        {
            "path": f"<commit {c2[:12]}>",
            "reason": "missing-object",
            "detail": f"commit {c2}: not in the repository; the history behind it was not scanned",
        }
    ]
    assert report["summary"]["incomplete"] == 1
    assert not any("every object reachable" in n for n in report["notices"])
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--history", "--fail-on-incomplete", str(repo)]
    )
    assert res.exit_code == 1 and "INCOMPLETE" in res.output, res.output


def test_a_missing_commit_on_the_only_branch_still_scans_the_tip(repo: Path, token: Any) -> None:
    a, c = token("ghp"), token("ghp")
    c1 = commit(repo, {"secret.env": f"A={a}\n"}, "c1")
    git(repo, "rm", "-q", "secret.env")
    git(repo, "commit", "-qm", "c2")
    commit(repo, {"x.env": f"C={c}\n"}, "c3")
    c2 = git(repo, "rev-parse", "HEAD~1")
    (repo / ".git" / "objects" / c2[:2] / c2[2:]).unlink()
    code, report, _ = history(repo)
    assert code == 1 and found(report) == {preview(c)}  # c1 is only reachable through c2
    assert report["summary"]["incomplete"] == 1
    assert report["summary"]["files_scanned"] == 1
    code, report, _ = history(repo, "--range", f"{c1}..HEAD")  # a pull request's range
    assert code == 1 and found(report) == {preview(c)}
    assert [(s["path"], s["reason"]) for s in report["skipped"]] == [
        (f"<commit {c2[:12]}>", "missing-object")
    ]
