"""The concrete fix for a token at its places: what to revoke, what to replace it with, where.

Given the contexts a token was found in (Context.usage/host/file_type) and what GitHub said
about it (TokenInfo: kind, scopes), say which least-privilege replacement does that job — a
fine-grained token with named permissions, a classic token with just `read:packages` where
GitHub Packages accepts nothing else, GITHUB_TOKEN with a minimal `permissions:` block in CI,
or a credential helper instead of a plaintext store — and the command or settings page that
gets there. Pure functions; the engine puts the text into each finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from patlint.kinds import CLASSIC_PAT_KINDS, REVOCABLE_KINDS, settings_page
from patlint.model import Context, Location, Token, TokenInfo

NEW_FINE_GRAINED = "https://github.com/settings/personal-access-tokens/new"
NEW_CLASSIC = "https://github.com/settings/tokens/new"
# Policy checks whose fix is "replace the token": their findings get the replacement text.
REPLACEMENT_CHECKS = frozenset(
    {"god-token", "context-scopes", "classic-token", "no-expiration", "lifetime"}
)
PACKAGE_USAGES = ("container-registry", "npm", "maven", "gradle", "nuget", "rubygems")
_REPO = re.compile(
    r"github\.com[/:]([A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}?)(?:\.git)?(?:[/\s\"']|$)"
)
_HELPERS = (
    "`gh auth setup-git` (git uses gh's keyring login), or "
    "`git config --global credential.helper manager` (Git Credential Manager; "
    "`osxkeychain` on macOS, `libsecret` on Linux)"
)

# Classic scope -> the fine-grained permissions that cover the same job.
SCOPE_PERMISSIONS: dict[str, str] = {
    "repo": "Contents, Issues, Pull requests: read and write (Metadata: read)",
    "public_repo": "Contents: read and write on the public repositories it needs",
    "repo:status": "Commit statuses: read and write",
    "repo_deployment": "Deployments: read and write",
    "workflow": "Workflows: read and write",
    "admin:repo_hook": "Webhooks: read and write",
    "write:repo_hook": "Webhooks: read and write",
    "read:repo_hook": "Webhooks: read",
    "delete_repo": "Administration: read and write (only where deleting is the job)",
    "admin:org": "organization Administration and Members: read and write",
    "write:org": "organization Members: read and write",
    "read:org": "organization Members: read",
    "admin:org_hook": "organization Webhooks: read and write",
    "gist": "account Gists: read and write",
    "user": "account Profile: read and write",
    "read:user": "account Profile: read",
    "user:email": "account Email addresses: read",
    "admin:public_key": "account Git SSH keys: read and write",
    "admin:gpg_key": "account GPG keys: read and write",
    "security_events": "Code scanning alerts: read and write",
    "codespace": "Codespaces: read and write",
    "project": "organization Projects: read and write",
    "read:project": "organization Projects: read",
}


@dataclass(frozen=True, slots=True)
class Advice:
    """The fix for one use: the replacement credential and where the credential should live."""

    usage: str
    replacement: str
    storage: str = ""


def repositories(contexts: Iterable[Context], locations: Iterable[Location] = ()) -> list[str]:
    """`owner/repo` names a place mentions (a remote URL in a key or note), in order."""
    out: list[str] = []
    texts = [c.key or "" for c in contexts] + [loc.note for loc in locations]
    for text in texts:
        for m in _REPO.finditer(text):
            name = m.group(1)
            if name not in out:
                out.append(name)
    return out


def _packages(usage: str, scopes: frozenset[str] | None, host: str | None) -> Advice:
    push = scopes is not None and bool(scopes & {"write:packages", "delete:packages"})
    wanted = "read:packages,write:packages" if push else "read:packages"
    shown = (
        "read:packages and write:packages (it holds write:packages, so it may push)"
        if push
        else "read:packages (add write:packages only to push or publish)"
    )
    what = {
        "container-registry": "the Container registry",
        "npm": "the npm registry of GitHub Packages",
        "maven": "the Maven registry of GitHub Packages",
        "gradle": "the Gradle/Maven registry of GitHub Packages",
        "nuget": "the NuGet registry of GitHub Packages",
        "rubygems": "the RubyGems registry of GitHub Packages",
    }[usage]
    replacement = (
        f"replace it with a classic token holding just {shown}, since {what}"
        f"{f' at {host}' if host else ''} accepts only classic tokens: "
        f"{NEW_CLASSIC}?scopes={wanted} ; in GitHub Actions use GITHUB_TOKEN with "
        f"`permissions: {{packages: {'write' if push else 'read'}}}` instead"
    )
    storage = {
        "container-registry": (
            "log in with `docker login ghcr.io --password-stdin` and keep it in a credential "
            'helper ("credsStore": "desktop", "osxkeychain", "wincred", "pass" or '
            '"secretservice" in ~/.docker/config.json, i.e. docker-credential-pass, '
            "docker-credential-secretservice, …) instead of a base64 `auth` entry"
        ),
        "npm": (
            "reference it from .npmrc as `//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN}` "
            "and set NODE_AUTH_TOKEN from a secret store instead of writing the token into .npmrc"
        ),
        "maven": (
            "write `<password>${env.GITHUB_TOKEN}</password>` in settings.xml (or encrypt it "
            "with `mvn --encrypt-password`) instead of the plaintext token"
        ),
        "gradle": (
            "read it from the environment (`ORG_GRADLE_PROJECT_gpr.key`, "
            '`System.getenv("GITHUB_TOKEN")`) instead of gradle.properties'
        ),
        "nuget": (
            "reference an environment variable (`%GITHUB_TOKEN%`) in nuget.config, or add the "
            "source without `--store-password-in-clear-text`"
        ),
        "rubygems": (
            "set it through the environment (`BUNDLE_RUBYGEMS__PKG__GITHUB__COM`) instead of a "
            "credentials file"
        ),
    }[usage]
    return Advice(usage, replacement, storage)


def _fine_grained(repos: Sequence[str], permissions: str) -> str:
    """`replace it with a fine-grained token for <repos> with <permissions>, at <URL>`."""
    target = (
        f"only {', '.join(repos)}"
        if repos
        else "only the repositories it is used for (Repository access: Only select repositories)"
    )
    return (
        f"replace it with a fine-grained token for {target} with {permissions}, "
        f"at {NEW_FINE_GRAINED}"
    )


def _scope_permissions(scopes: frozenset[str] | None) -> str:
    if not scopes:
        return "only the permissions its job needs (Metadata: read is implied)"
    names = [SCOPE_PERMISSIONS[s] for s in sorted(scopes) if s in SCOPE_PERMISSIONS]
    return "; ".join(dict.fromkeys(names)) if names else "only the permissions its job needs"


def _ci_advice(paths: Sequence[str]) -> Advice:
    actions = any(".github/workflows/" in p or p.startswith(".github/workflows") for p in paths)
    if actions or not paths:
        return Advice(
            "ci",
            "use `${{ secrets.GITHUB_TOKEN }}` with the minimal block at job level, e.g. "
            "`permissions: {contents: read}` (add `packages: write` to push to ghcr.io, "
            "`pull-requests: write` or `issues: write` for gh commands); where a personal token "
            "is really needed, a GitHub App token (actions/create-github-app-token), or "
            + _fine_grained((), "only the permissions of that job")[len("replace it with ") :],
            "store any remaining secret under Settings → Secrets and variables → Actions and "
            "reference it as `${{ secrets.NAME }}`, never as a literal",
        )
    return Advice(
        "ci",
        _fine_grained((), "only the permissions the pipeline needs"),
        "store it in the CI system's secret store (masked, protected variables) instead of "
        "the pipeline file",
    )


# Places whose advice is the token's own scopes as a fine-grained token plus a storage fix
# (in this order, by usage or file type, as the other places are).
_STORAGE_ONLY = {
    "shell-history": (
        "delete the line from the history file (`history -d N`, or edit ~/.bash_history / "
        "~/.zsh_history) and pass tokens without typing them: `gh auth token`, "
        "`--password-stdin`, or a credential helper"
    ),
    "shell-rc": (
        "do not export it from a shell start-up file; fetch it when needed instead, e.g. "
        '`export GH_TOKEN="$(gh auth token)"`, or from a secret manager (`secret-tool lookup`, '
        "`pass`, `op read`)"
    ),
    "env": (
        "find where the variable is set (shell start-up file, service unit, CI settings) and "
        'fetch the token on demand instead (`GH_TOKEN="$(gh auth token)"`, a secret manager)'
    ),
    "dotenv": (
        "keep .env files out of git (.gitignore) and load the value from a secret manager "
        "(e.g. `op run --env-file`, `doppler run`) instead of writing it into the file"
    ),
}


def advice_for(
    usage: str | None,
    *,
    kind: str,
    scopes: frozenset[str] | None,
    host: str | None = None,
    repos: Sequence[str] = (),
    paths: Sequence[str] = (),
    file_type: str = "text",
) -> Advice | None:
    """The replacement for one use of a token (None when its place says nothing specific)."""
    if usage in PACKAGE_USAGES:
        return _packages(usage, scopes, host)
    if usage == "git" or file_type in ("git-credentials", "git-config"):
        return Advice(
            "git",
            _fine_grained(
                repos, "Contents: read and write (read only if it only clones), Metadata: read"
            ),
            f"keep it in a credential helper instead of a plaintext store: {_HELPERS}; then "
            "delete the line from ~/.git-credentials and drop `credential.helper store`",
        )
    if usage == "netrc" or file_type == "netrc":
        return Advice(
            "netrc",
            _fine_grained(repos, "Contents: read and write, Metadata: read"),
            f"remove the `password` entry from ~/.netrc and use a credential helper: {_HELPERS}",
        )
    if usage == "gh-cli" or file_type in ("gh-hosts", "hub-config"):
        return Advice(
            "gh-cli",
            "log in again with `gh auth login` (add only the scopes you use with "
            "`gh auth refresh -s SCOPE`)",
            "let gh keep the token in the system keyring (no `--insecure-storage`), run "
            "`gh auth logout` for the plaintext entry and check with `gh auth status`",
        )
    if usage == "ci" or file_type == "ci-yaml":
        return _ci_advice(paths)
    for kind, storage in _STORAGE_ONLY.items():
        if kind in (usage, file_type):
            return Advice(kind, _fine_grained(repos, _scope_permissions(scopes)), storage)
    return None


def _revoke_step(kind: str) -> str:
    if kind == "ghs":
        return (
            "An installation token expires within an hour and cannot be revoked by patlint; "
            "remove it, and rotate the app's private key if it was minted outside GitHub Actions."
        )
    where = settings_page(kind)
    how = "`patlint revoke` or " if kind in REVOCABLE_KINDS else ""
    return f"Revoke it ({how}{where}) and remove it from the file and from git history."


def remediation_for(
    kind: str,
    contexts: Sequence[Context],
    info: TokenInfo | None = None,
    *,
    locations: Sequence[Location] = (),
    fallback: str = "",
) -> str:
    """Revoke step, then one replacement per distinct use; `fallback` when no place says more."""
    if kind in ("invalid", ""):
        return fallback
    if kind == "ghs":
        return (
            f"{_revoke_step(kind)} Mint installation tokens when needed "
            "(actions/create-github-app-token, or the App's JWT) instead of storing them."
        )
    scopes = info.scopes if info is not None else None
    repos = repositories(contexts, locations)
    paths = [loc.path for loc in locations]
    seen: set[str] = set()
    parts: list[str] = []
    for ctx in contexts:
        advice = advice_for(
            ctx.usage,
            kind=kind,
            scopes=scopes,
            host=ctx.host,
            repos=repos,
            paths=paths,
            file_type=ctx.file_type,
        )
        if advice is None or advice.usage in seen:
            continue
        seen.add(advice.usage)
        label = advice.usage.replace("-", " ")
        text = f"As a {label} credential: {advice.replacement}"
        parts.append(text + (f"; {advice.storage}." if advice.storage else "."))
    if not parts:
        if kind in CLASSIC_PAT_KINDS and scopes:
            return (
                f"{_revoke_step(kind)} Instead, "
                f"{_fine_grained(repos, _scope_permissions(scopes))}, and keep it in a secret "
                "store or credential helper rather than in a file."
            )
        return fallback or _revoke_step(kind)
    return " ".join([_revoke_step(kind), *parts])


def for_token(token: Token, *, fallback: str = "") -> str:
    """`remediation_for` over every place a token was seen."""
    return remediation_for(
        token.secret.kind,
        [c.context for c in token.candidates],
        token.info,
        locations=[c.location for c in token.candidates],
        fallback=fallback,
    )


GENERIC_STORAGE = "keep the replacement in a secret manager or credential helper, not in a file"


def storage_for(token: Token) -> str:
    """Where the token's replacement should live instead: the advice of its first place that
    names one (a credential helper for git, the keyring for gh, CI secrets…), else generic."""
    scopes = token.info.scopes if token.info is not None else None
    paths = [c.location.path for c in token.candidates]
    for c in token.candidates:
        advice = advice_for(
            c.context.usage,
            kind=token.secret.kind,
            scopes=scopes,
            host=c.context.host,
            paths=paths,
            file_type=c.context.file_type,
        )
        if advice is not None and advice.storage:
            return advice.storage
    return GENERIC_STORAGE


def for_rule(token: Token, rule_check: str, rule_kind: str, fallback: str) -> str:
    """Detection findings and replace-the-token policy findings get the concrete replacement."""
    if rule_kind == "detector" or rule_check in REPLACEMENT_CHECKS:
        return for_token(token, fallback=fallback)
    return fallback
