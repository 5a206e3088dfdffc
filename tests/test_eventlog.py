"""The append-only event log: format, durability, rotation, corruption and concurrency.

Concurrency and crash safety are exercised for real: threads in this process, writer
processes side by side in one folder, and writer processes killed with SIGKILL mid-loop.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safeguards.eventlog import (
    Event,
    EventLog,
    LogCorruptError,
    LogError,
    list_files,
    read_events,
)

REPO = Path(__file__).resolve().parent.parent
TS_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")

# A writer process: appends events and prints each id only after append() returned.
WRITER_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from safeguards.eventlog import EventLog

    state_dir, worker = sys.argv[1], sys.argv[2]
    count, max_bytes = int(sys.argv[3]), int(sys.argv[4])
    log = EventLog(state_dir, max_file_bytes=max_bytes)
    print("ready", flush=True)
    for i in range(count):
        event = log.make_event("test.append", worker, {"worker": worker, "i": i, "pad": "x" * 40})
        log.append(event)
        print(event.id, flush=True)
    log.close()
    """
)


def raw_lines(state_dir: Path) -> list[bytes]:
    """Every complete line of every event file, as bytes."""
    lines: list[bytes] = []
    for path in list_files(state_dir):
        data = path.read_bytes()
        lines.extend(line for line in data.split(b"\n")[:-1] if line.strip())
    return lines


def raw_id_counts(state_dir: Path) -> Counter[str]:
    return Counter(json.loads(line)["id"] for line in raw_lines(state_dir))


@pytest.fixture
def writer_script(tmp_path: Path) -> Path:
    path = tmp_path / "writer.py"
    path.write_text(WRITER_SCRIPT, encoding="utf-8")
    return path


def start_writer(
    script: Path, state_dir: Path, worker: str, count: int, out: Path, max_bytes: int = 1 << 20
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with out.open("wb") as stdout:
        return subprocess.Popen(
            [sys.executable, str(script), str(state_dir), worker, str(count), str(max_bytes)],
            cwd=REPO,
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )


def acknowledged(out: Path) -> list[str]:
    """Ids the writer printed completely (a line cut by the kill does not count)."""
    text = out.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")[:-1]  # the last element has no newline yet: not acknowledged
    return [line for line in lines if re.fullmatch(r"[0-9a-f]{32}", line)]


# -- format -------------------------------------------------------------------------------


def test_append_read_round_trip_with_contract_fields(tmp_path: Path) -> None:
    log = EventLog(tmp_path)
    before = datetime.now(UTC)
    payload = {"text": 'naïve <b>html</b> 中文 "quoted"\nnew line', "n": [1, 2, {"k": None}]}
    first = log.make_event("report.filed", "alice", payload)
    second = log.make_event("preference.set", None, {})
    log.append(first)
    log.append(second)
    after = datetime.now(UTC)

    events = read_events(tmp_path)
    assert events == [first, second]
    lines = raw_lines(tmp_path)
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert set(record) == {"id", "ts", "actor", "type", "payload"}
    assert record["actor"] == "alice"
    assert record["type"] == "report.filed"
    assert record["payload"] == payload
    assert json.loads(lines[1])["actor"] is None
    for event in events:
        assert TS_PATTERN.match(event.ts), event.ts
        moment = datetime.fromisoformat(event.ts)
        assert moment.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=1) <= moment <= after + timedelta(seconds=1)
    assert first.id != second.id


def test_timestamps_strictly_increase_per_writer(tmp_path: Path) -> None:
    log = EventLog(tmp_path)
    stamps = [log.make_event("t", "a", {}).ts for _ in range(5000)]
    # Far more events than microseconds elapsed on a fast machine: ties must be broken.
    assert all(a < b for a, b in itertools.pairwise(stamps))
    assert len(set(stamps)) == len(stamps)


