"""The rules of the application service, through its public methods only."""

from __future__ import annotations

import resource
import signal
from collections.abc import Callable

import pytest
from conftest import MODERATOR, OWNER

from safeguards.config import Settings
from safeguards.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    SafeguardsError,
)
from safeguards.eventlog import LogCorruptError, list_files, read_events
from safeguards.records import (
    AccessStatus,
    DiscussionKind,
    DiscussionStatus,
    ProposalStatus,
    Report,
    ReportStatus,
    Safeguard,
)
from safeguards.search import SearchQuery, Sort
from safeguards.service import Safeguards

PLAIN = "demo-studio/recipe-assistant-1b"  # owned by OWNER, ungated, no content warning
PLAIN_2 = "demo-studio/neighbourhood-reviews"
GATED = "demo-studio/face-attribute-classifier"
MATURE = "demo-studio/nightmare-canvas-xl"
OTHER_OWNERS = "bigscience/bloom"

MakeService = Callable[..., Safeguards]


def event_count(settings: Settings) -> int:
    return len(read_events(settings.state_dir))


def ids(page: object) -> list[str]:
    return [row["id"] for row in page.rows]  # type: ignore[attr-defined]


def find(service: Safeguards, who: str | None, artifact_id: str, sort: Sort) -> bool:
    """Whether a text search for the artifact's name finds it, for this viewer and sort."""
    name = artifact_id.split("/")[1]
    page = service.search(service.user(who), SearchQuery(text=name, sort=sort, page_size=100))
    return artifact_id in ids(page)


def in_feed(service: Safeguards, who: str | None, artifact_id: str, sort: Sort) -> bool:
    page = service.search(service.user(who), SearchQuery(sort=sort, page_size=100))
    assert page.total <= 100
    return artifact_id in ids(page)


# -- identity ---------------------------------------------------------------------------


def test_moderators_come_from_settings_only(service: Safeguards) -> None:
    assert service.user(MODERATOR).is_moderator
    assert service.user(f"  {MODERATOR} ").is_moderator
    assert not service.user("alice").is_moderator
    assert not service.user(OWNER).is_moderator
    assert service.user(None).username is None
    assert service.user("   ").username is None
    assert service.user(123).username is None  # type: ignore[arg-type]


# -- visitors ---------------------------------------------------------------------------


