"""Golden outputs: every report format, `rules`, `explain`, `baseline create`, `--history`, a
workstation scan and an online scan, each from one synthetic tree built at run time.

The tree's tokens come from a seeded RNG, so the outputs are the same on every run; only their
redacted previews and digests reach the golden files. After an intended change of output,
regenerate them and review the diff:

    PATLINT_REGENERATE_GOLDEN=1 python -m pytest -q tests/test_golden.py
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from patlint import __version__
from patlint.cli import cli
from patlint.tokengen import make_token
from tests.github_emulator import Emulator, emulator_running

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
REGENERATE = os.environ.get("PATLINT_REGENERATE_GOLDEN") == "1"
FORMATS = (
    "text",
    "json",
    "sarif",
    "github",
    "junit",
    "html",
    "gitlab-codequality",
    "gitlab-secret-detection",
)


class Tokens:
    """Seeded token factory: the same sequence of tokens on every run."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def __call__(self, kind: str, *, valid: bool = True) -> str:
        return make_token(kind, self._rng, valid=valid)


def build_tree(root: Path, tok: Tokens) -> None:
    """A repository-like tree: plain, encoded and structured tokens, suppressions, decoys."""
    root.mkdir(parents=True)
    kinds = ("ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "ghs_jwt")
    (root / "plain.env").write_text(
        "".join(f"TOKEN_{k.upper()}={tok(k)}\n" for k in kinds) + f"GITHUB_TOKEN={tok('legacy')}\n"
    )
    auth = base64.b64encode(f"octo:{tok('ghp')}".encode()).decode()
    (root / ".docker").mkdir()
    (root / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": auth}}}, indent=2) + "\n"
    )
    (root / ".git-credentials").write_text(f"https://octo:{tok('ghp')}@github.com\n")
    (root / ".npmrc").write_text(f"//npm.pkg.github.com/:_authToken={tok('ghp')}\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(
        f'TOKEN = "{tok("ghp")}"  # patlint: ignore[github-classic-pat]\nOTHER = "{tok("gho")}"\n'
    )
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "on: pull_request_target\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ secrets.GITHUB_TOKEN }}\n"
        f"        env: {{GH_TOKEN: {tok('ghp')}}}\n"
    )
    (root / "decoys.md").write_text(
        "\n".join([tok("ghp", valid=False), "ghp_" + "x" * 36, "commit " + tok("legacy"), ""])
    )
    (root / "notes" / "deep").mkdir(parents=True)
    (root / "notes" / "deep" / "url.txt").write_text(
        f"clone https://x-access-token:{tok('ghs')}@github.com/o/r.git\n"
    )


def build_home(home: Path, tok: Tokens) -> None:
    """A fake home directory with the usual credential files."""
    files = {
        ".config/gh/hosts.yml": f"github.com:\n    oauth_token: {tok('gho')}\n    user: octo\n",
        ".git-credentials": f"https://octo:{tok('ghp')}@github.com\n",
        ".bash_history": f"ls\nexport GH_TOKEN={tok('ghp')}\n",
        ".netrc": f"machine github.com login octo password {tok('ghp')}\n",
        ".docker/config.json": json.dumps(
            {
                "auths": {
                    "ghcr.io": {"auth": base64.b64encode(f"octo:{tok('ghp')}".encode()).decode()}
                }
            }
        ),
        "project/.env": f"GITHUB_TOKEN={tok('github_pat')}\n",
        ".cache/junk/leak.txt": f"{tok('ghp')}\n",
    }
    for rel, text in files.items():
        path = home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o600)


def build_repo(root: Path, tok: Tokens) -> None:
    """A small git repository whose history holds a token that is gone from HEAD."""
    root.mkdir(parents=True)

    def git(*args: str, date: str = "2024-01-01T00:00:00Z") -> None:
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)

    git("init", "-q", "-b", "main")
    (root / "config.env").write_text(f"GH_TOKEN={tok('ghp')}\n")
    (root / "README.md").write_text("hello\n")
    git("add", ".")
    git("commit", "-q", "-m", "first")
    (root / "config.env").write_text("GH_TOKEN=${GH_TOKEN}\n")
    git("mv", "README.md", "docs.md")
    git("commit", "-q", "-am", "second", date="2024-01-02T00:00:00Z")
    (root / "extra.txt").write_text(f"{tok('github_pat')}\n")
    git("add", ".")
    git("commit", "-q", "-m", "third", date="2024-01-03T00:00:00Z")


@pytest.fixture
def places(tmp_path: Path, home: Path, git_env: None) -> Iterator[dict[str, Path]]:
    """The synthetic tree, fake home and repository, all from seed 17."""
    tok = Tokens(17)
    tree, repo = tmp_path / "tree", tmp_path / "repo"
    build_tree(tree, tok)
    build_home(home, tok)
    build_repo(repo, tok)
    for path in tree.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield {"tree": tree, "home": home, "repo": repo, "tmp": tmp_path}


