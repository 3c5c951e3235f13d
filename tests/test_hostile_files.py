"""Hostile files: huge sparse files, files that grow while read, deeply nested JSON/TOML inputs.

Each ends in bounded time and memory with a clear reason (a skip, a notice or a config error
that names the file), never a crash (exit 3) or a hang.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine import filescan
from patlint.engine.ruleset import build_ruleset
from patlint.model import Secret

DETECTOR = Detector(build_ruleset(Config()).detectors)
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def run(*args: str, cwd: Path | None = None) -> Any:
    """`patlint ARGS` through click, exceptions turned into exit 3 as in real use."""
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(old)


def _sparse(path: Path, size: int, tail: bytes) -> None:
    with open(path, "wb") as fh:
        fh.truncate(size)
        fh.seek(size - len(tail) - 1)
        fh.write(tail + b"\n")


def test_2gb_sparse_file_is_skipped_with_the_reason(tmp_path: Path, token: Any) -> None:
    big = tmp_path / "disk.img"
    _sparse(big, 2 << 30, token("ghp").encode())
    start = time.monotonic()
    res = run("scan", "--offline", "--no-progress", "--format", "json", str(tmp_path))
    assert time.monotonic() - start < 5
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["findings"] == []
    assert doc["skipped"] == [
        {
            "path": "disk.img",
            "reason": "too-large",
            "detail": f"{2 << 30} bytes > limit {256 << 20} (--max-file-size)",
        }
    ]
    assert doc["summary"]["skipped_by_reason"] == {"too-large": 1}


def test_file_above_the_default_limit_is_streamed_in_bounded_memory(
    tmp_path: Path, token: Any
) -> None:
    """300 MB (sparse) with a token at the end: found, and the process stays far below 300 MB."""
    t = token("ghp")
    big = tmp_path / "big.img"
    size = 300 << 20
    _sparse(big, size, b"key " + t.encode())
    code = (
        "import sys\n"
        "from patlint.cli import cli\n"
        "try:\n"
        "    cli(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        # VmHWM is this process's own peak; ru_maxrss would also count the RSS the forked
        # parent (pytest, large late in a full run) had when this child was spawned.
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "    print('maxrss', hwm, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [
            *(sys.executable, "-c", code, "scan", "--offline", "--no-progress", "-j", "1"),
            *("--max-file-size", "1GB", "--format", "json", str(big)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    doc = json.loads(proc.stdout)
    [finding] = doc["findings"]
    assert finding["rule_id"] == "github-classic-pat"
    assert finding["location"]["offset"] == size - len(t) - 1
    maxrss_kib = int(proc.stderr.split("maxrss")[-1].split()[0])
    assert maxrss_kib < 150 * 1024, proc.stderr  # KiB on Linux: far below the file's 300 MB
    assert t not in proc.stdout + proc.stderr


class Endless(io.RawIOBase):
    """A file that grows faster than it is read: every read returns a full buffer."""

    def __init__(self, token: bytes) -> None:
        self.token = token
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        chunk = (b"x = " + self.token + b"\n").ljust(len(b), b"a")[: len(b)]
        b[: len(chunk)] = chunk
        self.served += len(chunk)
        return len(chunk)


def test_a_file_that_never_stops_growing_is_cut_at_the_size_limit(
    monkeypatch: pytest.MonkeyPatch, token: Any
) -> None:
    monkeypatch.setattr(filescan, "CHUNK", 64 << 10)
    monkeypatch.setattr(filescan, "OVERLAP", 1 << 10)
    src = Endless(token("ghp").encode())
    start = time.monotonic()
    result = filescan.scan_stream(src, "log.txt", DETECTOR, max_size=1 << 20)
    assert time.monotonic() - start < 5
    assert result.skip is not None
    assert (result.skip.reason, result.skip.detail) == (
        "too-large",
        f"grew past {1 << 20} bytes while read",
    )
    assert src.served <= (1 << 20) + (64 << 10) * 2  # read no further than the limit
    assert result.candidates  # what was read before the cut is still reported


def test_a_real_file_growing_during_the_scan_is_bounded(
    tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer appends while patlint reads: it ends complete or cut at the limit, never hangs."""
    t = token("ghp").encode()
    path = tmp_path / "growing.log"
    path.write_bytes(b"first " + t + b"\n" + b"." * (200 << 10))
    stop = threading.Event()
    opened = threading.Event()
    real_open = filescan.open_regular

    def open_then_grow(p: str) -> Any:
        got = real_open(p)
        opened.set()  # size checked at open: the file grows from here on
        return got

    monkeypatch.setattr(filescan, "open_regular", open_then_grow)

    def writer() -> None:
        opened.wait(10)
        with open(path, "ab") as fh:
            for _ in range(4000):  # at most ~256 MB, usually stopped long before
                if stop.is_set():
                    return
                fh.write(b"y" * (64 << 10))
                fh.flush()

    th = threading.Thread(target=writer, daemon=True)
    th.start()
    try:
        start = time.monotonic()
        result = filescan.scan_path(str(path), "growing.log", DETECTOR, max_size=4 << 20)
        took = time.monotonic() - start
    finally:
        stop.set()
        th.join(10)
    assert took < 10
    assert result.bytes_read <= (4 << 20) + filescan.CHUNK
    if result.skip is not None:
        assert result.skip.reason == "too-large"
    else:
        assert result.scanned
    assert [c.location.line for c in result.candidates if c.secret.reveal() == t.decode()] == [1]


