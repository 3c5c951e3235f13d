"""Just enough shell to judge CI scripts: commands, pipelines, redirects, heredocs, `gh` calls.

Works on a script's value (the YAML scalar after unquoting); every offset returned is an offset
into that value, which the caller maps back to a file line/column. `${{ … }}` expressions,
quotes and `$( … )` are opaque, so `||` inside an expression never splits a command.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_SECRET_IN_EXPR = re.compile(
    r"(?<![\w.-])secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])"
    r"|(?<![\w.-])github\s*\.\s*(token)\b"
)
ECHO_WORDS = frozenset({"echo", "printf", "print", "write-host", "write-output", "puts"})
FILE_WRITERS = frozenset({"tee", "out-file", "set-content", "add-content"})
ENCODERS = frozenset({"base64", "rev", "xxd", "od", "hexdump", "basenc", "openssl"})
_PREFIX_WORDS = frozenset({"sudo", "command", "exec", "builtin", "env", "time", "nohup"})
_REDIRECT = re.compile(
    r"(?<![<&\d])(?:\d|&)?(>>?|>\|)\s*(\"[^\"]*\"|'[^']*'|\$\{\{.*?\}\}|[^\s;|&<>()]+)"
)
# Standard output sent to /dev/null (`>`, `>>`, `1>`, `&>`; not `2>`): nothing reaches the log.
_DISCARD = re.compile(r"(?<![<&\d])(?:1|&)?(?:>>?|>\|)\s*([\"']?)/dev/null\1(?=$|[\s;|&<>()])")
_WORD = re.compile(r"(?:\$\{\{.*?\}\}|\"[^\"]*\"|'[^']*'|[^\s\"'$]+|\$)+")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_WORDS = frozenset({"token", "pat", "password", "passwd", "pwd", "secret", "apikey"})


def tokenish(name: str) -> bool:
    """True for variable names that say they hold a credential: GH_PAT, githubToken, api-key."""
    parts = [w.lower() for w in _NAME_WORDS.findall(name)]
    joined = {a + b for a, b in itertools.pairwise(parts)}
    return bool(_SECRET_WORDS.intersection(parts) or "apikey" in joined)


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a secret inside a script: `${{ secrets.X }}` or `$VAR` bound to one."""

    start: int  # offset in the script value
    end: int
    name: str  # "secrets.X", "github.token", "$VAR"
    secret: str  # the secret it stands for ("secrets.X"), or the variable name


@dataclass(frozen=True, slots=True)
class Leak:
    """A secret printed to the log or written to a file by a script."""

    ref: Ref
    how: str  # "log" | "encoded-log" | "file" | "github-env" | "github-output" | "step-summary"
    target: str = ""  # the file written, when how is a file


def expression_secrets(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, "secrets.X") for every secret named in a `${{ }}` expression of `text`."""
    for m in EXPR.finditer(text):
        for s in _SECRET_IN_EXPR.finditer(m.group(1)):
            name = s.group(1) or s.group(2)
            yield m.start(), m.end(), f"secrets.{name}" if name else "github.token"


def variable_refs(text: str, names: dict[str, str]) -> Iterator[Ref]:
    """`$NAME`, `${NAME}`, `$env:NAME`, `%NAME%`, `$(NAME)` uses of the variables in `names`."""
    if not names:
        return
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    rx = re.compile(
        rf"\$\{{({alt})(?:[:}}])|\$env:({alt})\b|\$({alt})(?![A-Za-z0-9_])|%({alt})%|\$\(({alt})\)"
    )
    for m in rx.finditer(text):
        name = next(g for g in m.groups() if g)
        yield Ref(m.start(), m.end(), f"${name}", names[name])


@dataclass(frozen=True, slots=True)
class Stage:
    """One command of a pipeline, as offsets into the script."""

    start: int
    end: int


def logical_lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line, backslash-continued lines joined."""
    start = 0
    i = 0
    n = len(text)
    while i <= n:
        nl = text.find("\n", i)
        if nl < 0:
            if start < n:
                yield start, n
            return
        if nl > 0 and text[nl - 1] == "\\":
            i = nl + 1
            continue
        yield start, nl
        start = i = nl + 1


