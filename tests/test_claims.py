"""Claims on queue items (issue 15, item 2): one clear owner, expiry after 30 minutes
without activity (from event times), and acting on another's claim only when confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import MODERATOR

from safeguards import moderation as mod
from safeguards.config import Settings
from safeguards.errors import Conflict, PermissionDenied
from safeguards.eventlog import Event, format_ts, read_events
from safeguards.policy import CLAIM_IDLE
from safeguards.service import Safeguards
from safeguards.state import State
from safeguards.ui.moderation import queue_table

ITEM = "demo-studio/recipe-assistant-1b"
SECOND = "mod-ben"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def two_mods(make_service) -> Safeguards:
    return make_service(moderators=frozenset({MODERATOR, SECOND}))


def event(n: int, minutes: float, actor: str, type_: str, **payload: str) -> Event:
    ts = format_ts(T0 + timedelta(minutes=minutes))
    return Event(id=f"E{n:03d}", ts=ts, actor=actor, type=type_, payload=payload)


def test_a_claim_is_seen_by_others_and_released_by_its_holder(two_mods: Safeguards) -> None:
    ana, ben = two_mods.user(MODERATOR), two_mods.user(SECOND)
    two_mods.report(two_mods.user("bob"), ITEM, "spam", "ads")
    assert two_mods.claim_of(ben, ITEM) is None
    claim = two_mods.claim(ana, ITEM)
    assert claim.moderator == MODERATOR and claim.id == ITEM
    seen = two_mods.claim_of(ben, ITEM)
    assert seen is not None and seen.moderator == MODERATOR
    with pytest.raises(Conflict) as taken:
        two_mods.claim(ben, ITEM)
    assert MODERATOR in taken.value.text("en")
    with pytest.raises(Conflict):
        two_mods.release(ben, ITEM)  # not theirs
    two_mods.claim(ana, ITEM)  # claiming again refreshes, no conflict
    two_mods.release(ana, ITEM)
    assert two_mods.claim_of(ben, ITEM) is None
    assert two_mods.claim(ben, ITEM).moderator == SECOND


def test_only_moderators_claim_or_see_claims(two_mods: Safeguards) -> None:
    before = len(read_events(two_mods.settings.state_dir))
    for who in (None, "bob", "demo-studio"):
        user = two_mods.user(who)
        with pytest.raises(PermissionDenied):
            two_mods.claim(user, ITEM)
        with pytest.raises(PermissionDenied):
            two_mods.release(user, ITEM)
        with pytest.raises(PermissionDenied):
            two_mods.claim_of(user, ITEM)
        with pytest.raises(PermissionDenied):
            two_mods.claims_in_force(user)
    assert len(read_events(two_mods.settings.state_dir)) == before


def test_acting_on_another_moderators_claim_needs_the_override(two_mods: Safeguards) -> None:
    ana, ben = two_mods.user(MODERATOR), two_mods.user(SECOND)
    two_mods.report(two_mods.user("bob"), ITEM, "spam", "ads")
    two_mods.claim(ana, ITEM)
    with pytest.raises(Conflict) as refused:
        two_mods.moderate(ben, ITEM, "downgrade", "Ads.", override_claim=False)
    assert "claimed" in refused.value.text("en")
    assert not two_mods.state.safeguard(ITEM).downgraded
    # The holder acts freely; the confirmed override works for the other.
    two_mods.moderate(ana, ITEM, "add_content_warning", "Warn.", override_claim=False)
    two_mods.moderate(ben, ITEM, "downgrade", "Ads.", override_claim=True)
    assert two_mods.state.safeguard(ITEM).downgraded


def test_a_decision_by_the_holder_ends_the_claim(two_mods: Safeguards) -> None:
    ana, ben = two_mods.user(MODERATOR), two_mods.user(SECOND)
    two_mods.report(two_mods.user("bob"), ITEM, "spam", "ads")
    two_mods.claim(ana, ITEM)
    two_mods.moderate(ana, ITEM, "dismiss", "Not spam.", override_claim=False)
    assert two_mods.claim_of(ben, ITEM) is None


def test_the_queue_table_names_who_holds_each_item(two_mods: Safeguards) -> None:
    """The Claimed column: the holder and since when for a claim in force, "—" for a
    free item or a lapsed claim."""
    ana, ben = two_mods.user(MODERATOR), two_mods.user(SECOND)
    other = "bigscience/bloom"
    for artifact_id in (ITEM, other):
        two_mods.report(two_mods.user("bob"), artifact_id, "spam", "ads")
    two_mods.claim(ana, ITEM)
    claims = two_mods.claims_in_force(ben)
    assert set(claims) == {ITEM} and claims[ITEM].moderator == MODERATOR
    items = mod.build_queue(two_mods, ben)
    for language, column, age in (("en", "Claimed by", "just now"), ("zh-CN", "认领人", "刚刚")):
        table = queue_table(items, language, claims=claims)
        cells = dict(zip(table.iloc[:, 0], table[column], strict=True))
        assert cells == {ITEM: f"{MODERATOR}, {age}", other: "—"}
    later = datetime.now(UTC) + CLAIM_IDLE + timedelta(minutes=1)
    assert two_mods.claims_in_force(ben, now=later) == {}


def test_a_claim_expires_after_30_minutes_without_activity() -> None:
    state = State.fold([event(1, 0, MODERATOR, "moderation.claimed", artifact_id=ITEM)])
    assert state.active_claim(ITEM, T0 + CLAIM_IDLE) is not None
    assert state.active_claim(ITEM, T0 + CLAIM_IDLE + timedelta(seconds=1)) is None
    # A decision by the holder answers the item: the claim ends with it.
    state.apply(
        event(
            2,
            20,
            MODERATOR,
            "moderation.action",
            action_id="M1",
            artifact_id=ITEM,
            action="request_private",
            note="n",
        )
    )
    assert state.active_claim(ITEM, T0 + timedelta(minutes=45)) is None  # a decision ends it
    fresh = State.fold(
        [
            event(1, 0, MODERATOR, "moderation.claimed", artifact_id=ITEM),
            event(2, 25, MODERATOR, "moderation.claimed", artifact_id=ITEM),  # refresh
        ]
    )
    assert fresh.active_claim(ITEM, T0 + timedelta(minutes=50)) is not None
    assert fresh.active_claim(ITEM, T0 + timedelta(minutes=56)) is None
    # Once it has lapsed, another moderator may take it.
    fresh.apply(event(3, 56, SECOND, "moderation.claimed", artifact_id=ITEM))
    assert fresh.active_claim(ITEM, T0 + timedelta(minutes=57)).moderator == SECOND


def test_racing_claims_leave_one_owner_whatever_the_order_files_are_read() -> None:
    """Two replicas each accepted a claim a second apart: the fold keeps the first by
    time, on every replica, in any order the files are read in."""
    first = event(1, 0, MODERATOR, "moderation.claimed", artifact_id=ITEM)
    second = event(2, 1 / 60, SECOND, "moderation.claimed", artifact_id=ITEM)
    released_by_loser = event(3, 1, SECOND, "moderation.released", artifact_id=ITEM)
    for events in ([first, second, released_by_loser], [second, first, released_by_loser]):
        ordered = sorted(events, key=lambda e: (e.ts, e.id))  # the fold order of the log
        state = State.fold(ordered)
        claim = state.active_claim(ITEM, T0 + timedelta(minutes=2))
        assert claim is not None and claim.moderator == MODERATOR


def test_claims_survive_a_restart(make_service, settings: Settings) -> None:
    service = make_service(moderators=frozenset({MODERATOR, SECOND}))
    service.claim(service.user(MODERATOR), ITEM)
    service.log.close()
    again = make_service(moderators=frozenset({MODERATOR, SECOND}))
    held = again.claim_of(again.user(SECOND), ITEM)
    assert held is not None and held.moderator == MODERATOR
    events = [e for e in read_events(settings.state_dir) if e.type == "moderation.claimed"]
    assert events and events[0].payload == {"artifact_id": ITEM}
