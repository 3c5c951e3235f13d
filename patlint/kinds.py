"""The token-kind table: every fact about a kind of GitHub token, in one place.

Detection rules name a kind (`token_kind: ghp`), reports name it (`KIND_NAMES`), the GitHub
client asks its identity endpoint, policy treats classic and personal tokens differently and
`patlint revoke` sends only the kinds GitHub's revocation API accepts: each of them reads this
table. A new kind is one row here (plus its detection rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of token, named by its prefix family."""

    id: str  # what rules and reports call it: "ghp"
    prefix: str  # how the token starts: "ghp_" ("" for the prefix-less legacy token)
    name: str  # how reports name it
    checksum: bool  # ends in the CRC32/Base62 checksum of its random part
    identity: str | None  # the read-only endpoint that accepts it (None: none does)
    identity_params: Mapping[str, str] = field(default_factory=dict)
    pat: bool = False  # a personal access token: GitHub reports its expiry
    classic: bool = False  # carries classic OAuth scopes (X-OAuth-Scopes)
    revocable: bool = False  # GitHub's credential revocation API accepts it
    settings: str | None = None  # the settings page its owner revokes it on (None: none)
    # Base62 characters after the prefix, the checksum's 6 included, when every token of the
    # kind is `prefix` + that many (what patlint/tokengen.py generates; the rule's pattern
    # in rules/detect/github.yml says the same). None: another shape (github_pat_, legacy).
    body: int | None = None


_CLASSIC_SETTINGS = "https://github.com/settings/tokens"
_APP_AUTHORIZATIONS = "https://github.com/settings/apps/authorizations"

KINDS: Mapping[str, Kind] = {
    k.id: k
    for k in (
        Kind(
            "ghp",
            "ghp_",
            "classic personal access token",
            checksum=True,
            identity="/user",
            pat=True,
            classic=True,
            revocable=True,
            settings=_CLASSIC_SETTINGS,
            body=36,
        ),
        Kind(
            "github_pat",
            "github_pat_",
            "fine-grained personal access token",
            checksum=False,
            identity="/user",
            pat=True,
            revocable=True,
            settings="https://github.com/settings/personal-access-tokens",
        ),
        Kind(
            "gho",
            "gho_",
            "OAuth app token",
            checksum=True,
            identity="/user",
            classic=True,
            revocable=True,
            settings="https://github.com/settings/applications",
            body=36,
        ),
        Kind(
            "ghu",
            "ghu_",
            "GitHub App user token",
            checksum=True,
            identity="/user",
            revocable=True,
            settings=_APP_AUTHORIZATIONS,
            body=36,
        ),
        Kind(
            "ghs",
            "ghs_",
            "GitHub App installation token",
            checksum=True,
            identity="/installation/repositories",
            identity_params={"per_page": "1"},
            body=36,
        ),
        Kind(
            "ghr",
            "ghr_",
            "GitHub App refresh token",
            checksum=True,
            identity=None,
            revocable=True,
            settings=_APP_AUTHORIZATIONS,
            body=76,
        ),
        Kind(
            "legacy",
            "",
            "legacy 40-hex token",
            checksum=False,
            identity="/user",
            pat=True,
            classic=True,
            settings=_CLASSIC_SETTINGS,
        ),
    )
}

KIND_NAMES: Mapping[str, str] = {k: v.name for k, v in KINDS.items()}
# What a detection rule's `token_kind` may say: a kind, or "invalid" (a checksum that fails).
RULE_TOKEN_KINDS = (*KINDS, "invalid")
PAT_KINDS = frozenset(k for k, v in KINDS.items() if v.pat)
CLASSIC_KINDS = frozenset(k for k, v in KINDS.items() if v.classic)
CLASSIC_PAT_KINDS = CLASSIC_KINDS & PAT_KINDS
REVOCABLE_KINDS = frozenset(k for k, v in KINDS.items() if v.revocable)
CHECKSUM_KINDS = frozenset(k for k, v in KINDS.items() if v.checksum)


def settings_page(kind: str) -> str:
    """Where the owner of a token of `kind` revokes it by hand (the classic tokens page for a
    kind without one: an installation token, an unknown kind)."""
    found = KINDS.get(kind)
    return found.settings if found is not None and found.settings else _CLASSIC_SETTINGS