def pipelines(text: str, start: int, end: int) -> list[list[Stage]]:
    """Split a line into `;`/`&&`/`||`-separated pipelines of `|`-separated stages."""
    out: list[list[Stage]] = []
    stages: list[Stage] = []
    seg = start
    i = start
    quote = ""
    depth = 0
    while i < end:
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = ""
            i += 1
            continue
        if text.startswith("${{", i):
            close = text.find("}}", i + 3, end)
            i = close + 2 if close >= 0 else end
            continue
        if text.startswith("$(", i):
            depth += 1
            i += 2
            continue
        if c == ")" and depth:
            depth -= 1
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == start or text[i - 1] in " \t") and not depth:
            break
        elif not depth and c in ";|&":
            two = text[i : i + 2]
            if two in ("&&", "||"):
                stages.append(Stage(seg, i))
                out.append(stages)
                stages = []
                i += 2
                seg = i
                continue
            if c == "&" and (text[i - 1 : i] in (">", "<") or text[i + 1 : i + 2] == ">"):
                i += 1
                continue
            if c == "|" and text[i - 1 : i] == ">":
                i += 1
                continue
            stages.append(Stage(seg, i))
            if c != "|":
                out.append(stages)
                stages = []
            i += 1
            seg = i
            continue
        i += 1
    stages.append(Stage(seg, i))
    out.append(stages)
    kept = [[s for s in p if text[s.start : s.end].strip()] for p in out]
    return [p for p in kept if p]


def command_word(text: str, stage: Stage) -> str:
    """The command a stage runs (env assignments and sudo/env/… prefixes skipped), lower-cased."""
    for word in words(text[stage.start : stage.end]):
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word) or word.lower() in _PREFIX_WORDS:
            continue
        return word.rsplit("/", 1)[-1].lower()
    return ""


def redirects(text: str, stage: Stage) -> list[str]:
    """Files a stage's standard output is redirected to (`>`, `>>`; not `>&2`, not /dev/null)."""
    out = []
    for m in _REDIRECT.finditer(text, stage.start, stage.end):
        target = m.group(2).strip("\"'")
        if target.startswith("&") or target in ("/dev/null", "/dev/stderr", "/dev/stdout"):
            continue
        out.append(target)
    return out


def stage_args(text: str, stage: Stage) -> list[str]:
    """Whitespace-separated words of a stage after the command word (quotes stripped)."""
    ws = words(text[stage.start : stage.end])
    cmd = command_word(text, stage)
    for i, w in enumerate(ws):
        if w.rsplit("/", 1)[-1].lower() == cmd:
            return [x.strip("\"'") for x in ws[i + 1 :]]
    return []


def discarded(text: str, stage: Stage) -> bool:
    """True when a stage's standard output goes to /dev/null."""
    return _DISCARD.search(text, stage.start, stage.end) is not None


def words(text: str) -> list[str]:
    """Shell words, keeping quoted strings and `${{ … }}` expressions whole."""
    return [m.group() for m in _WORD.finditer(text)]


_OUTSIDE_WORKSPACE = re.compile(
    r"^(?:~|\$\{?HOME\}?|\$\{?RUNNER_TEMP\}?|\$\{\{\s*runner\.temp\s*\}\}|/tmp|/dev/)(?:/|$)"
)


def classify_target(target: str) -> str | None:
    """`github-env`, `github-output`, `step-summary`, `file` (in the workspace) or None."""
    t = target.upper()
    if "GITHUB_ENV" in t:
        return "github-env"
    if "GITHUB_OUTPUT" in t or "GITHUB_STATE" in t:
        return "github-output"
    if "GITHUB_STEP_SUMMARY" in t:
        return "step-summary"
    if _OUTSIDE_WORKSPACE.match(target):
        return None  # the home folder or temp space of the runner: not uploaded with the workspace
    return "file"


