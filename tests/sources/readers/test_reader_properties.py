"""Every registered structured reader survives hostile bytes; the file scan finds tokens across chunks.

Readers are taken from `patlint.sources.readers.registry.READERS`, so a newly registered reader is
covered (or this test fails until it gets a sample path below).
"""

from __future__ import annotations

import io
import os
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine import filescan
from patlint.engine.ruleset import build_ruleset
from patlint.sources.readers import FileReader, Reading, registry
from patlint.sources.readers.registry import READERS
from patlint.tokengen import make_token

DETECTOR = Detector(build_ruleset(Config()).detectors)
SAMPLE_PATHS = [
    ".docker/config.json",
    ".git-credentials",
    ".git/config",
    ".config/gh/hosts.yml",
    ".netrc",
    ".npmrc",
    ".m2/settings.xml",
    "NuGet.Config",
    "gradle.properties",
    ".env",
    ".bash_history",
    "analysis.ipynb",
    ".github/workflows/ci.yml",
]
STAT = os.stat(__file__)


def _path_for(reader: FileReader) -> str:
    found = [p for p in SAMPLE_PATHS if reader in registry.readers_for(p)]
    assert found, f"reader {reader.name!r} matches none of SAMPLE_PATHS: add one"
    return found[0]


READER_PATHS = [pytest.param(r, _path_for(r), id=r.name) for r in READERS]

# Bytes that mean something to one of the formats, mixed with anything at all.
_SYNTAX = [
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b":",
    b",",
    b"\n",
    b"  ",
    b"- ",
    b"&a ",
    b"*a",
    b"<<: ",
    b"<a>",
    b"</a>",
    b"<!--",
    b"=",
    b"[section]",
    b"machine ",
    b"password ",
    b"//registry/:_authToken=",
    b"auths",
    b"auth",
    b"cells",
    b"jobs:",
    b"run: ",
    b"${{ secrets.X }}",
    b"\\",
    b"\x00",
    b"\xff\xfe",
    b"\r",
    b"#",
    b"%",
    b"ghp_",
]
HOSTILE = st.lists(st.one_of(st.sampled_from(_SYNTAX), st.binary(max_size=12)), max_size=80).map(
    b"".join
)


def _read(reader: FileReader, data: bytes, rel: str) -> filescan.FileResult:
    """The reader's view of `data` joined with the file's own hits, as a scan does."""
    start = time.monotonic()
    reading = reader.read(data, rel, STAT)
    assert time.monotonic() - start < 5.0  # the reader's own bound (the scan reads it again)
    assert isinstance(reading, Reading)
    for v in reading.values:  # what a reader points at is in the file
        assert v.start is None or 0 <= v.start <= len(data)
    out = filescan.scan_structured(data, rel, STAT, DETECTOR, [reader], max_size=1 << 30)
    for c in out.candidates:  # what a scan reports points into the file
        assert c.location.path == rel
        assert c.location.offset is None or 0 <= c.location.offset <= len(data)
    return out


@pytest.mark.parametrize(("reader", "rel"), READER_PATHS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=HOSTILE)
def test_reader_survives_arbitrary_bytes(reader: FileReader, rel: str, data: bytes) -> None:
    _read(reader, data, rel)


def _alias_bomb() -> bytes:
    lines = [b'a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(9):
        prev, cur = chr(97 + i).encode(), chr(98 + i).encode()
        lines.append(cur + b": &" + cur + b" [" + b",".join([b"*" + prev] * 9) + b"]")
    return b"\n".join(lines) + b"\n"


HOSTILE_FILES = {
    "deep-json-array": b"[" * 100_000 + b"]" * 100_000,
    "deep-json-object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "deep-yaml-flow": b"a: " + b"[" * 100_000,
    "deep-xml": b"<a>" * 100_000 + b"</a>" * 100_000,
    "alias-bomb": _alias_bomb(),
}
# What a reader that parses the format says about each (readers that read lines, or that found
# the input to be another format, say nothing: they still must not crash).
EXPECTED_NOTICE = {
    ("docker-config", "deep-json-array"): "not valid JSON (nested too deeply)",
    ("docker-config", "deep-json-object"): "not valid JSON (nested too deeply)",
    ("notebook", "deep-json-array"): "not valid JSON (RecursionError)",
    ("notebook", "deep-json-object"): "not valid JSON (RecursionError)",
    ("gh-hosts", "deep-json-array"): "larger than the parse limit",  # 200 KB: past 64 KiB
    ("gh-hosts", "deep-yaml-flow"): "larger than the parse limit",  # 200 KB: past 64 KiB
    ("gh-hosts", "alias-bomb"): "too many YAML aliases",
    (
        "ci-yaml",
        "deep-json-array",
    ): "cannot parse CI file: nests (or seems to nest) deeper than 100 levels",
    (
        "ci-yaml",
        "deep-json-object",
    ): "cannot parse CI file: nests (or seems to nest) deeper than 100 levels",
    ("ci-yaml", "deep-yaml-flow"): "cannot parse CI file: nesting deeper than 100 levels",
    ("ci-yaml", "alias-bomb"): "aliases expand to more than 1,000,000 nodes (an alias bomb?)",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
@pytest.mark.parametrize(("reader", "rel"), READER_PATHS)
def test_reader_refuses_bombs_and_deep_nesting(reader: FileReader, rel: str, name: str) -> None:
    out = _read(reader, HOSTILE_FILES[name], rel)
    said = [*out.notices, *(p.message for p in out.places)]
    expected = EXPECTED_NOTICE.get((reader.name, name))
    if expected is not None:
        assert any(expected in s for s in said), said
    assert out.candidates == []


# --- the file-level scan across chunk boundaries -------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.binary(max_size=3000).map(lambda b: b.replace(b"\0", b"")),
    after=st.binary(max_size=600),
    kind=st.sampled_from(["ghp", "gho", "ghu", "ghs", "ghr"]),
    seed=st.integers(),
)
def test_scan_stream_finds_a_token_at_its_offset_across_chunks(
    before: bytes, after: bytes, kind: str, seed: int
) -> None:
    token = make_token(kind, random.Random(seed))
    data = before + token.encode() + after
    saved = filescan.CHUNK, filescan.OVERLAP
    filescan.CHUNK, filescan.OVERLAP = 256, 128  # many chunk boundaries in a small input
    try:
        result = filescan.scan_stream(io.BytesIO(data), "f.bin", DETECTOR, max_size=1 << 20)
    finally:
        filescan.CHUNK, filescan.OVERLAP = saved
    got = [
        (c.location.offset, c.location.line)
        for c in result.candidates
        if c.secret.reveal() == token and c.location.note == ""
    ]
    binary = b"\0" in data[:256]  # sniffed in the first chunk: binary files get offsets only
    line = None if binary else before.count(b"\n") + 1
    assert (len(before), line) in got
    assert result.scanned and result.bytes_read == len(data)
