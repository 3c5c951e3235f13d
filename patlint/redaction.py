"""The one redaction boundary: every string patlint writes passes `Redactor` on its way out.

Stdout, stderr (messages, notices, tracebacks under `--debug`), report files, baselines and the
verification cache all go through it (`RedactingWriter` for streams, `Redactor(text)` for
files written in one piece). It replaces each token it finds with the redacted preview:

* **raw**, in any letter case (a lowercased token is as good as the token: the CRC32 checksum
  gives back the letter case in well under a second) — every prefixed kind by its shape
  (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`, the `ghs_<app>_<JWT>` form);
* **base64** at any of the three byte alignments, standard or URL-safe alphabet, also base64 of
  base64 (a prefixed token): a run of base64
  characters holding a token prefix's encoding (or a known token's) is decoded and searched;
* **percent-encoded**, fully or partly, with upper- or lower-case hex digits;
* **hex** (the token's bytes as hex digits, `6768705f…`), either hex case, also in base64;
* **split** by a line break (a wrapped report line, base64 wrapped at 76 columns) or an
  invisible character (zero-width space, joiner, byte order mark, …), raw or as the output
  formats escape them: each split stretch is also looked at joined;
* and every **known** token of this run in all of these forms: tokens the scan found whose
  shape says nothing (a legacy 40-hex token) are taught with `learn`; a known token of a known
  shape is also found by its body alone (raw in any case, base64), so an escaped or re-cased
  prefix (`\\u0067hp_<body>`, `&#103;hp_`, base64 of `Ghp_<body>`) hides nothing; a known
  40-hex token is found inside a longer run of hex digits too.

A legacy token is plain 40-hex, which is also what a git commit id is: redacting every 40-hex
string would destroy the commit ids of a history report. So a 40-hex string is redacted only
when it is a token this run found (`learn`); error messages, printed before anything is known,
use `redact_text`, which also redacts every standalone 40-hex string.

This module reads the plaintext of the tokens it is taught (to match them): besides `github/`,
it is the only place that does, and it never shows it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import cache
from typing import IO, Any

from patlint.model import Secret, redact
from patlint.splits import common_length, split_span, split_stretches
from patlint.tokenforms import (
    B64_CHARS,
    B64_TABLE,
    HEX_CHARS,
    HEX_TABLE,
    PREFIXES,
    b64_decodings,
    b64_fragments,
    escape_length,
    fragments_of,
    hex_b64_regex,
    hex_decodings,
    hex_prefixes,
    long_runs,
    prefix_trie,
    run_table,
    runs,
)

# Token shapes, from the kinds table: `gh?_` + alphanumerics (also a prefix of a token cut short
# at 20 characters), `github_pat_`, and the installation token's `ghs_<app id>_<JWT>` form.
_SHORT = "".join(sorted(p[2] for p in PREFIXES if len(p) == 4))
_SHAPES = (
    r"github_pat_[a-z0-9]{20,}(?:_[a-z0-9]+)?"
    r"|ghs_[0-9]{1,20}_[a-z0-9_-]{16,}(?:\.[a-z0-9_-]*){0,2}"
    rf"|gh[{_SHORT}]_[a-z0-9]{{20,}}"
)
_URL_CHARS = B64_CHARS | frozenset("%.~:@=&?")  # the detector's URL class
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
_HEX40 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{40}(?![0-9A-Fa-f])")
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{40,}")  # one pass over hex runs (faster than _HEX40)
_ALL_HEX = re.compile(r"[0-9A-Fa-f]*")
# The hex of 40 hex digits (each `3x` or `[46][1-6]`): where hex text may hide a 40-hex token.
_HEX_OF_HEX40 = re.compile(r"(?:3[0-9]|[46][1-6]){40}")
# Every shape starts with one of these (any case): no match, no need for the shapes regex.
_PREFIX = re.compile(f"[Gg][Hh][{_SHORT}{_SHORT.upper()}]_|[Gg][Ii][Tt][Hh][Uu][Bb]_[Pp][Aa][Tt]_")
_HEAD = 8  # a learned token (8 characters or more) is looked up by its first 8
_LONGEST_PREFIX = max(map(len, PREFIXES))  # `github_pat_`
# The shortest string a shape matches is `ghs_<1 digit>_<16>`, 22 characters: its base64 holds
# at least 28 characters it fixes (at the worst of the three alignments), so no base64 run
# shorter than that hides a token of a known shape (a learned token's can be shorter: see
# `_b64_gate`). Tested: tests/test_redaction.py (the shortest token of every shape).
_SHORTEST_SHAPED = 22
_LONG_B64_MIN = min(map(len, b64_fragments(b"\0" * _SHORTEST_SHAPED)))
_HEX_RUN_MIN = 40  # `_HEX_RUN`: a 40-hex token, or longer hex that may hold one
MAX_DEPTH = 2  # base64 in percent-encoding (or the other way round) is as deep as we look


# The prefix of a token of a known shape: what is left (its body) is learned like a token of no
# known shape, so a known token is found by its body too, whatever became of its prefix.
_SHAPE_PREFIX = re.compile(r"github_pat_|gh[a-z]_", re.IGNORECASE)


class Redactor:
    """Replaces every token (raw in any case, base64, percent-encoded) with its preview.

    Its regexes are compiled when a text first needs them: a run that prints a one-line
    summary (the pre-commit path) never pays for them.
    """

    def __init__(self, known: Iterable[Secret] = (), *, every_hex40: bool = False) -> None:
        self.every_hex40 = every_hex40
        self._previews: dict[str, str] = {}  # lower-cased plaintext of a learned token -> preview
        self._hex: set[str] = set()  # learned 40-hex tokens (lower-cased)
        # Learned tokens of no known shape (a custom rule's): a tree may hold thousands, so
        # they are found by set look-ups over runs of their alphabet (linear in the text), not
        # by one alternation of them all (which costs their number times the text).
        self._other: set[str] = set()  # lower-cased
        self._other_heads: set[str] = set()  # their first _HEAD characters
        self._other_lengths: set[int] = set()
        self._other_chars: set[str] = set()  # their characters, both cases
        self._other_b64: set[str] = set()  # the first _HEAD characters of their base64 fragments
        # Whether one of their heads (raw, base64) is all hex digits: if not, a run of hex
        # digits (a digest, a commit id) holds none of them and is not looked at.
        self._hex_heads = self._hex_b64_heads = False
        self._other_b64_min: int | None = None  # the shortest of those fragments
        self._compiled: tuple[re.Pattern[str], list[re.Pattern[str]]] | None = None
        # Runs of their characters long enough to hold one: found with `long_runs` (their
        # table), or a regex when one of their characters is not ASCII.
        self._other_table: bytes | None = None
        self._other_runs: re.Pattern[str] | None = None
        # The bodies of learned tokens of a known shape (`ghp_<body>`): a `\u0067hp_<body>`,
        # `&#103;hp_<body>` or the base64 of `Ghp_<body>` has no prefix the shapes know.
        self._bodies: Redactor | None = None
        self.learn(known)

    def learn(self, secrets: Iterable[Secret]) -> None:
        """Redact these tokens too, in every form, wherever they appear (not just by shape);
        each shows as its own preview, whatever the letter case it appears in."""
        shapes = None
        for s in secrets:
            value = s.reveal()
            lowered = value.lower()
            if lowered in self._previews:
                continue
            self._previews[lowered] = s.preview
            shapes = shapes or re.compile(_SHAPES, re.IGNORECASE)
            if len(value) < 8:
                continue  # too short to be a token
            if shapes.fullmatch(value):
                self._learn_body(s, value)  # the shapes catch it as it is; its body, anywhere
                continue
            if _HEX40.fullmatch(value):
                self._hex.add(lowered)  # a set, however many: a history scan may find many
            else:
                self._learn_other(value, lowered)
            self._compiled = None

    def _learn_body(self, secret: Secret, value: str) -> None:
        prefix = _SHAPE_PREFIX.match(value)
        body = value[prefix.end() :] if prefix else ""
        if len(body) < 16:
            return  # a short body could be anything (a word of a note)
        if self._bodies is None:
            self._bodies = Redactor()
        bodies = self._bodies
        if body.lower() not in bodies._previews:
            bodies._previews[body.lower()] = secret.preview
            bodies._learn_other(body, body.lower())
            bodies._compiled = None

    def _learn_other(self, value: str, lowered: str) -> None:
        self._other.add(lowered)
        self._other_heads.add(lowered[:_HEAD])
        self._other_lengths.add(len(lowered))
        chars = set(lowered)  # each distinct character once (a JWT body has ~500 characters)
        self._other_chars |= chars
        self._other_chars.update(u for c in chars if len(u := c.upper()) == 1 and u.lower() == c)
        # base64 of it as found (a custom token may mix cases: `CORP-b77e…`), lower or upper
        fragments = fragments_of(value, lowered)
        self._other_b64.update(f[:_HEAD] for f in fragments)
        self._hex_heads |= _ALL_HEX.fullmatch(lowered[:_HEAD]) is not None
        self._hex_b64_heads |= any(_ALL_HEX.fullmatch(f[:_HEAD]) for f in fragments)
        # A run shorter than the shortest fragment holds none: not looked at position by position.
        shortest = max(_HEAD, min((len(f) for f in fragments), default=_HEAD))
        if self._other_b64_min is None or shortest < self._other_b64_min:
            self._other_b64_min = shortest

    def _regexes(self) -> tuple[re.Pattern[str], list[re.Pattern[str]]]:
        """(every token raw, [where base64 may hide one]), compiled once after each `learn`."""
        if self._compiled is not None:
            return self._compiled
        tokens = re.compile(_SHAPES, re.IGNORECASE)
        # Where base64 may hide a token: a prefix's fragment, and, once 40-hex tokens are
        # known, a stretch that encodes hex digits. Two passes: one regex for both is several
        # times slower. (A learned token's fragments are looked up: `_other_b64_hits`.)
        b64 = [prefix_trie()]
        if self._hex or self.every_hex40:  # an error's 40-hex token need not have been found
            b64.append(hex_b64_regex())
        self._compiled = (tokens, b64)
        if self._other:
            self._other_table = run_table(self._other_chars)
            if self._other_table is None:
                chars = "".join(re.escape(c) for c in sorted(self._other_chars))
                n = min(self._other_lengths)
                self._other_runs = re.compile(f"(?<![{chars}])[{chars}]{{{n},}}")
        return self._compiled

    def _other_spans(self, text: str) -> list[tuple[int, int]]:
        """The runs of the learned tokens' characters in `text` long enough to hold one."""
        self._regexes()
        if self._other_table is not None:
            return long_runs(text, self._other_table, min(self._other_lengths))
        if self._other_runs is None:
            return []
        return [m.span() for m in self._other_runs.finditer(text)]

    def _find_other(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, preview) of each learned token of no known shape in `text` (any letter
        case; leftmost, longest first, not overlapping): a set look-up at each position of
        each run of their characters, so the cost is linear in `text` however many they are."""
        spans = self._other_spans(text) if self._other else []
        if not spans:
            return []
        lengths = sorted(self._other_lengths, reverse=True)
        out: list[tuple[int, int, str]] = []
        skip_hex = not self._hex_heads
        for base, end in spans:
            if skip_hex and _ALL_HEX.fullmatch(text, base, end):
                continue  # a digest or commit id: no learned token starts in it
            run = text[base:end].lower()
            i, last = 0, len(run) - min(lengths)
            while i <= last:
                if run[i : i + _HEAD] in self._other_heads:
                    hit = next((n for n in lengths if run[i : i + n] in self._other), 0)
                    if hit:
                        out.append((base + i, base + i + hit, self._previews[run[i : i + hit]]))
                        i += hit
                        continue
                i += 1
        return out

    def _other_b64_hits(self, text: str) -> list[int]:
        """Where base64 text may hide a learned token of no known shape: the positions of
        the first characters of its fragments (set look-ups, linear in `text`)."""
        if not self._other:
            return []
        heads = self._other_b64
        skip_hex = not self._hex_b64_heads
        hits: list[int] = []
        for base, end in long_runs(text, B64_TABLE, self._other_b64_min or _HEAD):
            if skip_hex and _ALL_HEX.fullmatch(text, base, end):
                continue  # a digest or commit id: no fragment starts in it
            run = text[base:end]
            hits += [base + i for i in range(len(run) - _HEAD + 1) if run[i : i + _HEAD] in heads]
        return hits

    def _sub_other(self, text: str) -> str:
        """`text` with every learned token of no known shape replaced by its preview."""
        found = self._find_other(text)
        if not found:
            return text
        pieces, done = [], 0
        for start, end, preview in found:
            pieces += [text[done:start], preview]
            done = end
        return "".join(pieces) + text[done:]

    def _sub_tokens(self, text: str) -> str:
        """`text` with every raw token replaced: learned ones of no known shape, then shapes."""
        return self._sub_shapes(self._sub_other(text))

    def _sub_shapes(self, text: str) -> str:
        """`text` with every token of a known shape replaced by its preview. Where another
        token starts inside a match (a prefix that begins a shape of its own), each part gets
        a preview: with nothing between two tokens (`ghp_<body>ghr_<body>`) the first shape's
        body class took the second prefix's letters (`…ghr`) and stopped at its `_`, and the
        second token was written whole. The stretch grows to the end of the last token found
        in it (an installation token's JWT takes a following token's `_` and letters as its
        own, up to a `.` the next token's JWT holds), and nothing of it is written as it was."""
        shapes = self._regexes()[0]
        pieces: list[str] = []
        done = pos = 0
        while (m := shapes.search(text, pos)) is not None:
            start, end = m.span()
            cuts = [start]
            look = start + 1
            while (inner := _PREFIX.search(text, look, end + _LONGEST_PREFIX)) is not None:
                if inner.start() >= end:
                    break
                after = shapes.match(text, inner.start())
                if after is not None:
                    cuts.append(inner.start())
                    end = max(end, after.end())
                look = inner.start() + 1
            cuts.append(end)
            previews = [self._preview_of(text[a:b]) for a, b in itertools.pairwise(cuts)]
            pieces += [text[done:start], "".join(previews)]
            done = pos = end
        return "".join(pieces) + text[done:] if pieces else text

    def __call__(self, text: str) -> str:
        """`text` with every token replaced by its preview: a few C-speed regex passes, and
        Python work only where something token-like is (about 15 ms per MB of JSON report)."""
        return self._redact(self._sub_split(text))

    def _sub_split(self, text: str) -> str:
        """`text` with every token that a line break or an invisible character splits (see
        `patlint.splits`) replaced: each split stretch is redacted joined, and where that changes it,
        the part that changed takes the place of what it came from (splitters outside it stay,
        so a report keeps its lines)."""
        shortest = 24 if self._bodies is None else 16  # `ghp_` and 20; a learned body
        if self._other_lengths:
            shortest = min(shortest, *self._other_lengths)
        pieces: list[str] = []
        done = 0
        for spans in split_stretches(text):
            joined = "".join(text[lo:hi] for lo, hi in spans)
            if len(joined) < shortest:
                continue
            redacted = self._redact(joined)
            if redacted == joined:
                continue
            head = common_length(joined, redacted)
            tail = min(
                common_length(joined[::-1], redacted[::-1]),
                len(joined) - head,
                len(redacted) - head,
            )
            start, end = split_span(spans, head, len(joined) - tail)
            pieces += [text[done:start], redacted[head : len(redacted) - tail]]
            done = end
        return "".join(pieces) + text[done:] if pieces else text

    def _redact(self, text: str) -> str:
        """`text` with every token that nothing splits replaced by its preview."""
        if self._other or _PREFIX.search(text) is not None:
            text = self._sub_tokens(text)
        if self._hex or self.every_hex40:
            text = self._sub_hex_runs(text)
        if long_runs(text, B64_TABLE, self._b64_gate()):
            # A prefix's fragment anywhere: a run too short to hide a shaped token may hide a
            # learned one, re-cased or nested, that only the prefix before it points at.
            hits = [m.start() for rx in self._regexes()[1] for m in rx.finditer(text)]
            hits += self._other_b64_hits(text)
            if hits:
                text = self._replace_runs(text, hits, B64_CHARS, "base64")
        if "%" in text:
            hits = [m.start() for m in _PCT.finditer(text)]
            if hits:
                text = self._replace_runs(text, hits, _URL_CHARS, "percent")
        # the hex of 40 hex digits is looked for in the pass above (`_hex_preview`)
        hits = [m.start() for rx in hex_prefixes() for m in rx.finditer(text)]
        if hits:
            text = self._replace_runs(text, hits, HEX_CHARS, "hex")
        if self._bodies is not None:
            text = self._bodies._sub_bodies(text)
        return text

    def _b64_gate(self) -> int:
        """The shortest base64 run that can hide a token this redactor knows: a text without
        one is not searched for base64 at all (most messages)."""
        if self._other_b64_min is None:
            return _LONG_B64_MIN
        return min(_LONG_B64_MIN, self._other_b64_min)

    def _hex_hits(self, text: str) -> list[int]:
        """Where hex text may hide a token: a prefix's hex, and (once 40-hex tokens are known,
        or in an error) the hex of 40 hex digits."""
        hits = [m.start() for rx in hex_prefixes() for m in rx.finditer(text)]
        if self._hex or self.every_hex40:
            hits += [m.start() for m in _HEX_OF_HEX40.finditer(text)]
        return hits

    def _sub_bodies(self, text: str) -> str:
        """`text` with every learned token of no known shape replaced, raw or in base64 (the
        other passes are the outer redactor's): the bodies of tokens of a known shape."""
        text = self._sub_other(text)
        hits = self._other_b64_hits(text)
        return self._replace_runs(text, hits, B64_CHARS, "base64") if hits else text

    def _preview(self, m: re.Match[str]) -> str:
        return self._preview_of(m.group())

    def _preview_of(self, token: str) -> str:
        known = self._previews.get(token.lower())
        if known is not None:
            return known
        if token[:11].lower() == "github_pat_":
            return redact("github_pat_" + token[11:])
        return redact(token[:4].lower() + token[4:])

    def _sub_hex_runs(self, text: str) -> str:
        """`text` with each run of 40 hex digits or more replaced by `_hex_preview`'s answer
        (`_HEX_RUN.sub`, found the faster way)."""
        pieces: list[str] = []
        done = 0
        for start, end in long_runs(text, HEX_TABLE, _HEX_RUN_MIN):
            new = self._hex_preview(text, start, end)
            if new != text[start:end]:
                pieces += [text[done:start], new]
                done = end
        return "".join(pieces) + text[done:] if pieces else text

    def _hex_preview(self, text: str, start: int, end: int) -> str:
        """What the run of hex digits `text[start:end]` becomes."""
        value = text[start:end]
        if len(value) >= 80 and _HEX_OF_HEX40.search(value) is not None:
            previews = self._decoded_previews(value, "hex", 0)  # a 40-hex token, as hex
            if previews:
                return " ".join(dict.fromkeys(previews))
        # `\u001b` or `\x1b` (a control character, escaped) runs into a token's hex digits
        lead = {"\\u": 4, "\\x": 2}.get(text[max(start - 2, 0) : start], 0)
        if len(value) - lead != 40:
            # A longer hex string (a SHA-256) is no 40-hex token, but a known one may have run
            # into other hex digits (`a<token>`): every window of it is looked up.
            return self._known_hex_windows(value) if self._hex else value
        hex40 = value[lead:]
        known = self._previews.get(hex40.lower()) if hex40.lower() in self._hex else None
        if known is not None:
            return value[:lead] + known
        return value[:lead] + redact(hex40) if self.every_hex40 else value

    def _known_hex_windows(self, run: str) -> str:
        """`run` (hex digits) with every learned 40-hex token in it replaced by its preview."""
        lowered, pieces, done, i = run.lower(), [], 0, 0
        while i <= len(run) - 40:
            window = lowered[i : i + 40]
            if window in self._hex:
                pieces += [run[done:i], self._previews[window]]
                i = done = i + 40
            else:
                i += 1
        return "".join(pieces) + run[done:] if pieces else run

    def _replace_runs(
        self, text: str, hits: list[int], chars: frozenset[str], encoding: str
    ) -> str:
        """Each run of `chars` around a hit, decoded: replaced by the previews of the tokens it
        hides (the whole run: decoded bytes are never written, they could be anything)."""
        pieces: list[str] = []
        done = 0
        for start, end in runs(text, hits, chars):
            previews = self._decoded_previews(text[start:end], encoding, 0)
            if previews:
                # An escape the run starts inside (`\n`, `\u001b`, `\x1b` in JSON or a
                # table) keeps its characters: the output stays valid JSON.
                keep = min(start + escape_length(text, start), end)
                pieces += [text[done:keep], " ".join(dict.fromkeys(previews))]
                done = end
        return "".join(pieces) + text[done:] if pieces else text

    def _decoded_previews(self, run: str, encoding: str, depth: int) -> list[str]:
        """Previews of the tokens in `run` decoded as `encoding` (and, up to MAX_DEPTH,
        encoded again inside that)."""
        if encoding == "base64":
            decoded = b64_decodings(run)
        elif encoding == "hex":
            decoded = hex_decodings(run)
        else:
            import urllib.parse

            decoded = [urllib.parse.unquote(run, errors="replace")]
        depth += 1
        tokens, b64 = self._regexes()
        out: list[str] = []
        for text in decoded:
            out += [preview for _, _, preview in self._find_other(text)]
            out += [self._preview(m) for m in tokens.finditer(text)]
            if self._hex:  # decoded, a token may run into other hex digits: every window
                for m in _HEX_RUN.finditer(text):
                    hexrun = m.group().lower()
                    windows = (hexrun[i : i + 40] for i in range(len(hexrun) - 39))
                    out += [self._previews[w] for w in windows if w in self._hex]
            if self.every_hex40:  # an error: every standalone 40-hex string, found or not
                out += [
                    self._previews.get(m.group().lower()) or redact(m.group())
                    for m in _HEX40.finditer(text)
                ]
            if depth < MAX_DEPTH:
                hits = [m.start() for rx in b64 for m in rx.finditer(text)]
                hits += self._other_b64_hits(text)
                for start, end in runs(text, hits, B64_CHARS):
                    out += self._decoded_previews(text[start:end], "base64", depth)
                hits = [m.start() for m in _PCT.finditer(text)]
                for start, end in runs(text, hits, _URL_CHARS):
                    out += self._decoded_previews(text[start:end], "percent", depth)
                for start, end in runs(text, self._hex_hits(text), HEX_CHARS):
                    out += self._decoded_previews(text[start:end], "hex", depth)
        return out


def redact_text(text: str) -> str:
    """An error message with every token-shaped string (also every standalone 40-hex string)
    replaced by its preview: errors are printed before any token of the run is known."""
    return _strict()(text)


@cache
def _strict() -> Redactor:
    return Redactor(every_hex40=True)


class RedactingWriter:
    """A text stream that passes everything written through a `Redactor` before `target`
    (and, for a stream a CI log records, `cilog.defuse`).

    Text is held until a flush, so a token written in two pieces is still seen whole; `write`
    is the holding buffer's own (C) method, so a renderer's many small writes cost what they
    cost on a file. Bytes go through the redactor too: `buffer` (which click writes bytes to)
    decodes them into the same held text; `write` refuses bytes, as any text stream does.
    """

    def __init__(self, target: IO[str] | Any, redactor: Redactor, *, log: bool = False) -> None:
        import io

        self.target = target
        self.redactor = redactor
        # a stream a CI log records (stdout, stderr): no runner command in it (`cilog`), in
        # the notation `form` of what is written; `commands`: annotations of our own allowed
        self.log = log
        self.form = "text"
        self.commands = False
        self._held = io.StringIO()
        self.write = self._held.write
        self.buffer = _RedactingBuffer(self)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each of `lines`."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Redact and write everything held, then flush the target."""
        text = self._held.getvalue()
        if text:
            self._held.seek(0)
            self._held.truncate()
            text = self.redactor(text)
            if self.log:
                from patlint.cilog import defuse

                text = defuse(text, self.form, commands=self.commands)
            try:
                self.target.write(text)
            except UnicodeEncodeError:  # a target set to ASCII: UTF-8 bytes, as click does
                raw = getattr(self.target, "buffer", None)
                if raw is None:
                    raise
                self.target.flush()
                raw.write(text.encode("utf-8", "replace"))
        self.target.flush()

    def close(self) -> None:
        """Flush (the target is not closed: it belongs to whoever opened it)."""
        self.flush()

    @property
    def encoding(self) -> str:
        """The target's encoding (click asks, to decide whether the stream is usable)."""
        return str(getattr(self.target, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str:
        """The target's error handler."""
        return str(getattr(self.target, "errors", None) or "strict")

    def isatty(self) -> bool:
        """Whether the target is a terminal."""
        return bool(self.target.isatty())

    def fileno(self) -> int:
        """The target's file descriptor."""
        return int(self.target.fileno())

    def writable(self) -> bool:
        """Always: a writer."""
        return True

    def readable(self) -> bool:
        """Never."""
        return False

    def seekable(self) -> bool:
        """Never."""
        return False

    @property
    def closed(self) -> bool:
        """Whether the target is closed."""
        return bool(getattr(self.target, "closed", False))


class _RedactingBuffer:
    """The binary side of a `RedactingWriter`: bytes (UTF-8) join its held text."""

    def __init__(self, text: RedactingWriter) -> None:
        self._text = text

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Decode `data` (UTF-8, undecodable bytes replaced) into the held text."""
        self._text.write(bytes(data).decode("utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        """Flush the text side."""
        self._text.flush()

    def writable(self) -> bool:
        """Always: a writer."""
        return True

    def readable(self) -> bool:
        """Never."""
        return False

    def seekable(self) -> bool:
        """Never."""
        return False

    @property
    def closed(self) -> bool:
        """Whether the target is closed."""
        return self._text.closed
