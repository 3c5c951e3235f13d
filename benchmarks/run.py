"""Time patlint against ripgrep, betterleaks, kingfisher and detect-secrets on the corpora.

    python benchmarks/corpus.py --out /tmp/patlint-bench          # once: standard-library corpus
    python benchmarks/realtrees.py --out /tmp/patlint-bench       # once: real trees (see there)
    python benchmarks/run.py --corpus /tmp/patlint-bench --runs 5

Both source-tree corpora are reported side by side on every run: `real/` (public projects at
pinned commits) and `tree/` (copies of the standard library); a part whose corpus was not
built is skipped with a note. The run ends with the targets of issue 20, computed from the
ratios of this run.

Every tool runs on the same corpus with a warm page cache: one untimed warm-up run, then
--runs timed runs; the median is reported (min in the JSON). MB/s and files/s use the corpus
totals from the generator's ground truth, so every tool is divided by the same numbers. Peak
RSS is the largest resident set of any process in the tool's process tree (os.wait4). Recall
and precision are computed from the tokens each tool printed (patlint: the JSON token sha256;
detect-secrets: its hashed_secret, a SHA-1) against the ground truth; "decoys" counts planted
decoys (checksum-invalid tokens, placeholders, docs examples, commit SHAs) that were reported.
Peers that are not installed are skipped with a note. Nothing here talks to the network:
kingfisher runs with --no-validate --no-update-check, betterleaks without --validate.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BL_RULES = (
    "github-pat",
    "github-fine-grained-pat",
    "github-oauth",
    "github-app-token",
    "github-refresh-token",
)
RG_PATTERN = (
    r"gh[pousr]_[A-Za-z0-9]{36,76}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"
    r"|ghs_[0-9]{1,12}_eyJ[A-Za-z0-9_.-]{40,}"
)


@dataclass
class Tool:
    """How to run one tool and read the tokens it reported."""

    name: str
    argv: Callable[[list[str], Path], list[str]]  # (targets, output file) -> argv
    parse: Callable[[Path, Path], set[str]]  # (output file, stdout file) -> digests
    digest: str = "sha256"  # which ground-truth digest `parse` returns
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None


@dataclass
class Measure:
    """One tool on one corpus."""

    tool: str
    corpus: str
    walls: list[float]
    rss_kb: int
    files: int
    bytes: int
    recall: float | None = None
    precision: float | None = None
    found: int = 0
    decoys: int = 0
    missed: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def wall(self) -> float:
        """Median wall time."""
        return statistics.median(self.walls)

    @property
    def mbs(self) -> float:
        """MB/s (10^6 bytes) at the median wall time."""
        return self.bytes / 1e6 / self.wall

    @property
    def fps(self) -> float:
        """Files per second at the median wall time."""
        return self.files / self.wall


def sha(text: str, algo: str) -> str:
    """Hex digest of a token."""
    return hashlib.new(algo, text.encode()).hexdigest()


def run_once(
    argv: list[str], env: dict[str, str], stdout: Path, cwd: str | None = None
) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KB of the largest process in the tree, exit status)."""
    full_env = {**os.environ, **env}
    # An installed package has its bytecode compiled; an editable checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would recompile every module on every run (~40 ms of start-up
    # no user pays). The untimed warm-up run writes the cache.
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    with stdout.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=full_env, cwd=cwd)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss, proc.returncode


# --- tools ---------------------------------------------------------------------------------


def patlint_tool(exe: str, extra: list[str], name: str, home: str | None = None) -> Tool:
    """`patlint scan --offline --format json --no-progress` plus `extra` flags."""

    def argv(targets: list[str], out: Path) -> list[str]:
        return [exe, "scan", "--offline", "--format", "json", "--no-progress", *extra,
                "-o", str(out), *targets]  # fmt: skip

    def parse(out: Path, _stdout: Path) -> set[str]:
        return {t["sha256"] for t in json.loads(out.read_text())["tokens"]}

    return Tool(name, argv, parse, env={"HOME": home} if home else {})


