"""File and folder names as a source: a name is a place a token can be left in like any other.

The walk's shown paths (files, and the places it skipped) are joined into batches, so a tree
with no token-shaped name costs the engine one keyword pass per few thousand paths
(`patlint.engine.names`). Each token is a place of its own: the file (`file name`) or the
folder (`folder name`, the path up to and including it), not every file under a folder.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from patlint.model import Skip
from patlint.sources.tree import FileRef

BATCH = 4096  # paths per batch
FILE_TYPE = "path"


@dataclass(slots=True)
class NameBatch:
    """Shown paths joined by newlines, to search at once."""

    paths: list[bytes]
    blob: bytes
    _starts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, rels: Iterable[str]) -> NameBatch:
        """A batch of shown paths (undecodable bytes kept as they were)."""
        encoded = [r.encode("utf-8", "surrogateescape") for r in rels]
        return cls(encoded, b"\n".join(encoded))

    def index(self, offset: int) -> int:
        """The index of the path holding blob offset `offset`."""
        if not self._starts:
            at = 0
            for e in self.paths:
                self._starts.append(at)
                at += len(e) + 1
        return bisect.bisect_right(self._starts, offset) - 1

    def place(self, offset: int) -> tuple[str, str]:
        """The named place holding blob offset `offset`: (the path up to and including the
        name it is in, "file name" or "folder name")."""
        i = self.index(offset)
        path = self.paths[i]
        end = path.find(b"/", offset - self._starts[i])
        place = (path if end < 0 else path[:end]).decode("utf-8", "surrogateescape")
        return place, "file name" if end < 0 else "folder name"


def batched_names(
    items: Iterable[FileRef | Skip], on_batch: Callable[[NameBatch], None]
) -> Iterator[FileRef | Skip]:
    """Pass `items` through, handing their shown paths to `on_batch` in batches on the way
    (the rest at the end)."""
    pending: list[str] = []
    for item in items:
        pending.append(item.rel if isinstance(item, FileRef) else item.path)
        if len(pending) >= BATCH:
            on_batch(NameBatch.of(pending))
            pending = []
        yield item
    if pending:
        on_batch(NameBatch.of(pending))
