"""Moderation tab: the prioritised report queue, one item's full context, actions on the
artifact and its discussions, bulk dismissal, and the audit log with its CSV export.

The tab is shown only to moderators, but hiding protects nothing: every handler names
the caller with `current_user` and the domain functions of `safeguards.moderation`
check rights again, so a raw HTTP call by anyone else is refused and records nothing.
Loading (page load, persona switch) never raises for a non-moderator: it hides the tab
and empties every output, so no moderation data stays in a page that lost the right.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from safeguards import demo_seed
from safeguards import moderation as mod
from safeguards.categories import REASONS
from safeguards.errors import PermissionDenied, SafeguardsError
from safeguards.eventlog import parse_ts
from safeguards.i18n import tr, trn
from safeguards.permissions import User
from safeguards.policy import HIDE_REASONS, LOCK_REASONS, SUSPENSION_PERIODS
from safeguards.records import Appeal, Claim, Discussion, Kind, ModerationAction, Suspension
from safeguards.service import Safeguards
from safeguards.state import ARTIFACT_ACTIONS, DISCUSSION_ACTIONS
from safeguards.textrules import LIMITS
from safeguards.ui.common import (
    I18N,
    UiContext,
    code_md,
    current_user,
    escape_md,
    friendly_errors,
    lang,
    notify,
    quote_md,
)
from safeguards.ui.texts import artifact_url, discussion_label, link_md, moderate_url, when

QUEUE_COLUMNS = (
    "artifact",
    "kind",
    "score",
    "reporters",
    "reports",
    "reasons",
    "severity",
    "waiting",
    "due",
    "claimed",
    "answered",
    "visibility",
)
# Fixed widths (px, one per column) so long reasons wrap instead of pushing the
# decision and claim columns out of sight; narrower screens scroll sideways.
# The table holds the most urgent items only: thousands of rows would be sent to every
# moderator's browser on each refresh, and nobody triages past the first screens. The
# count line says so, and the filters reach the rest.
QUEUE_SHOWN = mod.QUEUE_PAGE
QUEUE_WIDTHS = [250, 80, 80, 90, 80, 230, 80, 90, 120, 150, 100, 100]
PANEL_ACTIONS: tuple[str, ...] = ("dismiss", *(a for a in ARTIFACT_ACTIONS if a != "dismiss"))
# Actions that take an artifact away from people: the panel asks to confirm them.
DESTRUCTIVE_ACTIONS: frozenset[str] = frozenset({"disable", "make_private"})
_EXPORT_DIR = Path(tempfile.gettempdir()) / "safeguards-moderation-exports"


def sync_text(service: Safeguards, language: str) -> str:
    """Where the log is kept and, with a Hub dataset, how the sync is doing."""
    sync = service.hub_sync
    if sync is None:
        return tr("sync.local", language, folder=escape_md(str(service.settings.state_dir)))
    status = sync.status()
    never = tr("sync.never", language)
    text = tr(
        "sync.hub",
        language,
        repo=escape_md(status.repo_id),
        last_push=status.last_push.strftime("%Y-%m-%d %H:%M:%S UTC") if status.last_push else never,
        pending=status.pending_files,
        pending_bytes=status.pending_bytes,
    )
    if status.last_error:
        text += "  \n" + tr("sync.error", language, error=escape_md(status.last_error))
    return text


@dataclass
class ModerationTab:
    """What the app shell wires: `lists` on page load (the tab's visibility, the queue
    and the audit log), and `open_for_router` for `?moderate=<artifact>` links."""

    tab: gr.Tab
    lists: Callable[..., Any]
    lists_inputs: list[Any]
    lists_outputs: list[Any]
    open_for_router: Callable[[str, User, str], dict[Any, Any]]
    router_outputs: list[Any]


def build(ctx: UiContext, tab: gr.Tab) -> ModerationTab:
    """Lay out the tab's contents inside `tab` (the caller's `with gr.Tab(...)`) and wire
    its events. Call it inside that `with` block."""
    service = ctx.service
    sync = gr.Markdown(elem_id="mod-sync")
    with gr.Tabs():
        with gr.Tab(I18N("mod.queue"), id="mod-queue"):
            q = _queue_layout()
        with gr.Tab(I18N("mod.appeals"), id="mod-appeals"):
            ap = _appeals_layout()
        with gr.Tab(I18N("mod.audit"), id="mod-audit"):
            a = _audit_layout()
        with gr.Tab(I18N("mod.suspensions"), id="mod-suspensions"):
            su = _suspensions_layout()

    queue_outputs = [q["table"], q["summary"], q["bulk_pick"]]
    item_outputs = [
        q["item_header"],
        q["reports"],
        q["origin"],
        q["responses"],
        q["history"],
        q["action"],
        q["discussion"],
        q["comment"],
        q["seen"],
        q["item_box"],
        q["apply"],
        q["d_action"],
        q["d_apply"],
        q["confirm_box"],
        q["claim_status"],
        q["claim"],
        q["release"],
        q["d_reason"],
    ]
    audit_outputs = [a["table"], a["download"], a["moderator"]]
    appeal_outputs = [ap["list"], ap["pick"], ap["outcome"], ap["note"], ap["decide"]]
    suspension_outputs = [su["list"], su["lift_pick"]]
    filters = [q["reasons"], q["kinds"], q["status"]]

    # -- loading ------------------------------------------------------------------------

    def queue_updates(user: User, reasons, kinds, status, language: str) -> list[Any]:
        page = mod.queue_page(
            service,
            user,
            reasons=reasons or (),
            kinds=kinds or (),
            status=status or "open",
            shown=QUEUE_SHOWN,
        )
        items = page.items
        bulk = [
            (f"{i.artifact_id} · {i.open_reports}", i.artifact_id) for i in items if i.open_reports
        ]
        return [
            gr.update(
                value=queue_table(items, language, claims=service.claims_in_force(user)),
                visible=bool(items),
            ),
            queue_summary(page, language),
            gr.update(choices=bulk, value=[]),
        ]

    def audit_updates(user: User, language: str, **filters: str) -> list[Any]:
        frame = mod.audit_log(service, user, **filters)
        path = mod.export_audit_csv(service, user, _fresh_dir(), **filters)
        moderators = [("—", ""), *((m, m) for m in mod.moderators_seen(service, user))]
        return [
            gr.update(value=audit_table(frame, language), visible=not frame.empty),
            gr.update(value=str(path), visible=True),
            gr.update(choices=moderators),
        ]

    def appeal_updates(user: User, language: str) -> list[Any]:
        waiting = service.pending_appeals(user)
        choices = [(appeal_label(p, language), p.id) for p in waiting]
        return [
            appeals_text(service, user, waiting, language),
            gr.update(choices=choices, value=None),
            gr.update(value=None),
            "",
            gr.update(interactive=False),
        ]

    def suspension_updates(user: User, language: str) -> list[Any]:
        active = service.active_suspensions(user)
        return [
            suspensions_text(active, language),
            gr.update(choices=[(x.user, x.user) for x in active], value=None),
        ]

    def empty_lists() -> list[Any]:
        return [
            gr.update(value=None, visible=False),
            "",
            gr.update(choices=[], value=[]),
            gr.update(value=None, visible=False),
            gr.update(value=None, visible=False),
            gr.update(choices=[("—", "")], value=""),
            "",
            gr.update(choices=[], value=None),
            gr.update(value=None),
            "",
            gr.update(interactive=False),
            "",
            gr.update(choices=[], value=None),
        ]

    @friendly_errors
    def lists(
        persona: str,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        """The tab's visibility, the queue and the audit log; for anyone but a moderator
        a hidden tab and empty outputs (never an error: this runs on every switch)."""
        user = current_user(service, persona, request, profile)
        if not user.is_moderator:
            return [gr.Tab(visible=False), "", *empty_lists()]
        language = lang(request)
        try:
            queue = queue_updates(user, reasons, kinds, status, language)
            audit = audit_updates(user, language)
            appeals = appeal_updates(user, language)
            suspended = suspension_updates(user, language)
        except PermissionDenied:
            return [gr.Tab(visible=False), "", *empty_lists()]
        return [
            gr.Tab(visible=True),
            sync_text(service, language),
            *queue,
            *audit,
            *appeals,
            *suspended,
        ]

    @friendly_errors
    def load(
        persona: str,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        """After a persona switch: the lists again, and the open item forgotten."""
        return [*lists(persona, reasons, kinds, status, request, profile), *_item_cleared(), ""]

    list_outputs = [
        tab,
        sync,
        *queue_outputs,
        *audit_outputs,
        *appeal_outputs,
        *suspension_outputs,
    ]
    load_inputs = [ctx.persona, *filters]
    ctx.on_persona_switch(load, load_inputs, [*list_outputs, *item_outputs, q["notice"]])
    tab.select(lists, load_inputs, list_outputs, api_visibility="private")

    @friendly_errors
    def refresh(
        persona: str,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        return queue_updates(user, reasons, kinds, status, lang(request))

    refresh_inputs = [ctx.persona, *filters]
    gr.on(
        [q["refresh"].click, q["reasons"].change, q["kinds"].change, q["status"].change],
        refresh,
        refresh_inputs,
        queue_outputs,
        api_visibility="private",
    )

    # -- one item -----------------------------------------------------------------------

    def item_updates(user: User, artifact_id: str, language: str) -> list[Any]:
        detail = mod.item_detail(service, user, _text(artifact_id))
        discussions = [
            (f"{discussion_label(d, language)} · {d.id}", d.id) for d in detail.discussions
        ]
        first = discussions[0][1] if discussions else None
        return [
            item_header(detail, language),
            reports_text(detail, language),
            origin_text(detail, language),
            responses_text(detail, language),
            history_text(detail, language),
            # Nothing is chosen for the moderator, after an action too.
            gr.update(
                choices=[(tr(f"modaction.{n}", language), n) for n in detail.available_actions],
                value=None,
            ),
            gr.update(choices=discussions, value=first),
            comment_choices(detail.discussions, first, language),
            detail.seen_actions,
            gr.update(visible=True),
            gr.update(interactive=False),
            gr.update(value=None),
            gr.update(interactive=False),
            gr.update(visible=False),
            *claim_updates(user, detail.artifact.id, language),
            gr.update(choices=[], value=None, visible=False),
        ]

    def claim_updates(user: User, artifact_id: str, language: str) -> list[Any]:
        """Who holds the item: the line, then the Claim and Release buttons."""
        claim = service.claim_of(user, artifact_id)
        mine = claim is not None and claim.moderator == user.username
        return [
            claim_text(claim, user, language),
            gr.update(visible=claim is None),  # another's claim lapses or is released
            gr.update(visible=mine),
        ]

    @friendly_errors
    def claim_item(
        persona: str,
        artifact_id: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        claim = service.claim(user, _text(artifact_id))
        notify(tr("claim.done", language), language)
        return claim_updates(user, claim.id, language)

    @friendly_errors
    def release_item(
        persona: str,
        artifact_id: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        service.release(user, _text(artifact_id))
        notify(tr("claim.released", language), language)
        return claim_updates(user, _text(artifact_id), language)

    claim_outputs = [q["claim_status"], q["claim"], q["release"]]
    # The queue's Claimed column follows at once for the moderator who clicked.
    for button, handler in ((q["claim"], claim_item), (q["release"], release_item)):
        button.click(
            handler, [ctx.persona, q["item_id"]], claim_outputs, api_visibility="private"
        ).success(refresh, refresh_inputs, queue_outputs, api_visibility="private")

    @friendly_errors
    def open_item(
        persona: str,
        artifact_id: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        updates = item_updates(user, artifact_id, lang(request))
        return [*updates, "", moderate_url(_text(artifact_id))]

    open_outputs = [*item_outputs, q["notice"], ctx.location]
    q["open"].click(open_item, [ctx.persona, q["item_id"]], open_outputs, api_visibility="private")
    q["item_id"].submit(
        open_item, [ctx.persona, q["item_id"]], open_outputs, api_visibility="private"
    )
    q["table"].select(pick_row, None, q["item_id"], api_visibility="private").then(
        open_item, [ctx.persona, q["item_id"]], open_outputs, api_visibility="private"
    )

    def open_for_router(artifact_id: str, user: User, language: str) -> dict[Any, Any]:
        """`?moderate=<artifact>` for a moderator: the tab, the lists and the item. An
        unknown id shows the lists with a notice (the caller is a moderator)."""
        updates: dict[Any, Any] = {tab: gr.Tab(visible=True), q["item_id"]: artifact_id}
        try:
            opened = item_updates(user, artifact_id, language)
        except SafeguardsError as exc:
            updates[q["notice"]] = f"**{escape_md(exc.text(language))}**"
            updates.update(zip(item_outputs, _item_cleared(), strict=True))
            return updates
        updates.update(zip(item_outputs, opened, strict=True))
        updates[q["notice"]] = ""
        return updates

    @friendly_errors
    def pick_discussion(
        persona: str,
        artifact_id: str,
        discussion_id: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> Any:
        user = current_user(service, persona, request, profile)
        detail = mod.item_detail(service, user, _text(artifact_id))
        return comment_choices(detail.discussions, discussion_id, lang(request))

    q["discussion"].input(
        pick_discussion,
        [ctx.persona, q["item_id"], q["discussion"]],
        q["comment"],
        api_visibility="private",
    )

    # -- acting -------------------------------------------------------------------------

    def ready(action: str | None, note: str | None) -> Any:
        """Apply is on only once an action is chosen and a note written."""
        return gr.Button(interactive=bool(action) and bool((note or "").strip()))

    quick = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    gr.on(
        [q["action"].change, q["note"].change], ready, [q["action"], q["note"]], q["apply"], **quick
    )

    def d_ready(action: str | None, note: str | None, reason: str | None) -> Any:
        """A hide needs its reason too; a lock's reason is optional."""
        needs_reason = action == "hide_comment"
        ok = bool(action) and bool((note or "").strip()) and (bool(reason) or not needs_reason)
        return gr.Button(interactive=ok)

    gr.on(
        [q["d_action"].change, q["d_note"].change, q["d_reason"].change],
        d_ready,
        [q["d_action"], q["d_note"], q["d_reason"]],
        q["d_apply"],
        **quick,
    )

    def reason_choices(action: str | None, request: gr.Request) -> Any:
        """The reasons the chosen discussion action takes (none: hidden)."""
        reasons = {
            "hide_comment": ("hide", HIDE_REASONS),
            "lock_discussion": ("lock", LOCK_REASONS),
        }
        prefix, values = reasons.get(action or "", ("", ()))
        choices = [(tr(f"{prefix}.{r}", lang(request)), r) for r in values]
        return gr.update(choices=choices, value=None, visible=bool(choices))

    q["d_action"].change(reason_choices, q["d_action"], q["d_reason"], **quick)

    def after_action(
        user: User,
        artifact_id: str,
        result: mod.ActResult,
        filters_now: tuple,
        language: str,
    ) -> list[Any]:
        notify(tr("mod.done", language), language)
        notice = action_notice(result, language)
        return [
            *item_updates(user, artifact_id, language),
            notice,
            "",
            *queue_updates(user, *filters_now, language),
            *audit_updates(user, language),
        ]

    act_outputs = [*item_outputs, q["notice"], q["note"], *queue_outputs, *audit_outputs]

    @friendly_errors
    def apply_action(
        persona: str,
        artifact_id: str,
        action: str,
        note: str,
        seen: float,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
        override_claim: bool = True,
    ) -> list[Any]:
        """Act (after the confirmation row, another moderator's claim is overridden)."""
        user = current_user(service, persona, request, profile)
        clean_id = _text(artifact_id)
        result = mod.act(
            service, user, clean_id, action, note, seen or 0, override_claim=override_claim
        )
        return after_action(user, clean_id, result, (reasons, kinds, status), lang(request))

    act_inputs = [ctx.persona, q["item_id"], q["action"], q["note"], q["seen"], *filters]

    @friendly_errors
    def ask_or_apply(
        persona: str,
        artifact_id: str,
        action: str,
        note: str,
        seen: float,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[Any, Any]:
        """Apply: destructive actions, and items another moderator has claimed, first
        ask (the confirmation row); others act (refused if a claim landed meanwhile)."""
        language = lang(request)
        user = current_user(service, persona, request, profile)
        claim = service.claim_of(user, _text(artifact_id))
        questions = []
        if claim is not None and claim.moderator != user.username:
            age = claim_age(claim.ts, language)
            questions.append(
                tr(
                    "claim.confirm_question",
                    language,
                    moderator=escape_md(claim.moderator),
                    age=age,
                )
            )
        if action in DESTRUCTIVE_ACTIONS:
            questions.append(
                tr(
                    "mod.confirm_question",
                    language,
                    action=tr(f"modaction.{action}", language),
                    artifact=escape_md(_text(artifact_id)),
                )
            )
        if questions:
            return {
                q["confirm_box"]: gr.update(visible=True),
                q["confirm_text"]: "\n\n".join(f"**{x}**" for x in questions),
            }
        done = apply_action(
            persona,
            artifact_id,
            action,
            note,
            seen,
            reasons,
            kinds,
            status,
            request,
            profile,
            override_claim=False,
        )
        if not isinstance(done, list):  # refused: a toast was shown, nothing changes
            return gr.skip()
        return dict(zip(act_outputs, done, strict=True))

    q["apply"].click(
        ask_or_apply,
        act_inputs,
        [*act_outputs, q["confirm_text"]],
        api_visibility="private",
    )
    q["confirm"].click(apply_action, act_inputs, act_outputs, api_visibility="private")
    q["cancel"].click(
        lambda: gr.update(visible=False),
        None,
        q["confirm_box"],
        api_visibility="private",
        queue=False,
    )

    discussion_outputs = [*item_outputs, q["notice"], q["d_note"], *queue_outputs, *audit_outputs]

    @friendly_errors
    def apply_discussion_action(
        persona: str,
        artifact_id: str,
        discussion_id: str,
        comment_id: str,
        action: str,
        note: str,
        reason: str | None,
        seen: float,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        clean_id = _text(artifact_id)
        needs_comment = action in ("hide_comment", "unhide_comment")
        result = mod.act(
            service,
            user,
            clean_id,
            action,
            note,
            seen or 0,
            discussion_id=discussion_id,
            comment_id=comment_id if needs_comment else None,
            reason=reason or None,
        )
        return after_action(user, clean_id, result, (reasons, kinds, status), lang(request))

    q["d_apply"].click(
        apply_discussion_action,
        [
            ctx.persona,
            q["item_id"],
            q["discussion"],
            q["comment"],
            q["d_action"],
            q["d_note"],
            q["d_reason"],
            q["seen"],
            *filters,
        ],
        discussion_outputs,
        api_visibility="private",
    )

    @friendly_errors
    def bulk_dismiss(
        persona: str,
        artifact_ids: list[str],
        note: str,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        done = mod.bulk_dismiss(service, user, artifact_ids or [], note)
        asked = artifact_ids if isinstance(artifact_ids, list) else [artifact_ids]
        skipped = max(len(set(asked)) - len(done), 0)
        notify(trn("mod.bulk_done", len(done), language, skipped=skipped), language)
        return ["", *queue_updates(user, reasons, kinds, status, language)]

    q["bulk_apply"].click(
        bulk_dismiss,
        [ctx.persona, q["bulk_pick"], q["bulk_note"], *filters],
        [q["bulk_note"], *queue_outputs],
        api_visibility="private",
    )

    # -- appeals ------------------------------------------------------------------------

    gr.on(
        [ap["outcome"].change, ap["note"].change],
        ready,
        [ap["outcome"], ap["note"]],
        ap["decide"],
        **quick,
    )

    @friendly_errors
    def decide_appeal(
        persona: str,
        appeal_id: str,
        outcome: str,
        note: str,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        decided = service.decide_appeal(user, appeal_id, outcome, note)
        notify(
            tr("mod.appeal_done", language, status=tr(f"appeal.{decided.status.value}", language)),
            language,
        )
        return [
            *appeal_updates(user, language),
            *queue_updates(user, reasons, kinds, status, language),
            *audit_updates(user, language),
        ]

    ap["decide"].click(
        decide_appeal,
        [ctx.persona, ap["pick"], ap["outcome"], ap["note"], *filters],
        [*appeal_outputs, *queue_outputs, *audit_outputs],
        api_visibility="private",
    )

    # -- suspensions --------------------------------------------------------------------

    @friendly_errors
    def suspend_from_panel(
        persona: str,
        username: str,
        period: str | None,
        note: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        found = service.suspend(user, username, period, note)
        notify(tr("suspend.done", language, user=found.user), language)
        cleared = ["", gr.update(value=None), "", gr.update(visible=False)]
        return [*suspension_updates(user, language), *cleared, *audit_updates(user, language)]

    # Suspending asks first (a destructive action); the confirmation does it.
    su["apply"].click(lambda: gr.update(visible=True), None, su["confirm_box"], **quick)
    su["cancel"].click(lambda: gr.update(visible=False), None, su["confirm_box"], **quick)
    su["confirm"].click(
        suspend_from_panel,
        [ctx.persona, su["user"], su["period"], su["note"]],
        [
            *suspension_outputs,
            *(su["user"], su["period"], su["note"], su["confirm_box"]),
            *audit_outputs,
        ],
        api_visibility="private",
    )

    @friendly_errors
    def lift_from_panel(
        persona: str,
        username: str | None,
        note: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        lifted = service.lift_suspension(user, username, note)
        notify(tr("suspend.lifted", language, user=lifted.user), language)
        return [*suspension_updates(user, language), "", *audit_updates(user, language)]

    su["lift"].click(
        lift_from_panel,
        [ctx.persona, su["lift_pick"], su["lift_note"]],
        [*suspension_outputs, su["lift_note"], *audit_outputs],
        api_visibility="private",
    )

    # -- audit log ----------------------------------------------------------------------

    @friendly_errors
    def filter_audit(
        persona: str,
        moderator: str,
        action: str,
        artifact: str,
        since: str,
        until: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        return audit_updates(
            user,
            lang(request),
            moderator=moderator or "",
            action=action or "",
            artifact=artifact or "",
            since=since or "",
            until=until or "",
        )

    audit_inputs = [ctx.persona, a["moderator"], a["action"], a["artifact"], a["since"], a["until"]]
    gr.on(
        [a["apply"].click, a["artifact"].submit, a["since"].submit, a["until"].submit],
        filter_audit,
        audit_inputs,
        audit_outputs,
        api_visibility="private",
    )

    if service.settings.demo:
        _wire_demo_reset(ctx, lists, load_inputs, [*list_outputs, *item_outputs, q["notice"]])

    return ModerationTab(
        tab=tab,
        lists=lists,
        lists_inputs=load_inputs,
        lists_outputs=list_outputs,
        open_for_router=open_for_router,
        router_outputs=[tab, q["item_id"], q["notice"], *item_outputs],
    )


def _wire_demo_reset(
    ctx: UiContext, lists: Callable[..., list[Any]], inputs: list[Any], outputs: list[Any]
) -> None:
    """Demo mode: "Reset demo" (asks first), then the tab's lists from the new state.
    The service checks the caller is a moderator and the app is in demo mode."""
    service = ctx.service
    with gr.Accordion(I18N("demo.reset_title"), open=False, elem_id="demo-reset-box"):
        gr.Markdown(I18N("demo.reset_help"))
        ask = gr.Button(I18N("demo.reset_button"), variant="stop", elem_id="demo-reset")
        with gr.Column(visible=False) as confirm_box:
            gr.Markdown(I18N("demo.reset_confirm"))
            with gr.Row():
                yes = gr.Button(I18N("demo.reset_yes"), variant="stop", elem_id="demo-reset-yes")
                no = gr.Button(I18N("demo.reset_cancel"), elem_id="demo-reset-cancel")
    quick = {"api_visibility": "private", "queue": False}
    ask.click(lambda: gr.update(visible=True), None, confirm_box, **quick)
    no.click(lambda: gr.update(visible=False), None, confirm_box, **quick)

    @friendly_errors
    def reset(
        persona: str,
        reasons: list[str],
        kinds: list[str],
        status: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        kept = service.reset_demo(user)
        language = lang(request)
        seeded = len(demo_seed.read_seeded(service.settings.state_dir))
        kept_name = kept.name if kept is not None else "-"
        notify(tr("demo.reset_done", language, n=seeded, kept=kept_name), language)
        fresh = lists(persona, reasons, kinds, status, request, profile)
        if not isinstance(fresh, list):  # refused: its toast is shown
            return gr.skip()
        return [*fresh, *_item_cleared(), "", gr.update(visible=False)]

    yes.click(reset, inputs, [*outputs, confirm_box], api_visibility="private")


# -- layout ---------------------------------------------------------------------------


def _queue_layout() -> dict[str, Any]:
    c: dict[str, Any] = {}
    with gr.Row():
        c["reasons"] = gr.Dropdown(
            choices=[(I18N(f"reason.{r.slug}"), r.slug) for r in REASONS],
            multiselect=True,
            label=I18N("mod.filter_reasons"),
            elem_id="mod-reasons",
        )
        c["kinds"] = gr.CheckboxGroup(
            choices=[(I18N(f"kind.{k.value}"), k.value) for k in Kind],
            label=I18N("browse.kinds"),
            elem_id="mod-kinds",
        )
        c["status"] = gr.Radio(
            choices=[(I18N(f"mod.status_{s}"), s) for s in mod.QUEUE_STATUSES],
            value="open",
            label=I18N("mod.filter_status"),
            elem_id="mod-status",
        )
        c["refresh"] = gr.Button(I18N("activity.refresh"), size="sm", scale=0)
    with gr.Accordion(I18N("mod.score_title"), open=False):
        gr.Markdown(I18N("mod.score_help"), elem_id="mod-score-help")
    c["summary"] = gr.Markdown(elem_id="mod-summary")
    c["table"] = gr.Dataframe(
        interactive=False, wrap=True, column_widths=QUEUE_WIDTHS, elem_id="mod-queue"
    )
    gr.Markdown(I18N("mod.pick_hint"))
    with gr.Accordion(I18N("mod.bulk_title"), open=False):
        c["bulk_pick"] = gr.Dropdown(
            choices=[], multiselect=True, label=I18N("mod.bulk_pick"), elem_id="mod-bulk-pick"
        )
        c["bulk_note"] = gr.Textbox(
            label=I18N("mod.note"), max_length=LIMITS["note"], elem_id="mod-bulk-note"
        )
        c["bulk_apply"] = gr.Button(
            I18N("mod.bulk_apply"), variant="stop", elem_id="mod-bulk-apply"
        )
    gr.Markdown(f"### {I18N('mod.item')}")
    with gr.Row(equal_height=True):
        c["item_id"] = gr.Textbox(
            label=I18N("browse.open_id"), max_length=200, elem_id="mod-item-id"
        )
        c["open"] = gr.Button(I18N("artifact.load"), scale=0, elem_id="mod-open")
    c["seen"] = gr.State(0)  # actions on the item when it was shown: for the notice
    c["notice"] = gr.Markdown(elem_id="mod-notice")
    with gr.Column(visible=False) as item_box:
        c["item_header"] = gr.Markdown(elem_id="mod-item-header")
        with gr.Row(equal_height=True):
            c["claim_status"] = gr.Markdown(elem_id="mod-claim")
            c["claim"] = gr.Button(
                I18N("claim.claim"), size="sm", scale=0, elem_id="mod-claim-take"
            )
            c["release"] = gr.Button(
                I18N("claim.release"),
                size="sm",
                scale=0,
                visible=False,
                elem_id="mod-claim-release",
            )
        with gr.Row():
            with gr.Column(scale=3):
                gr.Markdown(f"#### {I18N('mod.reports')}")
                c["reports"] = gr.Markdown(elem_id="mod-item-reports")
                gr.Markdown(f"#### {I18N('mod.responses')}")
                c["responses"] = gr.Markdown(elem_id="mod-item-responses")
            with gr.Column(scale=2):
                gr.Markdown(f"#### {I18N('mod.origin')}")
                c["origin"] = gr.Markdown(elem_id="mod-item-origin")
        with gr.Accordion(I18N("mod.history"), open=True):
            c["history"] = gr.Markdown(elem_id="mod-item-history")
        gr.Markdown(f"#### {I18N('mod.act_title')}")
        with gr.Row():
            c["action"] = gr.Dropdown(
                choices=[(I18N(f"modaction.{n}"), n) for n in PANEL_ACTIONS],
                value=None,
                label=I18N("mod.action"),
                elem_id="mod-action",
            )
            c["note"] = gr.Textbox(
                label=I18N("mod.note"),
                info=I18N("mod.note_help"),
                max_length=LIMITS["note"],
                lines=2,
                scale=2,
                elem_id="mod-note",
            )
        c["apply"] = gr.Button(
            I18N("mod.apply"), variant="primary", interactive=False, elem_id="mod-apply"
        )
        with gr.Column(visible=False, elem_id="mod-confirm") as confirm_box:
            c["confirm_text"] = gr.Markdown(elem_id="mod-confirm-text")
            with gr.Row():
                c["confirm"] = gr.Button(
                    I18N("mod.confirm"), variant="stop", elem_id="mod-confirm-yes"
                )
                c["cancel"] = gr.Button(I18N("mod.cancel"), elem_id="mod-confirm-no")
        c["confirm_box"] = confirm_box
        with gr.Accordion(I18N("mod.discussion_title"), open=False):
            with gr.Row():
                c["discussion"] = gr.Dropdown(
                    choices=[], label=I18N("discuss.pick"), elem_id="mod-discussion"
                )
                c["comment"] = gr.Dropdown(
                    choices=[], label=I18N("mod.comment"), elem_id="mod-comment"
                )
            c["d_action"] = gr.Radio(
                choices=[(I18N(f"modaction.{n}"), n) for n in DISCUSSION_ACTIONS],
                value=None,
                label=I18N("mod.action"),
                elem_id="mod-d-action",
            )
            c["d_reason"] = gr.Dropdown(
                choices=[],
                value=None,
                visible=False,
                label=I18N("mod.hide_reason"),
                info=I18N("mod.hide_reason_help"),
                elem_id="mod-d-reason",
            )
            c["d_note"] = gr.Textbox(
                label=I18N("mod.d_note"), max_length=LIMITS["note"], elem_id="mod-d-note"
            )
            c["d_apply"] = gr.Button(I18N("mod.apply"), interactive=False, elem_id="mod-d-apply")
    c["item_box"] = item_box
    return c


def _appeals_layout() -> dict[str, Any]:
    c: dict[str, Any] = {}
    c["list"] = gr.Markdown(elem_id="mod-appeals-list")
    c["pick"] = gr.Dropdown(
        choices=[], value=None, label=I18N("mod.appeal_pick"), elem_id="appeal-pick"
    )
    c["outcome"] = gr.Radio(
        choices=[
            (I18N("mod.appeal_uphold"), "upheld"),
            (I18N("mod.appeal_reverse"), "reversed"),
        ],
        value=None,
        label=I18N("mod.appeal_outcome"),
        elem_id="appeal-outcome",
    )
    c["note"] = gr.Textbox(
        label=I18N("mod.appeal_note"), max_length=LIMITS["note"], lines=2, elem_id="appeal-note"
    )
    c["decide"] = gr.Button(
        I18N("mod.appeal_decide"), variant="primary", interactive=False, elem_id="appeal-decide"
    )
    return c


def _suspensions_layout() -> dict[str, Any]:
    """Suspend a user (nothing pre-chosen), the suspensions in force, lifting one."""
    c: dict[str, Any] = {}
    gr.Markdown(I18N("suspend.help"))
    with gr.Row():
        c["user"] = gr.Textbox(
            label=I18N("suspend.user"), max_length=LIMITS["username"], elem_id="suspend-user"
        )
        c["period"] = gr.Dropdown(
            choices=[(I18N(f"limits.duration_{p}"), p) for p in SUSPENSION_PERIODS],
            value=None,
            label=I18N("suspend.period"),
            elem_id="suspend-period",
        )
    c["note"] = gr.Textbox(
        label=I18N("suspend.note"), max_length=LIMITS["note"], lines=2, elem_id="suspend-note"
    )
    c["apply"] = gr.Button(I18N("suspend.apply"), variant="stop", elem_id="suspend-apply")
    with gr.Column(visible=False, elem_id="suspend-confirm") as c["confirm_box"]:
        gr.Markdown(I18N("suspend.confirm_question"))
        with gr.Row():
            c["confirm"] = gr.Button(
                I18N("mod.confirm"), variant="stop", elem_id="suspend-confirm-yes"
            )
            c["cancel"] = gr.Button(I18N("mod.cancel"), elem_id="suspend-confirm-no")
    gr.Markdown(f"#### {I18N('suspend.active')}")
    c["list"] = gr.Markdown(elem_id="suspensions-list")
    with gr.Row():
        c["lift_pick"] = gr.Dropdown(
            choices=[], value=None, label=I18N("suspend.lift_pick"), elem_id="suspend-lift-pick"
        )
        c["lift_note"] = gr.Textbox(
            label=I18N("suspend.lift_note"), max_length=LIMITS["note"], elem_id="suspend-lift-note"
        )
    c["lift"] = gr.Button(I18N("suspend.lift"), elem_id="suspend-lift")
    return c


def _audit_layout() -> dict[str, Any]:
    c: dict[str, Any] = {}
    with gr.Row():
        c["moderator"] = gr.Dropdown(
            choices=[("—", "")],
            value="",
            allow_custom_value=True,
            label=I18N("mod.col_moderator"),
            elem_id="audit-moderator",
        )
        c["action"] = gr.Dropdown(
            choices=[("—", ""), *((I18N(f"modaction.{n}"), n) for n in mod.AUDIT_ACTIONS)],
            value="",
            label=I18N("mod.action"),
            elem_id="audit-action",
        )
        c["artifact"] = gr.Textbox(
            label=I18N("col.artifact"), max_length=200, elem_id="audit-artifact"
        )
        c["since"] = gr.Textbox(
            label=I18N("mod.since"), placeholder="YYYY-MM-DD", max_length=32, elem_id="audit-since"
        )
        c["until"] = gr.Textbox(
            label=I18N("mod.until"), placeholder="YYYY-MM-DD", max_length=32, elem_id="audit-until"
        )
    with gr.Row():
        c["apply"] = gr.Button(I18N("mod.filter"), variant="primary", elem_id="audit-apply")
        c["download"] = gr.DownloadButton(
            I18N("mod.export_csv"), visible=False, elem_id="audit-download"
        )
    c["table"] = gr.Dataframe(
        interactive=False,
        wrap=True,
        datatype=audit_datatypes(),
        column_widths=AUDIT_WIDTHS,
        max_chars=AUDIT_NOTE_CHARS,
        elem_id="audit-log",
    )
    return c


def _item_cleared() -> list[Any]:
    """Item outputs emptied (same order as the item outputs)."""
    return [
        "",
        "",
        "",
        "",
        "",
        gr.update(choices=[], value=None),
        gr.update(choices=[], value=None),
        gr.update(choices=[], value=None),
        0,
        gr.update(visible=False),
        gr.update(interactive=False),
        gr.update(value=None),
        gr.update(interactive=False),
        gr.update(visible=False),
        "",
        gr.update(visible=False),
        gr.update(visible=False),
        gr.update(choices=[], value=None, visible=False),
    ]


def claim_age(ts: str, language: str) -> str:
    """ "just now" or "N min ago" since a claim was taken."""
    minutes = int((datetime.now(UTC) - parse_ts(ts)).total_seconds() // 60)
    return (
        tr("claim.age_now", language) if minutes < 1 else tr("claim.age_min", language, n=minutes)
    )


def claimed_cell(claim: Claim | None, language: str) -> str:
    """The queue's *Claimed* cell: who holds the item and since when, or "—"."""
    if claim is None:
        return "—"
    return f"{claim.moderator}, {claim_age(claim.ts, language)}"


def claim_text(claim: Claim | None, user: User, language: str) -> str:
    """ "Claimed by X, 4 min ago" (or mine, or nobody's)."""
    if claim is None:
        return f"*{tr('claim.free', language)}*"
    age = claim_age(claim.ts, language)
    if claim.moderator == user.username:
        return f"**{tr('claim.by_me', language, age=age)}**"
    text = tr("claim.by_other", language, moderator=escape_md(claim.moderator), age=age)
    return f"**{text}**"


def _fresh_dir() -> Path:
    """A new folder for one CSV export; folders older than an hour are removed (Gradio
    has copied the file into its own cache by then)."""
    _EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - 3600
    for old in _EXPORT_DIR.iterdir():
        with contextlib.suppress(OSError):
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old)
    return Path(tempfile.mkdtemp(dir=_EXPORT_DIR))


def _text(value: object) -> str:
    """A text input as the server accepts it (anything else a client sends is empty)."""
    return value.strip() if isinstance(value, str) else ""


def pick_row(event: gr.SelectData) -> str:
    row = event.row_value or []
    return str(row[0]) if row else ""


# -- text and tables (user text always escaped) ---------------------------------------


def _hours(hours: float, language: str) -> str:
    if hours < 48:
        return trn("mod.hours", round(hours), language)
    return trn("mod.days", round(hours / 24), language)


def queue_table(
    items: list[mod.QueueItem],
    language: str,
    *,
    claims: dict[str, Claim] | None = None,
    shown: int = QUEUE_SHOWN,
) -> pd.DataFrame:
    """The first `shown` items of the queue as the moderators' table; `claims`
    (artifact id -> claim in force) fills the *Claimed* column: "X, 4 min ago" or "—"."""
    claims = claims or {}
    columns = [tr(f"mod.col_{c}", language) for c in QUEUE_COLUMNS]
    yes, no = tr("artifact.yes", language), tr("artifact.no", language)
    rows = [
        [
            i.artifact_id,
            tr(f"kind.{i.kind}", language),
            # Priority and waiting time are about open reports; a resolved item has none.
            i.score if i.open_reports else "—",
            i.reporters,
            i.reports,
            ", ".join(tr(f"reason.{r}", language) for r in i.reasons),
            i.severity,
            _hours(i.age_hours, language) if i.open_reports else "—",
            time_left(i, language),
            claimed_cell(claims.get(i.artifact_id), language),
            yes if i.owner_answered else no,
            tr(f"badge.{i.visibility}", language),
        ]
        for i in items[:shown]
    ]
    return pd.DataFrame(rows, columns=columns)


def time_left(item: mod.QueueItem, language: str) -> str:
    """Until the decision target of the item's reasons: "3 days left", "overdue by 5
    hours", or "—" when nothing is open."""
    if item.hours_left is None:
        return "—"
    if item.overdue:
        return tr("mod.overdue_by", language, time=_hours(-item.hours_left, language))
    return tr("mod.time_left", language, time=_hours(item.hours_left, language))


def escalation_text(item: mod.QueueItem | None, language: str) -> str:
    """The escalation line of an item whose owner's window passed unanswered."""
    if item is None or item.escalated_hours is None:
        return ""
    return tr("mod.escalated", language, time=_hours(item.escalated_hours, language))


def record_text(record: mod.ReporterRecord, language: str) -> str:
    """A reporter's record as moderators see it beside each report."""
    return tr(
        "mod.reporter_record",
        language,
        filed=record.filed,
        actioned=record.actioned,
        dismissed=record.dismissed,
        weight=f"{record.weight:g}",
    )


def queue_summary(page: mod.QueuePage, language: str) -> str:
    """Items, reports, the longest wait and what is overdue, over the whole queue; when
    the table holds only the first items, it says so."""
    text = _queue_counts(page, language)
    if page.total > len(page.items):
        text += " · " + tr("mod.showing_first", language, shown=f"{len(page.items):,}")
    return text


def _queue_counts(page: mod.QueuePage, language: str) -> str:
    if not page.total:
        return tr("mod.queue_empty", language)
    counts = (
        f"{trn('mod.items', page.total, language)} · "
        f"{trn('mod.reports_count', page.reports, language)}"
    )
    if page.oldest_hours is None:
        return counts
    text = f"{counts} · {tr('mod.oldest', language, oldest=_hours(page.oldest_hours, language))}"
    if not page.overdue:
        return text
    return f"{text} · {trn('mod.overdue_count', page.overdue, language)}"


def item_header(detail: mod.ItemDetail, language: str) -> str:
    a = detail.artifact
    guard = detail.safeguard
    yes, no = tr("artifact.yes", language), tr("artifact.no", language)
    state = [
        f"{tr('artifact.visibility', language)}: "
        + tr(f"badge.{guard.visibility().value}", language),
        f"{tr('artifact.gated', language)}: {yes if detail.gated else no}",
        f"{tr('artifact.content_warning', language)}: {yes if detail.content_warning else no}",
    ]
    if guard.private_requested:
        state.append(tr("mod.private_requested", language))
    lines = [
        f"### {escape_md(a.id)}",
        f"*{tr(f'kind.{a.kind.value}', language)}* · " + " · ".join(state),
    ]
    item = detail.queue_item
    if item is not None:
        parts = " · ".join(f"{tr(f'mod.part_{k}', language)} {v:+g}" for k, v in item.parts.items())
        lines.append(f"\n**{tr('mod.col_score', language)}: {item.score:g}** ({parts})")
        lines.append(f"\n{tr('mod.col_due', language)}: {time_left(item, language)}")
        if item.escalated_hours is not None:
            lines.append(f"\n**{escalation_text(item, language)}**")
    else:
        lines.append(f"\n*{tr('mod.no_open_reports', language)}*")
    return "\n".join(lines)


def reports_text(detail: mod.ItemDetail, language: str) -> str:
    if not detail.reports:
        return f"*{tr('mod.none', language)}*"
    parts = []
    for r in reversed(detail.reports):
        status = tr(f"status.{r.status.value}", language)
        head = (
            f"**{escape_md(tr(f'reason.{r.reason}', language))}** · {escape_md(r.reporter)} · "
            f"{when(r.ts)} · {status} · {code_md(r.id)}"
        )
        if r.reporter == detail.artifact.author:
            head += f"  \n*{tr('mod.self_report', language)}*"
        else:
            record = detail.reporter_records.get(r.reporter, mod.ReporterRecord())
            head += f"  \n*{record_text(record, language)}*"
        body = [quote_md(r.context)]
        body += [quote_md(extra) for extra in r.additions]
        if r.target_discussion_id:
            target = next((d for d in detail.discussions if d.id == r.target_discussion_id), None)
            title = target.title if target else r.target_discussion_id
            body.insert(0, f"{tr('mod.flagged_discussion', language)}: {escape_md(title)}")
        if r.resolution_note:
            body.append(f"*{tr('col.outcome', language)}:* {escape_md(r.resolution_note)}")
        parts.append(head + "\n\n" + "\n\n".join(body))
    return "\n\n---\n\n".join(parts)


def origin_text(detail: mod.ItemDetail, language: str) -> str:
    a = detail.artifact
    lines = [
        f"**{tr('artifact.author', language)}:** {escape_md(a.author)}  ",
        f"**{tr('artifact.created', language)}:** {a.created} · "
        f"{tr('col.updated', language)} {a.updated}  ",
        f"**{tr('artifact.license', language)}:** {code_md(a.license)}  ",
        f"**{tr('mod.usage', language)}:** {tr('col.downloads', language)} {a.downloads:,} · "
        f"{tr('col.likes', language)} {a.likes:,} · "
        f"{tr('col.trending', language)} {a.trending:g}  ",
        f"**{tr('artifact.paper', language)}:** {escape_md(a.paper) if a.paper else '—'}  ",
        f"**{tr('artifact.tags', language)}:** "
        + (" ".join(code_md(t) for t in detail.tags) or "—"),
        "",
        escape_md(a.summary),
    ]
    sections = []
    for key in ("intended_uses", "out_of_scope", "bias_risks"):
        body = detail.card.sections.get(key)
        text = escape_md(body[:600] + ("…" if len(body) > 600 else "")) if body else None
        missing = f"*{tr('section.missing', language)}*"
        sections.append(f"**{tr(f'section.{key}', language)}**  \n{text or missing}")
    return "\n".join(lines) + "\n\n" + "\n\n".join(sections)


def responses_text(detail: mod.ItemDetail, language: str) -> str:
    if not detail.owner_responses:
        return f"*{tr('mod.no_responses', language)}*"
    return "\n\n".join(
        f"{code_md(r.report_id)} · {when(r.comment.ts)}\n\n{quote_md(r.comment.text)}"
        for r in detail.owner_responses
    )


def history_text(detail: mod.ItemDetail, language: str) -> str:
    if not detail.history:
        return f"*{tr('mod.none', language)}*"
    lines = []
    reasons = {a.id: a.reason for a in detail.actions if a.reason}
    for e in reversed(detail.history):
        if e.kind == "report":
            what = f"{tr('mod.reported', language)}: {escape_md(tr(f'reason.{e.what}', language))}"
        else:
            what = f"**{escape_md(tr(f'modaction.{e.what}', language))}**"
            if e.ref in reasons:  # a hide's or a lock's reason
                prefix = "hide" if e.what == "hide_comment" else "lock"
                what += f" ({escape_md(tr(f'{prefix}.{reasons[e.ref]}', language))})"
        text = e.text if len(e.text) <= 200 else e.text[:200] + "…"
        lines.append(f"- {when(e.ts)} · {what} · {escape_md(e.actor)} — {escape_md(text)}")
    return "\n".join(lines)


def comment_choices(discussions: list[Discussion], discussion_id: str | None, language: str):
    found = next((d for d in discussions if d.id == discussion_id), None)
    comments = found.comments if found else []
    hidden = tr("mod.hidden_mark", language)
    choices = [
        (
            f"{'[' + hidden + '] ' if c.hidden else ''}{c.author}: "
            f"{c.text[:70].replace(chr(10), ' ')}",
            c.id,
        )
        for c in comments
        if not c.moderation
    ]
    return gr.update(choices=choices, value=choices[-1][1] if choices else None)


def action_notice(result: mod.ActResult, language: str) -> str:
    """Say what others did on the item since the moderator opened it, so a concurrent
    decision is seen rather than silently overwritten."""
    visibility = tr(f"badge.{result.safeguard.visibility().value}", language)
    text = tr("mod.state_now", language, visibility=visibility)
    if not result.others:
        return text
    lines = [f"> **{tr('mod.others_acted', language)}**"]
    lines += [f"> - {_action_line(a, language)}" for a in result.others]
    return text + "\n\n" + "\n".join(lines)


def _action_line(action: ModerationAction, language: str) -> str:
    name = tr(f"modaction.{action.action}", language)
    return f"{when(action.ts)} · {escape_md(action.moderator)} · **{escape_md(name)}** — " + (
        escape_md(action.note)
    )


AUDIT_NOTE_CHARS = 140  # longer notes show in full when their cell is clicked
# What the audit table shows, in order; markdown columns hold links to the entry's item.
AUDIT_SHOWN = ("ts", "moderator", "action", "artifact_id", "discussion_id", "note")
AUDIT_WIDTHS = ["14%", "11%", "19%", "22%", "12%", "22%"]


def audit_table(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """The audit log as shown: translated action names, and each entry linked to its
    moderation item and (when it acted on one) its discussion thread; the comment id of a
    hidden comment is named beside its thread."""
    shown = frame.copy()
    shown["action"] = [tr(f"modaction.{a}", language) for a in shown["action"]]
    shown["ts"] = [when(t) for t in shown["ts"]]
    shown["discussion_id"] = [
        (link_md(d, artifact_url(a, d)) + (f" · {escape_md(c)}" if c else "")) if d else ""
        for a, d, c in zip(
            frame["artifact_id"], frame["discussion_id"], frame["comment_id"], strict=True
        )
    ]
    shown["artifact_id"] = [  # a suspension is about a user, not an artifact
        link_md(a, moderate_url(a)) if a else escape_md(tr("mod.audit_user", language, user=u))
        for a, u in zip(frame["artifact_id"], frame["user"], strict=True)
    ]
    shown = shown[list(AUDIT_SHOWN)]
    return shown.rename(columns={c: tr(f"mod.col_{c}", language) for c in shown.columns})


def audit_datatypes() -> list[str]:
    return ["markdown" if c in ("artifact_id", "discussion_id") else "str" for c in AUDIT_SHOWN]


def suspensions_text(active: list[Suspension], language: str) -> str:
    """The suspensions in force: who, until when, by whom, and the note (escaped)."""
    if not active:
        return f"*{tr('suspend.none', language)}*"
    lines = []
    for found in active:
        values = {
            "user": escape_md(found.user),
            "moderator": escape_md(found.moderator),
            "date": when(found.ts)[:10],
        }
        if found.until is None:
            head = tr("suspend.line_until_lifted", language, **values)
        else:
            head = tr("suspend.line", language, until=f"{when(found.until)} UTC", **values)
        lines.append(f"- {head} — {escape_md(found.note)}")
    return "\n".join(lines)


def appeal_label(appeal: Appeal, language: str) -> str:
    """The appeal picker's label (plain text)."""
    return f"{appeal.appellant} · {appeal.artifact_id} · {when(appeal.ts)}"


def appeals_text(service: Safeguards, user: User, waiting: list[Appeal], language: str) -> str:
    """The appeals waiting for a decision: who appeals what, the decision's note and the
    appellant's statement (escaped)."""
    if not waiting:
        return f"*{tr('mod.appeals_none', language)}*"
    parts = [f"**{trn('mod.appeals_waiting', len(waiting), language)}**"]
    for appeal in waiting:
        action = service.moderation_action(user, appeal.action_id)
        head = tr(
            "mod.appeal_line",
            language,
            appellant=escape_md(appeal.appellant),
            action=tr(f"modaction.{action.action}", language),
            artifact=link_md(appeal.artifact_id, moderate_url(appeal.artifact_id)),
            moderator=escape_md(action.moderator),
            date=when(action.ts)[:10],
        )
        parts.append(
            f"{head} · {code_md(appeal.id)}  \n"
            f"{tr('mod.appeal_original', language)} {escape_md(action.note)}\n\n"
            f"{tr('mod.appeal_statement', language)}\n\n{quote_md(appeal.statement)}"
        )
    return "\n\n---\n\n".join(parts)