def rg_tool(exe: str) -> Tool:
    """ripgrep with one regex, no ignore files, hidden and binary files searched."""

    def argv(targets: list[str], _out: Path) -> list[str]:
        return [exe, "-uuu", "-a", "-o", "-N", "--no-filename", "-e", RG_PATTERN, *targets]

    def parse(_out: Path, stdout: Path) -> set[str]:
        return {
            sha(line, "sha256") for line in stdout.read_text(errors="replace").split("\n") if line
        }

    return Tool("ripgrep", argv, parse)


def betterleaks_tool(exe: str) -> Tool:
    """betterleaks fs, GitHub rules only (--isolate-rule), no validation."""

    def argv(targets: list[str], out: Path) -> list[str]:
        return [exe, "fs", *targets, "-s", "-l", "error", "--exit-code", "0", "-o", str(out),
                "--isolate-rule", ",".join(BL_RULES)]  # fmt: skip

    def parse(out: Path, _stdout: Path) -> set[str]:
        doc = json.loads(out.read_text())
        return {sha(f["match"]["value"], "sha256") for f in doc.get("findings") or []}

    return Tool("betterleaks", argv, parse)


def kingfisher_tool(exe: str) -> Tool:
    """kingfisher scan with its GitHub rules only, --no-validate, --no-update-check."""

    def argv(targets: list[str], out: Path) -> list[str]:
        rules = [a for r in BL_RULES for a in ("--rule", f"betterleaks.{r}")]
        return [exe, "scan", *targets, "--no-validate", "--no-update-check", "--format", "json",
                "-o", str(out), *rules]  # fmt: skip

    def parse(out: Path, _stdout: Path) -> set[str]:
        doc = json.loads(out.read_text())
        return {sha(f["finding"]["snippet"], "sha256") for f in doc.get("findings") or []}

    return Tool("kingfisher", argv, parse)


def detect_secrets_tool(exe: str) -> Tool:
    """detect-secrets scan --all-files with only its GitHubTokenDetector enabled.

    Its hashed_secret for GitHub tokens is the SHA-1 of the kind prefix only (its regex has a
    capture group around `ghp|gho|…`), so it is scored by file: a planted token counts as found
    when detect-secrets reports a GitHub Token in that file.
    """
    listed = subprocess.run([exe, "scan", "--list-all-plugins"], capture_output=True, text=True)
    others = [p for p in listed.stdout.split() if p and p != "GitHubTokenDetector"]

    def argv(targets: list[str], _out: Path) -> list[str]:
        disable = [a for p in others for a in ("--disable-plugin", p)]
        return [exe, "scan", "--all-files", *disable, *targets]

    def parse(_out: Path, stdout: Path) -> set[str]:
        doc = json.loads(stdout.read_text())
        return {
            name
            for name, secrets in doc["results"].items()
            if any(s["type"] == "GitHub Token" for s in secrets)
        }

    # It limits itself to the git repository it runs in: run it beside the corpus instead.
    return Tool("detect-secrets", argv, parse, digest="path", cwd="parent")


def find_exe(name: str, venv: Path) -> str | None:
    """The tool in the peers' venv, else on PATH."""
    cand = venv / "bin" / name
    if cand.exists():
        return str(cand)
    return shutil.which(name)


# --- measuring ------------------------------------------------------------------------------


