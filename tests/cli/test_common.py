"""What every command shares (patlint/cli/common.py): the exit-code contract of the console
script, a reader that goes away, and -o targets that are not regular files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.test_cli import scan

TokenFactory = Callable[..., str]


def test_real_entry_point_exit_codes(tmp_path: Path, token: TokenFactory) -> None:
    """The console script (not CliRunner) honours the same contract."""
    import subprocess
    import sys

    def run(*args: str) -> int:
        cmd = [sys.executable, "-m", "patlint", *args]
        return subprocess.run(cmd, capture_output=True, check=False, cwd=tmp_path).returncode

    (tmp_path / "bad.yaml").write_text("nonsense_key: 1\n")
    (tmp_path / "clean.txt").write_text("ok\n")
    assert run("scan", "--offline", "--config", "bad.yaml", ".") == 2
    assert run("scan", "--offline", "--bogus") == 2
    assert run("scan", "--offline", "clean.txt") == 0
    (tmp_path / "t.txt").write_text(token("ghp") + "\n")
    assert run("scan", "--offline", "t.txt") == 1
    assert run("explain", "no-such-rule") == 2


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "junit"])
def test_findings_still_exit_1_when_the_reader_goes_away(
    tmp_path: Path, token: TokenFactory, fmt: str
) -> None:
    """`patlint scan | head -c 100` in CI must not turn a leak into exit 0 (the broken pipe
    used to be mapped to "clean"), nor print a traceback or a flush error."""
    import subprocess
    import sys

    for i in range(300):  # a report far larger than the pipe's buffer
        (tmp_path / f"t{i}.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    cmd = [sys.executable, "-m", "patlint", "scan", "--offline", "--no-progress", "--jobs", "1"]
    proc = subprocess.Popen(
        [*cmd, "--format", fmt, str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(100)
    proc.stdout.close()  # what `head -c 100` does
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1, err
    assert len(head) == 100
    assert b"Traceback" not in err and b"Exception ignored" not in err


def test_output_to_a_fifo_or_device_is_written_in_place(
    tmp_path: Path, token: TokenFactory
) -> None:
    import os
    import stat
    import threading

    (tmp_path / "t.txt").write_text(token("ghp") + "\n")
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    code, _, _ = scan("--format", "json", "-o", str(fifo), str(tmp_path / "t.txt"))
    reader.join(10)
    assert code == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # not replaced by a regular file
    assert json.loads(got[0])["summary"]["findings"] == 1
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    code, _, _ = scan("--format", "json", "-o", "/dev/null", str(tmp_path / "t.txt"))
    assert code == 1 and stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.usefixtures("git_env")
def test_a_token_only_a_place_rule_knows_is_redacted_in_its_other_forms_too(
    tmp_path: Path, token: TokenFactory
) -> None:
    """The checkout's `ghs_` in `.git/config` is reported by its place rule alone (it is in no
    Token): the redactor must learn it all the same, or its body shown elsewhere (here a FIFO
    named with it, listed among the skips) went out as it is."""
    import base64
    import os
    import subprocess

    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    ghs = token("ghs")
    header = base64.b64encode(f"x-access-token:{ghs}".encode()).decode()
    key = "http.https://github.com/.extraheader"
    subprocess.run(
        ["git", "-C", str(repo), "config", key, f"AUTHORIZATION: basic {header}"], check=True
    )
    os.mkfifo(repo / f"cache-{ghs[4:]}")
    code, out, err = scan("--format", "json", "--no-gitignore", str(repo))
    assert code == 1, err
    doc = json.loads(out)
    assert [f["rule_id"] for f in doc["findings"]], doc  # the place rule's finding
    skipped = [s["path"] for s in doc["skipped"]]
    assert any(p.startswith("cache-") for p in skipped), skipped
    for text in (out, err):
        assert ghs[4:].lower() not in text.lower()
