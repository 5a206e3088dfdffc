"""state.db against the log it is derived from: resuming gives what a full fold of the log
gives; every way the two can disagree ends in a rebuild (said in the log) or a clear
refusal, never in a state missing an acknowledged event.

The log is written straight into event files here (as writer processes would), with
realistic events; `canonical` is the part of a State the app reads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import resource
import signal
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from safeguards import statedb
from safeguards.config import Settings
from safeguards.errors import Conflict, InvalidInput
from safeguards.eventlog import EVENT_FILE_GLOB, LogCorruptError, list_files, read_events
from safeguards.hubsync import EVENT_NAME
from safeguards.service import VERIFY_THREAD, Safeguards
from safeguards.state import State
from safeguards.statedb import StateDB, StateDBError

# -- checkpoints ------------------------------------------------------------------------------

CANONICAL = (
    "reports",
    "discussions",
    "comments",
    "proposals",
    "access_requests",
    "access_forms",
    "preferences",
    "safeguards",
    "merged_tags",
    "actions",
    "appeals",
)


def canonical(state: State) -> dict[str, Any]:
    state = state.in_memory()
    projection = {name: getattr(state, name) for name in CANONICAL}
    projection["counts"] = (state.event_count, state.skipped, state.last_event_ts)
    for name in ("reports_by_artifact", "discussions_by_artifact", "actions_by_artifact"):
        projection[name] = dict(getattr(state, name))
    return projection


def full_fold(state_dir: Path) -> State:
    return State.fold(read_events(state_dir))


class LogWriter:
    """Writes realistic events straight into event files (as writer processes would)."""

    def __init__(self, state_dir: Path, seed: int = 0) -> None:
        self.dir = state_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(seed)
        self.n = 0
        self.reports: list[str] = []
        self.discussions: list[str] = []
        self.proposals: list[str] = []

    def events(self, count: int, start_minute: int = 0) -> list[str]:
        lines = []
        for _ in range(count):
            self.n += 1
            n, rng = self.n, self.rng
            minute = start_minute + n
            ts = f"2025-02-{1 + minute // 1440 % 27:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}"
            ts += f":00.{n:06d}Z"
            actor = f"user{rng.randrange(40)}"
            artifact = f"org{rng.randrange(30)}/model-{rng.randrange(50)}"
            roll = rng.random()
            if roll < 0.3 or not self.discussions:
                kind = "report.filed"
                payload: dict[str, Any] = {
                    "report_id": f"R{n}", "artifact_id": artifact, "reason": "spam",
                    "context": f"context {n}", "discussion_id": f"D{n}", "comment_id": f"C{n}",
                    "title": "Report: Spam", "target_discussion_id": None,
                }  # fmt: skip
                self.reports.append(f"R{n}")
                self.discussions.append(f"D{n}")
            elif roll < 0.55:
                kind = "comment.added"
                payload = {"discussion_id": rng.choice(self.discussions), "text": f"c{n}"}
                if rng.random() < 0.9:
                    payload["comment_id"] = f"C{n}"
            elif roll < 0.62:
                kind = "discussion.opened"
                payload = {"discussion_id": f"D{n}", "artifact_id": artifact, "title": "Q",
                           "text": "why?", "comment_id": f"C{n}"}  # fmt: skip
                self.discussions.append(f"D{n}")
            elif roll < 0.68:
                kind = "proposal.opened"
                payload = {"proposal_id": f"P{n}", "artifact_id": artifact,
                           "tags": ["ethics-inclusive"], "discussion_id": f"D{n}",
                           "title": "Add", "text": "t"}  # fmt: skip
                self.proposals.append(f"P{n}")
            elif roll < 0.72 and self.proposals:
                kind = "proposal.decided"
                status = rng.choice(["merged", "closed"])
                payload = {"proposal_id": rng.choice(self.proposals), "status": status}
            elif roll < 0.76:
                kind = "access.requested"
                payload = {"request_id": f"Q{n}", "artifact_id": artifact, "reason": "r"}
                if rng.random() < 0.5:  # a form's answers; some approved automatically
                    payload["answers"] = {"Country": "FR", "Agree": "yes", "Role": f"r{n}"}
                    payload["approval"] = rng.choice(["auto", "manual"])
            elif roll < 0.78:
                kind = "access.form_set"
                payload = {"artifact_id": artifact, "approval": rng.choice(["auto", "manual"]),
                           "prompt": f"p{n}", "fields": [{"label": "Country", "type": "country"},
                           {"label": "Role", "type": "select", "options": ["a", "b"]}]}  # fmt: skip
                if rng.random() < 0.3:  # back to the card's form
                    payload = {"artifact_id": artifact, "cleared": True}
            elif roll < 0.84:
                kind = "preference.set"
                payload = {"show_mature_without_popup": rng.random() < 0.5}
            elif roll < 0.86:
                kind = "unknown.type"
                payload = {}
            else:
                kind = "moderation.action"
                action = rng.choice(["downgrade", "dismiss", "gate", "restore"])
                payload = {"action_id": f"A{n}", "artifact_id": artifact, "note": "n"}
                payload["action"] = action
            record = {"id": f"{n:08d}-{rng.getrandbits(32):08x}", "ts": ts, "actor": actor}
            record.update(type=kind, payload=payload)
            lines.append(json.dumps(record, separators=(",", ":")))
        return lines

    def append(self, name: str, lines: list[str]) -> Path:
        path = self.dir / f"events-{name}.jsonl"
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
        return path


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, LogWriter]:
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir)
    for i in range(4):
        writer.append(f"w{i}-00001", writer.events(600))
    return state_dir, writer


def open_db(state_dir: Path) -> tuple[State, dict[str, Any]]:
    db = StateDB(state_dir)
    state = db.open_state().in_memory()
    db.close()
    return state, db.last_open


def test_first_open_builds_then_resumes_with_nothing_to_do(
    history: tuple[Path, LogWriter],
) -> None:
    state_dir, _ = history
    state, opened = open_db(state_dir)
    assert opened["mode"] == "rebuild" and opened["reason"] == "the database is missing"
    assert canonical(state) == canonical(full_fold(state_dir))
    again, opened = open_db(state_dir)
    assert opened == {**opened, "mode": "resume", "applied": 0}
    assert canonical(again) == canonical(full_fold(state_dir))
    # The database is invisible to the log and to the Hub sync; no temporary file is left.
    names = [p.name for p in state_dir.iterdir()]
    assert "state.db" in names and not [n for n in names if "rebuild" in n]
    assert all(not EVENT_NAME.fullmatch(n) for n in names if n.startswith("state.db"))
    assert all(p.match(EVENT_FILE_GLOB) for p in list_files(state_dir))


def test_new_lines_and_new_files_are_applied_on_top(history: tuple[Path, LogWriter]) -> None:
    state_dir, writer = history
    open_db(state_dir)
    writer.append("w1-00001", writer.events(50, start_minute=10_000))
    writer.append("w9-00001", writer.events(70, start_minute=10_000))
    state, opened = open_db(state_dir)
    assert opened["mode"] == "resume" and opened["applied"] == 120
    assert canonical(state) == canonical(full_fold(state_dir))
    writer.append("w2-00001", writer.events(5, start_minute=20_000))
    state, opened = open_db(state_dir)
    assert opened["mode"] == "resume" and opened["applied"] == 5
    assert canonical(state) == canonical(full_fold(state_dir))


@pytest.mark.parametrize("damage", ["tampered", "shrunk", "deleted", "older"])
def test_log_edited_behind_the_apps_back_forces_a_rebuild(
    history: tuple[Path, LogWriter], damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    state_dir, writer = history
    open_db(state_dir)
    target = state_dir / "events-w2-00001.jsonl"
    data = target.read_bytes()
    if damage == "tampered":  # same size, one character changed inside an applied line
        at = data.index(b"context") + 1
        target.write_bytes(data[:at] + b"O" + data[at + 1 :])
    elif damage == "shrunk":
        target.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 1])
    elif damage == "deleted":
        target.unlink()
    else:  # a replica's file arriving late, with an earlier event
        line = writer.events(1, start_minute=-60)[0]
        writer.append("w8-00001", [line.replace('"ts":"2025-02', '"ts":"2025-01')])
    with caplog.at_level(logging.WARNING, logger="safeguards.statedb"):
        state, opened = open_db(state_dir)
    assert opened["mode"] == "rebuild", damage
    assert any("rebuilding from the event log" in r.getMessage() for r in caplog.records)
    assert canonical(state) == canonical(full_fold(state_dir))


def test_an_event_repeated_in_another_file_is_applied_once(
    history: tuple[Path, LogWriter],
) -> None:
    state_dir, writer = history
    open_db(state_dir)
    first_line = (state_dir / "events-w0-00001.jsonl").read_text().splitlines()[3]
    writer.append("w7-00001", [*writer.events(3, start_minute=30_000), first_line])
    state, opened = open_db(state_dir)
    assert opened["mode"] == "resume" and opened["applied"] == 3
    assert canonical(state) == canonical(full_fold(state_dir))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "deleted", "schema"])
def test_a_damaged_missing_or_older_database_is_rebuilt(
    history: tuple[Path, LogWriter], damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    state_dir, _ = history
    open_db(state_dir)
    path = state_dir / "state.db"
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "deleted":
        path.unlink()
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
        conn.close()
    with caplog.at_level(logging.WARNING, logger="safeguards.statedb"):
        state, opened = open_db(state_dir)
    assert opened["mode"] == "rebuild", damage
    assert opened["reason"], damage
    assert canonical(state) == canonical(full_fold(state_dir))
    assert open_db(state_dir)[1]["mode"] == "resume"


def test_damage_inside_the_file_is_found_while_serving_and_repaired(
    history: tuple[Path, LogWriter], caplog: pytest.LogCaptureFixture
) -> None:
    """Start-up reads no rows, so a damaged page (same size, garbage inside) is not seen
    then: the check the app runs once it serves finds it and rebuilds from the log."""
    state_dir, _ = history
    open_db(state_dir)
    path = state_dir / "state.db"
    data = bytearray(path.read_bytes())
    page = len(data) // 4096 - 3  # among the indexes, written last
    data[page * 4096 + 100 : page * 4096 + 4000] = os.urandom(3900)
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR, logger="safeguards.service"):
        service = Safeguards.open(service_settings(state_dir))
        for thread in threading.enumerate():
            if thread.name == VERIFY_THREAD:
                thread.join()
    assert service.db.last_open["mode"] == "rebuild"
    assert "damaged" in service.db.last_open["reason"] and "damaged" in caplog.text
    assert canonical(service.state) == canonical(full_fold(state_dir))
    assert service.db.verify() == ""
    service.report(service.user("alice"), "bigscience/bloom", "spam", "after the repair")
    assert canonical(Safeguards.open(service_settings(state_dir)).state) == canonical(
        full_fold(state_dir)
    )


def test_a_damaged_recorded_position_is_detected(history: tuple[Path, LogWriter]) -> None:
    state_dir, _ = history
    open_db(state_dir)
    with sqlite3.connect(state_dir / "state.db") as conn:
        conn.execute("UPDATE log_position SET sha256 = ? WHERE file LIKE '%w1%'", ("0" * 64,))
    conn.close()
    state, opened = open_db(state_dir)
    assert opened["mode"] == "rebuild" and "w1" in opened["reason"]
    assert canonical(state) == canonical(full_fold(state_dir))
    with sqlite3.connect(state_dir / "state.db") as conn:
        conn.execute("UPDATE log_position SET bytes = bytes - 7 WHERE file LIKE '%w3%'")
    conn.close()
    state, opened = open_db(state_dir)
    assert opened["mode"] == "rebuild" and "w3" in opened["reason"]


def test_torn_and_corrupt_lines_after_the_applied_part(
    history: tuple[Path, LogWriter], caplog: pytest.LogCaptureFixture
) -> None:
    state_dir, writer = history
    open_db(state_dir)
    target = writer.append("w3-00001", writer.events(2, start_minute=50_000))
    lines_before = target.read_bytes().count(b"\n")
    with target.open("ab") as handle:
        handle.write(b'{"id":"torn","ts":"2025-0')
    with caplog.at_level(logging.WARNING):
        state, opened = open_db(state_dir)
    assert opened["mode"] == "resume" and opened["applied"] == 2
    assert f"{target}:{lines_before + 1}:" in caplog.text
    assert canonical(state) == canonical(full_fold(state_dir))
    with target.open("ab") as handle:
        handle.write(b"\n" + writer.events(1, start_minute=60_000)[0].encode() + b"\n")
    with pytest.raises(LogCorruptError) as caught:
        open_db(state_dir)
    assert caught.value.path == target and caught.value.line_number == lines_before + 1


def test_a_full_disk_during_a_rebuild_is_a_clear_refusal(
    history: tuple[Path, LogWriter],
) -> None:
    state_dir, _ = history
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))
    try:
        with pytest.raises(StateDBError, match="cannot rebuild the database"):
            open_db(state_dir)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert not (state_dir / "state.db").exists()  # nothing half-built was swapped in
    assert not [p for p in state_dir.iterdir() if "rebuild" in p.name]
    state, opened = open_db(state_dir)  # space again: built
    assert opened["mode"] == "rebuild"
    assert canonical(state) == canonical(full_fold(state_dir))


def service_settings(state_dir: Path) -> Settings:
    return Settings(state_dir=state_dir, moderators=frozenset({"mod"}), demo=False)


def test_the_service_writes_each_event_with_its_position(tmp_path: Path) -> None:
    """Live writes, a restart, more writes: the database and the position always cover
    exactly the log, and a restart has nothing to apply."""
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir, seed=3)
    for i in range(3):
        writer.append(f"old{i}-00001", writer.events(800))
    settings = service_settings(state_dir)
    first = Safeguards.open(settings)
    alice = first.user("alice")
    report = first.report(alice, "bigscience/bloom", "spam", "one")
    first.set_preference(alice, True)
    first.comment(alice, report.discussion_id, "more")
    first.moderate(first.user("mod"), "bigscience/bloom", "downgrade", "checked")
    own = first.log.current_path
    assert own is not None
    recorded = first.db.positions()[own.name]
    assert recorded[0] == own.stat().st_size and recorded[1] == 4
    restarted = Safeguards.open(settings)
    assert restarted.db.last_open["mode"] == "resume"
    assert restarted.db.last_open["applied"] == 0
    assert canonical(restarted.state) == canonical(first.state)
    assert canonical(restarted.state) == canonical(full_fold(state_dir))
    assert restarted.state.report_times["alice"]  # rate limits survive the restart
    restarted.refold()
    assert canonical(restarted.state) == canonical(first.state)


def test_a_crash_between_the_log_append_and_the_database_commit(tmp_path: Path) -> None:
    """Simulated by writing the log line without applying it: the next start applies it."""
    state_dir = tmp_path / "state"
    settings = service_settings(state_dir)
    first = Safeguards.open(settings)
    first.report(first.user("alice"), "bigscience/bloom", "spam", "kept")
    first.log.on_written = None  # the process "dies" after the fsync, before the commit
    first.report(first.user("bob"), "bigscience/bloom", "spam", "acknowledged, then crash")
    first.log.close()
    restarted = Safeguards.open(settings)
    assert restarted.db.last_open == {**restarted.db.last_open, "mode": "resume", "applied": 1}
    contexts = sorted(r.context for r in restarted.state.reports.values())
    assert contexts == ["acknowledged, then crash", "kept"]
    assert canonical(restarted.state) == canonical(full_fold(state_dir))


def test_two_services_on_one_folder_lose_nothing(tmp_path: Path) -> None:
    """Two processes' worth of writers on one folder, writing at once: each keeps its own
    log files; once one wrote the database the other stops writing it; a restart holds
    every event of both."""
    state_dir = tmp_path / "state"
    settings = service_settings(state_dir)
    one = Safeguards.open(settings)
    two = Safeguards.open(settings)

    def write(service: Safeguards, name: str) -> None:
        for n in range(12):
            service.set_preference(service.user(f"{name}{n}"), True)

    threads = [threading.Thread(target=write, args=(s, n)) for s, n in ((one, "a"), (two, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert one.db.behind or two.db.behind  # the one that lost the race stopped writing
    restarted = Safeguards.open(settings)
    assert len(restarted.state.preferences) == 24
    assert canonical(restarted.state) == canonical(full_fold(state_dir))


def test_a_served_state_holds_only_what_is_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A State opened on state.db reads its records when asked; past CACHE_KEPT held, a
    saved write lets it drop them all (the database has every change), and it reads them
    again as they were: writes on records it dropped and read again (resolving reports,
    comments in their threads, a hidden comment) equal the full fold."""
    monkeypatch.setattr(statedb, "CACHE_KEPT", 30)
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir, seed=4)
    writer.append("old-00001", writer.events(900))
    service = Safeguards.open(service_settings(state_dir))
    assert service.state.cached() == 0  # nothing read at start-up
    rng = random.Random(4)
    artifacts = ["bigscience/bloom", "bigscience/bloomz", "bigcode/starcoder"]
    mod, dropped, held = service.user("mod"), 0, 0
    for step in range(60):
        artifact = rng.choice(artifacts)
        user = service.user(f"u{step}")
        service.view(user, artifact)  # reads the artifact's records
        before = service.state.cached()
        roll = rng.random()
        if roll < 0.4:
            report = service.report(user, artifact, "spam", f"r{step}")
            service.comment(user, report.discussion_id, f"c{step}")
        elif roll < 0.6:
            action = rng.choice(["dismiss", "downgrade"])
            with contextlib.suppress(Conflict):  # already downgraded, or nothing open
                service.moderate(mod, artifact, action, f"n{step}")
        else:
            thread = service.open_discussion(user, artifact, f"t{step}", f"x{step}")
            comment = service.comment(service.user(f"w{step}"), thread.id, "spam!")
            service.moderate(
                mod,
                artifact,
                "hide_comment",
                f"h{step}",
                discussion_id=thread.id,
                comment_id=comment.id,
                reason="spam",
            )
        dropped += service.state.cached() < before
        held = max(held, service.state.cached())
        # A comment of a thread read before, hidden now (records read, then changed).
        threads = [d for d in service.view(mod, artifact).discussions if d.comments]
        shown = [(d, c) for d in threads for c in d.comments if not c.hidden]
        if shown:
            thread, comment = rng.choice(shown)
            with contextlib.suppress(Conflict, InvalidInput):
                service.moderate(mod, artifact, "hide_comment", "h", discussion_id=thread.id,
                                 comment_id=comment.id, reason="spam")  # fmt: skip
        if step % 10 == 9:
            assert canonical(service.state) == canonical(full_fold(state_dir)), step
    assert dropped >= 3  # it did drop what it held, more than once
    assert held < 400  # and never held the history (900 events and more)
    assert canonical(service.state) == canonical(full_fold(state_dir))
    again = Safeguards.open(service_settings(state_dir))
    assert canonical(again.state) == canonical(full_fold(state_dir))


