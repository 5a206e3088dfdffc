"""HubSync against tests/hub_server.py: the real `huggingface_hub` client does every call.

Each test uses its own repo on a shared server; the outage test gets a server of its own,
because it kills and restarts it. Intervals and back-offs are short so the file runs fast.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hub_server import HubServerProcess

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # effective only if imported first
hf = pytest.importorskip("huggingface_hub")
from huggingface_hub import DatasetCard, HfApi  # noqa: E402

from safeguards.eventlog import Event, EventLog, read_events  # noqa: E402
from safeguards.hubsync import HubSync, HubSyncError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "hf_sync_secret_token_1"
WRONG = "hf_wrong_secret_token_9"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServerProcess]:
    with HubServerProcess(tmp_path_factory.mktemp("hub"), tokens=f"alice:{TOKEN}") as srv:
        yield srv


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hf.constants, "HF_HUB_DISABLE_TELEMETRY", True)


@pytest.fixture
def syncs() -> Iterator[list[HubSync]]:
    """Every HubSync a test makes is stopped at the end, even when the test fails."""
    made: list[HubSync] = []
    yield made
    for sync in made:
        sync.stop(timeout=2)


@pytest.fixture
def make_sync(hub: HubServerProcess, syncs: list[HubSync]) -> Callable[..., HubSync]:
    def make(state: Path, repo: str, srv: HubServerProcess | None = None, **kw: object) -> HubSync:
        options: dict = {
            "token": TOKEN,
            "endpoint": (srv or hub).endpoint,
            "every_seconds": 0.2,
            "backoff_initial": 0.1,
            "backoff_max": 0.5,
            "request_timeout": 3,
            **kw,
        }
        sync = HubSync(state, repo, **options)
        syncs.append(sync)
        return sync

    return make


def write_events(log: EventLog, count: int, tag: str, pause: float = 0.0) -> list[Event]:
    """A mix of event types, so payloads differ in shape as in the real log."""
    events = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            payload = {"report_id": f"R-{tag}{i}", "reason": "harassment", "context": f"ctx {i}"}
            event = log.make_event("report.filed", f"user{i % 7}", payload)
        elif kind == 1:
            event = log.make_event("comment.added", None, {"discussion_id": "D-1", "text": "ü ✓"})
        else:
            payload = {"artifact_id": "org/m", "action": "gate", "note": tag, "n": i}
            event = log.make_event("moderation.action", "mod", payload)
        log.append(event)
        events.append(event)
        if pause:
            time.sleep(pause)
    return events


def remote_events(srv: HubServerProcess, repo: str, folder: Path) -> list[Event]:
    """What a fresh replica restores from the Hub."""
    HubSync(folder, repo, token=TOKEN, endpoint=srv.endpoint, request_timeout=3).restore()
    return read_events(folder)


def wait_for(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def commits(srv: HubServerProcess, repo: str) -> int:
    return srv.stats()["commits"].get(f"datasets/{repo}", 0)


def test_push_restore_round_trip_and_card(
    hub: HubServerProcess, make_sync: Callable[..., HubSync], tmp_path: Path
) -> None:
    state = tmp_path / "a"
    log = EventLog(state)
    written = write_events(log, 60, "rt")
    sync = make_sync(state, "alice/roundtrip")
    result = sync.restore()  # the repo is created lazily, here
    assert result.repo_created and result.downloaded == () and len(result.kept_local) == 1
    assert sync.status().pending_bytes == (state / result.kept_local[0]).stat().st_size
    sync.start()
    assert sync.flush(10)
    status = sync.status()
    assert status.pending_files == 0 and status.commits == 1 and status.last_error is None
    assert status.running and status.last_push is not None

    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    info = api.dataset_info("alice/roundtrip")
    assert info.private
    assert {s.rfilename for s in info.siblings} == {
        ".gitattributes",
        "README.md",
        log.current_path.name,
    }

    fresh = tmp_path / "fresh"
    restored = HubSync(fresh, "alice/roundtrip", token=TOKEN, endpoint=hub.endpoint).restore()
    assert not restored.repo_created and restored.downloaded == (log.current_path.name,)
    assert read_events(fresh) == read_events(state) == sorted(written, key=lambda e: e.sort_key)
    assert not list((fresh / ".hubsync").glob("events-*"))  # staged files were moved in

    # The dataset card: front matter with a config for `datasets`, and the field list.
    snap = Path(
        hf.snapshot_download(
            "alice/roundtrip",
            repo_type="dataset",
            endpoint=hub.endpoint,
            token=TOKEN,
            local_dir=tmp_path / "snap",
        )
    )
    card = DatasetCard((snap / "README.md").read_text())
    assert card.data.configs[0]["data_files"][0]["path"] == "events-*.jsonl"
    for name in ("`id`", "`ts`", "`actor`", "`type`", "`payload`"):
        assert name in card.text
    code = """
        import json, sys, datasets
        ds = datasets.load_dataset(sys.argv[1], split="train", cache_dir=sys.argv[2])
        print(json.dumps({"ids": list(ds["id"]), "first": ds[0], "features": sorted(ds.features)}))
    """
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(snap), str(tmp_path / "dscache")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(loaded["ids"]) == sorted(e.id for e in written)
    assert loaded["features"] == ["actor", "id", "payload", "ts", "type"]
    first = next(e for e in written if e.id == loaded["first"]["id"])
    assert loaded["first"]["payload"] == first.payload


def test_local_file_longer_than_remote_is_kept_and_pushed(
    hub: HubServerProcess, make_sync: Callable[..., HubSync], tmp_path: Path
) -> None:
    state = tmp_path / "a"
    log = EventLog(state)
    write_events(log, 10, "k")
    first = make_sync(state, "alice/keep")
    first.restore()
    assert first.flush(10)
    first.stop(2)
    write_events(log, 5, "k2")  # written after the push: a restart must not lose them
    path = log.current_path
    before = path.read_bytes()
    # A torn last line (a crash mid-write) is never pushed; the complete lines are.
    with path.open("ab") as handle:
        handle.write(b'{"id": "torn"')
    again = make_sync(state, "alice/keep")
    result = again.restore()
    assert result.kept_local == (path.name,) and result.downloaded == ()
    assert path.read_bytes() == before + b'{"id": "torn"'
    assert again.flush(10)
    remote = remote_events(hub, "alice/keep", tmp_path / "fresh")
    assert len(remote) == 15 and [e.id for e in remote] == [e.id for e in read_events(state)]
    remote_file = (tmp_path / "fresh" / path.name).read_bytes()
    assert remote_file == before


def test_two_replicas_converge(make_sync: Callable[..., HubSync], tmp_path: Path) -> None:
    calls = {"a": 0, "b": 0}

    def bump(name: str) -> Callable[[], None]:
        return lambda: calls.__setitem__(name, calls[name] + 1)

    logs, syncs = {}, {}
    for name in ("a", "b"):
        logs[name] = EventLog(tmp_path / name)
        syncs[name] = make_sync(tmp_path / name, "alice/replicas", on_new_remote_events=bump(name))
        syncs[name].restore()
        syncs[name].start()
    written = write_events(logs["a"], 30, "a") + write_events(logs["b"], 40, "b")
    write_events(logs["a"], 5, "a2")  # keeps growing a file the other replica already pulled
    union = {e.id for e in read_events(tmp_path / "a")} | {
        e.id for e in read_events(tmp_path / "b")
    }
    assert len(union) == 75 and {e.id for e in written} <= union

    def converged() -> bool:
        return all({e.id for e in read_events(tmp_path / n)} == union for n in ("a", "b"))

    wait_for(converged)
    assert read_events(tmp_path / "a") == read_events(tmp_path / "b")
    # Each is told to re-fold once its pull has landed the files (so just after they converge).
    wait_for(lambda: calls["a"] >= 1 and calls["b"] >= 1)


def test_outage_kill_500_401_loses_nothing(
    make_sync: Callable[..., HubSync], tmp_path: Path
) -> None:
    srv = HubServerProcess(tmp_path / "hub", tokens=f"alice:{TOKEN}").start()
    try:
        state = tmp_path / "a"
        log = EventLog(state)
        write_events(log, 10, "before")
        sync = make_sync(state, "alice/outage", srv)
        sync.restore()
        sync.start()
        assert sync.flush(10)

        def failing(text: str) -> Callable[[], bool]:
            def check() -> bool:
                status = sync.status()
                return status.consecutive_failures >= 2 and text in (status.last_error or "")

            return check

        def recovered() -> bool:
            status = sync.status()
            return status.consecutive_failures == 0 and status.pending_bytes == 0

        # 1. The Hub goes away (SIGKILL), then comes back on the same port and data.
        srv.kill()
        write_events(log, 10, "down")
        wait_for(failing("cannot be reached"))
        status = sync.status()
        assert status.pending_files == 1 and status.pending_bytes > 0
        assert status.last_error_at is not None and status.next_attempt_in is not None
        srv.restart()
        wait_for(recovered)

        # 2. The Hub answers 500 to everything for a while.
        srv.control("500")
        write_events(log, 10, "five-hundred")
        wait_for(failing("500"))
        assert sync.status().pending_bytes > 0
        srv.control("ok")
        wait_for(recovered)

        # 3. Rate limited everywhere, then only the commit POST fails (the listing works).
        srv.control("429")
        write_events(log, 5, "rate-limited")
        wait_for(failing("429"))
        srv.control("500", count=3, path="/commit/")
        wait_for(failing("500"))
        wait_for(recovered)
        assert srv.stats()["faults"] >= 3

        # 4. The token is refused for a while (e.g. rotated), then accepted again.
        srv.control("401")
        write_events(log, 10, "refused")
        wait_for(failing("401"))
        error = sync.status().last_error or ""
        assert "token was refused" in error and TOKEN not in error
        srv.control("ok")
        wait_for(recovered)
        assert sync.status().last_error is not None  # the last error stays visible

        remote = remote_events(srv, "alice/outage", tmp_path / "fresh")
        assert len(remote) == 45 and remote == read_events(state)
    finally:
        srv.kill()


def test_sigterm_pushes_pending_events(hub: HubServerProcess, tmp_path: Path) -> None:
    state = tmp_path / "a"
    code = """
        import sys, time
        from pathlib import Path
        from safeguards.eventlog import EventLog
        from safeguards.hubsync import HubSync, install_sigterm_handler

        state, repo, endpoint, token = sys.argv[1:5]
        sync = HubSync(Path(state), repo, token=token, endpoint=endpoint, every_seconds=3600)
        sync.restore()
        sync.start()
        assert sync.flush(10)  # the start-up sync is done: the next one is an hour away
        log = EventLog(state)
        for i in range(200):
            log.append(log.make_event("comment.added", "u", {"discussion_id": "D", "text": str(i)}))
        install_sigterm_handler(sync, timeout=20)
        print("READY", sync.status().pending_bytes, flush=True)
        while True:
            time.sleep(0.1)
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1"}
    env["HF_HUB_DISABLE_XET"] = "1"
    args = [state, "alice/sigterm", hub.endpoint, TOKEN]
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY"), proc.stderr.read() if proc.stderr else ""
        assert int(line.split()[1]) > 0  # events pending when the signal comes
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
    finally:
        proc.kill()
    assert rc == -signal.SIGTERM  # it still ends as a SIGTERM'd process does
    assert len(remote_events(hub, "alice/sigterm", tmp_path / "fresh")) == 200
    assert commits(hub, "alice/sigterm") == 3  # created, start-up card, the SIGTERM flush


