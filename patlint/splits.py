"""Where text patlint echoes splits a token: the redactor looks at each split stretch joined.

A name, key or message patlint prints may hold a token with a line break or an invisible
character in it (a file named `gho_…\u200b…`), and a report may wrap a long line inside one;
each piece alone matches no shape. `split_stretches` finds the stretches of token or base64
characters such splitters cut; `split_span` maps a change in the joined text back, so what is
outside it (the lines of a report) stays as it was.
"""

from __future__ import annotations

import re
from functools import cache

# What splits a token in text patlint echoes (a name, a key, a message) and is dropped when
# looking for one: a line break with the next line's indentation (a wrapped report line, base64
# wrapped at 76 columns), and the invisible characters (zero-width space, non-joiner, joiner,
# word joiner, byte order mark, soft hyphen, the bidi marks) — raw or as the output formats
# escape them (JSON and Python `\n`, the text report's `\x0a` / `\u200b` / `\x200b`,
# GitHub annotations' `%0A`, XML's `&#10;`).
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff"
_RUN_CLASS = "[A-Za-z0-9+/=_.-]"  # what a token or its base64 is made of
# after a backslash (JSON, Python, the text report), a `%` (GitHub annotations), an `&#` (XML)
_AFTER_BACKSLASH = r"(?:[rn]|x0[ad]|u000[ad]|[ux](?:00ad|180e|200[b-f]|206[0-4]|feff)|xad)"
_AFTER_PERCENT = r"(?:0[ad]|c2%ad|e1%a0%8e|e2%80%8[b-f]|e2%81%a[0-4]|ef%bb%bf)"
_AFTER_AMP = (
    r"#(?:1[03]|173|6158|820[3-7]|828[89]|829[0-2]|65279"
    r"|x0*(?:[ad]|ad|180e|200[b-f]|206[0-4]|feff));"
)
_SPLIT = rf"(?:\r?\n[ \t]*|[{_INVISIBLE}]|\\{_AFTER_BACKSLASH}|%{_AFTER_PERCENT}|&{_AFTER_AMP})"


# A splitter between two token or base64 characters, one regex per first character: each
# starts with a literal (or a small set) that `re` skips to, and looks behind only there.
# (One regex for them all, or one for the split runs, costs 10 times as much on a report.)
# Each is compiled when a text first holds its first character (~0.75 ms each): a run that
# prints only a summary line compiles at most the line break's.
_LEADS = {
    "\n": (r"\n", r"[ \t]*"),
    "\r": (r"\r", r"\n[ \t]*"),
    "\\": (r"\\", _AFTER_BACKSLASH),
    "%": ("%", _AFTER_PERCENT),
    "&#": ("&", _AFTER_AMP),
    "": (f"[{_INVISIBLE}]", ""),
}
_ANY_INVISIBLE = re.compile(f"[{_INVISIBLE}]")


@cache
def _split_at(first: str) -> re.Pattern[str]:
    lead, rest = _LEADS[first]
    return re.compile(
        rf"{lead}(?<={_RUN_CLASS}{lead}){rest}{_SPLIT}*(?={_RUN_CLASS})", re.IGNORECASE
    )


_RUN_SET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.-")
_RUN = re.compile(f"{_RUN_CLASS}*")


def common_length(a: str, b: str) -> int:
    """How many characters `a` and `b` share from their starts."""
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


def split_stretches(text: str) -> list[list[tuple[int, int]]]:
    """Each stretch of token or base64 characters that splitters cut in parts, as the parts'
    (start, end) in `text`."""
    present = [f for f in _LEADS if (f in text if f else _ANY_INVISIBLE.search(text))]
    splits = sorted(m.span() for first in present for m in _split_at(first).finditer(text))
    out: list[list[tuple[int, int]]] = []
    spans: list[tuple[int, int]] = []
    after = -1  # where the last splitter of the current stretch ends
    for at, end in splits:
        if spans and _RUN.fullmatch(text, after, at) is not None:
            spans.append((after, at))  # the same stretch goes on
        else:
            if spans:
                run = _RUN.match(text, after)
                out.append([*spans, (after, run.end() if run else after)])
            start = at
            while start > 0 and text[start - 1] in _RUN_SET:
                start -= 1
            spans = [(start, at)]
        after = end
    if spans:
        run = _RUN.match(text, after)
        out.append([*spans, (after, run.end() if run else after)])
    return out


def split_span(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """Where `start` and `end` (positions in the joined parts) are in the text the parts at
    `spans` are in: a splitter at `start` stays before it, one at `end` after it."""
    out = []
    for target, closing in ((start, False), (end, True)):
        joined = 0
        for lo, hi in spans:
            if target < joined + hi - lo or (closing and target <= joined + hi - lo):
                out.append(lo + target - joined)
                break
            joined += hi - lo
        else:
            out.append(spans[-1][1])
    return out[0], max(out[0], out[1])