def test_each_writer_has_its_own_file(tmp_path: Path) -> None:
    one, two = EventLog(tmp_path), EventLog(tmp_path)
    assert one.writer_name != two.writer_name
    e1 = one.make_event("t", "a", {"w": 1})
    e2 = two.make_event("t", "b", {"w": 2})
    one.append(e1)
    two.append(e2)
    assert one.current_path is not None and two.current_path is not None
    assert one.current_path != two.current_path
    files = list_files(tmp_path)
    assert set(files) == {one.current_path, two.current_path}
    assert [e.id for e in read_events(tmp_path, [one.current_path])] == [e1.id]
    assert [e.id for e in read_events(tmp_path, [two.current_path])] == [e2.id]
    assert {e.id for e in read_events(tmp_path)} == {e1.id, e2.id}


def test_rotation_by_size(tmp_path: Path) -> None:
    log = EventLog(tmp_path, writer_name="rot", max_file_bytes=1000)
    written = []
    for i in range(60):
        event = log.make_event("t", "a", {"i": i, "pad": "y" * 60})
        log.append(event)
        written.append(event)
    files = list_files(tmp_path)
    assert len(files) >= 5
    assert all(p.stat().st_size <= 1000 for p in files)
    assert all(p.read_bytes().endswith(b"\n") for p in files)
    # Files are numbered in writing order and together hold every event once, in order.
    in_file_order = [e.id for p in files for e in read_events(tmp_path, [p])]
    assert in_file_order == [e.id for e in written]
    assert read_events(tmp_path) == written


def test_event_larger_than_rotation_limit_is_still_written(tmp_path: Path) -> None:
    log = EventLog(tmp_path, max_file_bytes=100)
    big = log.make_event("t", "a", {"pad": "z" * 500})
    small = log.make_event("t", "a", {})
    log.append(big)
    log.append(small)
    assert read_events(tmp_path) == [big, small]


# -- damaged files ----------------------------------------------------------------------


def test_torn_last_line_is_skipped_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = EventLog(tmp_path, writer_name="w")
    events = [log.make_event("t", "a", {"i": i}) for i in range(3)]
    for event in events:
        log.append(event)
    log.close()
    path = list_files(tmp_path)[0]
    torn = log.make_event("t", "a", {"i": 99}).to_json().encode()[:25]  # no newline
    with path.open("ab") as handle:
        handle.write(torn)

    with caplog.at_level(logging.WARNING, logger="safeguards.eventlog"):
        assert read_events(tmp_path) == events
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings, "a skipped torn line must be logged"
    assert str(path) in warnings[0].getMessage()
    assert ":4:" in warnings[0].getMessage()

    # A restarted writer with the same name never appends after the torn bytes.
    again = EventLog(tmp_path, writer_name="w")
    later = again.make_event("t", "a", {"i": 4})
    again.append(later)
    assert again.current_path != path
    assert path.read_bytes().endswith(torn)
    with caplog.at_level(logging.WARNING, logger="safeguards.eventlog"):
        assert read_events(tmp_path) == [*events, later]


def test_torn_line_that_is_valid_json_is_still_not_trusted(tmp_path: Path) -> None:
    log = EventLog(tmp_path)
    kept = log.make_event("t", "a", {})
    log.append(kept)
    log.close()
    assert log.current_path is not None
    unacknowledged = log.make_event("t", "a", {"late": True})
    with log.current_path.open("ab") as handle:
        handle.write(unacknowledged.to_json().encode())  # complete JSON, newline missing
    assert read_events(tmp_path) == [kept]


