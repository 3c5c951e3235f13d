"""Streaming a file in chunks finds exactly what scanning it whole finds, at the same places."""

from __future__ import annotations

import base64
import io
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine import filescan
from patlint.engine.ruleset import build_ruleset

TokenFactory = Callable[..., str]
DETECTOR = Detector(build_ruleset(Config()).detectors)
LIMIT = filescan.CHUNK - filescan.OVERLAP  # the first chunk reports offsets below this


def _both(data: bytes) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    def show(res: filescan.FileResult) -> list[tuple[object, ...]]:
        return [
            (c.rule_id, c.location.line, c.location.column, c.location.offset, c.context.key)
            for c in res.candidates
        ]

    streamed = filescan.scan_stream(io.BytesIO(data), "x.txt", DETECTOR, max_size=1 << 30)
    return show(streamed), show(filescan.scan_bytes(data, "x.txt", DETECTOR))


@pytest.mark.parametrize(
    ("rule_id", "template", "key"),
    [
        (
            "github-legacy-token-in-url",
            "url = https://{t}@github.com/o/r.git\n",
            "https URL credential",
        ),
        ("github-legacy-token-assignment", "GITHUB_TOKEN={t}\n", "GITHUB_TOKEN"),
        ("github-classic-pat", "GH_TOKEN={t}\n", "GH_TOKEN"),
    ],
)
def test_token_starting_at_the_chunk_limit_keeps_what_precedes_it(
    token: TokenFactory, rule_id: str, template: str, key: str
) -> None:
    # The second chunk used to start exactly at the token: a legacy token lost its `https://` or
    # its `GITHUB_TOKEN=` (missed), a ghp_ token lost its key.
    t = secrets.token_hex(20) if rule_id.startswith("github-legacy") else token("ghp")
    line = template.format(t=t).encode()
    at = line.index(t.encode())
    data = b"a" * (LIMIT - at - 1) + b"\n" + line + b"b" * filescan.CHUNK + b"\n"
    assert data.index(t.encode()) == LIMIT
    streamed, whole = _both(data)
    assert streamed == whole == [(rule_id, 2, at + 1, LIMIT, key)]


