"""Search the names of everything a walk yields (`patlint.sources.names`) for tokens."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from patlint.detectors.pattern import Detector
from patlint.model import Candidate, Context, Location, Secret, Skip
from patlint.sources.names import FILE_TYPE, NameBatch, batched_names
from patlint.sources.tree import FileRef


class NameScan:
    """Searches the names of everything a walk yields; `candidates` holds what it found."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self.candidates: list[Candidate] = []
        self._seen: set[tuple[str, str]] = set()  # (named place, token digest)

    def wrap(self, items: Iterable[FileRef | Skip]) -> Iterator[FileRef | Skip]:
        """Pass `items` through, searching their shown paths on the way."""
        return batched_names(items, self._scan)

    def _scan(self, batch: NameBatch) -> None:
        self.candidates += [c for c, _ in self.search(batch)]

    def scan_names(self, shown: list[str]) -> None:
        """Search these shown paths (what `wrap` does for each batch of BATCH of them, for a
        caller that walks itself: the tree scan's feeding loop)."""
        if shown:
            self._scan(NameBatch.of(shown))

    def scan_link_targets(self, skipped: Iterable[Skip]) -> None:
        """Search the targets of the links a walk passed over (`LinkSkip`): each is placed at
        the link, noted "link target"."""
        from patlint.sources.tree import LinkSkip

        for s in skipped:
            if type(s) is not LinkSkip or not s.target:
                continue
            data = s.target.encode("utf-8", "surrogateescape")
            if not self.detector.may_hit(data):
                continue
            for hit in self.detector.scan(data):
                secret = Secret(hit.token, hit.rule.token_kind)
                if (s.path, secret.digest) in self._seen:
                    continue
                self._seen.add((s.path, secret.digest))
                self.candidates.append(
                    Candidate(
                        rule_id=hit.rule.id,
                        secret=secret,
                        location=Location(s.path, note="link target"),
                        context=Context(file_type=FILE_TYPE, encoding=hit.encoding),
                        severity=hit.rule.severity,
                        confidence=hit.rule.confidence,
                        checksum_valid=hit.checksum_valid,
                    )
                )

    def search(self, batch: NameBatch) -> list[tuple[Candidate, int]]:
        """The tokens in `batch` not found at their place before, each with the index of the
        path it is in (the history scan places it at that path's blob)."""
        if not self.detector.may_hit(batch.blob):
            return []
        out: list[tuple[Candidate, int]] = []
        for hit in self.detector.scan(batch.blob):
            place, note = batch.place(hit.offset)
            secret = Secret(hit.token, hit.rule.token_kind)
            if (place, secret.digest) in self._seen:
                continue
            self._seen.add((place, secret.digest))
            candidate = Candidate(
                rule_id=hit.rule.id,
                secret=secret,
                location=Location(place, note=note),
                context=Context(file_type=FILE_TYPE, encoding=hit.encoding),
                severity=hit.rule.severity,
                confidence=hit.rule.confidence,
                checksum_valid=hit.checksum_valid,
            )
            out.append((candidate, batch.index(hit.offset)))
        return out
