"""Load on the running app through the REST API, against a trivial Gradio app.

N concurrent users (asyncio + httpx), each signed in through Gradio's /login like a
client of the accounts mode, for a fixed time:

1. mixed: browsing (`/search` by category and sort, paged), searching (`/search` with
   a text query) and reporting (`/report` on an artifact the user has not reported);
2. report: only `/report` (the write path: rights, rate limit, event, fsync);
3. baseline: the same number of users calling `/noop` on a trivial Gradio app (one
   no-op endpoint, the same queue settings and the same login), in the same run;
   2 and 3 alternate for `--rounds` rounds, and each side's rounds are added up;
4. report+s: as 2, but each client keeps one `session_hash` across its calls (the REST
   body accepts one; gradio_client does the same). Gradio builds a session, with the
   config of every component of the page, for each new session_hash: this phase shows
   what that costs the report path (since safeguards/ui/serving.py, little);
5. paced: the report path and the no-op app again, but each user waits a random think
   time between calls (exponential, so that all users together offer `--rate` calls per
   second, well below what either app can serve): the latency a user sees at a busy but
   not overloaded moment.

Phases 1-4 saturate the server (every user calls again as soon as it is answered), so
their latency is queueing time: by Little's law p50 is about users / throughput, for the
no-op app as well (100 users at ~55 calls/s on 2 cores: ~1.8 s). They measure
throughput; the paced phases measure latency.

Each call is what a client does: POST /gradio_api/call/<name>, then GET the event
stream until `complete` or `error`. Printed per phase: throughput, p50/p95 latency per
operation, errors, and the server's CPU time per call; then the ratio of the report
path's throughput to the no-op app's, and a check that every report id returned is in
the event log exactly once.

    python bench/bench_load.py                 # 100 users, 20 s per phase
    python bench/bench_load.py --short         # 20 users, 5 s per phase (CI test)
    python bench/bench_load.py --users 50 --duration 10 --json bench/out/load.json

Target: saturated report throughput >= 80 % of the no-op app's, paced report p95 < 500 ms,
no errors, and every returned report id in the log exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from apprunner import free_port, start_app  # noqa: E402

from safeguards.catalog import DEMO_CATALOG, load_catalog  # noqa: E402
from safeguards.categories import CATEGORY_BY_SLUG  # noqa: E402
from safeguards.eventlog import read_events  # noqa: E402
from safeguards.ui.serving import ANALYTICS_EVERY  # noqa: E402

TARGET_RATIO = 0.80
TARGET_P95 = 0.500
QUERIES = ("bloom", "bias", "speech", "code", "dataset", "watermark", "privacy", "vision")
SORTS = ("trending", "downloads", "recent")
BASELINE_APP = """
import os
import gradio as gr

accounts = dict(
    line.split(":", 1) for line in open(os.environ["BENCH_ACCOUNTS"]).read().splitlines() if line
)


def noop(text: str = "") -> str:
    return text


with gr.Blocks() as demo:
    gr.api(noop, api_name="noop", concurrency_limit=None)
