"""Who may do what: one rule table and one check that every state change calls.

Roles are relative to an artifact: the same person is an owner of their own artifacts
and a member everywhere else. Moderators are named by configuration, never by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from safeguards.errors import PermissionDenied
from safeguards.records import Artifact


class Role(IntEnum):
    VISITOR = 0
    MEMBER = 1
    OWNER = 2
    MODERATOR = 3


@dataclass(frozen=True)
class User:
    """The caller as the server resolved it (OAuth, accounts file or demo persona)."""

    username: str | None = None
    is_moderator: bool = False

    @property
    def signed_in(self) -> bool:
        return self.username is not None

    def owns(self, artifact: Artifact) -> bool:
        return self.username is not None and self.username == artifact.author

    def role_for(self, artifact: Artifact | None = None) -> Role:
        if self.username is None:
            return Role.VISITOR
        if self.is_moderator:
            return Role.MODERATOR
        if artifact is not None and self.owns(artifact):
            return Role.OWNER
        return Role.MEMBER


VISITOR = User()


class Action(StrEnum):
    REPORT = "report"
    COMMENT = "comment"
    PROPOSE_TAG = "propose_tag"
    REQUEST_ACCESS = "request_access"
    SET_ACCOUNT_PREFERENCE = "set_account_preference"
    APPEAL = "appeal"  # further checked: only the person the decision is about
    REVIEW_PROPOSAL = "review_proposal"
    REVIEW_ACCESS = "review_access"
    SET_ACCESS_FORM = "set_access_form"
    CLOSE_DISCUSSION = "close_discussion"
    VIEW_HIDDEN = "view_hidden"  # private/disabled artifacts, report discussions
    MODERATE = "moderate"
    LOCK_DISCUSSION = "lock_discussion"
    HIDE_COMMENT = "hide_comment"
    VIEW_QUEUE = "view_queue"
    LIMIT_INTERACTIONS = "limit_interactions"  # further checked: the artifact's owner
    SUSPEND = "suspend"


MINIMUM_ROLE: dict[Action, Role] = {
    Action.REPORT: Role.MEMBER,
    Action.COMMENT: Role.MEMBER,
    Action.PROPOSE_TAG: Role.MEMBER,
    Action.REQUEST_ACCESS: Role.MEMBER,
    Action.SET_ACCOUNT_PREFERENCE: Role.MEMBER,
    Action.APPEAL: Role.MEMBER,
    Action.REVIEW_PROPOSAL: Role.OWNER,
    Action.REVIEW_ACCESS: Role.OWNER,
    Action.SET_ACCESS_FORM: Role.OWNER,
    Action.CLOSE_DISCUSSION: Role.OWNER,
    Action.VIEW_HIDDEN: Role.OWNER,
    Action.MODERATE: Role.MODERATOR,
    Action.LOCK_DISCUSSION: Role.MODERATOR,
    Action.HIDE_COMMENT: Role.MODERATOR,
    Action.VIEW_QUEUE: Role.MODERATOR,
    Action.LIMIT_INTERACTIONS: Role.OWNER,
    Action.SUSPEND: Role.MODERATOR,
}

_REFUSALS: dict[Role, str] = {
    Role.MEMBER: "err.sign_in",
    Role.OWNER: "err.owner_only",
    Role.MODERATOR: "err.moderator_only",
}


def can(user: User, action: Action, artifact: Artifact | None = None) -> bool:
    return user.role_for(artifact) >= MINIMUM_ROLE[action]


def authorize(user: User, action: Action, artifact: Artifact | None = None) -> None:
    """The one permission check; raises PermissionDenied with a reason to show."""
    needed = MINIMUM_ROLE[action]
    if user.role_for(artifact) < needed:
        raise PermissionDenied(_REFUSALS[needed])
