"""`token-literal-in-ci`: a GitHub token written into a CI file (outside its variables)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from patlint.model import Candidate, Context, PlaceFinding
from patlint.policy.ci.literals import kind_name, place, sightings
from patlint.sources.readers.ci.common import FILE_TYPE, USAGE
from patlint.sources.readers.ci.model import CiModel

RULE_ID = "token-literal-in-ci"


def check(ci: CiModel, found: Sequence[Candidate]) -> Iterator[PlaceFinding]:
    """One finding per token of the file, at its first place (a file that could not be
    parsed: every token, without a YAML path)."""
    if ci.failure is not None:
        yield from _unparsable(ci, found)
        return
    for s in sightings(ci, found):
        if not s.in_variables:
            yield place(
                ci,
                RULE_ID,
                s,
                "; everyone who can read the repository (and its forks) can use it",
            )


def _unparsable(ci: CiModel, found: Sequence[Candidate]) -> Iterator[PlaceFinding]:
    seen: set[str] = set()
    for c in found:
        if c.secret.kind == "invalid" or c.secret.digest in seen:
            continue
        seen.add(c.secret.digest)
        yield PlaceFinding(
            rule_id=RULE_ID,
            message=f"GitHub {kind_name(c)} {c.secret.preview} is written into the "
            f"{ci.platform.label} file (which patlint could not parse); everyone who can read "
            "the repository can use it",
            location=c.location,
            secret=c.secret,
            context=Context(file_type=FILE_TYPE, usage=USAGE, host=c.context.host),
            suppress=c.suppress,
        )
