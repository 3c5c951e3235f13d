"""Opening archives member by member, in memory, against hostile input: real zipfile, tarfile,
gzip, bz2 and lzma archives made here, and crafted ones where the library would not make them."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile
import time
import zipfile
import zlib

import pytest

from patlint.model import Skip
from patlint.sources import archives
from patlint.sources.archives import Budget, Limits, Member, kind_of, read_upto


def listing(
    data: bytes, limits: Limits | None = None, rel: str = "a"
) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
    """{member: content} and [(skipped place, reason)] of an archive given as bytes."""
    kind = kind_of(data[: archives.HEAD])
    assert kind is not None
    found: dict[str, bytes] = {}
    skipped: list[tuple[str, str]] = []
    budget = Budget(limits or Limits(), rel)
    for item in archives.members(io.BytesIO(data), kind, rel, budget):
        if isinstance(item, Skip):
            skipped.append((item.path, item.reason))
            continue
        assert isinstance(item, Member)
        found[item.rel] = read_upto(item.stream, 1 << 30)
        if item.stream.stopped is not None:
            skipped.append((item.stream.stopped.path, item.stream.stopped.reason))
    return found, skipped


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def make_tar(members: dict[str, bytes], fmt: int = tarfile.PAX_FORMAT, mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=fmt) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_each_kind_is_known_by_its_first_bytes_never_its_name() -> None:
    tar = make_tar({"x": b"y"})
    assert kind_of(make_zip({"x": b"y"})) == "zip"
    assert kind_of(tar) == "tar"
    assert kind_of(gzip.compress(b"x")) == "gzip"
    assert kind_of(bz2.compress(b"x")) == "bzip2"
    assert kind_of(lzma.compress(b"x")) == "xz"
    assert kind_of(b"PK\x05\x06" + bytes(18)) is None  # an empty zip has no member to read
    assert kind_of(b"BZh is how this text starts") is None
    assert kind_of(tar[:148] + b"9999999\0" + tar[156:512]) is None  # a tar header that lies
    assert kind_of(b"plain text " * 100) is None
    for data in (make_zip({"x": b"y"}), tar, gzip.compress(b"x")):
        assert archives.may_be_archive(data)
    assert not archives.may_be_archive(b"plain text " * 100)


def test_compressed_tars_are_one_archive_and_single_files_one_member() -> None:
    tar = make_tar({"dir/x.env": b"content"})
    for compress in (gzip.compress, bz2.compress, lzma.compress):
        found, skipped = listing(compress(tar), rel="pkg.tgz")
        assert found == {"pkg.tgz!dir/x.env": b"content"}
        assert skipped == []
    found, _ = listing(gzip.compress(b"log line\n"), rel="logs/build.log.gz")
    assert found == {"logs/build.log.gz!build.log": b"log line\n"}
    found, _ = listing(bz2.compress(b"x"), rel="no-suffix")
    assert found == {"no-suffix!no-suffix": b"x"}


def test_concatenated_gzip_members_are_one_stream_and_trailing_bytes_end_it() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second") + bytes(100)
    found, skipped = listing(data, rel="x.gz")
    assert found == {"x.gz!x": b"first second"}
    assert skipped == []
    xz = lzma.compress(b"a") + bytes(8) + lzma.compress(b"b")  # with stream padding
    assert listing(xz, rel="y.xz")[0] == {"y.xz!y": b"ab"}


def test_corrupt_streams_end_with_a_reason_and_keep_what_came_before() -> None:
    text = b"".join(b"line %d of the log\n" % i for i in range(20_000))
    good = gzip.compress(text)
    half = len(good) // 2
    found, skipped = listing(good[:half] + b"\xff" * 64 + good[half + 64 :], rel="x.gz")
    assert found["x.gz!x"][:100_000] == text[:100_000]  # (then garbage, then a bad CRC)
    assert skipped == [("x.gz", "archive-corrupt")]
    found, skipped = listing(good[:half], rel="x.gz")  # cut short
    assert text.startswith(found["x.gz!x"]) and skipped == [("x.gz", "archive-corrupt")]
    zipped = make_zip({"a.txt": text, "b.txt": b"B"})
    assert listing(zipped[:50])[1] == [("a", "archive-corrupt")]  # no central directory
    cut = make_tar({"m": b"x" * 1000}, tarfile.USTAR_FORMAT)[:1012]
    assert listing(cut) == ({"a!m": b"x" * 500}, [("a!m", "archive-corrupt")])
    damaged = bytearray(zipped)
    damaged[200:264] = b"\xff" * 64  # inside a.txt's deflated data
    found, skipped = listing(bytes(damaged))
    assert found["a!b.txt"] == b"B"
    assert ("a!a.txt", "archive-corrupt") in skipped


def test_a_zip_central_directory_too_large_to_parse_is_refused_first() -> None:
    """zipfile builds one object per entry of the directory the end record points at."""
    data = make_zip({"a.txt": b"x"})
    end = data.rfind(b"PK\x05\x06")
    lying = data[: end + 12] + struct.pack("<I", 100 << 20) + data[end + 16 :]
    assert listing(lying)[1] == [("a", "archive-too-large")]
    many = data[: end + 8] + struct.pack("<HH", 60_000, 60_000) + data[end + 12 :]
    assert listing(many, Limits(members=1000))[1] == [("a", "archive-too-large")]


def test_a_zip_member_is_judged_by_its_declared_sizes_before_inflating() -> None:
    bomb = make_zip({"zeros.bin": bytes(32 << 20), "ok.txt": b"fine"})
    started = time.perf_counter()
    found, skipped = listing(bomb)
    assert time.perf_counter() - started < 1
    assert found == {"a!ok.txt": b"fine"}
    assert skipped == [("a!zeros.bin", "archive-bomb")]
    # Over the member size limit, whatever the ratio.
    found, skipped = listing(make_zip({"big": b"x" * 5000, "ok": b"y"}), Limits(member_size=4096))
    assert (found, skipped) == ({"a!ok": b"y"}, [("a!big", "too-large")])


def test_a_zip_member_never_gives_more_than_its_declared_size() -> None:
    """A member whose header understates its size is cut at the declared size (zipfile)."""
    data = bytearray(make_zip({"m": b"A" * 100_000}))
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 10)  # uncompressed size: 10
    found, skipped = listing(bytes(data))
    assert len(found["a!m"]) <= 10
    assert skipped == [("a!m", "archive-corrupt")]  # and its CRC then fails


def test_a_bzip2_zip_member_inflates_in_bounded_steps() -> None:
    """zipfile would inflate a whole read of bzip2 at once: a few KB can hold gigabytes."""
    data = make_zip({"z.bin": bytes(64 << 20), "t.txt": b"text"}, zipfile.ZIP_BZIP2)
    found, skipped = listing(data)
    assert found == {"a!t.txt": b"text"}
    assert skipped == [("a!z.bin", "archive-bomb")]
    small = make_zip({"t.txt": b"text " * 10}, zipfile.ZIP_BZIP2)
    assert listing(small)[0] == {"a!t.txt": b"text " * 10}


def test_lzma_zip_members_and_encrypted_ones_are_named_not_read() -> None:
    found, skipped = listing(make_zip({"l.txt": b"x"}, zipfile.ZIP_LZMA))
    assert (found, skipped) == ({}, [("a!l.txt", "archive-unsupported")])
    data = bytearray(make_zip({"secret.txt": b"x"}))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(sig)
        data[at + flag_at] |= 0x1  # the "encrypted" bit, in the local and central header
    assert listing(bytes(data)) == ({}, [("a!secret.txt", "archive-encrypted")])


def zeros_stream(kind: str, size: int) -> bytes:
    """`size` NUL bytes compressed, made in steps (never the whole input in memory)."""
    comp: zlib._Compress | bz2.BZ2Compressor | lzma.LZMACompressor
    if kind == "gzip":
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    elif kind == "bzip2":
        comp = bz2.BZ2Compressor(9)
    else:
        comp = lzma.LZMACompressor()
    block = bytes(1 << 20)
    out = [comp.compress(block) for _ in range(size >> 20)]
    return b"".join(out) + comp.flush()


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz"])
def test_a_stream_inflating_past_the_ratio_is_cut_as_a_bomb(kind: str) -> None:
    data = zeros_stream(kind, 64 << 20)
    assert len(data) < 128 << 10
    started = time.perf_counter()
    found, skipped = listing(data, rel="z")
    assert time.perf_counter() - started < 2
    assert len(found["z!z"]) <= 2 << 20  # cut a little after the 1 MiB floor
    assert skipped == [("z!z", "archive-bomb")]


def test_an_xz_stream_asking_for_too_much_memory_is_refused() -> None:
    data = lzma.compress(b"x" * 100, preset=9)  # a 64 MiB dictionary
    found, skipped = listing(data, Limits(xz_memory=1 << 20), rel="m.xz")
    assert found == {"m.xz!m": b""}
    assert skipped == [("m.xz", "archive-corrupt")]


def test_the_total_and_member_count_bound_the_whole_archive() -> None:
    many = make_tar({f"f{i}": b"x" for i in range(50)})
    found, skipped = listing(many, Limits(members=10))
    assert len(found) == 10 and skipped == [("a", "archive-too-large")]
    # A zip says how many members it has: refused before a member is read.
    assert listing(make_zip({f"f{i}": b"x" for i in range(50)}), Limits(members=10)) == (
        {},
        [("a", "archive-too-large")],
    )
    big = make_tar({f"f{i}": bytes(1000) for i in range(10)})
    found, skipped = listing(big, Limits(total=3500))
    assert sum(map(len, found.values())) == 3500
    assert ("a", "archive-too-large") in skipped


def test_hostile_member_names_are_shown_never_used_as_paths(tmp_path: object) -> None:
    names = {
        "../../../../tmp/evil.txt": b"1",
        "/etc/passwd": b"2",
        "a\x1b[2J\nb.txt": b"3",
        "C:\\Windows\\x.txt": b"4",
    }
    for data in (make_tar(names), make_zip(names)):
        found, _ = listing(data)
        shown = {k[2:] for k in found}
        # zipfile turns "\\" into "/" and drops a leading "/" and ".." from what it calls a
        # name only when extracting: the names are shown as the archive holds them.
        assert shown >= {"a\x1b[2J\nb.txt"}
        assert len(shown) == 4
