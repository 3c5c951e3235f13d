"""Generate benchmark corpora with planted GitHub tokens and a ground-truth file (deterministic).

    python benchmarks/corpus.py --out /tmp/patlint-bench --seed 7 --size 300MB

writes, under --out (keep it outside the repository):
  tree/            a source tree of --size bytes: copies of this Python's standard library
                   sources, with tokens planted in every context patlint supports, and decoys
  tree.truth.json  ground truth: token sha256/sha1, kind, path, context (never the token)
  home/            a home-directory shape: --home-files small files, dependency trees
                   (node_modules, .venv/site-packages, .cache), .git object stores, a large binary,
                   a 20 MB one-line file, credential files in their usual places
  home.truth.json  ground truth for home/ (`pruned: true` = inside a dependency tree or cache,
                   which a workstation profile may skip)
  precommit/       10 small files, as a pre-commit hook would pass them (one holds a token)
  oneline/         one file of --oneline-mb MB without a newline (peak-memory check)

Tokens are generated at generation time with patlint.tokengen (random, checksum-valid, never
issued by GitHub); nothing token-shaped is stored in the repository.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import sys
import sysconfig
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from patlint.tokengen import make_token

TEXT_SUFFIXES = {".py", ".txt", ".rst", ".cfg", ".json", ".xml", ".html", ".toml", ".ini", ".csv"}
PLAIN_KINDS = ("ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "ghs_jwt")
CHECKSUM_KINDS = ("ghp", "gho", "ghu", "ghs", "ghr")
# GitHub's documentation example tokens (they fail the checksum) and a copy with another prefix.
DOCS_EXAMPLES = (
    "gho_" + "16C7e42F292c6912E7710c838347Ae178B4a",
    "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a",
    "ghu_" + "16C7e42F292c69C2E7C10c838347Ae178B4a",
    "ghr_" + "1B4a2e77838347a7E420ce178F2E7c6912E169246c3CE1ccbF66C46812d16D5B1A9Dc86A1498",
)
PLACEHOLDERS = (
    "ghp_" + "x" * 36,
    "ghp_" + "X" * 36,
    "gho_" + "0" * 36,
    "ghp_" + "EXAMPLE" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5",
)


def parse_size(text: str) -> int:
    """`300MB`, `1.5GB`, `500k` or plain bytes."""
    t = text.strip().upper().rstrip("B")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def digests(token: str) -> dict[str, str]:
    """sha256 (patlint's fingerprint) and sha1 (detect-secrets' hashed_secret) of a token."""
    raw = token.encode()
    return {"sha256": hashlib.sha256(raw).hexdigest(), "sha1": hashlib.sha1(raw).hexdigest()}  # noqa: S324


@dataclass
class Truth:
    """Ground truth collected while planting."""

    name: str
    seed: int
    tokens: list[dict[str, object]] = field(default_factory=list)
    decoys: list[dict[str, object]] = field(default_factory=list)

    def token(self, tok: str, kind: str, path: str, context: str, pruned: bool = False) -> None:
        """Record a planted token that a scanner should report."""
        self.tokens.append(
            {**digests(tok), "kind": kind, "path": path, "context": context, "pruned": pruned}
        )

    def decoy(self, tok: str, kind: str, path: str, context: str) -> None:
        """Record a planted string that a scanner should NOT report."""
        self.decoys.append({**digests(tok), "kind": kind, "path": path, "context": context})

    def write(self, path: Path, root: Path) -> None:
        """Write the ground truth with the corpus totals (files, bytes)."""
        files = 0
        size = 0
        for dirpath, _dirs, names in os.walk(root):
            for n in names:
                try:
                    st = os.lstat(os.path.join(dirpath, n))
                except OSError:
                    continue
                files += 1
                size += st.st_size
        doc = {
            "corpus": self.name,
            "seed": self.seed,
            "root": str(root),
            "files": files,
            "bytes": size,
            "tokens": self.tokens,
            "decoys": self.decoys,
        }
        path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def stdlib_files() -> list[Path]:
    """Text sources of this Python's standard library (site-packages excluded), sorted."""
    base = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for dirpath, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
        for n in sorted(names):
            p = Path(dirpath) / n
            if p.suffix in TEXT_SUFFIXES and not p.is_symlink():
                out.append(p)
    return out


def b64(text: str) -> str:
    """Standard base64 of UTF-8 text."""
    return base64.b64encode(text.encode()).decode()


