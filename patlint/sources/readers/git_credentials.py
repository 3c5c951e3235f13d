"""git's plaintext credential store: `~/.git-credentials`, `$XDG_CONFIG_HOME/git/credentials`.

One URL per line, `https://user:password@host[/path]`, user, password and host
percent-encoded. The password (or a token used as the user name) is decoded before detection;
the host says what the token is for.
"""

from __future__ import annotations

import os
import re
import urllib.parse

from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import PLAINTEXT_STORE, iter_lines
from patlint.sources.values import TokenPlace, Value

_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://([^@/\s]*)@([^/\s?#]+)")


class GitCredentialsReader:
    """`.git-credentials` and `git/credentials`."""

    name = "git-credentials"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Each line's password (and user name) decoded, with the host."""
        out = Reading(credential_file=True)
        for line_off, text in iter_lines(data):
            m = _LINE.match(text)
            if not m:
                continue
            scheme, userinfo, host_enc = m.group(1).lower(), m.group(2), m.group(3)
            host = urllib.parse.unquote(host_enc).lower()
            # Drop the port; an IPv6 literal keeps its brackets (`[fd00::1]:8443`).
            host = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else host
            host = host if host.startswith("[") else host.split(":", 1)[0]
            user_enc, _, pw_enc = userinfo.partition(":")
            col_user = line_off + len(text[: m.start(2)].encode("utf-8", "surrogateescape"))
            col_pw = col_user + len(user_enc.encode("utf-8", "surrogateescape")) + 1
            for field, enc, at in (("password", pw_enc, col_pw), ("username", user_enc, col_user)):
                if not enc:
                    continue
                value = urllib.parse.unquote(enc)
                ctx = Context(
                    file_type="git-credentials",
                    key=field,
                    host=host,
                    usage="git",
                    encoding="percent" if value != enc else None,
                )
                stored = TokenPlace(
                    PLAINTEXT_STORE,
                    f"git's 'store' helper keeps the {host} credential in plaintext "
                    f"in {rel}; use a keychain helper (manager, osxkeychain, libsecret)",
                )
                out.values.append(Value(value, ctx, at, f"{scheme}://…@{host}", place=stored))
        return out


READER = GitCredentialsReader()
