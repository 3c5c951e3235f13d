"""CI policy rules: one module per rule of rules/policy/ci.yml, each a function over the
parsed CI file (`patlint.sources.readers.ci.model.CiModel`).

The CI reader parses a workflow (or a GitLab, CircleCI, Azure, Bitbucket, Travis file) into
the model and carries it on its `Reading`; the engine calls `places` with the model and the
file's own token hits, where the reader used to report these findings itself. A rule module
defines `check(ci, found) -> Iterable[PlaceFinding]`; its row in `RULES` names its rule id
and module (a module under `patlint.policy.ci`, or a full dotted path). Modules are imported
on first use: a scan that meets no CI file imports none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from patlint.model import Candidate, PlaceFinding
    from patlint.sources.readers.ci.model import CiModel

    CiRule = Callable[[CiModel, Sequence[Candidate]], Iterable[PlaceFinding]]

# (rule id in rules/policy/ci.yml, module); findings are reported in this order.
RULES: list[tuple[str, str]] = [
    ("ci-file-unparsable", "ci_file_unparsable"),
    ("token-literal-in-ci", "token_literal_in_ci"),
    ("token-in-ci-variables", "token_in_ci_variables"),
    ("github-token-write-all", "github_token_write_all"),
    ("secrets-inherit", "secrets_inherit"),
    ("pull-request-target-checkout", "pull_request_target_checkout"),
    ("pat-where-github-token-would-do", "pat_where_github_token_would_do"),
    ("secret-echoed-or-persisted", "secret_echoed_or_persisted"),
    ("missing-permissions-block", "missing_permissions_block"),
]


@cache
def rule(module: str) -> CiRule:
    """The `check` function of a row's module (imported once)."""
    name = module if "." in module else f"patlint.policy.ci.{module}"
    check: CiRule = importlib.import_module(name).check
    return check


def places(ci: CiModel, found: Sequence[Candidate]) -> list[PlaceFinding]:
    """Every CI rule's findings for one file; `found` are the file's own token hits."""
    out: list[PlaceFinding] = []
    for _rule_id, module in RULES:
        out.extend(rule(module)(ci, found))
    return out
