"""Verify 200 unique tokens against the local GitHub API emulator with 50 ms added latency.

    /tmp/venv/bin/python benchmarks/verify_bench.py [--tokens 200] [--latency 0.05]

Targets: first run (network) under 3 s wall, second run (served from the cache) under 0.5 s.
Half the tokens are classic tokens holding `repo` (two requests each: /user, then the SAML SSO
probe /user/orgs), the rest hold `gist` (one request). Default settings: concurrency 8.
Everything runs on 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from patlint.github.cache import VerificationCache
from patlint.github.verify import GitHubResolver, VerifyOptions
from patlint.model import (
    Candidate,
    Confidence,
    Context,
    Location,
    Secret,
    Severity,
    Token,
    TokenStatus,
)
from patlint.tokengen import make_token
from tests.github_emulator import Emulator


def main() -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    rng = random.Random(42)
    emu = Emulator().start()
    emu.latency = args.latency
    tokens = []
    for i in range(args.tokens):
        value = make_token("ghp", rng)
        emu.add(value, scopes="repo, read:org" if i % 2 == 0 else "gist", owner=f"user{i}")
        secret = Secret(value, "ghp")
        cand = Candidate(
            "github-classic-pat",
            secret,
            Location(f"f{i}.env", 1, 1, 0),
            Context(),
            Severity.HIGH,
            Confidence.HIGH,
            checksum_valid=True,
        )
        tokens.append(Token(secret, (cand,)))
    try:
        with tempfile.TemporaryDirectory() as cache_dir:
            figures = []
            for label in ("first run (network)", "second run (cache)"):
                opts = VerifyOptions(api={"github.com": emu.base_url})
                cache = VerificationCache(Path(cache_dir), ttl=opts.cache_ttl)
                resolver = GitHubResolver(opts, cache=cache)
                before = len(emu.requests)
                start = time.perf_counter()
                infos = resolver.resolve(tokens)
                wall = time.perf_counter() - start
                valid = sum(1 for i in infos.values() if i.status is TokenStatus.VALID)
                sent = len(emu.requests) - before
                figures.append(wall)
                print(
                    f"{label}: {wall:.3f} s wall, {valid}/{len(tokens)} valid, "
                    f"{sent} requests, {resolver.from_cache} from cache"
                )
    finally:
        emu.stop()
    ok = figures[0] < 3.0 and figures[1] < 0.5
    print(f"targets (< 3 s, < 0.5 s): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
