"""Bounded reading of what the user names (config, rules, baselines, reports, token lists)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from patlint.errors import ConfigError
from patlint.inputs import read_file, read_stream, read_text


def test_a_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2049)
    with pytest.raises(ConfigError, match=r"--baseline big: 2049 bytes, larger than 2 KiB"):
        read_file(big, 2048, "--baseline big")
    assert read_file(big, 4096, "x") == b"x" * 2049


def test_a_stream_over_the_limit_stops_at_limit_plus_one() -> None:
    stream = io.BytesIO(b"y" * 10_000)
    with pytest.raises(ConfigError, match="larger than"):
        read_stream(stream, 100, "stdin")
    assert stream.tell() == 101  # read no further than needed to know


def test_directories_missing_files_and_bad_utf8_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        read_file(tmp_path, 10, "--file")
    with pytest.raises(ConfigError, match="cannot read it"):
        read_file(tmp_path / "nope", 10, "--file")
    bad = tmp_path / "bad"
    bad.write_bytes(b"ok\xff")
    with pytest.raises(ConfigError, match=r"not UTF-8 text .* at byte 2"):
        read_text(bad, 10, "--config bad")
