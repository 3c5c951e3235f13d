"""Which CI system a path belongs to, where its variables live and which keys hold shell."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from patlint.sources.readers.ci.yamldoc import Path

_YAML = r"\.ya?ml$"


def _keys(path: Path) -> list[str]:
    return [p for p in path if isinstance(p, str)]


def _gitlab_vars(path: Path) -> bool:
    keys = _keys(path)
    return "variables" in keys[:2]


def _circleci_vars(path: Path) -> bool:
    return "environment" in _keys(path)


def _azure_vars(path: Path) -> bool:
    return "variables" in _keys(path)


def _bitbucket_vars(path: Path) -> bool:
    return "variables" in _keys(path)


def _travis_vars(path: Path) -> bool:
    keys = _keys(path)
    return "env" in keys and "secure" not in keys


def _none(path: Path) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Platform:
    """A CI system: how its files are named and where tokens may hide in them."""

    name: str  # github-workflow, github-action, gitlab, circleci, azure, bitbucket, travis
    label: str  # for messages
    pattern: re.Pattern[str]  # on the shown path
    is_variables: Callable[[Path], bool]
    variables_label: str
    script_keys: frozenset[str]


_SCRIPTS = frozenset(
    {
        "script",
        "before_script",
        "after_script",
        "after-script",
        "before_install",
        "install",
        "after_success",
        "after_failure",
        "before_deploy",
        "after_deploy",
        "before_cache",
        "command",
        "run",
        "bash",
        "pwsh",
        "powershell",
        "inlineScript",
    }
)

PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "github-workflow",
        "GitHub Actions workflow",
        re.compile(r"(?:^|/)\.github/workflows/[^/]+" + _YAML),
        _none,
        "",
        frozenset({"run"}),
    ),
    Platform(
        "github-action",
        "GitHub Actions action",
        re.compile(r"(?:^|/)action" + _YAML),
        _none,
        "",
        frozenset({"run"}),
    ),
    Platform(
        "gitlab",
        "GitLab CI",
        re.compile(
            r"(?:^|/)(?:[^/]*\.gitlab-ci|\.gitlab/(?:[^/]+/)*[^/]+|\.?gitlab-ci/(?:[^/]+/)*[^/]+)"
            + _YAML
            + r"|(?:^|/)\.gitlab-ci"
            + _YAML
        ),
        _gitlab_vars,
        "GitLab `variables:`",
        _SCRIPTS,
    ),
    Platform(
        "circleci",
        "CircleCI",
        re.compile(r"(?:^|/)\.circleci/[^/]+" + _YAML),
        _circleci_vars,
        "CircleCI `environment:`",
        _SCRIPTS,
    ),
    Platform(
        "azure",
        "Azure Pipelines",
        re.compile(
            r"(?:^|/)(?:azure-pipelines[^/]*|\.azure-pipelines/(?:[^/]+/)*[^/]+|\.azuredevops/[^/]+)"
            + _YAML
        ),
        _azure_vars,
        "Azure Pipelines `variables:`",
        _SCRIPTS,
    ),
    Platform(
        "bitbucket",
        "Bitbucket Pipelines",
        re.compile(r"(?:^|/)bitbucket-pipelines" + _YAML),
        _bitbucket_vars,
        "Bitbucket `variables:`",
        _SCRIPTS,
    ),
    Platform(
        "travis",
        "Travis CI",
        re.compile(r"(?:^|/)\.travis" + _YAML),
        _travis_vars,
        "Travis `env:`",
        _SCRIPTS,
    ),
)


def platform_for(rel: str) -> Platform | None:
    """The CI platform whose file `rel` is, or None."""
    if not rel.endswith((".yml", ".yaml")):  # every pattern ends in _YAML: a cheap first cut
        return None
    for p in PLATFORMS:
        if p.pattern.search(rel):
            return p
    return None
