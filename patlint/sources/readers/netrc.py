"""`~/.netrc` / `_netrc`: `machine HOST login USER password TOKEN` (tokens may span lines)."""

from __future__ import annotations

import os
import re

from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.values import Value

_WORD = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\S+)')


class NetrcReader:
    """`.netrc` and `_netrc` (Windows)."""

    name = "netrc"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """`password` and `login` values with the machine they are for."""
        out = Reading(credential_file=True)
        words: list[tuple[str, int]] = []
        for m in _WORD.finditer(data):
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            words.append(
                (
                    raw.decode("utf-8", "surrogateescape"),
                    m.start(1 if m.group(1) is not None else 2),
                )
            )
        host: str | None = None
        i = 0
        while i < len(words):
            word, _ = words[i]
            if word == "macdef":  # a macro runs to the next blank line: skip its words
                end = data.find(b"\n\n", words[i][1])
                i += 1
                while i < len(words) and (end < 0 or words[i][1] < end):
                    i += 1
                continue
            if word == "machine" and i + 1 < len(words):
                host = words[i + 1][0].lower()
                i += 2
                continue
            if word == "default":
                host = None
                i += 1
                continue
            if word in ("password", "login", "account") and i + 1 < len(words):
                value, at = words[i + 1]
                ctx = Context(file_type="netrc", key=word, host=host, usage="netrc")
                note = f"machine {host}" if host else "default"
                out.values.append(Value(value, ctx, at, note))
                i += 2
                continue
            i += 1
        return out


READER = NetrcReader()