def measure(
    tool: Tool,
    corpus: str,
    targets: list[str],
    truth: dict[str, object],
    runs: int,
    *,
    files: int | None = None,
    size: int | None = None,
    expect_pruned: bool = True,
    work: Path,
) -> Measure:
    """Warm up once, run `runs` times, score the last run's output against the ground truth."""
    stem = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{tool.name}-{corpus}")
    out = work / f"{stem}.json"  # betterleaks picks its format from the suffix
    stdout = work / f"{stem}.stdout"
    argv = tool.argv(targets, out)
    root = str(truth["root"])
    cwd = os.path.dirname(root) if tool.cwd == "parent" else tool.cwd
    walls: list[float] = []
    rss = 0
    for i in range(runs + 1):
        if out.exists():
            out.unlink()
        wall, maxrss, _code = run_once(argv, tool.env, stdout, cwd)
        if i:
            walls.append(wall)
            rss = max(rss, maxrss)
    m = Measure(tool.name, corpus, walls, rss, files or int(truth["files"]),
                size or int(truth["bytes"]))  # fmt: skip
    try:
        found = tool.parse(out, stdout)
    except (OSError, ValueError, KeyError) as exc:
        m.note = f"could not read its output: {exc}"
        return m
    key = tool.digest
    tokens = [t for t in truth["tokens"] if expect_pruned or not t["pruned"]]  # type: ignore[attr-defined]
    if key == "path":  # scored by file (see detect_secrets_tool)
        found = {os.path.normpath(os.path.join(cwd or ".", f)) for f in found}
        tokens = [{**t, "path": os.path.join(root, t["path"])} for t in tokens]
        holding = {t["path"] for t in tokens}
        decoy_list = [
            {**d, "path": os.path.join(root, d["path"])}
            for d in truth["decoys"]  # type: ignore[attr-defined]
        ]
        decoy_list = [d for d in decoy_list if d["path"] not in holding]
    else:
        decoy_list = list(truth["decoys"])  # type: ignore[call-overload]
    want = {t[key] for t in tokens}
    # A profile may skip dependency trees, yet still read a known credential file inside one:
    # a planted token found there is right, not a false positive.
    planted = want if key == "path" else {t[key] for t in truth["tokens"]}  # type: ignore[attr-defined]
    decoys = {d[key] for d in decoy_list}
    tp = found & want
    m.found = len(found)
    m.recall = len(tp) / len(want) if want else None
    m.precision = len(found & planted) / len(found) if found else None
    m.decoys = len(found & decoys)
    m.missed = sorted({f"{t['kind']}:{t['context']}" for t in tokens if t[key] not in found})
    # Token-shaped strings the upstream trees already hold count neither for nor against a tool.
    upstream = {u[key] for u in truth.get("preexisting", []) if key in u}  # type: ignore[attr-defined]
    if upstream and found:
        rest = found - upstream
        m.precision = len(rest & planted) / len(rest) if rest else None
    return m


def subsample(
    root: Path, truth: dict[str, object], max_bytes: int
) -> tuple[list[str], dict[str, object]]:
    """Every file holding a planted token or decoy, plus other files up to `max_bytes`."""
    planted = sorted({t["path"] for t in [*truth["tokens"], *truth["decoys"]]})  # type: ignore[misc]
    chosen = [str(root / p) for p in planted]
    total = sum(os.path.getsize(p) for p in chosen)
    for dirpath, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            if total >= max_bytes:
                break
            p = os.path.join(dirpath, n)
            if p not in chosen:
                chosen.append(p)
                total += os.path.getsize(p)
    sub = {**truth, "files": len(chosen), "bytes": total}
    return chosen, sub


def targets_without(root: Path, excluded: list[str]) -> tuple[list[str], int, int]:
    """Paths that cover everything under `root` but the `excluded` folders (relative to root),
    and the files and bytes under them."""
    out: list[str] = []

    def cover(folder: Path, rel: str) -> None:
        inside = [e for e in excluded if e == rel or e.startswith(rel + "/") or not rel]
        if not inside:
            out.append(str(folder))
            return
        if rel in excluded:
            return
        for entry in sorted(folder.iterdir()):
            sub = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir() and not entry.is_symlink():
                cover(entry, sub)
            elif sub not in excluded:
                out.append(str(entry))

    cover(root, "")
    files = size = 0
    for target in out:
        if not os.path.isdir(target):
            files += 1
            size += os.lstat(target).st_size
            continue
        for dirpath, _dirs, names in os.walk(target):
            for n in names:
                files += 1
                size += os.lstat(os.path.join(dirpath, n)).st_size
    return out, files, size


