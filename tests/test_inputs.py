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


def test_a_fifo_whose_writer_comes_late_is_read_whole(tmp_path: Path) -> None:
    """A report given as a FIFO (`<(…)`, a pipe from another job) was read as empty when its
    writer had not opened it yet: O_NONBLOCK opens a FIFO at once and reads end-of-file."""
    import os
    import threading
    import time

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)

    def late_writer() -> None:
        time.sleep(0.5)
        with open(fifo, "wb") as f:
            f.write(b'{"late": true}\n')

    writer = threading.Thread(target=late_writer, daemon=True)
    writer.start()
    try:
        assert read_text(fifo, 1 << 20, "report") == '{"late": true}\n'
    finally:
        release = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a writer still waiting opens
        writer.join(10)
        os.close(release)


def test_a_fifo_nobody_writes_to_is_a_clear_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    import patlint.inputs

    monkeypatch.setattr(patlint.inputs, "FIFO_WAIT", 0.3)
    fifo = tmp_path / ".patlint.yaml"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(ConfigError, match=r"nothing wrote to within 0\.3 s"):
        read_text(fifo, 1 << 20, "config")
    assert time.monotonic() - start < 5
