"""What detection costs on the files a structured reader claims (`.npmrc`, workflows, `.env`…).

    python benchmarks/structured_bench.py ROOT [--runs 7]

Finds every file under ROOT that a reader claims (`readers_for`), then scans them all with
`scan_path`, as a tree scan does, `--runs` times after one warm-up pass, and prints: the files
and their bytes; how many times per pass the detector was run on a buffer (top-level
`Detector.scan` calls: nested decoding is not counted) and on how many bytes; the candidates;
and the median time of one pass, whole and inside the detector (`scan` and its `may_hit`
pre-check). Use the real-tree corpus (docs/performance.md, `benchmarks/realtrees.py`) as ROOT.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any


def structured_files(root: str) -> list[tuple[str, str]]:
    """(path, shown path) of every regular file under `root` that a reader claims."""
    from patlint.sources.readers.registry import may_have_readers, readers_for

    out = []
    for top, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(top, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if may_have_readers(rel) and readers_for(rel) and os.path.isfile(path):
                out.append((path, rel))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one block of figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)

    from patlint.config import Config
    from patlint.detectors.pattern import Detector
    from patlint.engine.filescan import scan_path
    from patlint.engine.ruleset import build_ruleset

    files = structured_files(args.root)
    detector = Detector(build_ruleset(Config()).detectors)
    detector.prepare()
    calls = [0, 0]  # top-level scans, their bytes (in the current pass)
    spent = [0.0]  # seconds inside the detector (in the current pass)
    real_scan, real_may_hit = Detector.scan, Detector.may_hit

    def scan(self: Any, data: bytes, **kw: Any) -> Any:
        if kw.get("depth"):
            return real_scan(self, data, **kw)
        calls[0] += 1
        calls[1] += len(data)
        start = time.perf_counter()
        try:
            return real_scan(self, data, **kw)
        finally:
            spent[0] += time.perf_counter() - start

    def may_hit(self: Any, data: bytes) -> bool:
        start = time.perf_counter()
        try:
            return bool(real_may_hit(self, data))
        finally:
            spent[0] += time.perf_counter() - start

    Detector.scan = scan  # type: ignore[method-assign]
    Detector.may_hit = may_hit  # type: ignore[method-assign]
    walls, inside = [], []
    found = 0
    for run in range(args.runs + 1):  # the first is the warm-up
        calls[:] = [0, 0]
        spent[0] = 0.0
        start = time.perf_counter()
        found = sum(len(scan_path(p, r, detector, max_size=256 << 20).candidates) for p, r in files)
        if run:
            walls.append(time.perf_counter() - start)
            inside.append(spent[0])
    size = sum(os.path.getsize(p) for p, _r in files)
    print(f"structured files: {len(files)} ({size / 1e6:.2f} MB) under {args.root}")
    print(f"detector runs per pass: {calls[0]} on {calls[1] / 1e6:.2f} MB; candidates: {found}")
    print(
        f"one pass: median {statistics.median(walls) * 1e3:.1f} ms "
        f"(min {min(walls) * 1e3:.1f}, max {max(walls) * 1e3:.1f}); in the detector: median "
        f"{statistics.median(inside) * 1e3:.1f} ms (min {min(inside) * 1e3:.1f}); {args.runs} runs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
