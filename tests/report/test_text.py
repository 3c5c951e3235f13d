"""`--format text` (the default): one block per token that says what to do, within 120 columns,
colour only on a terminal — checked through real processes and a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact, sha256_hex
from patlint.report.text import cut, elide, plural
from tests.report.textblocks import parse, unwrap

TokenFactory = Callable[..., str]


def scan(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    res = CliRunner(env=env).invoke(cli, ["scan", "--no-progress", *args])
    return res.exit_code, res.stdout


def in_a_terminal(args: list[str], cwd: Path, env: dict[str, str], cols: int = 120) -> str:
    """Run `python -m patlint ARGS` with a pseudo-terminal of `cols` columns as its stdout."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "patlint", *args],
        cwd=cwd,
        env={**full, "TERM": "xterm", **env},
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_helpers() -> None:
    assert elide("src/a/b/c/d/e/f/file.py", 15) == "src/…/f/file.py"
    assert elide("short", 15) == "short"
    assert cut("abcdef", 4) == "abc…"
    assert (plural(1, "file"), plural(2, "file"), plural(0, "token")) == (
        "1 file",
        "2 files",
        "0 tokens",
    )


def test_one_block_per_token_says_what_it_is_where_and_what_to_do(
    tmp_path: Path, token: TokenFactory
) -> None:
    leaked = token("ghp")
    (tmp_path / "deploy.env").write_text(f"GH_TOKEN={leaked}\n")
    (tmp_path / "copy.sh").write_text(f"export T={leaked}\n")
    code, out = scan("--offline", str(tmp_path))
    assert code == 1 and leaked not in out
    report = parse(out)
    (block,) = report.blocks.values()
    assert block.head == (
        f"{redact(leaked)}  classic personal access token  sha256 {sha256_hex(leaked)[:16]}  HIGH"
    )
    assert block.where == ["copy.sh:1:10  T", "deploy.env:1:10  GH_TOKEN"]
    assert block.github == "not asked (--offline)"
    assert block.findings == [
        ("high", "github-classic-pat", "found in 2 files"),
        ("low", "token-stored-in-several-places", block.findings[1][2]),
    ]
    assert block.findings[1][2].startswith("is stored in 2 places: copy.sh, deploy.env")
    assert (
        block.command
        == f"patlint revoke --token {sha256_hex(leaked)[:16]} --file {tmp_path}/copy.sh"
    )
    assert "then keep the replacement in a secret manager" in block.next
    # the report says nothing about rules skipped for want of GitHub: --offline was asked for
    assert "policy rules that need GitHub" not in out
    assert report.summary.startswith("patlint: 2 findings (1 high, 1 low) in 1 token; 2 files ")
    # -v: the whole message, wrapped
    code, out = scan("--offline", "-v", str(tmp_path))
    assert "every copy must be found and removed when it leaks or rotates" in unwrap(out)


def test_the_policy_note_shows_when_the_user_did_not_choose_offline(
    tmp_path: Path, token: TokenFactory
) -> None:
    (tmp_path / "a.env").write_text(f"T={token('ghp')}\n")
    _, out = scan("--max-verify", "0", str(tmp_path))  # online, but nothing was sent
    assert "note: policy rules that need GitHub's answer were skipped" in out
    block = next(iter(parse(out).blocks.values()))
    assert block.github.startswith("not verified (unverified: ")
    _, out = scan("--offline", str(tmp_path))
    assert "policy rules that need" not in out


def test_plurals_everywhere(tmp_path: Path, token: TokenFactory) -> None:
    (tmp_path / "a.env").write_text(f"T={token('ghp')}\n")
    _, out = scan("--offline", str(tmp_path / "a.env"))
    summary = parse(out).summary
    assert "1 finding (1 high) in 1 token; 1 file (0.0 MB) scanned" in summary
    (tmp_path / "b.env").write_text(f"U={token('gho')}\n")
    _, out = scan("--offline", str(tmp_path))
    assert "2 findings (2 high) in 2 tokens; 2 files (0.0 MB) scanned" in parse(out).summary
    assert not any(bad in out for bad in (" 1 files", " 1 tokens", " 1 findings", "(s)"))


