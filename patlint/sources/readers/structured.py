"""Helpers shared by the structured readers: find a value in the file, collect strings to
search, and the place findings of credential files once the engine found their tokens.

A reader parses a file and pulls out the values that may hold credentials (`Value`); the engine
searches them with the real detector (so rule ids, kinds and checksums stay the detector's) and
points each candidate at the place the value sits in the file (`patlint.engine.readings`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from patlint.model import Candidate, Context, Location, PlaceFinding, Secret
from patlint.sources.values import Decoded, Value, encode

# Rule ids the readers report (each must exist as a YAML rule under rules/policy/).
READABLE_BY_OTHERS = "credential-file-readable-by-others"
PLAINTEXT_STORE = "plaintext-credential-store"
IN_SHELL_HISTORY = "token-in-shell-history"
IN_SHELL_RC = "token-in-shell-rc"
IN_REMOTE_URL = "token-in-git-remote-url"
CHECKOUT_PERSISTED = "checkout-persisted-credentials"

PARSE_LIMIT = 2 << 20  # structured parsing (YAML, XML, JSON) stops here; text detectors still run
DECODED_NOTE = "written escaped"  # a token the reader decoded from an escape (see Decoded)


def basename(rel: str) -> str:
    """Last component of a shown path."""
    return rel.rsplit("/", 1)[-1]


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


def find_on_line(data: bytes, text: str, start: int) -> int | None:
    """Byte offset of `text` written as is at or after `start` on the same line, or None."""
    needle = encode(text)
    end = data.find(b"\n", start)
    at = data.find(needle, start, len(data) if end < 0 else end) if needle else -1
    return at if at >= 0 else None


def cannot_parse(rel: str, reason: str) -> str:
    """The notice for a credential file the reader could not understand."""
    from patlint.redaction import redact_text

    # redacted before it is cut: a token cut after its prefix no longer has a token's shape
    reason = redact_text(" ".join(reason.split()))[:200]
    return f"cannot parse {rel}: {reason}, scanned as text"


@dataclass(slots=True)
class Locator:
    """Finds successive occurrences of raw values in a file (so duplicates get distinct lines)."""

    data: bytes
    used: dict[bytes, int] = field(default_factory=dict)

    def find(self, raw: str, *, near: int = 0) -> int | None:
        """Byte offset of the next unused occurrence of `raw` at or after `near`."""
        needle = encode(raw)  # a JSON "\udcff" is a lone surrogate: strict UTF-8 refuses it
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


MIN_TOKEN_CHARS = 8  # no token is shorter: a shorter string is not worth searching


def decoded_strings(
    doc: Any,
    context: Context,
    limit: int = 100_000,
    *,
    rel: str = "",
    notices: list[str] | None = None,
) -> list[Decoded]:
    """Every string key and value of parsed JSON or YAML data that could hold a token, in
    document order, at most `limit` of them (past it, a notice in `notices` says so)."""
    out: list[Decoded] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if len(node) < MIN_TOKEN_CHARS:
                continue
            if len(out) >= limit:
                if notices is not None:
                    notices.append(
                        f"{rel}: more than {limit:,} strings; the escaped text of the rest was "
                        "not searched (its plain text was)"
                    )
                break
            out.append(Decoded(node, context))
        elif isinstance(node, Mapping):
            for k, v in reversed(list(node.items())):
                stack += [v, k]
        elif isinstance(node, list | tuple):
            stack.extend(reversed(node))
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


def token_places(
    values: Sequence[Value], found: Sequence[Sequence[Candidate]]
) -> list[PlaceFinding]:
    """The place findings the tokens found in values make (`Value.place`); `found[i]` holds the
    candidates of `values[i]`, in order."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for value, cands in zip(values, found, strict=True):
        tp = value.place
        if tp is None:
            continue
        for c in cands:
            key = (tp.rule_id, tp.scope, c.secret.digest if tp.each_token else "")
            if key in seen:
                continue
            seen.add(key)
            out.append(
                PlaceFinding(
                    rule_id=tp.rule_id,
                    message=tp.message,
                    location=c.location,
                    secret=c.secret,
                    context=c.context,
                    suppress=c.suppress,
                )
            )
    return out


def finish(
    cands: Sequence[Candidate], places: Sequence[PlaceFinding], rel: str, st: os.stat_result | None
) -> tuple[list[Candidate], list[PlaceFinding]]:
    """A credential file's findings: repeats dropped (same token, same place), and the
    permission check added."""
    seen: set[tuple[str, int | None]] = set()
    unique = []
    for c in cands:
        key = (c.secret.digest, c.location.offset)
        if key not in seen:
            seen.add(key)
            unique.append(c)
    pseen: set[tuple[str, str, int | None, int | None]] = set()
    kept = []
    for p in places:
        pkey = (p.rule_id, p.secret.digest if p.secret else "", p.location.line, p.location.offset)
        if pkey not in pseen:
            pseen.add(pkey)
            kept.append(p)
    place = permission_place(rel, st, unique, rel)
    if place is not None:
        kept.append(place)
    return unique, kept


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
