"""The application service: every read and every state change, with its permission check.

Each change follows one path (`_emit_all`, then `_wait`): check rights and input against
the current state, make the event, queue it in the log and apply it to the state under one
lock, then wait for the fsync (and the state.db commit) outside the lock so concurrent
users share it. A caller is told "saved" only after its event is on disk. If a write fails
the state is folded again from disk, so memory never keeps an event the log does not have.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from safeguards import demo_seed, statequeries
from safeguards.cards import CARD_ERRORS, ParsedCard, metadata_diff, parse_card, with_added_tags
from safeguards.catalog import CATALOG_CACHE_DIR, Catalog, load_catalog
from safeguards.categories import CATEGORY_BY_SLUG, NFAA_TAG, REASON_BY_SLUG
from safeguards.config import Settings
from safeguards.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    SafeguardsError,
)
from safeguards.eventlog import EventLog, LogError, parse_ts
from safeguards.folderlock import hold_moved_state_folder
from safeguards.gating import (
    Approval,
    GateForm,
    clean_answers,
    clean_form,
    fields_from_json,
    form_from_card,
)
from safeguards.i18n import Term
from safeguards.permissions import Action, Role, User, authorize, can
from safeguards.policy import (
    GUIDELINES_VERSION,
    HIDE_REASONS,
    LIMIT_DURATIONS,
    LIMIT_LEVELS,
    LOCK_REASONS,
    MEMBER_AGE_DAYS,
    SUSPENSION_PERIODS,
)
from safeguards.records import (
    AccessRequest,
    AccessStatus,
    Appeal,
    AppealStatus,
    Artifact,
    Claim,
    Comment,
    Discussion,
    DiscussionKind,
    DiscussionStatus,
    InteractionLimit,
    ModerationAction,
    ProposalStatus,
    Report,
    ReportStatus,
    Safeguard,
    Suspension,
    TagProposal,
)
from safeguards.search import (
    SearchPage,
    SearchQuery,
    Sort,
    effective_categories,
    effective_tags,
    search,
)
from safeguards.state import (
    APPEAL_DAYS,
    APPEALABLE_ACTIONS,
    ARTIFACT_ACTIONS,
    DISCUSSION_ACTIONS,
    REVERSALS,
    State,
)
from safeguards.statedb import StateDB
from safeguards.textrules import clean_tag, clean_text, clean_username

log = logging.getLogger(__name__)

PROPOSABLE_TAGS: tuple[str, ...] = (NFAA_TAG, *(c.tag for c in CATEGORY_BY_SLUG.values()))
MODERATION_ACTIONS: tuple[str, ...] = (*ARTIFACT_ACTIONS, *DISCUSSION_ACTIONS)
_HOUR = timedelta(hours=1)
VERIFY_THREAD = "verify-state-db"  # checks state.db while the app serves (verify_state_db)
_R = TypeVar("_R")


def short_id(prefix: str) -> str:
    """Readable ids people can quote in a discussion: R-3f9c2a1b7e04."""
    return f"{prefix}-{secrets.token_hex(6)}"


@dataclass
class ArtifactView:
    """Everything the artifact page shows, already filtered for the viewer."""

    artifact: Artifact
    role: Role
    tags: list[str]
    categories: list[str]
    card_text: str
    card: ParsedCard
    safeguard: Safeguard
    gated: bool
    content_warning: bool
    disabled: bool  # show the notice and nothing else
    content_locked: bool  # gated and the viewer has no access
    access: AccessRequest | None
    discussions: list[Discussion] = field(default_factory=list)
    proposals: list[TagProposal] = field(default_factory=list)
    access_requests: list[AccessRequest] = field(default_factory=list)  # owner/moderator only
    access_form: GateForm | None = None  # what a requester fills (set on the page, or the card's)
    # The reason of each report discussion in `discussions`, so its title can be shown
    # in the reader's language (the log keeps an English title).
    report_reasons: dict[str, str] = field(default_factory=dict)
    report_count: int = 0  # reports ever filed on the artifact (any status)
    limit: InteractionLimit | None = None  # the interaction limit in force, if any


@dataclass
class ReportStory:
    """One of a reporter's reports with what happened since: the owner's latest answer
    in its discussion and the moderators' decisions on the artifact (reversals too)."""

    report: Report
    owner_answer: Comment | None
    decisions: list[ModerationAction]  # artifact-level actions since the report, oldest first
    last_change: str  # ts of the newest thing in the story

    @property
    def artifact_id(self) -> str:
        return self.report.artifact_id


@dataclass
class Notice:
    """A decision notice for the person a moderator action is about (the artifact's
    owner or the hidden comment's author): what was done and why, under which of the
    content guidelines (the reasons of the reports it answered), and the appeal."""

    action: ModerationAction
    reasons: list[str]
    appeal: Appeal | None
    deadline: str  # last day to appeal (YYYY-MM-DD)
    can_appeal: bool  # appealable kind, not appealed yet, deadline not passed


