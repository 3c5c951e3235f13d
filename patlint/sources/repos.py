"""The repositories of a fleet scan (`scan --history --repos FILE`): one a line, and shards.

A line is a local path (read in place) or a git URL: `https://`, `ssh://`, `file://`, or the
scp form `user@host:org/repo` (ssh). Blank lines and lines starting with `#` are ignored. A
line that cannot be a repository is a configuration error naming the file and the line (exit 2):
another scheme (`http://`, `git://`, `ext::`: clear text, or a program to run), a URL without a
host, with a query or fragment, a password or token in it (the list travels between CI jobs;
credentials belong in a credential helper), control characters, or a leading `-` (an option to
git or ssh).

Each repository has a normalized name: scheme and host in lower case, no user, no default port,
no trailing `/` or `.git`, the scp form written as `ssh://`; a local path as written, with
`.`, `..` and doubled slashes folded. It is what makes two spellings one repository (listed
twice: scanned once) and what `--shard K/N` hashes (SHA-256), so every job of a CI matrix picks
a disjoint share of the same list and the shares add up to the whole.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import SplitResult, urlsplit

from patlint.errors import ConfigError
from patlint.kinds import KINDS

SCHEMES = ("https", "ssh", "file")
DEFAULT_PORTS = {"https": 443, "ssh": 22}
MAX_SHARDS = 10_000
# Repositories one list may name (the largest organizations have tens of thousands): a list of
# a million lines cost 14 s and 400 MB to parse before anything was fetched or merged.
MAX_REPOS = 100_000
_SCP = re.compile(r"^(?:(?P<user>[A-Za-z0-9._~%+-]+)@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>.+)$")
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)(?:://|::)")
_HOST = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A user that is a token: GitHub takes one as the user of an https URL. A legacy 40-hex token
# has no shape the redactor knows, so as a repository's name it would be in every report.
_TOKEN_PREFIXES = tuple(k.prefix.lower() for k in KINDS.values() if k.prefix)
_HEXRUN = re.compile(r"[0-9A-Fa-f]{32,}")
_TOKEN_USER = (
    "the URL's user is a token: the list travels between CI jobs and the name is in every "
    "report; let a git credential helper (or `url.<base>.insteadOf` in the runner's git "
    "config) add it"
)


def _token_user(user: str | None) -> bool:
    """True when the user of a URL looks like a token (or is too long to be a user name)."""
    if not user:
        return False
    from urllib.parse import unquote

    plain = unquote(user)
    return len(plain) > 64 or looks_like_token(plain)


def looks_like_token(text: str) -> bool:
    """True when `text` holds a token kind's prefix or a run of 32 or more hex digits (a
    legacy 40-hex token has no shape the redactor knows): not to be shown."""
    return _HEXRUN.search(text) is not None or any(p in text.lower() for p in _TOKEN_PREFIXES)


@dataclass(frozen=True, slots=True)
class Repo:
    """One repository of the list: its name as listed, how to reach it, its normalized name."""

    name: str  # as written in the list (what reports show)
    normalized: str  # what identifies it: dedup, shard hash, cache folder
    url: str | None = None  # a git URL to fetch from (None: a local path, read in place)
    scheme: str = ""  # https, ssh or file (the one transport its fetch may use)

    @property
    def local(self) -> bool:
        """True for a local path: read in place, never fetched."""
        return self.url is None


@dataclass(frozen=True, slots=True)
class Shard:
    """`--shard K/N`: the K-th (1-based) of N disjoint shares of the repository list."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def holds(self, repo: Repo) -> bool:
        """True when `repo` belongs to this shard (by the SHA-256 of its normalized name)."""
        return shard_of(repo.normalized, self.total) == self.index


