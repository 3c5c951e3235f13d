"""patlint's checksum-validated GitHub detectors as a detect-secrets plugin.

    detect-secrets scan --plugin "$(python -c 'import patlint.detectors.secrets_adapter as m; print(m.__file__)')"

detect-secrets loads every public plugin class from the file. Each line goes through
patlint's own Detector, restricted to the rules whose tokens carry GitHub's CRC32 checksum, so
a token-shaped string with a wrong checksum is not reported. This is the only module that
imports detect_secrets.
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
