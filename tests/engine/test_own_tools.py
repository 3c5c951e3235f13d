"""The tokens this machine's own tools log in with, found where the registry rows say their
files live (Docker's `$DOCKER_CONFIG` and Podman's file included), decoded as in a scan."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine.own_tools import tool_files, used_by
from patlint.engine.ruleset import build_ruleset
from patlint.model import sha256_hex


def test_tools_files_and_the_tokens_they_log_in_with(
    home: Path, tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    docker_dir = tmp_path / "dk"
    docker_dir.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(docker_dir))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    gh, docker, podman, git, other = (token(k) for k in ("gho", "ghp", "ghp", "ghp", "ghp"))
    (home / ".config" / "gh").mkdir(parents=True)
    (home / ".config" / "gh" / "hosts.yml").write_text(f"github.com:\n  oauth_token: {gh}\n")
    auth = base64.b64encode(f"octo:{docker}".encode()).decode()  # found only once decoded
    (docker_dir / "config.json").write_text(json.dumps({"auths": {"ghcr.io": {"auth": auth}}}))
    (tmp_path / "run" / "containers").mkdir(parents=True)
    (tmp_path / "run" / "containers" / "auth.json").write_text(
        json.dumps(
            {"auths": {"ghcr.io": {"auth": base64.b64encode(f"u:{podman}".encode()).decode()}}}
        )
    )
    (home / ".git-credentials").write_text(f"https://octo:{git}@github.com\n")
    (home / ".netrc").write_text(f"machine github.com password {other}\n")  # no tool's login

    files = {(tool, path) for tool, path, _name in tool_files()}
    assert ("docker login", str(docker_dir / "config.json")) in files
    assert ("gh", str(home / ".config" / "gh" / "hosts.yml")) in files
    assert ("hub", os.path.join(str(home / ".config"), "hub")) in files
    detector = Detector(build_ruleset(Config()).detectors)
    digests = {sha256_hex(t) for t in (gh, docker, podman, git, other)}
    got = used_by(digests, detector)
    assert got == {
        sha256_hex(gh): ["gh (~/.config/gh/hosts.yml)"],
        sha256_hex(docker): [f"docker login ({docker_dir / 'config.json'})"],
        sha256_hex(podman): [f"docker login ({tmp_path / 'run' / 'containers' / 'auth.json'})"],
        sha256_hex(git): ["git credentials (~/.git-credentials)"],
    }
