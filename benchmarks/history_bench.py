"""Benchmark `patlint scan --history --offline` on the full history of a git repository.

    python benchmarks/history_bench.py /path/to/large/repo [--runs 3]
    python benchmarks/history_bench.py --synthetic /tmp/hist-synth --commits 5000   # build, then run

Prints the repository's size as git sees it (commits on all refs; unique blobs and their bytes,
from `git rev-list --objects --all | git cat-file --batch-check`, computed independently of
patlint), then the wall time of patlint's history scan (one untimed warm-up run for a warm page
cache, then --runs timed runs, median), unique-blob MB/s and blobs/s, what patlint itself
reports reading (files_scanned = unique blobs read once), and the peak RSS of the patlint process.
With --synthetic it first builds a deterministic repository with `git fast-import` and plants
generated tokens (some later deleted, some on side branches), then checks every one was found.

With --peers (default: the venv benchmarks/run.py uses), betterleaks (`git`, its five GitHub
rules) and kingfisher (`scan --git-history full`, the same rules, no validation) are timed on
the same repository the same way, and each one's wall time is given as a multiple of
patlint's. A bare clone (the --mirrors layout of benchmarks/realtrees.py) works for all three.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, check=True, text=True
    ).stdout


def repo_size(repo: Path) -> tuple[int, int, int]:
    """(commits on all refs, unique blobs, bytes of the unique blobs)."""
    commits = int(git(repo, "rev-list", "--count", "--all").strip() or 0)
    revlist = subprocess.Popen(
        ["git", "-C", str(repo), "rev-list", "--objects", "--missing=print", "--all"],
        stdout=subprocess.PIPE,
    )
    check = subprocess.Popen(
        ["git", "-C", str(repo), "cat-file", "--batch-check=%(objecttype) %(objectsize) %(rest)"],
        stdin=revlist.stdout,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert revlist.stdout is not None and check.stdout is not None
    revlist.stdout.close()
    blobs = size = 0
    for line in check.stdout:
        fields = line.split(" ", 2)
        if fields[0] == "blob":
            blobs += 1
            size += int(fields[1])
    check.wait()
    revlist.wait()
    return commits, blobs, size


BL_RULES = "github-pat,github-fine-grained-pat,github-oauth,github-app-token,github-refresh-token"


def peer_commands(peers: Path, repo: Path, out: Path) -> dict[str, list[str]]:
    """How each installed peer scans the history of `repo` (GitHub rules only, offline)."""
    cmds: dict[str, list[str]] = {}
    bl = peers / "bin" / "betterleaks"
    if bl.exists():
        cmds["betterleaks"] = [str(bl), "git", str(repo), "-s", "-l", "error", "--exit-code",
                               "0", "-o", str(out / "bl.json"), "--isolate-rule", BL_RULES]  # fmt: skip
    kf = peers / "bin" / "kingfisher"
    if kf.exists():
        rules = [a for r in BL_RULES.split(",") for a in ("--rule", f"betterleaks.{r}")]
        cmds["kingfisher"] = [str(kf), "scan", str(repo), "--git-history", "full",
                              "--no-validate", "--no-update-check", "--format", "json",
                              "-o", str(out / "kf.json"), *rules]  # fmt: skip
    return cmds


def time_command(argv: list[str]) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB of the largest process of its tree, exit status) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def run_patlint(repo: Path, patlint: list[str], max_size: str) -> tuple[float, dict, int]:
    """One history scan: (seconds, JSON report, peak RSS in KiB of the patlint process)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            *patlint,
            "scan",
            "--history",
            "--offline",
            "--no-progress",
            "--no-repo-config",
            "--max-file-size",
            max_size,
            "--format",
            "json",
            "-o",
            str(out),
            str(repo),
        ]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if code not in (0, 1):
            sys.exit(f"patlint failed (exit {code}): {err.strip()}")
        return elapsed, json.loads(out.read_text()), usage.ru_maxrss


# --- a synthetic repository ------------------------------------------------------------------


def build_synthetic(path: Path, commits: int, tokens: int, seed: int) -> list[str]:
    """A repository with `commits` commits over ~600 files; returns planted token digests."""
    from patlint.tokengen import make_token

    rng = random.Random(seed)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    files = {f"src/mod{i // 40}/file{i}.py": _text(rng, rng.randint(20, 400)) for i in range(600)}
    plant_at = set(rng.sample(range(1, commits), min(tokens, commits - 1)))
    planted: list[str] = []
    files_to_delete: dict[int, list[str]] = {}
    stream: list[bytes] = []
    when = 1_600_000_000
    branch_tip: dict[str, int] = {}
    for n in range(commits):
        changes: dict[str, str | None] = {}
        if n == 0:
            changes.update(files)
        else:
            for _ in range(rng.randint(1, 4)):
                name = rng.choice(sorted(files))
                lines = files[name].splitlines(keepends=True)
                at = rng.randrange(len(lines) + 1)
                lines[at:at] = [_line(rng)]
                files[name] = "".join(lines)
                changes[name] = files[name]
        if n in plant_at:
            t = make_token(rng.choice(("ghp", "gho", "github_pat")), rng)
            planted.append(hashlib.sha256(t.encode()).hexdigest())
            name = f"config/leak{n}.env"
            changes[name] = f"# deploy settings\nGITHUB_TOKEN={t}\n"
            if rng.random() < 0.5:  # deleted again a few commits later: only history has it
                files_to_delete.setdefault(n + rng.randint(1, 20), []).append(name)
            else:
                files[name] = changes[name]
        for name in files_to_delete.pop(n, []):
            changes[name] = None
            files.pop(name, None)
        ref = "refs/heads/main"
        if n % 97 == 50:  # a side branch that is never merged
            ref = f"refs/heads/side{n}"
        mark = n + 1
        when += 3600
        parent = branch_tip.get("main")
        stream.append(f"commit {ref}\nmark :{mark}\n".encode())
        stream.append(f"author A <a@example.com> {when} +0000\n".encode())
        stream.append(f"committer A <a@example.com> {when} +0000\n".encode())
        msg = f"change {n}\n".encode()
        stream.append(b"data %d\n%s" % (len(msg), msg))
        if parent is not None:
            stream.append(f"from :{parent}\n".encode())
        for name, text in changes.items():
            if text is None:
                stream.append(f"D {name}\n".encode())
            else:
                data = text.encode()
                stream.append(f"M 100644 inline {name}\n".encode() + b"data %d\n" % len(data))
                stream.append(data + b"\n")
        if ref == "refs/heads/main":
            branch_tip["main"] = mark
        else:  # side-branch content must not leak into main's file table
            for name, text in changes.items():
                if text is not None and name.startswith("config/"):
                    files.pop(name, None)
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(stream), check=True
    )
    git(path, "checkout", "-q", "-f", "main")
    git(path, "gc", "-q")
    return planted


