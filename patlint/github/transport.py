"""HTTP transport to one GitHub API host: sockets, limits, the raw exchange.

Safety rules enforced here, whatever the caller asks:
- HTTPS only; plain HTTP only to loopback (tests, local emulators);
- redirects are never followed, so the token never travels to another host;
- the token leaves its `Secret` only to build the Authorization header; it is in no message;
- every exchange has a total time budget (a watchdog shuts the socket down when it runs out:
  requests' read timeout is per read, so a host dripping one byte a second would never time
  out) and a shorter connect timeout; an answer the watchdog or the peer cut off is a timeout,
  never an answer; answers are capped at MAX_BODY bytes, and a TLS failure is reported as
  "TLS: …" and never retried or downgraded.

Client policy (retries, pacing, rate limits, the circuit breaker) is in client.py.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import socket
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from patlint import __version__
from patlint.errors import ConfigError, GitHubError
from patlint.model import Secret

if TYPE_CHECKING:
    import requests

API_VERSION = "2022-11-28"
USER_AGENT = f"patlint/{__version__} (+https://github.com/patlint/patlint)"
MAX_BODY = 1 << 20  # GitHub's answers to our requests are a few KiB; more is a protocol error
DEFAULT_TIMEOUT = 10.0  # seconds one exchange may take in all (connect, send, answer)
DEFAULT_CONNECT_TIMEOUT = 3.0  # seconds to establish a connection (a dropped SYN, a firewall)
_CHUNK = 64 << 10


class ExchangeError(GitHubError):
    """One HTTP exchange failed; `retryable` for network trouble (a timeout, a connection that
    failed or closed mid-answer), not for TLS or protocol errors."""

    def __init__(self, problem: str, *, retryable: bool) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retryable = retryable


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_URL_HOST = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})")


def check_base_url(url: str, where: str = "GitHub API URL") -> str:
    """Validate an API base URL (https, or http to loopback) and return it without a trailing /.

    Everything a request would trip over later is refused here, before any scan: a bad IPv6
    literal, a port out of range, spaces or control characters, a host that is no host name.
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for "host:abc" and ports outside 1-65535
    except ValueError as exc:
        raise ConfigError(f"{where}: not a valid URL ({exc})") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{where}: expected an https:// URL, got {url!r}")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ConfigError(f"{where}: a URL holds no spaces or control characters")
    if port == 0:
        raise ConfigError(f"{where}: port 0 is not a port to connect to")
    host = parts.hostname
    if not _URL_HOST.fullmatch(host) and not _is_ip(host):
        raise ConfigError(f"{where}: {host!r} is not a host name or IP address")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(f"{where}: expected a plain base URL (no credentials, query or fragment)")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{where}: plain http is allowed only to loopback (127.0.0.1, ::1, localhost); "
            f"use https:// for {parts.hostname}"
        )
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class Response:
    """What the client hands back: status, lower-cased headers, parsed JSON body (or None)."""

    status: int
    headers: Mapping[str, str]
    body: Any = None
    url_path: str = ""
    attempts: int = 1
    waited: float = 0.0  # seconds spent waiting for rate limits / backoff

    def header(self, name: str) -> str | None:
        """A header value by (case-insensitive) name."""
        return self.headers.get(name.lower())


