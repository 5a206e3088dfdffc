"""Decision notices and appeals (issue #13), on the domain: who may appeal, once, within
30 days; a moderator other than the one who acted decides; a reversal is the action
that undoes the decision; the outcome reaches the report's thread, the appellant's
notices and the reporter's story; everything is events that survive a restart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from conftest import MODERATOR, OWNER

from safeguards import moderation as mod
from safeguards.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from safeguards.eventlog import Event, format_ts, read_events
from safeguards.records import AppealStatus
from safeguards.service import Safeguards

MakeService = Callable[..., Safeguards]
SECOND = "mod-ben"
RECIPE = "demo-studio/recipe-assistant-1b"  # OWNER's
SMALL = "demo-lab/tiny-sentiment-probe"  # not OWNER's


@pytest.fixture
def service(make_service: MakeService) -> Safeguards:
    return make_service(moderators=frozenset({MODERATOR, SECOND}))


def gated_after_a_report(service: Safeguards) -> tuple[str, str]:
    """alice reports RECIPE, the first moderator gates it: (action id, report id)."""
    report = service.report(service.user("alice"), RECIPE, "privacy", "Real names in it.")
    service.moderate(service.user(MODERATOR), RECIPE, "gate", "Gated until it is cleaned.")
    action = list(service.state.actions.values())[-1]
    return action.id, report.id


def test_owner_sees_the_notice_with_its_guideline_and_deadline(service: Safeguards) -> None:
    action_id, _ = gated_after_a_report(service)
    (notice,) = service.my_notices(service.user(OWNER))
    assert notice.action.id == action_id
    assert notice.action.note == "Gated until it is cleaned."
    assert notice.reasons == ["privacy"]
    assert notice.can_appeal and notice.appeal is None
    deadline = datetime.now(UTC) + timedelta(days=30)
    assert notice.deadline == deadline.strftime("%Y-%m-%d")
    assert service.my_notices(service.user("alice")) == []  # not about her


def test_reversed_appeal_undoes_the_decision_everywhere(service: Safeguards) -> None:
    action_id, report_id = gated_after_a_report(service)
    owner = service.user(OWNER)
    appeal = service.appeal(owner, action_id, "The names were synthetic; see the new card.")
    assert appeal.status is AppealStatus.PENDING
    assert [a.id for a in service.pending_appeals(service.user(SECOND))] == [appeal.id]

    decided = service.decide_appeal(service.user(SECOND), appeal.id, "reversed", "Checked: fake.")
    assert decided.status is AppealStatus.REVERSED
    assert service.view(service.user("alice"), RECIPE).gated is False
    reversal = list(service.state.actions.values())[-1]
    assert (reversal.action, reversal.moderator, reversal.note) == (
        "ungate",
        SECOND,
        "Checked: fake.",
    )
    types = [e.type for e in read_events(service.settings.state_dir)][-2:]
    assert types == ["appeal.decided", "moderation.action"]
    assert service.pending_appeals(service.user(MODERATOR)) == []

    # The report's thread tells the outcome; the reporter's story shows the reversal.
    report = service.state.reports[report_id]
    thread = service.discussion(service.user("alice"), report.discussion_id)
    last = thread.comments[-1]
    assert (last.moderation, last.action, last.text) == (True, "appeal_reversed", "Checked: fake.")
    (story,) = service.my_report_stories(service.user("alice"))
    assert [d.action for d in story.decisions] == ["gate", "ungate"]
    # The appellant's notice carries the outcome and cannot be appealed again.
    gate_notice = next(n for n in service.my_notices(owner) if n.action.id == action_id)
    assert gate_notice.appeal is not None and gate_notice.appeal.status is AppealStatus.REVERSED
    assert gate_notice.appeal.decision_note == "Checked: fake." and not gate_notice.can_appeal
    # The audit log lists the decision on the appeal.
    log = mod.audit_log(service, service.user(MODERATOR), action="appeal_reversed")
    assert list(log["action_id"]) == [appeal.id] and list(log["moderator"]) == [SECOND]


def test_upheld_appeal_changes_nothing_but_its_status(service: Safeguards) -> None:
    action_id, _ = gated_after_a_report(service)
    appeal = service.appeal(service.user(OWNER), action_id, "Please look again.")
    service.decide_appeal(service.user(SECOND), appeal.id, "upheld", "The names are real.")
    assert service.view(service.user("alice"), RECIPE).gated is True
    assert list(service.state.actions.values())[-1].id == action_id  # no new action
    assert service.state.appeals[appeal.id].status is AppealStatus.UPHELD


def test_who_may_appeal_and_when(service: Safeguards) -> None:
    action_id, _ = gated_after_a_report(service)
    with pytest.raises(PermissionDenied, match="sign in"):
        service.appeal(service.user(None), action_id, "Let me in.")
    with pytest.raises(PermissionDenied, match="the person this decision is about"):
        service.appeal(service.user("alice"), action_id, "Not my artifact.")
    with pytest.raises(NotFound):
        service.appeal(service.user(OWNER), "M-000000000000", "No such decision.")
    with pytest.raises(InvalidInput, match="statement is required"):
        service.appeal(service.user(OWNER), action_id, "   ")
    with pytest.raises(InvalidInput, match="too long"):
        service.appeal(service.user(OWNER), action_id, "x" * 5001)
    service.appeal(service.user(OWNER), action_id, "Once.")
    with pytest.raises(Conflict, match="already been appealed"):
        service.appeal(service.user(OWNER), action_id, "Twice.")
    # A reversal is not a decision against the owner: nothing to appeal.
    service.moderate(service.user(MODERATOR), RECIPE, "ungate", "Opened again.")
    with pytest.raises(Conflict, match="cannot be appealed"):
        service.appeal(service.user(OWNER), list(service.state.actions.values())[-1].id, "Why?")


def test_the_acting_moderator_does_not_decide_and_a_decision_is_final(
    service: Safeguards,
) -> None:
    action_id, _ = gated_after_a_report(service)
    appeal = service.appeal(service.user(OWNER), action_id, "Please look again.")
    with pytest.raises(PermissionDenied, match="Another moderator"):
        service.decide_appeal(service.user(MODERATOR), appeal.id, "reversed", "Mine.")
    with pytest.raises(PermissionDenied, match="Only moderators"):
        service.decide_appeal(service.user("alice"), appeal.id, "reversed", "Me.")
    with pytest.raises(InvalidInput):
        service.decide_appeal(service.user(SECOND), appeal.id, "maybe", "Hmm.")
    service.decide_appeal(service.user(SECOND), appeal.id, "upheld", "Stays.")
    with pytest.raises(Conflict, match="already decided"):
        service.decide_appeal(service.user(SECOND), appeal.id, "reversed", "Changed my mind.")


def test_no_appeal_after_thirty_days(make_service: MakeService) -> None:
    """A decision recorded 31 days ago (written to the log with its time)."""
    first = make_service(moderators=frozenset({MODERATOR, SECOND}))
    old = format_ts(datetime.now(UTC) - timedelta(days=31))
    payload = {"action_id": "M-0123456789ab", "artifact_id": RECIPE, "action": "downgrade"}
    first.log.append(
        Event("old-1", old, MODERATOR, "moderation.action", {**payload, "note": "Old."})
    )
    first.log.close()
    service = make_service(moderators=frozenset({MODERATOR, SECOND}))
    (notice,) = service.my_notices(service.user(OWNER))
    assert not notice.can_appeal
    with pytest.raises(Conflict, match="ended on"):
        service.appeal(service.user(OWNER), "M-0123456789ab", "Too late?")


def test_a_hidden_comments_author_appeals_and_gets_it_back(service: Safeguards) -> None:
    bob = service.user("bob")
    discussion = service.open_discussion(bob, SMALL, "Results?", "Are these numbers real?")
    comment = service.comment(bob, discussion.id, "A sharp but fair remark.")
    service.moderate(
        service.user(MODERATOR),
        SMALL,
        "hide_comment",
        "Too sharp.",
        discussion_id=discussion.id,
        comment_id=comment.id,
        reason="abuse",
    )
    hidden = list(service.state.actions.values())[-1]
    assert service.state.comments[comment.id].hidden
    with pytest.raises(PermissionDenied):  # demo-lab owns the artifact, not the comment
        service.appeal(service.user("demo-lab"), hidden.id, "Mine?")
    appeal = service.appeal(bob, hidden.id, "It was fair criticism.")
    assert [n.action.id for n in service.my_notices(bob)] == [hidden.id]
    service.decide_appeal(service.user(SECOND), appeal.id, "reversed", "Fair enough.")
    assert not service.state.comments[comment.id].hidden


def test_appeals_survive_a_restart(service: Safeguards, make_service: MakeService) -> None:
    action_id, _ = gated_after_a_report(service)
    appeal = service.appeal(service.user(OWNER), action_id, "Please look again.")
    service.log.close()
    again = make_service(moderators=frozenset({MODERATOR, SECOND}))
    assert [a.id for a in again.pending_appeals(again.user(SECOND))] == [appeal.id]
    again.decide_appeal(again.user(SECOND), appeal.id, "reversed", "After the restart.")
    assert again.view(again.user("alice"), RECIPE).gated is False