@pytest.mark.parametrize(
    "bad_line",
    [b"{not json", b'{"id": "x", "ts": "2024-01-01T00:00:00.000000Z"}', b"[1, 2]", b"\xff\xfe"],
    ids=["malformed", "missing-fields", "not-object", "not-utf8"],
)
def test_corrupt_middle_line_raises_and_leaves_file_unchanged(
    tmp_path: Path, bad_line: bytes
) -> None:
    log = EventLog(tmp_path, writer_name="c")
    for i in range(4):
        log.append(log.make_event("t", "a", {"i": i}))
    log.close()
    path = list_files(tmp_path)[0]
    lines = path.read_bytes().split(b"\n")
    lines[2] = bad_line  # the third line of four
    path.write_bytes(b"\n".join(lines))
    original = path.read_bytes()

    with pytest.raises(LogCorruptError) as caught:
        read_events(tmp_path)
    assert caught.value.path == path
    assert caught.value.line_number == 3
    assert f"{path}:3:" in str(caught.value)
    assert isinstance(caught.value, LogError)
    assert path.read_bytes() == original
    assert list_files(tmp_path) == [path]


def test_unusable_state_folder_gives_log_error_with_path(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    target = afile / "state"
    with pytest.raises(LogError) as caught:
        EventLog(target)
    assert str(target) in str(caught.value)
    with pytest.raises(LogError) as caught:
        EventLog(afile)  # the state folder path is a regular file
    assert str(afile) in str(caught.value)
    assert afile.read_text() == "not a folder"


def test_write_failure_raises_log_error_and_the_writer_recovers(tmp_path: Path) -> None:
    state = tmp_path / "state"
    log = EventLog(state, writer_name="f")
    shutil.rmtree(state)  # the folder disappears under the writer
    with pytest.raises(LogError) as caught:
        log.append(log.make_event("t", "a", {"lost": True}))
    assert str(state) in str(caught.value)
    state.mkdir()
    kept = log.make_event("t", "a", {"kept": True})
    log.append(kept)
    assert read_events(state) == [kept]


def test_duplicate_ids_across_files_are_read_once(tmp_path: Path) -> None:
    log = EventLog(tmp_path, writer_name="orig")
    events = [log.make_event("t", "a", {"i": i}) for i in range(5)]
    log.append_many(events)
    log.close()
    assert log.current_path is not None
    # A replica restored the same file under another name (e.g. from a Hub dataset).
    shutil.copy(log.current_path, tmp_path / "events-replica-00001.jsonl")
    other = EventLog(tmp_path, writer_name="other")
    extra = other.make_event("t", "b", {})
    other.append_many([extra, events[2]])  # and one event written twice by another writer
    got = read_events(tmp_path)
    assert [e.id for e in got] == [e.id for e in sorted([*events, extra], key=lambda e: e.ts)]
    assert len({e.id for e in got}) == len(got) == 6


def test_read_order_is_the_same_whatever_the_file_order(tmp_path: Path) -> None:
    writers = [EventLog(tmp_path, max_file_bytes=400) for _ in range(3)]
    rng = random.Random(7)
    for i in range(90):
        log = rng.choice(writers)
        log.append(log.make_event("t", log.writer_name, {"i": i}))
    files = list_files(tmp_path)
    assert len(files) > 3
    canonical = read_events(tmp_path)
    assert len(canonical) == 90
    assert [e.sort_key for e in canonical] == sorted(e.sort_key for e in canonical)
    for _ in range(10):
        shuffled = files[:]
        rng.shuffle(shuffled)
        assert read_events(tmp_path, shuffled) == canonical


def test_event_from_record_rejects_bad_records() -> None:
    good = {"id": "a", "ts": "2024-01-01T00:00:00.000000Z", "actor": None, "type": "t"}
    assert Event.from_record(good).payload == {}
    for broken in (
        {k: v for k, v in good.items() if k != "id"},
        {**good, "id": 5},
        {**good, "ts": 5},
        {**good, "payload": [1]},
    ):
        with pytest.raises(ValueError):
            Event.from_record(broken)


# -- concurrency ------------------------------------------------------------------------


def test_threads_share_one_writer_without_losing_events(tmp_path: Path) -> None:
    log = EventLog(tmp_path, max_file_bytes=64 * 1024)
    threads_n, per_thread = 16, 200
    ids: list[list[str]] = [[] for _ in range(threads_n)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_n)

    def work(t: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                event = log.make_event("t", f"user{t}", {"t": t, "i": i})
                log.append(event)
                ids[t].append(event.id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert not errors
    events = read_events(tmp_path)
    assert len(events) == threads_n * per_thread
    assert {e.id for e in events} == {i for group in ids for i in group}
    assert sorted((e.payload["t"], e.payload["i"]) for e in events) == [
        (t, i) for t in range(threads_n) for i in range(per_thread)
    ]
    counts = raw_id_counts(tmp_path)
    assert len(counts) == 3200 and set(counts.values()) == {1}  # nothing written twice
    # Each thread's own events keep its order in the canonical read order.
    for t in range(threads_n):
        mine = [e.payload["i"] for e in events if e.payload["t"] == t]
        assert mine == list(range(per_thread))


def test_writer_processes_side_by_side(tmp_path: Path, writer_script: Path) -> None:
    state = tmp_path / "state"
    procs = [
        start_writer(writer_script, state, f"p{n}", 500, tmp_path / f"out{n}.txt", 16 * 1024)
        for n in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err.decode()
    events = read_events(state)
    assert len(events) == 2000
    assert len({e.id for e in events}) == 2000
    assert sorted((e.payload["worker"], e.payload["i"]) for e in events) == sorted(
        (f"p{n}", i) for n in range(4) for i in range(500)
    )
    for n in range(4):
        acked = acknowledged(tmp_path / f"out{n}.txt")
        assert len(acked) == 500
        assert set(acked) <= {e.id for e in events}
    counts = raw_id_counts(state)
    assert set(counts.values()) == {1}
    writers = {p.name.rsplit("-", 1)[0] for p in list_files(state)}
    assert len(writers) == 4  # each process wrote files of its own


def test_acknowledged_events_survive_sigkill(tmp_path: Path, writer_script: Path) -> None:
    state = tmp_path / "state"
    rng = random.Random(2024)
    all_acked: list[str] = []
    for round_ in range(5):
        out = tmp_path / f"crash{round_}.txt"
        proc = start_writer(writer_script, state, f"k{round_}", 10**9, out, 4096)
        deadline = time.monotonic() + 20
        while not out.read_text().startswith("ready\n"):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "writer did not start"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.5, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        acked = acknowledged(out)
        assert acked, "the writer acknowledged nothing before the kill"
        all_acked.extend(acked)

        events = read_events(state)  # never raises after a crash
        found = Counter(e.id for e in events)
        assert all(found[i] == 1 for i in all_acked)
        on_disk = raw_id_counts(state)
        assert all(on_disk[i] == 1 for i in all_acked)
        # At most the one in-flight event was written but not acknowledged per round.
        assert len(events) - len(all_acked) <= round_ + 1
    assert len(set(all_acked)) == len(all_acked)


def test_failed_batch_leaves_none_of_its_events_readable(tmp_path: Path) -> None:
    log = EventLog(tmp_path, writer_name="batch")
    kept = log.make_event("t", "a", {"kept": True})
    log.append(kept)
    assert log.current_path is not None
    first = log.make_event("t", "a", {"caller": 1})
    second = log.make_event("t", "b", {"caller": 2})
    # Two callers queue before either flushes: one batch, one write, one fsync.
    ticket_1, ticket_2 = log.enqueue([first]), log.enqueue([second])
    room = log.current_path.stat().st_size + len(first.to_json()) + 1 + 10
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (room, hard))  # the disk fills mid-batch
    try:
        with pytest.raises(LogError):
            log.wait_durable(ticket_1)
        with pytest.raises(LogError):
            log.wait_durable(ticket_2)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    # Both callers were told their event failed: neither may come back on the next start.
    assert [e.id for e in read_events(tmp_path)] == [kept.id]
