"""The fast paths for a Hub-sized catalog and a long history return exactly what the plain
ways return.

* Search: the token index, integer codes, cached overlays and paging from the sort order
  against a straightforward pandas scan (every term `in` the lowercased haystack, masks
  over the whole frame, a full sort), on a synthetic catalog of 30,000 artifacts with
  odd text added, random moderation and merged tags, for a few hundred random queries.
* The catalog cache: a second load memory-maps what the first built; a damaged cache or a
  changed catalog is rebuilt.
(state.db's resume and rebuild are tested in test_statedb.py.)
"""

from __future__ import annotations

import logging
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from safeguards import synthetic
from safeguards.catalog import SEPARATORS, Catalog, CatalogError, load_catalog
from safeguards.categories import CATEGORY_SLUGS, category_of_tag
from safeguards.eventlog import (
    Event,
)
from safeguards.permissions import User
from safeguards.search import SearchQuery, Sort, search
from safeguards.state import State

SIZE = 30_000
FEEDS = {"trending", "recent"}
SORT_KEY = {"trending": "trending", "downloads": "downloads", "recent": "updated"}
ODD_TEXT = [
    "Café Ünïcode ẞtraße İstanbul",
    "naïve bias/audit — “quoted” (parens) semi;colon co:lon",
    "UPPER lower MiXeD 東京 データ",
    "under_score dot.ted hy-phen slash/ed comma,ed",
]


# -- the catalog and the baseline ----------------------------------------------------------


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = synthetic.generate(SIZE, seed=5)
    rng = np.random.default_rng(5)
    rows = rng.choice(SIZE, 400, replace=False)
    for i, row in enumerate(rows):
        frame.loc[row, "summary"] = f"{frame.loc[row, 'summary']} {ODD_TEXT[i % len(ODD_TEXT)]}"
    # Ties and repeats in every sort column, so the id tie-break matters.
    frame.loc[rows[:150], "trending"] = 42.0
    frame.loc[rows[150:300], "downloads"] = 7
    frame.loc[rows[300:], "updated"] = "2021-05-05"
    path = tmp_path_factory.mktemp("catalog") / "catalog.parquet"
    synthetic.write(frame, path)
    return path


@pytest.fixture(scope="module")
def catalog(catalog_file: Path) -> Catalog:
    return load_catalog(catalog_file)