_WORDS = ("def", "return", "self", "value", "import", "from", "class", "none", "true", "if")


def _line(rng: random.Random) -> str:
    return "    " + " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 12))) + "\n"


def _text(rng: random.Random, n: int) -> str:
    return "".join(_line(rng) for _ in range(n))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", nargs="?", type=Path, help="a git repository (full history)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs (median reported)")
    ap.add_argument("--max-file-size", default="256MB", help="passed to patlint")
    ap.add_argument(
        "--patlint",
        default=None,
        help="patlint command (default: this interpreter with -m patlint)",
    )
    ap.add_argument("--synthetic", type=Path, help="build a synthetic repository here first")
    ap.add_argument("--commits", type=int, default=3000, help="synthetic: commits")
    ap.add_argument("--tokens", type=int, default=40, help="synthetic: planted tokens")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--peers", type=Path, default=Path("/tmp/peers-venv"),
                    help="venv holding betterleaks and kingfisher (skipped when absent)")  # fmt: skip
    ap.add_argument("--no-peers", action="store_true", help="time patlint only")
    args = ap.parse_args()
    patlint = args.patlint.split() if args.patlint else [sys.executable, "-m", "patlint"]

    planted: list[str] = []
    if args.synthetic:
        t0 = time.perf_counter()
        planted = build_synthetic(args.synthetic, args.commits, args.tokens, args.seed)
        print(f"built {args.synthetic} in {time.perf_counter() - t0:.1f} s")
        repo = args.synthetic
    elif args.repo:
        repo = args.repo
    else:
        ap.error("give a repository path or --synthetic DIR")

    commits, blobs, size = repo_size(repo)
    head = git(repo, "rev-parse", "--short", "HEAD").strip() if commits else "-"
    print(f"repository: {repo} (HEAD {head})")
    print(f"  commits on all refs:  {commits}")
    print(f"  unique blobs:         {blobs} ({size / 1e6:.1f} MB)")

    run_patlint(repo, patlint, args.max_file_size)  # warm-up: page cache, pyc files
    times: list[float] = []
    report: dict = {}
    rss = 0
    for _ in range(args.runs):
        elapsed, report, peak = run_patlint(repo, patlint, args.max_file_size)
        times.append(elapsed)
        rss = max(rss, peak)
    med = statistics.median(times)
    summary = report["summary"]
    read_mb = summary["bytes_scanned"] / 1e6
    print(f"patlint scan --history --offline ({args.runs} runs, warm cache):")
    print(f"  wall time:            median {med:.2f} s (min {min(times):.2f} s)")
    print(f"  unique-blob MB/s:     {size / 1e6 / med:.1f}")
    print(f"  blobs/s:              {blobs / med:,.0f}")
    print(
        f"  patlint read:         {summary['files_scanned']} blobs once ({read_mb:.1f} MB), "
        f"{summary['skipped']} skipped {summary['skipped_by_reason']}"
    )
    print(f"  tokens / findings:    {summary['tokens']} / {summary['findings']}")
    print(f"  peak RSS:             {rss / 1024:.0f} MB (largest of patlint and its git processes)")
    for notice in report["notices"]:
        if notice.startswith(("git history", "shallow", "submodule")) or "submodule" in notice:
            print(f"  note: {notice}")
    if not args.no_peers:
        with tempfile.TemporaryDirectory() as tmp:
            for name, argv in peer_commands(args.peers, repo, Path(tmp)).items():
                if time_command(argv)[2] != 0:  # warm-up
                    # betterleaks stops at the first object git cannot read (a mirror without
                    # its largest blobs): its time would be that of a partial scan.
                    print(f"{name}: failed (exit status not 0), not timed")
                    continue
                runs = [time_command(argv) for _ in range(args.runs)]
                wall = statistics.median(r[0] for r in runs)
                peak = max(r[1] for r in runs)
                print(f"{name} (GitHub rules only, {args.runs} runs): median {wall:.2f} s, "
                      f"{wall / med:.1f}x patlint's wall time, peak RSS {peak / 1024:.0f} MB")  # fmt: skip
    if planted:
        found = {t["sha256"] for t in report["tokens"]}
        missed = [d for d in planted if d not in found]
        print(f"  planted tokens found: {len(planted) - len(missed)}/{len(planted)}")
        if missed:
            sys.exit(1)


if __name__ == "__main__":
    main()