def test_deeply_nested_baseline_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "bl.json").write_text(DEEP_JSON)
    res = run("scan", "--offline", "--no-progress", "--baseline", "bl.json", ".", cwd=tmp_path)
    assert res.exit_code == 2, res.output
    assert "bl.json: baseline is not valid JSON: nested too deeply" in res.output


def test_deeply_nested_report_given_to_revoke_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text(DEEP_JSON)
    res = run("revoke", "--from-report", "report.json", "--dry-run", cwd=tmp_path)
    assert res.exit_code == 2, res.output
    assert "--from-report report.json: not JSON (nested too deeply)" in res.output


def test_deeply_nested_pyproject_is_a_config_error(tmp_path: Path) -> None:
    deep = "x = " + "[" * 100_000 + "]" * 100_000
    (tmp_path / "pyproject.toml").write_text(f"[tool.patlint]\n{deep}\n")
    res = run("scan", "--offline", "--no-progress", str(tmp_path))
    if sys.version_info < (3, 11):
        pytest.skip("Python 3.10 has no tomllib: pyproject.toml is only searched for the table")
    assert res.exit_code == 2, res.output
    assert "pyproject.toml: not valid TOML: nested too deeply" in res.output


def test_deeply_nested_cache_is_ignored_with_a_warning(home: Path) -> None:
    from patlint.github.cache import VerificationCache, cache_dir

    d = cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    cache = VerificationCache(ttl=3600)
    cache.path.write_text(DEEP_JSON)
    fresh = VerificationCache(ttl=3600)
    assert fresh.get("0" * 64, "github.com") is None
    assert fresh.notices() == [
        f"verification cache {fresh.path} is corrupt (RecursionError); ignored and rewritten"
    ]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize(
    "entry", ['{"auth": "\\udcff"}', '{"password": "\\udcff"}', '{"identitytoken": "\\udcff"}']
)
def test_a_lone_surrogate_in_a_docker_config_does_not_end_the_scan(
    tmp_path: Path, token: Any, entry: str
) -> None:
    # JSON lets a string hold a lone surrogate; the docker reader looked for it in the file
    # with a strict encode and the UnicodeEncodeError ended the whole scan with exit 3.
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text('{"auths": {"ghcr.io": ' + entry + "}}")
    t = token("ghp")
    (tmp_path / "app.env").write_text(f"GITHUB_TOKEN={t}\n")
    res = run("scan", "--offline", "--no-progress", "--format", "json", str(tmp_path))
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    assert {f["location"]["path"] for f in doc["findings"]} == {"app.env"}
    assert doc["summary"]["incomplete"] == 0  # nothing went wrong: the value is just no token


