"""Exception hierarchy: each error says where and what was expected, never a secret."""

from __future__ import annotations


class PatlintError(Exception):
    """Base class for every error patlint raises on purpose."""


class ConfigError(PatlintError):
    """A configuration file or command-line value is wrong (exit code 2)."""


class RuleError(ConfigError):
    """A rule file is wrong: names the file, the rule and the field (exit code 2)."""


class GitHubError(PatlintError):
    """GitHub could not be asked (network, rate limit, protocol); the scan goes on offline."""
