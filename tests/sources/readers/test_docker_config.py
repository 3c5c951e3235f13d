"""Docker config.json: auths (base64 auth, identitytoken), credsStore/credHelpers, helpers."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from patlint.model import Context
from patlint.sources.readers.docker_config import ask_helpers, helper_plan
from tests.sources.home import at, digest, hygiene, notices, scan_home, write


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_auths_base64_identitytoken_and_scheme_keys(home: Path, token: Any) -> None:
    t_ghcr, t_https, t_pkg, t_hub = token("ghp"), token("ghp"), token("github_pat"), token("ghp")
    doc = {
        "auths": {
            "ghcr.io": {"auth": b64(f"octocat:{t_ghcr}")},
            "https://ghcr.io": {"auth": b64(f"octocat:{t_https}")},
            "docker.pkg.github.com": {"identitytoken": t_pkg},
            "https://index.docker.io/v1/": {"auth": b64(f"me:{t_hub}")},
        }
    }
    write(home, ".docker/config.json", json.dumps(doc, indent=2))
    result = scan_home(home)
    path = "~/.docker/config.json"
    [c] = at(result, t_ghcr, path)
    assert (c.location.line, c.location.note) == (4, "base64 in auths.ghcr.io.auth")
    assert c.context == Context(
        file_type="docker-config",
        key="auths.ghcr.io.auth",
        host="ghcr.io",
        usage="container-registry",
        encoding="base64",
    )
    assert c.rule_id == "github-classic-pat"
    [c] = at(result, t_https, path)
    assert (c.location.line, c.context.host, c.context.key) == (
        7,
        "ghcr.io",
        "auths.https://ghcr.io.auth",
    )
    [c] = at(result, t_pkg, path)
    assert c.location.line == 10
    assert c.context == Context(
        file_type="docker-config",
        key="auths.docker.pkg.github.com.identitytoken",
        host="docker.pkg.github.com",
        usage="container-registry",
    )
    assert c.rule_id == "github-fine-grained-pat"
    [c] = at(result, t_hub, path)
    assert c.context.host == "index.docker.io"
    # Plaintext (no helper) for every registry; Docker Hub is a host a GitHub token cannot use.
    assert hygiene(result, "plaintext-credential-store", "token-for-wrong-host") == [
        ("plaintext-credential-store", path, 4, digest(t_ghcr)),
        ("plaintext-credential-store", path, 7, digest(t_https)),
        ("plaintext-credential-store", path, 10, digest(t_pkg)),
        ("plaintext-credential-store", path, 13, digest(t_hub)),
        ("token-for-wrong-host", path, 13, digest(t_hub)),
    ]
    # 0600: nobody else can read it.
    assert hygiene(result, "credential-file-readable-by-others") == []


def test_creds_store_and_helpers_are_notices_not_errors(home: Path, token: Any) -> None:
    doc = {
        "auths": {"ghcr.io": {}, "https://index.docker.io/v1/": {}},
        "credsStore": "desktop",
        "credHelpers": {"docker.pkg.github.com": "pass", "gcr.io": "gcloud"},
    }
    write(home, ".docker/config.json", json.dumps(doc), mode=0o644)
    result = scan_home(home)
    assert result.tokens == []
    assert result.findings == []
    assert notices(result) == [
        "~/.docker/config.json: registry credentials are held by helper 'desktop' "
        "(docker-credential-desktop); not read (--credential-helpers asks it)",
        "~/.docker/config.json: credentials for docker.pkg.github.com are held by helper 'pass' "
        "(docker-credential-pass); not read (--credential-helpers asks it)",
    ]


def test_token_inline_with_creds_store_is_not_plaintext_finding(home: Path, token: Any) -> None:
    t = token("ghp")
    doc = {"auths": {"ghcr.io": {"auth": b64(f"me:{t}")}}, "credHelpers": {"ghcr.io": "pass"}}
    write(home, ".docker/config.json", json.dumps(doc), mode=0o640)
    result = scan_home(home)
    assert hygiene(result, "plaintext-credential-store") == []
    assert hygiene(result, "credential-file-readable-by-others") == [
        ("credential-file-readable-by-others", "~/.docker/config.json", None, None)
    ]
    [f] = [f for f in result.findings if f.rule_id == "credential-file-readable-by-others"]
    assert f.message == (
        "~/.docker/config.json holds 1 token and is readable by group (mode 0640); chmod 600 it"
    )


def test_docker_config_env_dir_outside_home(
    home: Path, token: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = token("ghp")
    cfg = tmp_path / "dockercfg"
    cfg.mkdir()
    (cfg / "config.json").write_text(json.dumps({"auths": {"ghcr.io": {"auth": b64(f"u:{t}")}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(cfg))
    result = scan_home(home)
    [c] = at(result, t, str(cfg / "config.json"))
    assert (c.context.file_type, c.context.host) == ("docker-config", "ghcr.io")


def test_podman_auth_json(home: Path, token: Any) -> None:
    t = token("ghp")
    write(
        home,
        ".config/containers/auth.json",
        json.dumps({"auths": {"ghcr.io": {"auth": b64(f"u:{t}")}}}),
    )
    [c] = at(scan_home(home), t, "~/.config/containers/auth.json")
    assert c.context.key == "auths.ghcr.io.auth"


@pytest.mark.parametrize(
    "template,reason",
    [
        (
            '{"auths": {"ghcr.io": {"auth": "\n{t}\n',
            "not valid JSON (Invalid control character at line 1 column 33)",
        ),
        ('["{t}"]', "expected a JSON object at the top level"),
        ('{"auths": ["{t}"]}', "'auths' is not an object"),
        ("[" * 100000 + '"{t}"' + "]" * 100000, "not valid JSON (nested too deeply)"),
    ],
)
def test_malformed_config_is_reported_and_scanned_as_text(
    home: Path, token: Any, template: str, reason: str
) -> None:
    t = token("ghp")
    write(home, ".docker/config.json", template.replace("{t}", t))
    result = scan_home(home)
    [c] = at(result, t, "~/.docker/config.json")
    assert c.context.file_type == "text"  # the text detectors ran
    assert [n for n in notices(result) if "cannot parse" in n] == [
        f"cannot parse ~/.docker/config.json: {reason}, scanned as text"
    ]


def _helper(bin_dir: Path, name: str, secrets: dict[str, str], log: Path, sleep: float = 0) -> None:
    """A fake docker-credential-NAME speaking the helper protocol (list, get)."""
    script = bin_dir / f"docker-credential-{name}"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys, time\n"
        f"SECRETS = {json.dumps(secrets)}\n"
        f"time.sleep({sleep})\n"
        "action = sys.argv[1]\n"
        "data = sys.stdin.read().strip()\n"
        f"open({str(log)!r}, 'a').write((action + ' ' + data).strip() + '\\n')\n"
        "if action == 'list':\n"
        "    print(json.dumps({k: 'octocat' for k in SECRETS}))\n"
        "elif action == 'get' and data in SECRETS:\n"
        "    print(json.dumps({'ServerURL': data, 'Username': 'octocat', 'Secret': SECRETS[data]}))\n"
        "else:\n"
        "    print('credentials not found in native keychain'); sys.exit(1)\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_credential_helpers_opt_in(
    home: Path, token: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t_store, t_pkg, t_hub = token("ghp"), token("ghp"), token("ghp")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    _helper(
        bin_dir, "desktop", {"https://ghcr.io": t_store, "https://index.docker.io/v1/": t_hub}, log
    )
    _helper(bin_dir, "pass", {"docker.pkg.github.com": t_pkg}, log)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    doc = {"auths": {}, "credsStore": "desktop", "credHelpers": {"docker.pkg.github.com": "pass"}}
    write(home, ".docker/config.json", json.dumps(doc))

    # Without the flag no helper runs.
    result = scan_home(home)
    assert result.tokens == [] and not log.exists()

    result = scan_home(home, credential_helpers=True)
    [c] = at(result, t_store, "docker-credential-desktop:ghcr.io")
    assert c.context == Context(
        file_type="credential-helper",
        key="docker-credential-desktop ghcr.io",
        host="ghcr.io",
        usage="container-registry",
    )
    assert c.location.note == "held by helper desktop"
    [c] = at(result, t_pkg, "docker-credential-pass:docker.pkg.github.com")
    assert c.context.host == "docker.pkg.github.com"
    # Only GitHub registries are asked for: Docker Hub's secret is never requested.
    assert at(result, t_hub, "docker-credential-desktop:index.docker.io") == []
    assert sorted(log.read_text().splitlines()) == [
        "get docker.pkg.github.com",
        "get https://ghcr.io",
        "list",
    ]


def test_credential_helper_timeout_and_missing(
    home: Path, token: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _helper(bin_dir, "slow", {"ghcr.io": token("ghp")}, tmp_path / "log", sleep=5)
    cfg = write(
        home,
        ".docker/config.json",
        json.dumps({"credsStore": "slow", "credHelpers": {"ghcr.io": "nope"}}),
    )
    env = {"PATH": str(bin_dir)}
    got = ask_helpers([str(cfg)], timeout=0.5, env=env)
    assert got.values == ()
    assert got.notices == (
        "~/.docker/config.json: credential helper docker-credential-nope not found",
        "docker-credential-slow list: no answer within 0.5s",
    )


def test_helper_plan_refuses_nothing_but_lists_github_registries() -> None:
    doc = {
        "credsStore": "osxkeychain",
        "credHelpers": {"ghcr.io": "a", "gcr.io": "b", "https://docker.pkg.github.com": "c"},
    }
    assert helper_plan(doc) == [
        ("a", "ghcr.io"),
        ("c", "https://docker.pkg.github.com"),
        ("osxkeychain", None),
    ]


def test_wrapped_base64_auth_keeps_its_line(home: Path, token: Any) -> None:
    # `base64` without -w0 wraps at 76 characters: the JSON string holds "\n" escapes, so the
    # decoded value was never found in the file and the finding had no line at all.
    t = token("ghp")
    wrapped = base64.encodebytes(f"a.very.long.user.name@example.com:{t}".encode()).decode()
    assert "\n" in wrapped.rstrip("\n")
    doc = {"auths": {"https://ghcr.io/v2/": {"auth": wrapped}}}
    text = json.dumps(doc, indent=2)
    write(home, ".docker/config.json", text)
    result = scan_home(home)
    [c] = at(result, t, "~/.docker/config.json")
    value_col = text.splitlines()[3].index('"auth": "') + len('"auth": "') + 1
    assert (c.location.line, c.location.column) == (4, value_col)
    assert (c.context.host, c.context.encoding) == ("ghcr.io", "base64")
