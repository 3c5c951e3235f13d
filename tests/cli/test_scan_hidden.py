"""Issue 19's held-out cases, end to end: each one committed to a real git repository (or
written to a real home) and scanned the way a user does, by the `patlint` program itself, with
tokens generated here. Before issue 19 a repository scan found none of them.

The detect-secrets case (fine-grained and legacy-hex tokens through the plugin) is the
end-to-end test in tests/detectors/test_secrets_adapter.py
(`test_detect_secrets_cli_reports_every_kind_patlint_detects`).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from tests.github_emulator import Emulator
from tests.sources.home import write

pytestmark = pytest.mark.usefixtures("git_env")


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def committed_repo(path: Path, files: dict[str, bytes]) -> Path:
    """A real git repository with `files` tracked and committed."""
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True)
    for rel, data in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "init"], cwd=path, check=True)
    return path


def patlint_scan(path: Path, *tokens: str) -> dict[str, Any]:
    """`patlint scan --offline --format json PATH` as a separate process; none of `tokens`
    may appear in anything it prints."""
    proc = subprocess.run(
        ["patlint", "scan", "--offline", "--no-progress", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    for t in tokens:
        assert t not in proc.stdout + proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def places(report: dict[str, Any]) -> set[tuple[str, int, str]]:
    """(path, line, token sha256) of every place a token was found."""
    return {
        (loc["path"], loc.get("line", 0), t["sha256"])
        for t in report["tokens"]
        for loc in t["locations"]
    }


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tar_gz_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# What Windows PowerShell 5.1 writes with `>` and Out-File (UTF-16LE with a BOM), and the
# other Unicode forms config exports use, each with and without its byte order mark.
_ENCODINGS = {
    "utf-16le-bom": ("utf-16-le", b"\xff\xfe"),
    "utf-16le": ("utf-16-le", b""),
    "utf-16be-bom": ("utf-16-be", b"\xfe\xff"),
    "utf-32le-bom": ("utf-32-le", b"\xff\xfe\x00\x00"),
    "utf-32le": ("utf-32-le", b""),
}


@pytest.mark.parametrize("label", sorted(_ENCODINGS))
def test_utf16_and_utf32_text_in_a_repository(tmp_path: Path, token: Any, label: str) -> None:
    codec, bom = _ENCODINGS[label]
    t = token("ghp")
    text = f"# exported\r\n$env:GH_TOKEN = '{t}'\r\n"
    repo = committed_repo(tmp_path / "r", {"tools/env.ps1.txt": bom + text.encode(codec)})
    report = patlint_scan(repo, t)
    [f] = [f for f in report["findings"] if f["location"]["path"] == "tools/env.ps1.txt"]
    # line and column in characters of the decoded text, the variable as its context
    assert (f["location"]["line"], f["location"]["column"]) == (
        2,
        text.split("\r\n")[1].index(t) + 1,
    )
    assert f["context"]["key"] == "GH_TOKEN"
    assert places(report) == {("tools/env.ps1.txt", 2, sha(t))}


def test_archive_members_in_a_repository(tmp_path: Path, token: Any) -> None:
    """A deflated zip member, a jar inside a zip, a .tar.gz member and a gzip'd build log,
    all tracked in git; a zip bomb beside them is skipped with its reason."""
    a, b, c, d = token("ghp"), token("gho"), token("github_pat"), token("ghs")
    jar = zip_bytes({"META-INF/app.properties": f"# app\ngithub.token={b}\n".encode()})
    repo = committed_repo(
        tmp_path / "r",
        {
            "release/config.zip": zip_bytes({"conf/.env": f"GH_TOKEN={a}\n".encode()}),
            "release/dist.zip": zip_bytes({"lib/app.jar": jar, "README": b"x\n" * 100}),
            "backup/etc.tar.gz": tar_gz_bytes({"etc/app.conf": f"a\nb\ntoken={c}\n".encode()}),
            "logs/build.log.gz": gzip.compress(b"step\n" * 3000 + f"push {d}\n".encode()),
            "bomb.zip": zip_bytes({"zeros.img": bytes(64 << 20)}),
        },
    )
    report = patlint_scan(repo, a, b, c, d)
    assert places(report) == {
        ("release/config.zip!conf/.env", 1, sha(a)),
        ("release/dist.zip!lib/app.jar!META-INF/app.properties", 2, sha(b)),
        ("backup/etc.tar.gz!etc/app.conf", 3, sha(c)),
        ("logs/build.log.gz!build.log", 3001, sha(d)),
    }
    assert [(s["path"], s["reason"]) for s in report["skipped"]] == [
        ("bomb.zip!zeros.img", "archive-bomb")
    ]


def test_checkout_and_nested_repository_configs(tmp_path: Path, token: Any) -> None:
    """A token in a nested repository's `remote.origin.url` (vendor/x/.git/config) is a leak
    in a repository scan; the credential actions/checkout persisted in the checkout's own
    `.git/config` is one low finding, never verified."""
    pat, job = token("ghp"), token("ghs")
    repo = committed_repo(tmp_path / "r", {"README.md": b"app\n"})
    header = base64.b64encode(f"x-access-token:{job}".encode()).decode()
    subprocess.run(
        ["git", "config", "http.https://github.com/.extraheader", f"AUTHORIZATION: basic {header}"],
        cwd=repo,
        check=True,
    )
    nested = repo / "vendor" / "x"
    nested.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=nested, check=True)
    subprocess.run(
        ["git", "remote", "add", "origin", f"https://x-access-token:{pat}@github.com/o/x.git"],
        cwd=nested,
        check=True,
    )
    lines = (nested / ".git" / "config").read_text().splitlines()
    url_line = next(i for i, line in enumerate(lines, 1) if pat in line)
    report = patlint_scan(repo, pat, job)
    assert places(report) == {("vendor/x/.git/config", url_line, sha(pat))}
    rules = {(f["rule_id"], f["location"]["path"], f["severity"]) for f in report["findings"]}
    assert ("token-in-git-remote-url", "vendor/x/.git/config", "high") in rules
    assert ("checkout-persisted-credentials", ".git/config", "low") in rules
    assert not any(
        p == ".git/config" and r != "checkout-persisted-credentials" for r, p, _ in rules
    )


def _home_scan(home: Path, emulator: Emulator) -> dict[str, Any]:
    res = CliRunner().invoke(
        cli, ["scan", "--github-api", emulator.base_url, "--format", "json", str(home)]
    )
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.output)  # type: ignore[no-any-return]


def test_a_registry_login_in_the_shell_file_says_what_the_token_is_for(
    home: Path, token: Any, emulator: Emulator
) -> None:
    """`echo $CR_PAT | docker login ghcr.io` in .bashrc says what the token is for; the same
    token in a notes file says nothing. Judged over the known place (the old code stayed
    silent when any place's use was unknown), at lower confidence, naming both places."""
    t = token("ghp")
    emulator.add(t, scopes="repo, write:packages, read:packages")
    write(
        home,
        ".bashrc",
        f"export CR_PAT={t}\necho $CR_PAT | docker login ghcr.io -u octocat --password-stdin\n",
    )
    write(home, "notes.txt", f"registry token: {t}\n")
    doc = _home_scan(home, emulator)
    [f] = [f for f in doc["findings"] if f["rule_id"] == "overscoped-for-context"]
    assert "container-registry credential (ghcr.io) but also holds repo;" in f["message"]
    assert "judged on ~/.bashrc, not on ~/notes.txt (use unknown)" in f["message"]
    assert f["confidence"] == "medium"
    assert t not in json.dumps(doc)


@pytest.mark.parametrize(
    ("name", "scopes", "extra"),
    [
        ("RENOVATE_TOKEN", "repo, workflow, admin:org", "admin:org"),
        ("GORELEASER_GITHUB_TOKEN", "repo, delete_repo", "delete_repo"),
        ("GITHUB_COM_TOKEN", "public_repo", "public_repo"),
        ("DANGER_GITHUB_API_TOKEN", "public_repo, admin:repo_hook", "admin:repo_hook"),
    ],
)
def test_a_tool_token_named_by_convention_is_judged_by_that_tool_s_needs(
    home: Path, token: Any, emulator: Emulator, name: str, scopes: str, extra: str
) -> None:
    t = token("ghp")
    emulator.add(t, scopes=scopes)
    write(home, ".bashrc", f"alias ll='ls -l'\nexport {name}={t}\n")
    doc = _home_scan(home, emulator)
    [f] = [f for f in doc["findings"] if f["rule_id"] == "overscoped-for-context"]
    assert f"but also holds {extra};" in f["message"]
    assert f"judged on ~/.bashrc ({name}, by its name)" in f["message"]
    assert f["confidence"] == "medium"
