"""Readers yield values, the engine searches once and joins (`patlint/engine/readings.py`).

A structured file is searched by the detector once: a value written as is in it takes the
file's own hits in its bytes; only what a reader decoded is searched again, in decoded form.
A value cannot make the engine report a token it does not hold: the bytes it claims to be
written at are checked.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine import filescan
from patlint.engine.readings import FileHits, values_candidates
from patlint.engine.ruleset import build_ruleset
from patlint.model import Candidate, Context, sha256_hex
from patlint.sources.values import Value

TokenFactory = Callable[..., str]
DETECTOR = Detector(build_ruleset(Config()).detectors)


@pytest.fixture
def searched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every buffer the detector is run on (nested decoding not counted)."""
    calls: list[bytes] = []
    real = Detector.scan

    def counting(self: Detector, data: bytes, **kw: Any) -> Any:
        if not kw.get("depth"):
            calls.append(data)
        return real(self, data, **kw)

    monkeypatch.setattr(Detector, "scan", counting)
    yield calls


def _scan(path: Path, rel: str) -> filescan.FileResult:
    return filescan.scan_path(str(path), rel, DETECTOR, max_size=1 << 20)


def _only(res: filescan.FileResult, token: str) -> Candidate:
    [c] = [c for c in res.candidates if c.secret.digest == sha256_hex(token)]
    return c


@pytest.mark.parametrize(
    ("rel", "write", "context"),
    [
        (
            ".npmrc",
            lambda t: f"registry=https://r.example/\n//npm.pkg.github.com/:_authToken={t}\n",
            Context("npmrc", "_authToken", "npm.pkg.github.com", "npm"),
        ),
        (
            ".env",
            lambda t: f"A=1\nexport GH_TOKEN='{t}'\nB=2\n",
            Context("dotenv", "GH_TOKEN", None, "dotenv"),
        ),
        (
            "gradle.properties",
            lambda t: f"org.gradle.jvmargs=-Xmx2g\ngpr.key={t}\n",
            Context("gradle-properties", "gpr.key", "maven.pkg.github.com", "gradle"),
        ),
        (
            ".netrc",
            lambda t: f"machine github.com login octo password {t}\n",
            Context("netrc", "password", "github.com", "netrc"),
        ),
        (
            ".git-credentials",
            lambda t: f"https://octo:{t}@github.com\n",
            Context("git-credentials", "password", "github.com", "git"),
        ),
        (
            ".config/gh/hosts.yml",
            lambda t: f"github.com:\n    user: octo\n    oauth_token: {t}\n",
            Context("gh-hosts", "github.com.oauth_token", "github.com", "gh-cli"),
        ),
        (
            ".m2/settings.xml",
            lambda t: (
                "<settings><servers><server><id>github</id><username>octo</username>"
                f"<password>{t}</password></server></servers></settings>"
            ),
            Context(
                "maven-settings", "servers.server[github].password", "maven.pkg.github.com", "maven"
            ),
        ),
        (
            ".docker/config.json",
            lambda t: json.dumps({"auths": {"ghcr.io": {"identitytoken": t}}}),
            Context(
                "docker-config", "auths.ghcr.io.identitytoken", "ghcr.io", "container-registry"
            ),
        ),
        (
            ".git/modules/lib/config",
            lambda t: f'[remote "origin"]\n\turl = https://x:{t}@github.com/o/r.git\n',
            Context("git-config", "remote.origin.url", "github.com", "git"),
        ),
    ],
)
def test_a_structured_file_is_searched_once(
    tmp_path: Path,
    token: TokenFactory,
    searched: list[bytes],
    rel: str,
    write: Callable[[str], str],
    context: Context,
) -> None:
    t = token("ghp")
    path = tmp_path / "f"
    path.write_text(write(t))
    res = _scan(path, rel)
    assert _only(res, t).context == context  # the reader's view of the token
    assert searched == [path.read_bytes()]  # and the detector ran once, on the file


