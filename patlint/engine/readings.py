"""Join what a structured reader learned about a file with the detector: each value searched
once (or not at all when the file's own hits already cover it), its tokens reported with the
reader's context, and the place findings those tokens make.

The file itself was searched once (`filescan.scan_structured`). A value written as is in the
file takes the hits that lie in its bytes; only a value the reader decoded (base64, percent,
escapes), a decoded key or name (`Decoded`), or a value with no file around it (`Value.path`:
an environment variable, a credential helper's answer) is searched on its own.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from patlint.detectors.pattern import Detector, Hit
from patlint.model import Candidate, Context, Location, PlaceFinding, Secret, Skip
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import (
    DECODED_NOTE,
    Locator,
    finish,
    line_col,
    token_places,
)
from patlint.sources.values import Decoded, Value, encode


@dataclass(slots=True)
class Joined:
    """The tokens and place findings one reader's view of a file gives."""

    candidates: list[Candidate] = field(default_factory=list)
    places: list[PlaceFinding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # tokens only a place finding reports (`TokenPlace.absorbs`): the file's own hits of them
    # are dropped too
    absorbed: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class FileHits:
    """The file's own hits: its candidates, and the bytes each was read from (`Hit.end`)."""

    data: bytes
    rel: str
    candidates: Sequence[Candidate]
    spans: Sequence[tuple[int, int]]  # [offset, end) of each candidate, in order


def join(
    reading: Reading,
    hits: FileHits,
    text: Sequence[Candidate],
    st: os.stat_result | None,
    detector: Detector,
) -> Joined:
    """A reader's tokens and findings for one file.

    `hits` are the file's own hits (what literal values join with); `text` the candidates the
    file has so far (another reader may have re-labelled some): a relabelling reader gets
    them, and a token's inline suppression is looked up among them.
    """
    out = Joined(notices=list(reading.notices))
    rel, data = hits.rel, hits.data
    per_value = values_candidates(
        reading.values, detector, data=data, rel=rel, hits=hits, text=text
    )
    places = token_places(reading.values, per_value)
    out.absorbed = _absorbed(reading.values, per_value)
    for cands in per_value:
        out.candidates += [c for c in cands if c.secret.digest not in out.absorbed]
    if reading.relabel is not None:
        labelled, made = reading.relabel(text)
        out.candidates += labelled
        places += made
    places += reading.places
    if reading.ci is not None:  # a CI file: its rules, over the reader's model
        from patlint.policy.ci import places as ci_places

        places += ci_places(reading.ci, text)
    if reading.credential_file:
        out.candidates, places = finish(out.candidates, places, rel, st)
    out.places = places
    if reading.decoded:  # keys and values the reader unescaped: tokens the text could hide
        seen = {c.secret.digest for c in text} | {c.secret.digest for c in out.candidates}
        seen |= out.absorbed
        out.candidates += decoded_candidates(
            reading.decoded, rel=rel, data=data, detector=detector, seen=seen
        )
    return out


def _absorbed(values: Sequence[Value], found: Sequence[Sequence[Candidate]]) -> set[str]:
    """Digests of the tokens that a value's place finding reports instead of a detection
    finding (`TokenPlace.absorbs`), unless another value of the file holds them as well."""
    absorbed: set[str] = set()
    kept: set[str] = set()
    for value, cands in zip(values, found, strict=True):
        kinds = value.place.absorbs if value.place is not None else frozenset()
        for c in cands:
            (absorbed if c.secret.kind in kinds else kept).add(c.secret.digest)
    return absorbed - kept


def values_candidates(
    values: Sequence[Value],
    detector: Detector,
    *,
    data: bytes = b"",
    rel: str = "",
    hits: FileHits | None = None,
    text: Sequence[Candidate] = (),
    notices: list[str] | None = None,
    skipped: list[Skip] | None = None,
) -> list[list[Candidate]]:
    """The candidates of each value (the tokens in it, at its place, with its context).

    A value written as is in the file takes the file's own `hits` in its bytes; any other is
    searched, unless one keyword pass (`Detector.may_hit`) says it holds no token.

    A value that is a place of its own (`Value.path`: an environment variable, a helper's
    answer) is a file of its own for the custom rules' time budget: one slow value does not
    use up the budget of the ones after it. What a rule could not finish in it goes to
    `notices` and `skipped` (the scan is then incomplete).
    """
    locator = Locator(data)
    out: list[list[Candidate]] = []
    for value in values:
        if hits is not None and _written_as_is(value, data):
            out.append(_joined(value, hits, text))
            continue
        if value.path is not None:
            detector.begin_file()
        search = detector.may_hit(encode(value.text))
        if value.pinpoint:
            out.append(_pinpointed(value, data, rel, detector, text, locator) if search else [])
        else:
            out.append(_searched(value, data, rel, detector, text, search=search))
        if value.path is not None:
            said, cut = detector.budget_report(value.path)
            if notices is not None:
                notices.extend(said)
            if skipped is not None:
                skipped.extend(cut)
    return out


def _written_as_is(value: Value, data: bytes) -> bool:
    start = value.start
    if start is None or value.pinpoint or value.path is not None or not value.text:
        return False
    raw = encode(value.text)
    return data[start : start + len(raw)] == raw


def _joined(value: Value, hits: FileHits, text: Sequence[Candidate]) -> list[Candidate]:
    """The file's hits in the value's bytes (any encoding), once per token, at the value."""
    start = value.start
    assert start is not None
    stop = start + len(encode(value.text))
    found: dict[str, Candidate] = {}
    for c, (lo, hi) in zip(hits.candidates, hits.spans, strict=True):
        if lo < stop and hi > start:
            found.setdefault(c.secret.digest, c)
    return [_at_value(value, hits.rel, hits.data, c, value.context, text) for c in found.values()]


def _searched(
    value: Value,
    data: bytes,
    rel: str,
    detector: Detector,
    text: Sequence[Candidate],
    *,
    search: bool,
) -> list[Candidate]:
    """The tokens in a decoded value, once per token, at the value."""
    path = value.path or rel
    found: dict[str, Candidate] = {}
    raw = encode(value.text)
    if search:
        for hit in detector.scan(raw, allowed=detector.rules_for_path(path)):
            secret = Secret(hit.token, hit.rule.token_kind)
            if secret.digest not in found:
                context = _from_hit(value.context, hit) if value.hit_context else value.context
                found[secret.digest] = Candidate(
                    rule_id=hit.rule.id,
                    secret=secret,
                    location=Location(path),
                    context=context,
                    severity=hit.rule.severity,
                    confidence=hit.rule.confidence,
                    checksum_valid=hit.checksum_valid,
                )
    whole = hashlib.sha256(raw).hexdigest()  # sha256_hex(value), for any surrogates in value
    if whole not in found:  # e.g. a legacy 40-hex token only a context-aware rule recognised
        for c in text:
            if c.secret.digest == whole:
                found[whole] = replace(c, context=value.context)
                break
    return [_at_value(value, path, data, c, c.context, text) for c in found.values()]


def _at_value(
    value: Value,
    path: str,
    data: bytes,
    found: Candidate,
    context: Context,
    text: Sequence[Candidate],
) -> Candidate:
    """`found` (its rule, token, checksum) reported at the value, with `context`."""
    line = column = None
    if value.offset is not None and value.path is None:
        line, column = line_col(data, value.offset)
    return replace(
        found,
        location=Location(path, line, column, value.offset, False, value.note),
        context=context,
        suppress=_suppression(text, found.secret.digest, line),
    )


def _pinpointed(
    value: Value,
    data: bytes,
    rel: str,
    detector: Detector,
    text: Sequence[Candidate],
    locator: Locator,
) -> list[Candidate]:
    """Every token in a decoded value, each where it is written in the file (found by its
    text; through the file's hit of the same token when it is written encoded)."""
    by_digest = {c.secret.digest: c for c in text}
    out = []
    for hit in detector.scan(encode(value.text), allowed=detector.rules_for_path(rel)):
        secret = Secret(hit.token, hit.rule.token_kind)
        offset = locator.find(hit.token) if hit.encoding is None else None
        text_c = by_digest.get(secret.digest)
        if offset is None and text_c is not None:
            offset = text_c.location.offset
        line = column = None
        if offset is not None:
            line, column = line_col(data, offset)
        out.append(
            Candidate(
                rule_id=hit.rule.id,
                secret=secret,
                location=Location(rel, line, column, offset, False, value.note),
                context=_from_hit(value.context, hit),
                severity=hit.rule.severity,
                confidence=hit.rule.confidence,
                checksum_valid=hit.checksum_valid,
                suppress=hit.suppress or (text_c.suppress if text_c else None),
            )
        )
    return out


def _from_hit(context: Context, hit: Hit) -> Context:
    """The reader's context, its unset key, host and encoding taken from where the token sits."""
    return replace(
        context,
        key=context.key or hit.key,
        host=context.host or hit.host,
        encoding=context.encoding or hit.encoding,
    )


def decoded_candidates(
    decoded: Sequence[Decoded], *, rel: str, data: bytes, detector: Detector, seen: set[str]
) -> list[Candidate]:
    """Tokens in what a reader decoded (keys and names included) that no candidate holds yet:
    a token hidden from the file's own search by an escape is found like any other."""
    blob = b"\n".join(encode(d.text) for d in decoded)
    if not decoded or not detector.may_hit(blob):
        return []  # the common case: one keyword pass over every decoded string at once
    allowed = detector.rules_for_path(rel)
    out: list[Candidate] = []
    for d in decoded:
        for hit in detector.scan(encode(d.text), allowed=allowed):
            secret = Secret(hit.token, hit.rule.token_kind)
            if secret.digest in seen:
                continue
            seen.add(secret.digest)
            line = column = None
            if d.offset is not None:
                line, column = line_col(data, d.offset)
            out.append(
                Candidate(
                    rule_id=hit.rule.id,
                    secret=secret,
                    location=Location(rel, line, column, d.offset, False, DECODED_NOTE),
                    context=replace(d.context, encoding=hit.encoding),
                    severity=hit.rule.severity,
                    confidence=hit.rule.confidence,
                    checksum_valid=hit.checksum_valid,
                )
            )
    return out


def _suppression(text: Sequence[Candidate], digest: str, line: int | None) -> str | None:
    for c in text:
        if c.secret.digest == digest and c.suppress and (line is None or c.location.line == line):
            return c.suppress
    return None
