"""The on-disk cache of compiled Hyperscan databases: a hit gives the same answers, anything
corrupt, foreign or not this user's is ignored (and the database compiled instead)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

hyperscan = pytest.importorskip("hyperscan")

from patlint.detectors import hscache  # noqa: E402
from patlint.detectors.triggers import _Database  # noqa: E402

EXPRS = [b"ghp_", b"github_pat_", rb"[a-f0-9]{40}@github\.com"]
FLAGS = hyperscan.HS_FLAG_SINGLEMATCH
MODE = hyperscan.HS_MODE_BLOCK


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "patlint").glob("hs-*.db"))


def _hits(db: object, data: bytes) -> list[int]:
    found: list[int] = []
    db.scan(  # type: ignore[attr-defined]
        data,
        match_event_handler=lambda i, _s, _e, _f, _c: found.append(i),
        scratch=hyperscan.Scratch(db),
    )
    return found


def test_compiled_database_is_stored_private_and_loaded_back(tmp_path: Path) -> None:
    cache = Path(os.environ["XDG_CACHE_HOME"])
    _Database(hyperscan, EXPRS, flags=FLAGS)  # compiles and stores
    (entry,) = _entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600
    assert (cache / "patlint").stat().st_mode & 0o077 == 0
    loaded = hscache.load(hyperscan, MODE, EXPRS, FLAGS)
    assert loaded is not None
    sample = b"x ghp_ y " + b"a" * 40 + b"@github.com"
    assert sorted(_hits(loaded, sample)) == [0, 2]
    assert _hits(loaded, b"nothing here") == []


def test_other_expressions_or_flags_miss(tmp_path: Path) -> None:
    _Database(hyperscan, EXPRS, flags=FLAGS)
    assert hscache.load(hyperscan, MODE, EXPRS[:2], FLAGS) is None
    assert hscache.load(hyperscan, MODE, EXPRS, 0) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-7] + bytes(x ^ 0x5A for x in b[-7:]),  # Hyperscan's loader accepts it
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b"",  # empty
        lambda b: b.replace(b"patlint-hyperscan-db 1", b"patlint-hyperscan-db 9"),
    ],
)
def test_corrupt_entry_is_ignored_and_rewritten(tmp_path: Path, damage: object) -> None:
    cache = Path(os.environ["XDG_CACHE_HOME"])
    _Database(hyperscan, EXPRS, flags=FLAGS)
    (entry,) = _entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert hscache.load(hyperscan, MODE, EXPRS, FLAGS) is None
    db = _Database(hyperscan, EXPRS, flags=FLAGS)  # compiles again, same answers
    assert sorted(_hits(db.here()[0], b"ghp_ github_pat_")) == [0, 1]
    assert hscache.load(hyperscan, MODE, EXPRS, FLAGS) is not None  # written anew


def test_entry_of_other_expressions_renamed_in_is_refused(tmp_path: Path) -> None:
    """A valid database of other rules under this key's name: the key text inside differs."""
    cache = Path(os.environ["XDG_CACHE_HOME"])
    _Database(hyperscan, [b"zzzz"], flags=FLAGS)
    (other,) = _entries(cache)
    _Database(hyperscan, EXPRS, flags=FLAGS)
    mine = next(p for p in _entries(cache) if p != other)
    os.replace(other, mine)
    assert hscache.load(hyperscan, MODE, EXPRS, FLAGS) is None


def test_entry_writable_by_others_or_a_link_is_ignored(tmp_path: Path) -> None:
    cache = Path(os.environ["XDG_CACHE_HOME"])
    _Database(hyperscan, EXPRS, flags=FLAGS)
    (entry,) = _entries(cache)
    entry.chmod(0o622)
    assert hscache.load(hyperscan, MODE, EXPRS, FLAGS) is None
    entry.chmod(0o600)
    target = tmp_path / "elsewhere.db"
    os.replace(entry, target)
    entry.symlink_to(target)
    assert hscache.load(hyperscan, MODE, EXPRS, FLAGS) is None


def test_folder_writable_by_others_is_not_used(tmp_path: Path) -> None:
    cache = Path(os.environ["XDG_CACHE_HOME"])
    _Database(hyperscan, EXPRS, flags=FLAGS)
    (cache / "patlint").chmod(0o777)
    try:
        assert hscache.load(hyperscan, MODE, EXPRS, FLAGS) is None
    finally:
        (cache / "patlint").chmod(0o700)


def test_cache_keeps_a_bounded_number_of_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Path(os.environ["XDG_CACHE_HOME"])
    monkeypatch.setattr(hscache, "MAX_FILES", 3)
    for i in range(6):
        _Database(hyperscan, [b"kw%d" % i], flags=FLAGS)
    assert len(_entries(cache)) == 3


def test_unwritable_cache_still_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    db = _Database(hyperscan, EXPRS, flags=FLAGS)
    assert _hits(db.here()[0], b"ghp_") == [0]