def pct_all(text: str) -> str:
    """Percent-encode every character but letters and digits (`_` becomes %5F)."""
    return "".join(c if c.isalnum() else f"%{ord(c):02X}" for c in text)


def legacy_hex(rng: random.Random) -> str:
    """40 lowercase hex characters (a legacy token, or a commit SHA)."""
    return make_token("legacy", rng)


# --- the source tree ------------------------------------------------------------------------


def plant_lines(kind: str, tok: str, rng: random.Random) -> tuple[str, str]:
    """(context name, line of Python) holding `tok` as code would."""
    forms = [
        ("py-assign", f'GITHUB_TOKEN = "{tok}"\n'),
        ("py-dict", f'    headers = {{"Authorization": "token {tok}"}}\n'),
        ("py-environ", f'os.environ.setdefault("GH_TOKEN", "{tok}")\n'),
    ]
    return forms[rng.randrange(len(forms))]


def build_tree(out: Path, size: int, rng: random.Random, truth: Truth) -> None:
    """Copies of the standard library until `size` bytes, then tokens and decoys planted."""
    sources = stdlib_files()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    total = 0
    copy = 0
    py_files: list[Path] = []
    while total < size:
        for src in sources:
            if total >= size:
                break
            dst = out / f"proj{copy:02d}" / src.relative_to(stdlib)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            total += dst.stat().st_size
            if dst.suffix == ".py":
                py_files.append(dst)
        copy += 1
    dirs = sorted({p.parent for p in py_files})

    def rel(p: Path) -> str:
        return p.relative_to(out).as_posix()

    def insert_line(path: Path, line: str) -> None:
        lines = path.read_bytes().splitlines(keepends=True)
        at = rng.randrange(len(lines) + 1)
        lines.insert(at, line.encode())
        path.write_bytes(b"".join(lines))

    def new_file(name: str, text: str | bytes) -> Path:
        d = rng.choice(dirs)
        p = d / name
        n = 0
        while p.exists():
            n += 1
            p = d / f"{n}{name}"
        if isinstance(text, str):
            p.write_text(text)
        else:
            p.write_bytes(text)
        return p

    per = 3
    # Plain tokens of every kind, inside existing Python files and in config files.
    for kind in PLAIN_KINDS:
        for _ in range(per):
            tok = make_token(kind, rng)
            target = rng.choice(py_files)
            ctx, line = plant_lines(kind, tok, rng)
            insert_line(target, line)
            truth.token(tok, kind, rel(target), ctx)
        for _ in range(per):
            tok = make_token(kind, rng)
            p = new_file(".env", f"# local settings\nDEBUG=1\nGH_TOKEN={tok}\nPORT=8080\n")
            truth.token(tok, kind, rel(p), "dotenv")
        tok = make_token(kind, rng)
        p = new_file(
            "ci.yml",
            "name: build\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
            f"    env:\n      PUBLISH_TOKEN: {tok}\n    steps:\n      - uses: actions/checkout@v4\n",
        )
        truth.token(tok, kind, rel(p), "ci-yaml")
    # Legacy 40-hex tokens: only where the context says GitHub.
    for _ in range(per * 2):
        tok = legacy_hex(rng)
        p = new_file(
            "deploy.sh",
            f"#!/bin/sh\nset -e\ngit clone https://deploy:{tok}@github.com/acme/site.git build\n",
        )
        truth.token(tok, "legacy", rel(p), "legacy-url")
        tok = legacy_hex(rng)
        p = new_file("ci.env", f"CI=true\nGITHUB_TOKEN={tok}\n")
        truth.token(tok, "legacy", rel(p), "legacy-assignment")
    # base64-wrapped: Docker auth fields and Kubernetes secrets (plain and dockerconfigjson).
    for kind in ("ghp", "gho", "ghs", "github_pat"):
        for _ in range(per):
            tok = make_token(kind, rng)
            auth = b64(f"octocat:{tok}")
            doc = {"auths": {"ghcr.io": {"auth": auth}}, "credsStore": ""}
            p = new_file("config.json", json.dumps(doc, indent=2) + "\n")
            truth.token(tok, kind, rel(p), "docker-auth-base64")
        for _ in range(2):
            tok = make_token(kind, rng)
            p = new_file(
                "secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\ntype: Opaque\n"
                f"data:\n  token: {b64(tok)}\n",
            )
            truth.token(tok, kind, rel(p), "k8s-secret-base64")
            tok = make_token(kind, rng)
            inner = json.dumps({"auths": {"ghcr.io": {"auth": b64(f"bot:{tok}")}}})
            p = new_file(
                "pull-secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ghcr\n"
                "type: kubernetes.io/dockerconfigjson\n"
                f"data:\n  .dockerconfigjson: {b64(inner)}\n",
            )
            truth.token(tok, kind, rel(p), "k8s-dockerconfigjson-base64x2")
    # Percent-encoded URLs: `_` kept (urllib's quote) and `_` encoded as %5F.
    for kind in ("ghp", "gho", "ghu", "github_pat"):
        for _ in range(per):
            tok = make_token(kind, rng)
            url = f"https://x-access-token:{tok}@github.com/acme/app.git"
            p = new_file("links.txt", f"mirror={urllib.parse.quote(url, safe='')}\n")
            truth.token(tok, kind, rel(p), "percent-url")
            tok = make_token(kind, rng)
            p = new_file("redirect.log", f"GET /login?next={pct_all(tok)} 302\n")
            truth.token(tok, kind, rel(p), "percent-url-%5F")
    # Inside binary files.
    for kind in ("ghp", "gho", "ghs", "ghr", "github_pat"):
        for _ in range(2):
            tok = make_token(kind, rng)
            blob = (
                rng.randbytes(rng.randrange(2000, 60000))
                + b"\0\0token\0"
                + tok.encode()
                + b"\0"
                + rng.randbytes(rng.randrange(2000, 60000))
            )
            p = new_file("cache.db", b"SQLite format 3\0" + blob)
            truth.token(tok, kind, rel(p), "binary")

    # Decoys: checksum-invalid tokens, placeholders, docs examples, commit SHAs.
    for kind in (*CHECKSUM_KINDS, "github_pat"):
        for _ in range(per * 2):
            bad = make_token(kind, rng, valid=False)
            target = rng.choice(py_files)
            insert_line(target, f'TOKEN = "{bad}"\n')
            truth.decoy(bad, kind, rel(target), "checksum-invalid")
    for tok in (*PLACEHOLDERS, *DOCS_EXAMPLES):
        for _ in range(per):
            target = rng.choice(py_files)
            insert_line(target, f'EXAMPLE_TOKEN = "{tok}"  # from the docs\n')
            truth.decoy(tok, tok[:3], rel(target), "placeholder-or-docs-example")
    for _ in range(per * 10):
        sha = legacy_hex(rng)
        target = rng.choice(py_files)
        form = rng.choice(
            [
                f"# fixed in https://github.com/python/cpython/commit/{sha}\n",
                f'PINNED = "{sha}"  # git rev-parse HEAD\n',
                f"# git checkout {sha}\n",
            ]
        )
        insert_line(target, form)
        truth.decoy(sha, "legacy", rel(target), "commit-sha")


