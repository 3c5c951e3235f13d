"""Archive members are scanned as files of their own, in tree and history scans: real archives
made here with zipfile, tarfile, gzip, bz2 and lzma, zip bombs, hostile member names."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli

TokenFactory = Callable[..., str]


def scan(*args: str) -> dict[str, Any]:
    out = CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", "--format", "json", *args])
    assert out.exit_code in (0, 1), out.output
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def places(report: dict[str, Any]) -> set[tuple[str, int, str]]:
    """(path, line, token sha256) of every location (line 0: none)."""
    return {
        (loc["path"], loc.get("line", 0), t["sha256"])
        for t in report["tokens"]
        for loc in t["locations"]
    }


def skipped(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((s["path"], s["reason"]) for s in report["skipped"])


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_members_of_every_kind_are_found_where_they_are(
    tmp_path: Path, token: TokenFactory
) -> None:
    t = {k: token(k) for k in ("ghp", "gho", "ghu", "ghs", "ghr", "github_pat")}
    props = f"# app\ngithub.token={t['ghp']}\n".encode()
    jar = zip_bytes({"META-INF/app.properties": props, "A.class": b"\xca\xfe\xba\xbe"})
    (tmp_path / "archive.zip").write_bytes(
        zip_bytes({"lib/app.jar": jar, "README.md": b"nothing here\n" * 50})
    )
    (tmp_path / "dist.whl").write_bytes(
        zip_bytes({"pkg/config.py": f"T = '{t['gho']}'\n".encode()})
    )
    (tmp_path / "app.war").write_bytes(
        zip_bytes({"WEB-INF/web.xml": f"<t>{t['ghu']}</t>\n".encode()}, zipfile.ZIP_BZIP2)
    )
    (tmp_path / "plain.tar").write_bytes(
        tar_bytes({"etc/x.conf": f"a\nb\nk={t['ghs']}\n".encode()})
    )
    (tmp_path / "pkg.tar.gz").write_bytes(
        tar_bytes({"pkg/run.sh": f"X={t['ghr']}\n".encode()}, "w:gz")
    )
    (tmp_path / "pkg.tar.bz2").write_bytes(
        tar_bytes({"b.txt": f"\n{t['ghp']}\n".encode()}, "w:bz2")
    )
    (tmp_path / "pkg.tar.xz").write_bytes(
        tar_bytes({"x.txt": f"\n\n{t['gho']}\n".encode()}, "w:xz")
    )
    log = b"step\n" * 5000 + f"token {t['github_pat']}\n".encode()
    (tmp_path / "build.log.gz").write_bytes(gzip.compress(log))
    (tmp_path / "notes.txt.bz2").write_bytes(bz2.compress(f"{t['ghu']}\n".encode()))
    dump = b"-- comment line\n" * 200 + f"-- {t['ghs']}\n".encode()
    (tmp_path / "dump.sql.xz").write_bytes(lzma.compress(dump))
    report = scan(str(tmp_path))
    assert places(report) == {
        ("archive.zip!lib/app.jar!META-INF/app.properties", 2, sha(t["ghp"])),
        ("dist.whl!pkg/config.py", 1, sha(t["gho"])),
        ("app.war!WEB-INF/web.xml", 1, sha(t["ghu"])),
        ("plain.tar!etc/x.conf", 3, sha(t["ghs"])),
        ("pkg.tar.gz!pkg/run.sh", 1, sha(t["ghr"])),
        ("pkg.tar.bz2!b.txt", 2, sha(t["ghp"])),
        ("pkg.tar.xz!x.txt", 3, sha(t["gho"])),
        ("build.log.gz!build.log", 5001, sha(t["github_pat"])),
        ("notes.txt.bz2!notes.txt", 1, sha(t["ghu"])),
        ("dump.sql.xz!dump.sql", 201, sha(t["ghs"])),
    }
    assert report["skipped"] == []
    assert report["summary"]["files_scanned"] == 10  # the archives themselves
    # What the scan found before (the archives' bytes): only the uncompressed tar's token.
    before = scan("--no-archives", str(tmp_path))
    assert places(before) == {("plain.tar", 0, sha(t["ghs"]))}


def test_a_stored_member_is_reported_once_at_the_member(
    tmp_path: Path, token: TokenFactory
) -> None:
    t = token("ghp")
    (tmp_path / "s.zip").write_bytes(
        zip_bytes({"a/b.env": f"T={t}\n".encode()}, zipfile.ZIP_STORED)
    )
    report = scan(str(tmp_path))
    assert [loc["path"] for tok in report["tokens"] for loc in tok["locations"]] == [
        "s.zip!a/b.env"
    ]
    assert [
        loc["path"]
        for tok in scan("--no-archives", str(tmp_path))["tokens"]
        for loc in tok["locations"]
    ] == ["s.zip"]


def test_readers_read_archived_credential_files(tmp_path: Path, token: TokenFactory) -> None:
    """An `.npmrc` in a package tarball is read by the npm reader; an archived workflow's
    configuration is not judged (it runs nowhere), a token in it is."""
    t, w = token("ghp"), token("ghs")
    npmrc = f"//npm.pkg.github.com/:_authToken={t}\n".encode()
    workflow = (
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: echo hi\n        env:\n          T: {w}\n"
    ).encode()
    (tmp_path / "pkg.tgz").write_bytes(
        tar_bytes({"package/.npmrc": npmrc, "repo/.github/workflows/ci.yml": workflow}, "w:gz")
    )
    report = scan(str(tmp_path))
    by = {f["token"]["sha256"]: f for f in report["findings"] if f["token"]}
    assert by[sha(t)]["context"]["usage"] == "npm"
    assert by[sha(t)]["location"]["path"] == "pkg.tgz!package/.npmrc"
    assert by[sha(w)]["location"]["path"] == "pkg.tgz!repo/.github/workflows/ci.yml"
    rules = {f["rule_id"] for f in report["findings"]}
    assert "missing-permissions-block" not in rules
    assert "token-literal-in-ci" in rules


def test_a_token_in_a_member_name_is_found_and_never_shown(
    tmp_path: Path, token: TokenFactory
) -> None:
    t, u = token("ghp"), token("gho")
    (tmp_path / "n.zip").write_bytes(zip_bytes({f"cache/{t}/x": b"", f"{u}.txt": b""}))
    (tmp_path / "n.tar").write_bytes(tar_bytes({f"d/{u}": b"."}))
    report = scan(str(tmp_path))
    preview = {tok["sha256"]: tok["preview"] for tok in report["tokens"]}
    assert {
        (loc["path"], loc.get("note"), tok["sha256"])
        for tok in report["tokens"]
        for loc in tok["locations"]
    } == {
        (f"n.zip!cache/{preview[sha(t)]}", "folder name", sha(t)),
        (f"n.zip!{preview[sha(u)]}.txt", "file name", sha(u)),
        (f"n.tar!d/{preview[sha(u)]}", "file name", sha(u)),
    }
    text = (
        CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", "-v", str(tmp_path)]).stdout
    )
    assert t not in text and u not in text and preview[sha(t)] in text


def test_hostile_member_names_write_nothing_and_cannot_rewrite_the_terminal(
    tmp_path: Path, token: TokenFactory
) -> None:
    t = token("ghp")
    evil = {
        "../../../../../../tmp/patlint-evil.txt": f"A={t}\n".encode(),
        "/etc/cron.d/patlint": b"x",
        "x\x1b[2J\npatlint: 0 findings\x07.txt": f"B={t}\n".encode(),
        "..\\..\\windows.txt": b"y",
    }
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "evil.tar").write_bytes(tar_bytes(evil))
    (tree / "evil.zip").write_bytes(zip_bytes(evil))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert not Path("/tmp/patlint-evil.txt").exists()
    proc = subprocess.run(
        [sys.executable, "-m", "patlint", "scan", "--offline", "--no-progress", "-v", str(tree)],
        capture_output=True,
        text=True,
        cwd=tree,
        check=False,
    )
    assert proc.returncode == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing extracted
    assert not Path("/tmp/patlint-evil.txt").exists()
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout
    summary = [line for line in proc.stdout.splitlines() if line.startswith("patlint: ")]
    assert len(summary) == 1 and "findings" in summary[0] and "0 findings" not in summary[0]
    report = scan(str(tree))
    assert {loc["path"] for tok in report["tokens"] for loc in tok["locations"]} == {
        "evil.tar!../../../../../../tmp/patlint-evil.txt",
        "evil.tar!x\x1b[2J\npatlint: 0 findings\x07.txt",
        "evil.zip!../../../../../../tmp/patlint-evil.txt",
        "evil.zip!x\x1b[2J\npatlint: 0 findings\x07.txt",
    }


def test_link_and_device_members_are_never_followed(tmp_path: Path, token: TokenFactory) -> None:
    outside, inside = token("ghp"), token("ghp")
    secret = tmp_path / "outside.env"
    secret.write_text(f"T={outside}\n")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, kind, target in (
            ("abs-link", tarfile.SYMTYPE, str(secret)),
            ("rel-link", tarfile.SYMTYPE, "../outside.env"),
            ("hard-link", tarfile.LNKTYPE, str(secret)),
            ("tty", tarfile.CHRTYPE, ""),
        ):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            tf.addfile(info)
        data = f"I={inside}\n".encode()
        info = tarfile.TarInfo("real.env")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "links.tgz").write_bytes(buf.getvalue())
    found = places(scan(str(tree)))
    assert {(p, h) for p, _, h in found} == {("links.tgz!real.env", sha(inside))}


def nested_bomb(levels: int, fanout: int, bottom: int) -> bytes:
    """42.zip's shape: `fanout` copies of the level below in each of `levels` zips, over files
    of `bottom` zero bytes (16 ** 5 * 16 MB = 16 TB for 5 levels of 16)."""
    layer = zip_bytes({f"page{i}.txt": bytes(bottom) for i in range(fanout)})
    for level in range(levels - 1):
        layer = zip_bytes({f"l{level}-{i}.zip": layer for i in range(fanout)})
    return layer


def test_a_42zip_style_nested_bomb_ends_fast_with_its_reason(
    tmp_path: Path, token: TokenFactory
) -> None:
    t = token("ghp")
    bomb = nested_bomb(5, 16, 16 << 20)
    assert len(bomb) < 200_000
    (tmp_path / "42.zip").write_bytes(bomb)
    (tmp_path / "beside.env").write_text(f"T={t}\n")
    started = time.perf_counter()
    report = scan(str(tmp_path))
    assert time.perf_counter() - started < 10
    assert places(report) == {("beside.env", 1, sha(t))}
    reasons = [r for _p, r in skipped(report)]
    assert reasons.count("archive-bomb") == 1 and len(reasons) <= 16
    assert ("42.zip", "archive-bomb") in skipped(report)
    assert report["summary"]["skipped_by_reason"]["archive-bomb"] == 1


def test_a_high_ratio_member_is_skipped_and_the_rest_of_the_zip_scanned(
    tmp_path: Path, token: TokenFactory
) -> None:
    t = token("ghp")
    (tmp_path / "one.zip").write_bytes(
        zip_bytes({"zeros.img": bytes(200 << 20), "conf/.env": f"T={t}\n".encode()})
    )
    (tmp_path / "z.gz").write_bytes(gzip.compress(bytes(64 << 20), compresslevel=9))
    started = time.perf_counter()
    report = scan(str(tmp_path))
    assert time.perf_counter() - started < 5
    assert places(report) == {("one.zip!conf/.env", 1, sha(t))}
    assert skipped(report) == [("one.zip!zeros.img", "archive-bomb"), ("z.gz!z", "archive-bomb")]


def test_a_zip_bomb_costs_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "42.zip").write_bytes(nested_bomb(4, 16, 8 << 20))
    (tmp_path / "z.xz").write_bytes(lzma.compress(bytes(32 << 20), preset=0))
    argv = [sys.executable, "-m", "patlint", "scan", "--offline", "--no-progress", str(tmp_path)]
    # measured from a small probe process: a child started straight from pytest would carry
    # pytest's own peak (the memory it was forked from) in its ru_maxrss
    probe = (
        "import os, subprocess;"
        f"p = subprocess.Popen({argv!r}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "_pid, status, usage = os.wait4(p.pid, 0);"
        "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    code, rss_kib = map(int, out.stdout.split())
    assert code == 0
    assert rss_kib < 150 << 10, rss_kib  # KB: 150 MB, the peak of that scan and its workers


def test_nesting_deeper_than_the_limit_is_scanned_as_bytes(
    tmp_path: Path, token: TokenFactory
) -> None:
    t = token("ghp")
    data = f"T={t}\n".encode()
    inner = zip_bytes({"deep.env": data})
    for i in range(4):
        inner = zip_bytes({f"d{i}.zip": inner})
    (tmp_path / "top.zip").write_bytes(inner)
    report = scan(str(tmp_path))
    assert places(report) == set()  # deflated five archives deep
    assert skipped(report) == [("top.zip!d3.zip!d2.zip!d1.zip!d0.zip", "archive-too-deep")]
    four = zip_bytes({"deep.env": data})
    for i in range(3):
        four = zip_bytes({f"d{i}.zip": four})
    (tmp_path / "top.zip").write_bytes(four)
    assert places(scan(str(tmp_path))) == {("top.zip!d2.zip!d1.zip!d0.zip!deep.env", 1, sha(t))}


def test_member_size_follows_max_file_size(tmp_path: Path, token: TokenFactory) -> None:
    t = token("ghp")
    (tmp_path / "m.tar.gz").write_bytes(
        tar_bytes({"big.bin": b"ab" * 150_000, "small.env": f"T={t}\n".encode()}, "w:gz")
    )
    report = scan("--max-file-size", "200KB", str(tmp_path))
    assert places(report) == {("m.tar.gz!small.env", 1, sha(t))}
    assert skipped(report) == [("m.tar.gz!big.bin", "too-large")]


def test_corrupt_and_encrypted_members_are_named_and_the_rest_scanned(
    tmp_path: Path, token: TokenFactory
) -> None:
    t = token("ghp")
    data = bytearray(zip_bytes({"locked.txt": b"secret", "open.env": f"T={t}\n".encode()}))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(sig)
        data[at + flag_at] |= 0x1
    (tmp_path / "e.zip").write_bytes(bytes(data))
    (tmp_path / "broken.gz").write_bytes(gzip.compress(f"T={t}\n".encode())[:-6])
    (tmp_path / "notzip.bin").write_bytes(b"PK\x03\x04" + os.urandom(200))
    report = scan(str(tmp_path))
    assert places(report) == {("e.zip!open.env", 1, sha(t)), ("broken.gz!broken", 1, sha(t))}
    assert skipped(report) == [
        ("broken.gz", "archive-corrupt"),
        ("e.zip!locked.txt", "archive-encrypted"),
        ("notzip.bin", "archive-corrupt"),
    ]
    assert report["summary"]["incomplete"] == 0  # the bytes of each file were still scanned


def test_a_large_archive_on_disk_is_streamed_then_opened(
    tmp_path: Path, token: TokenFactory
) -> None:
    """Over one 8 MiB chunk: the raw bytes are streamed, then the members read from the file."""
    t, u = token("ghp"), token("gho")
    noise = os.urandom(10 << 20)
    (tmp_path / "big.zip").write_bytes(
        zip_bytes({"noise.bin": noise, "z/t.env": f"T={t}\n".encode()}, zipfile.ZIP_STORED)
    )
    (tmp_path / "big.tar").write_bytes(
        tar_bytes({"noise.bin": noise, "u.env": f"U={u}\n".encode()})
    )
    report = scan(str(tmp_path))
    assert places(report) == {("big.zip!z/t.env", 1, sha(t)), ("big.tar!u.env", 1, sha(u))}


def test_archives_in_history_are_opened(tmp_path: Path, token: TokenFactory, git_env: None) -> None:
    t = token("ghp")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "release.zip").write_bytes(zip_bytes({"app/config/.env": f"\nT={t}\n".encode()}))
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "add"], check=True)
    subprocess.run(["git", "-C", str(repo), "rm", "-q", "release.zip"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "rm"], check=True)
    report = scan("--history", str(repo))
    assert places(report) == {("release.zip!app/config/.env", 2, sha(t))}
    loc = report["tokens"][0]["locations"][0]
    assert loc["in_head"] is False and len(loc["commit"]) == 40
    assert places(scan("--history", "--no-archives", str(repo))) == set()


def test_a_workstation_scan_opens_archives_too(tmp_path: Path, token: TokenFactory) -> None:
    t = token("ghp")
    (tmp_path / "Downloads").mkdir()
    (tmp_path / "Downloads" / "backup.tar.gz").write_bytes(
        tar_bytes({"home/.git-credentials": f"https://u:{t}@github.com\n".encode()}, "w:gz")
    )
    report = scan("--profile", "workstation", str(tmp_path))
    assert places(report) == {("Downloads/backup.tar.gz!home/.git-credentials", 1, sha(t))}


def test_a_plain_scan_imports_no_decompressor(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print(1)\n")
    code = (
        "import sys\nfrom patlint.cli import main\n"
        "try:\n    main(['scan', '--offline', '--no-progress', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('zipfile', 'lzma', 'bz2', 'tarfile', 'gzip') if m in sys.modules), file=sys.stderr)"
    )
    for _ in range(2):  # the first run fills the parsed-rules cache (and imports what that needs)
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
        )
    assert out.stderr.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", ["evil.zip", "sigstore-js-2.1.0.tgz"])
def test_fixtures_of_real_projects(tmp_path: Path, name: str) -> None:
    """The zip-slip fixture of actions/toolkit and a real npm tarball, if the real-tree corpus
    is there: opened without error or skip."""
    found = {
        "evil.zip": "/tmp/patlint-bench/real/toolkit/packages/artifact/__tests__/fixtures/evil.zip",
        "sigstore-js-2.1.0.tgz": "/tmp/patlint-bench/real/cli/pkg/cmd/attestation/test/data/sigstore-js-2.1.0.tgz",
    }[name]
    if not os.path.exists(found):
        pytest.skip("real-tree corpus not built (benchmarks/realtrees.py)")
    (tmp_path / name).write_bytes(Path(found).read_bytes())
    report = scan(str(tmp_path))
    assert report["skipped"] == []
    assert report["summary"]["files_scanned"] == 1
