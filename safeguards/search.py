"""Browse and search: filters, sort and paging over the catalog with the state laid over.

The UI grid and the `/search` endpoint both call `search`, so they cannot disagree.
Everything catalog-wide is a vectorised mask built from the catalog's index (text terms
from the token postings, kinds and licenses from integer codes, categories from bits,
tags from tag postings); the artifacts whose tags changed by a merged proposal are
re-checked with the same rules on their effective tags, and the moderation overlay hides
what the viewer may not see. The overlay arrays are kept per state and rebuilt only when
moderation actions or merges change it. A page is read from the precomputed sort order.

The results are exactly those of the plain scan this replaced (`term in haystack` for
every term, masks over every row, then a sort): tests/test_scale.py checks it on random
queries and overlays, and bench/bench_search.py measures both.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from safeguards.catalog import Catalog, category_bits, is_rail_license
from safeguards.categories import category_of_tag
from safeguards.permissions import User
from safeguards.state import State

RAIL_FAMILY = "rail"  # license filter value meaning "any Open & Responsible AI License"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY_CHARS = 200
# Below this many candidate rows, text terms are checked on the rows' haystacks directly.
_DIRECT_TEXT_ROWS = 20_000
# Overlays with fewer entries than this are recomputed on every search (never stale).
_CACHED_OVERLAY_MIN = 256


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
    mask = np.ones(len(catalog), dtype=bool)
    if query.kinds:
        mask &= catalog.kind_mask(query.kinds)
    if query.categories:
        mask &= (catalog.category_bits & category_bits(query.categories)) != 0
    if query.tag:
        mask &= catalog.rows_with_tag(query.tag)
    if query.license == RAIL_FAMILY:
        mask &= catalog.rail
    elif query.license:
        mask &= catalog.license_mask(query.license)
    terms = query.terms
    if terms:
        _apply_terms(catalog, terms, mask)
    overlay = _overlay(catalog, state)
    overlay.recheck_merged(catalog, query, terms, mask)
    overlay.apply_visibility(user, query, mask)
    return _page(catalog, state, query, mask)


def _apply_terms(catalog: Catalog, terms: list[str], mask: np.ndarray) -> None:
    """mask &= every term is in the row's haystack."""
    if not all(_encodable(t) for t in terms):
        mask[:] = False  # no haystack holds a lone surrogate
        return
    rows = np.flatnonzero(mask)
    if len(rows) <= _DIRECT_TEXT_ROWS:  # few candidates: read their haystacks
        hay = catalog.haystack_array.take(pa.array(rows))
        keep = np.ones(len(rows), dtype=bool)
        for term in terms:
            keep &= pc.match_substring(hay, term).to_numpy(zero_copy_only=False)
        mask[:] = False
        mask[rows[keep]] = True
    else:
        mask &= catalog.text_mask(terms, within=mask)


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def effective_tags(catalog_tags: tuple[str, ...] | list[str], merged: list[str]) -> list[str]:
    return list(catalog_tags) + [t for t in merged if t not in catalog_tags]


def effective_categories(categories: tuple[str, ...] | list[str], tags: list[str]) -> list[str]:
    extra = [c for c in map(category_of_tag, tags) if c and c not in categories]
    return list(categories) + extra


def _license_matches(license_id: str, wanted: str) -> bool:
    if not wanted:
        return True
    if wanted == RAIL_FAMILY:
        return is_rail_license(license_id)
    return license_id == wanted


@dataclass
class _Overlay:
    """The state's changes to search, as arrays over the rows they touch."""

    key: tuple[int, ...]
    # Artifacts with merged tags: their rows and what the rules read, on effective tags.
    merged_rows: np.ndarray
    merged_haystacks: list[str]
    merged_tags: list[list[str]]
    merged_bits: np.ndarray  # category bits of the effective categories
    merged_kinds: list[str]
    merged_licenses: list[str]
    # Artifacts with a moderation overlay.
    guard_rows: np.ndarray
    guard_hidden: np.ndarray  # private or disabled
    guard_downgraded: np.ndarray
    guard_authors: np.ndarray  # object array of the rows' authors

    def recheck_merged(
        self, catalog: Catalog, query: SearchQuery, terms: list[str], mask: np.ndarray
    ) -> None:
        """Artifacts whose card tags grew by a merged proposal: the same rules, by hand."""
        if not len(self.merged_rows):
            return
        ok = np.ones(len(self.merged_rows), dtype=bool)
        for term in terms:
            ok &= np.fromiter((term in h for h in self.merged_haystacks), bool, len(ok))
        if query.kinds:
            ok &= np.fromiter((k in query.kinds for k in self.merged_kinds), bool, len(ok))
        if query.categories:
            ok &= (self.merged_bits & category_bits(query.categories)) != 0
        if query.tag:
            ok &= np.fromiter((query.tag in t for t in self.merged_tags), bool, len(ok))
        if query.license:
            wanted = query.license
            licenses = self.merged_licenses
            ok &= np.fromiter((_license_matches(x, wanted) for x in licenses), bool, len(ok))
        mask[self.merged_rows] = ok

    def apply_visibility(self, user: User, query: SearchQuery, mask: np.ndarray) -> None:
        if not len(self.guard_rows):
            return
        shown = mask[self.guard_rows]
        if not shown.any():
            return
        rows = self.guard_rows[shown]
        hidden = self.guard_hidden[shown]
        if not user.is_moderator:
            may_see_hidden = self.guard_authors[shown] == user.username
            hidden &= ~np.asarray(may_see_hidden, dtype=bool)
        else:
            hidden = np.zeros(len(rows), dtype=bool)
        dropped = hidden
        if query.sort in FEED_SORTS:
            dropped = dropped | self.guard_downgraded[shown]
        mask[rows] = ~dropped


