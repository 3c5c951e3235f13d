"""What a source hands the engine besides whole files: values, with what it knows about them.

A reader that understands a file (`.npmrc`, a Docker config, a workflow…) does not search for
tokens: it says where the values that may hold one are, with their context (key, host, usage,
file type, encoding), and the engine runs the detector and joins. A value written as is in the
file (`literal`) is not searched again: the file's own hits inside it are taken. A value the
reader decoded (base64, percent-encoding, escapes) is searched in its decoded form, once. The
environment and credential helpers hand over values too, each a place of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from patlint.model import Context


@dataclass(frozen=True, slots=True)
class TokenPlace:
    """A place finding that a token found in a value makes (a plaintext credential store, a
    token in a remote URL): at the token's place, with its secret, context and suppression.

    One per token and `scope` (the values of one registry entry or config key share a scope),
    or with `each_token=False` one per scope: for its first token.

    A token of a kind in `absorbs` is reported by this place finding alone, at its severity:
    no detection finding, and never sent to GitHub (the token `actions/checkout` persists in
    `.git/config` is the job's own installation token, there by design until the job ends).
    """

    rule_id: str
    message: str  # one sentence, never the secret
    scope: str = ""
    each_token: bool = True
    absorbs: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Value:
    """A string that may hold a token, and what its reader knows about it.

    Each token in it is reported at `offset` (the value's start: where a reader points) with
    `context` and `note`. `written_at` is where `text` may be written as is in the file, when
    that is not `offset` (a password inside a remote URL); the engine checks the bytes there and
    either takes the file's own hits in them or, when they differ, searches `text`.
    """

    text: str
    context: Context
    offset: int | None = None
    note: str = ""
    written_at: int | None = None
    place: TokenPlace | None = None
    # A place of its own instead of the file (`env:GH_TOKEN`, `docker-credential-pass:ghcr.io`).
    path: str | None = None
    # The context's unset key, host and encoding come from where the token sits in `text`
    # (a notebook cell, an environment variable).
    hit_context: bool = False
    # Each token is reported where it is written in the file, every time (a notebook cell,
    # whose text is decoded JSON: the file offset of the value says nothing).
    pinpoint: bool = False

    @property
    def start(self) -> int | None:
        """Where `text` may be written as is."""
        return self.offset if self.written_at is None else self.written_at


@dataclass(frozen=True, slots=True)
class Decoded:
    """A key, name or value as the reader decoded it (a JSON `\\u0067`, a YAML `"\\x67"`, an
    XML `&#103;`): the file's bytes hold it only escaped, so the engine searches it too, for
    tokens no value or hit of the file holds."""

    text: str
    context: Context
    offset: int | None = None  # byte offset where it is written, when the parser says


def encode(text: str) -> bytes:
    """`text` as the bytes it was read from: undecodable file bytes back as they were (a reader
    decodes with `surrogateescape`), a lone surrogate from a JSON `"\\ud800"` kept too."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
