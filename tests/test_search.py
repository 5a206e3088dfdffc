"""Search filters, sort orders and paging, checked against a plain-Python reimplementation
over the raw JSON lines of the demo catalog, for a few hundred seeded random queries."""

from __future__ import annotations

import itertools
import json
import math
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import MODERATOR, OWNER

from safeguards.catalog import DEMO_CATALOG, load_catalog
from safeguards.permissions import User
from safeguards.search import SearchQuery, Sort, search
from safeguards.service import Safeguards
from safeguards.state import State

CATEGORIES = [
    "rigorous",
    "consentful",
    "socially-conscious",
    "sustainable",
    "inclusive",
    "inquisitive",
]
# Written out by hand, not derived from the code under test.
RAIL = {
    "bigscience-bloom-rail-1.0",
    "bigscience-openrail-m",
    "bigcode-openrail-m",
    "creativeml-openrail-m",
    "openrail",
    "openrail++",
}
FEEDS = {"trending", "recent"}


def raw_rows() -> list[dict[str, Any]]:
    text = DEMO_CATALOG.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


ROWS = raw_rows()


@dataclass
class Overlay:
    """What the test did to the state, in its own terms."""

    downgraded: set[str] = field(default_factory=set)
    private: set[str] = field(default_factory=set)
    disabled: set[str] = field(default_factory=set)
    merged: dict[str, list[str]] = field(default_factory=dict)


def reference(
    query: dict[str, Any], viewer: str | None = None, moderator: bool = False, overlay=None
) -> dict[str, Any]:
    overlay = overlay or Overlay()
    terms = query["text"].lower().split()
    matched = []
    for row in ROWS:
        tags = list(row["tags"]) + [
            t for t in overlay.merged.get(row["id"], []) if t not in row["tags"]
        ]
        categories = set(row["categories"]) | {
            t.removeprefix("ethics-")
            for t in tags
            if t.startswith("ethics-") and t.removeprefix("ethics-") in CATEGORIES
        }
        haystack = " ".join([row["id"], row["summary"], *tags]).lower()
        if any(term not in haystack for term in terms):
            continue
        if query["kinds"] and row["kind"] not in query["kinds"]:
            continue
        if query["categories"] and not categories & set(query["categories"]):
            continue
        if query["tag"] and query["tag"] not in tags:
            continue
        if query["license"] == "rail":
            if row["license"] not in RAIL:
                continue
        elif query["license"] and row["license"] != query["license"]:
            continue
        privileged = moderator or (viewer is not None and viewer == row["author"])
        hidden = row["id"] in overlay.private or row["id"] in overlay.disabled
        if hidden and not privileged:
            continue
        if row["id"] in overlay.downgraded and query["sort"] in FEEDS:
            continue
        matched.append({**row, "effective_categories": categories, "effective_tags": tags})

    matched.sort(key=lambda r: r["id"])
    if query["sort"] == "downloads":
        matched.sort(key=lambda r: r["downloads"], reverse=True)
    elif query["sort"] == "recent":
        matched.sort(key=lambda r: r["updated"], reverse=True)
    else:
        matched.sort(key=lambda r: r["trending"], reverse=True)

    size = max(1, min(query["page_size"], 100))
    pages = max(1, math.ceil(len(matched) / size))
    page = min(max(1, query["page"]), pages)
    return {
        "ids": [r["id"] for r in matched[(page - 1) * size : page * size]],
        "rows": matched[(page - 1) * size : page * size],
        "total": len(matched),
        "page": page,
        "pages": pages,
    }


