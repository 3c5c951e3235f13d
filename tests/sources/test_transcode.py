"""UTF-16 and UTF-32 text is decoded before detection: tokens are found at the line and column
of the decoded text, at their byte offset in the file, with and without a byte order mark,
streamed in chunks when the file is large; binary files are not taken for text."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patlint.cli import cli
from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine import filescan
from patlint.engine.ruleset import build_ruleset
from patlint.sources import transcode
from patlint.tokengen import make_token

TokenFactory = Callable[..., str]
DETECTOR = Detector(build_ruleset(Config()).detectors)
ENCODINGS = {  # label: (Python codec, byte order mark)
    "UTF-16LE": ("utf-16-le", b"\xff\xfe"),
    "UTF-16BE": ("utf-16-be", b"\xfe\xff"),
    "UTF-32LE": ("utf-32-le", b"\xff\xfe\0\0"),
    "UTF-32BE": ("utf-32-be", b"\0\0\xfe\xff"),
}


def scan_json(*args: str) -> dict[str, Any]:
    out = CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", "--format", "json", *args])
    assert out.exit_code in (0, 1), out.output
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def places(report: dict[str, Any]) -> list[tuple[str, int, int, int, str, str]]:
    """(path, line, column, offset, note, token sha256) of every location, sorted."""
    return sorted(
        (
            loc["path"],
            loc.get("line", 0),
            loc.get("column", 0),
            loc.get("offset", -1),
            loc.get("note", ""),
            t["sha256"],
        )
        for t in report["tokens"]
        for loc in t["locations"]
    )


def sha(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def where(text: str, token: str, codec: str, bom: bytes) -> tuple[int, int, int]:
    """(line, column in characters, byte offset in the file) of `token` in `text`."""
    at = text.index(token)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, column, len(bom) + len(text[:at].encode(codec))


@pytest.mark.parametrize("label", sorted(ENCODINGS))
@pytest.mark.parametrize("with_bom", [True, False], ids=["bom", "no-bom"])
def test_utf16_and_utf32_text_is_found_at_its_line_column_and_offset(
    tmp_path: Path, token: TokenFactory, label: str, with_bom: bool
) -> None:
    codec, bom = ENCODINGS[label]
    bom = bom if with_bom else b""
    ghp, gho = token("ghp"), token("gho")
    # What PowerShell 5.1's `>` writes: CRLF lines; a character above U+FFFF (a surrogate pair
    # in UTF-16, one character) and an accented one before the second token on its line.
    text = f"# exported\r\n$env:GH_TOKEN = '{ghp}'\r\nnote = é😀 {gho}\r\n"
    (tmp_path / "profile.txt").write_bytes(bom + text.encode(codec))
    report = scan_json(str(tmp_path))
    assert places(report) == sorted(
        ("profile.txt", *where(text, t, codec, bom), f"{label} text", sha(t)) for t in (ghp, gho)
    )
    assert where(text, gho, codec, bom)[:2] == (3, 11)  # characters, not code units or bytes
    by_token = {t["sha256"]: t for t in report["tokens"]}
    assert by_token[sha(ghp)]["locations"][0]["path"] == "profile.txt"
    finding = next(f for f in report["findings"] if f["token"]["sha256"] == sha(ghp))
    assert finding["context"]["key"] == "GH_TOKEN"  # the context of the decoded text


def test_the_old_scan_found_nothing_in_these_files(tmp_path: Path, token: TokenFactory) -> None:
    """The abuse case of issue 19, against the raw-bytes scan alone (what ran before)."""
    t = token("ghp")
    for label, (codec, bom) in ENCODINGS.items():
        data = bom + f"GH_TOKEN={t}\n".encode(codec)
        raw, _spans = filescan.scan_buffer(data, "x", DETECTOR, None, binary=True)
        assert raw.candidates == [], label
        decoded = filescan.scan_bytes(data, "x", DETECTOR)
        assert [c.secret.reveal() for c in decoded.candidates] == [t], label


def test_a_utf8_byte_order_mark_is_no_character_of_the_first_line(
    tmp_path: Path, token: TokenFactory
) -> None:
    t = token("ghp")
    (tmp_path / "bom.env.txt").write_bytes(b"\xef\xbb\xbf" + f"GH_TOKEN={t}\n".encode())
    assert places(scan_json(str(tmp_path))) == [("bom.env.txt", 1, 10, 12, "", sha(t))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["\n", "\r\n", " ", "key = ", "é", "中文", "😀", "\t", "x" * 50]),
            st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
        ),
        max_size=30,
    ),
    st.sampled_from(sorted(ENCODINGS)),
    st.booleans(),
    st.integers(0, 2**32),
)
def test_decoded_places_agree_with_the_same_text_in_utf8(
    pieces: list[str], label: str, with_bom: bool, seed: int
) -> None:
    """Whatever the text around them, tokens in UTF-16/32 text are found at the line and column
    the same text has in UTF-8, and at their offset in the encoded bytes."""
    rng = random.Random(seed)
    tokens = [make_token(rng.choice(["ghp", "gho", "ghs", "github_pat"]), rng) for _ in range(3)]
    text = ""
    for i, t in enumerate(tokens):
        text += "".join(pieces[i::3]) + " " + t + " "
    codec, bom = ENCODINGS[label]
    bom = bom if with_bom else b""
    data = bom + text.encode(codec)
    utf8 = filescan.scan_bytes(text.encode(), "x.txt", DETECTOR)
    got = filescan.scan_bytes(data, "x.txt", DETECTOR)
    if not with_bom and transcode.sniff(data) is None:
        # Without a mark, only text whose first characters are mostly ASCII is recognised.
        assert text.encode(codec).find(b"\0", 0, transcode.NUL_WINDOW) < 0 or any(
            ord(c) > 0xFF for c in text[:32]
        )
        return
    assert [(c.secret.digest, c.location.line, c.location.column) for c in got.candidates] == [
        (c.secret.digest, c.location.line, c.location.column) for c in utf8.candidates
    ]
    for c in got.candidates:
        assert c.location.offset == len(bom) + len(
            text[: text.index(c.secret.reveal())].encode(codec)
        )
        assert c.location.note == f"{label} text"
    assert {c.secret.reveal() for c in got.candidates} == set(tokens)


@pytest.mark.parametrize("label", sorted(ENCODINGS))
def test_tokens_across_chunk_borders_of_a_streamed_utf16_file_are_found(
    token: TokenFactory, monkeypatch: pytest.MonkeyPatch, label: str
) -> None:
    """Small chunks and small raw reads: every border (of a chunk of decoded text, of a read
    cutting a code unit or a surrogate pair) falls inside or next to a token somewhere."""
    monkeypatch.setattr(filescan, "CHUNK", 4096)
    monkeypatch.setattr(filescan, "OVERLAP", 512)
    monkeypatch.setattr(filescan, "LOOKBEHIND", 256)
    monkeypatch.setattr(transcode.Utf8Stream, "RAW", 1021)  # odd: cuts code units in two
    codec, bom = ENCODINGS[label]
    rng = random.Random(label)
    tokens: list[str] = []
    text = ""
    while len(text.encode()) < 40_000:
        text += rng.choice(["word ", "é", "😀", "\r\n", "中 "]) * rng.randint(1, 60)
        tokens.append(token(rng.choice(["ghp", "gho", "ghu"])))
        text += f"T={tokens[-1]}\n"
    data = bom + text.encode(codec)
    res = filescan.scan_stream(io.BytesIO(data), "big.txt", DETECTOR, max_size=1 << 30)
    found = [
        (c.secret.reveal(), c.location.line, c.location.column, c.location.offset)
        for c in res.candidates
    ]
    expected = [(t, *where(text, t, codec, bom)) for t in tokens]
    assert sorted(found) == sorted(expected)
    assert res.bytes_read == len(data)  # the bytes of the file (read twice: counted once)


@pytest.mark.slow
def test_a_utf16_file_larger_than_a_chunk_is_streamed_and_the_border_token_found(
    tmp_path: Path, token: TokenFactory
) -> None:
    """Real sizes: 8 MiB of decoded text is one chunk; the token straddles its end."""
    t, last = token("ghp"), token("gho")
    filler = "a" * (filescan.CHUNK - filescan.OVERLAP - 20)
    text = filler + f" {t}\n" + "b" * filescan.CHUNK + f"\nlast {last}\n"
    path = tmp_path / "huge.log"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert path.stat().st_size > 2 * filescan.CHUNK  # takes the streamed path
    report = scan_json(str(tmp_path))
    assert places(report) == sorted(
        [
            ("huge.log", *where(text, t, "utf-16-le", b"\xff\xfe"), "UTF-16LE text", sha(t)),
            ("huge.log", *where(text, last, "utf-16-le", b"\xff\xfe"), "UTF-16LE text", sha(last)),
        ]
    )


def test_text_appended_in_another_encoding_is_still_found(
    tmp_path: Path, token: TokenFactory
) -> None:
    """A UTF-8 tool appending to a log PowerShell started: the decoded text is scanned, and the
    raw bytes as before, so the appended token is not lost to the decoding."""
    first, appended = token("ghp"), token("gho")
    data = b"\xff\xfe" + f"start {first}\r\n".encode("utf-16-le") + f"then {appended}\n".encode()
    (tmp_path / "mixed.log").write_bytes(data)
    got = {(row[0], row[4], row[5]) for row in places(scan_json(str(tmp_path)))}
    assert got == {("mixed.log", "UTF-16LE text", sha(first)), ("mixed.log", "", sha(appended))}


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01\0" + bytes(range(256)) * 8,  # an executable's header
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(4000),  # an image
        bytes(5000),  # all NUL
        b"".join(i.to_bytes(2, "little") for i in range(2000)),  # an array of 16-bit numbers
        b"SQLite format 3\0" + bytes(range(200)) * 20,
        b"a\0\0b\0c" * 100,  # no consistent pattern
    ],
    ids=["elf", "png", "zeros", "u16-array", "sqlite", "irregular"],
)
def test_binary_files_are_not_taken_for_utf16_text(data: bytes) -> None:
    assert transcode.sniff(data) is None


@pytest.mark.parametrize(
    "data",
    [b"plain ascii GH_TOKEN=x\n" * 10, "ünïcödé 中文 😀\n".encode() * 10, b"", b"\n"],
)
def test_utf8_and_ascii_are_left_alone(data: bytes) -> None:
    assert transcode.sniff(data) is None


def test_a_binary_file_keeps_its_raw_scan(tmp_path: Path, token: TokenFactory) -> None:
    t = token("ghp")
    data = b"\x7fELF\x02\x01\x01\0" + bytes(300) + f"T={t}".encode() + bytes(300)
    (tmp_path / "prog").write_bytes(data)
    assert places(scan_json(str(tmp_path))) == [("prog", 0, 0, data.index(t.encode()), "", sha(t))]


def test_a_utf16_credential_file_is_read_by_its_reader(tmp_path: Path, token: TokenFactory) -> None:
    """`Out-File .env` in Windows PowerShell: the dotenv reader reads the decoded text."""
    t = token("ghp")
    text = f"# from PowerShell\r\nGITHUB_TOKEN={t}\r\n"
    (tmp_path / ".env").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    report = scan_json(str(tmp_path))
    assert places(report) == [
        (".env", *where(text, t, "utf-16-le", b"\xff\xfe"), "UTF-16LE text", sha(t))
    ]
    assert {f["context"]["file_type"] for f in report["findings"] if f["token"]} == {"dotenv"}
    assert not any("cannot parse" in n for n in report["notices"])


def test_standard_input_in_utf16_is_decoded(token: TokenFactory) -> None:
    t = token("ghp")
    data = b"\xff\xfe" + f"line one\nGH_TOKEN={t}\n".encode("utf-16-le")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "patlint",
            "scan",
            "--offline",
            "--no-progress",
            "--format",
            "json",
            "-",
        ],
        input=data,
        capture_output=True,
        check=False,
        env={**os.environ},
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert places(report) == [("<stdin>", 2, 10, 2 + 2 * 18, "UTF-16LE text", sha(t))]


def test_a_utf16_blob_in_history_is_decoded(
    tmp_path: Path, token: TokenFactory, git_env: None
) -> None:
    t = token("ghp")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    text = f"first\r\nsecond GH_TOKEN={t}\r\n"
    (repo / "out.txt").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "add"], check=True)
    (repo / "out.txt").unlink()
    subprocess.run(["git", "-C", str(repo), "commit", "-qam", "rm"], check=True)
    report = scan_json("--history", str(repo))
    assert [(p[0], p[1], p[2], p[4]) for p in places(report)] == [
        ("out.txt", 2, 17, "UTF-16LE text")
    ]
