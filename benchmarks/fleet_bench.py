"""Benchmark fleet scans: `patlint scan --offline --history --repos FILE [--shard K/N]`.

    python benchmarks/fleet_bench.py /work/.mirror --max-mb 25 --shards 2,4

Lists the bare mirrors found as DIR/*/repo (at most --max-mb each, as `du` counts; their
content is only read, never copied), scans the whole list once (the one-job time, after an
untimed warm-up run for a warm page cache), then for each N of --shards runs the N shards one
after another as N CI jobs would run side by side, and reports: repositories per minute for
the whole list, and for each N the slowest shard against the whole (the wall time of a matrix
of N jobs is its slowest job) with how evenly the hash spread the repositories.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def du_mb(path: Path) -> float:
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) / 1024


def scan(listing: Path, shard: str | None, out: Path) -> tuple[float, dict[str, object]]:
    argv = [sys.executable, "-m", "patlint", "scan", "--offline", "--history", "--no-progress"]
    argv += ["--repos", str(listing), "--format", "json", "-o", str(out)]
    if shard:
        argv += ["--shard", shard]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"patlint failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return took, json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mirrors", type=Path, help="folder of <owner>+<name>/repo bare clones")
    ap.add_argument("--max-mb", type=float, default=25.0, help="leave out larger mirrors")
    ap.add_argument("--shards", default="2,4", help="N values to simulate, comma-separated")
    args = ap.parse_args()
    repos = sorted(p for p in args.mirrors.glob("*/repo") if (p / "HEAD").is_file())
    sizes = {p: du_mb(p) for p in repos}
    fleet = [p for p in repos if sizes[p] <= args.max_mb]
    if not fleet:
        raise SystemExit(f"no mirror of at most {args.max_mb} MB under {args.mirrors}")
    total_mb = sum(sizes[p] for p in fleet)
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "repos.txt"
        listing.write_text("".join(f"{p}\n" for p in fleet))
        scan(listing, None, Path(tmp) / "warm.json")  # warm page cache, untimed
        whole, report = scan(listing, None, Path(tmp) / "whole.json")
        summary = report["summary"]
        print(f"fleet: {len(fleet)} repositories (bare mirrors, {total_mb:.0f} MB on disk)")
        print(
            f"one job: {whole:.1f} s, {len(fleet) / whole * 60:.1f} repositories/min, "
            f"{summary['files_scanned']} unique blobs, {summary['bytes_scanned'] / 2**20:.0f} MB "
            f"read, {summary['tokens']} token-shaped strings"
        )
        for n in (int(x) for x in args.shards.split(",") if x.strip()):
            times, counts = [], []
            for k in range(1, n + 1):
                took, rep = scan(listing, f"{k}/{n}", Path(tmp) / f"s{k}.json")
                times.append(took)
                fleet_info = rep["fleet"]
                assert isinstance(fleet_info, dict)
                counts.append(len(fleet_info["repositories"]))
            slowest = max(times)
            print(
                f"N={n}: shards {', '.join(f'{t:.1f} s' for t in times)} "
                f"(repositories {'/'.join(map(str, counts))}); slowest {slowest:.1f} s = "
                f"{slowest / whole:.2f} of the one job (ideal {1 / n:.2f}); sum {sum(times):.1f} s"
            )


if __name__ == "__main__":
    main()
