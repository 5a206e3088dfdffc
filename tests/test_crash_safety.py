"""Crash safety: 50 concurrent clients file reports over the REST API while the server
is killed with SIGKILL at random moments, 10 times, and restarted on the same state
folder each time. Every report whose id a client was given must be in the log exactly
once afterwards, and the log must fold without error.

Restarts are real: after each kill a new process runs app.py's `main()` from the start
(settings, the fold of the log the killed one left, the UI, launch) and serves on a
fresh port. To keep the test short, those processes are forked from a zygote that has
imported gradio and the app's modules once (it has no app state and no threads); each
restart then costs the app's own start-up, not the seconds of importing gradio.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from apprunner import REPO, free_port

from safeguards.catalog import DEMO_CATALOG, load_catalog
from safeguards.config import Settings
from safeguards.eventlog import list_files, read_events
from safeguards.service import Safeguards

pytestmark = pytest.mark.slow

CLIENTS = 50
KILLS = 10
STARTUP_KILLS = (3, 7)  # these generations are killed before they serve
# A zygote: imports the app's modules once, then forks one server per line it reads
# ("<port> <log path>"): each child is a new process that runs app.py's main() from the
# start (settings, the log fold, the UI, launch). Forking a process that has only its
# main thread is safe, and it spares each restart the seconds of importing gradio.
ZYGOTE = """
import os, runpy, signal, sys
sys.path.insert(0, {repo!r})
import gradio, safeguards.bootstrap, safeguards.service, safeguards.ui
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped when they die
print("ready", flush=True)
for line in sys.stdin:
    port, log = line.split(maxsplit=1)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        fd = os.open(log.strip(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.environ["GRADIO_SERVER_PORT"] = port
        sys.argv = [{app!r}]
        try:
            runpy.run_path({app!r}, run_name="__main__")
        finally:
            os._exit(0)
    print(pid, flush=True)
"""


def artifact_ids() -> list[str]:
    catalog = load_catalog(DEMO_CATALOG)
    return [str(i) for i in catalog.frame["id"]]


@dataclass
class Server:
    pid: int
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)
        deadline = time.monotonic() + 15
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.alive(), f"server {self.pid} survived signal {sig}"


class Zygote:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        code = ZYGOTE.format(repo=str(REPO), app=str(REPO / "app.py"))
        self.errors = (workdir / "zygote.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready", workdir / "zygote.log"

    def start(self, generation: int) -> Server:
        port, log = free_port(), self.workdir / f"server-{generation:02d}.log"
        self.process.stdin.write(f"{port} {log}\n")
        self.process.stdin.flush()
        return Server(int(self.process.stdout.readline()), port, log)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=15)
        self.errors.close()


async def until_serving(server: Server, http: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(server.log.read_text(errors="replace"))
        with contextlib.suppress(httpx.HTTPError):
            answer = await http.get(f"{server.url}/gradio_api/info", timeout=2)
            if answer.status_code in (200, 401):
                return
        await asyncio.sleep(0.05)
    raise RuntimeError("the restarted server did not answer within 60 s")


@dataclass
class Run:
    """What the clients were told, and what happened around the kills."""

    url: str = ""
    generation: int = -1
    serving: asyncio.Event = field(default_factory=asyncio.Event)
    answering: asyncio.Event = field(default_factory=asyncio.Event)  # an id came back
    done: bool = False
    returned: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (user, artifact)
    returned_by_generation: Counter = field(default_factory=Counter)
    lost_in_flight: int = 0  # calls cut by a kill: no id returned (they may be saved or not)
    errors: list[str] = field(default_factory=list)  # refusals: must not happen
    cut: list[str] = field(default_factory=list)  # why calls were cut (for the report)
    kills: int = 0


async def client(run: Run, user: str, password: str, artifacts: list[str]) -> None:
    """File reports one after another, each on an artifact this user never reported, as
    long as the run lasts; sign in again after every restart."""
    queue = artifacts[:]
    random.shuffle(queue)
    signed_in_for, session = -2, ""
    async with httpx.AsyncClient(timeout=30) as http:
        while not run.done and queue:
            await run.serving.wait()
            if run.done:
                return
            generation, url = run.generation, run.url
            try:
                if signed_in_for != generation:
                    http.cookies.clear()
                    login = await http.post(
                        f"{url}/login", data={"username": user, "password": password}
                    )
                    if login.status_code != 200:
                        raise httpx.HTTPError(f"login {login.status_code}")
                    signed_in_for = generation
                    session = f"crash-{user}-{generation}"
                artifact = queue.pop()
                context = f"Crash-test report by {user} on {artifact}."
                # One Gradio session per client and server, as gradio_client keeps one
                # (a new session per call costs the server ~3x the CPU).
                body = {"data": [artifact, "spam", context], "session_hash": session}
                posted = await http.post(f"{url}/gradio_api/call/report", json=body)
                posted.raise_for_status()
                event_id = posted.json()["event_id"]
                answer = await http.get(f"{url}/gradio_api/call/report/{event_id}")
                text = answer.text
            except (httpx.HTTPError, OSError, ValueError) as exc:
                run.cut.append(repr(exc)[:200])
                run.lost_in_flight += 1
                await asyncio.sleep(0.05)
                continue
            kinds = re.findall(r"^event: (\w+)", text, re.M)
            if kinds and kinds[-1] == "complete":
                report_id = json.loads(re.findall(r"^data: (.*)$", text, re.M)[-1])[0]
                assert report_id not in run.returned, report_id
                run.returned[report_id] = (user, artifact)
                run.returned_by_generation[generation] += 1
                if generation == run.generation:
                    run.answering.set()
            elif "event: error" in text:  # a refusal or an internal error: must not happen
                run.errors.append(text[:300])
            else:  # the stream was cut by the kill
                run.lost_in_flight += 1


async def chaos(zygote: Zygote, run: Run, seed: int) -> None:
    """Start, serve under load, SIGKILL at a random moment; ten times; then a last start."""
    rng = random.Random(seed)
    async with httpx.AsyncClient() as http:
        for generation in range(KILLS + 1):
            server = zygote.start(generation)
            if generation in STARTUP_KILLS:  # killed while starting (folding the log)
                await asyncio.sleep(rng.uniform(0.05, 0.6))
            else:
                await until_serving(server, http)
                run.answering.clear()
                run.url, run.generation = server.url, generation
                run.serving.set()
                if generation == KILLS:
                    break
                # Under load: once reports are being answered, a random moment later.
                await asyncio.wait_for(run.answering.wait(), timeout=30)
                await asyncio.sleep(rng.uniform(0.05, 2.0))
            run.serving.clear()
            server.kill(signal.SIGKILL)
            run.kills += 1
        # The last server keeps serving briefly, then the clients stop.
        await asyncio.sleep(2.0)
        run.done = True
        run.serving.set()
        check = await http.get(f"{server.url}/gradio_api/info")
        assert check.status_code in (200, 401)
    server.kill(signal.SIGTERM)


async def scenario(zygote: Zygote, accounts: dict[str, str]) -> Run:
    run = Run()
    artifacts = artifact_ids()
    clients = [
        asyncio.create_task(client(run, user, password, artifacts))
        for user, password in accounts.items()
    ]
    try:
        await chaos(zygote, run, seed=int.from_bytes(os.urandom(4), "big"))
    finally:
        run.done = True
        run.serving.set()
        await asyncio.wait_for(asyncio.gather(*clients, return_exceptions=True), timeout=60)
    for task in clients:
        if task.exception() is not None:
            raise task.exception()
    return run


def test_reports_survive_sigkill(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    accounts = {f"crash-{n:02d}": f"pass-{n:02d}" for n in range(CLIENTS)}
    accounts_file = tmp_path / "accounts.txt"
    accounts_file.write_text("".join(f"{u}:{p}\n" for u, p in accounts.items()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEGUARDS_", "GRADIO_"))}
    env.update(
        {
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "PYTHONUNBUFFERED": "1",
            "SAFEGUARDS_STATE_DIR": str(state_dir),
            "SAFEGUARDS_ACCOUNTS": str(accounts_file),
            "SAFEGUARDS_REPORTS_PER_HOUR": "1000000",
        }
    )
    started = time.monotonic()
    zygote = Zygote(tmp_path, env)
    try:
        run = asyncio.run(scenario(zygote, accounts))
    finally:
        zygote.close()
    took = time.monotonic() - started

    assert run.kills == KILLS
    assert run.errors == [], run.errors[:5]
    # Load was on during the kills: every generation not killed in its start-up returned
    # ids before its kill.
    served = [g for g in range(KILLS) if run.returned_by_generation[g]]
    assert served == [g for g in range(KILLS) if g not in STARTUP_KILLS], run.returned_by_generation
    assert len(run.returned) >= 100, len(run.returned)

    events = read_events(state_dir)  # a torn last line is skipped with a warning
    filed = Counter(e.payload["report_id"] for e in events if e.type == "report.filed")
    by_id = {e.payload["report_id"]: e for e in events if e.type == "report.filed"}
    missing = [r for r in run.returned if filed[r] == 0]
    doubled = [r for r in run.returned if filed[r] > 1]
    assert missing == [], f"{len(missing)} acknowledged reports lost: {missing[:5]}"
    assert doubled == [], doubled[:5]
    assert all(n == 1 for n in filed.values())  # unacknowledged ones are in once or not at all
    for report_id, (user, artifact) in run.returned.items():
        event = by_id[report_id]
        assert (event.actor, event.payload["artifact_id"]) == (user, artifact)
    assert len({e.id for e in events}) == len(events)

    service = Safeguards.open(Settings(state_dir=state_dir, demo=False))
    assert set(run.returned) <= set(service.state.reports)
    assert service.state.skipped == 0
    torn = sum(
        1
        for path in list_files(state_dir)
        if (data := path.read_bytes()) and not data.endswith(b"\n")
    )
    print(
        f"\ncrash safety: {run.kills} SIGKILLs survived in {took:.0f} s; "
        f"{len(run.returned)} report ids returned, all present once among "
        f"{len(filed)} filed ({sum(filed.values()) - len(run.returned)} saved but cut off "
        f"before the answer); {run.lost_in_flight} calls cut by kills; "
        f"{len(events)} events checked in {len(list_files(state_dir))} files, {torn} torn"
    )
