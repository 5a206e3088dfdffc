"""Restore time for a large event log, and the commits a report flood costs.

    .venv/bin/python bench/bench_restore.py [--events 100000] [--flood 1000] [--baseline 50]

Everything runs against tests/hub_server.py (a local Hub stand-in in a subprocess), with
the real `huggingface_hub` client, so the figures measure this code and the client, not a
network: on the real Hub add the transfer time of the bytes shown.

1. Restore: N events are written with EventLog into a temp folder and pushed with HubSync;
   then restore() into a fresh folder + read_events() + State.fold() is timed (the app's
   start-up path), and again on a folder that is already up to date (a warm restart).
2. Flood: `--flood` reports appended over a few seconds with HubSync ticking every second;
   the commits it made are counted from the server's /_stats. Baseline, in the same run:
   one upload_file per event (a commit each) for `--baseline` events, extrapolated.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_XET", "1")

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hub_server import HubServerProcess  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402

from safeguards.eventlog import Event, EventLog, read_events  # noqa: E402
from safeguards.hubsync import HubSync  # noqa: E402
from safeguards.state import State  # noqa: E402

TOKEN = "hf_bench_token"
REASONS = ("harassment", "hate-speech", "privacy", "misinformation", "sexual-content", "spam")


def make_events(log: EventLog, count: int, rng: random.Random) -> list[Event]:
    """Reports (70 %), comments on their discussions (25 %), moderation actions (5 %)."""
    events: list[Event] = []
    discussions: list[tuple[str, str]] = []  # (discussion id, artifact id)
    for i in range(count):
        roll = rng.random()
        actor = f"user{rng.randrange(5000)}"
        if roll < 0.70 or not discussions:
            artifact = f"org{rng.randrange(200)}/artifact-{rng.randrange(2000)}"
            discussion = f"D-{i:012x}"
            payload = {
                "report_id": f"R-{i:012x}",
                "artifact_id": artifact,
                "reason": rng.choice(REASONS),
                "context": f"Report {i}: " + "this output breaks the guidelines " * 4,
                "discussion_id": discussion,
                "comment_id": f"C-{i:012x}",
                "title": "Report: harassment",
                "target_discussion_id": None,
            }
            discussions.append((discussion, artifact))
            events.append(log.make_event("report.filed", actor, payload))
        elif roll < 0.95:
            discussion, _ = rng.choice(discussions)
            payload = {"discussion_id": discussion, "text": f"Answer {i}", "comment_id": f"C-{i}"}
            events.append(log.make_event("comment.added", actor, payload))
        else:
            _, artifact = rng.choice(discussions)
            payload = {
                "action_id": f"A-{i:012x}",
                "artifact_id": artifact,
                "action": rng.choice(("downgrade", "dismiss", "gate")),
                "note": "checked the origin and the owner's answer",
            }
            events.append(log.make_event("moderation.action", "mod", payload))
    return events


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("events-*.jsonl"))


def bench_restore(hub: HubServerProcess, work: Path, count: int) -> None:
    source = work / "source"
    log = EventLog(source)
    started = time.perf_counter()
    events = make_events(log, count, random.Random(7))
    for i in range(0, len(events), 1000):
        log.append_many(events[i : i + 1000])
    write_s = time.perf_counter() - started
    files = len(list(source.glob("events-*.jsonl")))
    size = folder_bytes(source)

    pusher = HubSync(source, "bench/log", token=TOKEN, endpoint=hub.endpoint)
    pusher.restore()
    started = time.perf_counter()
    assert pusher.flush(600), pusher.status().last_error
    push_s = time.perf_counter() - started

    fresh = work / "fresh"
    started = time.perf_counter()
    result = HubSync(fresh, "bench/log", token=TOKEN, endpoint=hub.endpoint).restore()
    restore_s = time.perf_counter() - started
    read = read_events(fresh)
    read_s = time.perf_counter() - started - restore_s
    state = State.fold(read)
    fold_s = time.perf_counter() - started - restore_s - read_s
    total_s = time.perf_counter() - started
    assert len(read) == count and state.event_count + state.skipped == count

    started = time.perf_counter()
    warm = HubSync(fresh, "bench/log", token=TOKEN, endpoint=hub.endpoint).restore()
    warm_restore_s = time.perf_counter() - started
    State.fold(read_events(fresh))
    warm_total_s = time.perf_counter() - started

    print(f"## Restore of {count:,} events ({files} files, {size / 1e6:.1f} MB)")
    print(f"write locally (EventLog, batches of 1000)  {write_s:7.2f} s")
    print(f"first push (1 commit)                      {push_s:7.2f} s")
    print(f"cold start: restore() download             {restore_s:7.2f} s  ", end="")
    print(f"({len(result.downloaded)} files, {result.bytes_downloaded / 1e6:.1f} MB)")
    print(f"            read_events()                  {read_s:7.2f} s")
    print(f"            State.fold()                   {fold_s:7.2f} s  ({state.skipped} skipped)")
    print(f"            total                          {total_s:7.2f} s")
    print(f"warm start: restore() (nothing to fetch)   {warm_restore_s:7.2f} s  ", end="")
    print(f"({len(warm.downloaded)} files downloaded)")
    print(f"            total with read + fold         {warm_total_s:7.2f} s")


def bench_flood(hub: HubServerProcess, work: Path, flood: int, baseline: int) -> None:
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    folder = work / "flood"
    log = EventLog(folder)
    sync = HubSync(folder, "bench/flood", token=TOKEN, endpoint=hub.endpoint, every_seconds=1.0)
    sync.restore()
    sync.start()
    assert sync.flush(30)
    before = hub.stats()["commits"]["datasets/bench/flood"]
    rng = random.Random(11)
    started = time.perf_counter()
    for event in make_events(log, flood, rng):
        log.append(event)  # one fsync each, as the app does for one user action
        time.sleep(0.004)
    append_s = time.perf_counter() - started
    assert sync.flush(60), sync.status().last_error
    synced_s = time.perf_counter() - started
    sync.stop(10)
    made = hub.stats()["commits"]["datasets/bench/flood"] - before
    assert len(read_events(folder)) == flood

    api.create_repo("bench/per-event", repo_type="dataset", private=True)
    lines: list[bytes] = []
    started = time.perf_counter()
    for event in make_events(EventLog(work / "baseline"), baseline, rng):
        lines.append((event.to_json() + "\n").encode())
        api.upload_file(
            path_or_fileobj=b"".join(lines),
            path_in_repo="events.jsonl",
            repo_id="bench/per-event",
            repo_type="dataset",
        )
    per_event_s = (time.perf_counter() - started) / baseline
    base_commits = hub.stats()["commits"]["datasets/bench/per-event"] - 1

    print(f"\n## Flood of {flood:,} reports over {append_s:.1f} s")
    print(f"HubSync, every 1 s (one commit per tick)   {made:7d} commits, all pushed ", end="")
    print(f"{synced_s:.1f} s after the first report")
    bound = int(append_s // 60) + 2  # the flood can straddle one more tick boundary
    print(f"HubSync, default every 60 s (bound)      <= {bound:5d} commits for a flood this long")
    print(
        f"baseline: upload_file per event, measured  {base_commits:7d} commits for {baseline}",
        end="",
    )
    print(f" events, {per_event_s * 1000:.0f} ms each")
    print(f"baseline, extrapolated to {flood:,}            {flood:7d} commits, ", end="")
    print(f"{per_event_s * flood:.1f} s of uploads (the file grows, so more on the real Hub)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--flood", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-restore-") as tmp:
        work = Path(tmp)
        with HubServerProcess(work / "hub", tokens=f"bench:{TOKEN}") as hub:
            bench_restore(hub, work, args.events)
            bench_flood(hub, work, args.flood, args.baseline)


if __name__ == "__main__":
    main()
