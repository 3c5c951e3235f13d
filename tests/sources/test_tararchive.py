"""Tar members read header by header (patlint/sources/tararchive.py): every format tarfile
writes, long names, and headers that lie about their size or ask for gigabytes."""

from __future__ import annotations

import tarfile
import time

from patlint.sources.archives import Limits
from tests.sources.test_archives import listing, make_tar


def test_tar_formats_as_tarfile_writes_them() -> None:
    long = "d/" * 80 + "deep.txt"  # longer than ustar's 100 + 155
    members = {"a.txt": b"one", long: b"two", "ünï/cödé.txt": b"three", "empty": b""}
    for fmt in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        if fmt == tarfile.USTAR_FORMAT:
            wanted = {k: v for k, v in members.items() if k != long}
        else:
            wanted = members
        found, skipped = listing(make_tar(wanted, fmt))
        assert found == {f"a!{k}": v for k, v in wanted.items()}, fmt
        assert skipped == []


def test_tar_prefix_field_names_a_path_over_100_bytes() -> None:
    name = "p" * 120 + "/file.txt"
    found, _ = listing(make_tar({name: b"x"}, tarfile.USTAR_FORMAT))
    assert found == {f"a!{name}": b"x"}


def test_a_tar_header_with_a_bad_checksum_or_size_stops_the_archive() -> None:
    tar = bytearray(make_tar({"one": b"1", "two": b"2"}, tarfile.USTAR_FORMAT))
    tar[1024 + 124 : 1024 + 136] = b"zzzzzzzzzzz\0"  # the second header's size
    found, skipped = listing(bytes(tar))
    assert found == {"a!one": b"1"}
    assert skipped == [("a", "archive-corrupt")]


def test_a_huge_pax_header_is_refused_not_read() -> None:
    """tarfile reads a pax header whole, whatever size it says: here it is bounded."""
    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = 10 << 30  # 10 GB of "header"
    block = header.tobuf(tarfile.GNU_FORMAT)
    started = time.perf_counter()
    found, skipped = listing(block + bytes(1024), Limits(header=1 << 20))
    assert (found, skipped) == ({}, [("a", "archive-corrupt")])
    assert time.perf_counter() - started < 1
