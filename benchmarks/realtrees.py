"""Build the real-tree benchmark corpus: public repositories at pinned commits, tokens planted.

    python benchmarks/realtrees.py --out /tmp/patlint-bench                 # clones from GitHub
    python benchmarks/realtrees.py --out /tmp/patlint-bench --mirrors DIR   # local bare mirrors

writes, under --out (keep it outside the repository; nothing here is ever committed):
  real/<name>/      the work tree of each project in PROJECTS at its pinned commit (checked out
                    with `git checkout-index` from a bare repository: every tracked file, no
                    `.git`), actions/toolkit with its real `node_modules` (`npm ci
                    --ignore-scripts` from its package-lock.json), and tokens planted in every
                    context patlint supports, plus decoys
  real.truth.json   ground truth in the format of benchmarks/corpus.py (sha256/sha1, kind, path,
                    context; never a token; `pruned: true` = inside node_modules), plus
                    `preexisting`: token-shaped strings the upstream trees already hold
                    (ripgrep's GitHub regex, before planting), which scoring counts neither for
                    nor against a tool, and `dependency_dirs` (benchmarks/run.py times the
                    projects' own files alone, as a checkout's `git ls-files` lists them and as
                    betterleaks reads them, then the whole folder)

With --mirrors DIR a project is read from DIR/<owner>+<name>/repo (a bare clone) when that
exists; otherwise its pinned commit is fetched (`git fetch --depth 1`) into --cache. The
projects were chosen for what they do to a secret scanner: Go trees that import
`github.com/...` in most files, a TypeScript monorepo with ~39,000 files of node_modules, Rust
and Python trees, and a documentation site (mdBook).

Tokens are generated at build time with patlint.tokengen from --seed (random, checksum-valid,
never issued by GitHub): the same seed and commits give the same corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import DOCS_EXAMPLES, PLACEHOLDERS, Truth, b64, digests, pct_all

from patlint.tokengen import make_token


@dataclass(frozen=True)
class Project:
    """A public repository at a pinned commit."""

    repo: str  # owner/name on GitHub
    commit: str
    lang: str  # go, rust, python, ts, js, docs: which source files get planted lines
    npm: bool = False  # run `npm ci --ignore-scripts` at the root (package-lock.json)
    # Tracked files left out (the local mirrors lack these blobs; left out of a clone too, so
    # both ways build the same corpus).
    leave_out: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The folder under real/."""
        return self.repo.split("/", 1)[1]

    @property
    def url(self) -> str:
        """Where a user with network clones it from."""
        return f"https://github.com/{self.repo}.git"


PROJECTS = (
    Project("cli/cli", "44ee17760709bedf1cad7e452e61751489b81a33", "go"),
    Project(
        "prometheus/prometheus",
        "d15adb9ad7e5d9fbde3a9a8f30200593a5a14d86",
        "go",
        leave_out=("tsdb/testdata/20kseries.json",),  # a 20k-series test fixture
    ),
    Project("hashicorp/terraform", "883c7221ee2e0bc2fad6912fd4b3cc4b53a598a7", "go"),
    Project("actions/toolkit", "4b9afa4c890de9d1a84c75bb617ee4d96207823a", "ts", npm=True),
    Project("expressjs/express", "a3714473feb3d2908add734d340e7755fd85e0a3", "js"),
    Project("BurntSushi/ripgrep", "3fce3b5bb0236da2df6d99672afb8a719642eca7", "rust"),
    Project("tokio-rs/tokio", "ea91b33ca57ff0581b38e735cc108f831bccbdaa", "rust"),
    Project("pallets/flask", "2ac89889f4cc330eabd50f295dcef02828522c69", "python"),
    Project("psf/requests", "1f6589ec3a1ee910f9a65cc3ceac60b26677bc0e", "python"),
    Project("sympy/sympy", "e950d313a932bc6cccbc95376b3821cd2f8b5af4", "python"),
    Project("rust-lang/book", "917544888a55e4da7109bdba8c88c893c0da70f4", "docs"),
)
SUFFIXES = {
    "go": (".go",),
    "rust": (".rs",),
    "python": (".py",),
    "ts": (".ts",),
    "js": (".js",),
    "docs": (".md",),
}
PLAIN_KINDS = ("ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "ghs_jwt")
CHECKSUM_KINDS = ("ghp", "gho", "ghu", "ghs", "ghr")
# What ripgrep is timed with (benchmarks/run.py); before planting it finds what upstream holds.
RG_PATTERN = re.compile(
    rb"gh[pousr]_[A-Za-z0-9]{36,76}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"
    rb"|ghs_[0-9]{1,12}_eyJ[A-Za-z0-9_.-]{40,}"
)
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(*args: str, env: dict[str, str] | None = None) -> str:
    """Run git without user or system config; its output (raises on failure)."""
    proc = subprocess.run(
        ["git", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args[:3])}…: {proc.stderr.strip()}")
    return proc.stdout


def has_commit(git_dir: Path, commit: str) -> bool:
    """Whether the bare repository holds `commit`."""
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True,
        env={**os.environ, **GIT_ENV},
        check=False,
    )
    return proc.returncode == 0


