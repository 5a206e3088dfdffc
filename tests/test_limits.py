"""Interaction limits and suspensions (issue 15, item 4), in the domain: each rule on
its own, the refusal's reason in both languages, nothing written when refused, expiry
computed from event times, and state.db rebuilt from the log equal to the live state."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import MODERATOR, OWNER

from safeguards import moderation as mod
from safeguards.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from safeguards.eventlog import Event, format_ts, read_events
from safeguards.policy import LIMIT_DURATIONS, MEMBER_AGE_DAYS, SUSPENSION_PERIODS
from safeguards.service import Safeguards
from safeguards.state import State
from safeguards.statedb import StateDB
from safeguards.ui.moderation import audit_table

ITEM = "demo-studio/recipe-assistant-1b"  # demo-studio's
GATED = "demo-studio/face-attribute-classifier"  # demo-studio's, gated in the catalog
OTHER = "bigscience/bloom"  # not demo-studio's
SECOND = "mod-ben"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
NOTE = "Repeated harassment in three threads."


def event(n: int, at: datetime, actor: str, type_: str, **payload: Any) -> Event:
    return Event(id=f"E{n:03d}", ts=format_ts(at), actor=actor, type=type_, payload=payload)


def write_old_activity(state_dir: Path, who: dict[str, datetime]) -> None:
    """Events written before the service opens: each user's first activity at a time."""
    state_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps(
            {
                "id": f"old-{n}",
                "ts": format_ts(at),
                "actor": user,
                "type": "preference.set",
                "payload": {"show_mature_without_popup": False},
            }
        )
        for n, (user, at) in enumerate(who.items())
    ]
    (state_dir / "events-old-00001.jsonl").write_text("\n".join(lines) + "\n")


def count(service: Safeguards) -> int:
    return len(read_events(service.settings.state_dir))


def at(service: Safeguards, moment: datetime) -> None:
    service.clock = lambda: moment


# -- expiry, from event times --------------------------------------------------------------


def test_a_limit_ends_at_its_event_time_plus_its_duration() -> None:
    state = State.fold(
        [event(1, T0, OWNER, "limit.set", artifact_id=ITEM, level="owner", duration="1w")]
    )
    week = LIMIT_DURATIONS["1w"]
    assert state.active_limit(ITEM, T0 + week - timedelta(seconds=1)) is not None
    assert state.active_limit(ITEM, T0 + week) is None
    # A new limit replaces the old one (its own expiry); lifting ends it at once.
    state.apply(
        event(
            2,
            T0 + timedelta(days=1),
            OWNER,
            "limit.set",
            artifact_id=ITEM,
            level="established",
            duration="1m",
        )
    )
    limit = state.active_limit(ITEM, T0 + timedelta(days=20))
    assert limit is not None and limit.level == "established"
    state.apply(event(3, T0 + timedelta(days=2), OWNER, "limit.lifted", artifact_id=ITEM))
    assert state.active_limit(ITEM, T0 + timedelta(days=2, seconds=1)) is None
    # An unknown level or duration (a crafted line) is skipped, never folded.
    state.apply(event(4, T0, OWNER, "limit.set", artifact_id=ITEM, level="x", duration="1d"))
    state.apply(event(5, T0, OWNER, "limit.set", artifact_id=ITEM, level="owner", duration="9y"))
    assert state.skipped == 2


def test_a_suspension_ends_at_its_period_or_when_lifted() -> None:
    state = State.fold(
        [
            event(
                1,
                T0,
                MODERATOR,
                "user.suspended",
                suspension_id="S1",
                user="bob",
                period="3d",
                note=NOTE,
            ),
            event(
                2,
                T0,
                MODERATOR,
                "user.suspended",
                suspension_id="S2",
                user="eve",
                period="until_lifted",
                note=NOTE,
            ),
        ]
    )
    assert state.active_suspension("bob", T0 + timedelta(days=3, seconds=-1)) is not None
    assert state.active_suspension("bob", T0 + timedelta(days=3)) is None
    assert SUSPENSION_PERIODS["until_lifted"] is None
    assert state.active_suspension("eve", T0 + timedelta(days=3650)) is not None
    state.apply(
        event(
            3, T0 + timedelta(hours=1), SECOND, "suspension.lifted", suspension_id="S2", note="ok"
        )
    )
    assert state.active_suspension("eve", T0 + timedelta(hours=2)) is None