class Baseline:
    """The plain full scan: pandas over the whole frame, then a full sort."""

    def __init__(self, path: Path) -> None:
        table = pq.read_table(path)
        self.frame = table.to_pandas()
        ids, summaries = table["id"].cast(pa.string()), table["summary"].cast(pa.string())
        tags_text = pc.binary_join(table["tags"].cast(pa.list_(pa.string())), " ")
        haystack = pc.binary_join_element_wise(ids, summaries, tags_text, " ")
        self.haystack = pd.Series(pc.utf8_lower(haystack).to_pandas(), copy=False)
        self.frame["category_set"] = [set(c) for c in self.frame["categories"]]
        self.frame["tag_list"] = [list(t) for t in self.frame["tags"]]
        self.records = self.frame.to_dict("records")
        self.row_of = {a: i for i, a in enumerate(self.frame["id"])}

    def search(self, state: State, user: User, query: SearchQuery) -> dict[str, Any]:
        frame = self.frame
        mask = pd.Series(True, index=frame.index)
        for term in query.terms:
            mask &= self.haystack.str.contains(term, regex=False)
        if query.kinds:
            mask &= frame["kind"].isin(query.kinds)
        if query.categories:
            wanted = set(query.categories)
            mask &= frame["category_set"].map(lambda c: bool(c & wanted))
        if query.tag:
            mask &= frame["tag_list"].map(lambda tags: query.tag in tags)
        if query.license == "rail":
            mask &= frame["license"].str.lower().str.contains("rail", regex=False)
        elif query.license:
            mask &= frame["license"] == query.license
        mask = mask.to_numpy(dtype=bool).copy()
        row_of = self.row_of
        for artifact_id, merged in state.merged_tags.items():
            row = row_of.get(artifact_id)
            if row is None:
                continue
            r = self.records[row]
            tags = list(r["tag_list"]) + [t for t in merged if t not in r["tag_list"]]
            categories = set(r["category_set"]) | {
                c for c in map(category_of_tag, tags) if c is not None
            }
            haystack = " ".join([r["id"], r["summary"], *tags]).lower()
            mask[row] = (
                all(term in haystack for term in query.terms)
                and (not query.kinds or r["kind"] in query.kinds)
                and (not query.categories or bool(categories & set(query.categories)))
                and (not query.tag or query.tag in tags)
                and (
                    not query.license
                    or (
                        "rail" in r["license"].lower()
                        if query.license == "rail"
                        else r["license"] == query.license
                    )
                )
            )
        for artifact_id, guard in state.safeguards.items():
            row = row_of.get(artifact_id)
            if row is None or not mask[row]:
                continue
            privileged = user.is_moderator or user.username == self.records[row]["author"]
            hidden = (guard.private or guard.disabled) and not privileged
            mask[row] = not hidden and not (guard.downgraded and query.sort in FEEDS)
        matched = frame[mask]
        key = SORT_KEY[query.sort.value]
        ordered = matched.sort_values([key, "id"], ascending=[False, True], kind="stable")
        size = max(1, min(query.page_size, 100))
        pages = max(1, math.ceil(len(ordered) / size))
        page = min(max(1, query.page), pages)
        ids = list(ordered["id"].iloc[(page - 1) * size : page * size])
        return {"ids": ids, "total": len(ordered), "page": page, "pages": pages}


@pytest.fixture(scope="module")
def baseline(catalog_file: Path) -> Baseline:
    return Baseline(catalog_file)


def overlay_state(catalog: Catalog, rng: random.Random, count: int) -> tuple[State, list[str]]:
    """A state folded from moderation actions and merged tag proposals on random rows."""
    ids = catalog.table["id"].to_pylist()
    events: list[dict[str, Any]] = []
    stamps = (
        f"2025-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000000Z" for i in range(10**5)
    )
    actions = ["downgrade", "make_private", "disable", "restore", "restore_visibility", "gate"]
    for n in range(count):
        artifact = rng.choice(ids)
        if rng.random() < 0.6:
            payload = {"action_id": f"A{n}", "artifact_id": artifact, "note": "n"}
            payload["action"] = rng.choice(actions)
            events.append({"type": "moderation.action", "actor": "mod", "payload": payload})
        else:
            tags = rng.sample(["not-for-all-audiences", "ethics-inclusive", "ethics-rigorous",
                               "Café-tag", "text-generation"], rng.randint(1, 2))  # fmt: skip
            opened = {"proposal_id": f"P{n}", "artifact_id": artifact, "tags": tags}
            opened.update(discussion_id=f"D{n}", title="Add tags", text="please")
            events.append({"type": "proposal.opened", "actor": "bob", "payload": opened})
            decided = {"proposal_id": f"P{n}", "status": "merged"}
            events.append({"type": "proposal.decided", "actor": "owner", "payload": decided})
    state = State()
    for i, record in enumerate(events):
        state.apply(
            Event(f"e{i:06d}", next(stamps), record["actor"], record["type"], record["payload"])
        )
    authors = sorted({a.split("/")[0] for a in state.safeguards})
    return state, authors


