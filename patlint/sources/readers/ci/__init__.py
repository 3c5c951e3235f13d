"""CI pipeline files (GitHub Actions, GitLab, CircleCI, Azure, Bitbucket, Travis) as YAML nodes.

`CiYamlReader` is the structured reader registered in `patlint.sources.readers.registry`. It
re-labels the tokens the engine found in the file with their YAML path
(`jobs.build.steps[2].with.password`) and reports place findings for the rules in
rules/policy/ci.yml. It never raises on a file: malformed YAML becomes a `ci-file-unparsable`
finding and the file's own hits stand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace

from patlint.kinds import KIND_NAMES
from patlint.model import Candidate, Context, Location, PlaceFinding
from patlint.sources.readers import Reading, Relabel
from patlint.sources.readers.ci import shell
from patlint.sources.readers.ci.common import FILE_TYPE, LEAK_WORDS, USAGE, CiFile
from patlint.sources.readers.ci.platforms import Platform, platform_for
from patlint.sources.readers.ci.yamldoc import (
    EXPANSION_LIMIT,
    Doc,
    ParseFailure,
    format_path,
    text_of,
)
from patlint.sources.values import Decoded

_TOKENISH_VAR = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$env:([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)"
    r"|%([A-Za-z_][A-Za-z0-9_]*)%|\$\(([A-Za-z_][A-Za-z0-9_.]*)\)"
)


class CiYamlReader:
    """Structured reader for CI pipeline YAML."""

    name = "ci-yaml"
    # Every token it reports (candidate or place) is one of the file's own hits, re-labelled:
    # without them it only has facts about the file's configuration (a history scan skips it).
    text_derived = True

    def matches(self, rel: str) -> bool:
        """True for the CI files patlint understands (see `platforms.PLATFORMS`)."""
        return platform_for(rel) is not None

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Parse the file and report token misuse with exact positions (token literals once the
        engine found them: `Reading.relabel`)."""
        platform = platform_for(rel)
        out = Reading()
        if platform is None:
            return out
        try:
            text = data.decode("utf-8")
            doc = Doc.parse(text)
        except UnicodeDecodeError as exc:
            out.relabel = _unparsable(rel, data, f"not UTF-8 (byte {exc.start})", platform)
            return out
        except ParseFailure as exc:
            out.relabel = _unparsable(rel, data, exc.reason, platform, exc.line, exc.column)
            return out
        out.decoded = _escaped_scalars(doc)
        f = CiFile(rel, data, doc, platform.name)
        if doc.expansion > EXPANSION_LIMIT:
            out.notices.append(
                f"{rel}: YAML aliases expand to more than {EXPANSION_LIMIT:,} nodes (an alias "
                "bomb?); each anchored value was analysed once, without expanding it"
            )
        if doc.truncated:
            out.notices.append(
                f"{rel}: more YAML nodes than patlint analyses; the rest was skipped"
            )
        if platform.name.startswith("github-"):
            from patlint.sources.readers.ci.github_actions import analyse

            for root in doc.roots:
                analyse(f, root, composite=platform.name == "github-action")
        else:
            _scripts(f, platform)
        out.places.extend(f.places)

        def relabel(found: Sequence[Candidate]) -> tuple[list[Candidate], list[PlaceFinding]]:
            literals = CiFile(rel, data, doc, platform.name)
            return _literals(literals, platform, found), literals.places

        out.relabel = relabel
        return out


def _escaped_scalars(doc: Doc) -> list[Decoded]:
    """Double-quoted scalars written with escapes (`"\\x67hp_…"`), keys and job ids too: their
    decoded text, which the text detectors never saw."""
    out = []
    for s in doc.scalars:
        if getattr(s.node, "style", None) == '"' and "\\" in doc.text[s.start : s.end]:
            offset = len(doc.text[: s.start].encode("utf-8", "surrogateescape"))
            out.append(Decoded(s.node.value, Context(file_type=FILE_TYPE, usage=USAGE), offset))
    return out


def _kind(c: Candidate) -> str:
    return KIND_NAMES.get(c.secret.kind, "token")


def _unparsable(
    rel: str,
    data: bytes,
    reason: str,
    platform: Platform,
    line: int | None = None,
    column: int | None = None,
) -> Relabel:
    """`ci-file-unparsable` at the problem mark; the file's token literals still get a CI
    finding each (and keep their own labels)."""
    return lambda found: ([], _unparsable_places(rel, data, reason, found, platform, line, column))


