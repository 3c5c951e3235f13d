"""The classic scope hierarchy: what a scope implies, followed down the chain."""

from __future__ import annotations

from patlint.scopes import SCOPE_CHILDREN, expand_scopes


def test_a_scope_implies_its_children_down_the_chain() -> None:
    got = expand_scopes(["admin:org"])
    assert {"admin:org", "write:org", "read:org", "manage_runners:org"} == got
    assert "public_repo" in expand_scopes(["repo"]) and "repo" not in expand_scopes(["public_repo"])
    assert expand_scopes([]) == frozenset()
    assert expand_scopes(["gist", "no-such-scope"]) == {"gist", "no-such-scope"}


def test_the_hierarchy_has_no_cycle_and_every_child_is_below_its_parent() -> None:
    for parent in SCOPE_CHILDREN:
        below = expand_scopes(SCOPE_CHILDREN[parent])
        assert parent not in below, parent  # a cycle would make a child imply its parent