def shard_of(normalized: str, total: int) -> int:
    """The 1-based shard of N a normalized name belongs to: stable on every machine and Python."""
    digest = hashlib.sha256(normalized.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % total + 1


def parse_shard(value: str) -> Shard:
    """`K/N` with 1 <= K <= N; ConfigError otherwise (a usage error, exit 2)."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not m:
        raise ConfigError(f"--shard {value!r}: expected K/N, e.g. 2/8 (the 2nd of 8 shards)")
    k, n = int(m.group(1)), int(m.group(2))
    if not 1 <= n <= MAX_SHARDS:
        raise ConfigError(f"--shard {value}: N must be between 1 and {MAX_SHARDS}")
    if not 1 <= k <= n:
        raise ConfigError(f"--shard {value}: K must be between 1 and N ({n}); shards count from 1")
    return Shard(k, n)


def parse_line(line: str) -> Repo:
    """One non-blank, non-comment line as a Repo; ValueError saying what is wrong."""
    text = line.strip()
    if _CONTROL.search(text):
        raise ValueError("control characters in a repository name")
    if text.startswith("-"):
        raise ValueError("starts with '-' (it would read as an option to git)")
    m = _SCHEME.match(text)
    if m:
        scheme = m.group("scheme").lower()
        if "::" in text[: m.end()] or scheme not in SCHEMES:
            raise ValueError(
                f"scheme {scheme!r} is not accepted (use https://, ssh://, file:// or a path; "
                "http:// and git:// travel in clear text, transport helpers run programs)"
            )
        if " " in text:
            raise ValueError("a space in a repository URL")
        return _url_repo(text, urlsplit(text), scheme)
    scp = _SCP.match(text)
    if scp and "/" not in text.split(":", 1)[0] and not text.startswith((".", "/", "~")):
        host, path = scp.group("host"), scp.group("path")
        if _token_user(scp.group("user")):
            raise ValueError(_TOKEN_USER)
        if " " in text:
            raise ValueError("a space in a repository URL")
        if not _HOST.match(host):
            raise ValueError(f"{host!r} is not a host name")
        if path.startswith("-"):
            raise ValueError("the path starts with '-' (it would read as an option)")
        return Repo(text, normalize_url("ssh", host, None, "/" + path.lstrip("/")), text, "ssh")
    return Repo(text, normalize_path(text))


def _url_repo(text: str, parts: SplitResult, scheme: str) -> Repo:
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError("a repository URL has no query or fragment")
    if parts.password is not None:
        raise ValueError(
            "the URL holds a password or token: the list travels between CI jobs; let a git "
            "credential helper (or `url.<base>.insteadOf` in the runner's git config) add it"
        )
    if _token_user(parts.username):
        raise ValueError(_TOKEN_USER)
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port is not a number") from None
    host = parts.hostname or ""
    if scheme == "file":
        if host not in ("", "localhost"):
            raise ValueError("file:// URLs name no host (file:///path/to/repo)")
        if not parts.path.startswith("/"):
            raise ValueError("file:// needs an absolute path (file:///path/to/repo)")
        return Repo(text, "file://" + _fold(parts.path), text, scheme)
    if not host or not _HOST.match(host):
        raise ValueError(f"{scheme}:// needs a host name")
    if not parts.path.strip("/"):
        raise ValueError("the URL names no repository (no path after the host)")
    if parts.path.lstrip("/").startswith("-"):
        raise ValueError("the path starts with '-' (it would read as an option)")
    return Repo(text, normalize_url(scheme, host, port, parts.path), text, scheme)


def _fold(path: str) -> str:
    """A path with `.`, `..` and doubled slashes folded, no trailing `/` or `.git`."""
    folded = posixpath.normpath(path) if path else path
    if folded.startswith("//"):
        folded = "/" + folded.lstrip("/")
    folded = folded.rstrip("/") or "/"
    if folded.endswith(".git") and len(folded) > 4 and not folded.endswith("/.git"):
        folded = folded[:-4]
    return folded


def normalize_url(scheme: str, host: str, port: int | None, path: str) -> str:
    """`scheme://host[:port]/path`: lower-case scheme and host, no user, no default port,
    no trailing `/` or `.git`."""
    netloc = host.lower().rstrip(".")
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    return f"{scheme}://{netloc}{_fold('/' + path.lstrip('/'))}"


def normalize_path(path: str) -> str:
    """A local path as written, folded (`repos//a/./b/` → `repos/a/b`)."""
    return _fold(path)


def normalize(name: str) -> str:
    """The normalized name of a repository line (ValueError for a line that is none)."""
    return parse_line(name).normalized


def parse_repos(text: str, source: str) -> list[Repo]:
    """Every repository of a list, each once (by normalized name), in the order listed;
    ConfigError for a list of more than MAX_REPOS lines that name one (before parsing any)."""
    lines = text.splitlines()
    named = sum(1 for line in lines if (bare := line.strip()) and not bare.startswith("#"))
    if named > MAX_REPOS:
        raise ConfigError(
            f"--repos {source}: {named:,} lines, more than {MAX_REPOS:,} repositories; split "
            "the fleet into several lists"
        )
    out: list[Repo] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            repo = parse_line(stripped)
        except ValueError as exc:
            secret = "password" in str(exc) or str(exc) == _TOKEN_USER
            shown = "" if secret else f": {stripped[:200]!r}"
            raise ConfigError(f"--repos {source}:{number}: {exc}{shown}") from None
        if repo.normalized not in seen:
            seen.add(repo.normalized)
            out.append(repo)
    return out


def read_repos(path: str, *, stdin: BinaryIO | None = None) -> list[Repo]:
    """The list in FILE (`-`: standard input), read up to the document limit."""
    import sys

    from patlint.inputs import MAX_DOCUMENT, read_file, read_stream

    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = read_stream(stream, MAX_DOCUMENT, "--repos - (standard input)")
        source = "<stdin>"
    else:
        data = read_file(path, MAX_DOCUMENT, f"--repos {path}")
        source = path
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--repos {source}: not UTF-8 text (at byte {exc.start})") from None
    return parse_repos(text, source)


def select(repos: Iterable[Repo], shard: Shard | None) -> list[Repo]:
    """The repositories of `shard` (all of them without one), in list order."""
    return [r for r in repos if shard is None or shard.holds(r)]


def shards_of(values: Sequence[str]) -> tuple[Shard, ...]:
    """`K/N` strings (as reports keep them) back as Shards; malformed ones are left out."""
    out: list[Shard] = []
    for value in values:
        try:
            out.append(parse_shard(value))
        except ConfigError:
            continue
    return tuple(out)