def test_visitors_cannot_change_anything(service: Safeguards, settings: Settings) -> None:
    visitor = service.user(None)
    alice = service.user("alice")
    report = service.report(alice, PLAIN, "spam", "buy cheap watches")
    before = event_count(settings)
    attempts: list[Callable[[], object]] = [
        lambda: service.report(visitor, PLAIN, "spam", "x"),
        lambda: service.comment(visitor, report.discussion_id, "hi"),
        lambda: service.open_discussion(visitor, PLAIN, "t", "x"),
        lambda: service.propose_tags(visitor, PLAIN, ["not-for-all-audiences"]),
        lambda: service.request_access(visitor, GATED, "research"),
        lambda: service.set_preference(visitor, True),
        lambda: service.moderate(visitor, PLAIN, "downgrade", "n"),
        lambda: service.my_reports(visitor),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert event_count(settings) == before
    # Reading stays open to visitors.
    assert service.view(visitor, PLAIN).artifact.id == PLAIN
    assert service.search(visitor, SearchQuery(text="recipe")).total == 1


# -- reports ----------------------------------------------------------------------------


def test_report_opens_a_discussion_seen_by_reporter_owner_and_moderator(
    service: Safeguards, settings: Settings
) -> None:
    alice, bob = service.user("alice"), service.user("bob")
    owner, moderator = service.user(OWNER), service.user(MODERATOR)
    report = service.report(alice, PLAIN, "deception", "It impersonates a real chef.")
    assert isinstance(report, Report)
    assert report.status is ReportStatus.OPEN
    assert report.reporter == "alice" and report.reason == "deception"
    assert report.artifact_id == PLAIN
    assert event_count(settings) == 1

    for who in (alice, owner, moderator):
        discussion = service.discussion(who, report.discussion_id)
        assert discussion.kind is DiscussionKind.REPORT
        assert discussion.comments[0].text == "It impersonates a real chef."
        assert report.discussion_id in [d.id for d in service.view(who, PLAIN).discussions]
    with pytest.raises(NotFound):
        service.discussion(bob, report.discussion_id)
    assert report.discussion_id not in [d.id for d in service.view(bob, PLAIN).discussions]
    assert [r.id for r in service.my_reports(alice)] == [report.id]
    assert service.my_reports(bob) == []


def test_second_report_by_same_user_extends_the_first(
    service: Safeguards, settings: Settings
) -> None:
    alice, bob = service.user("alice"), service.user("bob")
    first = service.report(alice, PLAIN, "spam", "first context")
    again = service.report(alice, PLAIN, "hate", "more context")
    assert again.id == first.id
    assert again.additions == ["more context"]
    assert again.reason == "spam"
    texts = [c.text for c in service.discussion(alice, first.discussion_id).comments]
    assert texts == ["first context", "more context"]
    other = service.report(bob, PLAIN, "spam", "bob's view")
    assert other.id != first.id
    assert len(service.my_reports(alice)) == 1
    assert event_count(settings) == 3
    # Another artifact is another report.
    elsewhere = service.report(alice, PLAIN_2, "spam", "same spammer")
    assert elsewhere.id != first.id


def test_report_rate_limit_writes_nothing_and_survives_restart(
    make_service: MakeService, settings: Settings
) -> None:
    service = make_service(reports_per_hour=3)
    alice = service.user("alice")
    service.report(alice, PLAIN, "spam", "one")
    service.report(alice, PLAIN_2, "spam", "two")
    service.report(alice, PLAIN, "spam", "three (an addition counts too)")
    before = event_count(settings)
    with pytest.raises(RateLimited):
        service.report(alice, MATURE, "spam", "four")
    assert event_count(settings) == before
    assert service.view(alice, MATURE).discussions == []
    # Others are not limited by alice's reports.
    service.report(service.user("bob"), MATURE, "spam", "bob")
    # The limit is folded from the log, so a restart does not reset it.
    restarted = make_service(reports_per_hour=3)
    with pytest.raises(RateLimited):
        restarted.report(restarted.user("alice"), MATURE, "spam", "four")


@pytest.mark.parametrize(
    "context",
    ["", "   \n ", None, "x" * 5001, "null\x00byte", "bell\x07", "escape\x1b[31m", 42],
    ids=["empty", "blank", "none", "too-long", "nul", "bell", "ansi", "not-text"],
)
def test_bad_report_context_is_refused(
    service: Safeguards, settings: Settings, context: object
) -> None:
    with pytest.raises(InvalidInput):
        service.report(service.user("alice"), PLAIN, "spam", context)
    assert event_count(settings) == 0


def test_report_context_limits_and_normalisation(service: Safeguards) -> None:
    alice = service.user("alice")
    longest = service.report(alice, PLAIN, "spam", "y" * 5000)
    assert len(longest.context) == 5000
    multi = service.report(alice, PLAIN_2, "spam", "  line one\r\nline two\ttabbed  ")
    assert multi.context == "line one\nline two\ttabbed"


@pytest.mark.parametrize("reason", ["nope", "", None, "SPAM", 3])
def test_unknown_reason_is_refused(service: Safeguards, settings: Settings, reason: object) -> None:
    with pytest.raises(InvalidInput):
        service.report(service.user("alice"), PLAIN, reason, "context")
    assert event_count(settings) == 0


@pytest.mark.parametrize("artifact_id", ["nobody/nothing", "", None, 7, "bigscience"])
def test_unknown_artifact_is_not_found(
    service: Safeguards, settings: Settings, artifact_id: object
) -> None:
    alice = service.user("alice")
    with pytest.raises(NotFound):
        service.report(alice, artifact_id, "spam", "context")
    with pytest.raises(NotFound):
        service.propose_tags(alice, artifact_id, ["not-for-all-audiences"])
    with pytest.raises(NotFound):
        service.moderate(service.user(MODERATOR), artifact_id, "downgrade", "note")
    assert event_count(settings) == 0


def test_html_is_stored_verbatim(make_service: MakeService) -> None:
    service = make_service()
    alice = service.user("alice")
    text = '<script>alert("x")</script> <img src=x onerror=alert(1)> & <b>bold</b> 中文'
    report = service.report(alice, PLAIN, "malware", text)
    assert report.context == text
    reply = service.comment(service.user(OWNER), report.discussion_id, text)
    assert reply.text == text
    restarted = make_service()
    again = restarted.discussion(restarted.user("alice"), report.discussion_id)
    assert [c.text for c in again.comments] == [text, text]


def test_report_on_a_discussion_of_the_artifact(service: Safeguards) -> None:
    alice, bob = service.user("alice"), service.user("bob")
    thread = service.open_discussion(bob, PLAIN, "Nice model", "Thanks for sharing!")
    report = service.report(alice, PLAIN, "harassment", "rude thread", discussion_id=thread.id)
    assert report.target_discussion_id == thread.id
    other_thread = service.open_discussion(bob, PLAIN_2, "Hello", "hi")
    with pytest.raises(InvalidInput):
        service.report(bob, PLAIN, "spam", "wrong place", discussion_id=other_thread.id)


# -- comments in the report discussion --------------------------------------------------


def test_owner_answers_reporter_follows_up_others_refused(
    service: Safeguards, settings: Settings
) -> None:
    alice, bob, owner = service.user("alice"), service.user("bob"), service.user(OWNER)
    report = service.report(alice, PLAIN, "privacy", "It leaks a phone number.")
    answer = service.comment(owner, report.discussion_id, "Thanks, we removed it.")
    follow = service.comment(alice, report.discussion_id, "Confirmed, it is gone.")
    discussion = service.discussion(owner, report.discussion_id)
    assert [c.id for c in discussion.comments[1:]] == [answer.id, follow.id]
    assert [c.author for c in discussion.comments] == ["alice", OWNER, "alice"]
    before = event_count(settings)
    with pytest.raises((NotFound, PermissionDenied)):
        service.comment(bob, report.discussion_id, "me too")
    with pytest.raises(InvalidInput):
        service.comment(alice, report.discussion_id, "   ")
    with pytest.raises(NotFound):
        service.comment(alice, "D-doesnotexist", "hello")
    assert event_count(settings) == before


def test_owner_closes_and_reopens_a_discussion(service: Safeguards) -> None:
    bob, owner = service.user("bob"), service.user(OWNER)
    thread = service.open_discussion(bob, PLAIN, "Question", "Which data?")
    with pytest.raises(PermissionDenied):
        service.set_discussion_status(bob, thread.id, "closed")
    service.set_discussion_status(owner, thread.id, "closed")
    assert service.discussion(bob, thread.id).status is DiscussionStatus.CLOSED
    with pytest.raises(Conflict):
        service.comment(bob, thread.id, "hello?")
    with pytest.raises(Conflict):
        service.set_discussion_status(owner, thread.id, "closed")
    with pytest.raises(InvalidInput):
        service.set_discussion_status(owner, thread.id, "locked")
    service.set_discussion_status(owner, thread.id, "open")
    service.comment(bob, thread.id, "hello again")


# -- tag proposals ----------------------------------------------------------------------


def test_content_warning_proposal_merged_by_owner(make_service: MakeService) -> None:
    service = make_service()
    alice, bob, owner = service.user("alice"), service.user("bob"), service.user(OWNER)
    assert not service.view(bob, PLAIN).content_warning
    proposal = service.propose_tags(alice, PLAIN, ["not-for-all-audiences"], "Gory recipes.")
    assert proposal.status is ProposalStatus.OPEN
    assert proposal.tags == ("not-for-all-audiences",)
    diff = service.proposal_diff(bob, proposal.id)
    assert "+- not-for-all-audiences" in diff
    assert all(not line.startswith("-") or line.startswith("---") for line in diff.splitlines())
    assert service.view(bob, PLAIN).proposals[0].id == proposal.id
    assert not service.view(bob, PLAIN).content_warning  # not before the merge

    for refused in (bob, alice):  # neither a bystander nor the proposer may merge
        with pytest.raises(PermissionDenied):
            service.decide_proposal(refused, proposal.id, merge=True)
    service.decide_proposal(owner, proposal.id, merge=True, note="Fair point.")
    assert proposal.status is ProposalStatus.MERGED
    assert proposal.decided_by == OWNER

    for svc in (service, make_service()):  # and after a restart
        view = svc.view(svc.user("bob"), PLAIN)
        assert "not-for-all-audiences" in view.tags
        assert view.content_warning
        assert "not-for-all-audiences" in view.card.metadata["tags"]
        assert "not-for-all-audiences" in view.card_text
        discussion = svc.discussion(svc.user("bob"), proposal.discussion_id)
        assert discussion.status is DiscussionStatus.CLOSED
        assert discussion.comments[-1].text == "Fair point."
    with pytest.raises(Conflict):
        service.decide_proposal(owner, proposal.id, merge=False)
    with pytest.raises(Conflict):
        service.propose_tags(bob, PLAIN, ["not-for-all-audiences"])


def test_ethics_tag_merge_adds_the_category(service: Safeguards) -> None:
    bob, owner = service.user("bob"), service.user(OWNER)
    inclusive = SearchQuery(categories=("inclusive",), sort=Sort.DOWNLOADS, page_size=100)
    assert PLAIN not in ids(service.search(bob, inclusive))
    counts_before = service.category_counts(bob)
    proposal = service.propose_tags(bob, PLAIN, ["ethics-inclusive"])
    service.decide_proposal(owner, proposal.id, merge=True)
    assert PLAIN in ids(service.search(bob, inclusive))
    assert "inclusive" in service.view(bob, PLAIN).categories
    assert PLAIN in ids(service.search(bob, SearchQuery(tag="ethics-inclusive", page_size=100)))
    counts_after = service.category_counts(bob)
    assert counts_after["inclusive"] == counts_before["inclusive"] + 1
    assert counts_after["sustainable"] == counts_before["sustainable"]


def test_closed_proposal_changes_nothing(service: Safeguards) -> None:
    bob, owner = service.user("bob"), service.user(OWNER)
    proposal = service.propose_tags(bob, PLAIN, ["not-for-all-audiences", "ethics-rigorous"])
    service.decide_proposal(owner, proposal.id, merge=False, note="Not needed.")
    assert proposal.status is ProposalStatus.CLOSED
    view = service.view(bob, PLAIN)
    assert "not-for-all-audiences" not in view.tags and not view.content_warning
    assert "rigorous" not in view.categories
    # A closed proposal can be proposed again.
    assert service.propose_tags(bob, PLAIN, ["not-for-all-audiences"]).id != proposal.id


def test_proposals_refuse_existing_and_unknown_tags(
    service: Safeguards, settings: Settings
) -> None:
    bob = service.user("bob")
    with pytest.raises(Conflict):
        service.propose_tags(bob, MATURE, ["not-for-all-audiences"])  # already on the card
    with pytest.raises(Conflict):
        service.propose_tags(bob, PLAIN, ["ethics-sustainable"])  # already a category tag
    for bad in (["cool-tag"], ["ethics-fabulous"], [], ["bad tag!"], [""], None):
        with pytest.raises(InvalidInput):
            service.propose_tags(bob, PLAIN, bad)
    assert event_count(settings) == 0
    # Only the new tags are proposed when some are already there.
    mixed = service.propose_tags(bob, PLAIN, ["ethics-sustainable", "NOT-for-all-audiences"])
    assert mixed.tags == ("not-for-all-audiences",)


# -- gated access -----------------------------------------------------------------------


def test_gated_access_request_and_approval(make_service: MakeService, settings: Settings) -> None:
    service = make_service()
    alice, bob, owner = service.user("alice"), service.user("bob"), service.user(OWNER)
    view = service.view(alice, GATED)
    assert view.gated and view.content_locked and view.access is None
    assert not service.view(owner, GATED).content_locked
    assert not service.view(service.user(MODERATOR), GATED).content_locked
    assert service.view(alice, GATED).access_requests == []  # members see no queue

    request = service.request_access(alice, GATED, "Auditing for bias.")
    assert request.status is AccessStatus.PENDING
    assert service.view(alice, GATED).access == request
    assert [r.id for r in service.view(owner, GATED).access_requests] == [request.id]
    assert [r.id for r in service.my_access_requests(alice)] == [request.id]
    with pytest.raises(Conflict):
        service.request_access(alice, GATED, "Please?")
    before = event_count(settings)
    for refused in (bob, alice):
        with pytest.raises(PermissionDenied):
            service.decide_access(refused, request.id, approve=True)
    assert event_count(settings) == before
    assert service.view(alice, GATED).content_locked

    service.decide_access(owner, request.id, approve=True)
    assert request.status is AccessStatus.APPROVED and request.decided_by == OWNER
    assert not service.view(alice, GATED).content_locked
    assert service.view(bob, GATED).content_locked
    assert not make_service().view(alice, GATED).content_locked  # survives a restart
    with pytest.raises(Conflict):
        service.decide_access(owner, request.id, approve=False)
    with pytest.raises(Conflict):
        service.request_access(alice, GATED, "again")  # already has access


def test_gated_access_rejection(service: Safeguards) -> None:
    bob, owner = service.user("bob"), service.user(OWNER)
    request = service.request_access(bob, GATED, "curious")
    service.decide_access(owner, request.id, approve=False)
    assert request.status is AccessStatus.REJECTED
    view = service.view(bob, GATED)
    assert view.content_locked and view.access is not None
    assert view.access.status is AccessStatus.REJECTED
    # After a rejection a new, better-argued request may be filed; a moderator decides it.
    second = service.request_access(bob, GATED, "For my thesis on consent; supervisor: X.")
    assert second.id != request.id
    service.decide_access(service.user(MODERATOR), second.id, approve=True)
    assert not service.view(bob, GATED).content_locked


def test_a_rejection_reason_reaches_the_requester_and_survives_a_restart(
    make_service: MakeService,
) -> None:
    service = make_service()
    bob, owner = service.user("bob"), service.user(OWNER)
    request = service.request_access(bob, GATED, "curious")
    with pytest.raises(InvalidInput):  # at most 200 characters, as on the Hub
        service.decide_access(owner, request.id, approve=False, note="x" * 201)
    with pytest.raises(PermissionDenied):  # only the owner and moderators decide
        service.decide_access(service.user("alice"), request.id, approve=False, note="no")
    assert request.status is AccessStatus.PENDING
    service.decide_access(owner, request.id, approve=False, note="Affiliation missing.")
    assert service.view(bob, GATED).access.decision_note == "Affiliation missing."
    assert read_events(service.settings.state_dir)[-1].payload["note"] == "Affiliation missing."
    again = make_service()  # state.db keeps it across a restart
    mine = again.my_access_requests(again.user("bob"))
    assert [r.decision_note for r in mine] == ["Affiliation missing."]
    # An approval without a note records none.
    second = again.request_access(again.user("bob"), GATED, "For my thesis.")
    again.decide_access(again.user(OWNER), second.id, approve=True)
    assert again.view(again.user("bob"), GATED).access.decision_note is None


def test_access_requests_need_a_gated_artifact_and_a_reason(service: Safeguards) -> None:
    alice = service.user("alice")
    with pytest.raises(Conflict):
        service.request_access(alice, PLAIN, "not gated")
    with pytest.raises(InvalidInput):
        service.request_access(alice, GATED, "")
    with pytest.raises(NotFound):
        service.decide_access(service.user(OWNER), "A-unknown", approve=True)
    with pytest.raises(Conflict):
        service.request_access(service.user(OWNER), GATED, "my own")


# -- preferences ------------------------------------------------------------------------


def test_preference_persists_across_restart(make_service: MakeService, settings: Settings) -> None:
    service = make_service()
    alice = service.user("alice")
    assert service.show_mature_without_popup(alice) is False
    assert service.set_preference(alice, True) is True
    assert service.show_mature_without_popup(alice) is True
    assert not service.show_mature_without_popup(service.user("bob"))
    count = event_count(settings)
    service.set_preference(alice, True)  # unchanged: nothing written
    assert event_count(settings) == count
    with pytest.raises(InvalidInput):
        service.set_preference(alice, "yes")
    assert make_service().show_mature_without_popup(make_service().user("alice")) is True
    service.set_preference(alice, False)
    assert make_service().show_mature_without_popup(make_service().user("alice")) is False


# -- moderation -------------------------------------------------------------------------


def test_only_moderators_moderate(service: Safeguards, settings: Settings) -> None:
    for name in ("alice", OWNER, None):
        with pytest.raises(PermissionDenied):
            service.moderate(service.user(name), PLAIN, "downgrade", "spam")
    assert event_count(settings) == 0


REVERSIBLE = [
    ("downgrade", "restore_visibility", "downgraded"),
    ("request_private", "withdraw_private_request", "private_requested"),
    ("make_private", "make_public", "private"),
    ("gate", "ungate", "gated"),
    ("add_content_warning", "remove_content_warning", "content_warning"),
    ("disable", "enable", "disabled"),
]


@pytest.mark.parametrize(("action", "reversal", "flag"), REVERSIBLE)
def test_each_action_and_its_reversal(
    service: Safeguards, action: str, reversal: str, flag: str
) -> None:
    moderator = service.user(MODERATOR)
    assert service.view(moderator, PLAIN).safeguard == Safeguard()
    guard = service.moderate(moderator, PLAIN, action, f"why {action}")
    assert getattr(guard, flag) is True
    assert getattr(service.view(moderator, PLAIN).safeguard, flag) is True
    with pytest.raises(Conflict):
        service.moderate(moderator, PLAIN, action, "again")
    guard = service.moderate(moderator, PLAIN, reversal, f"why {reversal}")
    assert getattr(guard, flag) is False
    view = service.view(service.user("bob"), PLAIN)
    assert not view.disabled and not view.content_locked and not view.content_warning
    with pytest.raises(Conflict):
        service.moderate(moderator, PLAIN, reversal, "again")


def test_downgrade_leaves_feeds_but_stays_searchable(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    for sort in Sort:
        assert in_feed(service, "bob", PLAIN, sort)
    service.moderate(moderator, PLAIN, "downgrade", "Engagement bait.")
    assert service.view(service.user("bob"), PLAIN).safeguard.visibility().value == "downgraded"
    for who in ("bob", None, OWNER):
        assert not in_feed(service, who, PLAIN, Sort.TRENDING)
        assert not in_feed(service, who, PLAIN, Sort.RECENT)
        assert find(service, who, PLAIN, Sort.DOWNLOADS)
        assert in_feed(service, who, PLAIN, Sort.DOWNLOADS)
    assert service.view(service.user("bob"), PLAIN).artifact.id == PLAIN  # reachable by link
    service.moderate(moderator, PLAIN, "restore_visibility", "Appeal accepted.")
    for sort in Sort:
        assert in_feed(service, "bob", PLAIN, sort)


def test_make_private_hides_from_everyone_but_owner_and_moderators(
    service: Safeguards,
) -> None:
    alice = service.user("alice")
    report = service.report(alice, PLAIN, "privacy", "personal data inside")
    thread = service.open_discussion(service.user("bob"), PLAIN, "Hi", "hello")
    service.moderate(service.user(MODERATOR), PLAIN, "make_private", "Personal data.")
    for who in ("alice", "bob", None):
        user = service.user(who)
        with pytest.raises(NotFound):
            service.view(user, PLAIN)
        with pytest.raises(NotFound):
            service.discussion(user, thread.id)
        for sort in Sort:
            assert not find(service, who, PLAIN, sort)
    with pytest.raises(NotFound):
        service.report(service.user("bob"), PLAIN, "spam", "x")
    with pytest.raises(NotFound):
        service.comment(alice, report.discussion_id, "where did it go?")
    for who in (OWNER, MODERATOR):
        assert service.view(service.user(who), PLAIN).safeguard.private
        for sort in Sort:
            assert find(service, who, PLAIN, sort)
    service.moderate(service.user(MODERATOR), PLAIN, "make_public", "Data removed.")
    assert service.view(alice, PLAIN).artifact.id == PLAIN
    assert find(service, "alice", PLAIN, Sort.TRENDING)


def test_disable_shows_a_notice_instead_of_content(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    service.moderate(moderator, PLAIN, "disable", "Malware in the weights.")
    assert service.view(service.user("bob"), PLAIN).disabled
    assert service.view(service.user(None), PLAIN).disabled
    assert service.view(service.user(OWNER), PLAIN).disabled
    assert not service.view(moderator, PLAIN).disabled
    assert not find(service, "bob", PLAIN, Sort.DOWNLOADS)
    assert find(service, OWNER, PLAIN, Sort.DOWNLOADS)
    assert find(service, MODERATOR, PLAIN, Sort.DOWNLOADS)
    service.moderate(moderator, PLAIN, "enable", "Cleaned.")
    assert not service.view(service.user("bob"), PLAIN).disabled
    assert find(service, "bob", PLAIN, Sort.DOWNLOADS)


def test_gate_and_content_warning_actions_reach_the_viewer(service: Safeguards) -> None:
    moderator, bob = service.user(MODERATOR), service.user("bob")
    service.moderate(moderator, PLAIN, "gate", "Sensitive.")
    assert service.view(bob, PLAIN).content_locked
    assert service.request_access(bob, PLAIN, "research").status is AccessStatus.PENDING
    service.moderate(moderator, GATED, "ungate", "Safe to open.")
    assert not service.view(bob, GATED).content_locked
    service.moderate(moderator, PLAIN_2, "add_content_warning", "Graphic reviews.")
    assert service.view(bob, PLAIN_2).content_warning
    row = next(r for r in service.search(bob, SearchQuery(text="neighbourhood")).rows)
    assert row["content_warning"] is True


def test_restore_returns_to_the_catalog_state(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    with pytest.raises(Conflict):
        service.moderate(moderator, PLAIN, "restore", "nothing to restore")
    for action in ("downgrade", "gate", "add_content_warning", "request_private"):
        service.moderate(moderator, PLAIN, action, "step")
    guard = service.moderate(moderator, PLAIN, "restore", "Appeal accepted.")
    assert guard == Safeguard()
    view = service.view(service.user("bob"), PLAIN)
    assert view.safeguard == Safeguard() and not view.gated and not view.content_warning


@pytest.mark.parametrize("note", ["", "   ", None, "n" * 1001, "tab\x0bvertical"])
def test_moderation_note_is_required(service: Safeguards, settings: Settings, note: object) -> None:
    with pytest.raises(InvalidInput):
        service.moderate(service.user(MODERATOR), PLAIN, "downgrade", note)
    assert event_count(settings) == 0


@pytest.mark.parametrize("action", ["delete", "", None, "DOWNGRADE", "fold"])
def test_unknown_moderation_action(service: Safeguards, settings: Settings, action: object) -> None:
    with pytest.raises(InvalidInput):
        service.moderate(service.user(MODERATOR), PLAIN, action, "note")
    assert event_count(settings) == 0


def test_dismiss_needs_open_reports(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    with pytest.raises(Conflict):
        service.moderate(moderator, PLAIN, "dismiss", "nothing here")
    report = service.report(service.user("alice"), PLAIN, "spam", "looks like spam")
    guard = service.moderate(moderator, PLAIN, "dismiss", "Not spam: a real project.")
    assert guard == Safeguard()
    assert report.status is ReportStatus.DISMISSED
    assert report.resolution_note == "Not spam: a real project."
    with pytest.raises(Conflict):
        service.moderate(moderator, PLAIN, "dismiss", "again")


def test_actions_resolve_open_reports_and_echo_into_their_discussions(
    make_service: MakeService,
) -> None:
    service = make_service()
    alice, bob = service.user("alice"), service.user("bob")
    r1 = service.report(alice, PLAIN, "deception", "fake chef")
    r2 = service.report(bob, PLAIN, "spam", "ads everywhere")
    untouched = service.report(bob, PLAIN_2, "spam", "unrelated")
    service.moderate(service.user(MODERATOR), PLAIN, "downgrade", "Confirmed: deceptive.")
    for report in (r1, r2):
        assert report.status is ReportStatus.ACTIONED
        assert report.resolution_note == "Confirmed: deceptive."
        last = service.discussion(service.user(report.reporter), report.discussion_id).comments[-1]
        assert last.moderation and last.author == MODERATOR
        assert (last.action, last.text) == ("downgrade", "Confirmed: deceptive.")
    assert untouched.status is ReportStatus.OPEN
    # The reporter sees the outcome, also after a restart.
    restarted = make_service()
    mine = restarted.my_reports(restarted.user("alice"))
    assert [(r.id, r.status) for r in mine] == [(r1.id, ReportStatus.ACTIONED)]
    # A resolved report is not extended: a new flag opens a new report.
    fresh = service.report(alice, PLAIN, "deception", "still fake")
    assert fresh.id != r1.id and fresh.status is ReportStatus.OPEN
    # A later action does not echo into reports it already resolved.
    echoes = len(service.discussion(alice, r1.discussion_id).comments)
    service.moderate(service.user(MODERATOR), PLAIN, "restore_visibility", "Reversed.")
    assert len(service.discussion(alice, r1.discussion_id).comments) == echoes
    # A reversal undoes an earlier decision; it answers no report.
    assert fresh.status is ReportStatus.OPEN


def test_echoes_of_one_action_into_two_reports_are_distinct_comments(
    service: Safeguards,
) -> None:
    moderator = service.user(MODERATOR)
    r1 = service.report(service.user("alice"), PLAIN, "privacy", "my address is in it")
    r2 = service.report(service.user("bob"), PLAIN, "spam", "ads")
    service.moderate(moderator, PLAIN, "downgrade", "Confirmed.")
    echo_1 = service.discussion(moderator, r1.discussion_id).comments[-1]
    echo_2 = service.discussion(moderator, r2.discussion_id).comments[-1]
    assert echo_1.moderation and echo_2.moderation
    assert echo_1.id != echo_2.id
    service.moderate(
        moderator,
        PLAIN,
        "hide_comment",
        "Repeats personal data.",
        **_target(r1.discussion_id, echo_1.id),
    )
    assert service.discussion(moderator, r1.discussion_id).comments[-1].hidden
    assert not service.discussion(moderator, r2.discussion_id).comments[-1].hidden


def test_lock_discussion_and_hide_comment(service: Safeguards) -> None:
    moderator, bob, alice = service.user(MODERATOR), service.user("bob"), service.user("alice")
    thread = service.open_discussion(bob, PLAIN, "Thread", "first")
    abusive = service.comment(alice, thread.id, "you are an idiot")
    service.moderate(moderator, PLAIN, "hide_comment", "Insult.", **_target(thread.id, abusive.id))
    assert service.discussion(bob, thread.id).comments[1].hidden
    assert abusive.hidden_reason == "Insult." and abusive.hidden_by == MODERATOR
    with pytest.raises(Conflict):
        service.moderate(moderator, PLAIN, "hide_comment", "x", **_target(thread.id, abusive.id))
    service.moderate(moderator, PLAIN, "unhide_comment", "Ok.", **_target(thread.id, abusive.id))
    assert not abusive.hidden
    with pytest.raises(NotFound):
        service.moderate(moderator, PLAIN, "hide_comment", "x", **_target(thread.id, "C-nope"))

    service.moderate(moderator, PLAIN, "lock_discussion", "Heated.", discussion_id=thread.id)
    assert service.discussion(bob, thread.id).status is DiscussionStatus.LOCKED
    with pytest.raises(Conflict):
        service.comment(bob, thread.id, "let me in")
    with pytest.raises(Conflict):
        service.set_discussion_status(service.user(OWNER), thread.id, "open")
    service.moderate(moderator, PLAIN, "unlock_discussion", "Calmer.", discussion_id=thread.id)
    service.comment(bob, thread.id, "thanks")
    with pytest.raises(InvalidInput):  # a discussion of another artifact
        service.moderate(moderator, PLAIN_2, "lock_discussion", "x", discussion_id=thread.id)


def _target(discussion_id: str, comment_id: str) -> dict[str, str]:
    return {"discussion_id": discussion_id, "comment_id": comment_id, "reason": "abuse"}


def test_every_action_is_recorded_for_the_audit_log(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    service.moderate(moderator, PLAIN, "downgrade", "Reason one.")
    service.moderate(moderator, PLAIN, "restore_visibility", "Reason two.")
    recorded = list(service.state.actions.values())
    actions = [(a.action, a.moderator, a.note, a.artifact_id) for a in recorded]
    assert actions == [
        ("downgrade", MODERATOR, "Reason one.", PLAIN),
        ("restore_visibility", MODERATOR, "Reason two.", PLAIN),
    ]
    assert recorded[0].ts < recorded[1].ts


# -- restart ----------------------------------------------------------------------------


def test_restart_folds_to_an_equal_state(make_service: MakeService, settings: Settings) -> None:
    service = make_service()
    alice, bob = service.user("alice"), service.user("bob")
    owner, moderator = service.user(OWNER), service.user(MODERATOR)
    r = service.report(alice, PLAIN, "spam", "ads")
    service.report(alice, PLAIN, "spam", "more ads")
    service.comment(owner, r.discussion_id, "Looking into it.")
    service.report(bob, MATURE, "unlabelled-mature", "scary")
    p = service.propose_tags(bob, PLAIN_2, ["ethics-rigorous", "not-for-all-audiences"])
    service.decide_proposal(owner, p.id, merge=True)
    a = service.request_access(bob, GATED, "study")
    service.decide_access(owner, a.id, approve=True)
    service.request_access(alice, GATED, "also study")
    service.set_preference(alice, True)
    service.moderate(moderator, PLAIN, "downgrade", "spammy")
    service.moderate(moderator, MATURE, "make_private", "too much")
    service.moderate(moderator, OTHER_OWNERS, "add_content_warning", "test")
    thread = service.open_discussion(bob, PLAIN, "Q", "question")
    service.moderate(moderator, PLAIN, "lock_discussion", "closed", discussion_id=thread.id)

    restarted = make_service()
    assert restarted.state.event_count == service.state.event_count == event_count(settings)
    for attribute in (
        "reports",
        "discussions",
        "comments",
        "proposals",
        "access_requests",
        "preferences",
        "safeguards",
        "merged_tags",
        "actions",
    ):
        assert getattr(restarted.state, attribute) == getattr(service.state, attribute), attribute
    artifact_ids = [PLAIN, PLAIN_2, GATED, MATURE, OTHER_OWNERS]
    for name in ("alice", "bob", OWNER, MODERATOR, None):
        u1, u2 = service.user(name), restarted.user(name)
        for artifact_id in artifact_ids:
            try:
                before = service.view(u1, artifact_id)
            except NotFound:
                with pytest.raises(NotFound):
                    restarted.view(u2, artifact_id)
                continue
            assert restarted.view(u2, artifact_id) == before
        for query in (
            SearchQuery(page_size=100),
            SearchQuery(sort=Sort.DOWNLOADS, page_size=100),
            SearchQuery(text="demo-studio", sort=Sort.RECENT),
            SearchQuery(categories=("rigorous",), page=2, page_size=5),
        ):
            assert restarted.search(u2, query) == service.search(u1, query)
        assert restarted.category_counts(u2) == service.category_counts(u1)
        assert restarted.show_mature_without_popup(u2) == service.show_mature_without_popup(u1)


def test_corrupt_log_stops_start_up_naming_the_file(
    make_service: MakeService, settings: Settings
) -> None:
    service = make_service()
    service.report(service.user("alice"), PLAIN, "spam", "one")
    service.report(service.user("bob"), PLAIN, "spam", "two")
    path = list_files(settings.state_dir)[0]
    lines = path.read_bytes().split(b"\n")
    lines[0] = b'{"broken'
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(LogCorruptError) as caught:
        make_service()
    assert f"{path}:1:" in str(caught.value)


def test_write_failure_is_reported_and_nothing_kept(
    make_service: MakeService, settings: Settings
) -> None:
    """A full disk mid-write: the user is told, memory keeps nothing the log lacks."""
    service = make_service()
    alice = service.user("alice")
    service.report(alice, PLAIN, "spam", "kept")
    path = service.log.current_path
    assert path is not None
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # The next line fits only partly: os.write writes 10 bytes, then fails with EFBIG.
    resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 10, hard))
    try:
        with pytest.raises(SafeguardsError) as caught:
            service.report(alice, PLAIN_2, "spam", "lost")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert "Could not save" in str(caught.value)
    assert [r.context for r in service.my_reports(alice)] == ["kept"]
    assert service.view(alice, PLAIN_2).discussions == []
    # The writer goes on in a new file; the torn bytes are skipped on the next start.
    service.report(alice, PLAIN_2, "spam", "after")
    restarted = make_service()
    contexts = sorted(r.context for r in restarted.my_reports(restarted.user("alice")))
    assert contexts == ["after", "kept"]
    assert len(list_files(settings.state_dir)) == 2


@pytest.mark.parametrize(
    ("env", "demo", "oauth"),
    [
        ({}, True, False),  # a laptop: personas
        ({"SAFEGUARDS_ACCOUNTS": "accounts.txt"}, False, False),
        ({"SPACE_ID": "o/s", "OAUTH_CLIENT_ID": "x"}, False, True),  # personas only when asked
        ({"SPACE_ID": "o/s", "OAUTH_CLIENT_ID": "x", "SAFEGUARDS_DEMO": "1"}, True, True),
        ({"SPACE_ID": "o/s", "OAUTH_CLIENT_ID": "x", "SAFEGUARDS_MODERATORS": "ana"}, False, True),
        ({"SAFEGUARDS_DEMO": "0"}, False, False),
        ({"SAFEGUARDS_ACCOUNTS": "accounts.txt", "SAFEGUARDS_DEMO": "1"}, True, False),
    ],
)
def test_demo_mode_follows_the_contract(env: dict[str, str], demo: bool, oauth: bool) -> None:
    settings = Settings.from_env(env)
    assert (settings.demo, settings.oauth) == (demo, oauth)
    assert ("demo-moderator" in settings.moderators) == demo


def test_a_disabled_artifact_takes_writing_only_from_its_owner_and_moderators(
    service: Safeguards,
) -> None:
    moderator, owner, bob = service.user(MODERATOR), service.user(OWNER), service.user("bob")
    thread = service.open_discussion(bob, PLAIN, "Before", "Opened before the decision.")
    gated_thread = service.open_discussion(bob, GATED, "Before", "On the gated one.")
    for artifact in (PLAIN, GATED):
        service.moderate(moderator, artifact, "disable", "Malware in the weights.")
    events = len(read_events(service.settings.state_dir))
    attempts = [
        lambda: service.report(bob, PLAIN, "spam", "More."),
        lambda: service.open_discussion(bob, PLAIN, "New", "A new thread."),
        lambda: service.comment(bob, thread.id, "A comment."),
        lambda: service.propose_tags(bob, PLAIN, ["not-for-all-audiences"]),
        lambda: service.request_access(bob, GATED, "Research."),
        lambda: service.comment(bob, gated_thread.id, "Another."),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.text("en").startswith(f"{refused.value.params['id']} has been")
        assert "已被版主禁用" in refused.value.text("zh-CN")
    assert len(read_events(service.settings.state_dir)) == events
    # The owner answers; a moderator writes too.
    service.comment(owner, thread.id, "We are fixing it.")
    service.open_discussion(owner, PLAIN, "Fixed", "New weights uploaded.")
    service.comment(moderator, thread.id, "Thanks, checking.")
    service.moderate(moderator, PLAIN, "enable", "Cleaned.")
    service.comment(bob, thread.id, "Thank you.")