def random_query(rng: random.Random, catalog: Catalog) -> SearchQuery:
    row = catalog.table.slice(rng.randrange(len(catalog)), 1).to_pylist()[0]
    words = row["summary"].split() + ODD_TEXT[rng.randrange(len(ODD_TEXT))].split()
    terms: list[str] = []
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
        roll = rng.random()
        if roll < 0.3:
            terms.append(rng.choice(words).strip(".,"))
        elif roll < 0.55:
            ident = row["id"]
            start = rng.randrange(len(ident))
            terms.append(ident[start : start + rng.randint(1, 12)])
        elif roll < 0.7:
            tag = rng.choice(row["tags"])
            start = rng.randrange(len(tag))
            terms.append(tag[start : start + rng.randint(2, 9)])
        elif roll < 0.8:
            terms.append(rng.choice([*SEPARATORS.strip(), "--", "/b", "a-", "-a-", "./"]))
        elif roll < 0.9:
            terms.append(str(rng.randrange(1000)))
        else:
            terms.append(rng.choice(["zzqx", "BIAS", "é", "ß", "東京", "İ", "carbon", "a"]))
    licenses = ["", "", "", "rail", row["license"], "mit", "gpl-3.0"]
    return SearchQuery(
        text=rng.choice([" ", "  ", "\t"]).join(terms),
        kinds=tuple(
            rng.sample(["model", "dataset", "space", "notebook"], rng.choice([0, 0, 1, 2]))
        ),
        categories=tuple(rng.sample(CATEGORY_SLUGS, rng.choice([0, 0, 1, 2]))),
        tag=rng.choice(["", "", "", "", rng.choice(row["tags"]), "Café-tag", "no-such-tag"]),
        license=rng.choice(licenses),
        sort=rng.choice(list(Sort)),
        page=rng.choice([1, 1, 2, 3, 0, 50, 10_000]),
        page_size=rng.choice([20, 20, 5, 1, 0, 100, 1000]),
    )


# -- search ---------------------------------------------------------------------------------


def test_random_queries_match_the_full_scan(catalog: Catalog, baseline: Baseline) -> None:
    rng = random.Random(1234)
    state, authors = overlay_state(catalog, rng, 700)
    assert len(state.safeguards) + len(state.merged_tags) > 300  # the cached overlay path
    viewers = [User(None), User("someone"), User("mod", is_moderator=True)]
    viewers += [User(a) for a in authors[:3]]
    empty = State()
    found = 0
    for n in range(300):
        query = random_query(rng, catalog)
        overlay = state if n % 3 else empty
        user = rng.choice(viewers)
        page = search(catalog, overlay, user, query)
        expected = baseline.search(overlay, user, query)
        got = {"ids": [r["id"] for r in page.rows], "total": page.total}
        got.update(page=page.page, pages=page.pages)
        assert got == expected, (query, user)
        found += expected["total"] > 0
    assert found > 120, "the random queries should mostly find something"


def test_term_edge_cases_match_the_full_scan(catalog: Catalog, baseline: Baseline) -> None:
    state, user = State(), User()
    for text in ["/", "-", ".", "--", "org0", "/b", "0/", "a/b", "bias-", "-audit-1",
                 "ünï", "straße", "i̇stanbul", "東京", "(parens)", "co:lon", "semi;", "x" * 40,
                 "\ud800", "synthetic model about"]:  # fmt: skip
        for sort in Sort:
            query = SearchQuery(text=text, sort=sort, page_size=50)
            if "\ud800" in text:  # a lone surrogate: no row holds one (the scan would raise)
                assert search(catalog, state, user, query).total == 0
                continue
            expected = baseline.search(state, user, query)
            page = search(catalog, state, user, query)
            assert [r["id"] for r in page.rows] == expected["ids"], text
            assert page.total == expected["total"], text


def test_rows_are_built_from_the_table(catalog: Catalog, baseline: Baseline) -> None:
    page = search(catalog, State(), User(), SearchQuery(text="carbon", page_size=100))
    frame = baseline.frame.set_index("id")
    for row in page.rows:
        raw = frame.loc[row["id"]]
        assert row["downloads"] == raw["downloads"] and row["updated"] == raw["updated"]
        assert row["categories"] == list(raw["categories"])
        assert row["content_warning"] == ("not-for-all-audiences" in raw["tags"])