def test_base64_run_across_the_chunk_limit_is_reported_once(token: TokenFactory) -> None:
    # A long base64 value starting before the limit with the token encoded after it: the next
    # chunk used to see the run cut at its first byte and report the token a second time there.
    t = token("ghp")
    blob = base64.b64encode(b"x" * 1500 + f"u:{t}".encode())
    head = b"a\n" * ((LIMIT - 1000) // 2)
    data = head + b'{"k": "' + blob + b'"}\n'
    data += b"b" * (filescan.CHUNK + 100 - len(data)) + b"\n"
    start = len(head) + len(b'{"k": "')
    line = head.count(b"\n") + 1
    streamed, whole = _both(data)
    assert streamed == whole == [("github-classic-pat", line, 8, start, "k")]


def _naive(buf: bytes, off: int) -> tuple[int, int]:
    line = buf.count(b"\n", 0, off) + 1
    start = buf.rfind(b"\n", 0, off) + 1
    return line, len(buf[start:off].decode("utf-8", "replace")) + 1


def test_incremental_line_and_column_match_the_naive_count() -> None:
    import random

    from patlint.sources.reading import Lines

    rng = random.Random(3)
    pieces = [b"a", b"\n", "é".encode(), "字".encode(), b" ", b"\r\n", b"ghp_"]
    buf = b"".join(rng.choice(pieces) for _ in range(5000))
    offsets = sorted(rng.sample(range(len(buf)), 400))
    offsets = [o for o in offsets if buf[o] < 0x80 or buf[o] >= 0xC0]  # character starts only
    lines = Lines(buf, 0, 0, 0)
    assert [lines.at(o) for o in offsets] == [_naive(buf, o) for o in offsets]
    assert lines.at(offsets[0]) == _naive(buf, offsets[0])  # going back restarts correctly


def test_many_tokens_on_one_long_line(token: Callable[..., str]) -> None:
    """20,000 tokens on one 1 MB line: every line/column right (this was quadratic)."""
    from patlint.config import Config
    from patlint.detectors.pattern import Detector
    from patlint.engine.filescan import scan_bytes
    from patlint.engine.ruleset import build_ruleset

    toks = [token("ghp") for _ in range(20_000)]
    data = (" é ".join(toks)).encode()
    detector = Detector(build_ruleset(Config()).detectors)
    detector.max_hits = len(toks)  # above the per-file cap, which this does not test
    res = scan_bytes(data, "one-line.txt", detector)
    assert len(res.candidates) == 20_000
    for i, c in enumerate(res.candidates[::997]):
        n = i * 997
        assert c.location.line == 1
        assert c.location.column == n * 43 + 1  # 40 characters + " é "


def test_scan_paths_gives_what_scan_path_gives_file_by_file(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch fast path (read once, keyword pre-check) changes no result, whatever the file."""
    import os

    monkeypatch.setattr(filescan, "CHUNK", 4096)  # so one file takes the streamed path
    files = {
        "clean.py": b"def f():\n    return 1\n",
        "empty.txt": b"",
        "keyword-only.md": b"see https://github.com/o/r\n",
        "token.py": f"T = '{token('ghp')}'\n".encode(),
        "b64.json": b'{"auth": "' + base64.b64encode(f"u:{token('gho')}".encode()) + b'"}',
        ".env": f"GITHUB_TOKEN={token('ghp')}\n".encode(),  # a reader's file
        "big.log": b"x" * 5000 + f" {token('ghu')}\n".encode(),  # larger than CHUNK
        "binary.bin": b"\0\1\2" + token("ghs").encode() + b"\0",
        # Names that hint at a reader without being its file: the fast path takes them.
        "docker-compose.yml": f"environment:\n  GH_TOKEN: {token('gho')}\n".encode(),
        ".eslintrc": b'{"extends": "github"}\n',
        ".prettierrc": f"// {token('github_pat')}\n".encode(),
        "ci.yml": b"steps:\n  - run: echo hi\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "token.py")
    names = [*files, "fifo", "link", "vanished"]
    batch = [(str(tmp_path / n), n) for n in names]

    def show(res: filescan.FileResult) -> tuple[object, ...]:
        return (
            res.scanned,
            res.bytes_read,
            res.skip,
            [(c.rule_id, c.secret.digest, c.location, c.context) for c in res.candidates],
            res.places,
        )

    one_by_one = [filescan.scan_path(p, r, DETECTOR, max_size=1 << 20) for p, r in batch]
    expected_kept = [
        show(r)
        for r in one_by_one
        if not r.scanned or r.candidates or r.skip or r.places or r.notices
    ]
    clean_results = [r for r in one_by_one if show(r) not in expected_kept]
    for precheck in (True, False):  # a scan of a few files skips the pre-check: same results
        clean, clean_bytes, kept = filescan.scan_paths(
            batch, DETECTOR, max_size=1 << 20, precheck=precheck
        )
        assert [show(r) for r in kept] == expected_kept
        # clean.py, empty.txt, keyword-only.md, .eslintrc, ci.yml
        assert clean == len(clean_results) == 5
        assert clean_bytes == sum(r.bytes_read for r in clean_results)


def test_the_pre_check_of_a_stream_changes_nothing(
    token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `precheck`, a stream that fits in one chunk skips the detector when the pre-check
    says no; a longer one is scanned chunk by chunk as always: the same tokens on the same
    lines either way."""
    import random

    monkeypatch.setattr(filescan, "CHUNK", 4096)
    monkeypatch.setattr(filescan, "OVERLAP", 512)
    monkeypatch.setattr(filescan, "LOOKBEHIND", 256)
    rng = random.Random(11)
    legacy = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    pieces = [
        "plain words and more words\n",
        'import "github.com/o/r"\n',
        f"T = '{token('ghp')}'\n",
        f"auth: {base64.b64encode(('u:' + token('gho')).encode()).decode()}\n",
        f"git clone https://{legacy}@github.com/o/r\n",
        f"GITHUB_TOKEN={legacy}\n",
    ]
    answers: list[bool] = []
    real = DETECTOR.may_hit

    def may_hit(data: bytes) -> bool:
        answers.append(real(data))
        return answers[-1]

    monkeypatch.setattr(DETECTOR, "may_hit", may_hit)
    total = 0
    for n in (1, 5, 50, 2000):  # one chunk, and many
        for _ in range(10):
            text = "".join(rng.choices(pieces, [600, 20, 1, 1, 1, 1], k=n)).encode()

            def found(precheck: bool, text: bytes = text) -> list[tuple[object, ...]]:
                res = filescan.scan_stream(
                    io.BytesIO(text), "x.txt", DETECTOR, max_size=1 << 30, precheck=precheck
                )
                return [(c.rule_id, c.secret.digest, c.location) for c in res.candidates]

            with_precheck = found(True)
            assert with_precheck == found(False)
            total += len(with_precheck)
    assert False in answers and True in answers  # streams turned away and streams let through
    assert total > 20


def test_plain_head_is_true_only_where_sniff_and_the_archive_test_say_plain() -> None:
    # The tree scan's one test of a file's first bytes stands for two calls (UTF-16/32 and
    # archive magic); it may say "ask them" too often, never "plain" for a file that is not.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from patlint.sources.archives import MAGICS, TAR_MAGIC_AT, may_be_archive
    from patlint.sources.transcode import sniff

    marks = [b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\0\0", b"\0\0\xfe\xff", *MAGICS, b"\0", b""]
    tails = st.binary(max_size=600) | st.text(max_size=600).map(lambda t: t.encode("utf-8"))

    @settings(max_examples=3000, deadline=None)
    @given(st.sampled_from(marks), tails, st.booleans(), st.integers(0, 600))
    def check(mark: bytes, tail: bytes, tar: bool, nul_at: int) -> None:
        data = mark + tail
        if tar:
            data = data.ljust(TAR_MAGIC_AT, b"a")[:TAR_MAGIC_AT] + b"ustar" + data[TAR_MAGIC_AT:]
        if nul_at < len(data) and nul_at % 3 == 0:
            data = data[:nul_at] + b"\0" + data[nul_at + 1 :]
        if filescan.plain_head(data):
            assert sniff(data) is None
            assert not may_be_archive(data)

    check()
    for plain in (b"", b"x", b"def f():\n    pass\n", "é".encode() * 400):
        assert filescan.plain_head(plain)
    utf16 = "text".encode("utf-16-le")
    assert sniff(utf16) is not None and not filescan.plain_head(utf16)
    assert not filescan.plain_head(b"PK\x03\x04rest")


@pytest.mark.parametrize("hits_in", [(1,), (2,), (0, 3), (1, 2, 3), ()])
def test_a_file_streamed_in_chunks_gives_the_lines_scanning_it_whole_gives(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch, hits_in: tuple[int, ...]
) -> None:
    """A file read from disk counts the newlines of the chunks it passed only when a later
    chunk holds a hit (it reads them again): the lines are those of a scan of the whole file,
    whichever chunks hold tokens, and a file without any is not read twice."""
    monkeypatch.setattr(filescan, "CHUNK", 4096)
    monkeypatch.setattr(filescan, "OVERLAP", 512)
    pieces = []
    for chunk in range(5):
        body = b"".join(b"line %d of chunk %d\n" % (i, chunk) for i in range(250))
        if chunk in hits_in:
            body = body[:2000] + f"GH_TOKEN={token('ghp')}\n".encode() + body[2000:]
        pieces.append(body)
    data = b"".join(pieces)
    assert len(data) > 4 * 4096
    path = tmp_path / "big.log"
    path.write_bytes(data)
    reads: list[int] = []
    real_pread = os.pread

    def pread(fd: int, n: int, off: int) -> bytes:
        reads.append(n)
        return real_pread(fd, n, off)

    monkeypatch.setattr(filescan.os, "pread", pread)
    streamed = filescan.scan_path(str(path), "big.log", DETECTOR, max_size=1 << 30)
    whole = filescan.scan_bytes(data, "big.log", DETECTOR)

    def show(res: filescan.FileResult) -> list[tuple[object, ...]]:
        return [(c.location.line, c.location.column, c.location.offset) for c in res.candidates]

    assert show(streamed) == show(whole)
    assert len(streamed.candidates) == len(hits_in)
    assert streamed.bytes_read == len(data)
    if not [c for c in hits_in if c > 0]:
        assert reads == []  # nothing found past the first chunk: nothing read again
    else:
        assert 0 < sum(reads) < len(data)  # passed bytes read again, each at most once


def test_a_file_that_shrank_before_its_newlines_were_counted_still_gives_its_hit(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newlines of a passed chunk are read again from the file: one cut short in the
    meantime gives what is still there, never an error or a lost token."""
    monkeypatch.setattr(filescan, "CHUNK", 4096)
    monkeypatch.setattr(filescan, "OVERLAP", 512)
    t = token("ghp")
    data = b"a\n" * 4000 + f"GH_TOKEN={t}\n".encode() + b"b\n" * 100
    path = tmp_path / "shrinking.log"
    path.write_bytes(data)
    real_pread = os.pread
    monkeypatch.setattr(filescan.os, "pread", lambda fd, n, off: real_pread(fd, n, off)[: n // 2])
    res = filescan.scan_path(str(path), "shrinking.log", DETECTOR, max_size=1 << 30)
    assert [c.secret.reveal() for c in res.candidates] == [t]
    assert res.candidates[0].location.offset == data.index(t.encode())


def test_a_stream_that_cannot_be_read_again_counts_its_lines_as_it_goes(
    token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe (git cat-file, standard input) cannot be read again: lines counted eagerly."""
    monkeypatch.setattr(filescan, "CHUNK", 4096)
    monkeypatch.setattr(filescan, "OVERLAP", 512)
    data = b"x\n" * 5000 + f"GH_TOKEN={token('ghp')}\n".encode()
    read_fd, write_fd = os.pipe()
    with os.fdopen(write_fd, "wb") as w:
        import threading

        feeder = threading.Thread(target=lambda: (w.write(data), w.close()))
        feeder.start()
        with os.fdopen(read_fd, "rb", buffering=0) as r:
            res = filescan.scan_stream(r, "<stdin>", DETECTOR, max_size=1 << 30)
        feeder.join()
    assert [c.location.line for c in res.candidates] == [5001]


def test_the_tree_scan_reads_whole_files_at_and_around_its_first_read_size(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file shorter than the first read is taken whole without an fstat; at or past that
    size, or empty, fstat decides: the token at the very end of each is found, a device named
    in the batch is skipped (not read as a file), and the counts match scan_path's."""
    monkeypatch.setattr(filescan, "FIRST_READ", 256)
    tail = f" {token('ghp')}\n".encode()
    files = {f"f{n}.txt": b"x" * (n - len(tail)) + tail for n in (255, 256, 257, 600)}
    files["clean-256.txt"] = b"y" * 256
    files["empty.txt"] = b""
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    batch = [(str(tmp_path / n), n) for n in files]
    devices = [p for p in ("/dev/zero", "/dev/null") if os.path.exists(p)]
    batch += [(p, p) for p in devices]
    clean, clean_bytes, kept = filescan.scan_paths(batch, DETECTOR, max_size=1 << 20)
    found = {r.candidates[0].location.path for r in kept if r.candidates}
    assert found == {"f255.txt", "f256.txt", "f257.txt", "f600.txt"}
    assert all(len(r.candidates) == 1 for r in kept if r.candidates)
    assert [r.candidates[0].location.offset for r in kept if r.candidates] == [
        len(files[n]) - len(tail) + 1 for n in ("f255.txt", "f256.txt", "f257.txt", "f600.txt")
    ]
    assert (clean, clean_bytes) == (2, 256)  # clean-256.txt and empty.txt
    skipped = {r.skip.path: r.skip.reason for r in kept if r.skip is not None}
    assert skipped == {p: "not-a-regular-file" for p in devices}


def test_a_short_first_read_is_not_taken_for_the_whole_file(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read may come back short before the end of a file (some file systems): the first
    read is taken as the whole file only where nothing follows it, else the rest is read."""
    path = tmp_path / "short.txt"
    path.write_bytes(b"x" * 100 + f" {token('ghp')}\n".encode())
    real_read = os.read
    calls: list[int] = []

    def short_once(fd: int, n: int) -> bytes:
        calls.append(n)
        return real_read(fd, min(n, 10) if len(calls) == 1 else n)

    monkeypatch.setattr(os, "read", short_once)
    _clean, _bytes, kept = filescan.scan_paths(
        [(str(path), "short.txt")], DETECTOR, max_size=1 << 20
    )
    assert calls[0] == filescan.FIRST_READ
    assert [c.location.offset for r in kept for c in r.candidates] == [101]