def test_wrong_token_and_unreachable_hub_fail_clearly(
    hub: HubServerProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the client's debug lines too
    sync = HubSync(tmp_path / "a", "alice/guarded", token=WRONG, endpoint=hub.endpoint)
    with pytest.raises(HubSyncError) as err:
        sync.restore()
    message = str(err.value)
    assert message.startswith("Hub dataset alice/guarded: the token was refused (401)")
    assert WRONG not in message and WRONG not in repr(err.value)
    assert err.value.__cause__ is None and err.value.__context__ is None  # no response kept
    assert sync.status().last_error == message and sync.status().consecutive_failures == 1
    assert message in caplog.text and WRONG not in caplog.text

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = HubSync(tmp_path / "b", "alice/x", token=TOKEN, endpoint=f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(HubSyncError, match="cannot be reached"):
        down.restore()
    assert time.monotonic() - started < 5  # no 20-s retry loop at start-up
    # Nothing touched the network before restore(): constructing is free.
    HubSync(tmp_path / "c", "alice/y", token=TOKEN, endpoint=f"http://127.0.0.1:{port}")


def test_flood_makes_few_commits(
    hub: HubServerProcess, make_sync: Callable[..., HubSync], tmp_path: Path
) -> None:
    state = tmp_path / "a"
    log = EventLog(state)
    sync = make_sync(state, "alice/flood", every_seconds=0.5)
    sync.restore()
    sync.start()
    started = time.monotonic()
    written = write_events(log, 1000, "flood", pause=0.002)
    elapsed = time.monotonic() - started
    assert sync.flush(10)
    made = commits(hub, "alice/flood")
    assert made <= 20, made  # one per tick at most, never one per event
    assert sync.status().commits == made - 1  # all but the repo's initial commit
    remote = remote_events(hub, "alice/flood", tmp_path / "fresh")
    assert {e.id for e in remote} == {e.id for e in written}
    print(f"flood: 1000 events in {elapsed:.1f}s -> {made - 1} commits")


def test_large_backlog_is_split_into_bounded_commits(
    hub: HubServerProcess, make_sync: Callable[..., HubSync], tmp_path: Path
) -> None:
    state = tmp_path / "a"
    log = EventLog(state, max_file_bytes=4000)  # rotates into many small files
    written = write_events(log, 120, "big")
    files = list(state.glob("events-*.jsonl"))
    sync = make_sync(state, "alice/backlog", max_commit_bytes=10_000)
    sync.restore()
    assert sync.flush(10)
    total = sum(p.stat().st_size for p in files)
    assert len(files) > 3 and 1 < sync.status().commits <= total // 10_000 + 1
    remote = remote_events(hub, "alice/backlog", tmp_path / "fresh")
    assert {e.id for e in remote} == {e.id for e in written}


def test_own_file_cut_back_is_never_replaced_by_a_download(
    hub: HubServerProcess, make_sync: Callable[..., HubSync], tmp_path: Path
) -> None:
    """EventLog cuts a file back after a failed write; the Hub copy must follow, not win."""
    state = tmp_path / "a"
    log = EventLog(state)
    write_events(log, 10, "ok")
    sync = make_sync(state, "alice/cutback")
    sync.restore()
    assert sync.flush(10)
    path = log.current_path
    inode = path.stat().st_ino
    lines = path.read_bytes().splitlines(keepends=True)
    os.truncate(path, sum(map(len, lines[:-2])))  # the last two events "failed"
    assert sync.flush(10)
    assert path.stat().st_ino == inode  # not swapped for the longer remote copy
    assert len(remote_events(hub, "alice/cutback", tmp_path / "r1")) == 8
    write_events(log, 3, "after")
    assert sync.flush(10)
    assert path.stat().st_ino == inode
    assert remote_events(hub, "alice/cutback", tmp_path / "r2") == read_events(state)
    assert len(read_events(state)) == 11