def test_a_decoded_value_is_searched_in_its_decoded_form(
    tmp_path: Path, token: TokenFactory, searched: list[bytes]
) -> None:
    t = token("ghp")
    auth = base64.b64encode(f"octo:{t}".encode()).decode()
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"auths": {"ghcr.io": {"auth": auth}}}))
    c = _only(_scan(path, ".docker/config.json"), t)
    assert (c.context.key, c.context.encoding) == ("auths.ghcr.io.auth", "base64")
    assert c.location.note == "base64 in auths.ghcr.io.auth"
    # The file once, then the password the reader decoded (the user name `octo` holds no
    # keyword: the pre-check keeps it from the detector).
    assert searched == [path.read_bytes(), t.encode()]


def test_a_percent_encoded_token_starting_before_its_value_is_joined(
    tmp_path: Path, token: TokenFactory, searched: list[bytes]
) -> None:
    t = token("ghp")
    path = tmp_path / ".env"
    path.write_text(f"GH_TOKEN={t.replace('_', '%5F')}\n")
    c = _only(_scan(path, ".env"), t)
    # The file's hit starts at the line (the URL-safe run `GH_TOKEN=ghp%5F…`), the value after
    # `=`: the bytes it was read from overlap the value, so it is the value's token.
    assert (c.context.file_type, c.context.key, c.location.column) == ("dotenv", "GH_TOKEN", 10)
    assert len(searched) == 1


def test_a_token_beside_a_value_keeps_its_own_context(tmp_path: Path, token: TokenFactory) -> None:
    t = token("ghp")
    path = tmp_path / ".env"
    path.write_text(f"# old: {t}\nGH_HOST=github.com\n")
    c = _only(_scan(path, ".env"), t)
    assert (c.context.file_type, c.location.line) == ("text", 1)


def _hits(data: bytes, rel: str = "f") -> FileHits:
    res, spans = filescan._scan_buffer(data, rel, DETECTOR)
    return FileHits(data, rel, res.candidates, spans)


def test_a_value_is_joined_only_where_its_bytes_are(token: TokenFactory) -> None:
    """A reader cannot make the engine give a token to a value that does not hold it: the
    bytes at its offset must be its text, or its text is searched instead."""
    t = token("ghp")
    data = f"x={t}\ny=abc\n".encode()
    hits = _hits(data)
    ctx = Context("dotenv", "y")
    lying = Value("abc", ctx, offset=2)  # claims to be written where the token is
    honest = Value("abc", ctx, offset=data.index(b"abc"))
    hidden = Value(t, ctx, offset=data.index(b"abc"))  # decoded elsewhere: searched
    got = values_candidates(
        [lying, honest, hidden], DETECTOR, data=data, rel="f", hits=hits, text=hits.candidates
    )
    assert [[c.secret.digest for c in cands] for cands in got] == [[], [], [sha256_hex(t)]]
    [c] = got[2]
    assert (c.location.line, c.location.column, c.context) == (2, 3, ctx)


def test_env_and_helper_values_are_places_of_their_own(token: TokenFactory) -> None:
    t = token("ghp")
    [[c]] = values_candidates(
        [Value(f"MY_TOKEN={t}", Context("env", "MY_TOKEN"), path="env:MY_TOKEN")], DETECTOR
    )
    assert (c.location.path, c.location.line, c.location.offset) == ("env:MY_TOKEN", None, None)
    assert c.context == Context("env", "MY_TOKEN")


def test_history_blob_with_a_reader_is_searched_once(
    token: TokenFactory, searched: list[bytes]
) -> None:
    import io

    from patlint.engine.history import BlobScan

    t = token("ghp")
    data = f"//npm.pkg.github.com/:_authToken={t}\n".encode()
    res = BlobScan(DETECTOR, max_size=1 << 20)(io.BytesIO(data), ".npmrc", ".npmrc", len(data))
    assert _only(res, t).context.file_type == "npmrc"
    assert searched == [data]