def test_long_paths_fit_120_columns(tmp_path: Path, token: TokenFactory) -> None:
    deep = tmp_path.joinpath(*[f"directory-{i:02d}-with-a-long-name" for i in range(8)])
    deep.mkdir(parents=True)
    key = "VERY_LONG_VARIABLE_NAME_" * 6
    leaked = token("ghp")
    (deep / "credentials-of-the-deployment-service.env").write_text(f"{key}={leaked}\n")
    (tmp_path / ("n" * 200 + ".txt")).write_text(f"{leaked}\n")
    repo_note = tmp_path / ".github" / "workflows"
    repo_note.mkdir(parents=True)
    (repo_note / "x.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo}]\n"
    )
    code, out = scan("--offline", "-v", str(tmp_path))
    assert code == 1
    assert max(len(line) for line in out.splitlines()) <= 120, out
    (block,) = parse(out).blocks.values()
    first, second = block.where
    # the middle of the path gives way; its end (the file name) and the line stay
    assert "…" in first and first.split("  ")[0].endswith(
        "credentials-of-the-deployment-service.env:1:146"
    )
    assert first.startswith("directory-00-with-a-long-name/")
    assert second.startswith("nnnn") and "…" in second and second.endswith(".txt:1:1")
    # no shell word that wide fits: the block names the settings page instead
    assert block.command is None
    assert block.next.startswith("revoke it at https://github.com/settings/tokens")


