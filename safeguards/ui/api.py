"""The named API endpoints of the contract, for `gradio_client` and raw HTTP.

They call the same service methods as the UI. Identity comes from the request (accounts
or OAuth), never from an argument, so an API caller has exactly a UI user's rights.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from safeguards.errors import InvalidInput
from safeguards.search import SearchQuery, Sort
from safeguards.service import Safeguards
from safeguards.state import DISCUSSION_ACTIONS
from safeguards.ui.common import api_errors, current_user


def register(service: Safeguards) -> None:
    """Declare /search, /report, /moderate, /appeal, /request_access, the claim, hide,
    access decision, limit and suspension endpoints inside the open Blocks."""

    @api_errors
    def search(
        query: str = "",
        kinds: list[str] | None = None,
        categories: list[str] | None = None,
        tag: str = "",
        license: str = "",
        sort: str = "trending",
        page: int = 1,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """Artifacts matching a text query, kinds and ethics categories (same rules as the
        Browse tab): {total, page, pages, results: [...]}."""
        user = current_user(service, None, request, profile)
        if sort not in Sort._value2member_map_:
            raise gr.Error(f"sort must be one of: {', '.join(s.value for s in Sort)}")
        result = service.search(
            user,
            SearchQuery(
                text=str(query or "")[:200],
                kinds=tuple(kinds or ()),
                categories=tuple(categories or ()),
                tag=str(tag or ""),
                license=str(license or ""),
                sort=Sort(sort),
                page=int(page or 1),
            ),
        )
        return {
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "results": result.rows,
        }

    @api_errors
    def report(
        artifact_id: str,
        reason: str,
        context: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> str:
        """Flag an artifact with a reason slug and context; returns the report id."""
        user = current_user(service, None, request, profile)
        return service.report(user, artifact_id, reason, context).id

    @api_errors
    def moderate(
        artifact_id: str,
        action: str,
        note: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """A moderator action on an artifact, with a required note; returns its new state.
        Three values exactly, as the contract names them (raw REST callers send all of
        an endpoint's inputs): actions on a thread go through /moderate_discussion."""
        user = current_user(service, None, request, profile)
        guard = service.moderate(user, artifact_id, action, note)
        return {"artifact_id": artifact_id, "visibility": guard.visibility().value, **vars(guard)}

    @api_errors
    def moderate_discussion(
        artifact_id: str,
        discussion_id: str,
        action: str,
        note: str,
        comment_id: str = "",
        reason: str = "",
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """A moderator action on one of the artifact's threads, with a required note:
        lock/unlock, close/reopen, or hide/unhide a comment (`comment_id`). Hiding takes
        a reason (spam, abuse, off-topic, outdated, duplicate, resolved), a lock may take
        one (off-topic, too-heated, resolved, spam). Returns {discussion_id, status}."""
        user = current_user(service, None, request, profile)
        if action not in DISCUSSION_ACTIONS:
            raise InvalidInput("err.discussion_action", actions=", ".join(DISCUSSION_ACTIONS))
        service.moderate(
            user,
            artifact_id,
            action,
            note,
            discussion_id=discussion_id,
            comment_id=comment_id or None,
            reason=reason or None,
        )
        thread = service.discussion(user, discussion_id)
        return {"discussion_id": thread.id, "status": thread.status.value}

    @api_errors
    def claim(
        artifact_id: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """Moderators only: claim a queue item so others see who works on it (30 minutes
        without activity and it lapses). Returns {artifact_id, moderator, since}."""
        user = current_user(service, None, request, profile)
        held = service.claim(user, artifact_id)
        return {"artifact_id": held.id, "moderator": held.moderator, "since": held.ts}

    @api_errors
    def release_claim(
        artifact_id: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> str:
        """Moderators only: give back one's own claim on a queue item; returns its id."""
        user = current_user(service, None, request, profile)
        service.release(user, artifact_id)
        return str(artifact_id)

    @api_errors
    def hide_comment(
        comment_id: str,
        reason: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """The artifact's owner hides a comment in one of its discussions, with a reason
        readers see (spam, abuse, off-topic, outdated, duplicate, resolved). Moderators
        hide with /moderate_discussion (action hide_comment), recorded in the audit log."""
        user = current_user(service, None, request, profile)
        hidden = service.hide_comment_as_owner(user, comment_id, reason)
        return {"comment_id": hidden.id, "hidden_as": hidden.hidden_as}

    @api_errors
    def decide_access(
        request_id: str,
        decision: str,
        note: str = "",
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """The artifact's owner (or a moderator) approves or rejects a pending access
        request: decision `approve` or `reject`, with an optional note of at most 200
        characters shown to the requester. Returns {id, status}."""
        user = current_user(service, None, request, profile)
        if decision not in ("approve", "reject"):
            raise InvalidInput("err.access_decision")
        decided = service.decide_access(user, request_id, decision == "approve", note=note)
        return {"id": decided.id, "status": decided.status.value}

    @api_errors
    def appeal(
        action_id: str,
        statement: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> str:
        """Appeal a moderator decision (its action id, as in the audit log and the
        decision notice) with a statement; returns the appeal's id. Only the person the
        decision is about may appeal, once, within 30 days."""
        user = current_user(service, None, request, profile)
        return service.appeal(user, action_id, statement).id

    @api_errors
    def limit_interactions(
        artifact_id: str,
        level: str,
        duration: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """The artifact's owner (or a moderator) limits who may open discussions and
        comment: level `established` or `owner`, duration `1d`, `3d`, `1w`, `1m`, `6m`.
        Returns {artifact_id, level, until}."""
        user = current_user(service, None, request, profile)
        limit = service.set_interaction_limit(user, artifact_id, level, duration)
        return {"artifact_id": limit.id, "level": limit.level, "until": limit.until}

    @api_errors
    def lift_limit(
        artifact_id: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> str:
        """The owner (or a moderator) removes the artifact's limit; returns its id."""
        user = current_user(service, None, request, profile)
        service.lift_interaction_limit(user, artifact_id)
        return str(artifact_id)

    @api_errors
    def suspend(
        username: str,
        period: str,
        note: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """Moderators only: suspend a user from reporting and commenting for `period`
        (`1d`, `3d`, `1w`, `1m`, `6m` or `until_lifted`) with a note the user reads.
        Returns {suspension_id, user, until} (until is null for until_lifted)."""
        user = current_user(service, None, request, profile)
        found = service.suspend(user, username, period, note)
        return {"suspension_id": found.id, "user": found.user, "until": found.until}

    @api_errors
    def lift_suspension(
        username: str,
        note: str,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> str:
        """Moderators only: end a user's suspension early, with a note; returns its id."""
        user = current_user(service, None, request, profile)
        return service.lift_suspension(user, username, note).id

    @api_errors
    def request_access(
        artifact_id: str,
        reason: str = "",
        answers: dict[str, Any] | None = None,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[str, Any]:
        """Ask for access to a gated artifact: a reason and, when its access form has
        fields, the answers as an object of field label to answer (text; true for a
        checkbox; an ISO country code or English name; a date as YYYY-MM-DD). Returns
        {id, status}: "approved" at once when the form approves automatically."""
        user = current_user(service, None, request, profile)
        filed = service.request_access(user, artifact_id, reason, answers)
        return {"id": filed.id, "status": filed.status.value}

    gr.api(search, api_name="search", concurrency_limit=None)
    gr.api(report, api_name="report", concurrency_limit=None)
    gr.api(moderate, api_name="moderate", concurrency_limit=None)
    gr.api(moderate_discussion, api_name="moderate_discussion", concurrency_limit=None)
    gr.api(appeal, api_name="appeal", concurrency_limit=None)
    gr.api(claim, api_name="claim", concurrency_limit=None)
    gr.api(release_claim, api_name="release_claim", concurrency_limit=None)
    gr.api(hide_comment, api_name="hide_comment", concurrency_limit=None)
    gr.api(decide_access, api_name="decide_access", concurrency_limit=None)
    gr.api(limit_interactions, api_name="limit_interactions", concurrency_limit=None)
    gr.api(lift_limit, api_name="lift_limit", concurrency_limit=None)
    gr.api(suspend, api_name="suspend", concurrency_limit=None)
    gr.api(lift_suspension, api_name="lift_suspension", concurrency_limit=None)
    gr.api(request_access, api_name="request_access", concurrency_limit=None)
