"""Helpers shared by the structured readers: find a value's line, turn values into candidates.

A reader parses a file, pulls out the values that hold credentials and hands each to
`value_candidates`, which runs the real detector over the value (so rule ids, kinds and
checksums stay the detector's) and points the candidate at the place the value sits in the file.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from patlint.detectors.pattern import Detector
from patlint.model import Candidate, Context, Location, PlaceFinding, Secret
from patlint.sources.readers import Decoded, ReaderOutput

# Rule ids the readers report (each must exist as a YAML rule under rules/policy/).
READABLE_BY_OTHERS = "credential-file-readable-by-others"
PLAINTEXT_STORE = "plaintext-credential-store"
IN_SHELL_HISTORY = "token-in-shell-history"
IN_SHELL_RC = "token-in-shell-rc"
IN_REMOTE_URL = "token-in-git-remote-url"

PARSE_LIMIT = 2 << 20  # structured parsing (YAML, XML, JSON) stops here; text detectors still run
DECODED_NOTE = "written escaped"  # a token the reader decoded from an escape (see Decoded)


def basename(rel: str) -> str:
    """Last component of a shown path."""
    return rel.rsplit("/", 1)[-1]


def parent_name(rel: str) -> str:
    """Name of the folder holding the file (empty at the top)."""
    parts = rel.rsplit("/", 2)
    return parts[-2] if len(parts) >= 2 else ""


def iter_lines(data: bytes) -> Iterator[tuple[int, str]]:
    """(byte offset, text) of each line; undecodable bytes kept as surrogates, `\r` dropped."""
    offset = 0
    for raw in data.split(b"\n"):
        yield offset, raw.decode("utf-8", "surrogateescape").rstrip("\r")
        offset += len(raw) + 1


def line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[start:offset].decode("utf-8", "replace")) + 1


def cannot_parse(rel: str, reason: str) -> str:
    """The notice for a credential file the reader could not understand."""
    reason = " ".join(reason.split())[:200]
    return f"cannot parse {rel}: {reason}, scanned as text"


@dataclass(slots=True)
class Locator:
    """Finds successive occurrences of raw values in a file (so duplicates get distinct lines)."""

    data: bytes
    used: dict[bytes, int] = field(default_factory=dict)

    def find(self, raw: str, *, near: int = 0) -> int | None:
        """Byte offset of the next unused occurrence of `raw` at or after `near`."""
        needle = _encode(raw)  # a JSON "\udcff" is a lone surrogate: strict UTF-8 refuses it
        if not needle:
            return None
        start = max(near, self.used.get(needle, 0))
        at = self.data.find(needle, start)
        if at < 0 and start > 0:
            at = self.data.find(needle)
        if at < 0:
            return None
        self.used[needle] = at + 1
        return at


def value_candidates(
    value: str,
    *,
    rel: str,
    detector: Detector,
    text_candidates: Sequence[Candidate],
    context: Context,
    offset: int | None,
    data: bytes,
    note: str = "",
) -> list[Candidate]:
    """Tokens inside `value` as candidates at `offset` in the file, with the reader's context."""
    found: dict[str, tuple[Secret, str, bool | None]] = {}
    allowed = detector.rules_for_path(rel)
    raw = _encode(value)
    for hit in detector.scan(raw, allowed=allowed):
        secret = Secret(hit.token, hit.rule.token_kind)
        if secret.digest not in found:
            found[secret.digest] = (secret, hit.rule.id, hit.checksum_valid)
    whole = hashlib.sha256(raw).hexdigest()  # sha256_hex(value), for any surrogates in value
    if whole not in found:  # e.g. a legacy 40-hex token only a context-aware rule recognised
        for c in text_candidates:
            if c.secret.digest == whole:
                found[whole] = (c.secret, c.rule_id, c.checksum_valid)
                break
    if not found:
        return []
    by_rule = {r.id: r for r in detector.rules}
    line = column = None
    if offset is not None:
        line, column = line_col(data, offset)
    out = []
    for secret, rule_id, checksum in found.values():
        rule = by_rule.get(rule_id)
        if rule is None:
            continue
        out.append(
            Candidate(
                rule_id=rule_id,
                secret=secret,
                location=Location(rel, line, column, offset, False, note),
                context=context,
                severity=rule.severity,
                confidence=rule.confidence,
                checksum_valid=checksum,
                suppress=_suppression(text_candidates, secret.digest, line),
            )
        )
    return out


def decoded_candidates(
    decoded: Sequence[Decoded], *, rel: str, data: bytes, detector: Detector, seen: set[str]
) -> list[Candidate]:
    """Tokens in what a reader decoded (keys and names included) that no candidate holds yet:
    a token hidden from the text detectors by an escape is found like any other."""
    blob = "\n".join(d.text for d in decoded).encode("utf-8", "surrogatepass")
    if not decoded or not detector.may_hit(blob):
        return []  # the common case: one keyword pass over every decoded string at once
    allowed = detector.rules_for_path(rel)
    out: list[Candidate] = []
    for d in decoded:
        for hit in detector.scan(_encode(d.text), allowed=allowed):
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


