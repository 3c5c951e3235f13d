"""Redaction audit: every command and output format, at the most verbose level, and not one
token — in any letter case, nor its base64 (any alignment, either alphabet) or percent-encoded
form — in stdout, stderr, report files, the verification cache, the baseline or log output.

* a tree full of tokens of every kind (plain, base64, percent-encoded, in history, in the
  environment), through every command;
* one abuse test per place where a token is also a key, a host or a name (each must also be
  reported as a token);
* API answers that echo a token, errors that quote one encoded, a `--debug` traceback.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import sha256_hex
from tests.github_emulator import Emulator, emulator_running

KINDS = ["ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "ghs_jwt", "legacy"]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulated api.github.com."""
    yield from emulator_running()


def _b64_fragments(data: bytes) -> list[str]:
    """The base64 characters fully determined by `data` at each of the three byte alignments,
    in both alphabets: any base64 text that holds `data` contains one of them."""
    out = []
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data).decode()
        start = (k * 8 + 5) // 6  # the first character not touched by the k leading bytes
        stop = (len(data) + k) * 8 // 6  # the last character touched only by `data`
        std = enc[start:stop]
        out += [std, std.replace("+", "-").replace("/", "_")]
    return out


def _forms(t: str) -> list[str]:
    """Every shape a leak of `t` could take in text (compared lower-cased where case does not
    matter): the token itself, its body without the prefix, and base64 of it as found, lower-
    and upper-cased (any alignment, either alphabet). Percent-encoding is handled by decoding
    the text (any part of the token encoded, upper- or lower-case hex)."""
    forms = {t.lower()}
    if "_" in t[:11]:
        forms.add(t.split("_", 1)[1].lower() if not t.startswith("github_pat_") else t[11:].lower())
    for variant in {t, t.lower(), t.upper()}:
        forms.update(_b64_fragments(variant.encode()))
    return sorted(forms)


def leaks(text: str, tokens: dict[str, str]) -> list[str]:
    """Names of the tokens `text` shows in any form (see `_forms`)."""
    lowered = text.lower()
    decoded = unquote(unquote(text)).lower()  # GitHub annotations escape `%` once more
    out = []
    for name, t in tokens.items():
        for form in _forms(t):
            hay = (text, unquote(text)) if form != form.lower() else (lowered, decoded)
            if any(form in h for h in hay):
                out.append(f"{name} ({form[:6]}…)")
                break
    return out


