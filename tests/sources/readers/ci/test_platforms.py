"""Which files are CI pipelines, and whose (`platform_for`)."""

from __future__ import annotations

import pytest

from patlint.sources.readers.ci import CiYamlReader
from patlint.sources.readers.ci.platforms import platform_for


@pytest.mark.parametrize(
    ("rel", "platform"),
    [
        (".github/workflows/ci.yml", "github-workflow"),
        ("sub/repo/.github/workflows/release.yaml", "github-workflow"),
        ("action.yml", "github-action"),
        ("actions/setup/action.yaml", "github-action"),
        (".gitlab-ci.yml", "gitlab"),
        ("ci/build.gitlab-ci.yml", "gitlab"),
        (".gitlab/ci/deploy.yml", "gitlab"),
        (".circleci/config.yml", "circleci"),
        ("azure-pipelines.yml", "azure"),
        ("azure-pipelines-release.yaml", "azure"),
        (".azure-pipelines/build.yml", "azure"),
        ("bitbucket-pipelines.yml", "bitbucket"),
        (".travis.yml", "travis"),
    ],
)
def test_platform_for_path(rel: str, platform: str) -> None:
    found = platform_for(rel)
    assert found is not None and found.name == platform
    assert CiYamlReader().matches(rel)


@pytest.mark.parametrize(
    "rel",
    [
        ".github/workflows/README.md",
        ".github/workflows/sub/ci.yml",
        ".github/dependabot.yml",
        "docker-compose.yml",
        "config.yml",
        "notaction.yml",
    ],
)
def test_other_files_are_not_claimed(rel: str) -> None:
    assert platform_for(rel) is None