def _unparsable_places(
    rel: str,
    data: bytes,
    reason: str,
    candidates: Sequence[Candidate],
    platform: Platform,
    line: int | None,
    column: int | None,
) -> list[PlaceFinding]:
    from patlint.suppress import suppression_at

    places: list[PlaceFinding] = []
    offset = _line_offset(data, line or 1) + max((column or 1) - 1, 0)
    places.append(
        _place(
            "ci-file-unparsable",
            f"cannot parse CI file: {reason}; only the text detectors ran on it",
            Location(rel, line or 1, column or 1, offset),
            None,
            Context(file_type=FILE_TYPE, usage=USAGE),
            suppression_at(data, offset),
        )
    )
    seen: set[str] = set()
    for c in candidates:
        if c.secret.kind == "invalid" or c.secret.digest in seen:
            continue
        seen.add(c.secret.digest)
        places.append(
            _place(
                "token-literal-in-ci",
                f"GitHub {_kind(c)} {c.secret.preview} is written into the {platform.label} file "
                "(which patlint could not parse); everyone who can read the repository can use it",
                c.location,
                c,
                Context(file_type=FILE_TYPE, usage=USAGE, host=c.context.host),
                c.suppress,
            )
        )
    return places


def _line_offset(data: bytes, line: int) -> int:
    pos = 0
    for _ in range(line - 1):
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            return pos
        pos = nxt + 1
    return pos


def _place(
    rule_id: str,
    message: str,
    location: Location,
    cand: Candidate | None,
    context: Context,
    suppress: str | None,
) -> PlaceFinding:
    return PlaceFinding(
        rule_id=rule_id,
        message=message,
        location=location,
        secret=cand.secret if cand is not None else None,
        context=context,
        suppress=suppress,
    )


def _literals(f: CiFile, platform: Platform, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Re-label the file's own hits with their YAML path; one CI finding per token."""
    out: list[Candidate] = []
    reported: dict[str, int] = {}
    for c in candidates:
        path = None
        if c.location.line is not None and not c.location.binary:
            sc = f.doc.scalar_at(f.doc.index_at(c.location.line, c.location.column or 1))
            if sc is not None:
                key = text_of(sc.node) if sc.is_key else None
                path = (*sc.path, key) if key is not None else sc.path
        ctx = replace(f.context(path), host=c.context.host, encoding=c.context.encoding)
        out.append(replace(c, context=ctx))
        if c.secret.kind == "invalid":
            continue
        reported[c.secret.digest] = reported.get(c.secret.digest, 0) + 1
        if reported[c.secret.digest] > 1:
            continue
        where = f" at {format_path(path)}" if path else " (in a comment)"
        how = (
            f" as {c.context.key}"
            if c.context.key and c.context.key.endswith(("argument", "credential"))
            else ""
        )
        in_vars = path is not None and platform.is_variables(path)
        rule = "token-in-ci-variables" if in_vars else "token-literal-in-ci"
        fix = (
            f"; {platform.variables_label} are stored in the repository, use a masked, "
            "protected CI/CD variable or secret instead"
            if in_vars
            else "; everyone who can read the repository (and its forks) can use it"
        )
        if c.location.offset is None or c.location.line is None:
            continue
        f.places.append(
            _place(
                rule,
                f"GitHub {_kind(c)} {c.secret.preview} is written into the {platform.label} "
                f"file{where}{how}{fix}",
                c.location,
                c,
                ctx,
                c.suppress,
            )
        )
    return out


def _scripts(f: CiFile, platform: Platform) -> None:
    """Secrets echoed or written to files by the shell of GitLab/CircleCI/Azure/… jobs."""
    for sc in f.doc.scalars:
        if sc.is_key or sc.node.tag != "tag:yaml.org,2002:str":
            continue
        keys = [p for p in sc.path if isinstance(p, str)]
        if not keys or keys[-1] not in platform.script_keys:
            continue
        text = str(sc.node.value)
        refs = [shell.Ref(s, e, n, n) for s, e, n in shell.expression_secrets(text)]
        for m in _TOKENISH_VAR.finditer(text):
            name = next(g for g in m.groups() if g)
            if shell.tokenish(name):
                refs.append(shell.Ref(m.start(), m.end(), m.group(), m.group()))
        for leak in shell.leaks(text, sorted(refs, key=lambda r: r.start)):
            words = LEAK_WORDS[leak.how].format(target=leak.target)
            f.add(
                "secret-echoed-or-persisted",
                f"{leak.ref.name} {words}",
                f.in_value(sc.node, leak.ref.start),
                sc.path,
            )


READER = CiYamlReader()