def leaks(text: str, refs: list[Ref]) -> list[Leak]:
    """Secrets a script prints to the log or writes to a file (echo/printf/heredoc/tee)."""
    if not refs:
        return []
    out: list[Leak] = []
    heredoc: tuple[str, list[str]] | None = None  # (delimiter, targets) while inside a heredoc
    for start, end in logical_lines(text):
        line = text[start:end]
        inside = [r for r in refs if start <= r.start < end]
        if heredoc is not None:
            if line.strip() == heredoc[0]:
                heredoc = None
                continue
            for r in inside:
                out.extend(_to_targets(r, heredoc[1]))
            continue
        for pipe in pipelines(text, start, end):
            first = pipe[0]
            cmd = command_word(text, first)
            hd = _HEREDOC.search(text, first.start, first.end)
            if hd is not None:
                targets: list[str] = []
                if cmd in ("cat", "tee", *ECHO_WORDS):
                    targets = [t for s in pipe for t in redirects(text, s)]
                    for s in pipe[1:]:
                        if command_word(text, s) in FILE_WRITERS:
                            targets += [a for a in stage_args(text, s) if not a.startswith("-")]
                    if cmd == "tee":
                        targets += [a for a in stage_args(text, first) if a[:1] not in ("-", "<")]
                    if (
                        not targets
                        and len(pipe) == 1
                        and cmd != "tee"
                        and not discarded(text, first)
                    ):
                        targets = ["(log)"]
                heredoc = (hd.group(2), targets)
                continue
            mine = [r for r in inside if first.start <= r.start < first.end]
            herestring = cmd == "cat" and "<<<" in line
            if not mine or (cmd not in ECHO_WORDS and not herestring):
                continue
            targets = redirects(text, first)
            downstream = pipe[1:]
            for s in downstream:
                targets += redirects(text, s)
                if command_word(text, s) in FILE_WRITERS:
                    targets += [a for a in stage_args(text, s) if not a.startswith("-")]
            for r in mine:
                if targets:
                    out.extend(_to_targets(r, targets))
                elif not downstream:
                    if not discarded(text, first):
                        out.append(Leak(r, "log"))
                elif command_word(text, downstream[-1]) in ENCODERS and not discarded(
                    text, downstream[-1]
                ):
                    out.append(Leak(r, "encoded-log"))
    return out


def _to_targets(ref: Ref, targets: list[str]) -> list[Leak]:
    if targets == ["(log)"]:
        return [Leak(ref, "log")]
    out = []
    for t in targets:
        how = classify_target(t)
        if how is not None:
            out.append(Leak(ref, how, t))
    return out


# --- gh calls ----------------------------------------------------------------------------------

# (subcommand, verbs that only read) -> permission; other verbs need write.
_GH_PERMS: dict[str, tuple[str, frozenset[str]]] = {
    "pr": (
        "pull-requests",
        frozenset({"view", "list", "status", "diff", "checks", "checkout"}),
    ),
    "issue": ("issues", frozenset({"view", "list", "status"})),
    "label": ("issues", frozenset({"list"})),
    "release": ("contents", frozenset({"view", "list", "download"})),
    "run": ("actions", frozenset({"view", "list", "watch", "download"})),
    "workflow": ("actions", frozenset({"view", "list"})),
    "cache": ("actions", frozenset({"list"})),
}
_SAME_REPO = re.compile(
    r"^(?:\$\{\{\s*github\.repository\s*\}\}|\$\{?GITHUB_REPOSITORY\}?|\$env:GITHUB_REPOSITORY)$"
)


@dataclass(frozen=True, slots=True)
class GhCall:
    """One `gh` command in a script and what GITHUB_TOKEN would need for it (None: cannot)."""

    start: int
    subcommand: str
    needs: dict[str, str] | None


def gh_calls(text: str) -> list[GhCall]:
    """Every `gh …` command in a script, with the permissions it needs on this repository."""
    calls = []
    for start, end in logical_lines(text):
        for pipe in pipelines(text, start, end):
            for stage in pipe:
                if command_word(text, stage) != "gh":
                    continue
                args = stage_args(text, stage)
                calls.append(GhCall(stage.start, args[0] if args else "", _gh_needs(args)))
    return calls


def _gh_needs(args: list[str]) -> dict[str, str] | None:
    if len(args) < 2 or args[0] not in _GH_PERMS:
        return None  # gh api, gh repo, gh secret, … : GITHUB_TOKEN's fit cannot be told
    for i, a in enumerate(args):
        repo = None
        if a in ("-R", "--repo") and i + 1 < len(args):
            repo = args[i + 1]
        elif a.startswith("--repo="):
            repo = a.split("=", 1)[1]
        if repo is not None and not _SAME_REPO.match(repo):
            return None  # another repository: GITHUB_TOKEN only reaches its own
    sub, verb = args[0], args[1]
    perm, reads = _GH_PERMS[sub]
    needs = {perm: "read" if verb in reads else "write"}
    if sub == "pr" and verb == "merge":
        needs["contents"] = "write"
    if sub == "pr" and verb in ("checkout", "diff"):
        needs["contents"] = "read"
    return needs