def test_a_long_command_breaks_into_lines_a_shell_reads_as_one(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    deep = Path("d" * 30) / ("e" * 30)
    deep.mkdir(parents=True)
    leaked = token("ghp")
    (deep / "service.env").write_text(f"T={leaked}\n")
    code, out = scan("--offline", ".")
    assert code == 1 and max(len(line) for line in out.splitlines()) <= 120, out
    (block,) = parse(out).blocks.values()
    lines = block.sections["next"]
    assert lines[0].endswith(" \\") and not lines[1].endswith(" \\")
    assert block.command is not None
    words = block.command.split()
    assert words[:4] == ["patlint", "revoke", "--token", sha256_hex(leaked)[:16]]
    assert Path(words[words.index("--file") + 1]) == deep / "service.env"


def test_colour_on_a_terminal_only_and_never_with_no_color(
    tmp_path: Path, token: TokenFactory
) -> None:
    (tmp_path / "a.env").write_text(f"T={token('ghp')}\n")
    args = ["scan", "--offline", "--no-progress", "."]
    coloured = in_a_terminal(args, tmp_path, {})
    assert "\x1b[31mHIGH\x1b[0m" in coloured and "\x1b[31mhigh\x1b[0m" in coloured
    assert "\x1b[" not in in_a_terminal(args, tmp_path, {"NO_COLOR": "1"})
    assert "\x1b[" not in in_a_terminal(args, tmp_path, {"TERM": "dumb"})
    assert "\x1b[" not in in_a_terminal(args, tmp_path, {"NO_COLOR": "1", "FORCE_COLOR": "1"})
    piped = subprocess.run(
        [sys.executable, "-m", "patlint", *args], cwd=tmp_path, capture_output=True, text=True
    )
    assert "\x1b[" not in piped.stdout
    forced = subprocess.run(
        [sys.executable, "-m", "patlint", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "FORCE_COLOR": "1"},
    )
    assert "\x1b[31mHIGH\x1b[0m" in forced.stdout
    # -o FILE never gets colour, even forced
    subprocess.run(
        [sys.executable, "-m", "patlint", *args, "-o", "r.txt"],
        cwd=tmp_path,
        capture_output=True,
        env={**os.environ, "FORCE_COLOR": "1"},
    )
    assert "\x1b" not in (tmp_path / "r.txt").read_text()


def test_a_narrow_terminal_narrows_the_report(tmp_path: Path, token: TokenFactory) -> None:
    deep = tmp_path / ("d" * 90)
    deep.mkdir()
    (deep / "a.env").write_text(f"SOME_TOKEN={token('github_pat')}\n")
    out = in_a_terminal(["scan", "--offline", "--no-progress", "."], tmp_path, {}, cols=80)
    lines = out.replace("\x1b[0m", "").splitlines()
    plain = [
        ln.replace("\x1b[1m", "").replace("\x1b[31m", "").replace("\x1b[2m", "") for ln in lines
    ]
    plain = [ln.replace("\x1b[36m", "") for ln in plain]
    assert plain and max(len(ln) for ln in plain) <= 80, out


@pytest.mark.parametrize("hook", ["commit", "push"])
def test_a_pre_commit_hook_says_what_it_stopped_and_how_to_allow_a_fixture(
    tmp_path: Path, token: TokenFactory, hook: str
) -> None:
    (tmp_path / "t.py").write_text(f"FIXTURE = '{token('ghp')}'\n")
    args = ["--offline", str(tmp_path)] if hook == "commit" else []
    if hook == "push":
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
        subprocess.run(
            [
                "git",
                "-C",
                str(tmp_path),
                "-c",
                "user.name=a",
                "-c",
                "user.email=a@b",
                "commit",
                "-qm",
                "x",
            ],
            check=True,
        )
        args = ["--offline", "--history", str(tmp_path)]
    code, out = scan(*args, env={"PRE_COMMIT": "1"})
    text = unwrap(out)
    assert code == 1
    assert f"patlint stopped this {hook}: 1 token and 1 finding at or above --fail-on low." in text
    assert "Put `# patlint: ignore[github-classic-pat]` on every line that holds it" in text
    _, out = scan(*args)
    assert "patlint stopped this" not in out and "# patlint: ignore[github-classic-pat]" in unwrap(
        out
    )


def test_the_next_step_command_revokes_the_token_when_run(
    tmp_path: Path, token: TokenFactory, git_env: None
) -> None:
    """The commands the report prints, run in a real shell, revoke the token (file and git blob)."""
    from tests.github_emulator import emulator_running
    from tests.github_emulator_org import install

    running = emulator_running()
    emulator = next(running)
    try:
        _run_next_steps(tmp_path, token, emulator, install(emulator))
    finally:
        running.close()


def _run_next_steps(tmp_path: Path, token: TokenFactory, emulator: Any, com: Any) -> None:
    in_file, in_history = token("ghp"), token("gho")
    repo = tmp_path / "my repo"  # a space: the command must quote it
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "old.env").write_text(f"T={in_history}\n")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "a"], check=True)
    (repo / "old.env").unlink()
    (repo / "dep loy.env").write_text(f"GH_TOKEN={in_file}\n")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "b"], check=True)
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    api = f" --github-api {emulator.base_url}"
    for args, secret in (((), in_file), (("--history",), in_history)):
        code, out = scan("--offline", *args, str(repo))
        assert code == 1
        blocks = [b for b in parse(out).blocks.values() if b.preview == redact(secret)]
        assert len(blocks) == 1 and blocks[0].command is not None, out
        command = blocks[0].command + api + ("" if "--yes" in blocks[0].command else " --yes")
        done = subprocess.run(
            ["/bin/sh", "-c", command], cwd=tmp_path.parent, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, command + "\n" + done.stdout + done.stderr
        assert com.revoked()[-1] == secret
    assert com.revoked() == [in_file, in_history]


def test_a_persisted_checkout_token_says_to_stop_persisting_it(
    tmp_path: Path, token: TokenFactory
) -> None:
    """The job's own token in `.git/config` is not revoked or re-minted by the reader: the one
    next step is the finding's fix (`persist-credentials: false`), not the kind's advice."""
    import base64

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    job = token("ghs")
    header = base64.b64encode(f"x-access-token:{job}".encode()).decode()
    key = "http.https://github.com/.extraheader"
    subprocess.run(
        ["git", "-C", str(tmp_path), "config", key, f"AUTHORIZATION: basic {header}"], check=True
    )
    code, out = scan("--offline", str(tmp_path))
    assert code == 1 and job not in out and header not in out
    (block,) = parse(out).blocks.values()
    assert block.findings[0][1] == "checkout-persisted-credentials"
    assert "persist-credentials: false" in block.next
    assert "mint one when needed" not in block.next