def source_repo(project: Project, mirrors: Path | None, cache: Path) -> Path:
    """A bare repository holding the pinned commit: the mirror, or a shallow fetch into cache."""
    if mirrors is not None:
        mirror = mirrors / project.repo.replace("/", "+") / "repo"
        if mirror.is_dir():
            if not has_commit(mirror, project.commit):
                raise SystemExit(f"{mirror} does not hold {project.repo}@{project.commit}")
            return mirror
    bare = cache / f"{project.repo.replace('/', '+')}.git"
    if not has_commit(bare, project.commit):
        bare.mkdir(parents=True, exist_ok=True)
        git("init", "--quiet", "--bare", str(bare))
        git("--git-dir", str(bare), "fetch", "--quiet", "--depth", "1", "--no-tags",
            project.url, project.commit)  # fmt: skip
    return bare


def export(git_dir: Path, commit: str, dest: Path, leave_out: tuple[str, ...] = ()) -> None:
    """The work tree at `commit` into `dest` (every tracked file but `leave_out`; git checks
    the paths)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        # An explicit work tree: a bare repository made by `git init --bare` refuses otherwise.
        where = ["--git-dir", str(git_dir), "--work-tree", str(dest)]
        git(*where, "read-tree", commit, env=env)
        if leave_out:
            git(*where, "update-index", "--force-remove", "--", *leave_out, env=env)
        git(*where, "checkout-index", "--all", "--force", env=env)


def npm_ci(dest: Path) -> None:
    """Real node_modules from the lock file; no install scripts run."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed for actions/toolkit's node_modules (apt-get install npm)")
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=dest,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def regular_files(root: Path) -> list[Path]:
    """Regular files under `root` (links neither followed nor returned), sorted."""
    out: list[Path] = []
    for dirpath, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            p = Path(dirpath) / n
            if p.is_file() and not p.is_symlink():
                out.append(p)
    return out


def preexisting(root: Path) -> list[dict[str, object]]:
    """Token-shaped strings already in the upstream trees (ripgrep's regex), by digest."""
    found: dict[str, dict[str, object]] = {}
    for p in regular_files(root):
        data = p.read_bytes()
        if b"gh" not in data:
            continue
        for m in RG_PATTERN.finditer(data):
            tok = m.group().decode()
            found.setdefault(
                tok, {**digests(tok), "path": p.relative_to(root).as_posix(), "context": "upstream"}
            )
    return list(found.values())


# --- planting --------------------------------------------------------------------------------


def source_line(lang: str, tok: str, rng: random.Random) -> tuple[str, str]:
    """(context, one line of `lang` source holding `tok`)."""
    forms = {
        "go": [
            ("go-const", f'const deployToken = "{tok}"\n'),
            ("go-header", f'\treq.Header.Set("Authorization", "token {tok}")\n'),
        ],
        "rust": [
            ("rust-const", f'const GH_TOKEN: &str = "{tok}";\n'),
            ("rust-header", f'    .bearer_auth("{tok}")\n'),
        ],
        "python": [
            ("py-assign", f'GITHUB_TOKEN = "{tok}"\n'),
            ("py-dict", f'    headers = {{"Authorization": "token {tok}"}}\n'),
        ],
        "ts": [
            ("ts-const", f"const token: string = '{tok}'\n"),
            ("ts-octokit", f"  const octokit = github.getOctokit('{tok}')\n"),
        ],
        "js": [("js-const", f"var token = '{tok}';\n")],
        "docs": [("markdown-code", f"$ export GH_TOKEN={tok}\n")],
    }[lang]
    return forms[rng.randrange(len(forms))]


