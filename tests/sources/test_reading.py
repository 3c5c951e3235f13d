"""Reading a scanned tree's files: never through a final symlink, never blocking on a FIFO,
whole reads, and line/column positions (characters, BOM not counted)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from patlint.model import Skip
from patlint.sources.reading import Lines, Prefixed, looks_binary, open_regular, read_chunk


def test_a_final_symlink_and_a_fifo_are_refused_without_blocking(tmp_path: Path) -> None:
    secret = tmp_path / "outside"
    secret.write_text("x")
    (tmp_path / "link").symlink_to(secret)
    os.mkfifo(tmp_path / "fifo")  # no writer: a blocking open would hang the scan
    link = open_regular(str(tmp_path / "link"))
    fifo = open_regular(str(tmp_path / "fifo"))
    assert isinstance(link, Skip) and link.reason == "symlink"
    assert isinstance(fifo, Skip) and fifo.reason == "not-a-regular-file"
    missing = open_regular(str(tmp_path / "gone"))
    assert isinstance(missing, Skip) and missing.reason == "missing"
    opened = open_regular(str(secret))
    assert not isinstance(opened, Skip)
    os.close(opened[0])


class _Drip(io.RawIOBase):
    """A stream that gives one byte a read (a pipe, an archive member)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, n: int = -1, /) -> bytes:
        out, self.data = self.data[:1], self.data[1:]
        return out


@given(head=st.binary(max_size=20), rest=st.binary(max_size=40), n=st.integers(0, 80))
def test_chunks_are_whole_and_a_prefix_is_read_first(head: bytes, rest: bytes, n: int) -> None:
    assert read_chunk(_Drip(head + rest), n) == (head + rest)[:n]
    stream = Prefixed(head, _Drip(rest))
    assert read_chunk(stream, n) + read_chunk(stream, 1000) == head + rest


def test_positions_count_characters_and_skip_the_bom() -> None:
    buf = "\ufeffé=1\nab€=2\n".encode()
    lines = Lines(buf, 0, 0, 0)
    assert lines.at(buf.index(b"=1")) == (1, 2)  # BOM not a column, é one column
    assert lines.at(buf.index(b"=2")) == (2, 4)
    assert lines.at(buf.index(b"=1")) == (1, 2)  # going back works too


def test_binary_is_a_nul_in_the_sniffed_head() -> None:
    assert looks_binary(b"ab\0c") and not looks_binary(b"a" * 9000 + b"\0")
