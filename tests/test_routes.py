"""The page's addresses: read into a view, written back, and Browse's controls."""

from __future__ import annotations

import pytest

from safeguards.ui.browse import browse_address, browse_values, page_after
from safeguards.ui.routes import MAX_VALUE, Route, address, parse_route


@pytest.mark.parametrize(
    ("search", "view", "artifact", "discussion"),
    [
        ("?artifact=bigscience/bloom", "artifact", "bigscience/bloom", ""),
        ("?artifact=bigscience/bloom&discussion=D-1a", "artifact", "bigscience/bloom", "D-1a"),
        ("?moderate=bigscience/bloom", "moderate", "bigscience/bloom", ""),
        ("?tab=activity", "activity", "", ""),
        ("?tab=transparency", "transparency", "", ""),
        ("?tab=nothing", "browse", "", ""),
        ("", "browse", "", ""),
        (None, "browse", "", ""),
    ],
)
def test_addresses_name_their_view(search: object, view: str, artifact: str, discussion: str):
    route = parse_route(search)
    assert (route.view, route.artifact_id, route.discussion_id) == (view, artifact, discussion)


def test_an_address_round_trips() -> None:
    for route in (
        Route("artifact", "bigscience/bloom", "D-9"),
        Route("moderate", "demo-lab/x"),
        Route("research"),
        Route("browse", browse={"category": "consentful", "q": "a b", "page": "2"}),
    ):
        assert parse_route(address(route)) == route


def test_hostile_values_are_cut_and_never_raise() -> None:
    route = parse_route("?artifact=" + "x" * 5000 + "&discussion=%00%3Cscript%3E")
    assert len(route.artifact_id) <= MAX_VALUE
    assert "\x00" not in route.discussion_id


def test_browse_controls_from_an_address() -> None:
    good = parse_route("?category=consentful&q=bloom&kind=model,space&sort=downloads&page=2")
    assert browse_values(good) == ("bloom", ["model", "space"], "consentful", "downloads", 2)
    junk = parse_route("?category=nope&kind=virus&sort=popular&page=-3")
    assert browse_values(junk) == ("", [], "", "trending", 1)
    assert browse_values(parse_route("?page=1e308"))[4] == 1
    assert browse_values(parse_route("?page=99999999999999999999"))[4] == 100_000


def test_browse_address_leaves_defaults_out() -> None:
    assert browse_address("", [], "", "trending", 1) == ""
    written = browse_address(" bloom ", ["space", "model"], "consentful", "downloads", 3)
    assert parse_route(written).browse == {
        "category": "consentful",
        "q": "bloom",
        "kind": "model,space",
        "sort": "downloads",
        "page": "3",
    }


def test_page_turns_survive_junk() -> None:
    assert page_after(3, 1) == 4
    assert page_after(1, -1) == 1
    assert page_after(float("inf"), 0) == 1  # junk counts as page 1
    assert page_after("x", 0) == 1
    assert page_after(1e308, 1) == 100_000