class Planter:
    """Plants tokens and decoys into one project's tree and records them."""

    def __init__(self, root: Path, project: Project, rng: random.Random, truth: Truth) -> None:
        self.root, self.project, self.rng, self.truth = root, project, rng, truth
        self.base = root / project.name
        files = [p for p in regular_files(self.base) if "node_modules" not in p.parts]
        suffixes = SUFFIXES[project.lang]
        self.sources = [p for p in files if p.suffix in suffixes and _is_text(p)] or [
            p for p in files if _is_text(p)
        ]
        self.dirs = sorted({p.parent for p in self.sources})

    def rel(self, p: Path) -> str:
        """The path as the ground truth records it (relative to real/)."""
        return p.relative_to(self.root).as_posix()

    def insert_line(self, path: Path, line: str) -> None:
        """`line` at a random line boundary of `path`."""
        if path.is_symlink() or not path.resolve().is_relative_to(self.root.resolve()):
            raise SystemExit(f"{path}: leads out of the corpus (a symbolic link upstream)")
        lines = path.read_bytes().splitlines(keepends=True)
        if lines and not lines[-1].endswith(b"\n"):
            lines[-1] += b"\n"
        lines.insert(self.rng.randrange(len(lines) + 1), line.encode())
        path.write_bytes(b"".join(lines))

    def new_file(self, name: str, text: str | bytes, where: Path | None = None) -> Path:
        """A new file named `name` (made unique) in a random source folder, or in `where`."""
        d = where or self.rng.choice(self.dirs)
        d.mkdir(parents=True, exist_ok=True)
        # Upstream content decides what is a link: never write through one out of the corpus.
        if not d.resolve().is_relative_to(self.root.resolve()) or (d / name).is_symlink():
            raise SystemExit(f"{d}: leads out of the corpus (a symbolic link upstream)")
        p = d / name
        n = 0
        while p.exists() or p.is_symlink():
            n += 1
            p = d / f"{n}{name}"
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        return p

    def token(self, kind: str, path: Path, context: str, tok: str | None = None) -> str:
        """A fresh token recorded as planted in `path`."""
        tok = tok or make_token(kind, self.rng)
        self.truth.token(tok, kind, self.rel(path), context)
        return tok

    def plant(self) -> None:
        """Every context once or more; kinds rotate so that each project holds several."""
        rng = self.rng
        kinds = list(PLAIN_KINDS)
        rng.shuffle(kinds)
        for kind in kinds[:4]:
            target = rng.choice(self.sources)
            tok = make_token(kind, rng)
            ctx, line = source_line(self.project.lang, tok, rng)
            self.insert_line(target, line)
            self.token(kind, target, ctx, tok)
        kind = kinds[4]
        tok = make_token(kind, rng)
        p = self.new_file(".env", f"# local settings\nDEBUG=1\nGH_TOKEN={tok}\nPORT=8080\n")
        self.token(kind, p, "dotenv", tok)
        kind = kinds[5]
        tok = make_token(kind, rng)
        p = self.new_file(
            "release-bench.yml",
            "name: release\non: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n"
            f"    env:\n      PUBLISH_TOKEN: {tok}\n    steps:\n      - uses: actions/checkout@v4\n",
            self.base / ".github" / "workflows",
        )
        self.token(kind, p, "ci-yaml", tok)
        kind = rng.choice(("ghp", "gho", "github_pat"))
        tok = make_token(kind, rng)
        doc = {"auths": {"ghcr.io": {"auth": b64(f"octocat:{tok}")}}, "credsStore": ""}
        p = self.new_file("config.json", json.dumps(doc, indent=2) + "\n", self.base / ".docker")
        self.token(kind, p, "docker-auth-base64", tok)
        kind = rng.choice(("ghp", "github_pat"))
        tok = make_token(kind, rng)
        p = self.new_file(
            ".npmrc",
            f"@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken={tok}\n",
            self.base,
        )
        self.token(kind, p, "npmrc", tok)
        kind = rng.choice(("ghp", "ghs", "github_pat"))
        tok = make_token(kind, rng)
        p = self.new_file(
            "secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\ntype: Opaque\n"
            f"data:\n  token: {b64(tok)}\n",
        )
        self.token(kind, p, "k8s-secret-base64", tok)
        kind = rng.choice(("ghp", "gho", "ghs"))
        tok = make_token(kind, rng)
        inner = json.dumps({"auths": {"ghcr.io": {"auth": b64(f"bot:{tok}")}}})
        p = self.new_file(
            "pull-secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ghcr\n"
            "type: kubernetes.io/dockerconfigjson\n"
            f"data:\n  .dockerconfigjson: {b64(inner)}\n",
        )
        self.token(kind, p, "k8s-dockerconfigjson-base64x2", tok)
        kind = rng.choice(("ghs", "ghp", "gho"))
        tok = make_token(kind, rng)
        p = self.new_file(
            "mirror.sh",
            f"#!/bin/sh\nset -e\ngit clone https://x-access-token:{tok}@github.com/acme/site.git\n",
        )
        self.token(kind, p, "url-credential", tok)
        kind = rng.choice(("ghp", "ghu", "github_pat"))
        tok = make_token(kind, rng)
        url = f"https://x-access-token:{tok}@github.com/acme/app.git"
        p = self.new_file("links.txt", f"mirror={urllib.parse.quote(url, safe='')}\n")
        self.token(kind, p, "percent-url", tok)
        kind = rng.choice(("ghp", "gho", "github_pat"))
        tok = make_token(kind, rng)
        p = self.new_file("redirect.log", f"GET /login?next={pct_all(tok)} 302\n")
        self.token(kind, p, "percent-url-%5F", tok)
        kind = rng.choice(("ghp", "ghr", "github_pat"))
        tok = make_token(kind, rng)
        blob = (rng.randbytes(rng.randrange(2000, 30000)) + b"\0\0token\0" + tok.encode() + b"\0"
                + rng.randbytes(rng.randrange(2000, 30000)))  # fmt: skip
        p = self.new_file("cache.db", b"SQLite format 3\0" + blob)
        self.token(kind, p, "binary", tok)
        kind = rng.choice(("ghp", "gho"))
        tok = make_token(kind, rng)
        p = self.new_file(".git-credentials", f"https://octocat:{tok}@github.com\n", self.base)
        self.token(kind, p, "git-credentials", tok)
        # Legacy 40-hex tokens: only where the context says GitHub.
        tok = make_token("legacy", rng)
        p = self.new_file(
            "deploy.sh",
            f"#!/bin/sh\nset -e\ngit clone https://deploy:{tok}@github.com/acme/site.git build\n",
        )
        self.token("legacy", p, "legacy-url", tok)
        tok = make_token("legacy", rng)
        p = self.new_file("ci.env", f"CI=true\nGITHUB_TOKEN={tok}\n")
        self.token("legacy", p, "legacy-assignment", tok)
        tok = make_token("legacy", rng)
        target = rng.choice(self.sources)
        self.insert_line(target, f"# git remote set-url origin https://{tok}@github.com/o/r\n")
        self.token("legacy", target, "legacy-url-in-source", tok)
        tok = make_token("legacy", rng)
        p = self.new_file(
            "hosts.yml",
            f"github.com:\n    user: octocat\n    oauth_token: {tok}\n    git_protocol: https\n",
            self.base / ".config" / "gh",
        )
        self.token("legacy", p, "legacy-gh-hosts", tok)
        self.decoys()

    def decoys(self) -> None:
        """Strings a scanner must not report: broken checksums, placeholders, docs examples,
        commit SHAs beside GitHub words, 40-hex credentials for other hosts."""
        rng = self.rng
        for kind in (*CHECKSUM_KINDS, "github_pat"):
            bad = make_token(kind, rng, valid=False)
            target = rng.choice(self.sources)
            self.insert_line(target, f'TOKEN = "{bad}"\n')
            self.truth.decoy(bad, kind, self.rel(target), "checksum-invalid")
        for tok in rng.sample((*PLACEHOLDERS, *DOCS_EXAMPLES), 3):
            target = rng.choice(self.sources)
            self.insert_line(target, f'EXAMPLE_TOKEN = "{tok}"  # from the docs\n')
            self.truth.decoy(tok, tok[:3], self.rel(target), "placeholder-or-docs-example")
        forms: list[Callable[[str], str]] = [
            lambda s: f"// fixed in https://github.com/{self.project.repo}/commit/{s}\n",
            lambda s: f"GITHUB_SHA={s}\n",
            lambda s: f"git clone https://{s}@gitlab.com/acme/site.git\n",
            lambda s: f"github_ref: {s}\n",
        ]
        for form in forms:
            sha = make_token("legacy", rng)
            target = rng.choice(self.sources)
            self.insert_line(target, form(sha))
            self.truth.decoy(sha, "legacy", self.rel(target), "commit-sha")


