"""What patlint writes to a CI log can never be a command of the CI runner.

A CI runner reads a step's output line by line and obeys what looks like a command in it:

- GitHub Actions: `::name props::data` at the start of a line (after blanks; a line ends at
  `\\n` or `\\r`), and the older `##[name props]data` anywhere in a line (still obeyed for
  `error`, `add-mask`, `stop-commands`, `add-matcher`, `set-output`, …);
- Azure Pipelines `##vso[area.action]…` and TeamCity `##teamcity[…]`, anywhere in a line.

File names, contents, YAML keys and config values of a scanned tree reach the log in messages
and reports: a file called `x ##[add-mask]ghp_` would hide every token preview, a config key
holding `\\n::set-output name=findings::0` would forge the Action's outputs. `defuse` escapes
the one character that makes each form a command, in the notation of the text around it, so
a JSON or XML document means exactly what it meant (`#\\u0023[` reads back as `##[`); plain
text shows `\\x23` / `\\x3a`, as patlint shows every other character it will not print raw.

Applied by `redaction.RedactingWriter` to everything written to stdout and stderr (the
streams a CI log records); a file written with `-o` is not a log, and is written as it is.
"""

from __future__ import annotations

_AFTER_HASHES = ("[", "vso[", "teamcity[")  # after `##`, in any case (Azure ignores it)
_BREAKS = "\r\n"
# form -> (escaped second `#`, escaped second `:`)
_ESCAPES = {
    "text": ("\\x23", "\\x3a"),
    "json": ("\\u0023", "\\u003a"),  # only inside strings: JSON has `#` nowhere else
    "xml": ("&#35;", "&#58;"),  # XML and HTML text and attribute values (no CDATA written)
}
FORMS = tuple(_ESCAPES)


def defuse(text: str, form: str = "text", *, commands: bool = False) -> str:
    """`text` with no runner command in it: the second `#` of `##[` (`##vso[`, `##teamcity[`)
    escaped everywhere, and the second `:` of a line-leading `::` unless `commands` (the
    `github` format and `ci github` write their own annotations: tree text inside them is
    escaped where they are built). `form` is the notation of `text`: `text`, `json` or `xml`."""
    hashes, colons = _ESCAPES[form]
    if "##" in text:
        text = _escape_at(text, _hash_commands(text), hashes)
    if not commands and "::" in text:
        text = _escape_at(text, _line_commands(text), colons)
    return text


def _hash_commands(text: str) -> list[int]:
    """Where the second `#` of each `##[` (`##vso[`, `##teamcity[`) is."""
    at = []
    i = text.find("##")
    while i >= 0:
        rest = text[i + 2 : i + 11].lower()
        if rest.startswith(_AFTER_HASHES):
            at.append(i + 1)
        i = text.find("##", i + 1)
    return at


def _line_commands(text: str) -> list[int]:
    """Where the second `:` of each `::` that starts a line (after white space) is: the text's
    start, `\n` and `\r` start a line (Python's `isspace` is .NET's white space, U+2028 too)."""
    at = []
    i = text.find("::")
    while i >= 0:
        j = i
        while j > 0 and text[j - 1] not in _BREAKS and text[j - 1].isspace():
            j -= 1
        if j == 0 or text[j - 1] in _BREAKS:
            at.append(i + 1)
        i = text.find("::", i + 2)
    return at


def _escape_at(text: str, at: list[int], escaped: str) -> str:
    """`text` with the character at each index of `at` (ascending) written as `escaped`."""
    if not at:
        return text
    parts = []
    pos = 0
    for i in at:
        parts.append(text[pos:i])
        parts.append(escaped)
        pos = i + 1
    parts.append(text[pos:])
    return "".join(parts)


def form_of(fmt: str) -> str:
    """The notation of report format `fmt` (`json`, `sarif`, `junit`, `html`, …)."""
    if fmt in ("json", "sarif", "gitlab-codequality", "gitlab-secret-detection"):
        return "json"
    if fmt in ("junit", "html"):
        return "xml"
    return "text"
