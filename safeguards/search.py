"""Browse and search: filters, sort and paging over the catalog with the state laid over.

The UI grid and the `/search` endpoint both call `search`, so they cannot disagree.
Vectorised masks do the catalog-wide work; the few artifacts whose tags changed by a
merged proposal are re-checked one by one with the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from safeguards.catalog import Catalog, category_bits, is_rail_license
from safeguards.categories import category_of_tag
from safeguards.permissions import User
from safeguards.state import State

RAIL_FAMILY = "rail"  # license filter value meaning "any Open & Responsible AI License"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY_CHARS = 200


class Sort(StrEnum):
    TRENDING = "trending"
    DOWNLOADS = "downloads"
    RECENT = "recent"


# Downgraded artifacts stay reachable by search and link, but leave trending and the feed.
FEED_SORTS = frozenset({Sort.TRENDING, Sort.RECENT})


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    tag: str = ""
    license: str = ""
    sort: Sort = Sort.TRENDING
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def terms(self) -> list[str]:
        return self.text.lower().split()


@dataclass
class SearchPage:
    rows: list[dict] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1


def search(catalog: Catalog, state: State, user: User, query: SearchQuery) -> SearchPage:
    frame = catalog.frame
    mask = np.ones(len(frame), dtype=bool)
    for term in query.terms:
        mask &= catalog.haystack.str.contains(term, regex=False).to_numpy(dtype=bool)
    if query.kinds:
        mask &= frame["kind"].isin(query.kinds).to_numpy(dtype=bool)
    if query.categories:
        mask &= (catalog.category_bits & category_bits(query.categories)) != 0
    if query.tag:
        mask &= catalog.rows_with_tag(query.tag)
    if query.license == RAIL_FAMILY:
        mask &= catalog.rail
    elif query.license:
        mask &= (frame["license"] == query.license).to_numpy(dtype=bool)
    _recheck_merged(catalog, state, query, mask)
    _apply_visibility(catalog, state, user, query, mask)
    return _page(catalog, state, query, mask)


def effective_tags(catalog_tags: tuple[str, ...] | list[str], merged: list[str]) -> list[str]:
    return list(catalog_tags) + [t for t in merged if t not in catalog_tags]


def effective_categories(categories: tuple[str, ...] | list[str], tags: list[str]) -> list[str]:
    extra = [c for c in map(category_of_tag, tags) if c and c not in categories]
    return list(categories) + extra


def _recheck_merged(catalog: Catalog, state: State, query: SearchQuery, mask: np.ndarray) -> None:
    """Artifacts whose card tags grew by a merged proposal: apply the same rules by hand."""
    for artifact_id, merged in state.merged_tags.items():
        row = catalog.row_of(artifact_id)
        if row is None:
            continue
        r = catalog.frame.iloc[row]
        tags = effective_tags(list(r["tags"]), merged)
        haystack = " ".join([r["id"], r["summary"], *tags]).lower()
        categories = effective_categories(list(r["categories"]), tags)
        mask[row] = (
            all(term in haystack for term in query.terms)
            and (not query.kinds or r["kind"] in query.kinds)
            and (not query.categories or bool(set(categories) & set(query.categories)))
            and (not query.tag or query.tag in tags)
            and _license_matches(r["license"], query.license)
        )


def _license_matches(license_id: str, wanted: str) -> bool:
    if not wanted:
        return True
    if wanted == RAIL_FAMILY:
        return is_rail_license(license_id)
    return license_id == wanted


def _apply_visibility(
    catalog: Catalog, state: State, user: User, query: SearchQuery, mask: np.ndarray
) -> None:
    for artifact_id, guard in state.safeguards.items():
        row = catalog.row_of(artifact_id)
        if row is None or not mask[row]:
            continue
        may_see_hidden = user.is_moderator or user.username == catalog.frame["author"].iat[row]
        hidden = (guard.private or guard.disabled) and not may_see_hidden
        mask[row] = not hidden and not (guard.downgraded and query.sort in FEED_SORTS)


SORT_COLUMNS: dict[Sort, str] = {
    Sort.TRENDING: "trending",
    Sort.DOWNLOADS: "downloads",
    Sort.RECENT: "updated",
}


def _page(catalog: Catalog, state: State, query: SearchQuery, mask: np.ndarray) -> SearchPage:
    order = catalog.order(SORT_COLUMNS[query.sort])
    ordered = order[mask[order]]
    size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    pages = max(1, -(-len(ordered) // size))
    page = min(max(1, query.page), pages)
    chosen = ordered[(page - 1) * size : page * size]
    return SearchPage(
        rows=[summary_row(catalog, state, int(r)) for r in chosen],
        total=len(ordered),
        page=page,
        pages=pages,
    )


def summary_row(catalog: Catalog, state: State, row: int) -> dict:
    """What a result list shows of one artifact, with its current safeguard state."""
    r = catalog.frame.iloc[row]
    tags = effective_tags(list(r["tags"]), state.merged_tags.get(r["id"], []))
    guard = state.safeguard(r["id"])
    return {
        "id": r["id"],
        "kind": r["kind"],
        "author": r["author"],
        "summary": r["summary"],
        "categories": effective_categories(list(r["categories"]), tags),
        "license": r["license"],
        "downloads": int(r["downloads"]),
        "likes": int(r["likes"]),
        "trending": float(r["trending"]),
        "updated": r["updated"],
        "gated": bool(r["gated"]) if guard.gated is None else guard.gated,
        "content_warning": "not-for-all-audiences" in tags or guard.content_warning,
        "visibility": guard.visibility().value,
    }