def plant_node_modules(root: Path, rng: random.Random, truth: Truth) -> None:
    """Tokens inside a dependency tree: a published package that shipped a credential."""
    nm = root / "toolkit" / "node_modules"
    js = [p for p in regular_files(nm) if p.suffix == ".js" and _is_text(p)]
    for kind in ("ghp", "gho", "github_pat"):
        tok = make_token(kind, rng)
        target = rng.choice(js)
        lines = target.read_bytes().splitlines(keepends=True)
        lines.insert(rng.randrange(len(lines) + 1), f'const GH = "{tok}";\n'.encode())
        target.write_bytes(b"".join(lines))
        truth.token(tok, kind, target.relative_to(root).as_posix(), "node-modules", pruned=True)


def _is_text(p: Path) -> bool:
    try:
        with p.open("rb") as fh:
            head = fh.read(8192)
    except OSError:
        return False
    return b"\0" not in head and bool(head)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default="/tmp/patlint-bench", type=Path)
    ap.add_argument("--mirrors", type=Path, help="DIR/<owner>+<name>/repo bare clones to use")
    ap.add_argument("--cache", type=Path, help="where fetched repositories are kept "
                    "(default: OUT/.repos)")  # fmt: skip
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-npm", action="store_true", help="skip node_modules (no npm registry)")
    args = ap.parse_args(argv)
    out: Path = args.out.resolve()
    repo = Path(__file__).resolve().parents[1]
    if out == repo or repo in out.parents:
        ap.error("--out must be outside the repository")
    cache = (args.cache or out / ".repos").resolve()
    root = out / "real"
    t0 = time.time()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for project in PROJECTS:
        src = source_repo(project, args.mirrors, cache)
        export(src, project.commit, root / project.name, project.leave_out)
        if project.npm and not args.no_npm:
            npm_ci(root / project.name)
        print(f"{project.repo}@{project.commit[:12]}: from {src}", flush=True)
    upstream = preexisting(root)
    truth = Truth("real", args.seed)
    rng = random.Random(args.seed)
    for project in PROJECTS:
        Planter(root, project, rng, truth).plant()
    if not args.no_npm and any(p.npm for p in PROJECTS):
        plant_node_modules(root, rng, truth)
    truth.write(out / "real.truth.json", root)
    doc = json.loads((out / "real.truth.json").read_text())
    doc["preexisting"] = upstream
    doc["dependency_dirs"] = [
        f"{p.name}/node_modules" for p in PROJECTS if p.npm and not args.no_npm
    ]
    doc["projects"] = [{"repo": p.repo, "commit": p.commit} for p in PROJECTS]
    (out / "real.truth.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(
        f"real: {doc['files']:,} files, {doc['bytes'] / 1e6:.1f} MB, {len(truth.tokens)} tokens, "
        f"{len(truth.decoys)} decoys, {len(upstream)} token-shaped strings upstream, "
        f"{time.time() - t0:.0f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