def random_query(rng: random.Random) -> dict[str, Any]:
    """Mostly anchored on one real row (so most queries find something), with noise."""
    words = sorted(
        {w.strip(".,;:()'\"").lower() for r in ROWS for w in r["summary"].split()} - {""}
    )
    tags = sorted({t for r in ROWS for t in r["tags"]})
    licenses = sorted({r["license"] for r in ROWS})
    anchor = rng.choice(ROWS)
    anchored = rng.random() < 0.7

    def pick(own: list[Any], anywhere: list[Any]) -> Any:
        return rng.choice(own if anchored and own else anywhere)

    terms: list[str] = []
    for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 3])):
        source = rng.random()
        if source < 0.35:
            terms.append(pick(anchor["summary"].lower().split(), words).strip(".,;:()"))
        elif source < 0.6:
            terms.append(pick(anchor["tags"], tags))
        elif source < 0.85:  # a piece of an id, as people type partial names
            ident = anchor["id"] if anchored else rng.choice(ROWS)["id"]
            start = rng.randrange(len(ident))
            terms.append(ident[start : start + rng.randint(2, 6)])
        else:
            terms.append(rng.choice(["zzqx", "bloom", "BLOOM", "Demo", "rail", "-", "/"]))
    kinds = rng.sample(["model", "dataset", "space"], rng.choice([0, 0, 0, 1, 2]))
    if anchored and kinds and anchor["kind"] not in kinds:
        kinds[0] = anchor["kind"]
    categories = rng.sample(CATEGORIES, rng.choice([0, 0, 0, 1, 2, 3]))
    if anchored and categories:
        categories[0] = rng.choice(anchor["categories"])
    return {
        "text": rng.choice(["", " ", "  "]).join(terms) if terms else rng.choice(["", "   "]),
        "kinds": tuple(dict.fromkeys(kinds)),
        "categories": tuple(dict.fromkeys(categories)),
        "tag": rng.choice(["", "", "", "", pick(anchor["tags"], tags), "no-such-tag"]),
        "license": rng.choice(
            ["", "", "", "", "rail", pick([anchor["license"]], licenses), "gpl-3.0"]
        ),
        "sort": rng.choice(["trending", "downloads", "recent"]),
        "page": rng.choice([1, 1, 1, 2, 3, 0, -2, 50]),
        "page_size": rng.choice([20, 20, 5, 10, 3, 1, 0, -1, 100, 150, 1000]),
    }


def as_search_query(q: dict[str, Any]) -> SearchQuery:
    return SearchQuery(
        text=q["text"],
        kinds=q["kinds"],
        categories=q["categories"],
        tag=q["tag"],
        license=q["license"],
        sort=Sort(q["sort"]),
        page=q["page"],
        page_size=q["page_size"],
    )


def check(page: Any, expected: dict[str, Any], query: dict[str, Any]) -> None:
    got = [row["id"] for row in page.rows]
    assert got == expected["ids"], query
    assert (page.total, page.page, page.pages) == (
        expected["total"],
        expected["page"],
        expected["pages"],
    ), query


def test_reference_sees_the_whole_demo_catalog() -> None:
    catalog = load_catalog()
    assert [r["id"] for r in ROWS] == list(catalog.frame["id"])
    everything = reference(
        {
            "text": "",
            "kinds": (),
            "categories": (),
            "tag": "",
            "license": "",
            "sort": "trending",
            "page": 1,
            "page_size": 100,
        }
    )
    assert everything["total"] == len(ROWS)


def test_random_queries_match_the_reference() -> None:
    catalog = load_catalog()
    state, user = State(), User("someone")
    rng = random.Random(20230615)
    non_empty = 0
    for _ in range(220):
        q = random_query(rng)
        page = search(catalog, state, user, as_search_query(q))
        expected = reference(q)
        check(page, expected, q)
        non_empty += expected["total"] > 0
        for row, raw in zip(page.rows, expected["rows"], strict=True):
            assert row["kind"] == raw["kind"] and row["license"] == raw["license"]
            assert row["downloads"] == raw["downloads"]
            assert row["categories"] == raw["categories"]
            assert row["content_warning"] == ("not-for-all-audiences" in raw["tags"])
            assert row["gated"] == bool(raw.get("gated", False))
            assert row["visibility"] == "public"
    assert non_empty > 90, "the random queries should mostly find something"


