"""The classic scope hierarchy (repo ⊃ public_repo, admin:org ⊃ write:org ⊃ …) and the
fine-grained permissions that give what a classic scope gives: plain facts that policy and the
GitHub client read alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Parent scope -> the scopes it implies (one level; expand_scopes follows the chain).
# Source: docs "Scopes for OAuth apps"; trufflehog classic hierarchy.
SCOPE_CHILDREN: Mapping[str, tuple[str, ...]] = {
    "repo": ("repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"),
    "admin:repo_hook": ("write:repo_hook",),
    "write:repo_hook": ("read:repo_hook",),
    "admin:org": ("write:org", "manage_runners:org"),
    "write:org": ("read:org",),
    "admin:public_key": ("write:public_key",),
    "write:public_key": ("read:public_key",),
    "user": ("read:user", "user:email", "user:follow"),
    "write:packages": ("read:packages",),
    "admin:gpg_key": ("write:gpg_key",),
    "write:gpg_key": ("read:gpg_key",),
    "admin:ssh_signing_key": ("write:ssh_signing_key",),
    "write:ssh_signing_key": ("read:ssh_signing_key",),
    "write:discussion": ("read:discussion",),
    "admin:enterprise": ("manage_runners:enterprise", "manage_billing:enterprise"),
    "manage_billing:enterprise": ("read:enterprise",),
    "audit_log": ("read:audit_log",),
    "codespace": ("codespace:secrets",),
    "copilot": ("manage_billing:copilot",),
    "project": ("read:project",),
}


def expand_scopes(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes plus every scope they imply (repo ⊃ public_repo, admin:org ⊃ write:org ⊃ …)."""
    out: set[str] = set()
    todo = list(scopes)
    while todo:
        scope = todo.pop()
        if scope in out:
            continue
        out.add(scope)
        todo.extend(SCOPE_CHILDREN.get(scope, ()))
    return frozenset(out)


# Fine-grained permission (type, name, level) that gives what a classic scope gives, so the
# God Token rule can judge both kinds by one yardstick. Only "all repositories" counts as `repo`.
FINE_GRAINED_EQUIVALENTS: tuple[tuple[str, str, str, str], ...] = (
    ("organization", "administration", "write", "admin:org"),
    ("organization", "members", "write", "write:org"),
    ("organization", "organization_hooks", "write", "admin:org_hook"),
    ("repository", "administration", "write", "delete_repo"),
    ("repository", "repository_hooks", "write", "admin:repo_hook"),
    ("repository", "workflows", "write", "workflow"),
    ("other", "gpg_keys", "write", "admin:gpg_key"),
    ("other", "git_ssh_keys", "write", "admin:public_key"),
)
