"""The moderator panel's domain (`safeguards.moderation`): the queue and its documented
score, an item's context, every action and its reversal, bulk dismissal, the audit log,
two moderators at once, refusals, and who may call what (research functions included).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import MODERATOR, OWNER

from safeguards import moderation as mod
from safeguards import research
from safeguards.config import Settings
from safeguards.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from safeguards.eventlog import Event, format_ts, read_events
from safeguards.records import DiscussionStatus, ReportStatus, Safeguard
from safeguards.service import Safeguards
from safeguards.state import REVERSALS

MakeService = Callable[..., Safeguards]
SECOND_MODERATOR = "mod-ben"
SMALL = "demo-lab/tiny-sentiment-probe"  # low reach, owned by demo-lab
BIG = "google-bert/bert-base-uncased"  # very high reach
RECIPE = "demo-studio/recipe-assistant-1b"  # OWNER's, reach ~0.42
NIGHTMARE = "demo-studio/nightmare-canvas-xl"  # OWNER's, reach ~0.54
BLOOM = "bigscience/bloom"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def two_mods(make_service: MakeService) -> Safeguards:
    return make_service(moderators=frozenset({MODERATOR, SECOND_MODERATOR}))


def events(service: Safeguards) -> int:
    return len(read_events(service.settings.state_dir))


def flag(service: Safeguards, who: str, artifact_id: str, reason: str = "hate", text: str = "ctx"):
    return service.report(service.user(who), artifact_id, reason, text)


class LogBuilder:
    """Events with chosen timestamps, written as one log file before a service opens
    it: ages and response times need a past the live service cannot produce."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.events: list[Event] = []
        self.counter = itertools.count(1)

    def _add(self, when: datetime, actor: str | None, type_: str, payload: dict) -> None:
        self.events.append(
            Event(f"e{next(self.counter):06d}", format_ts(when), actor, type_, payload)
        )

    def report(
        self, when: datetime, who: str, artifact_id: str, reason: str = "hate", text: str = "ctx"
    ) -> tuple[str, str]:
        n = next(self.counter)
        report_id, discussion_id = f"R-{n:06d}", f"D-{n:06d}"
        payload = {
            "report_id": report_id,
            "artifact_id": artifact_id,
            "reason": reason,
            "context": text,
            "discussion_id": discussion_id,
            "comment_id": f"C-{n:06d}",
            "title": "Report",
            "target_discussion_id": None,
        }
        self._add(when, who, "report.filed", payload)
        return report_id, discussion_id

    def comment(self, when: datetime, who: str, discussion_id: str, text: str) -> None:
        n = next(self.counter)
        payload = {"discussion_id": discussion_id, "text": text, "comment_id": f"C-{n:06d}"}
        self._add(when, who, "comment.added", payload)

    def action(
        self, when: datetime, moderator: str, artifact_id: str, action: str, note: str
    ) -> None:
        n = next(self.counter)
        payload = {"action_id": f"M-{n:06d}", "artifact_id": artifact_id, "action": action}
        self._add(when, moderator, "moderation.action", {**payload, "note": note})

    def write(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / "events-constructed-00001.jsonl"
        path.write_text("".join(e.to_json() + "\n" for e in self.events), encoding="utf-8")


# -- the documented score -------------------------------------------------------------


def score(**overrides: Any) -> float:
    base: dict[str, Any] = {
        "reporters": 1,
        "severity": 3,
        "downloads": 1000,
        "likes": 10,
        "trending": 1.0,
        "age_hours": 24.0,
        "owner_answered": False,
    }
    return mod.priority_score(**{**base, **overrides})


def test_priority_score_follows_its_documented_formula() -> None:
    reach = (math.log10(1001) / 8 + math.log10(11) / 4 + 1.0 / 50) / 3
    expected = 10 * 1 + 4 * 3 + 6 * reach + 2 * 1 - 0  # log2(2) = 1 for both
    assert score() == pytest.approx(expected, abs=0.01)
    assert mod.priority_score.__doc__ and "10 × log2(1 + R)" in mod.priority_score.__doc__
    assert score(reporters=3) > score(reporters=2) > score(reporters=1)
    assert score(severity=5) > score(severity=4) > score(severity=1)
    assert score(downloads=10**7, likes=5000, trending=20) > score()
    assert score(age_hours=24 * 30) > score(age_hours=24 * 7) > score(age_hours=0)
    assert score(owner_answered=True) == pytest.approx(score() - 5, abs=0.01)
    # The trade-offs the docstring promises.
    assert score(severity=5) > score(reporters=3, severity=1)
    assert score(reporters=2) - score() > score(age_hours=24 * 8) - score()
    parts = mod.score_parts(
        reporters=2,
        severity=4,
        downloads=0,
        likes=0,
        trending=0,
        age_hours=0,
        owner_answered=True,
    )
    assert set(parts) == {"reporters", "severity", "reach", "age", "answered"}
    assert parts["reach"] == 0 and parts["age"] == 0 and parts["answered"] == -5


def order(service: Safeguards, **filters: Any) -> list[str]:
    return [i.artifact_id for i in mod.build_queue(service, service.user(MODERATOR), **filters)]


def test_more_distinct_reporters_rank_first_even_with_less_reach(service: Safeguards) -> None:
    flag(service, "alice", BIG)
    flag(service, "alice", SMALL)
    flag(service, "alice", SMALL, text="again")  # the same person: still one reporter
    assert order(service) == [BIG, SMALL]
    flag(service, "bob", SMALL)
    assert order(service) == [SMALL, BIG]
    item = mod.build_queue(service, service.user(MODERATOR))[0]
    assert (item.reporters, item.reports) == (2, 2)


def test_severity_outranks_reach(service: Safeguards) -> None:
    flag(service, "alice", BIG, "spam")
    flag(service, "bob", SMALL, "minors")
    assert order(service) == [SMALL, BIG]
    items = mod.build_queue(service, service.user(MODERATOR))
    assert [i.severity for i in items] == [5, 1]


def test_reach_breaks_ties(service: Safeguards) -> None:
    flag(service, "alice", SMALL)
    flag(service, "bob", BIG)
    assert order(service) == [BIG, SMALL]


def test_an_owner_answer_lowers_priority(service: Safeguards) -> None:
    flag(service, "alice", RECIPE)
    report = flag(service, "bob", NIGHTMARE)
    assert order(service) == [NIGHTMARE, RECIPE]  # more reach
    service.comment(service.user("bob"), report.discussion_id, "Any news?")  # not the owner
    assert order(service) == [NIGHTMARE, RECIPE]
    service.comment(service.user(OWNER), report.discussion_id, "We are looking into it.")
    assert order(service) == [RECIPE, NIGHTMARE]
    answered = {
        i.artifact_id: i.owner_answered for i in mod.build_queue(service, service.user(MODERATOR))
    }
    assert answered == {NIGHTMARE: True, RECIPE: False}


def test_older_items_rise(make_service: MakeService, settings: Settings) -> None:
    log = LogBuilder(settings.state_dir)
    log.report(NOW - timedelta(days=30), "alice", SMALL)
    log.report(NOW - timedelta(hours=1), "bob", BIG)
    log.write()
    service = make_service()
    items = mod.build_queue(service, service.user(MODERATOR), now=NOW)
    assert [i.artifact_id for i in items] == [SMALL, BIG]
    assert items[0].age_hours == pytest.approx(720, abs=0.1)
    # The queue's score is the documented function of the item's own numbers.
    small = service.catalog.get(SMALL)
    assert items[0].score == pytest.approx(
        mod.priority_score(
            reporters=1,
            severity=4,
            downloads=small.downloads,
            likes=small.likes,
            trending=small.trending,
            age_hours=720,
            owner_answered=False,
        ),
        abs=0.01,
    )
    # A week later the young item has aged too, but the order stays.
    later = mod.build_queue(service, service.user(MODERATOR), now=NOW + timedelta(days=7))
    assert [i.artifact_id for i in later] == [SMALL, BIG]


# -- filters --------------------------------------------------------------------------


def test_filters_by_reason_kind_and_status(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    flag(service, "alice", BLOOM, "hate")
    flag(service, "bob", BLOOM, "spam")
    flag(service, "alice", "allenai/c4", "privacy")
    flag(service, "alice", "society-ethics/StableBias", "spam")
    assert set(order(service)) == {BLOOM, "allenai/c4", "society-ethics/StableBias"}
    assert set(order(service, reasons=["spam"])) == {BLOOM, "society-ethics/StableBias"}
    assert order(service, reasons=["privacy", "minors"]) == ["allenai/c4"]
    assert order(service, kinds=["dataset"]) == ["allenai/c4"]
    assert set(order(service, kinds=["model", "space"])) == {BLOOM, "society-ethics/StableBias"}
    assert order(service, kinds=["space"], reasons=["hate"]) == []

    mod.act(service, moderator, "allenai/c4", "dismiss", "not personal data", 0)
    mod.act(service, moderator, "society-ethics/StableBias", "downgrade", "spam space", 0)
    assert order(service) == [BLOOM]
    assert order(service, status="dismissed") == ["allenai/c4"]
    assert order(service, status="actioned") == ["society-ethics/StableBias"]
    assert set(order(service, status="all")) == {BLOOM, "allenai/c4", "society-ethics/StableBias"}
    for bad in ({"reasons": ["nope"]}, {"kinds": ["repo"]}, {"status": "closed"}):
        with pytest.raises(InvalidInput):
            mod.build_queue(service, moderator, **bad)


# -- one item -------------------------------------------------------------------------


def test_item_detail_has_reports_origin_owner_responses_and_history(
    two_mods: Safeguards,
) -> None:
    service = two_mods
    moderator = service.user(MODERATOR)
    first = flag(service, "alice", RECIPE, "privacy", "It prints <b>addresses</b>.")
    flag(service, "alice", RECIPE, "privacy", "More examples.")  # extends the first
    second = flag(service, "bob", RECIPE, "spam", "Advert in the card.")
    service.comment(service.user(OWNER), first.discussion_id, "Fixed in v2, thanks.")
    service.comment(service.user("alice"), first.discussion_id, "Not fixed for me.")
    mod.act(service, service.user(SECOND_MODERATOR), RECIPE, "add_content_warning", "for now", 0)
    flag(service, "carol", RECIPE, "hate", "New problem.")

    detail = mod.item_detail(service, moderator, RECIPE)
    artifact = detail.artifact
    assert (artifact.author, artifact.license, artifact.created) == (
        OWNER,
        "apache-2.0",
        "2026-05-09",
    )
    assert detail.card.body and isinstance(detail.card.sections, dict)
    assert detail.safeguard.content_warning and detail.content_warning
    assert [r.reporter for r in detail.reports] == ["alice", "bob", "carol"]
    assert detail.reports[0].context == "It prints <b>addresses</b>."
    assert detail.reports[0].additions == ["More examples."]
    assert [r.status for r in detail.reports] == [
        ReportStatus.ACTIONED,
        ReportStatus.ACTIONED,
        ReportStatus.OPEN,
    ]
    assert [(r.report_id, r.comment.text) for r in detail.owner_responses] == [
        (first.id, "Fixed in v2, thanks.")
    ]
    assert [(e.kind, e.what) for e in detail.history] == [
        ("report", "privacy"),
        ("report", "spam"),
        ("action", "add_content_warning"),
        ("report", "hate"),
    ]
    assert detail.history[2].actor == SECOND_MODERATOR and detail.history[2].text == "for now"
    assert detail.seen_actions == 1 and len(detail.actions) == 1
    assert {d.id for d in detail.discussions} >= {first.discussion_id, second.discussion_id}
    assert detail.queue_item is not None and detail.queue_item.reporters == 1  # open: carol
    assert "dismiss" in detail.available_actions
    assert "add_content_warning" not in detail.available_actions
    assert "remove_content_warning" in detail.available_actions
    # Copies: changing them changes nothing in the service.
    detail.reports[0].context = "tampered"
    detail.safeguard.disabled = True
    assert service.state.reports[first.id].context == "It prints <b>addresses</b>."
    assert not service.state.safeguard(RECIPE).disabled
    with pytest.raises(NotFound):
        mod.item_detail(service, moderator, "nobody/nothing")


def test_item_detail_of_a_private_or_disabled_artifact(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    flag(service, "alice", SMALL)
    mod.act(service, moderator, SMALL, "make_private", "private for review", 0)
    mod.act(service, moderator, SMALL, "disable", "and disabled", 1)
    detail = mod.item_detail(service, moderator, SMALL)
    assert detail.safeguard.private and detail.safeguard.disabled
    assert detail.queue_item is None
    assert "make_public" in detail.available_actions and "enable" in detail.available_actions
    assert "dismiss" not in detail.available_actions


# -- every action and its reversal ----------------------------------------------------

FLAG_OF = {
    "downgrade": "downgraded",
    "request_private": "private_requested",
    "make_private": "private",
    "gate": "gated",
    "add_content_warning": "content_warning",
    "disable": "disabled",
}


@pytest.mark.parametrize("forward", list(FLAG_OF))
def test_every_artifact_action_and_its_reversal(service: Safeguards, forward: str) -> None:
    moderator = service.user(MODERATOR)
    owner = service.user(OWNER)
    report = flag(service, "alice", RECIPE)
    attribute = FLAG_OF[forward]
    before = events(service)
    result = mod.act(service, moderator, RECIPE, forward, f"why {forward}", 0)
    assert getattr(result.safeguard, attribute) is True
    assert result.action is not None and result.action.action == forward
    assert result.others == [] and result.total_actions == 1
    assert events(service) == before + 1
    # The owner sees it, with the note, in the report discussion.
    thread = service.discussion(owner, report.discussion_id)
    assert any(c.moderation and f"why {forward}" in c.text for c in thread.comments)
    assert service.state.reports[report.id].status is ReportStatus.ACTIONED

    back = REVERSALS[forward]
    undone = mod.act(service, moderator, RECIPE, back, f"undo {forward}", result.total_actions)
    assert not getattr(undone.safeguard, attribute)
    view = service.view(moderator, RECIPE)
    assert not view.gated and not view.content_warning and not view.disabled
    log = mod.audit_log(service, moderator)
    assert list(log["action"]) == [back, forward]
    assert list(log["note"]) == [f"undo {forward}", f"why {forward}"]
    assert set(log["moderator"]) == {MODERATOR}


def test_dismiss_and_restore(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    report = flag(service, "alice", SMALL, "spam")
    result = mod.act(service, moderator, SMALL, "dismiss", "not spam", 0)
    assert result.safeguard == Safeguard()
    assert service.state.reports[report.id].status is ReportStatus.DISMISSED
    assert service.state.reports[report.id].resolution_note == "not spam"
    with pytest.raises(Conflict):  # nothing open any more
        mod.act(service, moderator, SMALL, "dismiss", "again", 1)
    mod.act(service, moderator, SMALL, "downgrade", "a", 1)
    mod.act(service, moderator, SMALL, "gate", "b", 2)
    mod.act(service, moderator, SMALL, "disable", "c", 3)
    restored = mod.act(service, moderator, SMALL, "restore", "all back", 4)
    assert restored.safeguard == Safeguard()
    with pytest.raises(Conflict):  # restore of a clean artifact changes nothing
        mod.act(service, moderator, SMALL, "restore", "again", 5)


def test_discussion_actions_lock_close_and_hide(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    discussion = service.open_discussion(service.user("alice"), BLOOM, "Title", "first")
    abusive = service.comment(service.user("bob"), discussion.id, "you are an idiot")
    seen = 0
    for action, expected in [
        ("lock_discussion", DiscussionStatus.LOCKED),
        ("unlock_discussion", DiscussionStatus.OPEN),
        ("close_discussion", DiscussionStatus.CLOSED),
        ("reopen_discussion", DiscussionStatus.OPEN),
    ]:
        result = mod.act(
            service, moderator, BLOOM, action, f"{action} note", seen, discussion_id=discussion.id
        )
        seen = result.total_actions
        assert service.state.discussions[discussion.id].status is expected
    hidden = mod.act(
        service,
        moderator,
        BLOOM,
        "hide_comment",
        "insult",
        seen,
        discussion_id=discussion.id,
        comment_id=abusive.id,
        reason="abuse",
    )
    comment = service.state.comments[abusive.id]
    assert comment.hidden and comment.hidden_reason == "insult" and comment.hidden_by == MODERATOR
    mod.act(
        service,
        moderator,
        BLOOM,
        "unhide_comment",
        "on appeal",
        hidden.total_actions,
        discussion_id=discussion.id,
        comment_id=abusive.id,
    )
    assert not service.state.comments[abusive.id].hidden
    log = mod.audit_log(service, moderator, artifact=BLOOM)
    assert len(log) == 6
    assert set(log["discussion_id"]) == {discussion.id}
    assert list(log["comment_id"])[:2] == [abusive.id, abusive.id]


# -- bulk dismissal -------------------------------------------------------------------


def test_bulk_dismiss_for_spam(two_mods: Safeguards) -> None:
    service = two_mods
    moderator = service.user(MODERATOR)
    spammed = [SMALL, BLOOM, "allenai/c4"]
    for artifact_id in spammed:
        flag(service, "spammer", artifact_id, "spam", "buy followers")
    flag(service, "alice", BIG, "hate")
    before = events(service)
    with pytest.raises(NotFound):  # one unknown id: nothing at all is recorded
        mod.bulk_dismiss(service, moderator, [SMALL, "nobody/nothing"], "spam wave")
    with pytest.raises(InvalidInput):
        mod.bulk_dismiss(service, moderator, spammed, "   ")
    with pytest.raises(InvalidInput):
        mod.bulk_dismiss(service, moderator, [], "spam wave")
    assert events(service) == before
    # Another moderator already handled one of them.
    mod.act(service, service.user(SECOND_MODERATOR), BLOOM, "dismiss", "seen it", 0)
    done = mod.bulk_dismiss(service, moderator, [*spammed, SMALL], "spam wave")
    assert done == [SMALL, "allenai/c4"]
    assert order(service) == [BIG]
    log = mod.audit_log(service, moderator, moderator=MODERATOR)
    assert sorted(log["artifact_id"]) == sorted(done)
    assert set(log["note"]) == {"spam wave"}


# -- the audit log --------------------------------------------------------------------


def test_audit_log_filters(make_service: MakeService, settings: Settings) -> None:
    log = LogBuilder(settings.state_dir)
    log.report(datetime(2026, 3, 1, tzinfo=UTC), "alice", SMALL)
    log.report(datetime(2026, 3, 1, tzinfo=UTC), "alice", BLOOM)
    log.action(datetime(2026, 3, 2, 9, tzinfo=UTC), MODERATOR, SMALL, "downgrade", "one")
    log.action(datetime(2026, 3, 5, 23, 59, tzinfo=UTC), SECOND_MODERATOR, BLOOM, "gate", "two")
    log.action(datetime(2026, 3, 9, tzinfo=UTC), MODERATOR, SMALL, "restore_visibility", "three")
    log.write()
    service = make_service(moderators=frozenset({MODERATOR, SECOND_MODERATOR}))
    moderator = service.user(MODERATOR)

    def notes(**filters: str) -> list[str]:
        return list(mod.audit_log(service, moderator, **filters)["note"])

    assert notes() == ["three", "two", "one"]
    assert list(mod.audit_log(service, moderator).columns) == list(mod.AUDIT_COLUMNS)
    assert notes(moderator=MODERATOR) == ["three", "one"]
    assert notes(moderator="MOD-BEN ") == ["two"]
    assert notes(action="gate") == ["two"]
    assert notes(artifact="tiny") == ["three", "one"]
    assert notes(artifact="BigScience/") == ["two"]
    assert notes(since="2026-03-05") == ["three", "two"]
    assert notes(until="2026-03-05") == ["two", "one"]  # the whole day included
    assert notes(since="2026-03-03", until="2026-03-08") == ["two"]
    assert notes(since="2026-03-05T23:59:30Z") == ["three"]
    assert notes(moderator=MODERATOR, action="gate") == []
    assert mod.moderators_seen(service, moderator) == [MODERATOR, SECOND_MODERATOR]
    for bad in ({"since": "March"}, {"until": "2026-02-30"}, {"action": "delete"}):
        with pytest.raises(InvalidInput):
            mod.audit_log(service, moderator, **bad)


def test_audit_csv_export(service: Safeguards, tmp_path: Path) -> None:
    moderator = service.user(MODERATOR)
    flag(service, "alice", SMALL)
    mod.act(service, moderator, SMALL, "downgrade", '=HYPERLINK("http://evil") and, "quotes"', 0)
    mod.act(service, moderator, SMALL, "restore_visibility", "line one\nline two", 1)
    path = mod.export_audit_csv(service, moderator, tmp_path / "csv", action="downgrade")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) == 1 and set(rows[0]) == set(mod.AUDIT_COLUMNS)
    assert rows[0]["note"] == '\'=HYPERLINK("http://evil") and, "quotes"'  # not a formula
    assert rows[0]["moderator"] == MODERATOR and rows[0]["artifact_id"] == SMALL
    everything = list(
        csv.DictReader(io.StringIO(mod.spreadsheet_csv(mod.audit_log(service, moderator))))
    )
    assert [r["note"] for r in everything] == ["line one\nline two", rows[0]["note"]]


# -- two moderators at once -----------------------------------------------------------


def test_an_action_in_between_is_reported(two_mods: Safeguards) -> None:
    service = two_mods
    ana, ben = service.user(MODERATOR), service.user(SECOND_MODERATOR)
    flag(service, "alice", SMALL)
    seen_by_ana = mod.item_detail(service, ana, SMALL).seen_actions
    seen_by_ben = mod.item_detail(service, ben, SMALL).seen_actions
    first = mod.act(service, ben, SMALL, "downgrade", "ben: out of feeds", seen_by_ben)
    assert first.others == []
    second = mod.act(service, ana, SMALL, "disable", "ana: disable", seen_by_ana)
    assert [(a.moderator, a.action, a.note) for a in second.others] == [
        (SECOND_MODERATOR, "downgrade", "ben: out of feeds")
    ]
    assert second.action is not None and second.action.moderator == MODERATOR
    assert second.safeguard.downgraded and second.safeguard.disabled  # both kept
    # Having seen everything, the next action reports nobody else.
    third = mod.act(service, ana, SMALL, "enable", "ana: enable", second.total_actions)
    assert third.others == []


def _act_at_once(
    service: Safeguards,
    user: Any,
    artifact_id: str,
    action: str,
    seen: int,
    barrier: threading.Barrier,
    results: dict[str, mod.ActResult],
    errors: list[BaseException],
) -> None:
    try:
        barrier.wait()
        results[action] = mod.act(service, user, artifact_id, action, action, seen)
    except BaseException as exc:
        errors.append(exc)


def test_two_moderators_at_the_same_moment(two_mods: Safeguards, make_service: MakeService) -> None:
    """Restore and gate on a downgraded item, from two threads: both succeed whatever
    the order, both are recorded, the state is the later one's, and the later one is
    told about the earlier."""
    service = two_mods
    ana, ben = service.user(MODERATOR), service.user(SECOND_MODERATOR)
    for round_ in range(5):
        artifact_id = [SMALL, BLOOM, BIG, RECIPE, NIGHTMARE][round_]
        flag(service, f"reporter{round_}", artifact_id)
        mod.act(service, ana, artifact_id, "downgrade", "first look", 0)
        seen = mod.item_detail(service, ana, artifact_id).seen_actions
        barrier = threading.Barrier(2)
        results: dict[str, mod.ActResult] = {}
        errors: list[BaseException] = []
        threads = [
            threading.Thread(
                target=_act_at_once,
                args=(service, user, artifact_id, action, seen, barrier, results, errors),
            )
            for user, action in ((ana, "restore"), (ben, "gate"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        recorded = mod.item_detail(service, ana, artifact_id).actions[-2:]
        assert {a.action for a in recorded} == {"restore", "gate"}
        later, earlier = recorded[1], recorded[0]
        final = service.state.safeguard(artifact_id)
        if later.action == "restore":
            assert final == Safeguard()
        else:
            assert final.gated and not final.downgraded
        assert earlier in results[later.action].others
        assert results[earlier.action].others in ([], [later])
    # A restart folds the same state.
    again = make_service(moderators=frozenset({MODERATOR, SECOND_MODERATOR}))
    assert again.state.safeguards == service.state.safeguards


# -- refusals -------------------------------------------------------------------------


def test_bad_actions_are_refused_and_record_nothing(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    flag(service, "alice", SMALL)
    before = events(service)
    cases: list[tuple[type[Exception], tuple, dict]] = [
        (NotFound, ("nobody/nothing", "downgrade", "note", 0), {}),
        (NotFound, (None, "downgrade", "note", 0), {}),
        (InvalidInput, (SMALL, "downgrade", "", 0), {}),
        (InvalidInput, (SMALL, "downgrade", "   \n ", 0), {}),
        (InvalidInput, (SMALL, "downgrade", None, 0), {}),
        (InvalidInput, (SMALL, "downgrade", "x" * 1001, 0), {}),
        (InvalidInput, (SMALL, "delete", "note", 0), {}),
        (InvalidInput, (SMALL, None, "note", 0), {}),
        (InvalidInput, (SMALL, "downgrade", "note", "zero"), {}),
        (InvalidInput, (SMALL, "downgrade", "note", -1), {}),
        (InvalidInput, (SMALL, "downgrade", "note", 1.5), {}),
        (InvalidInput, (SMALL, "downgrade", "note", float("nan")), {}),
        (NotFound, (SMALL, "lock_discussion", "note", 0), {"discussion_id": "D-missing"}),
        (
            NotFound,
            (SMALL, "hide_comment", "note", 0),
            {"discussion_id": "D-x", "comment_id": "C", "reason": "spam"},
        ),
    ]
    for error, args, kwargs in cases:
        with pytest.raises(error) as raised:
            mod.act(service, moderator, *args, **kwargs)
        assert raised.value.message  # a sentence to show
    assert events(service) == before
    assert not list(service.state.actions.values())
    assert service.state.safeguard(SMALL) == Safeguard()


JUNK: tuple[object, ...] = (-1, 1e308, {"k": [1]}, ["x", 2], True, b"bytes")


def test_junk_from_a_client_is_refused_cleanly(service: Safeguards, tmp_path: Path) -> None:
    """What raw HTTP may send instead of the UI's values: a clear InvalidInput (or
    NotFound), never a TypeError, and nothing recorded."""
    moderator = service.user(MODERATOR)
    flag(service, "alice", SMALL)
    before = events(service)
    for junk in JUNK:
        calls: list[Callable[[], object]] = [
            lambda junk=junk: mod.build_queue(service, moderator, reasons=junk),
            lambda junk=junk: mod.build_queue(service, moderator, kinds=junk),
            lambda junk=junk: mod.build_queue(service, moderator, status=junk),
            lambda junk=junk: mod.act(service, moderator, SMALL, "downgrade", junk, 0),
            lambda junk=junk: mod.act(service, moderator, SMALL, junk, "note", 0),
            lambda junk=junk: mod.act(service, moderator, SMALL, "downgrade", "note", junk),
            lambda junk=junk: mod.act(service, moderator, junk, "downgrade", "note", 0),
            lambda junk=junk: mod.bulk_dismiss(service, moderator, junk, "note"),
            lambda junk=junk: mod.audit_log(service, moderator, moderator=junk),
            lambda junk=junk: mod.audit_log(service, moderator, since=junk),
            lambda junk=junk: mod.item_detail(service, moderator, junk),
            lambda junk=junk: research.reports_over_time(service, moderator, junk),
            lambda junk=junk: research.reports_over_time(service, moderator, "reason", junk),
            lambda junk=junk: research.most_reported(service, moderator, junk),
        ]
        for call in calls:
            with pytest.raises((InvalidInput, NotFound)):
                call()
    assert events(service) == before


PEOPLE = [None, "alice", OWNER]  # visitor, member, the owner of RECIPE


@pytest.mark.parametrize("who", PEOPLE, ids=["visitor", "member", "owner"])
def test_only_moderators_may_use_the_panel(
    service: Safeguards, who: str | None, tmp_path: Path
) -> None:
    report = flag(service, "carol", RECIPE)
    discussion = service.discussion(service.user(MODERATOR), report.discussion_id)
    comment_id = discussion.comments[0].id
    mod.act(service, service.user(MODERATOR), BLOOM, "downgrade", "seed", 0)
    user = service.user(who)
    before = events(service)
    calls: list[Callable[[], object]] = [
        lambda: mod.build_queue(service, user),
        lambda: mod.item_detail(service, user, RECIPE),
        lambda: mod.act(service, user, RECIPE, "dismiss", "mine now", 0),
        lambda: mod.act(service, user, RECIPE, "disable", "mine now", 0),
        lambda: mod.act(service, user, BLOOM, "restore", "undo", 0),
        lambda: mod.act(
            service,
            user,
            RECIPE,
            "hide_comment",
            "hide it",
            0,
            discussion_id=discussion.id,
            comment_id=comment_id,
            reason="spam",
        ),
        lambda: mod.act(
            service, user, RECIPE, "lock_discussion", "x", 0, discussion_id=discussion.id
        ),
        lambda: mod.bulk_dismiss(service, user, [RECIPE], "spam"),
        lambda: mod.audit_log(service, user),
        lambda: mod.export_audit_csv(service, user, tmp_path / "csv"),
        lambda: mod.moderators_seen(service, user),
        lambda: research.most_reported(service, user),
        lambda: research.export_dataset(service, user, tmp_path / "ds"),
        lambda: research.export_zip(service, user, tmp_path / "zip"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert events(service) == before
    assert not (tmp_path / "csv").exists() and not (tmp_path / "ds").exists()
    assert not (tmp_path / "zip").exists()
    assert service.state.reports[report.id].status is ReportStatus.OPEN
    assert service.state.safeguard(BLOOM).downgraded
    assert not service.state.comments[comment_id].hidden
    # The aggregates are open to everyone (see safeguards.research).
    assert research.reports_over_time(service, user)["reports"].sum() == 1
    assert research.response_times(service, user)["reports"] == 1


def test_the_domain_modules_import_no_gradio() -> None:
    code = "import sys, safeguards.moderation, safeguards.research; print('gradio' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.stdout.strip() == "False"