def test_pages_read_without_writes_do_not_fill_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An artifact page lets the State drop what it holds before it reads, so a run of
    page views with no write in between holds one page's records, not all of them."""
    monkeypatch.setattr(statedb, "CACHE_KEPT", 30)
    settings = service_settings(tmp_path / "state")
    service = Safeguards.open(settings)
    artifacts = ["bigscience/bloom", "bigscience/bloomz", "bigcode/starcoder"]
    for n in range(15):
        for artifact in artifacts:
            service.report(service.user(f"p{n}"), artifact, "spam", f"x{n}")
    reader = Safeguards.open(settings)
    moderator = reader.user("mod")
    held = []
    for artifact in artifacts * 3:
        view = reader.view(moderator, artifact)
        assert view.report_count == 15
        held.append(reader.state.cached())
    assert held[0] > 30  # one page reads more than CACHE_KEPT
    assert max(held) < 2 * held[0]  # and the pages before it are not kept


def test_concurrent_writers_while_the_state_drops_what_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six users writing at once while the State keeps dropping its records: a drop
    waits until no captured change is uncommitted, so no change is lost from memory."""
    monkeypatch.setattr(statedb, "CACHE_KEPT", 10)
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir, seed=6)
    writer.append("old-00001", writer.events(600))
    service = Safeguards.open(service_settings(state_dir))
    artifacts = ["bigscience/bloom", "bigscience/bloomz", "bigcode/starcoder"]
    failures: list[BaseException] = []

    def work(number: int) -> None:
        user = service.user(f"writer{number}")
        try:
            for k in range(8):
                report = service.report(user, artifacts[(number + k) % 3], "spam", f"{k}")
                service.comment(user, report.discussion_id, f"more {number}-{k}")
                if k % 3 == 2:
                    with contextlib.suppress(Conflict):
                        service.moderate(service.user("mod"), report.artifact_id, "dismiss", "n")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert canonical(service.state) == canonical(full_fold(state_dir))
    assert canonical(Safeguards.open(service_settings(state_dir)).state) == canonical(
        full_fold(state_dir)
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_random_writes_and_restarts_equal_the_full_fold(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir, seed=seed)
    writer.append("seed-00001", writer.events(300))
    settings = service_settings(state_dir)
    service = Safeguards.open(settings)
    artifact = "bigscience/bloom"
    for step in range(30):
        roll = rng.random()
        user = service.user(f"u{rng.randrange(8)}")
        try:
            if roll < 0.3:
                service.report(user, artifact, "spam", f"r{step}")
            elif roll < 0.5:
                service.set_preference(user, rng.random() < 0.5)
            elif roll < 0.7:
                action = rng.choice(["downgrade", "restore_visibility", "gate", "ungate"])
                service.moderate(service.user("mod"), artifact, action, f"n{step}")
            elif roll < 0.8:
                service = Safeguards.open(settings)  # a restart
            else:  # another replica's file arrives (newer events), then a pull
                writer.append(f"r{step}-00001", writer.events(5, start_minute=90_000 + step))
                service.refold()
        except Exception as exc:  # a refusal (nothing to change) is fine, nothing else
            assert type(exc).__name__ in {"Conflict", "RateLimited"}, exc
    assert canonical(service.state) == canonical(full_fold(state_dir))
    again = Safeguards.open(settings)
    assert canonical(again.state) == canonical(full_fold(state_dir))


def test_a_pull_applies_newer_replica_events_in_place(tmp_path: Path) -> None:
    """A Hub pull bringing newer events: applied to the state in memory (not read again),
    equal to the full fold; an older one: rebuilt, still equal."""
    state_dir = tmp_path / "state"
    settings = service_settings(state_dir)
    service = Safeguards.open(settings)
    service.report(service.user("alice"), "bigscience/bloom", "spam", "mine")
    held = service.state
    writer = LogWriter(state_dir, seed=9)
    newer = writer.events(40, start_minute=0)
    writer.append("replica-00001", [line.replace('"ts":"2025-', '"ts":"2099-') for line in newer])
    service.refold()
    assert service.state is held and service.db.last_open["applied"] == 40
    assert canonical(service.state) == canonical(full_fold(state_dir))
    writer.append("replica2-00001", writer.events(5, start_minute=0))  # 2025: older
    service.refold()
    assert service.db.last_open["mode"] == "rebuild"
    assert canonical(service.state) == canonical(full_fold(state_dir))
    assert canonical(Safeguards.open(settings).state) == canonical(full_fold(state_dir))
