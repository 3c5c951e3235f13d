"""The walker and the file reader on hostile trees: FIFOs, sockets, devices, links, odd names."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from patlint.model import Skip
from patlint.sources.tree import FileRef, WalkOptions, walk

TokenFactory = Callable[..., str]
PATLINT = [sys.executable, "-m", "patlint"]


def run_json(*args: str, cwd: Path | None = None, timeout: float = 60) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    proc = subprocess.run(
        [*PATLINT, "scan", "--offline", "--no-progress", "--format", "json", *args],
        capture_output=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout), proc.stderr.decode("utf-8", "replace")


def listing(root: Path, **kw: object) -> tuple[list[str], dict[str, str]]:
    files: list[str] = []
    skips: dict[str, str] = {}
    for item in walk([str(root)], WalkOptions(**kw)):  # type: ignore[arg-type]
        if isinstance(item, Skip):
            skips[item.path] = item.reason
        else:
            assert isinstance(item, FileRef)
            files.append(item.rel)
    return files, skips


def test_fifo_socket_and_device_are_skipped_never_opened(
    tmp_path: Path, token: TokenFactory
) -> None:
    (tmp_path / "ok.txt").write_text(f"t={token('ghp')}\n")
    os.mkfifo(tmp_path / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock_path = tmp_path / "sock"
    sock.bind(str(sock_path))
    try:
        files, skips = listing(tmp_path)
        assert files == ["ok.txt"]
        assert skips == {"pipe": "fifo", "sock": "socket"}
        # The CLI must not hang on the FIFO (nobody writes to it) and must say why it skipped.
        code, report, _ = run_json(str(tmp_path), timeout=30)
        assert code == 1
        assert report["summary"]["skipped_by_reason"] == {"fifo": 1, "socket": 1}
        assert report["summary"]["files_scanned"] == 1
    finally:
        sock.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_device_node_is_skipped(tmp_path: Path) -> None:
    os.mknod(tmp_path / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    files, skips = listing(tmp_path)
    assert files == []
    assert skips == {"null": "device"}


def test_symlinks_not_followed_by_default_and_loops_detected(
    tmp_path: Path, token: TokenFactory
) -> None:
    outside = Path(tempfile.mkdtemp())
    try:
        secret = token("ghp")
        (outside / "config.json").write_text(f'{{"auth": "{secret}"}}')
        tree = tmp_path / "tree"
        (tree / "sub").mkdir(parents=True)
        (tree / "real.txt").write_text("nothing here\n")
        (tree / "out-link").symlink_to(outside / "config.json")
        (tree / "out-dir").symlink_to(outside)
        (tree / "a").symlink_to(tree / "b")
        (tree / "b").symlink_to(tree / "a")
        (tree / "sub" / "up").symlink_to(tree)
        (tree / "in-link").symlink_to(tree / "real.txt")

        files, skips = listing(tree)
        assert files == ["real.txt"]
        assert set(skips.values()) == {"symlink"}
        assert set(skips) == {"a", "b", "in-link", "out-dir", "out-link", "sub/up"}

        files, skips = listing(tree, follow_symlinks=True)
        assert sorted(files) == ["in-link", "real.txt"]
        assert skips["out-link"] == "symlink-outside-tree"
        assert skips["out-dir"] == "symlink-outside-tree"
        assert skips["a"] == skips["b"] == "symlink-loop"
        assert skips["sub/up"] == "symlink-loop"

        for extra in ([], ["--follow-symlinks"]):
            code, report, err = run_json(str(tree), *extra)
            assert code == 0, err
            assert report["findings"] == []
            assert secret not in json.dumps(report)
            assert str(outside) not in json.dumps(report)
    finally:
        shutil.rmtree(outside)


def test_unreadable_file_is_reported_and_scan_goes_on(token: TokenFactory) -> None:
    base = Path(tempfile.mkdtemp(prefix="patlint-perm-"))
    try:
        base.chmod(0o755)
        (base / "secret.txt").write_text(f"{token('ghp')}\n")
        (base / "secret.txt").chmod(0o000)
        (base / "open.txt").write_text(f"{token('gho')}\n")
        (base / "open.txt").chmod(0o644)
        (base / "closed").mkdir()
        (base / "closed" / "x.txt").write_text("x")
        (base / "closed").chmod(0o000)
        cmd = [*PATLINT, "scan", "--offline", "--no-progress", "--format", "json", str(base)]
        if os.geteuid() == 0:
            # root reads everything: run patlint as an unprivileged user, for real.
            probe = subprocess.run(
                [
                    "setpriv",
                    "--reuid=nobody",
                    "--regid=nogroup",
                    "--clear-groups",
                    sys.executable,
                    "-c",
                    "import patlint",
                ],
                capture_output=True,
                check=False,
            )
            if probe.returncode != 0:
                pytest.skip(f"cannot run patlint as 'nobody' here: {probe.stderr.decode()[-200:]}")
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
        proc = subprocess.run(cmd, capture_output=True, timeout=60, check=False, cwd=base)
        report = json.loads(proc.stdout)
        assert proc.returncode == 1
        assert [f["rule_id"] for f in report["findings"]] == ["github-oauth-token"]
        reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in report["skipped"]}
        assert reasons == {"secret.txt": "unreadable", "closed": "unreadable"}
    finally:
        (base / "closed").chmod(0o755)
        shutil.rmtree(base)


def test_token_inside_binary_file_reports_byte_offset(tmp_path: Path, token: TokenFactory) -> None:
    t = token("ghp")
    blob = (
        b"SQLite format 3\x00" + os.urandom(3000).replace(b"gh", b"xx") + t.encode() + b"\x00" * 100
    )
    (tmp_path / "app.db").write_bytes(blob)
    code, report, _ = run_json(str(tmp_path))
    assert code == 1
    (finding,) = report["findings"]
    assert finding["location"] == {
        "path": "app.db",
        "offset": blob.index(t.encode()),
        "binary": True,
    }
    assert finding["context"]["file_type"] == "binary"


@pytest.mark.slow
def test_200mb_single_line_file_streams_with_bounded_memory(
    tmp_path: Path, token: TokenFactory
) -> None:
    from patlint.engine.filescan import CHUNK

    t1, t2, t3 = token("ghp"), token("gho"), token("github_pat")
    size = 200 << 20
    boundary = CHUNK - 20  # straddles the first chunk boundary
    path = tmp_path / "one-line.min.js"
    with path.open("wb") as fh:
        filler = b"a=1;" * (1 << 18)  # 1 MiB, no newline
        written = 0
        marks = {boundary: t1, 150 << 20: t2, size - 200: t3}
        for at, tok in sorted(marks.items()):
            while written + len(filler) <= at:
                fh.write(filler)
                written += len(filler)
            fh.write(b";" * (at - written))
            written = at
            fh.write(tok.encode() + b";")
            written += len(tok) + 1
        while written < size:
            chunk = filler[: min(len(filler), size - written)]
            fh.write(chunk)
            written += len(chunk)
    code = (
        "import resource, subprocess, sys, json;"
        f"p = subprocess.run({[*PATLINT, 'scan', '--offline', '--no-progress', '--format', 'json', str(path)]!r}, capture_output=True);"
        "print(json.dumps({'rc': p.returncode, 'out': p.stdout.decode(),"
        " 'rss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=300, check=True
    )
    res = json.loads(proc.stdout)
    report = json.loads(res["out"])
    assert res["rc"] == 1
    got = sorted(
        (
            f["location"]["offset"],
            f["location"]["line"],
            f["location"]["column"],
            f["token"]["preview"],
        )
        for f in report["findings"]
    )
    from patlint.model import redact

    assert got == [
        (boundary, 1, boundary + 1, redact(t1)),
        (150 << 20, 1, (150 << 20) + 1, redact(t2)),
        (size - 200, 1, size - 200 + 1, redact(t3)),
    ]
    assert report["summary"]["bytes_scanned"] == size
    assert res["rss_kb"] < 150 * 1024, f"peak RSS {res['rss_kb']} KiB for a 200 MB file"


def test_non_utf8_file_name_and_content(tmp_path: Path, token: TokenFactory) -> None:
    t = token("ghp")
    name = os.fsencode(str(tmp_path)) + b"/caf\xe9-\x1b[31m.txt"
    with open(name, "wb") as fh:
        fh.write("naïve = 'déjà'\n".encode("latin-1") + b"GH_TOKEN=" + t.encode() + b"\n")
    code, report, _ = run_json(str(tmp_path))
    assert code == 1
    (finding,) = report["findings"]
    assert finding["location"]["path"] == "caf\\xe9-\x1b[31m.txt"
    assert finding["location"]["line"] == 2
    # The table escapes control characters so a file name cannot rewrite the terminal.
    proc = subprocess.run(
        [*PATLINT, "scan", "--offline", "--no-progress", str(tmp_path)],
        capture_output=True,
        check=False,
    )
    out = proc.stdout.decode()
    assert "\x1b" not in out
    assert "caf\\xe9-\\x1b[31m.txt:2:10" in out


def test_too_large_file_is_skipped_with_reason(tmp_path: Path, token: TokenFactory) -> None:
    (tmp_path / "big.log").write_bytes(b"x" * 5000 + token("ghp").encode())
    code, report, _ = run_json("--max-file-size", "4KB", str(tmp_path))
    assert code == 0
    assert report["skipped"] == [
        {
            "path": "big.log",
            "reason": "too-large",
            "detail": "5040 bytes > limit 4096 (--max-file-size)",
        }
    ]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


def test_gitignore_honoured_inside_a_work_tree(tmp_path: Path, token: TokenFactory) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("ignored.txt\nbuild/\n")
    (tmp_path / "tracked.txt").write_text(f"{token('ghp')}\n")
    (tmp_path / "untracked.txt").write_text(f"{token('gho')}\n")
    (tmp_path / "ignored.txt").write_text(f"{token('ghu')}\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.txt").write_text(f"{token('ghs')}\n")
    git(tmp_path, "add", "tracked.txt", ".gitignore")
    files, _ = listing(tmp_path)
    assert sorted(files) == [".gitignore", "tracked.txt", "untracked.txt"]
    files, _ = listing(tmp_path, use_gitignore=False)
    assert sorted(files) == [
        ".gitignore",
        "build/out.txt",
        "ignored.txt",
        "tracked.txt",
        "untracked.txt",
    ]
    code, report, _ = run_json(str(tmp_path))
    assert code == 1
    assert sorted(f["location"]["path"] for f in report["findings"]) == [
        "tracked.txt",
        "untracked.txt",
    ]


def test_stdin_is_scanned(token: TokenFactory) -> None:
    t = token("ghp")
    proc = subprocess.run(
        [*PATLINT, "scan", "--offline", "--format", "json", "-"],
        input=f"log line\nexport GH_TOKEN={t}\n".encode(),
        capture_output=True,
        check=False,
    )
    report = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert [(f["location"]["path"], f["location"]["line"]) for f in report["findings"]] == [
        ("<stdin>", 2)
    ]


def test_untracked_nested_repository_paths_and_excludes(
    tmp_path: Path, token: TokenFactory
) -> None:
    # `git ls-files --others` lists an untracked nested repository as "nested/": its files must
    # be shown as "nested/…" (not "nested//…") so fingerprints match a plain walk and excludes
    # match at all.
    git(tmp_path, "init", "-q")
    (tmp_path / "nested" / "deep").mkdir(parents=True)
    git(tmp_path / "nested", "init", "-q")
    (tmp_path / "nested" / "n.txt").write_text(f"{token('ghp')}\n")
    (tmp_path / "nested" / "deep" / "d.txt").write_text("x\n")
    (tmp_path / "top.txt").write_text("x\n")
    expected = ["nested/deep/d.txt", "nested/n.txt", "top.txt"]
    assert sorted(listing(tmp_path)[0]) == expected
    assert sorted(listing(tmp_path, use_gitignore=False)[0]) == expected
    files, skips = listing(tmp_path, exclude=["nested/n.txt"])
    assert sorted(files) == ["nested/deep/d.txt", "top.txt"]
    assert skips == {"nested/n.txt": "excluded"}
    code, report, _ = run_json(str(tmp_path))
    assert code == 1
    assert [f["location"]["path"] for f in report["findings"]] == ["nested/n.txt"]


def test_non_utf8_file_name_with_excludes_and_home_profile(
    tmp_path: Path, token: TokenFactory
) -> None:
    # pathspec encodes names to UTF-8: a name with undecodable bytes crashed the scan (exit 3)
    # as soon as an exclude pattern or the workstation profile's always-read list was in play.
    t = token("ghp")
    base = os.fsencode(str(tmp_path))
    (tmp_path / "node_modules").mkdir()
    for name in (b"/caf\xe9.txt", b"/node_modules/caf\xe9.env", b"/drop-\xe9.log"):
        with open(base + name, "wb") as fh:
            fh.write(b"GH_TOKEN=" + t.encode() + b"\n")
    with open(base + b"/node_modules/.env", "wb") as fh:
        fh.write(b"GH_TOKEN=" + t.encode() + b"\n")
    files, skips = listing(tmp_path, exclude=["*.log", "caf?.txt"], use_gitignore=False)
    assert sorted(files) == ["node_modules/.env", "node_modules/caf\udce9.env"]
    assert skips == {"caf\udce9.txt": "excluded", "drop-\udce9.log": "excluded"}
    (tmp_path / ".patlint.yaml").write_text("exclude:\n  - '*.log'\n")
    code, report, err = run_json(str(tmp_path))
    assert code == 1, err
    assert sorted(loc["path"] for loc in report["tokens"][0]["locations"]) == [
        "caf\\xe9.txt",
        "node_modules/.env",
        "node_modules/caf\\xe9.env",
    ]
    (tmp_path / ".patlint.yaml").unlink()
    code, report, err = run_json("--profile", "workstation", str(tmp_path))
    assert code == 1, err
    # node_modules is pruned: only its known credential file is read.
    assert sorted(loc["path"] for loc in report["tokens"][0]["locations"]) == [
        "caf\\xe9.txt",
        "drop-\\xe9.log",
        "node_modules/.env",
    ]


def test_follow_symlinks_inside_a_work_tree(tmp_path: Path, token: TokenFactory) -> None:
    # In a git work tree --follow-symlinks was ignored (each link skipped with "use
    # --follow-symlinks"), and a followed link to a file was listed but then refused by the
    # reader (it opens with O_NOFOLLOW) in every mode.
    outside = Path(tempfile.mkdtemp())
    try:
        t = token("ghp")
        git(tmp_path, "init", "-q")
        (tmp_path / ".gitignore").write_text("vendor/\n")
        (tmp_path / "vendor" / "real").mkdir(parents=True)
        (tmp_path / "vendor" / "real" / "t.env").write_text(f"GH_TOKEN={t}\n")
        (tmp_path / "conf").symlink_to("vendor/real")
        (tmp_path / "direct.env").symlink_to("vendor/real/t.env")
        (tmp_path / "vendor" / "real" / "up").symlink_to("../..")
        (outside / "o.env").write_text(f"GH_TOKEN={token('ghp')}\n")
        (tmp_path / "out.env").symlink_to(outside / "o.env")
        files, skips = listing(tmp_path)
        assert sorted(files) == [".gitignore"]
        assert skips == {"conf": "symlink", "direct.env": "symlink", "out.env": "symlink"}
        files, skips = listing(tmp_path, follow_symlinks=True)
        assert sorted(files) == [".gitignore", "conf/t.env", "direct.env"]
        assert skips == {"conf/up": "symlink-loop", "out.env": "symlink-outside-tree"}
        for extra in ([], ["--no-gitignore"]):
            code, report, err = run_json("--follow-symlinks", *extra, str(tmp_path))
            assert code == 1, err
            (tok,) = report["tokens"]
            paths = ["conf/t.env", "direct.env"] + (["vendor/real/t.env"] if extra else [])
            assert sorted(loc["path"] for loc in tok["locations"]) == paths
            assert report["summary"]["skipped_by_reason"] == {
                "symlink-loop": 2 if extra else 1,  # vendor/real/up too without .gitignore
                "symlink-outside-tree": 1,
            }
    finally:
        shutil.rmtree(outside)


def test_an_ignored_folder_named_on_the_command_line_is_reported_as_skipped(
    tmp_path: Path, token: TokenFactory
) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.txt").write_text(f"{token('ghp')}\n")
    code, report, _ = run_json(str(tmp_path / "build"))
    assert code == 0
    assert report["summary"]["skipped_by_reason"] == {"gitignored": 1}
    code, report, _ = run_json("--no-gitignore", str(tmp_path / "build"))
    assert code == 1 and report["summary"]["files_scanned"] == 1


def test_overlapping_roots_scan_each_file_once(tmp_path: Path, token: TokenFactory) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.env").write_text(f"T={token('ghp')}\n")
    code, report, _ = run_json(
        str(tmp_path), str(tmp_path / "src"), str(tmp_path / "src" / "a.env")
    )
    assert code == 1
    assert report["summary"]["files_scanned"] == 1
    assert [len(t["locations"]) for t in report["tokens"]] == [1]
    assert report["summary"]["skipped_by_reason"] == {"duplicate": 2}
