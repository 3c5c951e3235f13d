"""Tokens in file and folder names: a name is a place a token can be left in like any other.

The walk's shown paths (files, and the places it skipped) are joined and scanned in batches, so
a tree with no token-shaped name costs one keyword pass per few thousand paths. Each token is
reported once per named place: at the file (`file name`) or at the folder (`folder name`, the
path up to and including it), not once for every file under a folder.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from patlint.detectors.pattern import Detector
from patlint.model import Candidate, Context, Location, Secret, Skip
from patlint.sources.tree import FileRef

BATCH = 4096  # paths per scan
FILE_TYPE = "path"


class NameScan:
    """Scans the names of everything a walk yields; `candidates` holds what it found."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self.candidates: list[Candidate] = []
        self._pending: list[str] = []
        self._keys: list[str] = []  # with `feed`: what each pending path belongs to
        self.keyed: list[tuple[Candidate, str]] = []  # with `feed`: each candidate's key
        self._seen: set[tuple[str, str]] = set()  # (named place, token digest)

    def feed(self, rel: str, key: str) -> None:
        """Scan `rel` as a name (in a batch); its candidates go to `keyed` with `key` (the
        history scan: the blob the path names). Call `flush` at the end."""
        self._pending.append(rel)
        self._keys.append(key)
        if len(self._pending) >= BATCH:
            self._scan()

    def flush(self) -> None:
        """Scan what `feed` still holds."""
        self._scan()

    def wrap(self, items: Iterable[FileRef | Skip]) -> Iterator[FileRef | Skip]:
        """Pass `items` through, scanning their shown paths on the way (the rest at the end)."""
        for item in items:
            self._pending.append(item.rel if isinstance(item, FileRef) else item.path)
            if len(self._pending) >= BATCH:
                self._scan()
            yield item
        self._scan()

    def _scan(self) -> None:
        rels, self._pending = self._pending, []
        keys, self._keys = self._keys, []
        if not rels:
            return
        encoded = [r.encode("utf-8", "surrogateescape") for r in rels]
        blob = b"\n".join(encoded)
        if not self.detector.may_hit(blob):
            return
        starts = []
        at = 0
        for e in encoded:
            starts.append(at)
            at += len(e) + 1
        for hit in self.detector.scan(blob):
            i = bisect.bisect_right(starts, hit.offset) - 1
            path = encoded[i]
            end = path.find(b"/", hit.offset - starts[i])
            place = (path if end < 0 else path[:end]).decode("utf-8", "surrogateescape")
            secret = Secret(hit.token, hit.rule.token_kind)
            if (place, secret.digest) in self._seen:
                continue
            self._seen.add((place, secret.digest))
            candidate = Candidate(
                rule_id=hit.rule.id,
                secret=secret,
                location=Location(place, note="file name" if end < 0 else "folder name"),
                context=Context(file_type=FILE_TYPE, encoding=hit.encoding),
                severity=hit.rule.severity,
                confidence=hit.rule.confidence,
                checksum_valid=hit.checksum_valid,
            )
            if keys:
                self.keyed.append((candidate, keys[i]))
            else:
                self.candidates.append(candidate)