def decoded_strings(doc: Any, context: Context, limit: int = 100_000) -> list[Decoded]:
    """Every string key and value of parsed JSON or YAML data (at most `limit`), to scan."""
    out: list[Decoded] = []
    stack = [doc]
    while stack and len(out) < limit:
        node = stack.pop()
        if isinstance(node, str):
            out.append(Decoded(node, context))
        elif isinstance(node, Mapping):
            for k, v in node.items():
                stack += [k, v]
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return out


def decoded_xml(root: Any, context: Context, limit: int = 100_000) -> list[Decoded]:
    """Every text and attribute value of a parsed XML tree (character references resolved)."""
    out: list[Decoded] = []
    for el in root.iter():
        texts = [el.text, el.tail, *el.attrib.values()]
        out += [Decoded(t, context) for t in texts if t and t.strip()]
        if len(out) >= limit:
            break
    return out


def _suppression(text: Sequence[Candidate], digest: str, line: int | None) -> str | None:
    for c in text:
        if c.secret.digest == digest and c.suppress and (line is None or c.location.line == line):
            return c.suppress
    return None


def enrich(c: Candidate, context: Context, *, note: str | None = None) -> Candidate:
    """A text candidate with the reader's context (same place, same rule)."""
    from dataclasses import replace

    loc = c.location if note is None else replace(c.location, note=note)
    return replace(c, context=context, location=loc)


def first_per_token(cands: Iterable[Candidate]) -> list[Candidate]:
    """The first candidate of each distinct token, in order."""
    seen: dict[str, Candidate] = {}
    for c in cands:
        seen.setdefault(c.secret.digest, c)
    return list(seen.values())


def digests(cands: Iterable[Candidate]) -> list[Secret]:
    """Distinct secrets among candidates, in order."""
    seen: dict[str, Secret] = {}
    for c in cands:
        seen.setdefault(c.secret.digest, c.secret)
    return list(seen.values())


def permission_place(
    rel: str, st: os.stat_result | None, cands: Sequence[Candidate], what: str
) -> PlaceFinding | None:
    """`credential-file-readable-by-others` when a file holding tokens is group/other-readable.

    None without a stat (`st` is None for a git blob: it has no permissions anyone reads by).
    """
    if st is None or os.name == "nt" or not cands:
        return None
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o044:
        return None
    who = " and ".join(n for bit, n in ((0o040, "group"), (0o004, "others")) if mode & bit)
    n = len(digests(cands))
    held = f"{n} token{'s' if n != 1 else ''}"
    return PlaceFinding(
        rule_id=READABLE_BY_OTHERS,
        message=f"{what} holds {held} and is readable by {who} (mode {mode:04o}); chmod 600 it",
        location=Location(rel),
        context=Context(file_type=cands[0].context.file_type),
    )


def finish(out: ReaderOutput, rel: str, st: os.stat_result | None, what: str) -> ReaderOutput:
    """Drop repeats (same token, same place) and add the permission check to a reader's output."""
    seen: set[tuple[str, int | None]] = set()
    unique = []
    for c in out.candidates:
        key = (c.secret.digest, c.location.offset)
        if key not in seen:
            seen.add(key)
            unique.append(c)
    out.candidates = unique
    pseen: set[tuple[str, str, int | None, int | None]] = set()
    places = []
    for p in out.places:
        pkey = (p.rule_id, p.secret.digest if p.secret else "", p.location.line, p.location.offset)
        if pkey not in pseen:
            pseen.add(pkey)
            places.append(p)
    out.places = places
    place = permission_place(rel, st, out.candidates, what)
    if place is not None:
        out.places.append(place)
    return out


def is_github_host(host: str | None) -> bool:
    """True for github.com, its API/registry hosts, *.ghe.com and GitHub-named GHES hosts."""
    if not host:
        return False
    h = host.lower().rstrip(".")
    return (
        h in ("github.com", "ghcr.io", "docker.pkg.github.com")
        or h.endswith((".github.com", ".ghe.com", ".githubusercontent.com"))
        or "github" in h
    )


def normalize_host(value: str) -> str:
    """`https://ghcr.io/v2/` → `ghcr.io`; `//npm.pkg.github.com/` → `npm.pkg.github.com`."""
    v = value.strip().lower()
    if "://" in v:
        v = v.split("://", 1)[1]
    v = v.lstrip("/")
    v = v.split("/", 1)[0]
    if "@" in v:
        v = v.rsplit("@", 1)[1]
    return v.rstrip(".")


def _encode(value: str) -> bytes:
    """`value` as bytes: undecodable file bytes back as they were, lone surrogates kept too."""
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate from a JSON "\ud800" escape
        return value.encode("utf-8", "surrogatepass")
