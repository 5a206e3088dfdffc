"""Durable append rate of the event log on this machine.

Compares EventLog (group commit: concurrent appenders share one fsync) with 1, 8 and 32
threads against a naive baseline from one thread: open in append mode, write, flush and
os.fsync for every event. Every append counted here has returned only after its fsync.

    python bench/bench_eventlog.py [--events 5000] [--dir PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from safeguards.eventlog import EventLog, read_events

PAYLOAD = {
    "artifact_id": "demo-studio/recipe-assistant-1b",
    "reason": "spam",
    "context": "A typical report context of a sentence or two, about a hundred characters long.",
}


class FsyncCounter:
    """Counts os.fsync calls (a plain wrapper: one integer add per call)."""

    def __init__(self) -> None:
        self.calls = 0
        self._real = os.fsync

    def __call__(self, fd: int) -> None:
        self.calls += 1
        self._real(fd)

    def take(self) -> int:
        calls, self.calls = self.calls, 0
        return calls


FSYNCS = FsyncCounter()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_threads(count: int, threads: int, append_one: Callable[[int], None]) -> tuple[float, list]:
    """Run `count` appends split over `threads`; return wall seconds and per-append latencies."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)
    shares = [count // threads + (1 if t < count % threads else 0) for t in range(threads)]

    def work(t: int) -> None:
        barrier.wait()
        mine = latencies[t]
        for i in range(shares[t]):
            start = time.perf_counter()
            append_one(t * 1_000_000 + i)
            mine.append(time.perf_counter() - start)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    wall = time.perf_counter() - start
    return wall, [x for group in latencies for x in group]


def bench_baseline(folder: Path, count: int) -> tuple[float, list[float]]:
    path = folder / "baseline.jsonl"

    def append_one(i: int) -> None:
        line = json.dumps({"id": str(i), "type": "bench", "payload": PAYLOAD}) + "\n"
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    return run_threads(count, 1, append_one)


def bench_eventlog(folder: Path, count: int, threads: int) -> tuple[float, list[float]]:
    log = EventLog(folder)

    def append_one(i: int) -> None:
        log.append(log.make_event("bench.append", "bench", {**PAYLOAD, "i": i}))

    result = run_threads(count, threads, append_one)
    log.close()
    written = len(read_events(folder))
    if written != count:
        raise SystemExit(f"lost events: wrote {count}, read back {written}")
    return result


def report(name: str, count: int, wall: float, latencies: list[float], fsyncs: int) -> None:
    ms = [x * 1000 for x in latencies]
    print(
        f"{name:<32} {count / wall:>8,.0f} ev/s  "
        f"p50 {percentile(ms, 50):7.3f} ms  p95 {percentile(ms, 95):7.3f} ms  "
        f"{fsyncs:>5} fsyncs  ({count} events, {wall:.2f} s)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000, help="events per run (5000)")
    parser.add_argument("--dir", type=Path, default=None, help="folder to write in (a temp dir)")
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")

    with tempfile.TemporaryDirectory(prefix="bench-eventlog-", dir=args.dir) as tmp:
        root = Path(tmp)
        print(f"folder: {root}  events per run: {args.events}  cpus: {os.cpu_count()}")
        baseline_folder = root / "baseline"
        baseline_folder.mkdir()
        os.fsync = FSYNCS
        wall, lat = bench_baseline(baseline_folder, args.events)
        report("baseline open+write+flush+fsync", args.events, wall, lat, FSYNCS.take())
        baseline_rate = args.events / wall
        for threads in (1, 8, 32):
            folder = root / f"eventlog-{threads}"
            wall, lat = bench_eventlog(folder, args.events, threads)
            name = f"EventLog, {threads} thread{'s' if threads > 1 else ''}"
            report(name, args.events, wall, lat, FSYNCS.take())
            print(f"{'':<32} {args.events / wall / baseline_rate:>8.1f}x baseline")
        os.fsync = FSYNCS._real


if __name__ == "__main__":
    main()
