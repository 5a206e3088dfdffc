"""Start-up of `python app.py` with a big catalog and event log, against hello world.

    .venv/bin/python bench/bench_startup.py [--runs 3] [--cold] [--events N] [--catalog N]

Each run starts `python app.py` as a user would (SAFEGUARDS_CATALOG = the synthetic
Parquet catalog, default 1M rows; SAFEGUARDS_STATE_DIR = a folder with `--events` events,
default 1M, plus 1,000 written after state.db was last brought up to date) and,
alternately, a hello-world Gradio app; it measures the seconds from the process start
until `/gradio_api/info` answers (the app serves once state.db is current: the whole state
is available then), the resident memory (VmRSS in /proc/<pid>/status) then, and the first
`/search` call over HTTP. Every figure is also given against hello world of the same run.

The state folder is `bench/out/state-<events>`: hard links to the cached event files of
`bench/out/log-<events>` (generated once, see common.py), a tail of 1,000 newer events, and
what the app keeps there: state.db and the catalog cache. The first time, a preparation
step builds state.db from the whole log once.

`--cold` also times one start with neither state.db nor catalog cache (state.db rebuilt
from the whole log, the catalog read, validated and indexed), in a copy of the folder.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).parent)]

from common import (  # noqa: E402
    OUT,
    PYTHON,
    ROOT,
    catalog_ids,
    catalog_path,
    event_log,
    peak_rss_mib,
    rss_mib,
    size_label,
    write_events,
)

EVENTS = 1_000_000
TAIL = 1_000
HELLO = """
import gradio as gr

def greet(name):
    return "Hello " + name

gr.Interface(greet, "text", "text").launch(server_name="127.0.0.1")
"""
PREPARE = """
import sys
from pathlib import Path
from safeguards.catalog import CATALOG_CACHE_DIR, load_catalog
from safeguards.statedb import StateDB
state_dir, catalog = Path(sys.argv[1]), Path(sys.argv[2])
load_catalog(catalog, cache_dir=state_dir / CATALOG_CACHE_DIR)
db = StateDB(state_dir)
db.open_state()
print(db.last_open)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(port: int, state_dir: Path | None = None, catalog: Path | None = None) -> dict:
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    env.update(HF_HUB_DISABLE_TELEMETRY="1", DO_NOT_TRACK="1", PYTHONUNBUFFERED="1")
    env.pop("SAFEGUARDS_HUB_DATASET", None)
    if state_dir is not None:
        env.update(SAFEGUARDS_STATE_DIR=str(state_dir), SAFEGUARDS_CATALOG=str(catalog))
    return env


def prepare_state(catalog: Path, events: int = EVENTS) -> Path:
    """bench/out/state-<events>: the log, its state.db, then 1,000 newer events."""
    log_dir = event_log(events, catalog_ids(1_000_000, 50_000))
    state_dir = OUT / f"state-{size_label(events)}"
    state_dir.mkdir(exist_ok=True)
    for source in log_dir.glob("events-*.jsonl"):
        target = state_dir / source.name
        if not target.exists():
            os.link(source, target)
    if not list(state_dir.glob("events-benchtail*.jsonl")):
        # A fresh folder (or one left by other code): state.db from the whole log, once.
        print("preparing: building state.db from the whole log once ...", flush=True)
        started = time.perf_counter()
        for old in state_dir.glob("state.db*"):
            old.unlink()
        command = [PYTHON, "-c", PREPARE, str(state_dir), str(catalog)]
        subprocess.run(command, cwd=ROOT, check=True)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
        ids = catalog_ids(1_000_000, 2_000, seed=2)
        write_events(
            state_dir,
            TAIL,
            ids,
            random.Random(99),
            start=datetime(2026, 6, 1, tzinfo=UTC),
            span=timedelta(days=1),
            writer_prefix="benchtail",
        )
        keep = OUT / f"state-{size_label(events)}.db"  # each run starts from the same state
        shutil.copy(state_dir / "state.db", keep)
    return state_dir


def count_events(state_dir: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in state_dir.glob("events-*.jsonl"))


def start(command: list[str], env: dict, port: int, log_path: Path) -> dict:
    """Start, wait until /gradio_api/info answers; measures; the process is left running."""
    with log_path.open("w") as log_file:
        wall = time.time()
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}/gradio_api/info"
        deadline = started + 600
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"{command} exited; see {log_path}") from None
                if time.perf_counter() > deadline:
                    process.kill()
                    process.wait()
                    raise SystemExit(f"{command} did not serve in 600 s") from None
                time.sleep(0.02)
        ready = time.perf_counter() - started
    return {
        "process": process,
        "started": started,
        "wall": wall,
        "ready_s": ready,
        "rss_mib": rss_mib(process.pid),
    }


