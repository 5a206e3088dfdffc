"""Record types: what the catalog holds and what the state folds out of the event log.

Records are plain dataclasses so the domain, the UI and the tests share one vocabulary.
Everything here is derived data except `Artifact`, which comes from the catalog file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    MODEL = "model"
    DATASET = "dataset"
    SPACE = "space"


@dataclass(frozen=True)
class Artifact:
    """One model, dataset or Space as the catalog describes it (before any event)."""

    id: str
    kind: Kind
    author: str
    summary: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    license: str
    downloads: int
    likes: int
    trending: float
    created: str
    updated: str
    gated: bool = False
    paper: str | None = None
    card: str = ""


class Visibility(StrEnum):
    PUBLIC = "public"
    DOWNGRADED = "downgraded"  # out of trending and feeds, still reachable
    PRIVATE = "private"
    DISABLED = "disabled"


@dataclass
class Safeguard:
    """The moderation overlay of one artifact: what differs from the catalog."""

    downgraded: bool = False
    private: bool = False
    disabled: bool = False
    gated: bool | None = None  # None: as the catalog says
    content_warning: bool = False  # set by a moderator, in addition to the card tag
    private_requested: bool = False

    def visibility(self) -> Visibility:
        if self.disabled:
            return Visibility.DISABLED
        if self.private:
            return Visibility.PRIVATE
        if self.downgraded:
            return Visibility.DOWNGRADED
        return Visibility.PUBLIC


class DiscussionKind(StrEnum):
    DISCUSSION = "discussion"
    REPORT = "report"
    PROPOSAL = "proposal"


class DiscussionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"


@dataclass
class Comment:
    id: str
    discussion_id: str
    author: str
    text: str
    ts: str
    hidden_reason: str | None = None
    hidden_by: str | None = None
    moderation: bool = False  # a moderator's action, echoed into the discussion
    action: str | None = None  # that action's name (its note is the text)
    hidden_as: str | None = None  # why it is hidden: one of policy.HIDE_REASONS

    @property
    def hidden(self) -> bool:
        return self.hidden_reason is not None


@dataclass
class Discussion:
    id: str
    artifact_id: str
    kind: DiscussionKind
    title: str
    author: str
    ts: str
    status: DiscussionStatus = DiscussionStatus.OPEN
    comments: list[Comment] = field(default_factory=list)
    participants: set[str] = field(default_factory=set)
    lock_reason: str | None = None  # one of policy.LOCK_REASONS, shown in the thread


class ReportStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACTIONED = "actioned"


@dataclass
class Report:
    """A flag raised by one user on one artifact (or one of its discussions)."""

    id: str
    artifact_id: str
    reporter: str
    reason: str
    context: str
    ts: str
    discussion_id: str
    target_discussion_id: str | None = None
    status: ReportStatus = ReportStatus.OPEN
    additions: list[str] = field(default_factory=list)
    resolution_note: str | None = None
    resolved_by: str | None = None  # the moderator action that answered it
    policy: str = ""  # the content guidelines version it was filed under


class ProposalStatus(StrEnum):
    OPEN = "open"
    MERGED = "merged"
    CLOSED = "closed"


@dataclass
class TagProposal:
    """A pull request on a card's YAML metadata that adds tags."""

    id: str
    artifact_id: str
    proposer: str
    tags: tuple[str, ...]
    ts: str
    discussion_id: str
    status: ProposalStatus = ProposalStatus.OPEN
    decided_by: str | None = None


class AccessStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass
class AccessRequest:
    id: str
    artifact_id: str
    user: str
    reason: str
    ts: str
    status: AccessStatus = AccessStatus.PENDING
    decided_by: str | None = None
    decision_note: str | None = None  # shown to the requester (a rejection's reason)
    # The access form's answers, by field label (text, a country code, YYYY-MM-DD, "yes").
    answers: dict[str, str] = field(default_factory=dict)
    automatic: bool = False  # approved at once by an automatic form (decided_by: None)


@dataclass
class AccessForm:
    """The access form an owner or a moderator set on the artifact page (`id`: the
    artifact's id). It replaces the card's `extra_gated_*` metadata; see gating.py."""

    id: str
    approval: str  # gating.Approval: "auto" or "manual"
    prompt: str
    fields: list[dict[str, Any]]  # [{label, type, options?}], as in the event
    set_by: str
    ts: str
    cleared: bool = False  # the owner went back to the card's form


@dataclass(frozen=True)
class ModerationAction:
    """One moderator decision, kept for the audit log; reversals are actions too."""

    id: str
    artifact_id: str
    action: str
    note: str
    moderator: str
    ts: str
    discussion_id: str | None = None
    comment_id: str | None = None
    reason: str | None = None  # hide/lock reason (policy.HIDE_REASONS / LOCK_REASONS)
    policy: str = ""  # the content guidelines version in force ("" before versions)


@dataclass
class Claim:
    """A moderator's claim on one queue item (`id` is the artifact id). It lapses
    after policy.CLAIM_IDLE without activity; `released` ends it at once."""

    id: str
    moderator: str
    ts: str  # when claimed
    active_ts: str  # the claimant's latest activity on the item
    released: bool = False


@dataclass
class Preferences:
    """Per-account content preferences (visitors keep theirs in the browser)."""

    show_mature_without_popup: bool = False


class AppealStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REVERSED = "reversed"


@dataclass
class Appeal:
    """The affected person's request that a moderator decision be looked at again: the
    artifact's owner (or a hidden comment's author), once per action, within 30 days.
    Decided by a moderator other than the one who acted."""

    id: str
    action_id: str
    artifact_id: str
    appellant: str
    statement: str
    ts: str
    status: AppealStatus = AppealStatus.PENDING
    decided_by: str | None = None
    decision_note: str | None = None
    decided_ts: str | None = None


@dataclass
class Member:
    """When a username first appears in the log (`id`): the member age that an
    interaction limit of level "established" asks for."""

    id: str
    first_ts: str


@dataclass
class InteractionLimit:
    """Who besides the owner and moderators may open discussions and comment on one
    artifact (`id` is the artifact id): policy.LIMIT_LEVELS, until `until` (the limit
    event's time plus its duration). Lifting keeps the record, with who and when."""

    id: str
    level: str
    duration: str  # a key of policy.LIMIT_DURATIONS
    set_by: str
    ts: str
    until: str
    lifted_by: str | None = None
    lifted_ts: str | None = None


@dataclass
class Suspension:
    """A moderator's suspension of one user from reporting, discussing, commenting,
    proposing tags and requesting access, with a note the user reads. `until` is None
    when it lasts until a moderator lifts it."""

    id: str
    user: str
    period: str  # a key of policy.SUSPENSION_PERIODS
    note: str
    moderator: str
    ts: str
    until: str | None = None
    lifted_by: str | None = None
    lifted_ts: str | None = None
    lift_note: str | None = None