# -- limits --------------------------------------------------------------------------------


def test_owner_only_limit_refuses_members_with_the_reason_and_spares_reports(
    service: Safeguards,
) -> None:
    bob, owner, moderator = service.user("bob"), service.user(OWNER), service.user(MODERATOR)
    thread = service.open_discussion(bob, ITEM, "Question", "Does it run offline?")
    limit = service.set_interaction_limit(owner, ITEM, "owner", "1d")
    before = count(service)
    with pytest.raises(PermissionDenied) as opened:
        service.open_discussion(bob, ITEM, "Another", "Hello?")
    until = limit.until[:16].replace("T", " ") + " UTC"
    assert opened.value.message == (
        f"Discussions on {ITEM} are limited to its owner and moderators until {until}. "
        "You can still flag it."
    )
    assert until in opened.value.text("zh-CN") and "仅限所有者和版主" in opened.value.text("zh-CN")
    with pytest.raises(PermissionDenied):
        service.comment(bob, thread.id, "Still there?")
    with pytest.raises(PermissionDenied):  # the limit comes before the text's own problems
        service.open_discussion(bob, ITEM, "", "")
    assert count(service) == before
    # The owner and moderators are never limited; reports stay open, their threads too.
    service.comment(owner, thread.id, "Yes, it does.")
    service.comment(moderator, thread.id, "Noted.")
    report = service.report(bob, ITEM, "spam", "Ads in the card.")
    service.comment(bob, report.discussion_id, "More detail on the ads.")
    assert service.view(bob, ITEM).limit is not None
    # Other artifacts are not limited.
    service.open_discussion(bob, OTHER, "Elsewhere", "Fine here.")


def test_member_age_lets_established_members_in(make_service, settings) -> None:
    now = datetime.now(UTC)  # the limit's event gets the real time
    write_old_activity(
        settings.state_dir,
        {"olga": now - timedelta(days=MEMBER_AGE_DAYS + 1), "nina": now - timedelta(days=5)},
    )
    service = make_service()
    at(service, now)
    service.set_interaction_limit(service.user(OWNER), ITEM, "established", "1w")
    service.open_discussion(service.user("olga"), ITEM, "Old hand", "Hi.")  # 8 days: in
    for newcomer in ("nina", "zed"):  # 5 days; no activity at all
        with pytest.raises(PermissionDenied) as refused:
            service.open_discussion(service.user(newcomer), ITEM, "New", "Hi.")
        assert f"at least {MEMBER_AGE_DAYS} days old" in refused.value.message
    at(service, now + timedelta(days=2))  # nina's first activity is 7 days old now
    service.open_discussion(service.user("nina"), ITEM, "Now", "Hi.")
    with pytest.raises(PermissionDenied):
        service.open_discussion(service.user("zed"), ITEM, "New", "Hi.")
    at(service, now + timedelta(weeks=1, seconds=1))  # the limit has expired
    service.open_discussion(service.user("zed"), ITEM, "Free again", "Hi.")


def test_only_the_owner_or_a_moderator_sets_or_lifts_a_limit(service: Safeguards) -> None:
    before = count(service)
    for who in (None, "bob"):
        with pytest.raises(PermissionDenied):
            service.set_interaction_limit(service.user(who), ITEM, "owner", "1d")
    with pytest.raises(PermissionDenied):  # an owner, but not of this artifact
        service.set_interaction_limit(service.user(OWNER), OTHER, "owner", "1d")
    owner = service.user(OWNER)
    for level, duration in (("everyone", "1d"), ("owner", "2d"), (None, None), (["owner"], 1)):
        with pytest.raises(InvalidInput):
            service.set_interaction_limit(owner, ITEM, level, duration)
    with pytest.raises(Conflict):
        service.lift_interaction_limit(owner, ITEM)  # nothing in force
    assert count(service) == before
    moderator = service.user(MODERATOR)
    service.set_interaction_limit(moderator, OTHER, "owner", "6m")
    with pytest.raises(PermissionDenied):
        service.lift_interaction_limit(service.user("bob"), OTHER)
    service.lift_interaction_limit(moderator, OTHER)
    service.open_discussion(service.user("bob"), OTHER, "Open again", "Hi.")
    service.set_interaction_limit(owner, ITEM, "owner", "3d")
    service.lift_interaction_limit(owner, ITEM)
    types = [e.type for e in read_events(service.settings.state_dir)[before:]]
    assert types.count("limit.set") == 2 and types.count("limit.lifted") == 2


