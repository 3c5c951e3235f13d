"""The JSON reports' text: what `json.dump(clean_data(data), indent=2, sort_keys=True,
ensure_ascii=False)` writes, byte for byte, about twice as fast.

With `indent`, the standard library runs its pure-Python encoder (a generator per container,
the C encoder serves only compact output): on the real trees' 565 KB report that was ~15 ms of
the main process's serial time, plus ~5 ms for `clean_data`'s copy of the whole document.
Here one recursive function appends to a list, strings go through the C string encoder (the
one `json` uses), and `clean_text` is applied on the way instead of in a copy. Anything this
writer does not know (a type `json` would refuse or call `default` for, a key that is not a
string) falls back to the standard library, so errors and odd cases stay `json`'s own.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any, TextIO

from patlint.report.common import clean_data, clean_text

_INFINITY = float("inf")


class _Unknown(Exception):
    """A value this writer leaves to the standard library."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def dumps(data: Any) -> str:
    """`data` as indented JSON (2 spaces, sorted keys, UTF-8 text, every string cleaned)."""
    return "".join(_chunks(data))


def dump(data: Any, stream: TextIO) -> None:
    """Write `dumps(data)` and a newline to `stream` (in chunks: the text is not copied whole
    once more; nothing is written before the whole document is encoded)."""
    for chunk in _chunks(data):
        stream.write(chunk)
    stream.write("\n")


def _chunks(data: Any) -> list[str]:
    try:
        return _encode(data)
    except (_Unknown, RecursionError):
        import json

        return [json.dumps(clean_data(data), indent=2, sort_keys=True, ensure_ascii=False)]


CHUNK_PIECES = 4096  # small strings joined into one chunk: a few MB of report is not held as
# hundreds of thousands of string objects


def _encode(data: Any) -> list[str]:
    chunks: list[str] = []
    out: list[str] = []
    add = out.append
    esc = encode_basestring

    def string(text: str) -> str:
        return esc(text if text.isascii() else clean_text(text))

    def value(o: Any, indent: str) -> None:
        if type(o) is str:
            add(string(o))
        elif type(o) is dict:
            mapping(o, indent)
        elif type(o) is list or type(o) is tuple:
            sequence(o, indent)
        elif o is None:
            add("null")
        elif o is True:
            add("true")
        elif o is False:
            add("false")
        elif isinstance(o, int):
            add(int.__repr__(o))
        elif isinstance(o, float):
            add(_float(o))
        elif isinstance(o, str):
            add(string(o))
        elif isinstance(o, (list, tuple)):
            sequence(o, indent)
        elif isinstance(o, dict):
            mapping(o, indent)
        else:
            raise _Unknown

    def mapping(o: dict[Any, Any], indent: str) -> None:
        if not o:
            add("{}")
            return
        if not all(type(k) is str and k.isascii() for k in o):
            if not all(isinstance(k, str) for k in o):
                raise _Unknown  # `json` turns numbers and booleans into keys: its own rules
            o = {clean_text(k): v for k, v in o.items()}  # as clean_data: cleaned keys
        inner = indent + "  "
        between = ",\n" + inner
        add("{\n" + inner)
        first = True
        for key in sorted(o):
            if first:
                first = False
            else:
                add(between)
            add(esc(key))
            add(": ")
            value(o[key], inner)
        add("\n" + indent + "}")

    def sequence(o: list[Any] | tuple[Any, ...], indent: str) -> None:
        if not o:
            add("[]")
            return
        inner = indent + "  "
        between = ",\n" + inner
        add("[\n" + inner)
        first = True
        for item in o:
            if first:
                first = False
            else:
                add(between)
            value(item, inner)
            if len(out) > CHUNK_PIECES:
                chunks.append("".join(out))
                out.clear()
        add("\n" + indent + "]")

    value(data, "")
    chunks.append("".join(out))
    return chunks
