"""The fast paths for a Hub-sized catalog and a long history return exactly what the plain
ways return.

* Search: the token index, integer codes, cached overlays and paging from the sort order
  against a straightforward pandas scan (every term `in` the lowercased haystack, masks
  over the whole frame, a full sort), on a synthetic catalog of 30,000 artifacts with
  odd text added, random moderation and merged tags, for a few hundred random queries.
* The catalog cache: a second load memory-maps what the first built; a damaged cache or a
  changed catalog is rebuilt.
* Checkpoints: resuming from a verified checkpoint gives the state a full fold gives; a
  changed, shrunk or deleted file, a new event older than the checkpoint, a repeated event
  and a damaged checkpoint all fall back to the full fold.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from safeguards import checkpoint, synthetic
from safeguards.catalog import SEPARATORS, Catalog, CatalogError, load_catalog
from safeguards.categories import CATEGORY_SLUGS, category_of_tag
from safeguards.config import Settings
from safeguards.eventlog import (
    EVENT_FILE_GLOB,
    Event,
    LogCorruptError,
    list_files,
    read_events,
)
from safeguards.hubsync import EVENT_NAME
from safeguards.permissions import User
from safeguards.search import SearchQuery, Sort, search
from safeguards.service import Safeguards
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


# -- checkpoints ------------------------------------------------------------------------------

CANONICAL = (
    "reports",
    "discussions",
    "comments",
    "proposals",
    "access_requests",
    "preferences",
    "safeguards",
    "merged_tags",
    "actions",
)


def canonical(state: State) -> dict[str, Any]:
    projection = {name: getattr(state, name) for name in CANONICAL}
    projection["counts"] = (state.event_count, state.skipped, state.last_event_ts)
    for name in ("reports_by_artifact", "discussions_by_artifact", "actions_by_artifact"):
        projection[name] = dict(getattr(state, name))
    return projection


def full_fold(state_dir: Path) -> State:
    return State.fold(read_events(state_dir))


class LogWriter:
    """Writes realistic events straight into event files (as writer processes would)."""

    def __init__(self, state_dir: Path, seed: int = 0) -> None:
        self.dir = state_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(seed)
        self.n = 0
        self.reports: list[str] = []
        self.discussions: list[str] = []
        self.proposals: list[str] = []

    def events(self, count: int, start_minute: int = 0) -> list[str]:
        lines = []
        for _ in range(count):
            self.n += 1
            n, rng = self.n, self.rng
            minute = start_minute + n
            ts = f"2025-02-{1 + minute // 1440 % 27:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}"
            ts += f":00.{n:06d}Z"
            actor = f"user{rng.randrange(40)}"
            artifact = f"org{rng.randrange(30)}/model-{rng.randrange(50)}"
            roll = rng.random()
            if roll < 0.3 or not self.discussions:
                kind = "report.filed"
                payload: dict[str, Any] = {
                    "report_id": f"R{n}", "artifact_id": artifact, "reason": "spam",
                    "context": f"context {n}", "discussion_id": f"D{n}", "comment_id": f"C{n}",
                    "title": "Report: Spam", "target_discussion_id": None,
                }  # fmt: skip
                self.reports.append(f"R{n}")
                self.discussions.append(f"D{n}")
            elif roll < 0.55:
                kind = "comment.added"
                payload = {"discussion_id": rng.choice(self.discussions), "text": f"c{n}"}
                if rng.random() < 0.9:
                    payload["comment_id"] = f"C{n}"
            elif roll < 0.62:
                kind = "discussion.opened"
                payload = {"discussion_id": f"D{n}", "artifact_id": artifact, "title": "Q",
                           "text": "why?", "comment_id": f"C{n}"}  # fmt: skip
                self.discussions.append(f"D{n}")
            elif roll < 0.68:
                kind = "proposal.opened"
                payload = {"proposal_id": f"P{n}", "artifact_id": artifact,
                           "tags": ["ethics-inclusive"], "discussion_id": f"D{n}",
                           "title": "Add", "text": "t"}  # fmt: skip
                self.proposals.append(f"P{n}")
            elif roll < 0.72 and self.proposals:
                kind = "proposal.decided"
                status = rng.choice(["merged", "closed"])
                payload = {"proposal_id": rng.choice(self.proposals), "status": status}
            elif roll < 0.78:
                kind = "access.requested"
                payload = {"request_id": f"Q{n}", "artifact_id": artifact, "reason": "r"}
            elif roll < 0.84:
                kind = "preference.set"
                payload = {"show_mature_without_popup": rng.random() < 0.5}
            elif roll < 0.86:
                kind = "unknown.type"
                payload = {}
            else:
                kind = "moderation.action"
                action = rng.choice(["downgrade", "dismiss", "gate", "restore"])
                payload = {"action_id": f"A{n}", "artifact_id": artifact, "note": "n"}
                payload["action"] = action
            record = {"id": f"{n:08d}-{rng.getrandbits(32):08x}", "ts": ts, "actor": actor}
            record.update(type=kind, payload=payload)
            lines.append(json.dumps(record, separators=(",", ":")))
        return lines

    def append(self, name: str, lines: list[str]) -> Path:
        path = self.dir / f"events-{name}.jsonl"
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
        return path


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, LogWriter]:
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir)
    for i in range(4):
        writer.append(f"w{i}-00001", writer.events(600))
    return state_dir, writer


def make_checkpoint(state_dir: Path) -> Path:
    result = checkpoint.load(state_dir)
    assert result.mode == "full"
    path = checkpoint.write(state_dir, "test", result.state, result.position)
    assert path.name == "checkpoint-test.pickle"
    return path


def test_checkpoint_files_are_invisible_to_the_log_and_the_hub_sync(
    history: tuple[Path, LogWriter],
) -> None:
    state_dir, _ = history
    path = make_checkpoint(state_dir)
    assert path not in list_files(state_dir)
    assert not path.match(EVENT_FILE_GLOB) and not EVENT_NAME.fullmatch(path.name)
    assert not list(state_dir.glob(".checkpoint-*"))  # no temporary file left


def test_resume_equals_full_fold(history: tuple[Path, LogWriter]) -> None:
    state_dir, writer = history
    make_checkpoint(state_dir)
    resumed = checkpoint.load(state_dir)
    assert resumed.mode == "checkpoint" and resumed.new_events == 0
    assert canonical(resumed.state) == canonical(full_fold(state_dir))
    # New lines in a folded file and a new file: folded on top, still equal.
    writer.append("w1-00001", writer.events(50, start_minute=10_000))
    writer.append("w9-00001", writer.events(70, start_minute=10_000))
    resumed = checkpoint.load(state_dir)
    assert resumed.mode == "checkpoint" and resumed.new_events == 120
    assert canonical(resumed.state) == canonical(full_fold(state_dir))
    # The resumed position extends: a checkpoint of it resumes too.
    checkpoint.write(state_dir, "again", resumed.state, resumed.position)
    assert [p.name for p in checkpoint.checkpoints(state_dir)] == ["checkpoint-again.pickle"]
    writer.append("w2-00001", writer.events(5, start_minute=20_000))
    again = checkpoint.load(state_dir)
    assert again.mode == "checkpoint" and again.new_events == 5
    assert canonical(again.state) == canonical(full_fold(state_dir))


@pytest.mark.parametrize("damage", ["tampered", "shrunk", "deleted", "older", "repeated"])
def test_log_changes_force_a_full_fold(
    history: tuple[Path, LogWriter], damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    state_dir, writer = history
    make_checkpoint(state_dir)
    target = state_dir / "events-w2-00001.jsonl"
    data = target.read_bytes()
    if damage == "tampered":  # same size, one character changed inside a folded line
        at = data.index(b"context") + 1
        target.write_bytes(data[:at] + b"O" + data[at + 1 :])
    elif damage == "shrunk":
        target.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 1])
    elif damage == "deleted":
        target.unlink()
    elif damage == "older":  # a replica's file arriving late, with an earlier event
        line = writer.events(1, start_minute=-60)[0]
        writer.append("w8-00001", [line.replace('"ts":"2025-02', '"ts":"2025-01')])
    else:  # an event already folded, copied into another file
        first_line = (state_dir / "events-w0-00001.jsonl").read_text().splitlines()[3]
        writer.append("w7-00001", [*writer.events(3, start_minute=30_000), first_line])
    with caplog.at_level(logging.WARNING, logger="safeguards.checkpoint"):
        result = checkpoint.load(state_dir)
    assert result.mode == "full", damage
    assert any("not used" in r.getMessage() for r in caplog.records)
    assert canonical(result.state) == canonical(full_fold(state_dir))


@pytest.mark.parametrize("damage", ["payload", "header", "truncated", "garbage"])
def test_a_damaged_checkpoint_is_ignored_with_a_warning(
    history: tuple[Path, LogWriter], damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    state_dir, _ = history
    path = make_checkpoint(state_dir)
    data = bytearray(path.read_bytes())
    if damage == "payload":
        data[-200] ^= 0x01
    elif damage == "header":
        at = data.index(b'"applied":') + 10
        data[at : at + 1] = b"9"
    elif damage == "truncated":
        del data[len(data) // 2 :]
    else:
        data[:] = os.urandom(5000)
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="safeguards.checkpoint"):
        result = checkpoint.load(state_dir)
    assert result.mode == "full"
    assert any(str(path) in r.getMessage() for r in caplog.records)
    assert canonical(result.state) == canonical(full_fold(state_dir))


def test_a_checkpoint_naming_a_class_is_refused(history: tuple[Path, LogWriter]) -> None:
    state_dir, _ = history
    result = checkpoint.load(state_dir)
    path = checkpoint.write(state_dir, "test", result.state, result.position)
    # Forge a records-layout checkpoint whose payload calls os.system.
    header = checkpoint._read_header(path)
    meta = dict(header.data)
    import hashlib
    import pickle
    import struct

    class Evil:
        def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
            return (os.system, ("echo pwned > /dev/null",))

    payload = pickle.dumps(Evil())
    meta.update(layout="records", state_bytes=len(payload))
    meta["state_sha256"] = hashlib.sha256(payload).hexdigest()
    raw = json.dumps(meta).encode()
    ids = path.read_bytes()[header.ids_offset : header.payload_offset]
    path.write_bytes(checkpoint.MAGIC + struct.pack("<Q", len(raw)) + raw + ids + payload)
    with pytest.raises(checkpoint.StaleCheckpoint, match=r"(posix|os)\.system"):
        checkpoint.resume(state_dir, path)
    assert checkpoint.load(state_dir).mode == "full"


def test_unusual_values_use_the_record_layout(history: tuple[Path, LogWriter]) -> None:
    state_dir, writer = history
    odd = writer.events(1, start_minute=40_000)[0].replace('"title":"Report: Spam"', '"title":7')
    writer.append("w5-00001", [odd] if '"title":7' in odd else [])
    opened = {"id": "odd-1", "ts": "2025-03-01T00:00:00.000000Z", "actor": "x",
              "type": "discussion.opened",
              "payload": {"discussion_id": "DX", "artifact_id": "a/b", "title": ["a", 1],
                          "text": 3.5}}  # fmt: skip
    writer.append("w5-00001", [json.dumps(opened)])
    result = checkpoint.load(state_dir)
    path = checkpoint.write(state_dir, "test", result.state, result.position)
    assert checkpoint._read_header(path).data["layout"] == "records"
    resumed = checkpoint.load(state_dir)
    assert resumed.mode == "checkpoint"
    assert canonical(resumed.state) == canonical(full_fold(state_dir))


def test_torn_and_corrupt_lines_after_the_checkpoint(
    history: tuple[Path, LogWriter], caplog: pytest.LogCaptureFixture
) -> None:
    state_dir, writer = history
    make_checkpoint(state_dir)
    target = writer.append("w3-00001", writer.events(2, start_minute=50_000))
    lines_before = target.read_bytes().count(b"\n")
    with target.open("ab") as handle:
        handle.write(b'{"id":"torn","ts":"2025-0')
    with caplog.at_level(logging.WARNING):
        result = checkpoint.load(state_dir)
    assert result.mode == "checkpoint" and result.new_events == 2
    assert f"{target}:{lines_before + 1}:" in caplog.text
    assert canonical(result.state) == canonical(full_fold(state_dir))
    with target.open("ab") as handle:
        handle.write(b"\n" + writer.events(1, start_minute=60_000)[0].encode() + b"\n")
    with pytest.raises(LogCorruptError) as caught:
        checkpoint.load(state_dir)
    assert caught.value.path == target and caught.value.line_number == lines_before + 1
    with pytest.raises(LogCorruptError):
        read_events(state_dir)


def test_the_service_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir, seed=3)
    for i in range(3):
        writer.append(f"old{i}-00001", writer.events(800))
    settings = Settings(state_dir=state_dir, moderators=frozenset({"mod"}), demo=False)
    first = Safeguards.open(settings)
    assert first._checkpoints.last_load is not None
    assert first._checkpoints.last_load.mode == "full"
    alice = first.user("alice")
    first.report(alice, "bigscience/bloom", "spam", "one")
    first.set_preference(alice, True)
    assert first._checkpoints.checkpoint(first, background=False)
    first.report(first.user("bob"), "bigscience/bloom", "spam", "after the checkpoint")
    first.moderate(first.user("mod"), "bigscience/bloom", "downgrade", "checked")
    assert first._checkpoints.checkpoint(first, background=bool(hasattr(os, "fork")))
    first.report(first.user("carol"), "bigscience/bloom", "spam", "not in any checkpoint")
    first._checkpoints.stop()

    restarted = Safeguards.open(settings)
    load = restarted._checkpoints.last_load
    assert load is not None and load.mode == "checkpoint" and load.new_events == 1
    assert canonical(restarted.state) == canonical(first.state)
    assert canonical(restarted.state) == canonical(full_fold(state_dir))
    restarted.refold()
    assert canonical(restarted.state) == canonical(first.state)
    restarted._checkpoints.stop()


def test_checkpoint_skipped_when_state_and_log_disagree(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir, seed=4)
    writer.append("x-00001", writer.events(300))
    settings = Settings(state_dir=state_dir, demo=False)
    service = Safeguards.open(settings)
    service.report(service.user("alice"), "bigscience/bloom", "spam", "one")
    # An event in memory that the log does not have (as after a failed write).
    service.state.apply(Event("ghost", "2099-01-01T00:00:00Z", "x", "preference.set",
                              {"show_mature_without_popup": True}))  # fmt: skip
    assert not service._checkpoints.checkpoint(service, background=False)
    assert not checkpoint.checkpoints(state_dir)
    service._checkpoints.stop()
    shutil.rmtree(state_dir)
