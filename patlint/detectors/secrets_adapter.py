"""patlint's GitHub detectors as detect-secrets plugins.

    detect-secrets scan --plugin "$(python -c 'import patlint.detectors.secrets_adapter as m; print(m.__file__)')"

detect-secrets loads every public plugin class from the file. Each line goes through
patlint's own Detector. `PatlintGitHubTokenDetector` keeps the rules whose tokens carry
GitHub's CRC32 checksum (a token-shaped string with a wrong checksum is not reported);
`PatlintGitHubContextTokenDetector` covers every other kind patlint detects — fine-grained
`github_pat_` tokens, installation-token JWTs and legacy 40-hex tokens, the latter only in the
same contexts as in a patlint scan (a key naming a GitHub token, a URL's credentials): a bare
commit hash is not a token. This is the only module that imports detect_secrets.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from detect_secrets.plugins.base import BasePlugin

from patlint.detectors.pattern import Detector


def checksum_detector() -> Detector:
    """A Detector over the built-in rules whose tokens carry a checksum."""
    from patlint.config import Config
    from patlint.engine.ruleset import build_ruleset

    ruleset = build_ruleset(Config())
    return Detector([r for r in ruleset.known if r.validator == "checksum"])


def context_detector() -> Detector:
    """A Detector over the built-in detector rules without a checksum (fine-grained, JWT,
    legacy hex in context); the rule for checksum-invalid tokens is left out."""
    from patlint.config import Config
    from patlint.engine.ruleset import build_ruleset

    ruleset = build_ruleset(Config())
    return Detector(
        [
            r
            for r in ruleset.known
            if r.kind == "detector" and r.validator not in ("checksum", "checksum-fails")
        ]
    )


class PatlintGitHubTokenDetector(BasePlugin):
    """GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_) whose built-in checksum is valid."""

    secret_type = "GitHub Token (patlint, checksum-validated)"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._detector = checksum_detector()

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        """Every checksum-valid GitHub token in `string`."""
        seen: set[str] = set()
        for hit in self._detector.scan(string.encode("utf-8", "surrogateescape")):
            if hit.checksum_valid and hit.token not in seen:
                seen.add(hit.token)
                yield hit.token


class PatlintGitHubContextTokenDetector(BasePlugin):
    """GitHub tokens without a checksum: fine-grained (github_pat_), installation-token JWTs,
    and legacy 40-hex tokens where the context names them (patlint's own context rules)."""

    secret_type = "GitHub Token (patlint, fine-grained, JWT or legacy in context)"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._detector = context_detector()

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        """Every such token in `string`."""
        seen: set[str] = set()
        for hit in self._detector.scan(string.encode("utf-8", "surrogateescape")):
            if hit.token not in seen:
                seen.add(hit.token)
                yield hit.token
