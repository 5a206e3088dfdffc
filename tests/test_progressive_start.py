"""The progressive start: the app serves search and browse from a verified checkpoint's
overlay part while its history (reports, discussions, comments...) loads in a thread.

* The overlay served early, with the overlay events newer than the checkpoint applied,
  equals the whole state's (safeguards, merged tags, preferences), and the state
  completed afterwards equals both the synchronous resume and a full fold.
* Search served early shows exactly what the whole state shows, also when the events
  after the checkpoint make an artifact private, disabled or downgraded or add a warning.
* A call that needs the history waits for it and then succeeds (or, past its bounded
  wait, says the history is still loading); no change is applied to a partial state.
* A damaged overlay part means no early serving; a damaged history part found later
  falls back to the full fold.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apprunner import start_app
from gradio_client import Client
from test_scale import LogWriter, canonical, full_fold

from safeguards import checkpoint, moderation
from safeguards.config import Settings
from safeguards.errors import SafeguardsError
from safeguards.search import SearchQuery, Sort
from safeguards.service import Safeguards
from safeguards.state import State
from safeguards.ui import history_notice

MOD = "mod"
TIMES = ("report_times", "comment_times")  # checkpoints keep only the last day of these


def every_field(state: State, *, times: bool = True) -> dict[str, Any]:
    """All of the state's dataclass fields (defaultdicts as plain dicts)."""
    out = {}
    for f in dataclasses.fields(State):
        if f.name in TIMES and not times:
            continue
        value = getattr(state, f.name)
        out[f.name] = dict(value) if isinstance(value, dict) else value
    return out


def overlay_of(state: State) -> tuple[Any, ...]:
    return state.safeguards, state.merged_tags, state.preferences


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_progressive_state_equals_the_full_fold(tmp_path: Path, seed: int) -> None:
    state_dir = tmp_path / "state"
    writer = LogWriter(state_dir, seed=seed)
    for i in range(3):
        writer.append(f"w{i}-00001", writer.events(500))
    result = checkpoint.load(state_dir)
    checkpoint.write(state_dir, "test", result.state, result.position)
    # The tail: moderation, merges (of old and new proposals), preferences, the rest.
    writer.append("w1-00001", writer.events(150, start_minute=10_000))
    writer.append("w7-00001", writer.events(150, start_minute=10_000))

    pending = checkpoint.begin_load(state_dir)
    assert isinstance(pending, checkpoint.PendingResume) and pending.deferred
    assert pending.overlay is not None and not pending.overlay.reports
    folded = full_fold(state_dir)
    assert overlay_of(pending.overlay) == overlay_of(folded)

    completed = pending.complete()
    assert completed.mode == "checkpoint" and completed.new_events == 300
    synchronous = checkpoint.load(state_dir)
    assert every_field(completed.state) == every_field(synchronous.state)
    assert completed.position.applied == synchronous.position.applied
    assert completed.position.marks == synchronous.position.marks
    assert (completed.position.ids == synchronous.position.ids).all()
    assert every_field(completed.state, times=False) == every_field(folded, times=False)
    assert canonical(completed.state) == canonical(folded)


def hidden_by_the_tail(state_dir: Path) -> tuple[Settings, dict[str, str]]:
    """A state folder whose checkpoint predates moderation that hides, disables,
    downgrades and warns (and a tag merge): returns the settings and what each did."""
    settings = Settings(state_dir=state_dir, moderators=frozenset({MOD}), demo=False)
    first = Safeguards.open(settings)
    mod, alice = first.user(MOD), first.user("alice")
    ids = [r["id"] for r in first.search(alice, SearchQuery(page_size=50)).rows]
    actions = ["make_private", "disable", "downgrade", "add_content_warning"]
    changes = dict(zip(ids[:4], actions, strict=True))
    proposal = first.propose_tags(alice, ids[4], ["not-for-all-audiences"])
    first.set_preference(alice, True)
    first.report(alice, ids[0], "spam", "before the checkpoint")
    assert first._checkpoints.checkpoint(first, background=False)
    for artifact_id, action in changes.items():
        first.moderate(mod, artifact_id, action, "checked")
    first.decide_proposal(mod, proposal.id, True)
    first.set_preference(alice, False)
    first._checkpoints.stop()
    return settings, changes


QUERIES = [
    SearchQuery(page_size=100),
    SearchQuery(sort=Sort.RECENT, page_size=100),
    SearchQuery(categories=("not-for-all-audiences",), page_size=100),
    SearchQuery(text="model", page_size=5, page=2),
]