# -- suspensions ---------------------------------------------------------------------------


def suspended_calls(service: Safeguards, thread: str) -> dict[str, Callable[[], object]]:
    bob = service.user("bob")
    return {
        "report": lambda: service.report(bob, OTHER, "spam", "ads"),
        "open a discussion": lambda: service.open_discussion(bob, OTHER, "Q", "Hi."),
        "comment": lambda: service.comment(bob, thread, "Hello again."),
        "propose tags": lambda: service.propose_tags(bob, OTHER, ["not-for-all-audiences"]),
        "request access": lambda: service.request_access(bob, GATED, "Research."),
    }


def test_a_suspension_covers_each_action_and_says_why_and_until_when(
    service: Safeguards,
) -> None:
    bob, moderator = service.user("bob"), service.user(MODERATOR)
    thread = service.open_discussion(bob, OTHER, "First", "Hello.")
    suspension = service.suspend(moderator, "bob", "1w", NOTE)
    until = suspension.until[:16].replace("T", " ") + " UTC"
    before = count(service)
    for name, call in suspended_calls(service, thread.id).items():
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.message == (
            f"You are suspended from reporting and commenting until {until}. "
            f"The moderators' note: {NOTE}"
        ), name
        assert NOTE in refused.value.text("zh-CN") and until in refused.value.text("zh-CN")
    assert count(service) == before
    mine = service.my_suspension(bob)
    assert mine is not None and mine.note == NOTE
    assert service.my_suspension(service.user("alice")) is None
    # Others are not affected; once the week is over bob may act again.
    service.comment(service.user("alice"), thread.id, "Hi bob.")
    at(service, service.clock() + timedelta(weeks=1, seconds=1))
    service.comment(bob, thread.id, "Back.")
    assert service.my_suspension(bob) is None


def test_a_moderator_lifts_a_suspension_early_and_the_audit_log_lists_both(
    make_service,
) -> None:
    service = make_service(moderators=frozenset({MODERATOR, SECOND}))
    bob = service.user("bob")
    thread = service.open_discussion(bob, OTHER, "First", "Hello.")
    service.suspend(service.user(MODERATOR), "bob", "until_lifted", NOTE)
    with pytest.raises(PermissionDenied) as refused:
        service.comment(bob, thread.id, "Hi.")
    assert "until a moderator lifts it" in refused.value.message
    assert [s.user for s in service.active_suspensions(service.user(SECOND))] == ["bob"]
    with pytest.raises(PermissionDenied):
        service.lift_suspension(bob, "bob", "I promise.")
    service.lift_suspension(service.user(SECOND), "bob", "Apologised in the thread.")
    service.comment(bob, thread.id, "Thanks.")
    with pytest.raises(Conflict):
        service.lift_suspension(service.user(SECOND), "bob", "Again.")
    frame = mod.audit_log(service, service.user(MODERATOR))
    rows = frame[frame["user"] == "bob"]
    assert list(rows["action"]) == ["lift_suspension", "suspend_user"]
    assert list(rows["moderator"]) == [SECOND, MODERATOR]
    assert list(rows["note"]) == ["Apologised in the thread.", NOTE]
    only = mod.audit_log(service, service.user(MODERATOR), action="suspend_user")
    assert list(only["user"]) == ["bob"]