def test_sort_orders_equal_arrow_sort(catalog: Catalog) -> None:
    for column in ("trending", "downloads", "updated"):
        keys = [(column, "descending"), ("id", "ascending")]
        expected = pc.sort_indices(catalog.table, sort_keys=keys).to_numpy()
        assert np.array_equal(catalog.order(column), expected), column
        assert np.array_equal(catalog.rank(column)[expected], np.arange(len(catalog)))


def test_ids_are_found_and_unknown_ids_are_not(catalog: Catalog) -> None:
    ids = catalog.table["id"].to_pylist()
    for row in range(0, len(ids), 97):
        assert catalog.row_of(ids[row]) == row
    assert catalog.row_of(ids[-1]) == len(ids) - 1
    for unknown in ["", "x", ids[0] + "x", ids[0][:-1], ids[0].upper(), "é/é", "org0001/"]:
        if unknown not in ids:
            assert catalog.row_of(unknown) is None and unknown not in catalog
    some = [ids[5], "nope/nope", ids[77]] * 1000  # the batch path
    assert catalog.rows_of(some).tolist() == [5, -1, 77] * 1000


def test_nan_and_negative_zero_sort_like_arrow(tmp_path: Path) -> None:
    table = pa.Table.from_pandas(synthetic.generate(300, seed=9), preserve_index=False)
    trending = table["trending"].to_numpy().copy()
    trending[::7], trending[::11], trending[::13] = np.nan, -0.0, 0.0
    trending[::17] = 42.0
    index = table.schema.get_field_index("trending")
    table = table.set_column(index, "trending", pa.array(trending, from_pandas=False))
    assert table["trending"].null_count == 0
    path = tmp_path / "nan.parquet"
    pq.write_table(table, path)
    catalog = load_catalog(path)
    keys = [("trending", "descending"), ("id", "ascending")]
    expected = pc.sort_indices(catalog.table, sort_keys=keys).to_numpy()
    assert np.array_equal(catalog.order("trending"), expected)


# -- the catalog cache ------------------------------------------------------------------------


def test_catalog_cache_round_trip_and_damage(
    catalog_file: Path, catalog: Catalog, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    first = load_catalog(catalog_file, cache_dir=cache)
    files = sorted(cache.glob("catalog-*.arrow"))
    assert len(files) == 1
    second = load_catalog(catalog_file, cache_dir=cache)
    assert second.table.equals(catalog.table)
    for name, value in vars(catalog.index).items():
        other = getattr(second.index, name)
        if isinstance(value, dict):
            assert value.keys() == other.keys()
            assert all(np.array_equal(value[k], other[k]) for k in value)
        elif isinstance(value, np.ndarray):
            assert np.array_equal(value, other), name
        elif isinstance(value, pa.Array):
            assert value.equals(other), name
        else:
            assert value == other, name
    queries = [SearchQuery(text="bias-audit", sort=Sort.DOWNLOADS), SearchQuery(tag="speech")]
    for query in queries:
        assert search(second, State(), User(), query) == search(first, State(), User(), query)
    # A flipped byte: the cache fails its checksum, is removed and rebuilt.
    data = bytearray(files[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    files[0].write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="safeguards.catalog"):
        third = load_catalog(catalog_file, cache_dir=cache)
    assert any("catalog cache not used" in r.getMessage() for r in caplog.records)
    assert third.table.equals(catalog.table)
    assert len(list(cache.glob("catalog-*.arrow"))) == 1
    # Another catalog file gets its own cache; the old one is removed.
    other = tmp_path / "other.parquet"
    synthetic.write(synthetic.generate(25_000, seed=8), other)
    assert len(load_catalog(other, cache_dir=cache)) == 25_000
    names = [p.name for p in cache.glob("catalog-*.arrow")]
    assert len(names) == 1 and names != [files[0].name]


def test_cache_never_hides_a_bad_catalog(tmp_path: Path) -> None:
    frame = synthetic.generate(25_000, seed=4)
    frame.loc[3, "kind"] = "notebook"
    path = tmp_path / "bad.parquet"
    synthetic.write(frame, path)
    with pytest.raises(CatalogError):
        load_catalog(path, cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("catalog-*.arrow"))