class Audit:
    """Collects every text patlint produced, labelled by where it came from."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        self.texts: list[tuple[str, str]] = []

    def add(self, label: str, text: str) -> None:
        self.texts.append((label, text))

    def run(self, label: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
        old = os.getcwd()
        os.chdir(cwd)
        try:
            res = CliRunner().invoke(cli, ["--debug", *args], env=env)
        finally:
            os.chdir(old)
        self.add(f"{label} stdout", res.stdout)
        self.add(f"{label} stderr", res.stderr)
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            import traceback

            self.add(
                f"{label} traceback",
                "".join(traceback.format_exception(res.exception)),
            )
        return res

    def leaks(self) -> list[str]:
        out = []
        for label, text in self.texts:
            out += [f"{label}: {what}" for what in leaks(text, self.tokens)]
        return out


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def tree(tmp_path: Path, token: Any, emulator: Emulator) -> tuple[Path, dict[str, str]]:
    """A git repository with every kind of token, in every encoding, also in its history."""
    tokens = {kind: token(kind if kind != "ghs_jwt" else "ghs_jwt") for kind in KINDS}
    tokens["history"] = token("ghp")
    tokens["suppressed"] = token("ghp")
    tokens["b64"] = token("ghp")
    tokens["pct"] = token("gho")
    tokens["ci"] = token("ghp")
    tokens["env"] = token("ghp")
    for name, t in tokens.items():
        if name not in ("ghr", "ghs_jwt", "legacy"):
            emulator.add(t, kind="ghp", scopes="repo, admin:org, delete_repo")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "old.txt").write_text(f"token = {tokens['history']}\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "add")
    (root / "old.txt").unlink()
    _git(root, "commit", "-q", "-am", "remove")
    t = tokens
    (root / "app.py").write_text(
        f'GH = "{t["ghp"]}"\nOAUTH = "{t["gho"]}"\nUSER = "{t["ghu"]}"\n'
        f'INST = "{t["ghs"]}"\nREFRESH = "{t["ghr"]}"\nJWT = "{t["ghs_jwt"]}"\n'
        f'OK = "{t["suppressed"]}"  # patlint: ignore\n'
    )
    (root / ".env").write_text(f"GITHUB_TOKEN={t['github_pat']}\n")
    (root / "clone.sh").write_text(
        f"git clone https://{t['legacy']}@github.com/o/r.git\n"
        f"git clone https://x:{quote(t['pct'], safe='').replace('_', '%5F')}@github.com/o/r\n"
    )
    auth = base64.b64encode(f"user:{t['b64']}".encode()).decode()
    (root / ".docker").mkdir()
    (root / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": auth}}}, indent=2)
    )
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: echo hi\n        env:\n          GH_TOKEN: {t['ci']}\n"
    )
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "tree")
    return root, tokens


def test_no_command_or_format_ever_shows_a_token(
    tree: tuple[Path, dict[str, str]],
    emulator: Emulator,
    home: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root, tokens = tree
    audit = Audit(tokens)
    caplog.set_level(logging.DEBUG)
    api = ("--github-api", emulator.base_url)
    env = {"GITHUB_TOKEN": tokens["env"], "CR_PAT": tokens["env"]}
    out = tmp_path / "out"
    out.mkdir()

    # every format, to stdout and to a file, online (emulator) with the cache on
    formats = ("text", "json", "sarif", "github", "junit", "html")
    for fmt in (*formats, "gitlab-codequality", "gitlab-secret-detection"):
        res = audit.run(
            f"scan {fmt}",
            "scan",
            "-v",
            "--no-progress",
            "--format",
            fmt,
            *api,
            ".",
            cwd=root,
            env=env,
        )
        assert res.exit_code == 1, (fmt, res.output)
        report = out / f"report.{fmt}"
        res = audit.run(
            f"scan {fmt} -o",
            "scan",
            "-v",
            "--format",
            fmt,
            "-o",
            str(report),
            *api,
            "--env",
            "--no-suppress",
            ".",
            cwd=root,
            env=env,
        )
        assert res.exit_code == 1, (fmt, res.output)
        audit.add(f"report file {fmt}", report.read_text(encoding="utf-8"))
    assert emulator.tokens_seen() >= {tokens["ghp"], tokens["github_pat"], tokens["env"]}

    # the job summary GitHub Actions asks for, as written and as GitHub renders it (unescaped)
    summary = out / "summary.md"
    res = audit.run(
        "scan step summary",
        "scan",
        "--no-progress",
        *api,
        "--env",
        "--no-suppress",
        "--report",
        f"sarif={out / 'extra.sarif'}",
        ".",
        cwd=root,
        env={**env, "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert res.exit_code == 1, res.output
    text = summary.read_text(encoding="utf-8")
    assert text.count("| `gh") >= 7, text  # a row per token
    audit.add("job summary", text)
    audit.add("job summary rendered", re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text))
    audit.add("--report sarif", (out / "extra.sarif").read_text(encoding="utf-8"))

    # what was found, so the audit is known to have had something to leak
    doc = json.loads((out / "report.json").read_text())
    kinds = {f["token"]["kind"] for f in doc["findings"] if f.get("token")}
    assert {"ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "legacy"} <= kinds
    assert any(f["rule_id"] == "god-token" for f in doc["findings"])
    notes = {f["location"].get("note", "") for f in doc["findings"]}
    assert any("base64" in n for n in notes), notes
    paths = {f["location"]["path"] for f in doc["findings"]}
    assert "env:CR_PAT" in paths or "env:GITHUB_TOKEN" in paths, paths

    # the verification cache
    cache_files = list((home / ".cache" / "patlint").rglob("*"))
    assert any(p.is_file() for p in cache_files)
    for p in cache_files:
        if p.is_file():
            audit.add(f"cache {p.name}", p.read_text(encoding="utf-8", errors="replace"))

    # history
    res = audit.run(
        "history", "scan", "-v", "--history", "--offline", "--format", "json", ".", cwd=root
    )
    assert res.exit_code == 1 and "old.txt" in res.stdout

    # baselines
    bl = out / "baseline.json"
    assert audit.run("baseline create", "baseline", "create", str(bl), cwd=root).exit_code == 0
    (root / "new.txt").write_text(f"x = {tokens['ghp']}\n")
    assert audit.run("baseline update", "baseline", "update", str(bl), cwd=root).exit_code == 0
    audit.add("baseline file", bl.read_text())
    audit.run("scan --baseline", "scan", "-v", "--offline", "--baseline", str(bl), ".", cwd=root)

    # revoke, dry run, from the report and from a file of tokens
    res = audit.run(
        "revoke report",
        "revoke",
        "--from-report",
        str(out / "report.json"),
        "--root",
        str(root),
        "--dry-run",
        *api,
        cwd=root,
    )
    assert res.exit_code == 0, res.output
    leaked = out / "leaked.txt"
    leaked.write_text("\n".join(tokens.values()) + "\n")
    res = audit.run(
        "revoke file",
        "revoke",
        "--file",
        str(leaked),
        "--dry-run",
        "--format",
        "json",
        *api,
        cwd=root,
    )
    assert res.exit_code == 0, res.output

    # org inventory (SAML part) against the emulator, the owner token in the environment
    from tests.github.test_org import OWNER_TOKEN, seed
    from tests.github_emulator_org import install

    seed(install(emulator))
    for fmt in ("text", "json"):
        res = audit.run(
            f"org {fmt}",
            "org",
            "acme",
            *api,
            "--token-env",
            "ORG_OWNER",
            "--format",
            fmt,
            cwd=root,
            env={"ORG_OWNER": OWNER_TOKEN},
        )
        assert res.exit_code == 1 and "ghp_…" in res.stdout, res.output  # findings, previews
    audit.tokens["owner"] = OWNER_TOKEN

    # rules, explain, and errors that name a token-looking value
    audit.run("rules", "rules", cwd=root)
    audit.run("explain", "explain", "github-classic-pat", cwd=root)
    audit.run("explain unknown", "explain", tokens["ghp"], cwd=root)
    bad = out / "bad.yaml"
    bad.write_text(f"fail_on: {tokens['ghp']}\nrules:\n  {tokens['gho']}: {{enabled: false}}\n")
    res = audit.run("bad config", "scan", "--offline", "--config", str(bad), ".", cwd=root)
    assert res.exit_code == 2
    bad.write_text(f"allow: {tokens['ghu']}\nexclude: [{tokens['ghs']}\n")
    res = audit.run("broken yaml", "scan", "--offline", "--config", str(bad), ".", cwd=root)
    assert res.exit_code == 2
    res = audit.run("bad flag", "scan", "--offline", "--fail-on", tokens["ghp"], ".", cwd=root)
    assert res.exit_code == 2
    res = audit.run("bad enable", "scan", "--offline", "--enable", tokens["gho"], ".", cwd=root)
    res = audit.run("bad path", "scan", "--offline", tokens["ghu"], cwd=root)

    audit.add("log records", "\n".join(r.getMessage() for r in caplog.records))
    leaks = audit.leaks()
    assert leaks == [], "\n".join(leaks)
    assert len(audit.texts) > 40


# --- a token that is a key, a host or a name ---------------------------------------------------
#
# Each place below puts one token K where a reader takes it for a key, a host or a name, next to
# a token V the reader reports with that key/host/name as its context (so K used to be printed in
# `context.key`, `context.host`, notes, messages and remediation, sometimes lower-cased). K must
# not show in any output, in any letter case or encoding, and must itself be reported as a token.


def _place_workflow_env_key(root: Path, k: str, v: str) -> None:
    wf = root / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        f"on: push\nenv:\n  {k}: {v}\njobs:\n  b:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo hi\n"
    )


def _place_job_id(root: Path, k: str, v: str) -> None:
    wf = root / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        f"on: push\njobs:\n  {k}:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: gh release list\n        env:\n          GH_TOKEN: {v}\n"
    )


def _place_docker_auths_key(root: Path, k: str, v: str) -> None:
    (root / ".docker").mkdir()
    auth = base64.b64encode(f"octo:{v}".encode()).decode()
    (root / ".docker" / "config.json").write_text(
        json.dumps({"auths": {f"https://{k}/v1/": {"auth": auth}}}, indent=2)
    )


def _place_docker_auths_key_escaped(root: Path, k: str, v: str) -> None:
    # JSON reads `\u0067` as `g`: the text detectors see no `ghp_`, the reader's host is the token
    (root / ".docker").mkdir()
    auth = base64.b64encode(f"octo:{v}".encode()).decode()
    escaped = f"\\u{ord(k[0]):04x}{k[1:]}"
    (root / ".docker" / "config.json").write_text(
        '{"auths": {"https://' + escaped + '/": {"auth": "' + auth + '"}}}'
    )


def _place_job_id_escaped(root: Path, k: str, v: str) -> None:
    wf = root / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        f'on: push\njobs:\n  "\\x{ord(k[0]):02x}{k[1:]}":\n    runs-on: ubuntu-latest\n'
        f"    steps:\n      - run: gh release list\n        env:\n          GH_TOKEN: {v}\n"
    )


def _place_netrc_machine(root: Path, k: str, v: str) -> None:
    (root / ".netrc").write_text(f"machine {k} login octo password {v}\n")
    (root / ".netrc").chmod(0o600)


def _place_gh_hosts_host(root: Path, k: str, v: str) -> None:
    (root / "gh").mkdir()
    (root / "gh" / "hosts.yml").write_text(
        f"{k}:\n  user: octo\n  oauth_token: {v}\n  git_protocol: https\n"
    )


def _place_npmrc_registry(root: Path, k: str, v: str) -> None:
    (root / ".npmrc").write_text(f"@octo:registry=https://{k}/\n//{k}/:_authToken={v}\n")


def _place_git_remote_name(root: Path, k: str, v: str) -> None:
    _git(root, "remote", "add", k, f"https://octo:{v}@github.com/o/r.git")


def _place_maven_id(root: Path, k: str, v: str) -> None:
    (root / "settings.xml").write_text(
        f"<settings><servers><server><id>{k}</id><username>octo</username>"
        f"<password>{v}</password></server></servers></settings>\n"
    )


def _place_shell_variable(root: Path, k: str, v: str) -> None:
    (root / ".bashrc").write_text(f"export {k}={v}\n")


def _place_dotenv_variable(root: Path, k: str, v: str) -> None:
    (root / ".env").write_text(f"{k}={v}\n")


def _place_file_name(root: Path, k: str, v: str) -> None:
    (root / k).write_text(f"GH_TOKEN={v}\n")


def _place_folder_name(root: Path, k: str, v: str) -> None:
    (root / k).mkdir()
    (root / k / "deploy.env").write_text(f"GH_TOKEN={v}\n")


def _place_skipped_name(root: Path, k: str, v: str) -> None:
    os.mkfifo(root / k)  # never opened: listed among the skipped places (-v, JSON `skipped`)
    (root / "deploy.env").write_text(f"GH_TOKEN={v}\n")


def _place_env_var_name(root: Path, k: str, v: str) -> None:
    (root / "deploy.env").write_text("nothing here\n")


def _place_yaml_tag(root: Path, k: str, v: str) -> None:
    # gh's hosts.yml with a tag: "cannot parse … could not determine a constructor for the tag"
    (root / "gh").mkdir()
    (root / "gh" / "hosts.yml").write_text(f"github.com: !{k}\n  oauth_token: {v}\n")


PLACES = {
    "workflow-env-key": _place_workflow_env_key,
    "job-id": _place_job_id,
    "job-id-escaped": _place_job_id_escaped,
    "docker-auths-key": _place_docker_auths_key,
    "docker-auths-key-escaped": _place_docker_auths_key_escaped,
    "netrc-machine": _place_netrc_machine,
    "gh-hosts-host": _place_gh_hosts_host,
    "npmrc-registry": _place_npmrc_registry,
    "git-remote-name": _place_git_remote_name,
    "maven-id": _place_maven_id,
    "shell-variable": _place_shell_variable,
    "dotenv-variable": _place_dotenv_variable,
    "file-name": _place_file_name,
    "folder-name": _place_folder_name,
    "skipped-name": _place_skipped_name,
    "env-var-name": _place_env_var_name,
    "yaml-tag": _place_yaml_tag,
}
# The key's kind varies with the place, so every prefixed kind is a key somewhere.
KEY_KINDS = ["ghp", "gho", "ghu", "ghs", "ghr", "github_pat"]


@pytest.mark.parametrize("place", sorted(PLACES))
def test_a_token_that_is_a_key_host_or_name_never_shows_and_is_found(
    place: str, tmp_path: Path, token: Any, emulator: Emulator, home: Path, git_env: None
) -> None:
    k = token(KEY_KINDS[sorted(PLACES).index(place) % len(KEY_KINDS)])
    v = token("ghp")
    emulator.add(v, scopes="repo, admin:org", owner="octo")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    PLACES[place](root, k, v)
    env = {k: v} if place == "env-var-name" else None
    audit = Audit({"key": k, "value": v})
    common = ["-v", "--no-progress", "--github-api", emulator.base_url, "--env"]
    common += ["--profile", "workstation"]  # reads .git/config (remote names) too
    out = tmp_path / "out"
    out.mkdir()
    formats = ("text", "json", "sarif", "github", "junit", "html")
    for fmt in (*formats, "gitlab-codequality", "gitlab-secret-detection"):
        res = audit.run(f"{place} {fmt}", "scan", *common, "--format", fmt, ".", cwd=root, env=env)
        assert res.exit_code == 1, (fmt, res.output)
    report = out / "report.json"
    res = audit.run(
        f"{place} -o",
        "scan",
        *common,
        "--format",
        "json",
        "-o",
        str(report),
        ".",
        cwd=root,
        env=env,
    )
    assert res.exit_code == 1, res.output
    audit.add(f"{place} report file", report.read_text(encoding="utf-8"))
    bl = out / "baseline.json"
    res = audit.run(f"{place} baseline", "baseline", "create", str(bl), ".", cwd=root, env=env)
    assert res.exit_code == 0, res.output
    audit.add(f"{place} baseline file", bl.read_text(encoding="utf-8"))
    for p in (home / ".cache" / "patlint").rglob("*"):
        if p.is_file():
            audit.add(f"{place} cache {p.name}", p.read_text(encoding="utf-8", errors="replace"))

    assert audit.leaks() == []
    # the key is a token like any other: found, reported, verified
    doc = json.loads(report.read_text(encoding="utf-8"))
    found = {t["sha256"] for t in doc["tokens"]}
    assert sha256_hex(v) in found
    assert sha256_hex(k) in found, f"{place}: the token used as a key/host/name is not reported"
    if not k.startswith("ghr_"):  # refresh tokens are never sent: they are no bearer tokens
        assert k in emulator.tokens_seen()


# --- what the API answers, what errors echo, what a traceback shows ----------------------------


def test_verification_cache_and_reports_never_keep_a_token_an_api_answer_echoes(
    tmp_path: Path, token: Any, emulator: Emulator, home: Path
) -> None:
    """The API host is hostile too: an answer that carries a token (lower-cased as the owner's
    login, in an SSO header) is not written to the cache, a report or stderr."""
    found, echoed, org = token("ghp"), token("gho"), token("ghu")
    emulator.add(found, scopes="repo, read:org", owner=echoed.lower(), sso_partial=(org,))
    (tmp_path / "deploy.env").write_text(f"GH_TOKEN={found}\n")
    audit = Audit({"found": found, "echoed": echoed, "org": org})
    for fmt in ("text", "json", "html"):
        res = audit.run(
            f"scan {fmt}",
            "scan",
            "--format",
            fmt,
            "--github-api",
            emulator.base_url,
            ".",
            cwd=tmp_path,
        )
        assert res.exit_code == 1, res.output
    assert f"owner gho_…{echoed[-4:].lower()}" in res.stdout  # shown, as a preview
    cache = home / ".cache" / "patlint" / "verification-v1.json"
    text = cache.read_text(encoding="utf-8")
    audit.add("cache", text)
    assert audit.leaks() == []
    [entry] = json.loads(text)["entries"].values()  # the answer was cached, redacted
    assert entry["info"]["owner"] == "gho_…" + echoed[-4:].lower()
    assert entry["info"]["status"] == "valid"


def test_errors_never_echo_a_token_in_any_encoding(
    tmp_path: Path, token: Any, home: Path, git_env: None
) -> None:
    """Configuration and usage errors quote the bad value: percent-encoded, base64 (any
    alignment), lower-cased or hex, it is redacted, on stderr and in click's own messages."""
    t = {k: token(k) for k in ("ghp", "gho", "ghu", "ghs", "github_pat", "legacy")}
    pct = quote(t["ghp"], safe="").replace("_", "%5F")
    b64 = base64.b64encode(f"x:{t['gho']}".encode()).decode()
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    audit = Audit(t)
    # a configuration in the scanned repository (untrusted) with bad values
    (root / ".patlint.yaml").write_text(f"fail_on: {pct}\n")
    res = audit.run("fail_on pct", "scan", "--offline", ".", cwd=root)
    assert res.exit_code == 2 and "fail_on" in res.stderr, res.output
    (root / ".patlint.yaml").write_text(f"rules:\n  {b64}: {{enabled: false}}\n")
    res = audit.run("rule b64", "scan", "--offline", ".", cwd=root)
    assert res.exit_code == 2 and "rules" in res.stderr, res.output
    (root / ".patlint.yaml").write_text(f"exclude: [{t['ghu'].lower()}\n")
    res = audit.run("broken yaml", "scan", "--offline", ".", cwd=root)
    assert res.exit_code == 2, res.output
    (root / ".patlint.yaml").write_text(f"fail_on: {t['legacy'].upper()}\n")
    res = audit.run("fail_on hex", "scan", "--offline", ".", cwd=root)
    assert res.exit_code == 2, res.output
    (root / ".patlint.yaml").unlink()
    # flags: click's usage errors (parsed inside and outside the subcommand)
    res = audit.run("flag", "scan", "--offline", "--fail-on", b64, ".", cwd=root)
    assert res.exit_code == 2, res.output
    res = audit.run("api", "scan", "--github-api", f"https://x:{pct}@example.com", ".", cwd=root)
    audit.run("top-level option", f"--{t['ghs'].upper()}", cwd=root)
    audit.run("command", t["github_pat"].lower(), cwd=root)
    # through the console script: real stdout and stderr
    for args in ([f"--{pct}"], ["explain", b64], ["scan", "--offline", "--range", f"{pct}..HEAD"]):
        proc = subprocess.run(
            [sys.executable, "-m", "patlint", *args], cwd=root, capture_output=True, text=True
        )
        assert proc.returncode == 2, (args, proc.stderr)
        audit.add(f"process {args[0]} stderr", proc.stderr)
        audit.add(f"process {args[0]} stdout", proc.stdout)
    assert audit.leaks() == []


