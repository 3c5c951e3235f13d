"""`patlint scan --env`: tokens in the current process environment, reported by variable name.

Each variable is scanned as the line `NAME=value`, so context-aware rules (a legacy 40-hex
value in `GITHUB_TOKEN`) see the name. Locations read `env:GITHUB_TOKEN`.
"""

from __future__ import annotations

from collections.abc import Mapping

from patlint.detectors.pattern import Detector
from patlint.model import Candidate, Context, Location, Secret, Skip
from patlint.sources.readers.dotenv import ENTERPRISE_VARS

MAX_VALUE = 1 << 16


def env_candidates(
    environ: Mapping[str, str],
    detector: Detector,
    *,
    notices: list[str] | None = None,
    skipped: list[Skip] | None = None,
) -> list[Candidate]:
    """Every token-shaped value in `environ`, with the variable as key and `env:NAME` as place.

    Each variable is a file of its own for the custom rules' time budget: one slow value does
    not use up the budget of the ones after it. What a rule could not finish goes to `notices`
    and `skipped` (the scan is then incomplete)."""
    out: list[Candidate] = []
    gh_host = (environ.get("GH_HOST") or "").lower() or None
    for name in sorted(environ):
        value = environ[name]
        if not value or len(value) > MAX_VALUE:
            continue
        line = f"{name}={value}".encode("utf-8", "surrogateescape")
        seen: set[str] = set()
        detector.begin_file()
        hits = detector.scan(line, allowed=detector.rules_for_path(f"env:{name}"))
        said, cut = detector.budget_report(f"env:{name}")
        if notices is not None:
            notices.extend(said)
        if skipped is not None:
            skipped.extend(cut)
        for hit in hits:
            secret = Secret(hit.token, hit.rule.token_kind)
            if secret.digest in seen:
                continue
            seen.add(secret.digest)
            if name in ENTERPRISE_VARS:
                host = gh_host
            elif name in ("GH_TOKEN", "GITHUB_TOKEN"):
                host = "github.com"
            elif name == "CR_PAT":
                host = "ghcr.io"
            else:
                host = hit.host
            out.append(
                Candidate(
                    rule_id=hit.rule.id,
                    secret=secret,
                    location=Location(f"env:{name}", note="process environment"),
                    context=Context(
                        file_type="env",
                        key=name,
                        host=host,
                        usage="env",
                        encoding=hit.encoding,
                    ),
                    severity=hit.rule.severity,
                    confidence=hit.rule.confidence,
                    checksum_valid=hit.checksum_valid,
                )
            )
    return out