def _overlay_key(state: State) -> tuple[int, ...]:
    """Changes whenever the safeguards or merged tags can have changed through events
    (a skipped event may have changed either half-way)."""
    return (state.overlay_version, len(state.safeguards), len(state.merged_tags), state.skipped)


_overlay_lock = threading.Lock()


def _overlay(catalog: Catalog, state: State) -> _Overlay:
    small = len(state.safeguards) + len(state.merged_tags) < _CACHED_OVERLAY_MIN
    key = _overlay_key(state)
    if not small:
        cached = catalog.overlay_cache
        if cached is not None and cached[0]() is state and cached[1].key == key:
            return cached[1]
    overlay = _build_overlay(catalog, state, key)
    if not small:
        with _overlay_lock:
            catalog.overlay_cache = (weakref.ref(state), overlay)
    return overlay


def _build_overlay(catalog: Catalog, state: State, key: tuple[int, ...]) -> _Overlay:
    table = catalog.table
    merged_ids = list(state.merged_tags)
    rows = catalog.rows_of(merged_ids)
    known = rows >= 0
    merged_rows = rows[known]
    records: list[dict[str, Any]] = []
    if len(merged_rows):
        columns = ["id", "summary", "tags", "categories", "kind", "license"]
        records = table.select(columns).take(pa.array(merged_rows)).to_pylist()
    haystacks, tag_lists, bits, kinds, licenses = [], [], [], [], []
    merged_lists = [state.merged_tags[a] for a, k in zip(merged_ids, known, strict=True) if k]
    for r, merged in zip(records, merged_lists, strict=True):
        tags = effective_tags(list(r["tags"]), merged)
        haystacks.append(" ".join([r["id"], r["summary"], *tags]).lower())
        tag_lists.append(tags)
        bits.append(category_bits(effective_categories(list(r["categories"]), tags)))
        kinds.append(r["kind"])
        licenses.append(r["license"])

    guard_ids = list(state.safeguards)
    guard_rows = catalog.rows_of(guard_ids)
    guards = [state.safeguards[a] for a, r in zip(guard_ids, guard_rows, strict=True) if r >= 0]
    guard_rows = guard_rows[guard_rows >= 0]
    authors = np.empty(len(guard_rows), dtype=object)
    if len(guard_rows):
        authors[:] = table["author"].take(pa.array(guard_rows)).to_pylist()
    return _Overlay(
        key=key,
        merged_rows=merged_rows,
        merged_haystacks=haystacks,
        merged_tags=tag_lists,
        merged_bits=np.array(bits, dtype=np.uint8),
        merged_kinds=kinds,
        merged_licenses=licenses,
        guard_rows=guard_rows,
        guard_hidden=np.array([g.private or g.disabled for g in guards], dtype=bool),
        guard_downgraded=np.array([g.downgraded for g in guards], dtype=bool),
        guard_authors=authors,
    )


SORT_COLUMNS: dict[Sort, str] = {
    Sort.TRENDING: "trending",
    Sort.DOWNLOADS: "downloads",
    Sort.RECENT: "updated",
}


def _page(catalog: Catalog, state: State, query: SearchQuery, mask: np.ndarray) -> SearchPage:
    column = SORT_COLUMNS[query.sort]
    total = int(np.count_nonzero(mask))
    size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    pages = max(1, -(-total // size))
    page = min(max(1, query.page), pages)
    start, stop = (page - 1) * size, min(page * size, total)
    chosen = _ordered_rows(catalog, column, mask, total, start, stop)
    return SearchPage(
        rows=summary_rows(catalog, state, [int(r) for r in chosen]),
        total=total,
        page=page,
        pages=pages,
    )


def _ordered_rows(
    catalog: Catalog, column: str, mask: np.ndarray, total: int, start: int, stop: int
) -> np.ndarray:
    """`order[mask[order]][start:stop]` without touching more of the order than needed."""
    if stop <= start:
        return np.zeros(0, dtype=np.int64)
    rows_count = len(mask)
    if total * 32 <= rows_count:  # sparse: sort the matches by their rank
        rows = np.flatnonzero(mask)
        ranks = catalog.rank(column)[rows]
        if stop < len(rows) // 2:
            first = np.argpartition(ranks, stop - 1)[:stop]
            rows, ranks = rows[first], ranks[first]
        return rows[np.argsort(ranks, kind="stable")][start:stop]
    order = catalog.order(column)
    found: list[np.ndarray] = []
    count, position = 0, 0
    chunk = max(4096, int(stop * rows_count / max(total, 1) * 1.25))
    while count < stop and position < rows_count:
        part = order[position : position + chunk]
        hits = part[mask[part]]
        found.append(hits)
        count += len(hits)
        position += chunk
        chunk *= 2
    return np.concatenate(found)[start:stop]


def summary_rows(catalog: Catalog, state: State, rows: list[int]) -> list[dict]:
    """What a result list shows of each artifact, with its current safeguard state."""
    if not rows:
        return []
    records = catalog.table.take(pa.array(rows, pa.int64())).to_pylist()
    return [_summary(state, r) for r in records]


def _summary(state: State, r: dict[str, Any]) -> dict:
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
