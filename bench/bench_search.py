"""Search and browse over a synthetic catalog of a million artifacts, against a full scan.

    .venv/bin/python bench/bench_search.py [--size 1000000] [--queries 300] [--baseline 25]

The catalog is `bench/out/catalog-<size>.parquet` (made once with `python -m safeguards
synth`). Printed, in one run on this machine:

1. Loading: the Parquet file read and validated (no cache; with `--jsonl` the same
   catalog as JSON Lines too), the search index built, and the load the app does at
   start-up (the validated table and index memory-mapped from the cache under
   bench/out/cache, after checking both checksums).
2. Search: `--queries` random queries, each a text query (one or two terms: summary words,
   tag and id fragments, some with '/' or '-') with a kind filter, a category filter, a
   sort and a page, over the catalog with a moderation overlay (2% of the artifacts
   downgraded, private, disabled or with merged tag proposals): p50 / p95 / max in
   process. Then browsing without text, the same way.
3. Baseline, in the same run: the straightforward pandas full scan (`str.contains` for
   each term over the whole haystack column, boolean masks over the whole frame, the
   overlay, then a full sort of the matches) for the first `--baseline` queries. Every
   baseline answer is compared with the fast one (ids, total, page, pages): any difference
   stops the run.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).parent)]

from common import OUT, catalog_path, percentile, rss_mib  # noqa: E402

from safeguards.catalog import CatalogIndex, _read_validated, load_catalog  # noqa: E402
from safeguards.categories import CATEGORY_SLUGS, category_of_tag  # noqa: E402
from safeguards.eventlog import Event  # noqa: E402
from safeguards.permissions import User  # noqa: E402
from safeguards.search import FEED_SORTS, SearchQuery, Sort, search  # noqa: E402
from safeguards.state import State  # noqa: E402

SORT_KEY = {Sort.TRENDING: "trending", Sort.DOWNLOADS: "downloads", Sort.RECENT: "updated"}


def overlay_state(ids: list[str], rng: random.Random, share: float) -> State:
    """Moderation actions and merged tag proposals on `share` of the artifacts."""
    state = State()
    picked = rng.sample(ids, int(len(ids) * share))
    actions = ["downgrade", "make_private", "disable", "gate", "add_content_warning"]
    for n, artifact in enumerate(picked):
        ts = f"2025-01-01T00:00:00.{n:06d}Z"
        if n % 4:
            payload = {"action_id": f"A{n}", "artifact_id": artifact, "note": "checked"}
            payload["action"] = actions[n % len(actions)]
            state.apply(Event(f"a{n}", ts, "mod", "moderation.action", payload))
        else:
            opened = {"proposal_id": f"P{n}", "artifact_id": artifact, "discussion_id": f"D{n}"}
            opened.update(tags=["not-for-all-audiences", "ethics-inclusive"], title="t", text="t")
            state.apply(Event(f"p{n}", ts, "bob", "proposal.opened", opened))
            decided = {"proposal_id": f"P{n}", "status": "merged"}
            state.apply(Event(f"d{n}", ts + "1", "owner", "proposal.decided", decided))
    return state


def random_queries(catalog, rng: random.Random, count: int, text: bool) -> list[SearchQuery]:
    table = catalog.table
    queries = []
    for _ in range(count):
        row = table.slice(rng.randrange(len(catalog)), 1).to_pylist()[0]
        terms = []
        for _ in range(rng.choice([1, 1, 2]) if text else 0):
            roll = rng.random()
            if roll < 0.4:
                terms.append(rng.choice(row["summary"].rstrip(".").split()[2:]))
            elif roll < 0.6:
                terms.append(rng.choice(row["tags"]).split("-")[-1])
            elif roll < 0.8:  # a piece of an id, as people type partial names
                ident = row["id"]
                start = rng.randrange(len(ident) - 3)
                terms.append(ident[start : start + rng.randint(4, 12)])
            else:
                terms.append(row["id"].split("/")[0])
        queries.append(
            SearchQuery(
                text=" ".join(terms),
                kinds=tuple(rng.sample(["model", "dataset", "space"], rng.choice([1, 2]))),
                categories=tuple(rng.sample(CATEGORY_SLUGS, rng.choice([1, 2]))),
                sort=rng.choice(list(Sort)),
                page=rng.choice([1, 1, 1, 2, 3, 5]),
            )
        )
    return queries


class FullScan:
    """The baseline: pandas over the whole frame, then a full sort."""

    def __init__(self, catalog) -> None:
        self.frame = catalog.frame
        self.haystack = catalog.haystack  # the lowercased "id summary tags" column
        self.category_bits = catalog.category_bits
        self.row_of = {a: i for i, a in enumerate(self.frame["id"])}

    def search(self, state: State, user: User, query: SearchQuery) -> dict:
        frame = self.frame
        mask = np.ones(len(frame), dtype=bool)
        for term in query.terms:
            mask &= self.haystack.str.contains(term, regex=False).to_numpy(dtype=bool)
        if query.kinds:
            mask &= frame["kind"].isin(query.kinds).to_numpy(dtype=bool)
        if query.categories:
            bits = sum(1 << CATEGORY_SLUGS.index(c) for c in set(query.categories))
            mask &= (self.category_bits & bits) != 0
        for artifact_id, merged in state.merged_tags.items():
            row = self.row_of.get(artifact_id)
            if row is None:
                continue
            r = frame.iloc[row]
            tags = list(r["tags"]) + [t for t in merged if t not in list(r["tags"])]
            categories = set(r["categories"]) | {c for c in map(category_of_tag, tags) if c}
            haystack = " ".join([r["id"], r["summary"], *tags]).lower()
            mask[row] = (
                all(term in haystack for term in query.terms)
                and (not query.kinds or r["kind"] in query.kinds)
                and (not query.categories or bool(categories & set(query.categories)))
            )
        for artifact_id, guard in state.safeguards.items():
            row = self.row_of.get(artifact_id)
            if row is None or not mask[row]:
                continue
            privileged = user.is_moderator or user.username == frame["author"].iat[row]
            hidden = (guard.private or guard.disabled) and not privileged
            mask[row] = not hidden and not (guard.downgraded and query.sort in FEED_SORTS)
        key = SORT_KEY[query.sort]
        matched = frame.loc[mask, ["id", key]]
        ordered = matched.sort_values([key, "id"], ascending=[False, True], kind="stable")
        size = max(1, min(query.page_size, 100))
        pages = max(1, math.ceil(len(ordered) / size))
        page = min(max(1, query.page), pages)
        ids = list(ordered["id"].iloc[(page - 1) * size : page * size])
        return {"ids": ids, "total": len(ordered), "page": page, "pages": pages}


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline", type=int, default=25, help="queries run on the baseline")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-cold", action="store_true", help="skip the uncached load")
    parser.add_argument("--jsonl", action="store_true", help="also time a JSON Lines catalog")
    args = parser.parse_args(argv)
    path = catalog_path(args.size)
    cache = OUT / "cache"
    print(f"catalog: {path.name} ({args.size:,} artifacts, {path.stat().st_size / 1e6:.0f} MB)")

    if not args.skip_cold:
        started = time.perf_counter()
        table = _read_validated(path)
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        CatalogIndex.build(table)
        build_s = time.perf_counter() - started
        del table
        print(f"  Parquet read + validation (no cache)  {read_s:6.2f} s")
        print(f"  search index build (no cache)         {build_s:6.2f} s")
    if args.jsonl:
        jsonl = catalog_path(args.size, suffix=".jsonl")
        started = time.perf_counter()
        _read_validated(jsonl)
        print(f"  JSON Lines read + validation (no cache) {time.perf_counter() - started:4.2f} s")
    load_catalog(path, cache_dir=cache)  # makes the cache if missing
    started = time.perf_counter()
    catalog = load_catalog(path, cache_dir=cache)
    print(f"  load from the checked cache           {time.perf_counter() - started:6.2f} s")

    rng = random.Random(args.seed)
    ids = catalog.table["id"].to_pylist()
    state = overlay_state(ids, rng, 0.02)
    del ids
    print(
        f"overlay: {len(state.safeguards):,} moderated artifacts, "
        f"{len(state.merged_tags):,} with merged tags"
    )
    viewers = [User(None), User("someone"), User("mod", is_moderator=True)]
    text_queries = random_queries(catalog, rng, args.queries, text=True)
    browse_queries = random_queries(catalog, rng, max(50, args.queries // 3), text=False)
    for query in text_queries[:3] + browse_queries[:3]:  # sort orders and overlay warm
        search(catalog, state, viewers[0], query)

    fast = {}
    for name, queries in (("text", text_queries), ("browse", browse_queries)):
        times = []
        for i, query in enumerate(queries):
            _, ms = timed(search, catalog, state, viewers[i % 3], query)
            times.append(ms)
        fast[name] = times
        print(
            f"fast path, {name:<6} {len(queries):4d} queries: p50 {percentile(times, 50):6.1f} ms"
            f"  p95 {percentile(times, 95):6.1f} ms  max {max(times):7.1f} ms"
        )

    scan = FullScan(catalog)
    base_times, fast_times, checked = [], [], 0
    for i, query in enumerate(text_queries[: args.baseline]):
        user = viewers[i % 3]
        expected, base_ms = timed(scan.search, state, user, query)
        page, fast_ms = timed(search, catalog, state, user, query)
        got = {"ids": [r["id"] for r in page.rows], "total": page.total}
        got.update(page=page.page, pages=page.pages)
        if got != expected:
            raise SystemExit(f"DIFFERENT RESULTS for {query}: {got} != {expected}")
        base_times.append(base_ms)
        fast_times.append(fast_ms)
        checked += 1
    ratios = [b / f for b, f in zip(base_times, fast_times, strict=True)]
    print(
        f"baseline full scan, {checked} text queries: p50 {percentile(base_times, 50):7.1f} ms"
        f"  p95 {percentile(base_times, 95):7.1f} ms  (same results: yes)"
    )
    fast_p95, base_p95 = percentile(fast["text"], 95), percentile(base_times, 95)
    print(
        f"speed-up on the same queries: median {percentile(ratios, 50):.0f}x, "
        f"lowest {min(ratios):.0f}x; p95 {fast_p95:.1f} ms vs {base_p95:.0f} ms "
        f"= {base_p95 / fast_p95:.0f}x"
    )
    print(f"resident memory: {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