def invoke(args: list[str], places: dict[str, Path], cwd: Path) -> str:
    """Run the CLI in-process; the exit code, stdout and stderr, with temp paths made stable."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    text = f"exit {res.exit_code}\n--- stdout\n{res.stdout}--- stderr\n{res.stderr}"
    for name in ("tree", "repo", "home", "tmp"):
        text = text.replace(str(places[name]), f"<{name.upper()}>")
    text = text.replace(f'"version": "{__version__}"', '"version": "<VERSION>"')
    text = text.replace(f"patlint/{__version__} ", "patlint/<VERSION> ")
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    return re.sub(rf"{today}[T ][0-9:.]+(\+00:00|Z)?", "<NOW>", text)


def check(name: str, text: str) -> None:
    """Compare with (or, when regenerating, write) tests/fixtures/golden/<name>."""
    path = GOLDEN / name
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}: regenerate (see this module's docstring)"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


Case = tuple[str, Callable[[dict[str, Path]], list[str]], str]

SCAN = ["scan", "--offline", "--no-progress"]
CASES: list[Case] = [
    *[(f"scan.{f}.txt", lambda p, f=f: [*SCAN, "--format", f, "."], "tree") for f in FORMATS],
    ("scan.no-suppress.txt", lambda p: [*SCAN, "--no-suppress", "--report-invalid", "."], "tree"),
    ("scan.stdin-file.txt", lambda p: [*SCAN, "plain.env", "src/app.py"], "tree"),
    ("rules.txt", lambda p: ["rules"], "tree"),
    ("rules-check.txt", lambda p: ["rules", "check"], "tree"),
    ("explain.github-classic-pat.txt", lambda p: ["explain", "github-classic-pat"], "tree"),
    ("explain.no-expiration.txt", lambda p: ["rules", "explain", "no-expiration"], "tree"),
    *[
        (f"history.{f}.txt", lambda p, f=f: [*SCAN, "--history", "--format", f], "repo")
        for f in ("text", "json")
    ],
    ("history.range.txt", lambda p: [*SCAN, "--history", "--range", "HEAD~1..HEAD"], "repo"),
    *[
        (f"workstation.{f}.txt", lambda p, f=f: [*SCAN, "--format", f, str(p["home"])], "tmp")
        for f in ("text", "json")
    ],
    ("workstation.all.txt", lambda p: [*SCAN, "--all", "-v", str(p["home"])], "tmp"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_golden_output(case: Case, places: dict[str, Path]) -> None:
    name, args, cwd = case
    check(name, invoke(args(places), places, places[cwd]))


def test_golden_baseline_create(places: dict[str, Path]) -> None:
    out = places["tmp"] / "baseline.json"
    text = invoke(["baseline", "create", str(out), "."], places, places["tree"])
    check("baseline-create.txt", text + "--- file\n" + out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_golden_revoke_dry_run(fmt: str, places: dict[str, Path]) -> None:
    report = places["tmp"] / "report.json"
    invoke([*SCAN, "--format", "json", "-o", str(report), "."], places, places["tree"])
    tokens = places["tmp"] / "tokens.txt"
    tok = Tokens(5)
    tokens.write_text(f"{tok('ghp')}\n{tok('ghs')}\nnot a token\n{tok('github_pat')}\n")
    args = ["revoke", "--dry-run", "--format", fmt]
    text = invoke([*args, "--from-report", str(report)], places, places["tree"])
    text += invoke([*args, "--file", str(tokens), "--host", "github.com"], places, places["tree"])
    check(f"revoke.dry-run.{fmt}.txt", text)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulated GitHub API (its port is replaced in the outputs)."""
    yield from emulator_running()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_golden_online(fmt: str, places: dict[str, Path], emulator: Emulator) -> None:
    tok = Tokens(99)
    god, dead, fine, app = tok("ghp"), tok("ghp"), tok("github_pat"), tok("ghs")
    emulator.add(god, scopes="repo, admin:org, delete_repo, gist", owner="root-of-all")
    emulator.add(dead, valid=False)
    emulator.add(fine, kind="github_pat", scopes=None)
    emulator.add(app, kind="ghs", scopes=None)
    root = places["tmp"] / "online"
    root.mkdir()
    (root / "deploy.env").write_text(f"GH_TOKEN={god}\nAPP={app}\n")
    (root / "old.env").write_text(f"OLD_TOKEN={dead}\n")
    (root / "pat.txt").write_text(f"token: {fine}\ntoken again: {god}\n")
    args = ["scan", "--no-progress", "--no-cache", "--github-api", emulator.base_url]
    text = invoke([*args, "--format", fmt, "."], places, root)
    text = text.replace(str(root), "<ONLINE>").replace(str(emulator.port), "<PORT>")
    check(f"online.{fmt}.txt", text)
