"""Pushing a tag of a tree or a blob through the README's pre-push hook (a real `git push`).

Such a tag has no commit: git passes `0…0 <tree or blob id>` (or the id of an annotated tag of
one), and patlint scans the blobs of that tree, or that blob, instead of failing with
"not a commit" (exit 2, which made git refuse every such push).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from patlint.errors import ConfigError
from tests.report.textblocks import parse, unwrap
from tests.sources.history.test_blobs import Repo, history
from tests.sources.history.test_revisions_push import Z40, Pusher, main_pushed

TokenFactory = Callable[..., str]

pytestmark = pytest.mark.usefixtures("git_env")


@pytest.fixture
def pushed(tmp_path: Path) -> Pusher:
    """A work repository whose clean `main` is already on the bare remote."""
    return main_pushed(tmp_path)


def staged_tree(repo: Repo, files: dict[str, str]) -> str:
    """A tree written from the index with `files` staged, never committed."""
    for rel, text in files.items():
        repo.write(rel, text)
        repo.git("add", rel)
    tree = repo.git("write-tree")
    repo.git("reset", "-q")
    for rel in files:
        (repo.path / rel).unlink()
    return tree


def blob(repo: Repo, text: str) -> str:
    """A blob written straight into the object store (no path, no tree, no commit)."""
    proc = subprocess.run(
        ["git", "-C", str(repo.path), "hash-object", "-w", "--stdin"],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    return proc.stdout.decode().strip()


def test_push_of_a_clean_tree_tag_passes(pushed: Pusher):
    repo = pushed.repo
    tree = repo.git("rev-parse", "HEAD^{tree}")
    repo.git("tag", "snapshot", tree)
    code, out = pushed.push("snapshot")
    assert code == 0, out
    assert pushed.calls() == [(0, f"{Z40}..{tree}")]
    assert pushed.remote_has("refs/tags/snapshot") == tree
    assert (
        f"git history (tree {tree[:12]}: not a commit, every blob in it): "
        "0 commits, 1 unique blob read once"
    ) in unwrap(out)


def test_push_of_a_tree_tag_with_a_token_is_refused(pushed: Pusher, token: TokenFactory):
    t = token("ghp")
    repo = pushed.repo
    files = {"conf/deploy.env": f"REGION=eu\nGH_TOKEN={t}\n", "a.md": "a\n"}
    tree = staged_tree(repo, files)  # with the index's README.md: three blobs
    repo.git("tag", "-a", "-m", "an annotated tag of a tree", "conf-snapshot", tree)
    tag = repo.git("rev-parse", "conf-snapshot")
    assert tag != tree
    code, out = pushed.push("conf-snapshot")
    assert code == 1, out
    assert pushed.calls() == [(1, f"{Z40}..{tag}")]
    assert pushed.remote_has("refs/tags/conf-snapshot") is None  # git refused the push
    block = parse(out).blocks[f"{t[:4]}…{t[-4:]}"]
    assert block.findings[0][:2] == ("high", "github-classic-pat") and t not in out
    assert block.where[0].startswith("conf/deploy.env:2:10") and "HEAD" not in block.where[0]
    assert f"tree {tree[:12]}: not a commit, every blob in it): 0 commits, 3 unique blobs" in (
        unwrap(out)
    )


def test_push_of_blob_tags(pushed: Pusher, token: TokenFactory):
    t = token("gho")
    repo = pushed.repo
    clean = blob(repo, "just notes\n")
    repo.git("tag", "notes", clean)
    code, out = pushed.push("notes")
    assert code == 0, out
    assert pushed.calls() == [(0, f"{Z40}..{clean}")]
    assert pushed.remote_has("refs/tags/notes") == clean
    assert f"git history (blob {clean[:12]}: not a commit): 0 commits, 1 unique blob " in (
        unwrap(out)
    )

    leak = blob(repo, f"oauth token: {t}\n")
    repo.git("tag", "leak", leak)
    code, out = pushed.push("leak")
    assert code == 1, out
    assert pushed.calls() == [(1, f"{Z40}..{leak}")]
    assert pushed.remote_has("refs/tags/leak") is None
    block = parse(out).blocks[f"{t[:4]}…{t[-4:]}"]
    assert block.findings[0][:2] == ("high", "github-oauth-token") and t not in out
    assert block.where[0].startswith(f"<blob {leak[:12]}>:1:14")


def test_tree_and_blob_findings_say_where(tmp_path: Path, token: TokenFactory):
    """At the source: a path inside the tree (present there), or `<blob SHA12>`; no commit."""
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    tree = staged_tree(repo, {"x/y/z.env": f"T={t}\n"})
    leak = blob(repo, f"T={t}\n")  # the same content: the same blob as x/y/z.env
    hist, result = history(repo, rev_range=f"{Z40}..{tree}")
    [f] = result.findings
    loc = f.location
    assert (loc.path, loc.line, loc.commit, loc.in_head, loc.blob) == (
        "x/y/z.env",
        1,
        None,
        None,
        leak,
    )
    assert loc.note == f"pushed tree {tree[:12]}, not in a commit"
    assert (hist.commits, hist.blobs_read) == (0, 1)

    hist, result = history(repo, rev_range=f"{Z40}...{leak}")
    [f] = result.findings
    loc = f.location
    assert (loc.path, loc.line, loc.commit, loc.in_head) == (f"<blob {leak[:12]}>", 1, None, None)
    assert loc.note == f"pushed blob {leak[:12]}, not in a commit"
    assert hist.stats.notices == [
        f"git history (blob {leak[:12]}: not a commit): 0 commits, 1 unique blob read once "
        "(0.0 MB), 1 with tokens"
    ]
    # Only the new-ref form takes a tree or blob: as an ordinary range end it is an error.
    with pytest.raises(ConfigError, match="is not a commit"):
        history(repo, rev_range=f"HEAD..{tree}")


def test_json_report_of_a_blob_tag(pushed: Pusher, token: TokenFactory):
    """The JSON a hook user would read: the blob's location, no commit."""
    t = token("ghp")
    repo = pushed.repo
    leak = blob(repo, f"x\nGH_TOKEN={t}\n")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "patlint"),
            "scan",
            "--offline",
            "--no-progress",
            "--history",
            "--format",
            "json",
            "--range",
            f"{Z40}..{leak}",
            str(repo.path),
        ],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    [f] = json.loads(proc.stdout)["findings"]
    assert f["location"]["path"] == f"<blob {leak[:12]}>" and f["location"]["line"] == 2
    assert "commit" not in f["location"] and f["location"]["blob"] == leak
