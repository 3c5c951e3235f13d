"""The explicit registry of structured readers (one import and one entry per reader)."""

from __future__ import annotations

from patlint.sources import ci as _ci
from patlint.sources import docker_config as _docker_config
from patlint.sources import dotenv as _dotenv
from patlint.sources import gh_hosts as _gh_hosts
from patlint.sources import git_config as _git_config
from patlint.sources import git_credentials as _git_credentials
from patlint.sources import gradle as _gradle
from patlint.sources import maven as _maven
from patlint.sources import netrc as _netrc
from patlint.sources import notebook as _notebook
from patlint.sources import npmrc as _npmrc
from patlint.sources import nuget as _nuget
from patlint.sources import shell as _shell
from patlint.sources.readers import FileReader

READERS: tuple[FileReader, ...] = (
    _docker_config.READER,  # ~/.docker/config.json, containers/auth.json, .dockercfg
    _git_credentials.READER,  # ~/.git-credentials, git/credentials
    _git_config.READER,  # .git/config remotes, ~/.gitconfig credential.helper
    _gh_hosts.READER,  # gh hosts.yml (both layouts), ~/.config/hub
    _netrc.READER,  # .netrc / _netrc
    _npmrc.READER,  # .npmrc
    _maven.READER,  # settings.xml
    _nuget.READER,  # NuGet.Config
    _gradle.READER,  # gradle.properties
    _dotenv.READER,  # .env, .env.*
    _shell.READER,  # rc files and histories
    _notebook.READER,  # *.ipynb
    _ci.READER,  # CI pipelines: GitHub Actions, GitLab, CircleCI, Azure, Bitbucket, Travis
)


def readers_for(rel: str) -> list[FileReader]:
    """Readers that claim the file shown as `rel`."""
    return [r for r in READERS if r.matches(rel)]