class Safeguards:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        log_writer: EventLog,
        db: StateDB | None = None,
        state: State | None = None,
    ) -> None:
        """`db` and `state`: an opened StateDB and the state it returned (else opened here)."""
        self.settings = settings
        self.catalog = catalog
        self.log = log_writer
        self._lock = threading.RLock()
        self._snapshot_lock = threading.Lock()  # one read at a time on the in-memory copy
        # Held while a demo reset swaps the state folder and `self.db`, and while a read
        # opens its connection: a read never opens a file that is being moved.
        self._db_swap_lock = threading.Lock()
        self._preference_times: dict[str, list[datetime]] = {}
        if db is None or state is None:
            db = StateDB(settings.state_dir)
            state = db.open_state()
        self.state = state
        self.db = db  # state.db: the state, kept beside the log (see statedb)
        log_writer.on_written = db.commit_written
        self.hub_sync: Any = None  # a HubSync when the log is persisted to a Hub dataset
        self.seeded_events = 0  # events of the demo history written at this start (demo_seed)
        # "Now" for limits and suspensions (their expiry is computed, not timed): tests
        # move it forward instead of waiting.
        self.clock: Callable[[], datetime] = _utc_now

    @classmethod
    def open(cls, settings: Settings) -> Safeguards:
        """Load the catalog, check the state folder and bring state.db up to date with
        the log (start-up errors name the file and line). The catalog (Arrow, cached
        under the state folder) loads in a thread beside the state; a bad catalog is
        still the error reported first."""
        with ThreadPoolExecutor(1) as pool:
            cache = settings.state_dir / CATALOG_CACHE_DIR
            loading = pool.submit(load_catalog, settings.catalog_path, cache_dir=cache)
            try:
                log_writer = EventLog(settings.state_dir)
                db = StateDB(settings.state_dir)
                state = db.open_state()
            except BaseException:
                loading.result()
                raise
            catalog = loading.result()
        service = cls(settings, catalog, log_writer, db, state)
        if db.last_open.get("mode") == "resume":  # a rebuild has just written every page
            checking = threading.Thread(
                target=service.verify_state_db, name=VERIFY_THREAD, daemon=True
            )
            checking.start()
        return service

    def verify_state_db(self) -> str:
        """Check the whole of state.db (`StateDB.verify`) while the app serves, and
        rebuild it from the log when it is damaged. Returns what was wrong ("" if
        nothing)."""
        db = self.db
        problem = db.verify()
        if not problem or not db.path.exists():
            return ""
        log.error("%s is damaged (%s): rebuilding it from the event log", db.path, problem)
        with self._lock:
            if self.db is db:  # not replaced meanwhile (a demo reset)
                self.log.wait_idle()
                self.state = db.open_state(rebuild=f"the database is damaged ({problem})")
        return problem

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection to state.db for the read models (`statequeries`), one
        snapshot for the whole `with` block, without the service lock.

        A write's rows are committed to state.db before its caller is told it is saved
        (`StateDB.commit_written`, called by the log writer after the fsync), so a read
        that follows a write sees it. When this process has stopped writing state.db
        (another process wrote it, or a write to it failed: `StateDB.lagging`), the file
        may miss what this process acknowledged: the read then gets an in-memory copy of
        the file with the statements it lacks applied (`StateDB.snapshot`)."""
        with contextlib.ExitStack() as stack:
            with self._db_swap_lock:
                db = self.db
                conn = None if db.lagging else stack.enter_context(db.reader())
            if conn is not None:
                yield conn
                return
        with self._snapshot_lock:
            with self._lock:
                conn = self.db.snapshot(self.state)
            yield conn

    # -- identity ---------------------------------------------------------------------

    def user(self, username: str | None) -> User:
        """The one place that decides who is a moderator: configuration, not the caller."""
        name = username.strip() if isinstance(username, str) and username.strip() else None
        return User(name, is_moderator=name is not None and name in self.settings.moderators)

    # -- reads ------------------------------------------------------------------------

    def search(self, user: User, query: SearchQuery) -> SearchPage:
        with self._lock:
            return search(self.catalog, self.state, user, query)

    def category_counts(self, user: User) -> dict[str, int]:
        with self._lock:
            state = self.state
            return {
                slug: search(self.catalog, state, user, _count_query(slug)).total
                for slug in CATEGORY_BY_SLUG
            }

    def artifact(self, user: User, artifact_id: object) -> Artifact:
        """The catalog record, or NotFound for unknown ids and for artifacts hidden from
        this viewer (a private artifact's existence is not revealed)."""
        artifact = self.catalog.get(artifact_id) if isinstance(artifact_id, str) else None
        if artifact is None:
            raise NotFound("err.no_artifact", id=str(artifact_id)[:100])
        guard = self.state.safeguard(artifact.id)
        if guard.private and not can(user, Action.VIEW_HIDDEN, artifact):
            raise NotFound("err.no_artifact", id=artifact.id)
        return artifact

    def view(self, user: User, artifact_id: str) -> ArtifactView:
        """The artifact page's records. The busiest read: it lets the State drop what it
        holds first (`StateDB.trim`), so pages read without writes do not fill memory
        (callers hold no record of the State when they call it)."""
        with self._lock:
            self.db.trim(self.state)
            artifact = self.artifact(user, artifact_id)
            state = self.state
            guard = state.safeguard(artifact.id)
            tags = effective_tags(artifact.tags, state.merged_tags.get(artifact.id, []))
            card_text = self._card_text(artifact)
            gated = artifact.gated if guard.gated is None else guard.gated
            privileged = can(user, Action.VIEW_HIDDEN, artifact)
            access = state.access_of(user.username, artifact.id) if user.username else None
            approved = access is not None and access.status is AccessStatus.APPROVED
            discussions = self._visible_discussions(user, artifact)
            card = parse_card(card_text)
            reports = [state.reports[r] for r in state.reports_by_artifact.get(artifact.id, ())]
            reasons = {r.discussion_id: r.reason for r in reports}
            return ArtifactView(
                artifact=artifact,
                role=user.role_for(artifact),
                tags=tags,
                categories=effective_categories(artifact.categories, tags),
                card_text=card_text,
                card=card,
                safeguard=guard,
                gated=gated,
                content_warning=NFAA_TAG in tags or guard.content_warning,
                disabled=guard.disabled and not user.is_moderator,
                content_locked=gated and not privileged and not approved,
                access=access,
                discussions=discussions,
                report_reasons={d.id: reasons[d.id] for d in discussions if d.id in reasons},
                report_count=len(reports),
                limit=_copy(state.active_limit(artifact.id, self.clock())),
                access_form=self._access_form(artifact.id, card.metadata),
                proposals=[state.proposals[p] for p in state.proposals_by_artifact[artifact.id]],
                access_requests=[
                    state.access_requests[r] for r in state.access_by_artifact[artifact.id]
                ]
                if privileged
                else [],
            )

    def discussion(self, user: User, discussion_id: object) -> Discussion:
        discussion = (
            self.state.discussions.get(discussion_id) if isinstance(discussion_id, str) else None
        )
        if discussion is None or not self._may_read(user, discussion):
            raise NotFound("err.no_discussion", id=str(discussion_id)[:100])
        return discussion

    def proposal_in(self, user: User, discussion_id: object) -> TagProposal:
        """The tag proposal a pull-request discussion belongs to (NotFound otherwise)."""
        with self._lock:
            discussion = self.discussion(user, discussion_id)
            for proposal_id in self.state.proposals_by_artifact.get(discussion.artifact_id, ()):
                proposal = self.state.proposals[proposal_id]
                if proposal.discussion_id == discussion.id:
                    return proposal
        raise NotFound("err.no_proposal", id=discussion.id)

    def my_reports(self, user: User) -> list[Report]:
        authorize(user, Action.REPORT)
        with self.reading() as conn:
            mine = statequeries.reports_by(conn, reporter=user.username or "")
        return sorted(mine, key=lambda r: r.ts, reverse=True)

    def my_report_stories(self, user: User) -> list[ReportStory]:
        """The reporter's loop: each of my reports with the owner's answer and the
        decisions taken on the artifact since, newest change first."""
        authorize(user, Action.REPORT)
        stories = []
        with self.reading() as conn:
            reports = statequeries.reports_by(conn, reporter=user.username or "")
            artifacts = self.catalog.get_many({r.artifact_id for r in reports})
            reports = [r for r in reports if r.artifact_id in artifacts]
            threads = statequeries.discussion_comments(
                conn, discussion_ids={r.discussion_id for r in reports}
            )
            actions = statequeries.actions_on(conn, artifact_ids=artifacts)
        for report in reports:
            artifact = artifacts[report.artifact_id]
            comments = threads.get(report.discussion_id, [])
            answers = [c for c in comments if c.author == artifact.author and not c.moderation]
            decisions = [
                a
                for a in actions.get(report.artifact_id, ())
                if a.ts >= report.ts and a.action not in DISCUSSION_ACTIONS
            ]
            times = [report.ts, *(c.ts for c in comments), *(d.ts for d in decisions)]
            stories.append(
                ReportStory(
                    report=report,
                    owner_answer=answers[-1] if answers else None,
                    decisions=decisions,
                    last_change=max(times),
                )
            )
        return sorted(stories, key=lambda s: s.last_change, reverse=True)

    def my_notices(self, user: User) -> list[Notice]:
        """Decision notices: the moderators' actions on artifacts I own and on comments
        I wrote (reversals included), newest first, each with its appeal."""
        authorize(user, Action.APPEAL)
        now = datetime.now(UTC)
        notices = []
        with self.reading() as conn:
            acted = self.catalog.get_many(statequeries.acted_artifacts(conn))
            owned = [i for i, artifact in acted.items() if user.owns(artifact)]
            actions = statequeries.actions_about(
                conn, user=user.username or "", owned=owned, thread_actions=DISCUSSION_ACTIONS
            )
            ids = [a.id for a in actions]
            appeals = statequeries.appeals_of(conn, action_ids=ids)
            reasons = statequeries.reasons_answered(conn, action_ids=ids)
        for action in actions:
            appeal = appeals.get(action.id)
            deadline = self.appeal_deadline(action)
            notices.append(
                Notice(
                    action=action,
                    reasons=sorted(reasons.get(action.id, ())),
                    appeal=appeal,
                    deadline=deadline.strftime("%Y-%m-%d"),
                    can_appeal=action.action in APPEALABLE_ACTIONS
                    and appeal is None
                    and now <= deadline,
                )
            )
        return sorted(notices, key=lambda n: (n.action.ts, n.action.id), reverse=True)

    def my_access_requests(self, user: User) -> list[AccessRequest]:
        authorize(user, Action.REQUEST_ACCESS)
        with self.reading() as conn:
            mine = statequeries.access_requests_by(conn, user=user.username or "")
        return sorted(mine, key=lambda r: r.ts, reverse=True)

    def proposal_diff(self, user: User, proposal_id: str) -> str:
        with self._lock:
            proposal = self._proposal(proposal_id)
            artifact = self.artifact(user, proposal.artifact_id)
            return metadata_diff(self._card_text(artifact, upto_proposal=proposal), proposal.tags)

    def show_mature_without_popup(self, user: User) -> bool:
        return (
            bool(user.username)
            and self.state.preferences_of(user.username).show_mature_without_popup
        )

    # -- community changes ------------------------------------------------------------

    def report(
        self,
        user: User,
        artifact_id: object,
        reason: object,
        context: object,
        discussion_id: object = None,
    ) -> Report:
        """File a flag. A second flag of the same artifact by the same user, while the first
        is open, adds its context to the first instead of opening a duplicate."""
        authorize(user, Action.REPORT)
        self._check_not_suspended(user)
        if not isinstance(reason, str) or reason not in REASON_BY_SLUG:
            raise InvalidInput("err.choose_reason")
        text = clean_text(context, "context")
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            self._check_not_disabled(user, artifact)
            target = None
            if discussion_id not in (None, ""):
                target = self.discussion(user, discussion_id)
                if target.artifact_id != artifact.id:
                    raise InvalidInput("err.other_artifact")
            self._check_rate(
                user, self.state.report_times, self.settings.reports_per_hour, "reports"
            )
            existing = self.state.open_report_by(user.username or "", artifact.id)
            if existing is not None:
                payload = {"report_id": existing.id, "context": text, "comment_id": short_id("C")}
                ticket = self._emit(user, "report.extended", payload)
                report = existing
            else:
                report_id = short_id("R")
                payload = {
                    "report_id": report_id,
                    "artifact_id": artifact.id,
                    "reason": reason,
                    "context": text,
                    "discussion_id": short_id("D"),
                    "comment_id": short_id("C"),
                    "title": f"Report: {REASON_BY_SLUG[reason].label['en']}",
                    "target_discussion_id": target.id if target else None,
                    "policy": GUIDELINES_VERSION,
                }
                ticket = self._emit(user, "report.filed", payload)
                report = self.state.reports[report_id]
        self._wait(ticket)
        return report

    def open_discussion(
        self, user: User, artifact_id: object, title: object, text: object
    ) -> Discussion:
        authorize(user, Action.COMMENT)
        self._check_not_suspended(user)
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            self._check_not_disabled(user, artifact)
            self._check_limit(user, artifact)  # before the text: the reason comes first
            title_text = clean_text(title, "title")
            body = clean_text(text, "comment")
            self._check_rate(
                user, self.state.comment_times, self.settings.comments_per_hour, "comments"
            )
            discussion_id = short_id("D")
            payload = {
                "discussion_id": discussion_id,
                "artifact_id": artifact.id,
                "title": title_text,
                "text": body,
                "comment_id": short_id("C"),
            }
            ticket = self._emit(user, "discussion.opened", payload)
            discussion = self.state.discussions[discussion_id]
        self._wait(ticket)
        return discussion

    def comment(self, user: User, discussion_id: object, text: object) -> Comment:
        authorize(user, Action.COMMENT)
        self._check_not_suspended(user)
        with self._lock:
            discussion = self.discussion(user, discussion_id)
            artifact = self.catalog.get(discussion.artifact_id)
            if artifact is not None:
                self._check_not_disabled(user, artifact)
                if discussion.kind is not DiscussionKind.REPORT:  # reports stay open
                    self._check_limit(user, artifact)
            body = clean_text(text, "comment")
            if discussion.status is not DiscussionStatus.OPEN and not user.is_moderator:
                raise Conflict(
                    "err.no_new_comments", status=Term(f"status.{discussion.status.value}")
                )
            if discussion.kind is DiscussionKind.REPORT and not (
                user.username in discussion.participants or can(user, Action.VIEW_HIDDEN, artifact)
            ):
                raise NotFound("err.no_discussion", id=discussion.id)
            self._check_rate(
                user, self.state.comment_times, self.settings.comments_per_hour, "comments"
            )
            comment_id = short_id("C")
            payload = {"discussion_id": discussion.id, "text": body, "comment_id": comment_id}
            ticket = self._emit(user, "comment.added", payload)
            comment = self.state.comments[comment_id]
        self._wait(ticket)
        return comment

    def set_discussion_status(
        self, user: User, discussion_id: object, status: object
    ) -> Discussion:
        """Owners (and moderators) close or reopen a discussion on their artifact."""
        if status not in (DiscussionStatus.OPEN.value, DiscussionStatus.CLOSED.value):
            raise InvalidInput("err.open_or_closed")
        with self._lock:
            discussion = self.discussion(user, discussion_id)
            authorize(user, Action.CLOSE_DISCUSSION, self.catalog.get(discussion.artifact_id))
            if discussion.status is DiscussionStatus.LOCKED and not user.is_moderator:
                raise Conflict("err.locked_by_moderator")
            if discussion.status.value == status:
                raise Conflict("err.discussion_already", status=Term(f"status.{status}"))
            payload = {"discussion_id": discussion.id, "status": status}
            ticket = self._emit(user, "discussion.status", payload)
        self._wait(ticket)
        return discussion

    def propose_tags(
        self, user: User, artifact_id: object, tags: object, note: object = ""
    ) -> TagProposal:
        """Open a pull request on the card metadata adding content-warning or ethics tags."""
        authorize(user, Action.PROPOSE_TAG)
        self._check_not_suspended(user)
        wanted = [clean_tag(t) for t in (tags if isinstance(tags, list | tuple) else [tags])]
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            raise InvalidInput("err.choose_tag")
        unknown = [t for t in wanted if t not in PROPOSABLE_TAGS]
        if unknown:
            raise InvalidInput("err.not_proposable", tag=NFAA_TAG, tags=", ".join(unknown))
        message = clean_text(note, "comment", required=False)
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            self._check_not_disabled(user, artifact)
            current = effective_tags(artifact.tags, self.state.merged_tags.get(artifact.id, []))
            new = [t for t in wanted if t not in current]
            if not new:
                raise Conflict("err.tags_present")
            # A proposal opens a public discussion: it counts as a comment.
            self._check_rate(
                user, self.state.comment_times, self.settings.comments_per_hour, "comments"
            )
            try:
                with_added_tags(self._card_text(artifact), new)
            except CARD_ERRORS as exc:
                raise InvalidInput("err.card_unparsable", problem=str(exc)[:200]) from None
            proposal_id = short_id("P")
            payload = {
                "proposal_id": proposal_id,
                "artifact_id": artifact.id,
                "tags": new,
                "discussion_id": short_id("D"),
                "comment_id": short_id("C"),
                "title": f"Add tags: {', '.join(new)}",
                "text": message or f"Proposes adding {', '.join(new)} to the card metadata.",
            }
            ticket = self._emit(user, "proposal.opened", payload)
            proposal = self.state.proposals[proposal_id]
        self._wait(ticket)
        return proposal

    def decide_proposal(
        self, user: User, proposal_id: object, merge: bool, note: object = ""
    ) -> TagProposal:
        message = clean_text(note, "comment", required=False)
        with self._lock:
            proposal = self._proposal(proposal_id)
            authorize(user, Action.REVIEW_PROPOSAL, self.catalog.get(proposal.artifact_id))
            if proposal.status is not ProposalStatus.OPEN:
                raise Conflict(
                    "err.proposal_already", status=Term(f"status.{proposal.status.value}")
                )
            status = ProposalStatus.MERGED if merge else ProposalStatus.CLOSED
            payload = {"proposal_id": proposal.id, "status": status.value, "text": message}
            ticket = self._emit(user, "proposal.decided", payload)
        self._wait(ticket)
        return proposal

    def request_access(
        self, user: User, artifact_id: object, reason: object, answers: object = None
    ) -> AccessRequest:
        """File a request with the answers to the artifact's access form (by field label;
        every field required). The reason is required only where the form asks nothing
        else. An automatic form approves the request as it is filed."""
        authorize(user, Action.REQUEST_ACCESS)
        self._check_not_suspended(user)
        with self._lock:
            view = self.view(user, artifact_id)
            form = view.access_form
            asks = form is not None and bool(form.fields)
            text = clean_text(reason, "reason", required=not asks)
            self._check_not_disabled(user, view.artifact)
            if not view.gated:
                raise Conflict("err.not_gated")
            if not view.content_locked:
                raise Conflict("err.has_access")
            if view.access is not None and view.access.status is AccessStatus.PENDING:
                raise Conflict("err.request_pending")
            cleaned = clean_answers(form, answers)
            request_id = short_id("A")
            payload: dict[str, Any] = {
                "request_id": request_id,
                "artifact_id": view.artifact.id,
                "reason": text,
            }
            if cleaned:
                payload["answers"] = cleaned
            if form is not None and form.approval is Approval.AUTO:
                payload["approval"] = Approval.AUTO.value
            ticket = self._emit(user, "access.requested", payload)
            request = self.state.access_requests[request_id]
        self._wait(ticket)
        return request

    def set_access_form(
        self, user: User, artifact_id: object, approval: object, prompt: object, fields: object
    ) -> GateForm:
        """The owner (or a moderator) sets how access is granted: automatic or manual
        approval, a prompt and the fields (one per line, "Label: type[: options]"). It
        replaces the card's form from now on; requests already filed keep their answers."""
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            authorize(user, Action.SET_ACCESS_FORM, artifact)
            form = clean_form(approval, prompt, fields)
            current = self.state.access_forms.get(artifact.id)
            if (
                current is not None
                and not current.cleared
                and self._access_form(artifact.id, {}) == form
            ):
                return form  # saved again unchanged: nothing to record
            payload = {
                "artifact_id": artifact.id,
                "approval": form.approval.value,
                "prompt": form.prompt,
                "fields": [f.to_json() for f in form.fields],
            }
            ticket = self._emit(user, "access.form_set", payload)
        self._wait(ticket)
        return form

    def use_card_access_form(self, user: User, artifact_id: object) -> None:
        """Forget the form set on the page: the card's metadata (or no form) applies again."""
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            authorize(user, Action.SET_ACCESS_FORM, artifact)
            current = self.state.access_forms.get(artifact.id)
            if current is None or current.cleared:
                raise Conflict("err.no_set_form")
            payload = {"artifact_id": artifact.id, "cleared": True}
            ticket = self._emit(user, "access.form_set", payload)
        self._wait(ticket)

    def decide_access(
        self, user: User, request_id: object, approve: bool, *, note: object = ""
    ) -> AccessRequest:
        """Approve or reject a pending request; `note` (optional, at most 200 characters)
        is shown to the requester, as the Hub shows a rejection's reason."""
        text = clean_text(note, "decision_note", required=False)
        with self._lock:
            request = (
                self.state.access_requests.get(request_id) if isinstance(request_id, str) else None
            )
            if request is None:
                raise NotFound("err.no_access_request", id=str(request_id)[:100])
            authorize(user, Action.REVIEW_ACCESS, self.catalog.get(request.artifact_id))
            if request.status is not AccessStatus.PENDING:
                raise Conflict("err.request_already", status=Term(f"status.{request.status.value}"))
            status = AccessStatus.APPROVED if approve else AccessStatus.REJECTED
            payload = {"request_id": request.id, "status": status.value}
            if text:
                payload["note"] = text
            ticket = self._emit(user, "access.decided", payload)
        self._wait(ticket)
        return request

    def set_preference(self, user: User, show_mature_without_popup: object) -> bool:
        """Saved on the account; visitors keep the same preference in their browser."""
        authorize(user, Action.SET_ACCOUNT_PREFERENCE)
        if not isinstance(show_mature_without_popup, bool):
            raise InvalidInput("err.preference")
        with self._lock:
            if self.show_mature_without_popup(user) == show_mature_without_popup:
                return show_mature_without_popup
            # Counted in memory, not in the log: a flip-flopping client must not flood
            # the log, and a restart forgiving the last hour's count is harmless.
            self._check_rate(
                user,
                self._preference_times,
                self.settings.comments_per_hour,
                "preferences",
            )
            self._preference_times[user.username or ""].append(datetime.now(UTC))
            payload = {"show_mature_without_popup": show_mature_without_popup}
            ticket = self._emit(user, "preference.set", payload)
        self._wait(ticket)
        return show_mature_without_popup

    # -- moderation -------------------------------------------------------------------

    def moderate(
        self,
        user: User,
        artifact_id: object,
        action: object,
        note: object,
        *,
        discussion_id: object = None,
        comment_id: object = None,
        reason: object = None,
        override_claim: bool = True,
    ) -> Safeguard:
        """A moderator decision with a required note; every one is reversible by another.
        Hiding a comment takes a reason (policy.HIDE_REASONS), a lock may (LOCK_REASONS).
        With `override_claim=False` an item another moderator has claimed is refused
        (the panel then asks to confirm and calls again with True)."""
        authorize(user, Action.MODERATE)
        if action not in MODERATION_ACTIONS:
            raise InvalidInput(
                "err.unknown_action", action=str(action)[:50], actions=", ".join(MODERATION_ACTIONS)
            )
        text = clean_text(note, "note")
        reason = _action_reason(action, reason)
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            if not override_claim:
                self._check_claim(user, artifact.id)
            payload: dict[str, Any] = {
                "action_id": short_id("M"),
                "artifact_id": artifact.id,
                "action": action,
                "note": text,
                "policy": GUIDELINES_VERSION,
            }
            if reason is not None:
                payload["reason"] = reason
            if action in DISCUSSION_ACTIONS:
                payload.update(
                    self._discussion_target(user, artifact, action, discussion_id, comment_id)
                )
            elif action == "dismiss" and not self._open_reports(artifact.id):
                raise Conflict("err.nothing_to_dismiss")
            elif action != "dismiss" and not self._changes(artifact, action):
                raise Conflict("err.no_change", action=Term(f"modaction.{action}"))
            ticket = self._emit(user, "moderation.action", payload)
            guard = Safeguard(**vars(self.state.safeguard(artifact.id)))  # a copy, not the state
        self._wait(ticket)
        return guard

    def hide_comment_as_owner(self, user: User, comment_id: object, reason: object) -> Comment:
        """The owner of an artifact hides a comment in one of its discussions, with a
        reason readers see (as Hub repo owners can). Not a moderator decision: no note,
        no audit row; a moderator can show it again (`unhide_comment`). The report text
        itself and moderators' notes stay: an owner cannot bury a report about them."""
        authorize(user, Action.COMMENT)
        if not isinstance(reason, str) or reason not in HIDE_REASONS:
            raise InvalidInput("err.hide_reason", reasons=", ".join(HIDE_REASONS))
        with self._lock:
            comment = self.state.comments.get(comment_id) if isinstance(comment_id, str) else None
            if comment is None:
                raise NotFound("err.no_comment", id=str(comment_id)[:100])
            discussion = self.discussion(user, comment.discussion_id)
            artifact = self.artifact(user, discussion.artifact_id)
            if not user.owns(artifact):
                raise PermissionDenied("err.owner_hide_own_only")
            first = discussion.comments[0].id if discussion.comments else None
            opening_report = discussion.kind is DiscussionKind.REPORT and comment.id == first
            if comment.moderation or opening_report:
                raise Conflict("err.hide_not_this")
            if comment.hidden:
                raise Conflict("err.comment_hidden")
            payload = {
                "artifact_id": artifact.id,
                "discussion_id": discussion.id,
                "comment_id": comment.id,
                "reason": reason,
                "policy": GUIDELINES_VERSION,
            }
            ticket = self._emit(user, "comment.hidden", payload)
            hidden = copy.copy(self.state.comments[comment.id])
        self._wait(ticket)
        return hidden

    # -- interaction limits and suspensions -------------------------------------------

    def set_interaction_limit(
        self, user: User, artifact_id: object, level: object, duration: object
    ) -> InteractionLimit:
        """The owner (or a moderator) limits who may open discussions and comment on an
        artifact, for one of the durations; a new limit replaces the one in force."""
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            authorize(user, Action.LIMIT_INTERACTIONS, artifact)
            if not isinstance(level, str) or level not in LIMIT_LEVELS:
                raise InvalidInput("err.limit_level", levels=", ".join(LIMIT_LEVELS))
            if not isinstance(duration, str) or duration not in LIMIT_DURATIONS:
                raise InvalidInput("err.limit_duration", durations=", ".join(LIMIT_DURATIONS))
            payload = {"artifact_id": artifact.id, "level": level, "duration": duration}
            ticket = self._emit(user, "limit.set", payload)
            limit = copy.copy(self.state.limits[artifact.id])
        self._wait(ticket)
        return limit

    def lift_interaction_limit(self, user: User, artifact_id: object) -> None:
        """Everyone may open discussions and comment again, before the limit expires."""
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            authorize(user, Action.LIMIT_INTERACTIONS, artifact)
            if self.state.active_limit(artifact.id, self.clock()) is None:
                raise Conflict("err.no_limit", id=artifact.id)
            ticket = self._emit(user, "limit.lifted", {"artifact_id": artifact.id})
        self._wait(ticket)

    def suspend(self, user: User, username: object, period: object, note: object) -> Suspension:
        """A moderator suspends a user from reporting, opening discussions, commenting,
        proposing tags and requesting access, with a note the user reads. Never oneself
        or another moderator; only someone with recorded activity here."""
        authorize(user, Action.SUSPEND)
        name = clean_username(username)
        if not isinstance(period, str) or period not in SUSPENSION_PERIODS:
            raise InvalidInput("err.suspension_period", periods=", ".join(SUSPENSION_PERIODS))
        text = clean_text(note, "note")
        if name == user.username:
            raise PermissionDenied("err.suspend_self")
        if self.user(name).is_moderator:
            raise PermissionDenied("err.suspend_moderator")
        with self._lock:
            if self.state.member_since(name) is None:
                raise NotFound("err.no_member", user=name)
            if self.state.active_suspension(name, self.clock()) is not None:
                raise Conflict("err.already_suspended", user=name)
            suspension_id = short_id("S")
            payload = {"suspension_id": suspension_id, "user": name, "period": period}
            ticket = self._emit(user, "user.suspended", {**payload, "note": text})
            suspension = copy.copy(self.state.suspensions[suspension_id])
        self._wait(ticket)
        return suspension

    def lift_suspension(self, user: User, username: object, note: object) -> Suspension:
        """A moderator ends a suspension early, with a note for the audit log."""
        authorize(user, Action.SUSPEND)
        name = clean_username(username)
        text = clean_text(note, "note")
        with self._lock:
            found = self.state.active_suspension(name, self.clock())
            if found is None:
                raise Conflict("err.not_suspended", user=name)
            payload = {"suspension_id": found.id, "note": text}
            ticket = self._emit(user, "suspension.lifted", payload)
            lifted = copy.copy(self.state.suspensions[found.id])
        self._wait(ticket)
        return lifted

    def my_suspension(self, user: User) -> Suspension | None:
        """The caller's suspension in force (what My activity shows), or None."""
        if not user.signed_in:
            return None
        with self.reading() as conn:
            found = statequeries.latest_suspension(conn, user=user.username or "")
        if found is None or found.lifted_ts is not None:
            return None
        if found.until is not None and self.clock() >= parse_ts(found.until):
            return None
        return found

    def active_suspensions(self, user: User) -> list[Suspension]:
        """Suspensions in force, newest first (moderators only)."""
        authorize(user, Action.SUSPEND)
        now = self.clock()
        with self._lock:
            found = [
                copy.copy(s)
                for s in self.state.suspensions.values()
                if self.state.active_suspension(s.user, now) is s
            ]
        return sorted(found, key=lambda s: (s.ts, s.id), reverse=True)

    def _check_not_suspended(self, user: User) -> None:
        """A suspended user is told why (the moderator's note) and until when."""
        with self._lock:
            found = self.state.active_suspension(user.username or "", self.clock())
        if found is None:
            return
        if found.until is None:
            raise PermissionDenied("err.suspended_until_lifted", note=found.note)
        raise PermissionDenied("err.suspended", until=_moment(found.until), note=found.note)

    def _check_limit(self, user: User, artifact: Artifact) -> None:
        """An interaction limit in force refuses everyone it does not let in; the owner
        and moderators are never limited."""
        if user.is_moderator or user.owns(artifact):
            return
        now = self.clock()
        limit = self.state.active_limit(artifact.id, now)
        if limit is None:
            return
        until = _moment(limit.until)
        if limit.level == "established":
            since = self.state.member_since(user.username or "")
            if since is not None and now - parse_ts(since) >= timedelta(days=MEMBER_AGE_DAYS):
                return
            raise PermissionDenied(
                "err.limited_established", id=artifact.id, until=until, days=MEMBER_AGE_DAYS
            )
        raise PermissionDenied("err.limited_owner", id=artifact.id, until=until)

    # -- claims -----------------------------------------------------------------------

    def claim_of(
        self, user: User, artifact_id: object, *, now: datetime | None = None
    ) -> Claim | None:
        """The claim in force on a queue item (a copy), or None: moderators only."""
        authorize(user, Action.VIEW_QUEUE)
        with self._lock:
            found = self.state.active_claim(str(artifact_id), now or datetime.now(UTC))
            return copy.copy(found) if found else None

    def claims_in_force(self, user: User, *, now: datetime | None = None) -> dict[str, Claim]:
        """Every claim in force, by artifact id (copies), for the queue's *Claimed*
        column: one look under the lock instead of one per row. Moderators only."""
        authorize(user, Action.VIEW_QUEUE)
        moment = now or datetime.now(UTC)
        with self._lock:
            return {
                artifact_id: copy.copy(claim)
                for artifact_id in self.state.claims
                if (claim := self.state.active_claim(artifact_id, moment)) is not None
            }

    def claim(self, user: User, artifact_id: object) -> Claim:
        """Take a queue item: other moderators see who works on it. Claiming again
        refreshes one's own claim; another moderator's claim in force is refused."""
        authorize(user, Action.MODERATE)
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            held = self.state.active_claim(artifact.id, datetime.now(UTC))
            if held is not None and held.moderator != user.username:
                raise Conflict("err.claimed_already", moderator=held.moderator)
            ticket = self._emit(user, "moderation.claimed", {"artifact_id": artifact.id})
            claim = copy.copy(self.state.claims[artifact.id])
        self._wait(ticket)
        if claim.moderator != user.username:  # lost a race folded before ours
            raise Conflict("err.claimed_already", moderator=claim.moderator)
        return claim

    def release(self, user: User, artifact_id: object) -> None:
        """Give back one's own claim on an item."""
        authorize(user, Action.MODERATE)
        with self._lock:
            artifact = self.artifact(user, artifact_id)
            held = self.state.active_claim(artifact.id, datetime.now(UTC))
            if held is None or held.moderator != user.username:
                raise Conflict("err.not_claimed")
            ticket = self._emit(user, "moderation.released", {"artifact_id": artifact.id})
        self._wait(ticket)

    def _check_claim(self, user: User, artifact_id: str) -> None:
        held = self.state.active_claim(artifact_id, datetime.now(UTC))
        if held is not None and held.moderator != user.username:
            minutes = int((datetime.now(UTC) - parse_ts(held.ts)).total_seconds() // 60)
            raise Conflict("err.claimed_by_other", moderator=held.moderator, minutes=minutes)

    # -- appeals ----------------------------------------------------------------------

    def appealable(self, user: User, action: ModerationAction) -> bool:
        """Whether `user` is the person `action` is about: the artifact's owner, or for
        a hidden comment its author."""
        if action.comment_id:
            comment = self.state.comments.get(action.comment_id)
            return comment is not None and comment.author == user.username
        artifact = self.catalog.get(action.artifact_id)
        return artifact is not None and user.owns(artifact)

    def appeal_deadline(self, action: ModerationAction) -> datetime:
        return parse_ts(action.ts) + timedelta(days=APPEAL_DAYS)

    def appeal(self, user: User, action_id: object, statement: object) -> Appeal:
        """The owner of an actioned artifact (or the author of a hidden comment) asks
        for the decision to be looked at again: once per action, within 30 days."""
        authorize(user, Action.APPEAL)
        text = clean_text(statement, "statement")
        with self._lock:
            action = self.state.action(action_id)
            if action is None:
                raise NotFound("err.no_action", id=str(action_id)[:100])
            if not self.appealable(user, action):
                raise PermissionDenied("err.appeal_not_yours")
            if action.action not in APPEALABLE_ACTIONS:
                raise Conflict("err.not_appealable", action=Term(f"modaction.{action.action}"))
            if action.id in self.state.appeal_by_action:
                raise Conflict("err.already_appealed")
            deadline = self.appeal_deadline(action)
            if datetime.now(UTC) > deadline:
                raise Conflict("err.appeal_too_late", date=deadline.strftime("%Y-%m-%d"))
            self._check_rate(
                user, self.state.comment_times, self.settings.comments_per_hour, "comments"
            )
            appeal_id = short_id("AP")
            payload = {"appeal_id": appeal_id, "action_id": action.id, "statement": text}
            ticket = self._emit(user, "appeal.filed", payload)
            appeal = copy.copy(self.state.appeals[appeal_id])
        self._wait(ticket)
        return appeal

    def decide_appeal(self, user: User, appeal_id: object, outcome: object, note: object) -> Appeal:
        """Uphold the decision or reverse it (the reversal is recorded as the moderator
        action that undoes it). A moderator other than the one who acted decides."""
        authorize(user, Action.MODERATE)
        if outcome not in (AppealStatus.UPHELD.value, AppealStatus.REVERSED.value):
            raise InvalidInput("err.appeal_outcome")
        text = clean_text(note, "note")
        with self._lock:
            found = self.state.appeals.get(appeal_id) if isinstance(appeal_id, str) else None
            if found is None:
                raise NotFound("err.no_appeal", id=str(appeal_id)[:100])
            if found.status is not AppealStatus.PENDING:
                raise Conflict("err.appeal_decided", status=Term(f"appeal.{found.status.value}"))
            action = self.state.action(found.action_id)
            assert action is not None  # an appeal is only filed on a known action
            if action.moderator == user.username:
                raise PermissionDenied("err.appeal_own_action")
            changes: list[tuple[str, dict[str, Any]]] = [
                ("appeal.decided", {"appeal_id": found.id, "outcome": outcome, "note": text})
            ]
            reversal = self._reversal(action, found.id, text) if outcome == "reversed" else None
            if reversal is not None:
                changes.append(("moderation.action", reversal))
            ticket = self._emit_all(user, changes)
            decided = copy.copy(self.state.appeals[found.id])
        self._wait(ticket)
        return decided

    # -- the demo ---------------------------------------------------------------------

    def reset_demo(self, user: User, *, now: datetime | None = None) -> Path | None:
        """Start the demo again from its seeded history: the state folder is moved aside
        whole (nothing deleted) and the seed written to a fresh one, which is folded.
        Moderators only, demo mode only, and not with a Hub dataset (its copy of the log
        would come back at the next pull). Returns where the old folder went."""
        authorize(user, Action.MODERATE)
        if not self.settings.demo:
            raise PermissionDenied("err.reset_not_demo")
        if self.hub_sync is not None:
            raise Conflict("err.reset_hub")
        with self._lock:
            self.log.wait_idle()
            self.log.close()  # the next event opens a new file in the new folder
            with self._db_swap_lock:
                self.db.close()  # state.db moves with the folder; a new one is built
                try:
                    kept = demo_seed.reset_demo(state_dir=self.settings.state_dir, now=now)
                finally:
                    hold_moved_state_folder(self.settings.state_dir)
                    self.db = StateDB(self.settings.state_dir)
                    self.log.on_written = self.db.commit_written
                    self.state = self.db.open_state()
                    self._preference_times.clear()
        log.warning(
            "demo reset by %s: the previous state folder is kept at %s", user.username, kept
        )
        return kept

    def _reversal(
        self, action: ModerationAction, appeal_id: str, note: str
    ) -> dict[str, Any] | None:
        """The payload of the action that undoes `action`, or None when the artifact (or
        thread, or comment) is already back as it was."""
        reverse = REVERSALS[action.action]
        payload: dict[str, Any] = {
            "action_id": short_id("M"),
            "artifact_id": action.artifact_id,
            "action": reverse,
            "note": note,
            "appeal_id": appeal_id,
            "policy": GUIDELINES_VERSION,
        }
        if reverse in DISCUSSION_ACTIONS:
            discussion = self.state.discussions.get(action.discussion_id or "")
            if discussion is None:
                return None
            payload["discussion_id"] = discussion.id
            if action.comment_id:
                comment = self.state.comments.get(action.comment_id)
                if comment is None or not comment.hidden:
                    return None
                payload["comment_id"] = comment.id
            elif discussion.status is DiscussionStatus.OPEN:
                return None
            return payload
        artifact = self.catalog.get(action.artifact_id)
        if artifact is None or not self._changes(artifact, reverse):
            return None
        return payload

    def pending_appeals(self, user: User) -> list[Appeal]:
        """The appeals waiting for a decision, oldest first (moderators only)."""
        authorize(user, Action.VIEW_QUEUE)
        with self.reading() as conn:
            waiting = statequeries.pending_appeals(conn)
        return sorted(waiting, key=lambda a: (a.ts, a.id))

    def moderation_action(self, user: User, action_id: str) -> ModerationAction:
        """One recorded decision, for the person it is about and moderators."""
        with self._lock:
            action = self.state.action(action_id)
            if action is None or not (user.is_moderator or self.appealable(user, action)):
                raise NotFound("err.no_action", id=str(action_id)[:100])
            return action

    # -- internals --------------------------------------------------------------------

    def _emit(self, user: User, type_: str, payload: dict[str, Any]) -> int:
        """Queue and apply one event; the caller holds the lock and waits afterwards."""
        return self._emit_all(user, [(type_, payload)])

    def _emit_all(self, user: User, changes: list[tuple[str, dict[str, Any]]]) -> int:
        """Several events of one decision, queued together (one write) and applied in
        order; the caller holds the lock and waits afterwards."""
        events = [self.log.make_event(type_, user.username, p) for type_, p in changes]
        for event in events:
            self.state.apply(event)
        # The rows these events changed go to state.db with the batch that holds them.
        return self.log.enqueue(events, note=self.db.capture(self.state, events))

    def refold(self) -> None:
        """Fold the state again from the files (after a failed write, or when another
        replica's files arrived). No event can be queued while the lock is held, and once
        the log is idle the files hold exactly what was acknowledged."""
        with self._lock:
            self.log.wait_idle()
            # The new events on top of the state in memory when state.db is exactly it,
            # else the recorded state read again, then the rest of the log.
            self.state = self.db.open_state(current=self.state)

    def _wait(self, ticket: int) -> None:
        try:
            self.log.wait_durable(ticket)
        except LogError as exc:
            log.error("write failed, folding the state again from disk: %s", exc)
            self.refold()
            raise SafeguardsError("err.save_failed") from exc
        # Once saved, the State may drop the records it holds (never before a change is
        # applied: a caller may hold a record it is about to change and return).
        with self._lock:
            self.db.trim(self.state)

    def _check_not_disabled(self, user: User, artifact: Artifact) -> None:
        """A disabled artifact takes new writing only from its owner (to answer or appeal)
        and moderators: reports, discussions and comments from others would pile up on
        something nobody else can act on."""
        if self.state.safeguard(artifact.id).disabled and not (
            user.is_moderator or user.owns(artifact)
        ):
            raise Conflict("err.artifact_disabled", id=artifact.id)

    def _check_rate(
        self, user: User, times: dict[str, list[datetime]], limit: int, what: str
    ) -> None:
        cutoff = datetime.now(UTC) - _HOUR
        recent = [t for t in times.get(user.username or "", ()) if t > cutoff]
        times[user.username or ""] = recent  # forget what no longer counts
        if len(recent) >= limit:
            raise RateLimited("err.rate_limited", limit=limit, what=Term(f"rate.{what}"))

    def _card_text(self, artifact: Artifact, upto_proposal: TagProposal | None = None) -> str:
        """The card with merged tag proposals applied (before `upto_proposal` if given)."""
        merged = []
        for proposal_id in self.state.proposals_by_artifact.get(artifact.id, ()):
            proposal = self.state.proposals[proposal_id]
            if proposal is upto_proposal:
                break
            if proposal.status is ProposalStatus.MERGED:
                merged.extend(proposal.tags)
        if not merged:
            return artifact.card
        try:
            return with_added_tags(artifact.card, merged)
        except CARD_ERRORS:
            return artifact.card

    def _access_form(self, artifact_id: str, metadata: dict[str, Any]) -> GateForm | None:
        """The form set on the page, else the one the card's metadata describes."""
        found = self.state.access_forms.get(artifact_id)
        if found is None or found.cleared:
            return form_from_card(metadata)
        fields = tuple(fields_from_json(found.fields))
        approval = Approval.AUTO if found.approval == Approval.AUTO.value else Approval.MANUAL
        return GateForm(approval, found.prompt, fields, "", "set")

    def _proposal(self, proposal_id: object) -> TagProposal:
        proposal = self.state.proposals.get(proposal_id) if isinstance(proposal_id, str) else None
        if proposal is None:
            raise NotFound("err.no_proposal", id=str(proposal_id)[:100])
        return proposal

    def _may_read(self, user: User, discussion: Discussion) -> bool:
        artifact = self.catalog.get(discussion.artifact_id)
        if artifact is None:
            return False
        if self.state.safeguard(artifact.id).private and not can(
            user, Action.VIEW_HIDDEN, artifact
        ):
            return False
        if discussion.kind is DiscussionKind.REPORT:
            return (
                can(user, Action.VIEW_HIDDEN, artifact) or user.username in discussion.participants
            )
        return True

    def _visible_discussions(self, user: User, artifact: Artifact) -> list[Discussion]:
        ids = self.state.discussions_by_artifact.get(artifact.id, ())
        found = [self.state.discussions[d] for d in ids]
        return [d for d in found if self._may_read(user, d)]

    def _open_reports(self, artifact_id: str) -> list[Report]:
        reports = (
            self.state.reports[r] for r in self.state.reports_by_artifact.get(artifact_id, ())
        )
        return [r for r in reports if r.status is ReportStatus.OPEN]

    def _changes(self, artifact: Artifact, action: str) -> bool:
        """Whether the action changes what people see (gating compared with the catalog's)."""
        before = self.state.safeguard(artifact.id)
        after = Safeguard(**vars(before))
        ARTIFACT_ACTIONS[action](after)
        return _effective(before, artifact) != _effective(after, artifact)

    def _discussion_target(
        self, user: User, artifact: Artifact, action: str, discussion_id: object, comment_id: object
    ) -> dict[str, str]:
        discussion = self.discussion(user, discussion_id)
        if discussion.artifact_id != artifact.id:
            raise InvalidInput("err.other_artifact")
        if action in ("hide_comment", "unhide_comment"):
            comment = self.state.comments.get(comment_id) if isinstance(comment_id, str) else None
            if comment is None or comment.discussion_id != discussion.id:
                raise NotFound("err.no_comment", id=str(comment_id)[:100])
            if comment.hidden == (action == "hide_comment"):
                raise Conflict("err.comment_hidden" if comment.hidden else "err.comment_shown")
            return {"discussion_id": discussion.id, "comment_id": comment.id}
        wanted = {
            "lock_discussion": DiscussionStatus.LOCKED,
            "close_discussion": DiscussionStatus.CLOSED,
        }.get(action, DiscussionStatus.OPEN)
        if discussion.status is wanted:
            raise Conflict("err.discussion_already", status=Term(f"status.{wanted.value}"))
        return {"discussion_id": discussion.id}


def _action_reason(action: object, reason: object) -> str | None:
    """The reason a hide (required) or a lock (optional) gives; other actions take none."""
    if action == "hide_comment":
        if not isinstance(reason, str) or reason not in HIDE_REASONS:
            raise InvalidInput("err.hide_reason", reasons=", ".join(HIDE_REASONS))
        return reason
    if action == "lock_discussion" and reason not in (None, ""):
        if not isinstance(reason, str) or reason not in LOCK_REASONS:
            raise InvalidInput("err.lock_reason", reasons=", ".join(LOCK_REASONS))
        return reason
    return None


def _effective(guard: Safeguard, artifact: Artifact) -> dict[str, Any]:
    seen = vars(guard) | {"gated": artifact.gated if guard.gated is None else guard.gated}
    return seen


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _moment(ts: str) -> str:
    """A stored time as a refusal states it: 2026-12-10 08:51 UTC."""
    return ts[:16].replace("T", " ") + " UTC"


def _copy(record: _R | None) -> _R | None:
    """A copy of a live record for a reader outside the lock (None stays None)."""
    return copy.copy(record) if record is not None else None


def _count_query(slug: str) -> SearchQuery:
    return SearchQuery(categories=(slug,), sort=Sort.DOWNLOADS, page_size=1)
