"""Memory kept per Gradio session, and in all, when many anonymous sessions come by.

Each new `session_hash` makes Gradio keep a `SessionState` (the page's component configs
and every value a handler sent that session) until its capacity of sessions is reached.
A script can open sessions as fast as the server answers. This benchmark starts the real
app (demo mode: no sign-in, what a public Space's visitor meets), then for each of
`--sessions` visits opens an artifact through the page's Open button in a new session
(the queue, as a browser tab does) and makes one REST `/search` call (a second new
session: Gradio makes one for each call without a `session_hash`); it prints the
process's resident memory growth per visit and per session after a warm-up.

    python bench/bench_sessions.py                    # 2,000 visits (4,000 sessions)
    python bench/bench_sessions.py --sessions 300     # the test's size

Targets (issue 16): <= 25 KiB kept per new session; Gradio keeps at most
`safeguards.ui.serving.MAX_SESSIONS` sessions whatever the number of visits.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from apprunner import RunningApp, start_app  # noqa: E402
from gradio_queue import queue_call  # noqa: E402

ARTIFACTS = ("bigscience/bloom", "demo-studio/recipe-assistant-1b", "openai/whisper-large-v3")
TARGET_KIB = 25


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_call(config: dict) -> tuple[int, list[Any], int]:
    """The Open button's function, inputs for it (artifact id at its index)."""
    components = {c["id"]: c for c in config["components"]}
    for dep in config["dependencies"]:
        for target, event in dep["targets"]:
            props = components.get(target, {}).get("props", {})
            if props.get("elem_id") == "open-artifact" and event == "click":
                data, index = [], -1
                for position, input_id in enumerate(dep["inputs"]):
                    props = components[input_id].get("props", {})
                    if props.get("elem_id") == "artifact-id":
                        index = position
                    value = props.get("value")
                    kind = components[input_id]["type"]
                    data.append("popup" if kind == "browserstate" else value)
                return dep["id"], data, index
    raise RuntimeError("no Open button")


def run(app: RunningApp, sessions: int, warmup: int) -> dict[str, Any]:
    with httpx.Client(base_url=app.url, timeout=60) as http:
        fn_index, data, at = open_call(http.get("/config").json())

        def one_session(n: int) -> None:
            data[at] = ARTIFACTS[n % len(ARTIFACTS)]
            answer = queue_call(http, fn_index, list(data), session_hash=secrets.token_hex(8))
            assert answer["success"], answer
            posted = http.post(
                "/gradio_api/call/search", json={"data": ["bloom", [], [], "", "", "trending", 1]}
            )
            http.get(f"/gradio_api/call/search/{posted.json()['event_id']}")

        for n in range(warmup):
            one_session(n)
        before = rss_kib(app.process.pid)
        started = time.perf_counter()
        for n in range(sessions):
            one_session(n)
        elapsed = time.perf_counter() - started
        after = rss_kib(app.process.pid)
    return {
        "visits": sessions,
        "sessions": 2 * sessions,  # the tab's, and the REST call's (no session_hash)
        "rss_before_mib": round(before / 1024, 1),
        "rss_after_mib": round(after / 1024, 1),
        "kib_per_visit": round((after - before) / sessions, 1),
        "kib_per_session": round((after - before) / (2 * sessions), 1),
        "visits_per_second": round(sessions / elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000, help="visits (2 sessions each)")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as workdir:
        app = start_app(Path(workdir), demo=True)
        try:
            result = run(app, args.sessions, args.warmup)
        finally:
            app.stop()
    result["target_kib_per_session"] = TARGET_KIB
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if result["kib_per_session"] <= TARGET_KIB else 1


if __name__ == "__main__":
    sys.exit(main())