def make_session(pool_size: int = 8) -> requests.Session:
    """One pooled session for every API host of a scan (pool sized to the concurrency)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.connection import HTTPConnection, HTTPSConnection

    watch = threading.local()  # the _Watchdog of the request running in this thread

    def dog() -> _Watchdog | None:
        found: _Watchdog | None = getattr(watch, "dog", None)
        return found

    def watched_conn(base: type[HTTPConnection]) -> type[HTTPConnection]:
        class Conn(base):  # type: ignore[valid-type,misc]
            """Hands its socket to the current request's watchdog once connected."""

            def connect(self) -> None:
                super().connect()
                current = dog()
                if current is not None:
                    current.watch(self.sock)

        return Conn

    def watched(base: type[HTTPConnectionPool], conn: type[HTTPConnection]) -> type[Any]:
        class Pool(base):  # type: ignore[valid-type,misc]
            """Hands the socket of each kept-alive connection it lends out to the watchdog."""

            ConnectionCls = watched_conn(conn)

            def _get_conn(self, timeout: float | None = None) -> Any:
                got = super()._get_conn(timeout)
                current = dog()
                if current is not None and getattr(got, "sock", None) is not None:
                    current.watch(got.sock)
                return got

        return Pool

    pools = {
        "http": watched(HTTPConnectionPool, HTTPConnection),
        "https": watched(HTTPSConnectionPool, HTTPSConnection),
    }

    class BudgetAdapter(HTTPAdapter):
        """HTTPAdapter whose connections a per-request watchdog can shut down."""

        patlint_watch = watch

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

    session = requests.Session()
    adapter = BudgetAdapter(pool_connections=4, pool_maxsize=max(1, pool_size), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class _Watchdog:
    """Shuts down the sockets of one exchange when its total time budget runs out."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._done = False
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.001), self._fire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        """Also shut this socket down when the budget runs out."""
        with self._lock:
            self._socks.append(sock)
            late = self.fired
        if late:
            _shutdown(sock)

    def start(self) -> None:
        """Start the clock."""
        self._timer.start()

    def stop(self) -> None:
        """The exchange is over: never touch its connections again."""
        with self._lock:
            self._done = True
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            socks = list(self._socks)
        for sock in socks:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # wakes a blocked recv() with EOF


def resolve_within(host: str, seconds: float) -> None:
    """Resolve `host` in a thread of its own, waiting at most `seconds`: name resolution runs
    before any socket exists (so outside the watchdog and the connect timeout), and a resolver
    whose packets are dropped stalls for as long as the C library retries (40 s and more).

    Raises ExchangeError (retryable, so the breaker trips) when it takes longer. A failure in
    time is left to the request itself, which reports it as a failed connection.
    """
    if not host or _is_ip(host.strip("[]")):
        return
    done = threading.Event()

    def lookup() -> None:
        with contextlib.suppress(OSError, UnicodeError):
            socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
        done.set()

    threading.Thread(target=lookup, name="patlint-resolve", daemon=True).start()
    if not done.wait(seconds):
        raise ExchangeError(f"name resolution timed out after {seconds:g}s", retryable=True)


def exchange(
    session: requests.Session,
    method: str,
    url: str,
    *,
    budget: float,
    connect_timeout: float,
    headers: Mapping[str, str],
    auth: Any,
    params: Mapping[str, str] | None = None,
    data: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request → (status, lower-cased headers, JSON body or None), within `budget` seconds.

    Raises ExchangeError: retryable for timeouts, connection failures and answers cut off
    before their end (headers then silence, a body shorter than announced), not for TLS
    failures or protocol errors (an answer over MAX_BODY bytes).
    """
    import requests

    dog = _Watchdog(budget)
    local = getattr(session.get_adapter(url), "patlint_watch", None)
    if local is not None:
        local.dog = dog
    connect = max(0.001, min(connect_timeout, budget))
    per_read = max(0.001, budget)  # the watchdog bounds the whole answer; this, one read
    # Plain http is allowed only to loopback, and only directly: through an HTTP_PROXY or
    # ALL_PROXY from the environment the token would travel in clear to the proxy's host.
    direct = {"http": None, "https": None, "all": None} if url.startswith("http://") else None
    dog.start()
    try:
        resp = session.request(
            method,
            url,
            params=dict(params) if params else None,
            data=data,
            auth=auth,
            proxies=direct,  # type: ignore[arg-type]  # None removes a proxy
            headers={**headers, "Accept-Encoding": "identity"},
            timeout=(connect, per_read),
            allow_redirects=False,
            stream=True,
        )
        try:
            out = {k.lower(): v for k, v in resp.headers.items()}
            body = _read_body(resp, out)
        finally:
            resp.close()
        if dog.fired:  # the watchdog shut the socket: what was read ends early, not at its end
            raise ExchangeError(f"timed out after {budget:g}s (answer cut off)", retryable=True)
        return resp.status_code, out, _json(out, body)
    except requests.exceptions.SSLError as exc:
        raise ExchangeError(f"TLS: {_tls_reason(exc)}", retryable=False) from None
    except requests.exceptions.ConnectTimeout:
        raise ExchangeError(f"connect timed out after {connect:g}s", retryable=True) from None
    except _Incomplete as exc:
        if dog.fired:
            raise ExchangeError(
                f"timed out after {budget:g}s (answer cut off)", retryable=True
            ) from None
        raise ExchangeError(
            f"incomplete answer: the connection closed mid-answer ({exc})", retryable=True
        ) from None
    except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
        if dog.fired or isinstance(exc, requests.exceptions.Timeout):
            raise ExchangeError(f"timed out after {budget:g}s", retryable=True) from None
        raise ExchangeError(f"connection failed ({_short(exc)})", retryable=True) from None
    except requests.exceptions.RequestException as exc:
        if dog.fired:
            raise ExchangeError(f"timed out after {budget:g}s", retryable=True) from None
        raise ExchangeError(f"request failed: {_short(exc)}", retryable=False) from None
    except ValueError:
        # requests parses a redirect's Location even when it follows none: `https://[::1/…`
        # raised out of it (the URL this module sends to passed `check_base_url`)
        raise ExchangeError(
            "unreadable answer (a header URL that is no URL)", retryable=False
        ) from None
    finally:
        dog.stop()
        if local is not None:
            local.dog = None


class _Incomplete(Exception):
    """The body ended before its announced end (Content-Length, last chunk)."""


def _read_body(resp: Any, headers: Mapping[str, str]) -> bytes:
    """The raw body, at most MAX_BODY bytes (gzip/deflate inflated with the same cap).

    Raises _Incomplete when the connection ends before the announced end of the body.
    """
    import http.client

    import requests
    import urllib3

    declared = header_numbers(headers.get("content-length"))
    if declared and max(declared) > MAX_BODY:  # a longer or odd figure: the read stops at it
        raise ExchangeError(_too_big(f"{max(declared)} bytes announced"), retryable=False)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = resp.raw.read(_CHUNK, decode_content=False)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_BODY:
                raise ExchangeError(_too_big("more sent"), retryable=False)
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError:  # urllib3's errors are not requests' errors
        raise requests.exceptions.Timeout() from None
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None
    except (urllib3.exceptions.ProtocolError, http.client.IncompleteRead) as exc:
        raise _Incomplete(_cut_reason(exc, total)) from None
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
        raise requests.exceptions.ConnectionError(exc) from None
    data = b"".join(chunks)
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        try:
            data = inflater.decompress(data, MAX_BODY + 1)
        except zlib.error:
            return b""
        if len(data) > MAX_BODY:
            raise ExchangeError(_too_big("once inflated"), retryable=False)
    elif encoding not in ("", "identity"):
        return b""
    return data


def _cut_reason(exc: BaseException, total: int) -> str:
    """`IncompleteRead(13 bytes read, 387 more expected)` as a short phrase, or what was read."""
    m = re.search(r"(\d+) bytes read, (\d+) more expected", str(exc))
    if m:
        return f"{m.group(1)} bytes read, {m.group(2)} more announced"
    return f"{total} bytes read"


def _too_big(what: str) -> str:
    return f"protocol error: answer larger than {MAX_BODY >> 20} MiB ({what}); not read"


def _tls_reason(exc: BaseException) -> str:
    text = str(exc)
    m = re.search(r"\[SSL[^\]]*\]\s*([^()'\"]+)", text)
    if m:
        return m.group(1).strip().rstrip(".,;:")
    if "hostname" in text.lower():
        return "certificate does not match the host name"
    return "handshake failed"


def _bearer(secret: Secret) -> Any:
    import requests.auth

    class _Bearer(requests.auth.AuthBase):
        """Explicit auth, so requests never substitutes ~/.netrc credentials for ours."""

        def __call__(self, r: Any) -> Any:
            r.headers["Authorization"] = f"Bearer {secret.reveal()}"
            return r

    return _Bearer()


_MAX_DIGITS = 100  # far more than any time, count or length (float() fails past 308 digits)


def header_numbers(value: str | None) -> list[int]:
    """The whole numbers in a header value; a header sent twice arrives joined ("0, 4999").
    ASCII digits only, at most _MAX_DIGITS: `isdigit` alone takes `²` (a Latin-1 byte of a
    hostile answer), which `int` refuses, and `int` refuses 4,300 digits."""
    if value is None:
        return []
    parts = (part.strip() for part in value.split(","))
    return [int(p) for p in parts if p.isascii() and p.isdigit() and len(p) <= _MAX_DIGITS]


def _json(headers: Mapping[str, str], body: bytes) -> Any:
    """The body parsed as JSON when the answer says it is JSON; None otherwise or when broken."""
    if "json" not in headers.get("content-type", "") or not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the stack
        return None


def _short(exc: BaseException) -> str:
    """An exception as a short phrase; requests messages hold URLs, never our header."""
    text = str(exc.__class__.__name__)
    reason = getattr(exc, "args", ())
    if reason:
        inner = str(reason[0])
        if "Errno" in inner or "refused" in inner.lower():
            idx = inner.find("[Errno")
            text = inner[idx:].rstrip(")'\"") if idx >= 0 else text
    return text
