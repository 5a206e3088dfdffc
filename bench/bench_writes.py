"""Filing a report stays O(1) in the catalog and log size.

    .venv/bin/python bench/bench_writes.py [--reports 200]

The service is opened in process (as the app does) on three set-ups, and `--reports`
reports are filed one after another through `Safeguards.report` (each by another user, on
another artifact, so no rate limit or duplicate path is taken); every call returns only
once its event is fsynced. Latency p50 / p95 per set-up:

* the 76-artifact demo catalog and a log of 10,000 events;
* the 1,000,000-artifact catalog and a log of 10,000 events;
* the 1,000,000-artifact catalog and the 1,001,000-event log of bench_startup.py (its
  state.db and catalog cache are prepared by that script; this one prepares them too
  when missing). Each call also commits the event's rows and log position to state.db.

Each set-up works in a scratch folder of hard links to the cached event files, so the
reports written here never reach the cached logs. Baseline, in the same run: one
`os.fsync` of a one-line append, the floor of any durable write on this disk.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).parent)]

from bench_startup import prepare_state  # noqa: E402
from common import OUT, catalog_ids, catalog_path, event_log, percentile  # noqa: E402

from safeguards.catalog import CATALOG_CACHE_DIR, DEMO_CATALOG  # noqa: E402
from safeguards.config import Settings  # noqa: E402
from safeguards.service import Safeguards  # noqa: E402


def scratch_copy(source: Path) -> Path:
    """A folder of hard links to `source`'s event files and catalog cache, with a copy of
    its state.db (written to)."""
    target = Path(tempfile.mkdtemp(prefix="bench-writes-", dir=OUT))
    for path in source.iterdir():
        if path.is_file() and path.name.startswith("events-"):
            os.link(path, target / path.name)
        elif path.name == "state.db":
            shutil.copy(path, target / path.name)
    cache = source / CATALOG_CACHE_DIR
    if cache.is_dir():
        (target / CATALOG_CACHE_DIR).mkdir()
        for path in cache.glob("catalog-*.arrow"):
            os.link(path, target / CATALOG_CACHE_DIR / path.name)
    return target


def fsync_floor(folder: Path, count: int) -> list[float]:
    path = folder / "fsync-floor.txt"
    times = []
    with path.open("ab") as handle:
        for i in range(count):
            started = time.perf_counter()
            handle.write(b'{"i":%d}\n' % i)
            handle.flush()
            os.fsync(handle.fileno())
            times.append((time.perf_counter() - started) * 1000)
    path.unlink()
    return times


def file_reports(name: str, state_dir: Path, catalog: Path, count: int) -> list[float]:
    settings = Settings(state_dir=state_dir, catalog_path=catalog, demo=False)
    started = time.perf_counter()
    service = Safeguards.open(settings)
    opened = time.perf_counter() - started
    ids = [a for a in service.catalog.table["id"].to_pylist()[:100_000:97]]
    times = []
    for i in range(count):
        user = service.user(f"bench-writer-{i}")
        artifact = ids[i % len(ids)]
        started = time.perf_counter()
        service.report(user, artifact, "spam", f"Bench report {i}: a sentence of context.")
        times.append((time.perf_counter() - started) * 1000)
    events = service.state.event_count + service.state.skipped
    print(
        f"{name:<44} {events:>9,} events  open {opened:5.1f} s  report p50 "
        f"{percentile(times, 50):6.2f} ms  p95 {percentile(times, 95):6.2f} ms",
        flush=True,
    )
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    args = parser.parse_args(argv)
    big_catalog = catalog_path(1_000_000)
    small_log = event_log(10_000, catalog_ids(1_000_000, 50_000))
    big_state = prepare_state(big_catalog)
    results = {}
    folders = []
    try:
        floor_dir = Path(tempfile.mkdtemp(prefix="bench-writes-", dir=OUT))
        folders.append(floor_dir)
        floor = fsync_floor(floor_dir, args.reports)
        print(
            f"{'baseline: append one line + fsync':<44} {'':>16}  {'':>12}  report p50 "
            f"{percentile(floor, 50):6.2f} ms  p95 {percentile(floor, 95):6.2f} ms"
        )
        for name, source, catalog in (
            ("demo catalog (76), log of 10k events", small_log, DEMO_CATALOG),
            ("1M catalog, log of 10k events", small_log, big_catalog),
            ("1M catalog, log of 1M events (state.db)", big_state, big_catalog),
        ):
            folder = scratch_copy(source)
            folders.append(folder)
            if source == small_log and catalog == big_catalog:  # reuse the 1M catalog cache
                (folder / CATALOG_CACHE_DIR).mkdir(exist_ok=True)
                for path in (big_state / CATALOG_CACHE_DIR).glob("catalog-*.arrow"):
                    os.link(path, folder / CATALOG_CACHE_DIR / path.name)
            results[name] = file_reports(name, folder, catalog, args.reports)
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    small = percentile(results["1M catalog, log of 10k events"], 50)
    big = percentile(results["1M catalog, log of 1M events (state.db)"], 50)
    demo = percentile(results["demo catalog (76), log of 10k events"], 50)
    print(
        f"median report latency, 1M events / 10k events: {big / small:.2f}x; "
        f"1M catalog / demo catalog: {small / demo:.2f}x"
    )


if __name__ == "__main__":
    main()