@pytest.fixture
def gated_history(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The history loads only once the test sets the event."""
    gate = threading.Event()
    finish = checkpoint.Checkpointer.finish_load

    def slow(self: checkpoint.Checkpointer, pending: checkpoint.PendingResume) -> State:
        assert gate.wait(30)
        return finish(self, pending)

    monkeypatch.setattr(checkpoint.Checkpointer, "finish_load", slow)
    yield gate
    gate.set()


def test_search_served_early_never_shows_what_the_tail_hides(
    tmp_path: Path, gated_history: threading.Event
) -> None:
    settings, changes = hidden_by_the_tail(tmp_path / "state")
    service = Safeguards.open(settings, defer_history=True)
    assert not service.history_loaded and service._early is not None
    users = [service.user(None), service.user("alice"), service.user(MOD)]
    early = {(u.username, i): service.search(u, q) for u in users for i, q in enumerate(QUERIES)}
    counts = {u.username: service.category_counts(u) for u in users}
    mature = service.show_mature_without_popup(service.user("alice"))
    assert not service.history_loaded  # all of that was served from the overlay
    private = next(a for a, c in changes.items() if c == "make_private")
    anonymous = {r["id"] for r in early[(None, 0)].rows}
    assert private not in anonymous
    assert private in {r["id"] for r in early[(MOD, 0)].rows}
    warned = next(a for a, c in changes.items() if c == "add_content_warning")
    assert any(r["id"] == warned and r["content_warning"] for r in early[(None, 0)].rows)

    gated_history.set()
    assert service.wait_for_history(30)
    assert service._early is None
    for (name, i), page in early.items():
        assert page == service.search(service.user(name), QUERIES[i]), (name, i)
    assert counts == {u.username: service.category_counts(u) for u in users}
    assert mature == service.show_mature_without_popup(service.user("alice")) is False
    assert canonical(service.state) == canonical(full_fold(settings.state_dir))
    service._checkpoints.stop()


def test_the_page_says_the_history_is_loading_until_it_is(
    tmp_path: Path, gated_history: threading.Event
) -> None:
    settings, _ = hidden_by_the_tail(tmp_path / "state")
    service = Safeguards.open(settings, defer_history=True)
    notice = history_notice(service)
    shown, timer = notice()
    assert shown.visible is True and timer.active is True  # and it checks again
    assert not service.history_loaded  # asking did not wait for the history
    gated_history.set()
    assert service.wait_for_history(30)
    shown, timer = notice()
    assert shown.visible is False and timer.active is False
    service._checkpoints.stop()


def test_a_call_that_needs_the_history_waits_for_it(
    tmp_path: Path, gated_history: threading.Event
) -> None:
    settings, changes = hidden_by_the_tail(tmp_path / "state")
    service = Safeguards.open(settings, defer_history=True)
    target = next(a for a, c in changes.items() if c == "downgrade")
    bob = service.user("bob")
    # Past the bounded wait: a clear refusal, nothing written.
    service.history_wait_seconds = 0.05
    with pytest.raises(SafeguardsError, match="still loading"):
        service.report(bob, target, "spam", "too early")
    service.history_wait_seconds = 30
    done: dict[str, Any] = {}
    caller = threading.Thread(
        target=lambda: done.update(report=service.report(bob, target, "spam", "waited"))
    )
    caller.start()
    time.sleep(0.2)
    assert caller.is_alive() and not service.history_loaded
    assert service.search(bob, QUERIES[0]).total  # search does not wait meanwhile
    gated_history.set()
    caller.join(30)
    report = done["report"]
    assert service.state.reports[report.id].context == "waited"
    assert canonical(service.state) == canonical(full_fold(settings.state_dir))
    assert [r.context for r in service.my_reports(bob)] == ["waited"]
    service._checkpoints.stop()


def test_moderator_panels_opened_during_the_load_wait_without_blocking_it(
    tmp_path: Path, gated_history: threading.Event
) -> None:
    """The queue and item reads wait for the history before taking the service lock:
    the history thread needs that lock too, so waiting with it held would stall both."""
    settings, changes = hidden_by_the_tail(tmp_path / "state")
    service = Safeguards.open(settings, defer_history=True)
    service.history_wait_seconds = 20
    mod = service.user(MOD)
    reported = next(a for a, c in changes.items() if c == "make_private")
    done: dict[str, Any] = {}

    def open_panels() -> None:  # before anything started the history thread
        done["queue"] = moderation.build_queue(service, mod, status="all")
        done["item"] = moderation.item_detail(service, mod, reported)

    caller = threading.Thread(target=open_panels)
    caller.start()
    time.sleep(0.3)
    assert caller.is_alive() and not service.history_loaded
    started = time.monotonic()
    gated_history.set()
    caller.join(15)
    assert not caller.is_alive() and time.monotonic() - started < 10
    assert reported in {item.artifact_id for item in done["queue"]}
    assert done["item"].artifact.id == reported
    service._checkpoints.stop()


def test_refold_and_open_without_a_checkpoint(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    settings, _ = hidden_by_the_tail(state_dir)
    service = Safeguards.open(settings, defer_history=True)
    service.refold()  # waits for the history, then folds again
    assert service.history_loaded
    assert canonical(service.state) == canonical(full_fold(state_dir))
    service._checkpoints.stop()
    for path in checkpoint.checkpoints(state_dir):
        path.unlink()
    plain = Safeguards.open(settings, defer_history=True)  # nothing to defer: a full fold
    assert plain.history_loaded and plain._checkpoints.last_load is not None
    assert plain._checkpoints.last_load.mode == "full"
    plain._checkpoints.stop()


def damage(path: Path, where: Callable[[checkpoint._Header], int]) -> None:
    header = checkpoint._read_header(path)
    data = bytearray(path.read_bytes())
    data[where(header)] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_damaged_history_part_falls_back_to_the_full_fold(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state_dir = tmp_path / "state"
    settings, _ = hidden_by_the_tail(state_dir)
    (path,) = checkpoint.checkpoints(state_dir)
    damage(path, lambda h: h.payload_offset + h.data["overlay_bytes"] + 100)
    with caplog.at_level(logging.WARNING, logger="safeguards.checkpoint"):
        service = Safeguards.open(settings, defer_history=True)
        assert not service.history_loaded  # the overlay part checked out
        state = service.state
    assert service._checkpoints.last_load is not None
    assert service._checkpoints.last_load.mode == "full"
    assert any(str(path) in r.getMessage() for r in caplog.records)
    assert canonical(state) == canonical(full_fold(state_dir))
    service._checkpoints.stop()


def test_a_damaged_overlay_part_is_never_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state_dir = tmp_path / "state"
    settings, _ = hidden_by_the_tail(state_dir)
    (path,) = checkpoint.checkpoints(state_dir)
    damage(path, lambda h: h.payload_offset + 50)
    with caplog.at_level(logging.WARNING, logger="safeguards.checkpoint"):
        service = Safeguards.open(settings, defer_history=True)
    assert service.history_loaded and service._early is None
    assert service._checkpoints.last_load is not None
    assert service._checkpoints.last_load.mode == "full"
    assert any("checksum" in r.getMessage() for r in caplog.records)
    assert canonical(service.state) == canonical(full_fold(state_dir))
    service._checkpoints.stop()


def test_the_app_serves_from_the_overlay_then_loads_the_history(tmp_path: Path) -> None:
    """app.py end to end: search over HTTP hides what the tail hid; the history loads."""
    state_dir = tmp_path / "state"
    _, changes = hidden_by_the_tail(state_dir)
    private = next(a for a, c in changes.items() if c == "make_private")
    running = start_app(tmp_path / "app", state_dir=state_dir, demo=False, moderators=MOD)
    try:
        client = Client(running.url, verbose=False)
        found = client.predict(api_name="/search")
        assert found["total"] and private not in {r["id"] for r in found["results"]}
        deadline = time.monotonic() + 60
        while "history ready" not in running.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        log_text = running.log()
        assert "its overlay read, with" in log_text and "history ready" in log_text
        assert client.predict(api_name="/search") == found
    finally:
        running.stop()


def rewrite_header(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """The checkpoint with its header changed, everything after the header kept."""
    header = checkpoint._read_header(path)
    meta = dict(header.data)
    change(meta)
    raw = json.dumps(meta, separators=(",", ":")).encode()
    rest = path.read_bytes()[header.ids_offset :]
    path.write_bytes(checkpoint.MAGIC + struct.pack("<Q", len(raw)) + raw + rest)


def _earlier_last_key(meta: dict[str, Any]) -> None:
    meta["last_key"] = ["2000-01-01T00:00:00.000000Z", meta["last_key"][1]]


def _one_line_more(meta: dict[str, Any]) -> None:
    name = sorted(meta["files"])[0]
    meta["files"][name] = [
        meta["files"][name][0],
        meta["files"][name][1] + 1,
        *meta["files"][name][2:],
    ]


@pytest.mark.parametrize("part", ["last_key", "file_mark", "id_hash"])
def test_damage_to_the_header_or_the_id_hashes_is_refused(
    tmp_path: Path, part: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An older event must not be folded on top of a checkpoint whose last key or id
    hashes were damaged: the header's checksum covers both (and the rest of the header)."""
    state_dir = tmp_path / "state"
    settings, _ = hidden_by_the_tail(state_dir)
    (path,) = checkpoint.checkpoints(state_dir)
    if part == "last_key":
        rewrite_header(path, _earlier_last_key)
    elif part == "file_mark":
        rewrite_header(path, _one_line_more)
    else:
        damage(path, lambda h: h.ids_offset + 3)
    with caplog.at_level(logging.WARNING, logger="safeguards.checkpoint"):
        service = Safeguards.open(settings, defer_history=True)
        state = service.state
    assert service._checkpoints.last_load is not None
    assert service._checkpoints.last_load.mode == "full"
    assert any("header does not match" in r.getMessage() for r in caplog.records)
    assert canonical(state) == canonical(full_fold(state_dir))
    service._checkpoints.stop()