def test_a_lone_surrogate_in_a_deleted_docker_config_does_not_end_a_history_scan(
    tmp_path: Path, token: Any, git_env: None
) -> None:
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(
        '{"auths": {"ghcr.io": {"auth": "\\udcff", "registrytoken": "\\udcff"}}}'
    )
    t = token("ghp")
    (tmp_path / "app.env").write_text(f"GITHUB_TOKEN={t}\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "a")
    _git(tmp_path, "rm", "-q", ".docker/config.json")
    _git(tmp_path, "commit", "-qm", "b")
    res = run("scan", "--history", "--offline", "--format", "json", str(tmp_path))
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    assert {f["location"]["path"] for f in doc["findings"]} == {"app.env"}


class _Boom(Exception):
    pass


def _raising_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the .env reader raise on every file, as a reader bug met by a hostile file would."""
    from patlint.sources.readers.registry import _reader

    reader = _reader("dotenv")

    def read(*_a: Any, **_k: Any) -> Any:
        raise _Boom("a reader bug")

    monkeypatch.setattr(type(reader), "read", read)


def test_a_reader_that_raises_is_one_skipped_file_not_the_end_of_a_tree_scan(
    tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _raising_reader(monkeypatch)
    t1, t2 = token("ghp"), token("ghp")
    (tmp_path / ".env").write_text(f"GITHUB_TOKEN={t1}\n")
    (tmp_path / "app.cfg").write_text(f"token = {t2}\n")
    res = run("scan", "--offline", "--no-progress", "--format", "json", str(tmp_path))
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    # the text detectors' tokens of the file the reader failed on are kept
    assert sorted(f["location"]["path"] for f in doc["findings"]) == [".env", "app.cfg"]
    assert doc["skipped"] == [
        {"path": ".env", "reason": "reader-error", "detail": "dotenv reader failed: _Boom"}
    ]
    assert doc["summary"]["incomplete"] == 1
    res = run("scan", "--offline", "--no-progress", "--fail-on-incomplete", str(tmp_path / ".env"))
    assert res.exit_code == 1 and "reader-error" in res.output, res.output


def test_a_reader_that_raises_is_one_skipped_blob_not_the_end_of_a_history_scan(
    tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch, git_env: None
) -> None:
    _raising_reader(monkeypatch)
    t1, t2 = token("ghp"), token("ghp")
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".env").write_text(f"GITHUB_TOKEN={t1}\n")
    (tmp_path / "app.cfg").write_text(f"token = {t2}\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "a")
    res = run("scan", "--history", "--offline", "--format", "json", str(tmp_path))
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    assert sorted(f["location"]["path"] for f in doc["findings"]) == [".env", "app.cfg"]
    assert [(s["path"], s["reason"]) for s in doc["skipped"]] == [(".env", "reader-error")]
    assert doc["summary"]["incomplete"] == 1


CORP_RULE = """\
- id: corp-deploy-key
  name: Corp key
  kind: detector
  token_kind: legacy
  pattern: '(CORP-[0-9a-f]{32})'
  keywords: [CORP-]
  entropy: 2.5
  severity: medium
  description: d
  remediation: r
  examples: ['k=CORP-0123456789abcdef0fedcba987654321']
  negative_examples: ['CORP-1']
"""


def test_thousands_of_custom_rule_tokens_do_not_make_the_report_quadratic(
    tmp_path: Path,
) -> None:
    """2,000 matches of a trusted custom rule took 44 s, 4,000 took 147 s (the redactor)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "corp.yml").write_text(CORP_RULE)
    tree = tmp_path / "tree"
    tree.mkdir()
    values = ["CORP-" + os.urandom(16).hex() for _ in range(4000)]
    for i in range(4):  # a file yields at most 1,000 tokens
        part = values[i * 1000 : (i + 1) * 1000]
        (tree / f"k{i}.cfg").write_text("".join(f"k = {v}\n" for v in part))
    report = tmp_path / "r.json"
    start = time.monotonic()
    res = run(
        "scan", "--offline", "--no-progress", "--rules", str(rules), "--format", "json",
        "-o", str(report), str(tree),
    )  # fmt: skip
    elapsed = time.monotonic() - start
    assert res.exit_code == 1, res.output
    text = report.read_text()
    assert len(json.loads(text)["tokens"]) == 4000
    assert not any(v in text for v in values)
    assert elapsed < 30, f"{elapsed:.1f} s"


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "github", "junit", "html"])
def test_a_token_in_a_history_path_is_found_and_never_shown(
    tmp_path: Path, token: Any, git_env: None, fmt: str
) -> None:
    """A tree scan scans every path as a name; `--history` did not: a file named
    `GITHUB_TOKEN=<40-hex>` in an old commit was neither reported nor redacted (no shape
    tells a legacy token), and its path printed in full in every format."""
    legacy, shaped, v = token("legacy"), token("gho"), token("ghp")
    root = tmp_path / "repo"
    (root / f"cfg-{shaped}").mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / f"GITHUB_TOKEN={legacy}").write_text(f"deploy: {v}\n")
    (root / f"cfg-{shaped}" / "x.txt").write_text("nothing here\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "a")
    _git(root, "rm", "-rq", f"GITHUB_TOKEN={legacy}", f"cfg-{shaped}")
    _git(root, "commit", "-qm", "b")
    out = tmp_path / f"report.{fmt}"
    res = run("scan", "--history", "--offline", "--format", fmt, "-o", str(out), str(root))
    assert res.exit_code == 1, res.output
    text = out.read_text()
    for t in (legacy, shaped):
        assert t not in text and t.lower() not in text.lower(), fmt
    if fmt == "json":
        doc = json.loads(text)
        found = {(f["location"].get("note") or "").split(";")[0] for f in doc["findings"]}
        assert {"file name", "folder name"} <= found, found
        tokens = {t["preview"] for t in doc["tokens"]}
        assert Secret(legacy, "legacy").preview in tokens
        assert Secret(shaped, "gho").preview in tokens


@pytest.mark.parametrize("first", [True, False], ids=["token-first", "token-last"])
def test_an_escaped_token_among_many_strings_is_found_or_said(
    tmp_path: Path, token: Any, first: bool
) -> None:
    """The escaped strings of a credential file were examined last-first and only 100,000 of
    them: an escaped token first, then 50,010 key/value pairs, was reported clean, with no
    notice. Short strings (no token is that short) no longer count, the walk follows the
    document, and a file past the limit says so."""
    t = token("ghp")
    esc = f"\\u{ord(t[0]):04x}" + t[1:]
    junk = ", ".join(f'"k{i}": "v"' for i in range(50_010))
    doc = '{"auths": {"ghcr.io": {"auth": "eA=="}}, ' + (
        f'"x": "{esc}", {junk}}}' if first else f'{junk}, "x": "{esc}"}}'
    )
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(doc)
    res = run("scan", "--offline", "--format", "json", str(tmp_path))
    assert res.exit_code == 1, res.output
    assert json.loads(res.stdout)["tokens"][0]["preview"] == Secret(t, "ghp").preview


def test_more_escaped_strings_than_are_searched_is_said(tmp_path: Path) -> None:
    long = ", ".join(f'"k{i:07}": "\\u0041{i:07}"' for i in range(50_010))  # 100,020 strings
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text('{"auths": {}, ' + long + "}")
    res = run("scan", "--offline", "--format", "json", str(tmp_path))
    notices = json.loads(res.stdout)["notices"]
    assert any("100,000" in n and "not searched" in n for n in notices), notices