def test_random_queries_with_moderation_and_merged_tags(service: Safeguards) -> None:
    moderator, owner = service.user(MODERATOR), service.user(OWNER)
    overlay = Overlay()
    rng = random.Random(99)
    others = [r["id"] for r in ROWS if r["author"] != OWNER]
    own = [r["id"] for r in ROWS if r["author"] == OWNER]
    for artifact_id in rng.sample(others, 6) + own[:2]:
        service.moderate(moderator, artifact_id, "downgrade", "test")
        overlay.downgraded.add(artifact_id)
    for artifact_id in rng.sample(others, 4) + own[2:4]:
        service.moderate(moderator, artifact_id, "make_private", "test")
        overlay.private.add(artifact_id)
    for artifact_id in rng.sample(others, 3) + own[4:5]:
        if artifact_id not in overlay.private:
            service.moderate(moderator, artifact_id, "disable", "test")
            overlay.disabled.add(artifact_id)
    # Merged tag proposals on the owner's artifacts (the owner merges them); a member
    # cannot write on a private or disabled one.
    for artifact_id in own:
        row = next(r for r in ROWS if r["id"] == artifact_id)
        new = [t for t in ("not-for-all-audiences", "ethics-inclusive") if t not in row["tags"]]
        if not new or artifact_id in overlay.private | overlay.disabled:
            continue
        proposal = service.propose_tags(service.user("bob"), artifact_id, new)
        service.decide_proposal(owner, proposal.id, merge=True)
        overlay.merged[artifact_id] = new
    assert overlay.merged and overlay.downgraded and overlay.private and overlay.disabled

    viewers = [("alice", False), (None, False), (OWNER, False), (MODERATOR, True)]
    for _ in range(200):
        q = random_query(rng)
        viewer, is_moderator = rng.choice(viewers)
        page = service.search(service.user(viewer), as_search_query(q))
        expected = reference(q, viewer, is_moderator, overlay)
        check(page, expected, {**q, "viewer": viewer})
        for row, raw in zip(page.rows, expected["rows"], strict=True):
            assert set(row["categories"]) == raw["effective_categories"]
            assert row["content_warning"] == ("not-for-all-audiences" in raw["effective_tags"])


@pytest.mark.parametrize("sort", list(Sort))
def test_sort_orders_on_the_whole_catalog(sort: Sort) -> None:
    catalog = load_catalog()
    page = search(catalog, State(), User(), SearchQuery(sort=sort, page_size=100))
    rows = page.rows
    assert len(rows) == len(ROWS)
    key = {"trending": "trending", "downloads": "downloads", "recent": "updated"}[sort.value]
    values = [r[key] for r in rows]
    assert values == sorted(values, reverse=True)
    for a, b in itertools.pairwise(rows):
        if a[key] == b[key]:
            assert a["id"] < b["id"]  # ties broken by id, so pages never overlap


def test_pages_partition_the_results() -> None:
    catalog = load_catalog()
    seen: list[str] = []
    first = search(catalog, State(), User(), SearchQuery(page_size=7))
    assert first.pages == math.ceil(len(ROWS) / 7)
    for number in range(1, first.pages + 1):
        page = search(catalog, State(), User(), SearchQuery(page=number, page_size=7))
        assert page.page == number
        seen.extend(r["id"] for r in page.rows)
    assert sorted(seen) == sorted(r["id"] for r in ROWS)
    assert len(seen) == len(set(seen))
    beyond = search(catalog, State(), User(), SearchQuery(page=999, page_size=7))
    assert beyond.page == first.pages and beyond.rows
    nothing = search(catalog, State(), User(), SearchQuery(text="zzqxnothing", page=3))
    assert (nothing.total, nothing.page, nothing.pages, nothing.rows) == (0, 1, 1, [])


def test_rail_family_filter() -> None:
    catalog = load_catalog()
    page = search(catalog, State(), User(), SearchQuery(license="rail", page_size=100))
    found = {r["id"] for r in page.rows}
    assert found == {r["id"] for r in ROWS if r["license"] in RAIL}
    assert {"bigscience/bloom", "bigcode/starcoder", "CompVis/stable-diffusion-v1-4"} <= found
    assert "openai-community/gpt2" not in found
