"""Scan an archive's members as files of their own (`sources/archives.py` opens them).

Each member is scanned like a file at the shown path `archive.zip!lib/app.jar!META-INF/x`:
text detectors (UTF-16/32 decoded), its structured reader when its name has one, and the
archive inside it opened in turn, to `Limits.depth`. Member names are places too: a token in
one is found like a token in a file name. What the readers say about an archived file's
configuration is dropped, as for a blob in history: only facts about a stored token stay.
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Sequence
from dataclasses import replace
from typing import BinaryIO

from patlint.detectors.pattern import Detector
from patlint.engine.filescan import FileResult, scan_stream, scan_structured
from patlint.model import Candidate, Context, Location, PlaceFinding, Secret, Skip
from patlint.sources import archives
from patlint.sources.archives import HEAD, Budget, Limits, Member, read_upto
from patlint.sources.readers import READER_MAX_BYTES
from patlint.sources.readers.registry import may_have_readers, readers_for
from patlint.sources.reading import Prefixed, Readable


def scan_archive(
    source: BinaryIO,
    kind: str,
    rel: str,
    detector: Detector,
    *,
    max_size: int,
    limits: Limits | None = None,
) -> FileResult:
    """Every member of the archive `source` (of `archives.kind_of` `kind`), shown under `rel`."""
    lim = replace(limits or Limits(), member_size=max_size)
    result = FileResult(scanned=True)
    _members(source, kind, rel, detector, Budget(lim, rel), result, 1)
    return result


def merged(raw: FileResult, inside: FileResult) -> FileResult:
    """The archive's raw scan (what ran before archives were opened) with its members' scan:
    a token a member holds is reported there, not also at a byte offset of the archive."""
    found = {c.secret.digest for c in inside.candidates}
    inside.candidates[:0] = [c for c in raw.candidates if c.secret.digest not in found]
    inside.bytes_read = raw.bytes_read
    inside.timeouts[:0] = raw.timeouts
    inside.partial[:0] = raw.partial
    inside.notices[:0] = raw.notices
    inside.skip = raw.skip
    return inside


def _members(
    source: Readable,
    kind: str,
    rel: str,
    detector: Detector,
    budget: Budget,
    result: FileResult,
    depth: int,
) -> None:
    names: list[str] = []
    for item in archives.members(source, kind, rel, budget):
        if isinstance(item, Skip):
            result.partial.append(item)
            continue
        names.append(item.rel[len(rel) + 1 :])
        _member(item, detector, budget, result, depth)
        if item.stream.stopped is not None:
            result.partial.append(item.stream.stopped)
    result.candidates += name_candidates(detector, rel, names)


def _member(
    member: Member, detector: Detector, budget: Budget, result: FileResult, depth: int
) -> None:
    stream, rel, lim = member.stream, member.rel, budget.limits
    head = read_upto(stream, HEAD)
    stream.unread(head)
    kind = archives.kind_of(head)
    if kind is not None and depth >= lim.depth:
        budget.bombs += 1  # (legitimate archives do not nest this deep)
        result.partial.append(
            Skip(rel, "archive-too-deep", f"more than {lim.depth} archives deep: scanned as bytes")
        )
    elif kind == "zip":  # opened in memory (zipfile seeks)
        data = read_upto(stream, lim.in_memory + 1)
        if len(data) <= lim.in_memory:
            inner = FileResult(scanned=True)
            _members(io.BytesIO(data), kind, rel, detector, budget, inner, depth + 1)
            _absorb(result, merged(_plain(data, rel, detector, lim.member_size), inner))
            return
        result.partial.append(
            Skip(rel, "archive-too-large", f"a zip inside an archive over {lim.in_memory} bytes")
        )
        stream.unread(data)
    elif kind is not None:  # tar, gzip, bzip2, xz: streamed
        _members(stream, kind, rel, detector, budget, result, depth + 1)
        return
    _absorb(result, _plain_stream(stream, rel, detector, lim.member_size))


def _plain(data: bytes, rel: str, detector: Detector, max_size: int) -> FileResult:
    return _plain_stream(io.BytesIO(data), rel, detector, max_size)


def _plain_stream(stream: Readable, rel: str, detector: Detector, max_size: int) -> FileResult:
    """A member that is no archive: scanned as a file of that name (its reader included)."""
    readers = readers_for(rel) if may_have_readers(rel) else []
    if readers:
        data = read_upto(stream, READER_MAX_BYTES + 1)
        if len(data) <= READER_MAX_BYTES:
            return scan_structured(data, rel, None, detector, readers, max_size=max_size)
        stream = Prefixed(data, stream)
    return scan_stream(stream, rel, detector, max_size=max_size, precheck=True)


def _absorb(into: FileResult, res: FileResult) -> None:
    into.candidates += res.candidates
    into.places += stored_token_places(res.places)
    into.notices += res.notices
    into.timeouts += res.timeouts
    if res.skip is not None:
        into.partial.append(res.skip)
    into.partial += res.partial


def stored_token_places(places: Sequence[PlaceFinding]) -> list[PlaceFinding]:
    """The readers' place findings that hold for an archived file: those about a token stored
    in it (as for a blob in history); an archived workflow's configuration runs nowhere and an
    archived file has no permissions anyone reads it by."""
    return [p for p in places if p.secret is not None]


def name_candidates(detector: Detector, rel: str, names: Sequence[str]) -> list[Candidate]:
    """Tokens in the members' names of the archive `rel`, once per named place: the member
    (`file name`) or the folder inside the archive up to the token (`folder name`)."""
    if not names:
        return []
    encoded = [n.encode("utf-8", "surrogateescape") for n in names]
    blob = b"\n".join(encoded)
    if not detector.may_hit(blob):
        return []
    starts: list[int] = []
    at = 0
    for e in encoded:
        starts.append(at)
        at += len(e) + 1
    seen: set[tuple[str, str]] = set()
    out: list[Candidate] = []
    for hit in detector.scan(blob):
        i = bisect.bisect_right(starts, hit.offset) - 1
        name = encoded[i]
        end = name.find(b"/", hit.offset - starts[i])
        place = rel + "!" + (name if end < 0 else name[:end]).decode("utf-8", "surrogateescape")
        secret = Secret(hit.token, hit.rule.token_kind)
        if (place, secret.digest) in seen:
            continue
        seen.add((place, secret.digest))
        out.append(
            Candidate(
                rule_id=hit.rule.id,
                secret=secret,
                location=Location(place, note="file name" if end < 0 else "folder name"),
                context=Context(file_type="path", encoding=hit.encoding),
                severity=hit.rule.severity,
                confidence=hit.rule.confidence,
                checksum_valid=hit.checksum_valid,
            )
        )
    return out
