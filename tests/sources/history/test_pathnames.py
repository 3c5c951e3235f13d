"""History paths searched as names: batched, and each hit joined to the blob its path names."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from patlint.sources.history.attribution import _Hit
from patlint.sources.history.pathnames import PathNames
from patlint.sources.names import BATCH, NameBatch


class Scanner:
    """Finds a 'token' in every path holding `secret`; records the batches it was given."""

    def __init__(self) -> None:
        self.batches: list[list[bytes]] = []

    def names(self, batch: NameBatch) -> list[tuple[Any, int]]:
        self.batches.append(list(batch.paths))
        return [
            (SimpleNamespace(location=SimpleNamespace(path=p.decode())), i)
            for i, p in enumerate(batch.paths)
            if b"secret" in p
        ]


def test_a_scanner_without_names_adds_nothing() -> None:
    names = PathNames(object())
    names.add("secret.txt", "a" * 40)
    hits: dict[str, _Hit] = {}
    assert names.into(hits) == {}


def test_hits_join_their_blob_and_batches_stay_bounded() -> None:
    scanner = Scanner()
    names = PathNames(scanner)
    for i in range(BATCH + 3):
        names.add(f"dir/f{i}.txt", f"{i:040x}")
    names.add("dir/secret-old.txt", "b" * 40)  # a blob with hits of its own
    names.add("dir/secret-new.txt", "c" * 40)  # a blob with none
    assert [len(b) for b in scanner.batches] == [BATCH]  # flushed once full, the rest waits
    own = SimpleNamespace(location=SimpleNamespace(path="dir/secret-old.txt"))
    hits: dict[str, Any] = {"b" * 40: _Hit("dir/secret-old.txt", [own], [])}
    out = names.into(hits)
    assert [len(b) for b in scanner.batches] == [BATCH, 5]
    assert [c.location.path for c in out["b" * 40].candidates] == [
        "dir/secret-old.txt",
        "dir/secret-old.txt",
    ]
    assert out["c" * 40].path == "dir/secret-new.txt"
    assert [c.location.path for c in out["c" * 40].candidates] == ["dir/secret-new.txt"]
    assert names.into({}) == {}  # what was joined is not joined again