def fmt_row(m: Measure, rg: Measure | None, pl: Measure | None = None) -> str:
    """One markdown table row."""

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{x:.3f}"

    ratio = f"{m.mbs / rg.mbs:.2f}" if rg is not None else "–"
    vs = f"{m.wall / pl.wall:.2f}" if pl is not None and m.corpus == pl.corpus else "–"
    return (
        f"| {m.tool} | {m.wall:.2f} | {m.mbs:.0f} | {m.fps:,.0f} | {m.rss_kb / 1024:.0f} | "
        f"{pct(m.recall)} | {pct(m.precision)} | {m.decoys} | {ratio} | {vs} | {m.note} |"
    )


HEADER = (
    "| tool | wall s (median) | MB/s | files/s | peak RSS MB | recall | precision | decoys "
    "reported | MB/s ÷ ripgrep | wall ÷ patlint | note |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def goal_lines(results: list[Measure]) -> list[str]:
    """The targets of issue 20, as far as this run measured them: one line each."""
    by = {(m.corpus, m.tool): m for m in results}
    lines: list[str] = []

    def line(text: str, ok: bool) -> None:
        lines.append(f"| {text} | {'yes' if ok else 'NO'} |")

    for corpus in ("real-own", "real", "tree"):
        pl, rg, bl = (by.get((corpus, t)) for t in ("patlint", "ripgrep", "betterleaks"))
        if pl is not None and rg is not None:
            r = pl.mbs / rg.mbs
            line(f"{corpus}: patlint {r:.3f}× ripgrep's throughput (≥ 0.5)", r >= 0.5)
        skipped_deps = bl is not None and any(x.endswith(":node-modules") for x in bl.missed)
        if pl is not None and bl is not None and skipped_deps:
            # betterleaks skips node_modules by default: not the same bytes (see real-own).
            lines.append(f"| {corpus}: betterleaks did not read node_modules (its ↳ missed) | – |")
        elif pl is not None and bl is not None:
            r = bl.wall / pl.wall
            line(f"{corpus}: {r:.3f}× faster than betterleaks (≥ 1.5)", r >= 1.5)
    pl, bl = by.get(("precommit", "patlint")), by.get(("precommit", "betterleaks"))
    if pl is not None and bl is not None:
        r = pl.wall / bl.wall
        line(f"pre-commit: {pl.wall:.3f} s, {r:.3f}× betterleaks' wall time (≤ 1.3)", r <= 1.3)
    home = [m for m in results if m.corpus == "home" and m.tool.startswith("patlint (default")]
    if home:
        line(f"home, default profile: {home[0].wall:.3f} s (< 1.0)", home[0].wall < 1.0)
    pa, rg = by.get(("home", "patlint --all")), by.get(("home", "ripgrep"))
    if pa is not None and rg is not None:
        r = pa.wall / rg.wall
        line(f"home --all: {pa.wall:.2f} s, {r:.3f}× ripgrep's wall time (≤ 1.5)", r <= 1.5)
    ours = [m for m in results if m.tool.startswith("patlint")]
    if ours:
        top = max(ours, key=lambda m: m.rss_kb)
        mb = top.rss_kb / 1024
        line(f"peak RSS: {mb:.0f} MB at most (< 150; {top.corpus})", mb < 150)
    return lines


def load() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine skews every figure)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def patlint_flags(exe: str) -> set[str]:
    """Which optional scan flags this patlint has (`--profile`, `--all`)."""
    text = subprocess.run([exe, "scan", "--help"], capture_output=True, text=True).stdout
    return {f for f in ("--profile", "--all") if re.search(rf"(?<![\w-]){f}\b", text)}


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", default="/tmp/patlint-bench", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    beside = Path(sys.executable).parent / "patlint"
    ap.add_argument(
        "--patlint", default=str(beside) if beside.exists() else shutil.which("patlint")
    )
    ap.add_argument("--peers-venv", default="/tmp/peers-venv", type=Path)
    ap.add_argument(
        "--only", action="append", choices=("real", "tree", "home", "precommit", "oneline")
    )
    ap.add_argument("--tools", default="patlint,ripgrep,betterleaks,kingfisher,detect-secrets")
    ap.add_argument("--ds-sample-mb", type=float, default=8.0,
                    help="detect-secrets runs on a subsample of this size (extrapolated)")  # fmt: skip
    ap.add_argument("--json", type=Path, help="also write all measurements here")
    args = ap.parse_args(argv)
    parts = args.only or ["real", "tree", "home", "precommit", "oneline"]
    wanted = set(args.tools.split(","))
    work = Path(tempfile.mkdtemp(prefix="patlint-bench-run-"))
    notes: list[str] = []
    peers: list[Tool] = []
    rg_exe = shutil.which("rg")
    rg = rg_tool(rg_exe) if rg_exe and "ripgrep" in wanted else None
    if rg is None and "ripgrep" in wanted:
        notes.append("ripgrep: not installed (apt-get install ripgrep), skipped")
    for name, make in (("betterleaks", betterleaks_tool), ("kingfisher", kingfisher_tool)):
        exe = find_exe(name, args.peers_venv)
        if name not in wanted:
            continue
        if exe is None:
            notes.append(f"{name}: not installed (pip install into {args.peers_venv}), skipped")
        else:
            peers.append(make(exe))
    ds_exe = find_exe("detect-secrets", args.peers_venv)
    ds = detect_secrets_tool(ds_exe) if ds_exe and "detect-secrets" in wanted else None
    if ds is None and "detect-secrets" in wanted:
        notes.append("detect-secrets: not installed, skipped")
    flags = patlint_flags(args.patlint)
    results: list[Measure] = []
    print(f"# patlint benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"runs={args.runs}, corpus={args.corpus}, load average at the start: {load()})\n")  # fmt: skip

    def table(title: str, ms: list[Measure], rgm: Measure | None) -> None:
        print(f"## {title}\n\n{HEADER}")
        pl = next((m for m in ms if m.tool.startswith("patlint")), None)
        for m in ms:
            print(fmt_row(m, rgm, pl))
            if m.missed:
                print(f"|  ↳ missed | {', '.join(m.missed)} ||||||||||")
        print()
        sys.stdout.flush()
        results.extend(ms)

    def source_tree(part: str, title: str) -> None:
        root = args.corpus / part
        truth_file = args.corpus / f"{part}.truth.json"
        if not truth_file.exists():
            builder = "realtrees.py" if part == "real" else "corpus.py"
            notes.append(f"{part}: no corpus at {root} (python benchmarks/{builder}), skipped")
            return
        truth = json.loads(truth_file.read_text())
        deps = truth.get("dependency_dirs", [])
        # Real trees: the projects' own files first (what a checkout's `git ls-files` lists and
        # betterleaks reads: it skips node_modules by default), then the whole folder.
        views: list[tuple[str, list[str], dict[str, object], bool, str]] = []
        if deps:
            own, files, size = targets_without(root, deps)
            sub = {**truth, "files": files, "bytes": size}
            views.append((f"{part}-own", own, sub, False, f"{title}, the projects' own files"))
            views.append((part, [str(root)], truth, True, f"{title}, with {', '.join(deps)}"))
        else:
            views.append((part, [str(root)], truth, True, title))
        for corpus, tgts, tr, all_tokens, heading in views:
            ms: list[Measure] = []
            rgm = (
                measure(rg, corpus, tgts, tr, args.runs, expect_pruned=all_tokens, work=work)
                if rg
                else None
            )
            if rgm:
                ms.append(rgm)
            ms.append(measure(patlint_tool(args.patlint, [], "patlint"), corpus, tgts, tr,
                              args.runs, expect_pruned=all_tokens, work=work))  # fmt: skip
            for peer in peers:
                ms.append(measure(peer, corpus, tgts, tr, args.runs, expect_pruned=all_tokens,
                                  work=work))  # fmt: skip
            if ds is not None and corpus == part:
                sample, sub = subsample(root, tr, int(args.ds_sample_mb * 1e6))
                m = measure(ds, f"{part}-sample", sample, sub, min(args.runs, 2), work=work)
                m.note = (f"subsample of {sub['bytes'] / 1e6:.1f} MB / {sub['files']} files (all "
                          f"planted files); full tree extrapolated: {tr['bytes'] / 1e6 / m.mbs:.0f} s")  # fmt: skip
                ms.append(m)
            table(f"{heading}: {tr['files']:,} files, {tr['bytes'] / 1e6:.1f} MB", ms, rgm)

    if "real" in parts:
        source_tree("real", "Real source trees (public projects at pinned commits)")
    if "tree" in parts:
        source_tree("tree", "Standard-library source tree")

    if "home" in parts:
        root = args.corpus / "home"
        truth = json.loads((args.corpus / "home.truth.json").read_text())
        home = str(root)
        ms = []
        rgm = measure(rg, "home", [home], truth, args.runs, work=work) if rg else None
        if rgm:
            ms.append(rgm)
        # Scanning $HOME picks the workstation profile by default (prunes dependency trees
        # and caches), so its recall counts only the tokens outside them; --all scans them too.
        profiles = "--profile" in flags
        default = "patlint (default: workstation)" if profiles else "patlint (default)"
        variants: list[tuple[str, list[str], bool]] = [(default, [], not profiles)]
        if not profiles:
            notes.append("patlint has no --profile flag yet: workstation profile not measured")
        if "--all" in flags:
            variants.append(("patlint --all", ["--all"], True))
        else:
            notes.append("patlint has no --all flag yet: not measured")
        for name, extra, all_tokens in variants:
            tool = patlint_tool(args.patlint, extra, name, home=home)
            ms.append(measure(tool, "home", [home], truth, args.runs, expect_pruned=all_tokens,
                              work=work))  # fmt: skip
        for peer in peers:
            ms.append(measure(peer, "home", [home], truth, args.runs, work=work))
        table(f"Home directory: {truth['files']:,} files, {truth['bytes'] / 1e6:.1f} MB "
              "(recall of a profile counts only tokens outside pruned trees)", ms, rgm)  # fmt: skip

    if "precommit" in parts:
        root = args.corpus / "precommit"
        truth = json.loads((args.corpus / "precommit.truth.json").read_text())
        targets = sorted(str(p) for p in root.iterdir())
        ms = [measure(patlint_tool(args.patlint, [], "patlint"), "precommit", targets, truth,
                      max(args.runs, 10), work=work)]  # fmt: skip
        ms[0].note = "10 files, wall time includes interpreter start-up"
        for peer in peers:
            ms.append(measure(peer, "precommit", targets, truth, max(args.runs, 10), work=work))
        rgm = (
            measure(rg, "precommit", targets, truth, max(args.runs, 10), work=work) if rg else None
        )
        if rgm:
            ms.insert(0, rgm)
        table("Pre-commit path: 10 small files", ms, rgm)

    if "oneline" in parts:
        root = args.corpus / "oneline"
        truth = json.loads((args.corpus / "oneline.truth.json").read_text())
        targets = [str(root / "one-line.txt")]
        ms = [measure(patlint_tool(args.patlint, [], "patlint"), "oneline", targets, truth,
                      min(args.runs, 3), work=work)]  # fmt: skip
        rgm = measure(rg, "oneline", targets, truth, min(args.runs, 3), work=work) if rg else None
        if rgm:
            ms.insert(0, rgm)
        table(f"One file of {truth['bytes'] / 1e6:.0f} MB without a newline (peak memory)", ms, rgm)

    goals = goal_lines(results)
    if goals:
        print("## Targets (issue 20)\n\n| target | met? |\n|---|---|")
        print("\n".join(goals) + "\n")
    print(f"load average at the end: {load()}")
    for n in notes:
        print(f"- {n}")
    if args.json:
        args.json.write_text(json.dumps([{**m.__dict__, "wall": m.wall, "mbs": m.mbs,
                                          "fps": m.fps} for m in results], indent=1))  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
