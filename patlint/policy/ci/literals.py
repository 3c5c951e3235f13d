"""Where the file's own tokens sit in a CI file: shared by `token-literal-in-ci` and
`token-in-ci-variables` (each token reported once, by the rule its first place calls for)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from patlint.kinds import KIND_NAMES
from patlint.model import Candidate, Context, PlaceFinding
from patlint.sources.readers.ci.model import CiModel
from patlint.sources.readers.ci.yamldoc import Path, format_path


@dataclass(frozen=True, slots=True)
class Sighting:
    """A token's first place in the file: its hit, YAML path and whether that is a variable."""

    found: Candidate
    path: Path | None
    context: Context
    in_variables: bool


def kind_name(c: Candidate) -> str:
    """The token kind's name for messages ("token" for an unknown kind)."""
    return KIND_NAMES.get(c.secret.kind, "token")


def sightings(ci: CiModel, found: Sequence[Candidate]) -> Iterator[Sighting]:
    """The first place of each token (invalid ones aside) that has a line and an offset."""
    seen: set[str] = set()
    for c in found:
        if c.secret.kind == "invalid" or c.secret.digest in seen:
            continue
        seen.add(c.secret.digest)
        if c.location.offset is None or c.location.line is None:
            continue
        path = None
        if not c.location.binary:
            path = ci.yaml_path_at(c.location.line, c.location.column or 1)
        ctx = replace(ci.context(path), host=c.context.host, encoding=c.context.encoding)
        in_vars = path is not None and ci.platform.is_variables(path)
        yield Sighting(c, path, ctx, in_vars)


def place(ci: CiModel, rule_id: str, s: Sighting, fix: str) -> PlaceFinding:
    """The finding for a sighting: where the token is, how it is used, and `fix`."""
    c = s.found
    where = f" at {format_path(s.path)}" if s.path else " (in a comment)"
    how = (
        f" as {c.context.key}"
        if c.context.key and c.context.key.endswith(("argument", "credential"))
        else ""
    )
    return PlaceFinding(
        rule_id=rule_id,
        message=f"GitHub {kind_name(c)} {c.secret.preview} is written into the "
        f"{ci.platform.label} file{where}{how}{fix}",
        location=c.location,
        secret=c.secret,
        context=s.context,
        suppress=c.suppress,
    )
