"""Everyday mistakes fail before the work, in one clear line (exit 2), never after it (exit 3).

Real processes where it matters: the memory of `revoke --file -` is measured on a child
process, `--private-key /dev/zero` runs under an address-space limit so a regression cannot
eat the machine, and the unreachable organization API is a real silent socket.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from tests.github.test_transport_hostile_network import RawServer, silent

PATLINT = [sys.executable, "-m", "patlint"]


def _limit_memory() -> None:  # a regression must fail the test, not exhaust the machine
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def run(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    kw.setdefault("timeout", 60)
    return subprocess.run(
        [*PATLINT, *args], capture_output=True, text=True, preexec_fn=_limit_memory, **kw
    )


@pytest.fixture
def tree(tmp_path: Path, token: Any) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "deploy.sh").write_text(f"export GH_TOKEN={token('ghp')}\n")
    return root


# --- validated before scanning -----------------------------------------------------------------


@pytest.mark.parametrize("where", ["missing-folder", "parent-is-a-file", "is-a-folder"])
def test_report_that_cannot_be_written_is_refused_before_the_scan(
    tree: Path, tmp_path: Path, where: str
) -> None:
    (tmp_path / "afile").write_text("x")
    target = {
        "missing-folder": tmp_path / "no" / "such" / "report.json",
        "parent-is-a-file": tmp_path / "afile" / "report.json",
        "is-a-folder": tmp_path,
    }[where]
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--format", "json", "-o", str(target), str(tree)]
    )
    assert res.exit_code == 2, res.output
    assert "findings" not in res.stderr  # refused before the scan, not after it
    if where == "is-a-folder":  # click's own check of -o says so
        assert "is a directory" in res.stderr
        return
    [line] = res.stderr.strip().splitlines()
    assert line.startswith(f"patlint: error: -o {target}: "), line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_report_into_a_read_only_folder_is_refused_before_the_scan(
    tree: Path, tmp_path: Path
) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    res = CliRunner().invoke(cli, ["scan", "--offline", "-o", str(ro / "r.txt"), str(tree)])
    assert res.exit_code == 2 and "cannot write in" in res.stderr


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://[::1", "not a valid URL (Invalid IPv6 URL)"),
        ("https://api.example:99999", "not a valid URL (Port out of range 0-65535)"),
        ("https://api.example:abc", "not a valid URL (Port could not be cast"),
        ("https://api example", "no spaces or control characters"),
        ("https://ex%41mple.com", "'ex%41mple.com' is not a host name or IP address"),
        ("https://api.example:0", "port 0 is not a port to connect to"),
    ],
)
def test_malformed_github_api_url_is_a_usage_error_before_the_scan(
    tree: Path, url: str, why: str
) -> None:
    res = CliRunner().invoke(cli, ["scan", "--no-cache", "--github-api", url, str(tree)])
    assert res.exit_code == 2, res.output
    [line] = res.stderr.strip().splitlines()
    assert line.startswith(f"patlint: error: --github-api {url}: ") and why in line, line


# --- bounded reads of what is not a scan target ------------------------------------------------


def test_revoke_from_a_huge_stdin_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """1.5 GB in was 1.5 GB of memory; now at most 64 MiB is read, then exit 2."""
    big = tmp_path / "zeros"
    with big.open("wb") as fh:
        fh.truncate(400 << 20)  # sparse: no disk, 400 MB on standard input
    probe = (
        "import resource, subprocess, sys;"
        f"p = subprocess.run({[*PATLINT, 'revoke', '--file', '-', '--yes']!r},"
        f" stdin=open({str(big)!r}, 'rb'), capture_output=True, text=True);"
        "print(p.returncode);print(p.stderr.strip());"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    ).stdout.splitlines()
    code, err, rss_kib = int(out[0]), out[1], int(out[-1])
    assert code == 2, out
    assert err == "patlint: error: --file - (standard input): larger than 64 MiB; not read"
    assert rss_kib < 200 << 10, rss_kib  # MiB-ish: the limit plus the interpreter, not 400 MB


def test_private_key_from_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    start = time.monotonic()
    proc = run("org", "acme", "--app-id", "1", "--private-key", "/dev/zero")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        "patlint: error: --private-key /dev/zero: larger than 64 KiB; not read"
    )
    assert time.monotonic() - start < 20


@pytest.mark.parametrize("what", ["config", "baseline", "report"])
def test_oversized_config_baseline_and_report_are_usage_errors(
    tree: Path, tmp_path: Path, what: str
) -> None:
    big = tmp_path / f"big.{'yaml' if what == 'config' else 'json'}"
    with big.open("wb") as fh:
        fh.truncate(100 << 20)
    args = {
        "config": ["scan", "--offline", "--config", str(big), str(tree)],
        "baseline": ["scan", "--offline", "--baseline", str(big), str(tree)],
        "report": ["revoke", "--from-report", str(big), "--dry-run"],
    }[what]
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert "larger than" in proc.stderr and "not read" in proc.stderr


def test_config_given_as_a_fifo_without_writer_does_not_hang(tree: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "cfg.yaml"
    os.mkfifo(fifo)
    proc = run(
        "scan", "--offline", "--format", "json", "--config", str(fifo), str(tree), timeout=20
    )
    # Not read as an empty config (the defaults, silently, in place of the user's): one clear
    # line after a bounded wait for a writer; a late writer is read whole (tests/test_inputs.py).
    assert proc.returncode == 2, proc.stderr
    assert "a FIFO nothing wrote to within 5 s" in proc.stderr and proc.stdout == ""


# --- the organization API unreachable ----------------------------------------------------------


def test_org_against_a_silent_api_is_one_clear_line_not_exit_3(tmp_path: Path, token: Any) -> None:
    srv = RawServer(silent)
    url = srv.url
    try:
        config = tmp_path / "org.yaml"
        config.write_text("verification: {timeout: 0.5}\n")
        env = {**os.environ, "OWNER_TOKEN": token("ghp")}
        start = time.monotonic()
        proc = run(
            "org",
            "acme",
            "--token-env",
            "OWNER_TOKEN",
            "--github-api",
            url,
            "--config",
            str(config),
            env=env,
        )
        took = time.monotonic() - start
    finally:
        srv.close()
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(
        f"patlint: error: organization acme on github.com ({url}): could not list "
        "SAML-authorized tokens: 127.0.0.1: timed out after 0.5s"
    ), line
    assert took < 15
    assert env["OWNER_TOKEN"] not in proc.stdout + proc.stderr


# --- a path longer than PATH_MAX: a skipped place that makes the scan incomplete ------------


def _too_deep(root: Path, value: str) -> str:
    """root/ddd…/…/tok.txt, 40 levels of 200 characters (8 KB > PATH_MAX), made with dir fds."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(40):
            os.mkdir("d" * 200, dir_fd=fd)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("tok.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, f"GH_TOKEN={value}\n".encode())
        os.close(out)
    finally:
        os.close(fd)
    return "/".join(["d" * 200] * 40)


@pytest.mark.parametrize("git", [False, True], ids=["plain", "git-work-tree"])
def test_path_longer_than_path_max_makes_the_scan_incomplete(
    tmp_path: Path, token: Any, git: bool, git_env: None
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "ok.txt").write_text("nothing here\n")
    _too_deep(root, token("ghp"))
    res = CliRunner().invoke(cli, ["scan", "--offline", "--format", "json", str(root)])
    assert res.exit_code == 0, res.output  # by default: exit by findings, as documented
    report = json.loads(res.stdout)
    assert report["summary"]["incomplete"] == 1
    [skip] = [s for s in report["skipped"] if s["reason"] == "path-too-long"]
    assert skip["path"].startswith("d" * 200 + "/") and skip["detail"] == "File name too long"
    strict = CliRunner().invoke(
        cli, ["scan", "--offline", "--fail-on-incomplete", "--format", "json", str(root)]
    )
    assert strict.exit_code == 1
    notices = json.loads(strict.stdout)["notices"]
    assert any(
        n.startswith("--fail-on-incomplete: 1 place could not be read (path-too-long: ")
        for n in notices
    )
    text = CliRunner().invoke(cli, ["scan", "--offline", str(root)])
    assert "INCOMPLETE: 1 could not be read (-v lists them)" in text.stderr + text.stdout


def test_the_unexpected_error_hint_names_a_command_that_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hint said "run with --debug", but `patlint scan --debug` is no such option."""

    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("patlint.engine.run.run_scan", boom)
    res = CliRunner().invoke(cli, ["scan", "--offline", str(tmp_path)])
    assert res.exit_code == 3, res.output
    assert "patlint --debug scan" in res.stderr, res.stderr
    again = CliRunner().invoke(cli, ["--debug", "scan", "--offline", str(tmp_path)])
    assert again.exit_code == 3 and "Traceback (most recent call last)" in again.stderr
