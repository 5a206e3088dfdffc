"""The state folded from the event log: the overlay on the catalog and every record.

`State.apply` is the only place events become records, so start-up (folding the whole
log) and live writes (applying one new event) can never disagree. Events that refer to
records this replica never saw are skipped with a warning instead of stopping the fold.

A State folded in memory (`State.fold`: a rebuild, a test) holds every record. The one
the app serves from is opened on state.db (`statedb.StateDB.open_state`): its big
tables (`STORED`) are `StoredMap`s that hold only the records in use and read the others
from the database when asked, so memory follows what is in use, not the history.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from safeguards.eventlog import Event, format_ts, gc_paused, parse_ts
from safeguards.policy import CLAIM_IDLE, LIMIT_DURATIONS, LIMIT_LEVELS, SUSPENSION_PERIODS
from safeguards.records import (
    AccessForm,
    AccessRequest,
    AccessStatus,
    Appeal,
    AppealStatus,
    Claim,
    Comment,
    Discussion,
    DiscussionKind,
    DiscussionStatus,
    InteractionLimit,
    Member,
    ModerationAction,
    Preferences,
    ProposalStatus,
    Report,
    ReportStatus,
    Safeguard,
    Suspension,
    TagProposal,
)

log = logging.getLogger(__name__)

# Moderator actions on an artifact and the change each makes to its overlay.
ARTIFACT_ACTIONS: dict[str, Callable[[Safeguard], None]] = {
    "downgrade": lambda s: setattr(s, "downgraded", True),
    "restore_visibility": lambda s: setattr(s, "downgraded", False),
    "request_private": lambda s: setattr(s, "private_requested", True),
    "withdraw_private_request": lambda s: setattr(s, "private_requested", False),
    "make_private": lambda s: setattr(s, "private", True),
    "make_public": lambda s: setattr(s, "private", False),
    "gate": lambda s: setattr(s, "gated", True),
    "ungate": lambda s: setattr(s, "gated", False),
    "add_content_warning": lambda s: setattr(s, "content_warning", True),
    "remove_content_warning": lambda s: setattr(s, "content_warning", False),
    "disable": lambda s: setattr(s, "disabled", True),
    "enable": lambda s: setattr(s, "disabled", False),
    "restore": lambda s: s.__init__(),  # back to what the catalog says
    "dismiss": lambda s: None,
}
# Actions that undo another: they change the overlay but answer no report.
REVERSAL_ACTIONS: frozenset[str] = frozenset(
    {
        "restore_visibility",
        "withdraw_private_request",
        "make_public",
        "ungate",
        "remove_content_warning",
        "enable",
        "restore",
    }
)
# The forward action and the action that undoes it (the panel offers both).
REVERSALS: dict[str, str] = {
    "downgrade": "restore_visibility",
    "request_private": "withdraw_private_request",
    "make_private": "make_public",
    "gate": "ungate",
    "add_content_warning": "remove_content_warning",
    "disable": "enable",
    "lock_discussion": "unlock_discussion",
    "close_discussion": "reopen_discussion",
    "hide_comment": "unhide_comment",
}
# Decisions an affected person may appeal (within APPEAL_DAYS, once each).
APPEALABLE_ACTIONS: frozenset[str] = frozenset(
    {
        "downgrade",
        "request_private",
        "make_private",
        "gate",
        "add_content_warning",
        "disable",
        "lock_discussion",
        "close_discussion",
        "hide_comment",
    }
)
APPEAL_DAYS = 30
# Moderator actions on a discussion or comment.
DISCUSSION_ACTIONS: tuple[str, ...] = (
    "lock_discussion",
    "unlock_discussion",
    "close_discussion",
    "reopen_discussion",
    "hide_comment",
    "unhide_comment",
)


class StoredMap(MutableMapping[Any, Any]):
    """A `{key: value}` of the fold kept in state.db: the entries in use are in memory
    (`cache`), the others are read with `load` when asked for, and `forget` drops them
    all once the database holds every change (`StateDB.trim`).

    `load(key)` gives the stored value or None; `keys()` the stored keys. With `default`
    (the per-artifact id lists), a missing key reads as a new empty value, as in a
    defaultdict, and empty values are not listed."""

    __slots__ = ("_default", "_keys", "_load", "cache")

    def __init__(
        self,
        load: Callable[[Any], Any],
        keys: Callable[[], Iterable[Any]],
        default: Callable[[], Any] | None = None,
    ) -> None:
        self.cache: dict[Any, Any] = {}
        self._load, self._keys, self._default = load, keys, default

    def __getitem__(self, key: Any) -> Any:
        try:
            return self.cache[key]
        except KeyError:
            pass
        value = self._load(key)
        if value is None:
            if self._default is None:
                raise KeyError(key)
            value = self._default()
        self.cache[key] = value
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        found = self.cache.get(key)
        if found is not None:
            return found
        value = self._load(key)
        if value is None or (self._default is not None and not value):
            return default  # not kept: an absent key is not worth memory
        self.cache[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None

    def __setitem__(self, key: Any, value: Any) -> None:
        self.cache[key] = value

    def __delitem__(self, key: Any) -> None:
        raise TypeError("the fold never deletes a record")

    def __iter__(self) -> Iterator[Any]:
        """Stored keys (in the order the fold made them), then the ones only in memory."""
        seen = set()
        for key in self._keys():
            seen.add(key)
            if self.cache.get(key, True) != []:
                yield key
        for key, value in list(self.cache.items()):
            if key not in seen and value != []:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def forget(self) -> None:
        self.cache.clear()


# The tables a State opened on state.db reads when asked (`StoredMap`); the others are
# small (one row per moderated artifact or per person) and stay whole in memory.
STORED: tuple[str, ...] = (
    "reports",
    "discussions",
    "comments",
    "proposals",
    "access_requests",
    "actions",
    "appeals",
    "reports_by_artifact",
    "discussions_by_artifact",
    "proposals_by_artifact",
    "access_by_artifact",
    "actions_by_artifact",
    "appeal_by_action",
)


@dataclass
class State:
    reports: MutableMapping[str, Report] = field(default_factory=dict)
    discussions: MutableMapping[str, Discussion] = field(default_factory=dict)
    comments: MutableMapping[str, Comment] = field(default_factory=dict)
    proposals: MutableMapping[str, TagProposal] = field(default_factory=dict)
    access_requests: MutableMapping[str, AccessRequest] = field(default_factory=dict)
    access_forms: dict[str, AccessForm] = field(default_factory=dict)  # artifact id -> form
    preferences: dict[str, Preferences] = field(default_factory=dict)
    safeguards: dict[str, Safeguard] = field(default_factory=dict)
    merged_tags: dict[str, list[str]] = field(default_factory=dict)
    actions: MutableMapping[str, ModerationAction] = field(default_factory=dict)
    appeals: MutableMapping[str, Appeal] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)  # artifact id -> latest claim
    limits: dict[str, InteractionLimit] = field(default_factory=dict)  # artifact id -> latest
    suspensions: dict[str, Suspension] = field(default_factory=dict)  # suspension id -> record
    members: dict[str, Member] = field(default_factory=dict)  # username -> first activity
    # Derived indexes (from the records, never stored on their own): ids in fold order.
    appeal_by_action: MutableMapping[str, str] = field(default_factory=dict)
    suspension_by_user: dict[str, str] = field(default_factory=dict)  # user -> latest id
    reports_by_artifact: MutableMapping[str, list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    discussions_by_artifact: MutableMapping[str, list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    proposals_by_artifact: MutableMapping[str, list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    access_by_artifact: MutableMapping[str, list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    actions_by_artifact: MutableMapping[str, list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    report_times: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    comment_times: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    event_count: int = 0
    last_event_ts: str = ""
    skipped: int = 0
    # Grows whenever a safeguard or merged tags change (search caches its overlay by it).
    overlay_version: int = field(default=0, compare=False)
    last_key: tuple[str, str] = field(default=("", ""), compare=False)  # newest (ts, id) seen
    # When a list: (table, key, record) of every record an event changed, for state.db.
    touched: list[tuple[str, Any, Any]] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def fold(cls, events: Iterable[Event]) -> State:
        state = cls()
        state.apply_all(events)
        return state

    def apply_all(self, events: Iterable[Event]) -> None:
        """`apply` each event in turn, with the cyclic garbage collector paused (a fold
        makes millions of long-lived objects; each collection would walk them again)."""
        apply = self.apply
        with gc_paused():
            for event in events:
                apply(event)

    def apply(self, event: Event) -> None:
        if (event.ts, event.id) > self.last_key:
            self.last_key = (event.ts, event.id)
        handler = _HANDLERS.get(event.type)
        if handler is None:
            log.warning("event %s: unknown type %r, skipped", event.id, event.type)
            self.skipped += 1
            return
        try:
            handler(self, event)
        except (KeyError, ValueError, TypeError) as exc:
            # A record this replica never saw, or a value it cannot read: skip, keep going.
            log.warning("event %s (%s): cannot apply (%r), skipped", event.id, event.type, exc)
            self.skipped += 1
            return
        self.event_count += 1
        actor = event.actor
        if actor and actor not in self.members:  # the first thing this person did here
            member = self.members[actor] = Member(actor, event.ts)
            self._touch("members", actor, member)
        if event.ts > self.last_event_ts:  # max() of the two, without the call
            self.last_event_ts = event.ts

    # -- lookups the service and the UI share ---------------------------------------

    def safeguard(self, artifact_id: str) -> Safeguard:
        return self.safeguards.get(artifact_id) or Safeguard()

    def open_report_by(self, reporter: str, artifact_id: str) -> Report | None:
        for report_id in self.reports_by_artifact.get(artifact_id, ()):
            report = self.reports[report_id]
            if report.reporter == reporter and report.status is ReportStatus.OPEN:
                return report
        return None

    def access_of(self, username: str, artifact_id: str) -> AccessRequest | None:
        """The user's latest access request for the artifact."""
        latest = None
        for request_id in self.access_by_artifact.get(artifact_id, ()):
            request = self.access_requests[request_id]
            if request.user == username:
                latest = request
        return latest

    def preferences_of(self, username: str) -> Preferences:
        return self.preferences.get(username) or Preferences()

    def action(self, action_id: object) -> ModerationAction | None:
        return self.actions.get(action_id) if isinstance(action_id, str) else None

    def reports_answered_by(self, action: ModerationAction) -> list[Report]:
        """The reports a moderator action resolved (its guideline: their reasons)."""
        ids = self.reports_by_artifact.get(action.artifact_id, ())
        return [self.reports[r] for r in ids if self.reports[r].resolved_by == action.id]

    def in_memory(self) -> State:
        """A copy holding every record in memory (to compare states, or to read one
        after its database has closed)."""
        whole = {name: dict(stored.items()) for name, stored in self._stored_maps().items()}
        return dataclasses.replace(self, **whole)

    def _stored_maps(self) -> dict[str, StoredMap]:
        return {n: m for n in STORED if isinstance(m := getattr(self, n), StoredMap)}

    def cached(self) -> int:
        """How many stored records and index entries are in memory."""
        return sum(len(stored.cache) for stored in self._stored_maps().values())

    def forget(self) -> None:
        """Drop the stored records from memory (the database holds all of them)."""
        for stored in self._stored_maps().values():
            stored.forget()

    def active_limit(self, artifact_id: str, at: datetime) -> InteractionLimit | None:
        """The interaction limit on an artifact in force at `at` (not lifted, not
        expired), or None."""
        limit = self.limits.get(artifact_id)
        if limit is None or limit.lifted_ts is not None or at >= parse_ts(limit.until):
            return None
        return limit

    def active_suspension(self, username: str, at: datetime) -> Suspension | None:
        """The user's suspension in force at `at` (not lifted, not expired), or None."""
        found = self.suspensions.get(self.suspension_by_user.get(username, ""))
        if found is None or found.lifted_ts is not None:
            return None
        if found.until is not None and at >= parse_ts(found.until):
            return None
        return found

    def member_since(self, username: str) -> str | None:
        """The time of the user's first recorded event, or None."""
        found = self.members.get(username)
        return found.first_ts if found else None

    # -- event handlers -------------------------------------------------------------

    def _touch(self, table: str, key: Any, record: Any) -> None:
        if table in ("safeguards", "merged_tags"):
            self.overlay_version += 1
        if self.touched is not None:
            self.touched.append((table, key, record))

    def _add_discussion(self, event: Event, kind: DiscussionKind, title: str) -> Discussion:
        p = event.payload
        discussion = Discussion(
            id=p["discussion_id"],
            artifact_id=p["artifact_id"],
            kind=kind,
            title=title,
            author=event.actor or "",
            ts=event.ts,
            participants={event.actor or ""},
        )
        self.discussions[discussion.id] = discussion
        self.discussions_by_artifact[discussion.artifact_id].append(discussion.id)
        self._touch("discussions", discussion.id, discussion)
        return discussion

    def _add_comment(
        self,
        event: Event,
        discussion_id: str,
        text: str,
        *,
        comment_id: str | None = None,
        **extra: bool | str,
    ) -> None:
        discussion = self.discussions[discussion_id]
        comment = Comment(
            id=comment_id or event.payload.get("comment_id") or event.id,
            discussion_id=discussion_id,
            author=event.actor or "",
            text=text,
            ts=event.ts,
            **extra,
        )
        discussion.comments.append(comment)
        discussion.participants.add(comment.author)
        self.comments[comment.id] = comment
        self._touch("comments", comment.id, comment)
        self._touch("discussions", discussion.id, discussion)

    def _time(self, kind: str, user: str, event: Event) -> None:
        """A time a rate limit counts (`report_times` or `comment_times`)."""
        getattr(self, kind)[user].append(event.time)
        self._touch(kind, user, event.ts)

    def _on_report_filed(self, event: Event) -> None:
        p = event.payload
        self._add_discussion(event, DiscussionKind.REPORT, p["title"])
        self._add_comment(event, p["discussion_id"], p["context"])
        report = Report(
            id=p["report_id"],
            artifact_id=p["artifact_id"],
            reporter=event.actor or "",
            reason=p["reason"],
            context=p["context"],
            ts=event.ts,
            discussion_id=p["discussion_id"],
            target_discussion_id=p.get("target_discussion_id"),
            policy=p.get("policy", ""),
        )
        self.reports[report.id] = report
        self.reports_by_artifact[report.artifact_id].append(report.id)
        self._touch("reports", report.id, report)
        self._time("report_times", report.reporter, event)

    def _on_report_extended(self, event: Event) -> None:
        report = self.reports[event.payload["report_id"]]
        report.additions.append(event.payload["context"])
        self._add_comment(event, report.discussion_id, event.payload["context"])
        self._touch("reports", report.id, report)
        self._time("report_times", report.reporter, event)

    def _on_discussion_opened(self, event: Event) -> None:
        p = event.payload
        self._add_discussion(event, DiscussionKind.DISCUSSION, p["title"])
        self._add_comment(event, p["discussion_id"], p["text"])
        self._time("comment_times", event.actor or "", event)

    def _on_comment_added(self, event: Event) -> None:
        self._add_comment(event, event.payload["discussion_id"], event.payload["text"])
        self._time("comment_times", event.actor or "", event)

    def _on_discussion_status(self, event: Event) -> None:
        discussion = self.discussions[event.payload["discussion_id"]]
        discussion.status = DiscussionStatus(event.payload["status"])
        self._touch("discussions", discussion.id, discussion)

    def _on_proposal_opened(self, event: Event) -> None:
        p = event.payload
        self._add_discussion(event, DiscussionKind.PROPOSAL, p["title"])
        self._add_comment(event, p["discussion_id"], p["text"])
        proposal = TagProposal(
            id=p["proposal_id"],
            artifact_id=p["artifact_id"],
            proposer=event.actor or "",
            tags=tuple(p["tags"]),
            ts=event.ts,
            discussion_id=p["discussion_id"],
        )
        self.proposals[proposal.id] = proposal
        self.proposals_by_artifact[proposal.artifact_id].append(proposal.id)
        self._touch("proposals", proposal.id, proposal)
        self._time("comment_times", event.actor or "", event)

    def _on_proposal_decided(self, event: Event) -> None:
        proposal = self.proposals[event.payload["proposal_id"]]
        proposal.status = ProposalStatus(event.payload["status"])
        proposal.decided_by = event.actor
        if proposal.status is ProposalStatus.MERGED:
            tags = self.merged_tags.setdefault(proposal.artifact_id, [])
            tags.extend(t for t in proposal.tags if t not in tags)
            self._touch("merged_tags", proposal.artifact_id, tags)
        self._touch("proposals", proposal.id, proposal)
        discussion = self.discussions[proposal.discussion_id]
        discussion.status = DiscussionStatus.CLOSED
        self._touch("discussions", discussion.id, discussion)
        if event.payload.get("text"):
            self._add_comment(event, discussion.id, event.payload["text"])

    def _on_access_requested(self, event: Event) -> None:
        p = event.payload
        request = AccessRequest(
            id=p["request_id"],
            artifact_id=p["artifact_id"],
            user=event.actor or "",
            reason=p["reason"],
            ts=event.ts,
            answers=dict(p.get("answers") or {}),
        )
        if p.get("approval") == "auto":  # an automatic form: approved as it is filed
            request.status = AccessStatus.APPROVED
            request.automatic = True
        self.access_requests[request.id] = request
        self.access_by_artifact[request.artifact_id].append(request.id)
        self._touch("access_requests", request.id, request)

    def _on_access_decided(self, event: Event) -> None:
        request = self.access_requests[event.payload["request_id"]]
        request.status = AccessStatus(event.payload["status"])
        request.decided_by = event.actor
        request.decision_note = event.payload.get("note") or None
        self._touch("access_requests", request.id, request)

    def _on_access_form_set(self, event: Event) -> None:
        """The form requesters fill from now on (the service checked who and what)."""
        p = event.payload
        cleared = bool(p.get("cleared"))
        form = AccessForm(
            id=p["artifact_id"],
            approval="" if cleared else p["approval"],
            prompt=p.get("prompt", ""),
            fields=list(p.get("fields") or []),
            set_by=event.actor or "",
            ts=event.ts,
            cleared=cleared,
        )
        self.access_forms[form.id] = form
        self._touch("access_forms", form.id, form)

    def _on_preference_set(self, event: Event) -> None:
        prefs = self.preferences.setdefault(event.actor or "", Preferences())
        prefs.show_mature_without_popup = bool(event.payload["show_mature_without_popup"])
        self._touch("preferences", event.actor or "", prefs)

    def _on_moderation(self, event: Event) -> None:
        p = event.payload
        name = p["action"]
        if name in DISCUSSION_ACTIONS:
            self._moderate_discussion(event)
        else:
            change = ARTIFACT_ACTIONS[name]
            guard = self.safeguards.setdefault(p["artifact_id"], Safeguard())
            change(guard)
            self._touch("safeguards", p["artifact_id"], guard)
            if name not in REVERSAL_ACTIONS:
                self._resolve_reports(event)
        action = ModerationAction(
            id=p["action_id"],
            artifact_id=p["artifact_id"],
            action=name,
            note=p["note"],
            moderator=event.actor or "",
            ts=event.ts,
            discussion_id=p.get("discussion_id"),
            comment_id=p.get("comment_id"),
            reason=p.get("reason"),
            policy=p.get("policy", ""),
        )
        self._claim_activity(
            event, resolved=name in ARTIFACT_ACTIONS and name not in REVERSAL_ACTIONS
        )
        self.actions_by_artifact[action.artifact_id].append(action.id)
        self.actions[action.id] = action
        self._touch("actions", action.id, action)

    def _resolve_reports(self, event: Event) -> None:
        """A decision on an artifact answers its open reports, in their discussions too."""
        name = event.payload["action"]
        outcome = ReportStatus.DISMISSED if name == "dismiss" else ReportStatus.ACTIONED
        echo = event.payload["note"]
        for report_id in self.reports_by_artifact.get(event.payload["artifact_id"], ()):
            report = self.reports[report_id]
            if report.status is ReportStatus.OPEN:
                report.resolved_by = event.payload["action_id"]
                report.status = outcome
                report.resolution_note = event.payload["note"]
                self._touch("reports", report.id, report)
                echo_id = f"{event.id}-{report.id}"  # one action can answer many reports
                self._add_comment(
                    event,
                    report.discussion_id,
                    echo,
                    comment_id=echo_id,
                    moderation=True,
                    action=name,
                )

    def _moderate_discussion(self, event: Event) -> None:
        p = event.payload
        name = p["action"]
        if name in ("hide_comment", "unhide_comment"):
            comment = self.comments[p["comment_id"]]
            hide = name == "hide_comment"
            comment.hidden_reason = p["note"] if hide else None
            comment.hidden_by = event.actor if hide else None
            comment.hidden_as = p.get("reason") if hide else None
            self._touch("comments", comment.id, comment)
            return
        discussion = self.discussions[p["discussion_id"]]
        discussion.status = {
            "lock_discussion": DiscussionStatus.LOCKED,
            "close_discussion": DiscussionStatus.CLOSED,
        }.get(name, DiscussionStatus.OPEN)
        if name in ("lock_discussion", "unlock_discussion"):
            discussion.lock_reason = p.get("reason") if name == "lock_discussion" else None
        self._touch("discussions", discussion.id, discussion)

    def _on_comment_hidden(self, event: Event) -> None:
        """An artifact owner hid a comment in one of its discussions, with a reason
        (no moderator note: `hidden_reason` is empty)."""
        comment = self.comments[event.payload["comment_id"]]
        comment.hidden_reason = ""
        comment.hidden_by = event.actor
        comment.hidden_as = event.payload["reason"]
        self._touch("comments", comment.id, comment)

    # -- claims -------------------------------------------------------------------------

    def active_claim(self, artifact_id: str, at: datetime) -> Claim | None:
        """The claim on an item still in force at `at`: not released, and active within
        CLAIM_IDLE."""
        claim = self.claims.get(artifact_id)
        if claim is None or claim.released:
            return None
        if at - parse_ts(claim.active_ts) > CLAIM_IDLE:
            return None
        return claim

    def _on_claimed(self, event: Event) -> None:
        """The first claim in fold order wins: a claim on an item another moderator
        holds (in force at this event's time) changes nothing, so two moderators racing
        from two replicas end with one clear owner on every replica."""
        artifact_id = event.payload["artifact_id"]
        held = self.active_claim(artifact_id, event.time)
        if held is not None and held.moderator != event.actor:
            return
        if held is not None:  # claiming again refreshes the claim
            held.active_ts = event.ts
            claim = held
        else:
            claim = Claim(artifact_id, event.actor or "", event.ts, event.ts)
            self.claims[artifact_id] = claim
        self._touch("claims", artifact_id, claim)

    def _on_released(self, event: Event) -> None:
        claim = self.claims.get(event.payload["artifact_id"])
        if claim is None or claim.released or claim.moderator != event.actor:
            return
        claim.released = True
        self._touch("claims", claim.id, claim)

    def _claim_activity(self, event: Event, *, resolved: bool) -> None:
        """The claimant acting on the item keeps the claim alive; a decision that
        answers the item's reports ends it (the item leaves the queue)."""
        claim = self.active_claim(event.payload["artifact_id"], event.time)
        if claim is None or claim.moderator != event.actor:
            return
        if resolved:
            claim.released = True
        else:
            claim.active_ts = event.ts
        self._touch("claims", claim.id, claim)

    # -- interaction limits and suspensions ------------------------------------------

    def _on_limit_set(self, event: Event) -> None:
        """A new limit replaces the artifact's previous one; it ends at the event's
        time plus its duration, so every replica computes the same expiry."""
        p = event.payload
        if p["level"] not in LIMIT_LEVELS:
            raise ValueError(f"unknown limit level {p['level']!r}")
        until = format_ts(event.time + LIMIT_DURATIONS[p["duration"]])
        limit = InteractionLimit(
            p["artifact_id"], p["level"], p["duration"], event.actor or "", event.ts, until
        )
        self.limits[limit.id] = limit
        self._touch("limits", limit.id, limit)

    def _on_limit_lifted(self, event: Event) -> None:
        limit = self.limits[event.payload["artifact_id"]]
        limit.lifted_by, limit.lifted_ts = event.actor, event.ts
        self._touch("limits", limit.id, limit)

    def _on_suspended(self, event: Event) -> None:
        p = event.payload
        period = SUSPENSION_PERIODS[p["period"]]
        suspension = Suspension(
            id=p["suspension_id"],
            user=p["user"],
            period=p["period"],
            note=p["note"],
            moderator=event.actor or "",
            ts=event.ts,
            until=format_ts(event.time + period) if period is not None else None,
        )
        self.suspensions[suspension.id] = suspension
        self.suspension_by_user[suspension.user] = suspension.id
        self._touch("suspensions", suspension.id, suspension)

    def _on_suspension_lifted(self, event: Event) -> None:
        suspension = self.suspensions[event.payload["suspension_id"]]
        suspension.lifted_by, suspension.lifted_ts = event.actor, event.ts
        suspension.lift_note = event.payload.get("note") or None
        self._touch("suspensions", suspension.id, suspension)

    def _on_appeal_filed(self, event: Event) -> None:
        p = event.payload
        action = self.actions[p["action_id"]]
        appeal = Appeal(
            id=p["appeal_id"],
            action_id=action.id,
            artifact_id=action.artifact_id,
            appellant=event.actor or "",
            statement=p["statement"],
            ts=event.ts,
        )
        self.appeals[appeal.id] = appeal
        self.appeal_by_action[action.id] = appeal.id
        self._touch("appeals", appeal.id, appeal)

    def _on_appeal_decided(self, event: Event) -> None:
        """The outcome, and a note of it in the threads of the reports the appealed
        action answered (a reversal itself is the `moderation.action` beside it)."""
        p = event.payload
        appeal = self.appeals[p["appeal_id"]]
        appeal.status = AppealStatus(p["outcome"])
        appeal.decided_by = event.actor
        appeal.decision_note = p["note"]
        appeal.decided_ts = event.ts
        self._touch("appeals", appeal.id, appeal)
        action = self.actions[appeal.action_id]
        for report in self.reports_answered_by(action):
            self._add_comment(
                event,
                report.discussion_id,
                p["note"],
                comment_id=f"{event.id}-{report.id}",
                moderation=True,
                action=f"appeal_{appeal.status.value}",
            )


_HANDLERS: dict[str, Callable[[State, Event], None]] = {
    "report.filed": State._on_report_filed,
    "report.extended": State._on_report_extended,
    "discussion.opened": State._on_discussion_opened,
    "comment.added": State._on_comment_added,
    "discussion.status": State._on_discussion_status,
    "proposal.opened": State._on_proposal_opened,
    "proposal.decided": State._on_proposal_decided,
    "access.requested": State._on_access_requested,
    "access.decided": State._on_access_decided,
    "access.form_set": State._on_access_form_set,
    "preference.set": State._on_preference_set,
    "moderation.action": State._on_moderation,
    "appeal.filed": State._on_appeal_filed,
    "appeal.decided": State._on_appeal_decided,
    "comment.hidden": State._on_comment_hidden,
    "moderation.claimed": State._on_claimed,
    "moderation.released": State._on_released,
    "limit.set": State._on_limit_set,
    "limit.lifted": State._on_limit_lifted,
    "user.suspended": State._on_suspended,
    "suspension.lifted": State._on_suspension_lifted,
}
EVENT_TYPES: tuple[str, ...] = tuple(_HANDLERS)
