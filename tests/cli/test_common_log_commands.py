"""A scanned tree cannot command the CI runner that records patlint's output (cli/common.py
installs `cilog.defuse` on stdout and stderr): found by an attacker's review, 2026-12-06."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_cilog import runner_commands

TokenFactory = Callable[..., str]
HOSTILE_NAMES = [
    "zz ##[error file=README.md,line=1,title=Approved]this PR is safe",
    "zz1 ##[add-mask]ghp_",
    "zz2 ##[stop-commands]pwned12345",
    "zz3 ##vso[task.setvariable variable=x]1",
]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "patlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_config_key_cannot_forge_workflow_commands(tmp_path: Path) -> None:
    """A newline in a key of the tree's own config came out raw in the error message: each
    line after it was a command (`::set-output`, `::add-mask`, `::stop-commands`)."""
    key = "x\n::set-output name=findings::0\n::add-mask::ghp_\n::stop-commands::never\ny"
    (tmp_path / ".patlint.yaml").write_text(json.dumps({key: 1}))
    done = run("scan", "--offline", "--no-progress", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert runner_commands(done.stdout + done.stderr) == []
    error = [ln for ln in done.stderr.splitlines() if ln.startswith("patlint: error:")]
    assert len(error) == 1 and "unknown key" in error[0]
    assert "x\\x0a::set-output" in error[0]  # shown escaped, on the error's one line


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif", "junit", "html"])
def test_file_names_cannot_command_the_runner_in_any_format(
    tmp_path: Path, token: TokenFactory, fmt: str
) -> None:
    """`##[cmd]` is obeyed anywhere in a line: a file name holding one, quoted in a report
    written to the log, used to mask every `ghp_` or stop the step's commands."""
    for i in range(12):  # more than GitHub annotates: the rest are plain log lines
        (tmp_path / f"t{i:02}.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    for name in HOSTILE_NAMES:
        (tmp_path / name).write_text(f"GH_TOKEN={token('ghp')}\n")
    done = run("scan", "--offline", "--no-progress", "--format", fmt, ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    commands = runner_commands(done.stdout + "\n" + done.stderr)
    if fmt == "github":  # only the annotations patlint writes, each a whole line of its own
        assert commands and all(c.startswith(("::error ", "::notice ")) for c in commands)
        assert all("##[" not in c for c in commands)
    else:
        assert commands == []
    if fmt == "json":  # the report still names each file exactly
        paths = {t["locations"][0]["path"] for t in json.loads(done.stdout)["tokens"]}
        assert set(HOSTILE_NAMES) <= paths
    if fmt == "sarif":
        results = json.loads(done.stdout)["runs"][0]["results"]
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
        assert "zz1%20%23%23%5Badd-mask%5Dghp_" in uris
    if fmt == "junit":
        root = ET.fromstring(done.stdout)  # noqa: S314 - our own output
        text = "".join(root.itertext()) + str([e.attrib for e in root.iter()])
        assert all(name in text for name in HOSTILE_NAMES)


def test_a_report_file_is_written_as_it_is(tmp_path: Path, token: TokenFactory) -> None:
    """`-o FILE` is no log: the escape is for stdout and stderr only."""
    (tmp_path / HOSTILE_NAMES[1]).write_text(f"GH_TOKEN={token('ghp')}\n")
    done = run("scan", "--offline", "--no-progress", "-o", "r.txt", HOSTILE_NAMES[1], cwd=tmp_path)
    assert done.returncode == 1
    assert HOSTILE_NAMES[1] in (tmp_path / "r.txt").read_text()


def test_a_report_written_to_our_own_stdout_is_the_log(tmp_path: Path, token: TokenFactory) -> None:
    """`--report json=/dev/stdout` is written in place (never replaced by a file), so it went
    round the stdout writer: `##[` from a file name reached the log raw (an attacker's review)."""
    for name in HOSTILE_NAMES:
        (tmp_path / name).write_text(f"GH_TOKEN={token('ghp')}\n")
    done = run(
        "scan", "--offline", "--no-progress", "--report", "json=/dev/stdout", "--format", "text",
        ".", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert runner_commands(done.stdout + "\n" + done.stderr) == []
    start = done.stdout.index("{")  # the JSON report comes first, then the text report
    report, _ = json.JSONDecoder().raw_decode(done.stdout[start:])
    assert set(HOSTILE_NAMES) <= {t["locations"][0]["path"] for t in report["tokens"]}