def first_search(port: int) -> float:
    """One /search call over the REST API (submit, then read the result stream)."""
    base = f"http://127.0.0.1:{port}/gradio_api/call/search"
    body = json.dumps({"data": ["bias", ["model"], ["inclusive"], "", "", "trending", 1]}).encode()
    request = urllib.request.Request(base, body, {"Content-Type": "application/json"})
    started = time.perf_counter()
    event_id = json.loads(urllib.request.urlopen(request, timeout=600).read())["event_id"]
    stream = urllib.request.urlopen(f"{base}/{event_id}", timeout=600).read().decode()
    if "event: complete" not in stream:
        raise SystemExit(f"/search failed: {stream[:300]}")
    return time.perf_counter() - started


def stop(run: dict) -> None:
    process = run["process"]
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def state_seconds(log_path: Path) -> str:
    text = log_path.read_text(errors="replace")
    found = re.search(r"state\.db: (resume|rebuild), (\d+) event\(s\) applied in ([\d.]+)s", text)
    if found:
        mode, applied, seconds = found.groups()
        return f"state.db {mode}: {int(applied):,} events applied in {seconds} s"
    return "state: (no log line)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also one start without caches")
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--catalog", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    catalog = catalog_path(args.catalog)
    state_dir = prepare_state(catalog, args.events)
    kept = OUT / f"state-{size_label(args.events)}.db"
    logs = OUT / "startup-logs"
    logs.mkdir(exist_ok=True)
    hello_file = OUT / "hello_app.py"
    hello_file.write_text(HELLO)
    print(f"catalog: {catalog.name}; log: {count_events(state_dir):,} events in {state_dir}")

    hello, app = [], []
    for i in range(args.runs):
        port = free_port()
        run = start([PYTHON, str(hello_file)], environment(port), port, logs / f"hello-{i}.log")
        stop(run)
        hello.append(run)
        port = free_port()
        env = environment(port, state_dir, catalog)
        log_path = logs / f"app-{i}.log"
        for old in state_dir.glob("state.db*"):  # the same 1,000 newer events each time
            old.unlink()
        shutil.copy(kept, state_dir / "state.db")
        run = start([PYTHON, "app.py"], env, port, log_path)
        try:
            run["search_took_s"] = first_search(port)
            run["search_s"] = time.perf_counter() - run["started"]
            first_search(port)
            run["rss_after_search"] = rss_mib(run["process"].pid)
            run["peak_mib"] = peak_rss_mib(run["process"].pid)
        finally:
            stop(run)
        run["state"] = state_seconds(log_path)
        app.append(run)
        h = hello[-1]["ready_s"]
        print(
            f"run {i + 1}: hello world ready in {h:5.2f} s, RSS {hello[-1]['rss_mib']:.0f} MiB"
            f" | app ready in {run['ready_s']:5.2f} s ({run['ready_s'] - h:+.2f} s), RSS "
            f"{run['rss_mib']:.0f} MiB; first /search answered at {run['search_s']:5.2f} s "
            f"({run['search_s'] - h:+.2f} s; the call took {run['search_took_s'] * 1000:.0f} "
            f"ms); {run['state']}",
            flush=True,
        )

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    hello_s = median(hello, "ready_s")
    hello_mib = median(hello, "rss_mib")
    print(
        f"median of {args.runs}: hello world ready {hello_s:.2f} s | app ready (/gradio_api/info)"
        f" {median(app, 'ready_s'):.2f} s: {median(app, 'ready_s') - hello_s:+.2f} s | first "
        f"/search answered {median(app, 'search_s'):.2f} s: "
        f"{median(app, 'search_s') - hello_s:+.2f} s"
    )
    serving = max(r["rss_mib"] for r in app)
    searched = max(r["rss_after_search"] for r in app)
    print(
        f"resident memory: hello world {hello_mib:.0f} MiB | app when serving {serving:.0f} MiB"
        f" ({serving - hello_mib:+.0f} MiB), after a search {searched:.0f} MiB "
        f"({searched - hello_mib:+.0f} MiB; peak during start-up "
        f"{max(r['peak_mib'] for r in app):.0f} MiB)"
    )
    if args.cold:
        cold_dir = OUT / "state-1m-cold"
        shutil.rmtree(cold_dir, ignore_errors=True)
        cold_dir.mkdir()
        for source in state_dir.glob("events-*.jsonl"):
            os.link(source, cold_dir / source.name)
        port = free_port()
        env = environment(port, cold_dir, catalog)
        log_path = logs / "app-cold.log"
        run = start([PYTHON, "app.py"], env, port, log_path)
        stop(run)  # served: nothing else to measure
        print(
            f"cold start (no state.db, no catalog cache): ready in {run['ready_s']:.1f} s, "
            f"RSS {run['rss_mib']:.0f} MiB; {state_seconds(log_path)}"
        )
        shutil.rmtree(cold_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