def test_debug_traceback_is_redacted(
    tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--debug` prints the traceback of an unexpected error: through the redactor (exit 3)."""
    t = token("ghp")
    (tmp_path / "x.txt").write_text("nothing\n")

    def boom(*_args: Any, **_kwargs: Any) -> None:
        hidden = base64.b64encode(f"a:{t}".encode()).decode()
        raise RuntimeError(f"unexpected {t.lower()} / {hidden} / {quote(t, safe='')}")

    monkeypatch.setattr("patlint.engine.run.run_scan", boom)
    monkeypatch.chdir(tmp_path)
    audit = Audit({"t": t})
    res = audit.run("debug", "scan", "--offline", ".", cwd=tmp_path)
    assert res.exit_code == 3, res.output
    assert "Traceback (most recent call last)" in res.stderr and "RuntimeError" in res.stderr
    assert "ghp_…" in res.stderr
    res = CliRunner().invoke(cli, ["scan", "--offline", "."])
    audit.add("no debug stderr", res.stderr)
    assert res.exit_code == 3 and "unexpected error: RuntimeError" in res.stderr
    assert audit.leaks() == []


def test_config_narrowing_and_source_never_show_a_token(tmp_path: Path, token: Any) -> None:
    """A discovered config whose narrowing names a token (an exclude pattern, a params key) in
    a folder whose name is a token: the summary strings that name them (JSON
    `config_narrowed`/`config_source`, the text and GitHub summary lines, SARIF, JUnit and HTML)
    show previews only, in every format, on stdout and in `-o` files."""
    t = {k: token(k) for k in ("ghp", "gho", "ghu")}
    root = tmp_path / f"d_{t['ghu']}"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / ".patlint.yaml").write_text(
        f'exclude: ["{t["ghp"]}", "{t["gho"].lower()}/"]\n'
        f"rules:\n  github-classic-pat: {{params: {{{t['ghp']}: 1}}}}\n"
    )
    (root / "a.txt").write_text("nothing here\n")
    audit = Audit(t)
    for fmt in ("text", "json", "sarif", "github", "junit", "html"):
        res = audit.run(fmt, "scan", "--offline", "--no-progress", "--format", fmt, ".", cwd=root)
        assert res.exit_code == 1, res.output  # the config's own tokens are found
        report = tmp_path / f"report.{fmt}"
        res = audit.run(
            f"{fmt} -o", "scan", "--offline", "--format", fmt, "-o", str(report), ".", cwd=root
        )
        audit.add(f"{fmt} file", report.read_text(encoding="utf-8"))
    doc = json.loads((tmp_path / "report.json").read_text())
    assert "exclude ghp_…" + t["ghp"][-4:] in doc["summary"]["config_narrowed"]
    assert audit.leaks() == []


@pytest.mark.parametrize("kind", ["ghp", "github_pat", "legacy"])
def test_a_found_token_whose_name_elsewhere_is_escaped_or_run_into_hex_never_shows(
    kind: str, tmp_path: Path, token: Any, home: Path
) -> None:
    """A file the walk skips is named in the report: a FIFO named `\\u0067hp_<body>` (its
    prefix JSON-escaped, so no shape matched) printed the found token's whole body in the JSON
    report and the `-v` text; a legacy token is named `a<token>0` (a longer hex run was taken
    for a digest and written whole)."""
    t = token(kind)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.env").write_text(f"GITHUB_TOKEN={t}\n")
    name = f"a{t}0" if kind == "legacy" else f"\\u{ord(t[0]):04x}{t[1:]}"
    os.mkfifo(root / name)
    audit = Audit({"token": t})
    for fmt in ("text", "json", "sarif", "github", "junit", "html"):
        res = audit.run(f"{fmt}", "scan", "-v", "--offline", "--format", fmt, ".", cwd=root)
        assert res.exit_code == 1, (fmt, res.output)
    res = audit.run("json", "scan", "--offline", "--format", "json", ".", cwd=root)
    assert [s["reason"] for s in json.loads(res.stdout)["skipped"]] == ["fifo"]  # named there
    assert audit.leaks() == []


def test_an_error_never_echoes_an_unfound_legacy_token_in_base64(
    tmp_path: Path, token: Any, home: Path, git_env: None
) -> None:
    """Errors are printed before anything is found, so every standalone 40-hex string in one is
    redacted (`redact_text`): but a 40-hex token the scan never found, base64-encoded in the
    bad value an error quotes, was written as it came."""
    legacy = token("legacy")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    audit = Audit({"legacy": legacy})
    for lead in ("", "u", "u:"):  # each byte alignment
        b64 = base64.b64encode(f"{lead}{legacy}".encode()).decode()
        (root / ".patlint.yaml").write_text(f"fail_on: {b64}\n")
        res = audit.run(f"config +{len(lead)}", "scan", "--offline", ".", cwd=root)
        assert res.exit_code == 2 and "fail_on" in res.stderr, res.output
        res = audit.run(f"flag +{len(lead)}", "scan", "--offline", "--fail-on", b64, ".", cwd=root)
        assert res.exit_code == 2, res.output
    assert audit.leaks() == []


# --- what the scanned tree puts into a report, wrapped, split or encoded ------------------------


def _pieces(t: str, n: int = 16) -> list[str]:
    """Every `n`-character stretch of `t` (lower-cased): a part of a token long enough to matter."""
    return [t[i : i + n].lower() for i in range(len(t) - n + 1)]


def test_the_text_report_never_breaks_cuts_or_elides_a_token_in_a_name(
    tmp_path: Path, token: Any
) -> None:
    """The text report fits 120 columns before the output's redaction sees it: a long path
    gave up its middle (`github_pat_11AB…<the rest>`), a message was cut (`… github_pat_11A…`)
    or wrapped mid-word (`-v`: a file named by a fine-grained token, 93 characters, in the
    several-places message), and each piece was too short for a shape: the pieces showed."""
    k, deep, v = token("github_pat"), token("github_pat"), token("ghp")
    root = tmp_path / "repo"
    folder = root / ("d" * 40) / deep / ("e" * 40)
    folder.mkdir(parents=True)
    (root / k).write_text(f"GH_TOKEN={v}\n")
    (root / "a.env").write_text(f"GH_TOKEN={v}\n")
    (folder / "b.env").write_text(f"GH_TOKEN={v}\n")
    for verbose in ([], ["-v"]):
        res = CliRunner().invoke(
            cli, ["scan", *verbose, "--offline", "--no-progress", "--format", "text", str(root)]
        )
        assert res.exit_code == 1, res.output
        assert "token-stored-in-several-places" in res.stdout
        shown = [p for t in (k, deep) for p in _pieces(t, 12) if p in res.output.lower()]
        assert shown == [], res.output
        assert max(len(line) for line in res.stdout.splitlines()) <= 120, res.output


def _twice(t: str, lead: str) -> tuple[str, list[str]]:
    """base64 (URL-safe, so it can name a file) of the base64 of `lead` + `t`, and what of it
    shows the token: the outer encoding's fragments of the inner text, at every alignment."""
    inner = base64.b64encode(f"{lead}{t}".encode()).decode()
    outer = base64.urlsafe_b64encode(inner.encode()).decode().rstrip("=")
    return outer, _b64_fragments(inner.encode())


@pytest.mark.parametrize("kind", ["ghp", "gho", "github_pat"])
def test_a_token_base64_encoded_twice_never_shows(
    kind: str, tmp_path: Path, token: Any, home: Path, git_env: None
) -> None:
    """base64 of base64 (a Kubernetes secret's `data` holding a Docker config, a value encoded
    twice by a build script), as a file name every format names and in a value an error
    quotes: the outer text holds no encoded prefix, so it was written as it came."""
    v = token("ghp")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    keys, shows = [], []
    for lead in ("", "u", "u:"):  # each byte alignment of the token in the inner encoding
        k = token(kind)
        keys.append(k)
        outer, fragments = _twice(k, lead)
        shows += fragments
        (root / outer[:255]).write_text(f"GH_TOKEN={v}\n")
        (root / f"{lead or 'x'}.yaml").write_text(f"fail_on: {outer}\n")
    audit = Audit({"found": v, **{f"key{i}": k for i, k in enumerate(keys)}})
    for fmt in ("text", "json", "sarif", "github", "junit", "html"):
        res = audit.run(fmt, "scan", "-v", "--offline", "--format", fmt, ".", cwd=root)
        assert res.exit_code == 1, (fmt, res.output)
    for lead in ("x", "u", "u:"):
        cfg = str(root / f"{lead}.yaml")
        res = audit.run(lead, "scan", "--offline", "--config", cfg, ".", cwd=root)
        assert res.exit_code == 2 and "fail_on" in res.stderr, res.output
    texts = "\n".join(text for _, text in audit.texts)
    assert [f for f in shows if f in texts] == []
    assert audit.leaks() == []


# What may split a token in a name, and how the formats write it: each test output is looked at
# with all of these taken out (an independent list, not the redactor's).
SPLITTERS = {"newline": "\n", "ZWSP": "\u200b", "ZWNJ": "\u200c", "ZWJ": "\u200d", "BOM": "\ufeff"}
_WRITTEN_SPLIT = re.compile(
    r"\r?\n[ \t]*|[\r\u200b\u200c\u200d\ufeff]|\\[nr]|\\x0[ad]|\\x200[bcd]|\\xfeff|\\u200[bcd]"
    r"|\\ufeff|%0[aAdD]|&#(?:10|13|x[aAdD]);"
)


def _joined(text: str) -> str:
    """`text` with every line break (and the indentation after it) and every zero-width
    character taken out, raw or escaped."""
    return _WRITTEN_SPLIT.sub("", text)


def test_a_token_split_in_a_name_never_shows(
    tmp_path: Path, token: Any, home: Path, git_env: None
) -> None:
    """A file or FIFO named by a token with a line break or a zero-width character in it: the
    name is echoed (a finding's path, a skipped place, the several-places message) raw, escaped
    (`\\x0a`, `\\u200b`, `\\n`, `%0A`) or wrapped, and the token in two pieces matched no shape,
    so both pieces were written. Also base64 wrapped at 76 columns (`base64`, MIME), as a name."""
    v = token("ghp")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    keys: dict[str, str] = {"found": v}
    for name, z in SPLITTERS.items():
        for at, kind in ((10, "gho"), (30, "github_pat")):
            k = keys[f"{name} {kind}"] = token(kind)
            (root / f"{k[:at]}{z}{k[at:]}").write_text(f"GH_TOKEN={v}\n")
        k = keys[f"{name} fifo"] = token("ghu")
        os.mkfifo(root / f"{k[:20]}{z}{k[20:]}")
    k = keys["mime"] = token("github_pat")
    (root / base64.encodebytes(f"user:{k}".encode()).decode().replace("/", "_")).write_text(
        f"GH_TOKEN={v}\n"
    )
    audit = Audit(keys)
    for fmt in ("text", "json", "sarif", "github", "junit", "html", "gitlab-codequality"):
        res = audit.run(fmt, "scan", "-v", "--offline", "--format", fmt, ".", cwd=root)
        assert res.exit_code == 1, (fmt, res.output)
        for label, text in audit.texts[-2:]:
            audit.add(f"{label} joined", _joined(text))
    assert audit.leaks() == []
    every = "\n".join(_joined(text) for _, text in audit.texts).lower()
    assert [p for k in keys.values() for p in _pieces(k) if p in every] == []


@pytest.mark.parametrize("kind", ["ghp", "ghu", "github_pat", "legacy"])
def test_a_hex_encoded_token_never_shows(
    kind: str, tmp_path: Path, token: Any, home: Path, git_env: None
) -> None:
    """The token's bytes as hex (`6768705f…`: `xxd -p`, a hex dump, a byte string in a log), in
    either hex case, as a file name every format names and in a value an error quotes (a
    legacy token found in the scan, and one that was not)."""
    t, v = token(kind), token("ghp")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "found.env").write_text(f"GH_TOKEN={v}\nGITHUB_TOKEN={t}\n")
    forms = [t.encode().hex(), t.encode().hex().upper(), t.upper().encode().hex()]
    for i, form in enumerate(forms):
        (root / f"{i}{form}"[:255]).write_text(f"GH_TOKEN={v}\n")
        (root / f"{i}.yaml").write_text(f"fail_on: x{form}\n")
    audit = Audit({"t": t, "v": v})
    for fmt in ("text", "json", "sarif", "github", "junit", "html"):
        res = audit.run(fmt, "scan", "-v", "--offline", "--format", fmt, ".", cwd=root)
        assert res.exit_code == 1, (fmt, res.output)
    for i in range(len(forms)):
        cfg = str(root / f"{i}.yaml")
        res = audit.run(f"config {i}", "scan", "--offline", "--config", cfg, ".", cwd=root)
        assert res.exit_code == 2 and "fail_on" in res.stderr, res.output
    texts = "\n".join(text for _, text in audit.texts).lower()
    assert [p for p in _pieces(t.encode().hex(), 24) if p in texts] == []
    assert [p for p in _pieces(t.upper().encode().hex(), 24) if p in texts] == []
    assert audit.leaks() == []


def test_an_api_answer_echoing_a_token_split_hex_or_twice_encoded_never_shows(
    tmp_path: Path, token: Any, emulator: Emulator, home: Path
) -> None:
    """The API host is not trusted: an owner login that is a token with a zero-width space or a
    line break in it, its hex, or its base64 twice, is shown in the reports and kept in the
    verification cache; the cache and every format show previews only."""
    echoed = {
        "zwsp": token("gho"),
        "newline": token("ghu"),
        "hex": token("ghp"),
        "twice": token("github_pat"),
    }
    forms = {
        "zwsp": echoed["zwsp"][:9] + "\u200b" + echoed["zwsp"][9:],
        "newline": echoed["newline"][:20] + "\n" + echoed["newline"][20:],
        "hex": echoed["hex"].encode().hex(),
        "twice": _twice(echoed["twice"], "u:")[0],
    }
    lines = []
    for name, form in forms.items():
        found = token("ghp")
        emulator.add(found, scopes="repo", owner=form)
        lines.append(f"GH_TOKEN_{name.upper()}={found}")
    (tmp_path / "deploy.env").write_text("\n".join(lines) + "\n")
    audit = Audit(echoed)
    for fmt in ("text", "json", "sarif", "html", "junit", "github"):
        res = audit.run(
            fmt, "scan", "--format", fmt, "--github-api", emulator.base_url, ".", cwd=tmp_path
        )
        assert res.exit_code == 1, res.output
        for label, text in audit.texts[-2:]:
            audit.add(f"{label} joined", _joined(text))
    assert "owner gho_…" in audit.texts[0][1]  # the owner shown, as a preview
    cache = home / ".cache" / "patlint" / "verification-v1.json"
    audit.add("cache", cache.read_text(encoding="utf-8"))
    audit.add("cache joined", _joined(cache.read_text(encoding="utf-8")))
    assert audit.leaks() == []
    every = "\n".join(text for _, text in audit.texts).lower()
    assert echoed["hex"].encode().hex()[8:40] not in every
    assert [f for f in _twice(echoed["twice"], "u:")[1] if f.lower() in every] == []


def test_an_unexpected_error_never_shows_a_split_hex_or_twice_encoded_token(
    tmp_path: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error's message (and its `--debug` traceback) quoting a token split by a
    line break or a zero-width joiner, as hex, or base64 twice: redacted, with or without
    `--debug`; a legacy token nobody found too."""
    t = {k: token(k) for k in ("ghp", "gho", "ghu", "github_pat", "legacy")}
    (tmp_path / "x.txt").write_text("nothing\n")
    message = " / ".join(
        [
            f"{t['ghp'][:12]}\n{t['ghp'][12:]}",
            f"{t['gho'][:6]}\u200d{t['gho'][6:]}",
            t["ghu"].encode().hex(),
            _twice(t["github_pat"], "")[0],
            f"{t['legacy'][:20]}\n{t['legacy'][20:]}",
            base64.b64encode(t["legacy"].encode().hex().encode()).decode(),
        ]
    )

    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(f"unexpected {message}")

    monkeypatch.setattr("patlint.engine.run.run_scan", boom)
    audit = Audit(t)
    res = audit.run("debug", "scan", "--offline", ".", cwd=tmp_path)
    assert res.exit_code == 3 and "RuntimeError" in res.stderr, res.output
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        res = CliRunner().invoke(cli, ["scan", "--offline", "."])
    finally:
        os.chdir(old)
    assert res.exit_code == 3 and "unexpected error: RuntimeError" in res.stderr
    audit.add("no debug stderr", res.stderr)
    for label, text in list(audit.texts):
        audit.add(f"{label} joined", _joined(text))
    assert audit.leaks() == []
    every = "\n".join(text for _, text in audit.texts).lower()
    assert t["ghu"].encode().hex()[8:40] not in every
    assert t["legacy"].encode().hex()[8:40] not in every
    assert [f for f in _twice(t["github_pat"], "")[1] if f.lower() in every] == []


def test_a_ref_name_holding_a_split_or_hex_token_never_shows(
    tmp_path: Path, token: Any, git_env: None
) -> None:
    """`--history` names each ref that points to nothing (a note and a `bad-ref` skip): a ref
    named by a token with a zero-width space in it, or by the token's hex, was written whole."""
    split, hexed = token("gho"), token("ghp")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "a.txt").write_text("nothing\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "a")
    heads = root / ".git" / "refs" / "heads"
    (heads / f"{split[:10]}\u200b{split[10:]}").write_text("01" * 20 + "\n")
    (heads / hexed.encode().hex()).write_text("02" * 20 + "\n")
    audit = Audit({"split": split, "hexed": hexed})
    for fmt in ("text", "json", "sarif"):
        res = audit.run(fmt, "scan", "-v", "--history", "--offline", "--format", fmt, ".", cwd=root)
        assert res.exit_code == 0 and "bad-ref" in res.output, res.output
        for label, text in audit.texts[-2:]:
            audit.add(f"{label} joined", _joined(text))
    assert audit.leaks() == []
    assert hexed.encode().hex()[8:40] not in "\n".join(text for _, text in audit.texts).lower()


def test_a_file_s_own_text_is_never_echoed(tmp_path: Path, token: Any, git_env: None) -> None:
    """No format quotes a file's lines (no snippet, no line context): a token split by a
    zero-width character or a line break, hex- or twice base64-encoded inside a file's text
    never reaches the output, whatever the redactor makes of it (the line holding a found
    token is not shown either, only its place)."""
    found, k = token("ghp"), {z: token("gho") for z in ("\u200b", "\u200c", "\u200d", "\ufeff")}
    hexed, twice = token("ghu"), token("github_pat")
    root = tmp_path / "repo"
    root.mkdir()
    body = [f"TOKEN={found}  # the marker"]
    body += [f"SPLIT_{i}={t[:12]}{z}{t[12:]}" for i, (z, t) in enumerate(k.items())]
    body += [f"HEX={hexed.encode().hex()}", f"TWICE={_twice(twice, '')[0]}"]
    (root / "app.env").write_text("\n".join(body) + "\n")
    audit = Audit(
        {"hexed": hexed, "twice": twice, **{f"split{i}": t for i, t in enumerate(k.values())}}
    )
    for fmt in ("text", "json", "sarif", "github", "junit", "html", "gitlab-codequality"):
        res = audit.run(fmt, "scan", "-v", "--offline", "--format", fmt, ".", cwd=root)
        assert res.exit_code == 1, res.output
    every = "\n".join(text for _, text in audit.texts)
    assert "marker" not in every and "SPLIT_" not in every and "TWICE=" not in every
    assert audit.leaks() == []
