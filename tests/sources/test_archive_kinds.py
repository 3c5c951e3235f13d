"""An archive's kind from its first bytes, apart from the module that opens archives."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile

from patlint.sources import archive_kinds, archives
from patlint.sources.archive_kinds import HEAD, kind_of, may_be_archive


def _tar_head(*, break_checksum: bool = False) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(tarfile.TarInfo("a.txt"), io.BytesIO(b""))
    head = bytearray(buf.getvalue()[:HEAD])
    if break_checksum:
        head[0] ^= 0x01  # the name changes, the stored checksum does not
    return bytes(head)


def test_each_kind_by_its_first_bytes() -> None:
    assert kind_of(b"PK\x03\x04" + b"\0" * 40) == "zip"
    assert kind_of(b"\x1f\x8b\x08\0") == "gzip"
    assert kind_of(b"BZh91AY&SY" + b"\0" * 8) == "bzip2"
    assert kind_of(b"BZh9 not bzip2") is None
    assert kind_of(b"\xfd7zXZ\x00\0\0") == "xz"
    assert kind_of(_tar_head()) == "tar"
    assert kind_of(b"print('hello')\n") is None


def test_a_tar_header_with_a_wrong_checksum_is_no_tar() -> None:
    head = _tar_head(break_checksum=True)
    assert may_be_archive(head)  # the cheap test says maybe; the checksum says no
    assert kind_of(head) is None


def test_the_archives_module_still_names_them() -> None:
    for name in ("HEAD", "MAGICS", "TAR_MAGIC_AT", "kind_of", "may_be_archive", "tar_number"):
        assert getattr(archives, name) is getattr(archive_kinds, name)


def test_scanning_files_does_not_import_the_archive_reader() -> None:
    code = "import sys, patlint.engine.filescan; print('patlint.sources.archives' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