demo.queue(default_concurrency_limit=16)  # as safeguards/ui/serving.py
demo.launch(
    server_name="127.0.0.1",
    server_port=int(os.environ["BENCH_PORT"]),
    auth=lambda username, password: accounts.get(username) == password,
    show_error=False,
)
"""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    server_cpu: float = 0.0
    report_ids: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def throughput(self, op: str | None = None) -> float:
        count = self.calls if op is None else len(self.latencies.get(op, ()))
        return count / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        every = [x for v in self.latencies.values() for x in v]
        return {
            "phase": self.name,
            "seconds": round(self.seconds, 2),
            "calls": self.calls,
            "throughput_per_s": round(self.throughput(), 1),
            "p50_ms": round(percentile(every, 50) * 1000, 1),
            "p95_ms": round(percentile(every, 95) * 1000, 1),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors.most_common(5)),
            "server_cpu_ms_per_call": round(self.server_cpu / max(self.calls, 1) * 1000, 2),
            "ops": {
                op: {
                    "calls": len(v),
                    "throughput_per_s": round(self.throughput(op), 1),
                    "p50_ms": round(percentile(v, 50) * 1000, 1),
                    "p95_ms": round(percentile(v, 95) * 1000, 1),
                }
                for op, v in sorted(self.latencies.items())
            },
        }


async def call(
    http: httpx.AsyncClient, name: str, data: list, session_hash: str | None = None
) -> tuple[bool, object]:
    """One client call over the REST API: (ok, result or error text). Without a
    session_hash (what a plain REST client sends) Gradio starts a new session per call."""
    body: dict = {"data": data}
    if session_hash:
        body["session_hash"] = session_hash
    posted = await http.post(f"/gradio_api/call/{name}", json=body)
    if posted.status_code != 200:
        return False, f"HTTP {posted.status_code}"
    event_id = posted.json()["event_id"]
    answer = await http.get(f"/gradio_api/call/{name}/{event_id}")
    text = answer.text
    kinds = re.findall(r"^event: (\w+)", text, re.M)
    payloads = re.findall(r"^data: (.*)$", text, re.M)
    if kinds and kinds[-1] == "complete":
        return True, json.loads(payloads[-1])[0]
    return False, (payloads[-1] if payloads else text)[:200]


class User:
    def __init__(self, name: str, password: str, artifacts: list[str], seed: int) -> None:
        self.name, self.password = name, password
        self.rng = random.Random(seed)
        self.unreported = artifacts[:]
        self.rng.shuffle(self.unreported)

    def operation(self, mix: str) -> tuple[str, str, list]:
        """(label, endpoint, data) of the next call."""
        if mix == "noop":
            return "noop", "noop", ["ping"]
        roll = self.rng.random() if mix == "mixed" else 1.0
        if roll < 0.45:
            category = self.rng.choice(list(CATEGORY_BY_SLUG))
            page = self.rng.randint(1, 2)
            return "browse", "search", ["", [], [category], "", "", self.rng.choice(SORTS), page]
        if roll < 0.85:
            query = self.rng.choice(QUERIES)
            return "search", "search", [query, [], [], "", "", "trending", 1]
        if not self.unreported:  # every artifact reported once: further reports add to them
            self.unreported = [self.rng.choice(ARTIFACTS)]
        artifact = self.unreported.pop()
        context = f"Load test: {self.name} reports {artifact}."
        return "report", "report", [artifact, "spam", context]


ARTIFACTS: list[str] = []


async def run_phase(
    name: str,
    url: str,
    users: list[User],
    mix: str,
    duration: float,
    pid: int,
    *,
    keep_session: bool = False,
    rate: float | None = None,
) -> Phase:
    phase = Phase(name)
    sessions = []
    for user in users:
        # Idle connections are dropped by the client before uvicorn's 5 s keep-alive
        # timeout closes them, so a request never races a server-side close.
        limits = httpx.Limits(max_connections=4, keepalive_expiry=1.0)
        http = httpx.AsyncClient(base_url=url, timeout=120, limits=limits)
        signed_in = await http.post(
            "/login", data={"username": user.name, "password": user.password}
        )
        if signed_in.status_code != 200:
            raise SystemExit(f"{name}: cannot sign in as {user.name}: {signed_in.text}")
        sessions.append(http)
    stop = time.monotonic() + duration

    async def loop(user: User, http: httpx.AsyncClient) -> None:
        session = f"bench-{user.name}-{mix}" if keep_session else None
        if rate:  # arrivals spread out from the start, not 100 calls at once
            await asyncio.sleep(user.rng.uniform(0, len(users) / rate))
        while time.monotonic() < stop:
            label, endpoint, data = user.operation(mix)
            started = time.perf_counter()
            try:
                ok, result = await call(http, endpoint, data, session)
            except httpx.HTTPError as exc:
                ok, result = False, type(exc).__name__
            elapsed = time.perf_counter() - started
            if ok:
                phase.latencies[label].append(elapsed)
                if label == "report":
                    phase.report_ids[str(result)] = (user.name, data[0])
            else:
                phase.errors[f"{label}: {result}"] += 1
            if rate:  # think time: all users together offer `rate` calls per second
                think = user.rng.expovariate(rate / len(users))
                await asyncio.sleep(max(0.0, min(think, stop - time.monotonic())))

    cpu_before = cpu_seconds(pid)
    started = time.monotonic()
    await asyncio.gather(*(loop(u, h) for u, h in zip(users, sessions, strict=True)))
    phase.seconds = time.monotonic() - started
    phase.server_cpu = cpu_seconds(pid) - cpu_before
    for http in sessions:
        await http.aclose()
    return phase


def merged(rounds: list[Phase]) -> Phase:
    """The rounds of one phase as one: calls, seconds and server CPU added up."""
    total = Phase(rounds[0].name)
    for part in rounds:
        total.seconds += part.seconds
        total.server_cpu += part.server_cpu
        total.errors.update(part.errors)
        total.report_ids.update(part.report_ids)
        for op, values in part.latencies.items():
            total.latencies[op].extend(values)
    return total


def start_baseline(workdir: Path, accounts_file: Path) -> tuple[subprocess.Popen, str]:
    script = workdir / "noop_app.py"
    script.write_text(BASELINE_APP)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADIO_")}
    env.update(
        {
            "BENCH_PORT": str(port),
            "BENCH_ACCOUNTS": str(accounts_file),
            "GRADIO_ANALYTICS_ENABLED": "False",
            # the app's queue settings (safeguards/ui/serving.py configure_queue)
            "GRADIO_ANALYTICS_CACHE_FREQUENCY": str(ANALYTICS_EVERY),
        }
    )
    log = (workdir / "noop_app.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the no-op app exited: {(workdir / 'noop_app.log').read_text()}")
        try:
            if httpx.get(f"{url}/gradio_api/info", timeout=2).status_code in (200, 401):
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    process.kill()
    raise SystemExit("the no-op app did not start")


def print_phase(phase: Phase) -> None:
    s = phase.summary()
    print(
        f"{s['phase']:<9} {s['calls']:>6} calls in {s['seconds']:>5.1f} s  "
        f"{s['throughput_per_s']:>7.1f}/s  p50 {s['p50_ms']:>7.1f} ms  "
        f"p95 {s['p95_ms']:>7.1f} ms  errors {s['errors']}  "
        f"server CPU {s['server_cpu_ms_per_call']:.2f} ms/call"
    )
    for op, o in s["ops"].items():
        print(
            f"  {op:<7} {o['calls']:>6} calls  {o['throughput_per_s']:>7.1f}/s  "
            f"p50 {o['p50_ms']:>7.1f} ms  p95 {o['p95_ms']:>7.1f} ms"
        )
    for kind, count in s["error_kinds"].items():
        print(f"  error x{count}: {kind}")


def check_reports(state_dir: Path, phases: list[Phase]) -> tuple[int, list[str]]:
    """Every report id a client was given is filed exactly once, by that user, on that
    artifact (an extension of an open report returns the first report's id)."""
    events = read_events(state_dir)
    filed = Counter(e.payload["report_id"] for e in events if e.type == "report.filed")
    by_id = {e.payload["report_id"]: e for e in events if e.type == "report.filed"}
    problems = []
    returned = {k: v for p in phases for k, v in p.report_ids.items()}
    for report_id, (user, artifact) in returned.items():
        if filed[report_id] != 1:
            problems.append(f"{report_id}: filed {filed[report_id]} times")
        elif (by_id[report_id].actor, by_id[report_id].payload["artifact_id"]) != (
            user,
            artifact,
        ):
            problems.append(f"{report_id}: filed by someone else or on another artifact")
    return len(returned), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--short", action="store_true", help="20 users, 5 s per phase (CI)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternated report / no-op saturated rounds"
    )
    parser.add_argument(
        "--rate", type=float, default=20.0, help="calls per second offered in the paced phases"
    )
    parser.add_argument(
        "--no-session-phase",
        dest="session_phase",
        action="store_false",
        help="skip the 4th phase (reports from clients that keep one session_hash)",
    )
    args = parser.parse_args(argv)
    if args.short:
        args.users, args.duration, args.rate, args.rounds = 20, 5.0, 10.0, 1

    ARTIFACTS.extend(str(i) for i in load_catalog(DEMO_CATALOG).frame["id"])
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    accounts = {f"bench-{n:03d}": f"pass-{n:03d}" for n in range(args.users)}
    accounts_file = workdir / "accounts.txt"
    accounts_file.write_text("".join(f"{u}:{p}\n" for u, p in accounts.items()))
    print(
        f"{args.users} users, {args.duration:g} s per phase, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; work folder {workdir}",
        flush=True,
    )
    app = start_app(
        workdir / "app",
        accounts=accounts,
        extra_env={
            "SAFEGUARDS_REPORTS_PER_HOUR": "1000000",
            "SAFEGUARDS_COMMENTS_PER_HOUR": "1000000",
        },
    )
    baseline, baseline_url = start_baseline(workdir, accounts_file)
    client_cpu = resource.getrusage(resource.RUSAGE_SELF)
    try:

        def users(seed: int) -> list[User]:
            return [
                User(name, password, ARTIFACTS, seed * 1000 + n)
                for n, (name, password) in enumerate(accounts.items())
            ]

        mixed = asyncio.run(
            run_phase("mixed", app.url, users(1), "mixed", args.duration, app.process.pid)
        )
        reports, noops = [], []
        for round_ in range(args.rounds):  # alternated, so drift in the machine's load
            seed = 10 * round_  # affects both sides alike
            reports.append(
                asyncio.run(
                    run_phase(
                        "report",
                        app.url,
                        users(2 + seed),
                        "report",
                        args.duration,
                        app.process.pid,
                    )
                )
            )
            noops.append(
                asyncio.run(
                    run_phase(
                        "no-op",
                        baseline_url,
                        users(3 + seed),
                        "noop",
                        args.duration,
                        baseline.pid,
                    )
                )
            )
        phases = [mixed, merged(reports), merged(noops)]
        if args.session_phase:  # the cause, measured: one Gradio session per user
            phases.append(
                asyncio.run(
                    run_phase(
                        "report+s",
                        app.url,
                        users(4),
                        "report",
                        args.duration,
                        app.process.pid,
                        keep_session=True,
                    )
                )
            )
        phases.append(
            asyncio.run(
                run_phase(
                    "report~",
                    app.url,
                    users(5),
                    "report",
                    args.duration,
                    app.process.pid,
                    rate=args.rate,
                )
            )
        )
        phases.append(
            asyncio.run(
                run_phase(
                    "no-op~",
                    baseline_url,
                    users(6),
                    "noop",
                    args.duration,
                    baseline.pid,
                    rate=args.rate,
                )
            )
        )
    finally:
        app.stop()
        baseline.terminate()
        baseline.wait(timeout=15)
    used = resource.getrusage(resource.RUSAGE_SELF)
    client = used.ru_utime + used.ru_stime - client_cpu.ru_utime - client_cpu.ru_stime

    print()
    for phase in phases:
        print_phase(phase)
    mixed, report, noop = phases[:3]
    ratio = report.throughput() / noop.throughput() if noop.throughput() else 0.0
    mixed_ratio = mixed.throughput() / noop.throughput() if noop.throughput() else 0.0
    returned, problems = check_reports(app.state_dir, phases)
    paced, paced_noop = phases[-2:]
    report_p95 = percentile(paced.latencies["report"], 95)
    errors = sum(sum(p.errors.values()) for p in phases)
    print()
    print(f"report / no-op throughput: {ratio:.2f}   (mixed / no-op: {mixed_ratio:.2f})")
    if args.session_phase:
        kept = phases[3].throughput() / noop.throughput() if noop.throughput() else 0.0
        print(f"report with a kept session_hash / no-op: {kept:.2f}")
    noop_p95 = percentile(paced_noop.latencies["noop"], 95)
    print(
        f"paced at {args.rate:g} calls/s: report p95 {report_p95 * 1000:.0f} ms, "
        f"no-op p95 {noop_p95 * 1000:.0f} ms"
    )
    print(f"load generator CPU: {client:.1f} s over {sum(p.seconds for p in phases):.0f} s")
    print(f"reports returned: {returned}; each filed once: {'yes' if not problems else 'NO'}")
    for problem in problems[:10]:
        print(f"  {problem}")
    met = ratio >= TARGET_RATIO and report_p95 < TARGET_P95 and errors == 0 and not problems
    print(
        f"target (report >= {TARGET_RATIO:.0%} of no-op, paced p95 < "
        f"{TARGET_P95 * 1000:.0f} ms, "
        f"no errors, nothing lost): {'met' if met else 'MISSED'}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "users": args.users,
                    "duration": args.duration,
                    "cpus": os.cpu_count(),
                    "phases": [p.summary() for p in phases],
                    "ratio_report_to_noop": round(ratio, 3),
                    "ratio_mixed_to_noop": round(mixed_ratio, 3),
                    "rate": args.rate,
                    "paced_report_p95_ms": round(report_p95 * 1000, 1),
                    "paced_noop_p95_ms": round(noop_p95 * 1000, 1),
                    "errors": errors,
                    "reports_returned": returned,
                    "report_problems": problems,
                    "client_cpu_s": round(client, 1),
                    "target_met": met,
                },
                indent=2,
            )
        )
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
