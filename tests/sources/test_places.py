"""Where a token is stored (patlint/sources/places.py, `stored_places`): a file that moved
through history is one place, copies that lived together are counted, and a fleet's
repositories never share a place — whatever blob ids or rename records their history holds."""

from __future__ import annotations

from typing import Any

from patlint.model import Candidate, Confidence, Context, Location, Secret, Severity
from patlint.sources.places import Place, stored_places


def at(path: str, secret: Secret, **where: Any) -> Candidate:
    host = where.pop("host", None)
    return Candidate(
        "github-classic-pat",
        secret,
        Location(path, 1, **where),
        Context(host=host),
        Severity.HIGH,
        Confidence.HIGH,
    )


def shown(places: list[Place]) -> list[str]:
    return [p.show() for p in places]


def test_a_tree_scan_counts_every_path_in_scan_order(token: Any) -> None:
    s = Secret(token("ghp"), "ghp")
    places = stored_places([at("b.env", s), at("a.env", s), at("b.env", s, host="github.com")])
    assert places == [Place(("b.env",), 1, None), Place(("a.env",), 1, None)]
    home = stored_places([at("~/.git-credentials", s, host="github.com")])
    assert shown(home) == ["~/.git-credentials (github.com)"]


def test_one_blob_at_several_paths_is_one_file_that_moved(token: Any) -> None:
    s = Secret(token("ghp"), "ghp")
    moved = [
        at("a.env", s, blob="b1", commit="c1", in_head=False),
        at("b.env", s, blob="b1", commit="c2", in_head=True),
    ]
    assert shown(stored_places(moved)) == ["a.env → b.env (one copy, moved)"]
    # renamed and edited in one commit: another blob, but git's rename record joins them
    edited = [
        at("a.env", s, blob="b1", commit="c1", in_head=False),
        at("b.env", s, blob="b2", commit="c2", in_head=True, moved_from="a.env"),
    ]
    assert shown(stored_places(edited)) == ["a.env → b.env (one copy, moved)"]


def test_copies_still_in_the_tip_or_added_together_count_each(token: Any) -> None:
    s = Secret(token("ghp"), "ghp")
    both_live = [
        at("a.env", s, blob="b1", commit="c1", in_head=True),
        at("b.env", s, blob="b1", commit="c2", in_head=True),
    ]
    (place,) = stored_places(both_live)
    assert place.copies == 2 and place.show() == "a.env, b.env"
    together = [  # one commit added three copies, all deleted since
        at(p, s, blob="b1", commit="c1", in_head=False) for p in ("x/a", "x/b", "x/c")
    ]
    together.append(at("y", s, blob="b1", commit="c2", in_head=False))
    (place,) = stored_places(together)
    assert place.copies == 3 and place.show() == "x/a → x/b → x/c → y (3 copies, moved)"


def test_a_fleets_repositories_never_share_a_place(token: Any) -> None:
    """The same blob id in two repositories (the same file content) is two stored copies."""
    s = Secret(token("ghp"), "ghp")
    fleet = [
        at("a.env", s, blob="b1", commit="c1", in_head=True, repository="https://h/o/one"),
        at("a.env", s, blob="b1", commit="c1", in_head=True, repository="https://h/o/two"),
    ]
    assert shown(stored_places(fleet)) == ["[https://h/o/one] a.env", "[https://h/o/two] a.env"]


def test_a_rename_record_naming_an_unseen_path_joins_nothing(token: Any) -> None:
    s = Secret(token("ghp"), "ghp")
    places = stored_places(
        [
            at("a.env", s, blob="b1", commit="c1", in_head=True, moved_from="nowhere.env"),
            at("b.env", s, blob="b2", commit="c2", in_head=True, moved_from="../../etc/passwd"),
        ]
    )
    assert shown(places) == ["a.env", "b.env"]
    assert stored_places([]) == []
