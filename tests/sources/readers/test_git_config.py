"""Remote URLs with tokens in .git/config (found under the scanned path), credential.helper."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from patlint.model import Context
from patlint.sources.readers.git_config import parse
from tests.sources.home import at, digest, hygiene, scan_home, write


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_remote_urls_in_repositories_under_home(home: Path, token: Any) -> None:
    t1, t2 = token("ghp"), token("github_pat")
    repo = home / "work" / "app"
    repo.mkdir(parents=True)
    git("init", "-q", cwd=repo)
    git("remote", "add", "origin", f"https://octocat:{t1}@github.com/acme/app.git", cwd=repo)
    git("remote", "add", "fork", "https://github.com/octocat/app.git", cwd=repo)
    nested = home / "work" / "app" / "vendor" / "lib"
    nested.mkdir(parents=True)
    git("init", "-q", cwd=nested)
    git("config", "url.https://" + t2 + "@github.com/.insteadOf", "https://github.com/", cwd=nested)
    result = scan_home(home)
    config = "~/work/app/.git/config"
    [c] = at(result, t1, config)
    lines = (repo / ".git" / "config").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if t1 in text)
    assert c.location.line == line
    assert c.context == Context(
        file_type="git-config", key="remote.origin.url", host="github.com", usage="git"
    )
    nested_cfg = "~/work/app/vendor/lib/.git/config"
    [c] = at(result, t2, nested_cfg)
    assert c.context == Context(
        file_type="git-config",
        key="url.https://…@github.com/.insteadof",
        host="github.com",
        usage="git",
    )
    # No secret in any message or context of any finding.
    for f in result.findings:
        assert t1 not in f.message + str(f.context) and t2 not in f.message + str(f.context)
    assert hygiene(result, "token-in-git-remote-url") == [
        ("token-in-git-remote-url", config, line, digest(t1)),
        ("token-in-git-remote-url", nested_cfg, c.location.line, digest(t2)),
    ]
    # Nothing else inside .git is read.
    assert not any(
        "/.git/" in c.location.path and not c.location.path.endswith("/.git/config")
        for t in result.tokens
        for c in t.candidates
    )


def test_git_objects_are_not_read(home: Path, token: Any) -> None:
    t = token("ghp")
    repo = home / "r"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    (repo / "leak.txt").write_text(f"TOKEN={t}\n")
    git("add", "leak.txt", cwd=repo)
    # The blob lives (compressed) in .git/objects; the work-tree copy is the only place reported.
    result = scan_home(home)
    assert [c.location.path for c in at(result, t, "~/r/leak.txt")] == ["~/r/leak.txt"]
    assert {c.location.path for t_ in result.tokens for c in t_.candidates} == {"~/r/leak.txt"}


def test_credential_helper_store_in_gitconfig(home: Path) -> None:
    subprocess.run(["git", "config", "--global", "credential.helper", "store"], check=True)
    subprocess.run(
        [
            "git",
            "config",
            "--global",
            "credential.https://ghe.acme.com.helper",
            "store --file ~/.ghe",
        ],
        check=True,
    )
    subprocess.run(["git", "config", "--global", "user.name", "Octo Cat"], check=True)
    result = scan_home(home)
    found = [
        (f.location.path, f.location.line, f.message)
        for f in result.findings
        if f.rule_id == "plaintext-credential-store"
    ]
    assert found == [
        (
            "~/.gitconfig",
            2,
            "credential.helper store keeps git passwords and tokens in plaintext "
            "(~/.git-credentials); use a keychain helper",
        ),
        (
            "~/.gitconfig",
            4,
            "credential.helper store for https://ghe.acme.com keeps git passwords and tokens "
            "in plaintext (~/.git-credentials); use a keychain helper",
        ),
    ]


def test_keychain_helper_is_fine(home: Path) -> None:
    subprocess.run(["git", "config", "--global", "credential.helper", "osxkeychain"], check=True)
    assert scan_home(home).findings == []


def test_repository_profile_reads_git_config(home: Path, token: Any, tmp_path: Path) -> None:
    """A repository scan reads the checkout's own .git/config (issue 19): a token in a remote
    URL sits on the disk of every clone."""
    t = token("ghp")
    repo = tmp_path / "checkout"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    git("remote", "add", "origin", f"https://x:{t}@github.com/a/b.git", cwd=repo)
    from patlint.engine.run import ScanOptions, run_scan
    from patlint.sources.tree import WalkOptions
    from patlint.sources.workstation import plan_scan
    from tests.sources.home import ruleset

    plan = plan_scan([str(repo)], WalkOptions(), profile=None)
    assert plan.profile == "repository"
    result = run_scan(plan.roots, ruleset(), ScanOptions(walk=plan.walk, jobs=1))
    assert [c.location.path for t_ in result.tokens for c in t_.candidates] == [".git/config"]
    assert [f.rule_id for f in result.findings if f.rule_id == "token-in-git-remote-url"] == [
        "token-in-git-remote-url"
    ]


def test_parser_handles_git_syntax() -> None:
    data = (
        b'[core]\n\tbare = false ; comment\n[remote "or\\"igin"]\n\turl = "https://a b" # c\n'
        b"[branch.main]\n\tremote = origin\n[http] sslVerify\n"
    )
    entries, bad = parse(data)
    assert bad == []
    assert [(e.section, e.subsection, e.key, e.value, e.line) for e in entries] == [
        ("core", None, "bare", "false", 2),
        ("remote", 'or"igin', "url", "https://a b", 4),
        ("branch", "main", "remote", "origin", 6),
        ("http", None, "sslverify", "", 7),
    ]


def test_malformed_git_config_notice(home: Path, token: Any) -> None:
    t = token("ghp")
    write(home, ".gitconfig", f"\x00\x01 not a config {t}\n[[[\n")
    result = scan_home(home)
    assert [c.context.file_type for c in at(result, t, "~/.gitconfig")] == ["binary"]
    assert "cannot parse ~/.gitconfig: not a git config file (line 1), scanned as text" in (
        result.stats.notices
    )
