"""Hide and lock reasons, owners hiding comments, and the guidelines version every
report and decision records (issue 15, items 3 and 7)."""

from __future__ import annotations

import re

import pytest
from conftest import MODERATOR, OWNER

from safeguards.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from safeguards.eventlog import read_events
from safeguards.i18n import tr
from safeguards.policy import GUIDELINES_VERSION, HIDE_REASONS
from safeguards.service import Safeguards
from safeguards.ui.texts import comment_text, thread_text


def plain(markdown: str) -> str:
    """Markdown with its backslash escapes removed: the text a reader sees."""
    return re.sub(r"\\(.)", r"\1", markdown)


PLAIN = "demo-studio/recipe-assistant-1b"  # owned by OWNER
FOREIGN = "bigscience/bloom"


def test_a_moderator_hide_needs_one_of_the_reasons(service: Safeguards) -> None:
    moderator, bob = service.user(MODERATOR), service.user("bob")
    thread = service.open_discussion(bob, PLAIN, "Thread", "first")
    rude = service.comment(bob, thread.id, "buy cheap pills")
    target = {"discussion_id": thread.id, "comment_id": rude.id}
    for bad in (None, "", "rude", ["spam"], "SPAM"):
        with pytest.raises(InvalidInput):
            service.moderate(moderator, PLAIN, "hide_comment", "Ads.", reason=bad, **target)
    assert not service.state.comments[rude.id].hidden
    service.moderate(moderator, PLAIN, "hide_comment", "Ads.", reason="spam", **target)
    comment = service.state.comments[rude.id]
    assert comment.hidden and comment.hidden_as == "spam" and comment.hidden_reason == "Ads."
    action = list(service.state.actions.values())[-1]
    assert action.reason == "spam" and action.policy == GUIDELINES_VERSION
    # Readers see the reason, not the text nor the note; moderators can expand the text.
    reader = comment_text(comment, "en")
    assert "hidden as spam" in reader and "pills" not in reader and "Ads." not in reader
    expanded = comment_text(comment, "en", moderator=True)
    assert "pills" in expanded and "Ads" in expanded
    assert tr("hide.spam", "zh-CN") in comment_text(comment, "zh-CN")
    # Showing it again clears the reason.
    service.moderate(moderator, PLAIN, "unhide_comment", "Not ads.", **target)
    assert service.state.comments[rude.id].hidden_as is None


def test_a_lock_may_give_a_public_reason(service: Safeguards) -> None:
    moderator, bob = service.user(MODERATOR), service.user("bob")
    thread = service.open_discussion(bob, PLAIN, "Thread", "first")
    with pytest.raises(InvalidInput):
        service.moderate(
            moderator, PLAIN, "lock_discussion", "x", discussion_id=thread.id, reason="bored"
        )
    service.moderate(
        moderator,
        PLAIN,
        "lock_discussion",
        "Cool down.",
        discussion_id=thread.id,
        reason="too-heated",
    )
    locked = service.discussion(bob, thread.id)
    assert locked.lock_reason == "too-heated"
    assert "Locked as too heated" in thread_text(locked, "en")
    service.moderate(moderator, PLAIN, "unlock_discussion", "Calm.", discussion_id=thread.id)
    assert service.discussion(bob, thread.id).lock_reason is None
    # Without a reason a lock still works, and says none.
    service.moderate(moderator, PLAIN, "lock_discussion", "Again.", discussion_id=thread.id)
    again = service.discussion(bob, thread.id)
    assert again.lock_reason is None and "Locked as" not in thread_text(again, "en")


def test_owners_hide_comments_on_their_own_artifacts_with_a_reason(
    service: Safeguards,
) -> None:
    owner, bob, alice = service.user(OWNER), service.user("bob"), service.user("alice")
    thread = service.open_discussion(bob, PLAIN, "Question", "Does it work offline?")
    off = service.comment(alice, thread.id, "Unrelated: who won the match?")
    before = len(read_events(service.settings.state_dir))
    for who in (bob, alice, service.user(None)):
        with pytest.raises(PermissionDenied):
            service.hide_comment_as_owner(who, off.id, "off-topic")
    with pytest.raises(InvalidInput):
        service.hide_comment_as_owner(owner, off.id, None)
    with pytest.raises(InvalidInput):
        service.hide_comment_as_owner(owner, off.id, "boring")
    with pytest.raises(NotFound):
        service.hide_comment_as_owner(owner, "C-nope", "spam")
    assert len(read_events(service.settings.state_dir)) == before  # nothing written
    hidden = service.hide_comment_as_owner(owner, off.id, "off-topic")
    assert hidden.hidden and hidden.hidden_as == "off-topic" and hidden.hidden_by == OWNER
    event = read_events(service.settings.state_dir)[-1]
    assert event.type == "comment.hidden" and event.actor == OWNER
    assert event.payload["reason"] == "off-topic" and event.payload["policy"] == GUIDELINES_VERSION
    assert "hidden as off-topic (by the owner)" in plain(comment_text(hidden, "en"))
    with pytest.raises(Conflict):
        service.hide_comment_as_owner(owner, off.id, "spam")
    # Not an artifact of theirs.
    other = service.open_discussion(bob, FOREIGN, "Q", "text")
    with pytest.raises(PermissionDenied):
        service.hide_comment_as_owner(owner, other.comments[0].id, "spam")
    # A moderator can show it again; the fold gives the same state after a restart.
    service.moderate(
        service.user(MODERATOR),
        PLAIN,
        "unhide_comment",
        "Relevant after all.",
        discussion_id=thread.id,
        comment_id=off.id,
    )
    assert not service.state.comments[off.id].hidden


