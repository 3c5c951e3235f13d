"""`token-in-ci-variables`: a GitHub token as the value of a pipeline variable in the file
(GitLab `variables:`, CircleCI `environment:`, Azure/Bitbucket `variables:`, Travis `env:`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from patlint.model import Candidate, PlaceFinding
from patlint.policy.ci.literals import place, sightings
from patlint.sources.readers.ci.model import CiModel

RULE_ID = "token-in-ci-variables"


def check(ci: CiModel, found: Sequence[Candidate]) -> Iterator[PlaceFinding]:
    """One finding per token whose first place is a variable of the platform."""
    if ci.failure is not None:
        return
    for s in sightings(ci, found):
        if s.in_variables:
            yield place(
                ci,
                RULE_ID,
                s,
                f"; {ci.platform.variables_label} are stored in the repository, use a masked, "
                "protected CI/CD variable or secret instead",
            )