def test_who_may_be_suspended_and_by_whom(make_service) -> None:
    service = make_service(moderators=frozenset({MODERATOR, SECOND}))
    service.open_discussion(service.user("bob"), OTHER, "First", "Hello.")
    service.open_discussion(service.user(SECOND), OTHER, "Mod", "Hello.")
    moderator = service.user(MODERATOR)
    before = count(service)
    with pytest.raises(PermissionDenied) as own:
        service.suspend(moderator, MODERATOR, "1d", NOTE)
    assert own.value.message == "You cannot suspend yourself."
    with pytest.raises(PermissionDenied):
        service.suspend(moderator, SECOND, "1d", NOTE)
    for who in (None, "alice", OWNER):
        with pytest.raises(PermissionDenied):
            service.suspend(service.user(who), "bob", "1d", NOTE)
    with pytest.raises(NotFound):
        service.suspend(moderator, "nobody-here", "1d", NOTE)
    for name, period, note in (
        ("bob", "2y", NOTE),
        ("bob", None, NOTE),
        ("bob", "1d", ""),
        ("bob", "1d", "x" * 1001),
        ("bob smith", "1d", NOTE),
        ("", "1d", NOTE),
        (["bob"], "1d", NOTE),
    ):
        with pytest.raises(InvalidInput):
            service.suspend(moderator, name, period, note)
    assert count(service) == before
    service.suspend(moderator, "bob", "1d", NOTE)
    with pytest.raises(Conflict):
        service.suspend(service.user(SECOND), "bob", "1w", "Again.")


def test_a_suspended_owner_is_not_spared_by_the_limit_exemption(service: Safeguards) -> None:
    owner = service.user(OWNER)
    thread = service.open_discussion(owner, ITEM, "Release notes", "v2 is out.")
    service.suspend(service.user(MODERATOR), OWNER, "1d", NOTE)
    with pytest.raises(PermissionDenied):
        service.comment(owner, thread.id, "And v3.")
    # Limiting their own artifact is not commenting: it stays possible.
    service.set_interaction_limit(owner, ITEM, "owner", "1d")


# -- state.db ------------------------------------------------------------------------------

TABLES = ("limits", "suspensions", "members", "reports", "discussions", "comments", "actions")


def projection(state: State) -> dict[str, Any]:
    state = state.in_memory()
    found: dict[str, Any] = {name: getattr(state, name) for name in TABLES}
    found["suspension_by_user"] = dict(state.suspension_by_user)
    found["counts"] = (state.event_count, state.skipped, state.last_event_ts)
    return found


def test_rebuilding_state_db_from_the_log_gives_the_live_state(make_service, settings) -> None:
    write_old_activity(settings.state_dir, {"olga": T0 - timedelta(days=30)})
    service = make_service(moderators=frozenset({MODERATOR, SECOND}))
    owner, moderator = service.user(OWNER), service.user(MODERATOR)
    service.open_discussion(service.user("bob"), OTHER, "First", "Hello.")
    service.set_interaction_limit(owner, ITEM, "established", "1m")
    service.set_interaction_limit(moderator, OTHER, "owner", "1d")
    service.lift_interaction_limit(owner, ITEM)
    service.suspend(moderator, "bob", "until_lifted", NOTE)
    service.lift_suspension(service.user(SECOND), "bob", "Done.")
    service.suspend(moderator, "olga", "6m", "Spam wave.")
    live = projection(service.state)
    service.log.close()
    service.db.close()
    resumed = make_service(moderators=frozenset({MODERATOR, SECOND}))
    assert resumed.db.last_open["mode"] == "resume"
    assert projection(resumed.state) == live
    resumed.db.close()
    (settings.state_dir / "state.db").unlink()
    rebuilt = StateDB(settings.state_dir)
    state = rebuilt.open_state()
    assert rebuilt.last_open["mode"] == "rebuild"
    assert projection(state) == live
    assert projection(State.fold(read_events(settings.state_dir))) == live
    assert state.member_since("olga") == format_ts(T0 - timedelta(days=30))
    rebuilt.close()


def test_the_audit_table_names_the_suspended_user(make_service) -> None:
    service = make_service()
    service.open_discussion(service.user("bob"), OTHER, "First", "Hello.")
    service.suspend(service.user(MODERATOR), "bob", "1d", NOTE)
    frame = mod.audit_log(service, service.user(MODERATOR))
    shown = {language: audit_table(frame, language) for language in ("en", "zh-CN")}
    assert list(shown["en"].iloc[0])[2:4] == ["Suspend a user", "user bob"]
    assert list(shown["zh-CN"].iloc[0])[2:4] == ["对用户停权", "用户 bob"]