# --- the home directory ---------------------------------------------------------------------


def build_home(
    home: Path, nfiles: int, big_mb: int, rng: random.Random, truth: Truth, blob: bytes
) -> None:
    """A home-directory shape of `nfiles` small files plus big and credential files."""
    written = 0

    def snippet() -> bytes:
        n = min(16384, int(rng.paretovariate(1.5) * 300))
        at = rng.randrange(len(blob) - n)
        return blob[at : at + n]

    def fill(base: Path, count: int, fanout: int, suffixes: tuple[str, ...], binary: bool) -> None:
        nonlocal written
        for i in range(count):
            d = base / f"d{(i // fanout) % 97:02d}" / f"m{i // (fanout * 97)}"
            if i % fanout == 0:
                d.mkdir(parents=True, exist_ok=True)
            data = rng.randbytes(rng.randrange(64, 4096)) if binary else snippet()
            (d / f"f{i}{suffixes[i % len(suffixes)]}").write_bytes(data)
            written += 1

    def cred(relpath: str, text: str | bytes, mode: int = 0o600) -> Path:
        p = home / relpath
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            p.write_text(text)
        else:
            p.write_bytes(text)
        p.chmod(mode)
        return p

    def tok(kind: str, relpath: str, context: str, pruned: bool = False) -> str:
        t = make_token(kind, rng)
        truth.token(t, kind, "~/" + relpath, context, pruned)
        return t

    # Credential files in their usual places.
    cred(
        ".docker/config.json",
        json.dumps(
            {
                "auths": {
                    "ghcr.io": {
                        "auth": b64("me:" + tok("ghp", ".docker/config.json", "docker-auth"))
                    }
                }
            },
            indent=2,
        ),
    )
    cred(
        ".git-credentials",
        f"https://me:{tok('ghp', '.git-credentials', 'git-credentials')}@github.com\n"
        f"https://x-access-token:{tok('ghs', '.git-credentials', 'git-credentials')}@github.com\n",
    )
    legacy = legacy_hex(rng)
    truth.token(legacy, "legacy", "~/.config/hub", "hub-oauth-token")
    cred(".config/hub", f"github.com:\n- user: me\n  oauth_token: {legacy}\n  protocol: https\n")
    cred(
        ".config/gh/hosts.yml",
        "github.com:\n    users:\n        me:\n"
        f"            oauth_token: {tok('gho', '.config/gh/hosts.yml', 'gh-hosts')}\n"
        "    git_protocol: https\n    user: me\n",
    )
    cred(
        ".npmrc",
        f"//npm.pkg.github.com/:_authToken={tok('ghp', '.npmrc', 'npmrc')}\n@acme:registry=https://npm.pkg.github.com\n",
    )
    cred(
        ".netrc",
        f"machine github.com\n  login me\n  password {tok('github_pat', '.netrc', 'netrc')}\n",
    )
    hist = [snippet().decode("utf-8", "replace").replace("\n", " ")[:80] + "\n" for _ in range(400)]
    hist.insert(100, f"export GITHUB_TOKEN={tok('ghp', '.bash_history', 'shell-history')}\n")
    hist.insert(
        250,
        f"echo {tok('github_pat', '.bash_history', 'shell-history')} | gh auth login --with-token\n",
    )
    cred(".bash_history", "".join(hist))
    cred(
        ".zsh_history",
        f": 1700000000:0;git clone https://{tok('ghp', '.zsh_history', 'shell-history')}@github.com/acme/x\n",
    )
    cred(
        "projects/api/.env",
        f"GITHUB_APP_TOKEN={tok('ghs_jwt', 'projects/api/.env', 'dotenv')}\n"
        f"GH_REFRESH={tok('ghr', 'projects/api/.env', 'dotenv')}\n",
        0o644,
    )
    for kind in CHECKSUM_KINDS:
        bad = make_token(kind, rng, valid=False)
        cred(f"projects/api/tests/test_{kind}.py", f'FAKE = "{bad}"\n', 0o644)
        truth.decoy(bad, kind, f"~/projects/api/tests/test_{kind}.py", "checksum-invalid")

    # Dependency trees and caches (what a workstation profile may prune) and .git stores.
    share = nfiles // 20
    fill(
        home / "projects/webapp/node_modules",
        share * 8,
        40,
        (".js", ".json", ".d.ts", ".md"),
        False,
    )
    fill(
        home / "projects/tool/.venv/lib/python3.11/site-packages",
        share * 5,
        30,
        (".py", ".pyi", ".txt"),
        False,
    )
    fill(home / ".cache/pip/http", share * 2, 50, ("",), True)
    fill(home / "projects/webapp/.git/objects", share, 60, ("",), True)
    nm = "projects/webapp/node_modules/leftpad/.env"
    cred(nm, f"NPM_GH={tok('ghp', nm, 'dependency-tree', pruned=True)}\n", 0o644)
    vp = "projects/tool/.venv/lib/python3.11/site-packages/pkg/conf.py"
    cred(vp, f'TOKEN = "{tok("gho", vp, "dependency-tree", pruned=True)}"\n', 0o644)
    cp = ".cache/tool/state.json"
    cred(cp, json.dumps({"token": tok("ghu", cp, "cache", pruned=True)}), 0o644)
    # Own files: projects, documents, dotfiles.
    rest = nfiles - written
    fill(home / "projects/src", rest * 6 // 10, 40, (".py", ".go", ".ts", ".c", ".md"), False)
    fill(home / "Documents/notes", rest * 3 // 10, 50, (".md", ".txt"), False)
    fill(home / ".local/share/app", nfiles - written, 50, (".json", ".log"), False)

    # A large binary (a disk image) with a token inside, and a 20 MB one-line file.
    big = home / "Downloads/disk.img"
    big.parent.mkdir(parents=True, exist_ok=True)
    block = rng.randbytes(1 << 20)
    with big.open("wb") as fh:
        for i in range(big_mb):
            fh.write(block if i % 2 else b"\0" * (1 << 20))
            if i == big_mb // 2:
                fh.write(b"\0" + tok("ghp", "Downloads/disk.img", "binary").encode() + b"\0")
    line = blob[: 20 << 20].replace(b"\n", b" ")
    mid = len(line) // 2
    t = tok("gho", "Downloads/export.min.js", "one-line-20MB")
    (home / "Downloads/export.min.js").write_bytes(
        line[:mid] + f';var t="{t}";'.encode() + line[mid:]
    )


def text_blob(min_size: int) -> bytes:
    """The standard library's sources concatenated (repeated up to `min_size`)."""
    parts = [p.read_bytes() for p in stdlib_files()]
    blob = b"".join(parts)
    while len(blob) < min_size:
        blob += blob
    return blob


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default="/tmp/patlint-bench", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--size", default="300MB", help="source tree size (default 300MB)")
    ap.add_argument("--home-files", type=int, default=200_000)
    ap.add_argument("--big-mb", type=int, default=100, help="large binary in home/ (MB)")
    ap.add_argument("--oneline-mb", type=int, default=200)
    ap.add_argument(
        "--only",
        choices=("tree", "home", "precommit", "oneline"),
        action="append",
        help="build only these parts (repeatable)",
    )
    args = ap.parse_args(argv)
    parts = set(args.only or ("tree", "home", "precommit", "oneline"))
    out: Path = args.out.resolve()
    repo = Path(__file__).resolve().parents[1]
    if out == repo or (repo in out.parents and "benchmarks" not in out.parts):
        ap.error("--out must be outside the repository (or under benchmarks/corpus/)")
    out.mkdir(parents=True, exist_ok=True)

    if "tree" in parts:
        t0 = time.time()
        shutil.rmtree(out / "tree", ignore_errors=True)
        truth = Truth("tree", args.seed)
        build_tree(out / "tree", parse_size(args.size), random.Random(args.seed), truth)
        truth.write(out / "tree.truth.json", out / "tree")
        print(
            f"tree: {len(truth.tokens)} tokens, {len(truth.decoys)} decoys, {time.time() - t0:.1f}s"
        )
    if "home" in parts or "precommit" in parts or "oneline" in parts:
        blob = text_blob(24 << 20)
    if "home" in parts:
        t0 = time.time()
        shutil.rmtree(out / "home", ignore_errors=True)
        truth = Truth("home", args.seed)
        rng = random.Random(args.seed + 1)
        build_home(out / "home", args.home_files, args.big_mb, rng, truth, blob)
        truth.write(out / "home.truth.json", out / "home")
        print(
            f"home: {len(truth.tokens)} tokens, {len(truth.decoys)} decoys, {time.time() - t0:.1f}s"
        )
    if "precommit" in parts:
        rng = random.Random(args.seed + 2)
        pc = out / "precommit"
        shutil.rmtree(pc, ignore_errors=True)
        pc.mkdir()
        truth = Truth("precommit", args.seed)
        for i in range(10):
            at = rng.randrange(len(blob) - 4000)
            text = blob[at : at + rng.randrange(500, 4000)]
            if i == 3:
                t = make_token("ghp", rng)
                text += f'\nGH_TOKEN = "{t}"\n'.encode()
                truth.token(t, "ghp", f"mod{i}.py", "py-assign")
            (pc / f"mod{i}.py").write_bytes(text)
        truth.write(out / "precommit.truth.json", pc)
    if "oneline" in parts:
        rng = random.Random(args.seed + 3)
        ol = out / "oneline"
        shutil.rmtree(ol, ignore_errors=True)
        ol.mkdir()
        truth = Truth("oneline", args.seed)
        line = blob[: 16 << 20].replace(b"\n", b" ")
        with (ol / "one-line.txt").open("wb") as fh:
            for i in range(args.oneline_mb // 16 or 1):
                fh.write(line)
                if i == 5:
                    t = make_token("ghp", rng)
                    fh.write(f' tok="{t}" '.encode())
                    truth.token(t, "ghp", "one-line.txt", "one-line-200MB")
        truth.write(out / "oneline.truth.json", ol)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