def test_owners_cannot_bury_a_report_or_a_moderators_note(service: Safeguards) -> None:
    owner, bob = service.user(OWNER), service.user("bob")
    report = service.report(bob, PLAIN, "spam", "It posts ads in its outputs.")
    opening = service.discussion(owner, report.discussion_id).comments[0]
    with pytest.raises(Conflict):
        service.hide_comment_as_owner(owner, opening.id, "spam")
    reply = service.comment(bob, report.discussion_id, "More examples attached.")
    service.hide_comment_as_owner(owner, reply.id, "duplicate")  # replies may be hidden
    service.moderate(service.user(MODERATOR), PLAIN, "downgrade", "Confirmed.")
    echo = service.discussion(owner, report.discussion_id).comments[-1]
    assert echo.moderation
    with pytest.raises(Conflict):
        service.hide_comment_as_owner(owner, echo.id, "resolved")


def test_reports_and_decisions_record_the_guidelines_version(service: Safeguards) -> None:
    report = service.report(service.user("bob"), PLAIN, "spam", "ads")
    assert report.policy == GUIDELINES_VERSION
    service.moderate(service.user(MODERATOR), PLAIN, "downgrade", "Confirmed.")
    events = read_events(service.settings.state_dir)
    assert events[-2].payload["policy"] == GUIDELINES_VERSION  # report.filed
    assert events[-1].payload["policy"] == GUIDELINES_VERSION  # moderation.action
    notices = service.my_notices(service.user(OWNER))
    assert notices[0].action.policy == GUIDELINES_VERSION


def test_reasons_survive_a_restart(make_service) -> None:
    service = make_service()
    moderator, bob = service.user(MODERATOR), service.user("bob")
    thread = service.open_discussion(bob, PLAIN, "Thread", "first")
    rude = service.comment(bob, thread.id, "spam spam")
    service.hide_comment_as_owner(service.user(OWNER), rude.id, "spam")
    service.moderate(
        moderator, PLAIN, "lock_discussion", "x", discussion_id=thread.id, reason="resolved"
    )
    service.log.close()
    again = make_service()
    assert again.state.comments[rude.id].hidden_as == "spam"
    assert again.state.discussions[thread.id].lock_reason == "resolved"
    assert list(again.state.actions.values())[-1].policy == GUIDELINES_VERSION


def test_every_reason_has_a_label_and_a_description_in_both_languages() -> None:
    for reason in HIDE_REASONS:
        for language in ("en", "zh-CN"):
            assert tr(f"hide.{reason}", language) != f"hide.{reason}"
            assert tr(f"hide_desc.{reason}", language) != f"hide_desc.{reason}"


def test_the_guidelines_section_and_decision_notices_name_the_version(
    service: Safeguards,
) -> None:
    from safeguards.ui.activity import notice_text
    from safeguards.ui.transparency import guidelines_text

    for language in ("en", "zh-CN"):
        text = guidelines_text(language)
        assert GUIDELINES_VERSION in text
        for reason in HIDE_REASONS:
            assert tr(f"hide_desc.{reason}", language) in text
        assert tr("guidelines.change.owner_hide", language) in text
    service.report(service.user("bob"), PLAIN, "spam", "ads")
    service.moderate(service.user(MODERATOR), PLAIN, "downgrade", "Confirmed.")
    notice = service.my_notices(service.user(OWNER))[0]
    assert f"guidelines {GUIDELINES_VERSION}" in plain(notice_text(notice, "en"))
    assert f"内容准则 {GUIDELINES_VERSION}" in plain(notice_text(notice, "zh-CN"))
