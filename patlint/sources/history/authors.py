"""Who wrote the commits that added a token: the author name and email of each commit a history
finding names, read from the commit objects themselves.

The commit is hostile data. `git log --format=%an` would put whatever the author line holds —
NUL bytes, control characters, our own field separators — into a stream we then have to split,
so a crafted commit could shift the fields of the next one. Instead each commit object is asked
for on its own (`git cat-file --batch`, one request, one answer of announced size) and its
`author` header is parsed here; only the header block is kept, however large the message is.
The text is shown as it is (reports escape control characters; the redactor hides tokens).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from patlint.sources import gitguard

HEADER_MAX = 64 << 10  # bytes of a commit object kept: its headers (a message can be huge)
FIELD_MAX = 256  # characters kept of a name or an email
_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def _ident(line: bytes) -> tuple[str, str]:
    """`Name <email> 1700000000 +0000` → (name, email), as git splits an ident line."""
    lt = line.find(b"<")
    gt = line.find(b">", lt + 1) if lt >= 0 else -1
    if lt < 0 or gt < 0:
        return _text(line), ""  # malformed: shown whole, nothing guessed
    return _text(line[:lt]), _text(line[lt + 1 : gt])


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", "backslashreplace").strip()
    return text[:FIELD_MAX] + ("…" if len(text) > FIELD_MAX else "")


def _author(headers: bytes) -> tuple[str, str] | None:
    for line in headers.split(b"\n"):
        if not line:
            break  # the blank line before the message
        if line.startswith(b"author "):
            return _ident(line[len(b"author ") :])
    return None


def commit_authors(repo: str, commits: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(name, email) of each commit id that git can read; others are left out."""
    wanted = [c for c in dict.fromkeys(commits) if _HEX.fullmatch(c)]
    out: dict[str, tuple[str, str]] = {}
    if not wanted:
        return out
    keep = lambda kind, size: min(size, HEADER_MAX) if kind == b"commit" else 0  # noqa: E731
    for oid, _, _, headers in gitguard.cat_file(repo, wanted, keep):
        author = _author(headers)
        if author is not None:
            out[oid] = author
    return out
