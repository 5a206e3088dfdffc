"""Artifact tab: the card (behind the content warning or the access gate when they
apply), its safeguard state, the community (discussions, reports, pull requests),
flagging, tag proposals and, for its owner, the access requests.

Handlers first, layout after: `build` wires the events of the components `ArtifactTab`
lays out, and one `render` fills every output from an `ArtifactView`, so a refusal
(a toast, outputs skipped) never leaves the page half-updated."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
import yaml

from safeguards.categories import REASONS
from safeguards.errors import SafeguardsError
from safeguards.gating import (
    MAX_FIELDS,
    Approval,
    FieldType,
    GateField,
    GateForm,
    answer_text,
    country_choices,
    fields_text,
)
from safeguards.i18n import tr
from safeguards.moderation import spreadsheet_csv
from safeguards.permissions import Action, User, can
from safeguards.policy import HIDE_REASONS, LIMIT_DURATIONS, LIMIT_LEVELS, MEMBER_AGE_DAYS
from safeguards.records import (
    AccessRequest,
    AccessStatus,
    Discussion,
    DiscussionKind,
    DiscussionStatus,
    ProposalStatus,
)
from safeguards.service import PROPOSABLE_TAGS, ArtifactView, Safeguards
from safeguards.textrules import LIMITS
from safeguards.ui.common import (
    I18N,
    POPUP,
    SHOW_MATURE,
    UiContext,
    current_user,
    escape_md,
    friendly_errors,
    lang,
    notify,
    quote_md,
    sign_in_hint,
)
from safeguards.ui.texts import (
    COMMUNITY_FILTERS,
    access_status_key,
    artifact_url,
    card_gap_text,
    community_html,
    discussion_label,
    gate_text,
    header_text,
    link_md,
    notice_text,
    sections_text,
    thread_text,
    when,
)

HIDDEN = "sg-hidden"  # in the DOM (scripts and events reach it) but never shown


@dataclass
class Done:
    """What a successful action tells the page: a toast, the thread to show, and any
    fields to reset (what the user typed stays on a refusal, goes after success)."""

    message: str | None = None
    discussion_id: str | None = None
    resets: dict[Any, Any] = field(default_factory=dict)


@dataclass
class GateSlot:
    """The components that can show one field of an access form: a textbox (text and
    dates), a checkbox, or a dropdown (a select's options, or the countries)."""

    text: gr.Textbox
    check: gr.Checkbox
    choice: gr.Dropdown

    @classmethod
    def make(cls, number: int) -> GateSlot:
        return cls(
            gr.Textbox(visible=False, max_length=300, elem_id=f"gate-text-{number}"),
            gr.Checkbox(visible=False, elem_id=f"gate-check-{number}"),
            gr.Dropdown(choices=[], value=None, visible=False, elem_id=f"gate-choice-{number}"),
        )

    @property
    def components(self) -> tuple[Any, Any, Any]:
        return self.text, self.check, self.choice

    def updates(self, found: GateField | None, language: str) -> dict[Any, Any]:
        """Show the component for `found` (empty: what a previous form held is cleared)."""
        kind = found.type if found is not None else None
        label = found.label if found is not None else ""
        typed = kind in (FieldType.TEXT, FieldType.DATE)
        picked = kind in (FieldType.SELECT, FieldType.COUNTRY)
        if kind is FieldType.COUNTRY:
            choices: list[Any] = list(country_choices(language))
        else:
            choices = list(found.options) if found is not None else []
        date = kind is FieldType.DATE
        return {
            self.text: gr.update(
                visible=typed,
                label=label,
                value="",
                info=tr("gate.date_info", language) if date else None,
                placeholder="YYYY-MM-DD" if date else None,
            ),
            self.check: gr.update(visible=kind is FieldType.CHECKBOX, label=label, value=False),
            self.choice: gr.update(visible=picked, label=label, choices=choices, value=None),
        }

    def answer(self, found: GateField, values: dict[Any, Any]) -> object:
        """What the requester gave for `found` (validated by the service)."""
        if found.type is FieldType.CHECKBOX:
            return values.get(self.check)
        if found.type in (FieldType.SELECT, FieldType.COUNTRY):
            return values.get(self.choice)
        return values.get(self.text)


class ArtifactTab:
    """Components of the tab and the single `render` that fills them from a view."""

    def __init__(self, ctx: UiContext) -> None:
        self.ctx = ctx
        self.service = ctx.service
        self.revealed = gr.State("")  # id of the artifact whose warning was accepted
        with gr.Row(equal_height=True, elem_id="artifact-open-row"):
            ctx.artifact_id.render()
            self.open_button = gr.Button(I18N("artifact.load"), scale=0, elem_id="open-artifact")
        self.header = gr.Markdown(I18N("artifact.none"), elem_id="artifact-header")
        with gr.Row(visible=False, elem_id="artifact-tools") as self.tools:
            self.copy_link = gr.Button(
                I18N("artifact.copy_link"), size="sm", scale=0, elem_id="copy-link"
            )
        self.notice = gr.Markdown(elem_id="artifact-notice")
        self._popup()
        self._gate()
        self._access_review()
        with gr.Row(visible=False, elem_id="card-box") as self.content_box:
            with gr.Column(scale=3, min_width=300):
                self.card = gr.Markdown(elem_id="card-body")
                with gr.Accordion(I18N("artifact.metadata"), open=False):
                    self.metadata = gr.Code(
                        language="yaml", interactive=False, elem_id="card-metadata"
                    )
            with gr.Column(scale=2, min_width=280, elem_id="card-aside"):
                # What the card documents of the sections people look for, at a glance.
                self.sections = gr.Markdown(elem_id="card-sections")
                self.card_gap = gr.Markdown(elem_id="card-gap")
        with gr.Column(visible=False) as self.community_box, gr.Tabs(elem_id="artifact-tabs"):
            self._community_tab()
            self._flag_tab()
            self._proposal_tab()

    # -- layout -----------------------------------------------------------------------

    def _popup(self) -> None:
        # A fixed overlay (Gradio has no modal); page.js makes it a real dialog: role,
        # aria-modal, focus moved in and trapped, Escape = "Go back".
        with (
            gr.Column(visible=False, elem_classes="nfaa-overlay", elem_id="nfaa-popup") as overlay,
            gr.Column(elem_classes="nfaa-dialog"),
        ):
            gr.Markdown(f"## {I18N('warning.title')}", elem_id="nfaa-title")
            gr.Markdown(I18N("warning.body"))
            self.always = gr.Checkbox(label=I18N("warning.preference"), elem_id="always-show")
            with gr.Row():
                self.view_button = gr.Button(
                    I18N("warning.view"), variant="primary", elem_id="view-content"
                )
                self.back_button = gr.Button(I18N("warning.back"), elem_id="go-back")
        self.overlay = overlay

    def _gate(self) -> None:
        with gr.Column(visible=False, elem_id="gate-box") as self.gate_box:
            gr.Markdown(f"### {I18N('gate.title')}")
            # Who decides: the owner (manual), or no one (automatic approval).
            self.gate_body = gr.Markdown(I18N("gate.body"), elem_id="gate-body")
            self.gate_prompt = gr.Markdown(elem_id="gate-prompt")
            self.gate_status = gr.Markdown(elem_id="gate-status")
            with gr.Column(visible=False) as self.gate_form:
                # One slot per possible field; `_gate_updates` shows the component that
                # fits each field of the form in force and hides the rest.
                self.slots = [GateSlot.make(n) for n in range(MAX_FIELDS)]
                self.gate_reason = gr.Textbox(
                    label=I18N("gate.reason"),
                    max_length=LIMITS["reason"],
                    lines=2,
                    elem_id="gate-reason",
                )
                self.gate_button = gr.Button(I18N("gate.request"), elem_id="request-access")
            self.gate_signin = gr.Markdown(visible=False, elem_id="gate-signin")

    def _access_review(self) -> None:
        # The owner's (and moderators') review of access requests lives in the page,
        # shown only to them: never a tab that a persona switch would leave behind.
        with gr.Column(visible=False, elem_id="access-box") as self.access_box:
            self.access_title = gr.Markdown(elem_id="access-title")
            self.access_pick = gr.Dropdown(
                choices=[], value=None, label=I18N("access.pick"), elem_id="access-pick"
            )
            self.access_detail = gr.Markdown(elem_id="access-detail")
            self.access_note = gr.Textbox(
                label=I18N("access.note"),
                max_length=LIMITS["decision_note"],
                elem_id="access-note",
            )
            with gr.Row():
                self.approve_button = gr.Button(
                    I18N("access.approve"), variant="primary", elem_id="approve"
                )
                self.reject_button = gr.Button(I18N("access.reject"), elem_id="reject")
            self.access_csv = gr.DownloadButton(
                I18N("access.export"), visible=False, size="sm", elem_id="access-csv"
            )
            self._access_form_editor()

    def _access_form_editor(self) -> None:
        with gr.Accordion(I18N("access.form_title"), open=False, elem_id="access-form"):
            self.form_source = gr.Markdown(elem_id="access-form-source")
            self.form_approval = gr.Radio(
                choices=[
                    (I18N(f"approval.{a.value}"), a.value) for a in (Approval.MANUAL, Approval.AUTO)
                ],
                value=Approval.MANUAL.value,
                label=I18N("access.approval"),
                elem_id="access-form-approval",
            )
            self.form_prompt = gr.Textbox(
                label=I18N("access.prompt"),
                max_length=LIMITS["gate_prompt"],
                lines=2,
                elem_id="access-form-prompt",
            )
            self.form_fields = gr.Textbox(
                label=I18N("access.fields"),
                info=I18N("access.fields_help"),
                lines=4,
                max_length=MAX_FIELDS * 200,
                elem_id="access-form-fields",
            )
            with gr.Row():
                self.form_save = gr.Button(I18N("access.form_save"), elem_id="access-form-save")
                self.form_use_card = gr.Button(
                    I18N("access.form_use_card"), visible=False, elem_id="access-form-use-card"
                )

    def _community_tab(self) -> None:
        with gr.Tab(I18N("community.title"), id="community"):
            self.limit_line = gr.Markdown(elem_id="limit-notice")
            self._limits_box()
            self.community_filter = gr.Radio(
                choices=[(I18N(f"community.filter_{f}"), f) for f in COMMUNITY_FILTERS],
                value="open",
                label=I18N("community.filter"),
                elem_id="community-filter",
            )
            self.community_list = gr.HTML(elem_id="community-list")
            # The open thread's id: set by the list's links (through the router).
            self.discussion_box = gr.Textbox(
                elem_id="discussion-id", elem_classes=HIDDEN, max_length=64, show_label=False
            )
            self.thread = gr.Markdown(elem_id="thread")
            with gr.Column(visible=False) as self.proposal_box:
                self.diff = gr.Code(
                    language=None,
                    interactive=False,
                    label=I18N("propose.diff"),
                    elem_id="proposal-diff",
                )
                with gr.Row():
                    self.merge_button = gr.Button(
                        I18N("propose.merge"), variant="primary", visible=False, elem_id="merge"
                    )
                    self.close_proposal_button = gr.Button(
                        I18N("propose.close"), visible=False, elem_id="close-proposal"
                    )
            with gr.Column(visible=False) as self.reply_form:
                self.reply = gr.Textbox(
                    label=I18N("discuss.reply"),
                    lines=3,
                    max_length=LIMITS["comment"],
                    elem_id="reply",
                )
                with gr.Row():
                    self.reply_button = gr.Button(
                        I18N("discuss.send"), variant="primary", elem_id="send-reply"
                    )
                    self.close_button = gr.Button(
                        I18N("discuss.close"), visible=False, elem_id="close-discussion"
                    )
                    self.reopen_button = gr.Button(
                        I18N("discuss.reopen"), visible=False, elem_id="reopen-discussion"
                    )
            self.reply_signin = gr.Markdown(visible=False, elem_id="reply-signin")
            # The owner hides a comment in this thread, with a reason readers see.
            with gr.Accordion(
                I18N("owner.hide_title"), open=False, visible=False, elem_id="owner-hide"
            ) as self.owner_hide_box:
                gr.Markdown(I18N("owner.hide_help"))
                with gr.Row():
                    self.owner_hide_comment = gr.Dropdown(
                        choices=[],
                        value=None,
                        label=I18N("owner.hide_comment"),
                        elem_id="owner-hide-comment",
                    )
                    self.owner_hide_reason = gr.Dropdown(
                        choices=[(I18N(f"hide.{r}"), r) for r in HIDE_REASONS],
                        value=None,
                        label=I18N("owner.hide_reason"),
                        elem_id="owner-hide-reason",
                    )
                self.owner_hide_button = gr.Button(
                    I18N("owner.hide_apply"), variant="stop", elem_id="owner-hide-apply"
                )
            with gr.Accordion(I18N("discuss.open"), open=False, elem_id="new-discussion"):
                with gr.Column(visible=False) as self.new_form:
                    self.new_title = gr.Textbox(
                        label=I18N("discuss.new_title"), max_length=LIMITS["title"]
                    )
                    self.new_body = gr.Textbox(
                        label=I18N("discuss.new_body"), lines=3, max_length=LIMITS["comment"]
                    )
                    self.new_button = gr.Button(I18N("discuss.open"), elem_id="open-discussion")
                self.new_signin = gr.Markdown(visible=False, elem_id="new-signin")

    def _limits_box(self) -> None:
        """The owner's (and moderators') interaction limits: nothing pre-chosen."""
        with gr.Accordion(
            I18N("limits.title"), open=False, visible=False, elem_id="limits-box"
        ) as self.limits_box:
            gr.Markdown(I18N("limits.help"))
            self.limit_status = gr.Markdown(elem_id="limit-status")
            with gr.Row():
                self.limit_level = gr.Radio(
                    choices=[(I18N(f"limits.level_{level}"), level) for level in LIMIT_LEVELS],
                    value=None,
                    label=I18N("limits.level"),
                    elem_id="limit-level",
                )
                self.limit_duration = gr.Dropdown(
                    choices=[(I18N(f"limits.duration_{d}"), d) for d in LIMIT_DURATIONS],
                    value=None,
                    label=I18N("limits.duration"),
                    elem_id="limit-duration",
                )
            with gr.Row():
                self.limit_apply = gr.Button(
                    I18N("limits.apply"), variant="primary", elem_id="limit-apply"
                )
                self.limit_lift = gr.Button(
                    I18N("limits.lift"), visible=False, elem_id="limit-lift"
                )

    def _flag_tab(self) -> None:
        with gr.Tab(I18N("flag.title"), id="flag"):
            with gr.Column(visible=False) as self.flag_form:
                gr.Markdown(I18N("flag.help"))
                # Nothing is chosen for the reporter: Flag stays off until a reason is.
                self.flag_reason = gr.Dropdown(
                    choices=[(I18N(f"reason.{r.slug}"), r.slug) for r in REASONS],
                    value=None,
                    label=I18N("flag.reason"),
                    elem_id="flag-reason",
                )
                self.flag_target = gr.Dropdown(
                    choices=[], value=None, label=I18N("flag.target"), elem_id="flag-target"
                )
                self.flag_context = gr.Textbox(
                    label=I18N("flag.context"),
                    info=I18N("flag.context_help"),
                    lines=5,
                    max_length=LIMITS["context"],
                    elem_id="flag-context",
                )
                self.flag_button = gr.Button(
                    I18N("flag.submit"), variant="stop", interactive=False, elem_id="flag-submit"
                )
            self.flag_signin = gr.Markdown(visible=False, elem_id="flag-signin")
            self.flag_result = gr.Markdown(elem_id="flag-result")

    def _proposal_tab(self) -> None:
        with gr.Tab(I18N("propose.title"), id="propose"):
            gr.Markdown(I18N("propose.help"))
            with gr.Column(visible=False) as self.propose_form:
                self.propose_tags = gr.CheckboxGroup(
                    choices=list(PROPOSABLE_TAGS),
                    label=I18N("propose.tags"),
                    elem_id="propose-tags",
                )
                self.propose_none = gr.Markdown(visible=False, elem_id="propose-none")
                self.propose_note = gr.Textbox(
                    label=I18N("propose.note"), max_length=LIMITS["comment"]
                )
                self.propose_button = gr.Button(I18N("propose.submit"), elem_id="propose-submit")
            self.propose_signin = gr.Markdown(visible=False, elem_id="propose-signin")

    # -- rendering --------------------------------------------------------------------

    @property
    def outputs(self) -> list[Any]:
        return [
            *(self.header, self.tools, self.notice, self.overlay),
            *(self.gate_box, self.gate_status, self.gate_form, self.gate_signin),
            *(self.gate_body, self.gate_prompt, self.gate_reason, self.gate_button),
            *(c for slot in self.slots for c in slot.components),
            *(self.access_box, self.access_title, self.access_pick, self.access_csv),
            *(self.access_detail, self.form_source, self.form_approval),
            *(self.form_prompt, self.form_fields, self.form_use_card),
            *(self.content_box, self.sections, self.card, self.card_gap, self.metadata),
            *(self.community_box, self.community_list, self.discussion_box, self.thread),
            *(self.proposal_box, self.diff, self.merge_button, self.close_proposal_button),
            *(self.reply_form, self.reply_signin, self.close_button, self.reopen_button),
            *(self.owner_hide_box, self.owner_hide_comment),
            *(self.limit_line, self.limits_box, self.limit_status, self.limit_lift),
            *(self.new_form, self.new_signin),
            *(self.flag_form, self.flag_signin, self.flag_target),
            *(self.propose_form, self.propose_signin, self.propose_tags, self.propose_none),
            self.ctx.location,
        ]

    def empty(self, message: str) -> dict[Any, Any]:
        """No artifact shown: every part hidden, `message` in the header."""
        hidden = gr.update(visible=False)
        updates: dict[Any, Any] = dict.fromkeys(self.outputs, gr.update())
        updates.update({self.header: message, self.notice: "", self.tools: hidden})
        for box in (self.overlay, self.gate_box, self.access_box):
            updates[box] = hidden
        updates.update({self.content_box: hidden, self.community_box: hidden})
        return updates

    def render(
        self,
        view: ArtifactView,
        user: User,
        *,
        show_mature: bool,
        language: str,
        community_filter: str = "open",
        discussion_id: str | None = None,
    ) -> dict[Any, Any]:
        """Every output of the tab for one view. Card text is only sent when the viewer
        may see it: behind the warning or the gate the browser never receives it."""
        updates = self.empty(header_text(view, language))
        updates[self.tools] = gr.update(visible=True)
        updates[self.notice] = notice_text(view, language)
        updates[self.ctx.location] = artifact_url(view.artifact.id, discussion_id)
        if view.disabled:
            return updates
        warn = view.content_warning and not show_mature
        show_content = not warn and not view.content_locked
        updates[self.overlay] = gr.update(visible=warn)
        updates.update(self._gate_updates(view, user, language, shown=not warn))
        updates[self.content_box] = gr.update(visible=show_content)
        updates[self.community_box] = gr.update(visible=not warn)
        if show_content:
            updates[self.sections] = sections_text(view, language)
            updates[self.card] = view.card.body
            updates[self.card_gap] = card_gap_text(view, language)
            metadata = yaml.safe_dump(view.card.metadata, allow_unicode=True, sort_keys=False)
            updates[self.metadata] = metadata
        if not warn:
            updates.update(self._access_updates(view, user, language))
            updates.update(self._community(view, user, language, community_filter, discussion_id))
            updates.update(self._forms(view, user, language))
            updates.update(self._limits(view, user, language))
        return updates

    def _limits(self, view: ArtifactView, user: User, language: str) -> dict[Any, Any]:
        """Everyone reads the limit in force; its owner and moderators may change it."""
        line = limit_text(view, language)
        manager = can(user, Action.LIMIT_INTERACTIONS, view.artifact)
        return {
            self.limit_line: line,
            self.limits_box: gr.update(visible=manager),
            # The line above the box already states a limit in force.
            self.limit_status: "" if line else tr("limits.none", language),
            self.limit_lift: gr.update(visible=manager and view.limit is not None),
        }

    def _gate_updates(
        self, view: ArtifactView, user: User, language: str, *, shown: bool
    ) -> dict[Any, Any]:
        locked = shown and view.content_locked
        pending = view.access is not None and view.access.status is AccessStatus.PENDING
        form = view.access_form or GateForm()
        asks = bool(form.fields)
        updates = {
            self.gate_box: gr.update(visible=locked),
            self.gate_prompt: quote_md(form.prompt) if form.prompt else "",  # the owner's words
            self.gate_status: gate_text(view, language),
            self.gate_form: gr.update(visible=locked and user.signed_in and not pending),
            self.gate_signin: gr.update(
                visible=locked and not user.signed_in,
                value=self._sign_in("signin.access", language),
            ),
            self.gate_reason: gr.update(
                label=tr("gate.reason_optional" if asks else "gate.reason", language)
            ),
            self.gate_body: tr(_gate_body_key(form), language),
            self.gate_button: gr.update(value=form.button or tr("gate.request", language)),
        }
        for number, slot in enumerate(self.slots):
            found = form.fields[number] if number < len(form.fields) else None
            updates.update(slot.updates(found, language))
        return updates

    def _access_updates(self, view: ArtifactView, user: User, language: str) -> dict[Any, Any]:
        reviewer = can(user, Action.REVIEW_ACCESS, view.artifact)
        pending = [r for r in view.access_requests if r.status is AccessStatus.PENDING]
        choices = [(f"{r.user}: {r.reason[:80]}" if r.reason else r.user, r.id) for r in pending]
        shown = reviewer and (view.gated or bool(view.access_requests))
        listing = access_list_file(view, language) if shown and view.access_requests else None
        form = view.access_form
        source = "access.form_none" if form is None else f"access.form_from_{form.source}"
        return {
            self.access_box: gr.update(visible=shown),
            self.access_title: f"### {tr('access.list', language)} · "
            + tr("access.pending_count", language, n=len(pending)),
            self.access_pick: gr.update(choices=choices, value=choices[0][1] if choices else None),
            self.access_detail: request_detail(pending[0] if pending else None, form, language),
            self.access_csv: gr.update(value=listing, visible=listing is not None),
            self.form_source: f"*{tr(source, language)}*",
            self.form_approval: (form.approval if form else Approval.MANUAL).value,
            self.form_prompt: form.prompt if form else "",
            self.form_fields: fields_text(form.fields) if form else "",
            self.form_use_card: gr.update(visible=form is not None and form.source == "set"),
        }

    def _community(
        self,
        view: ArtifactView,
        user: User,
        language: str,
        community_filter: str,
        wanted: str | None,
    ) -> dict[Any, Any]:
        filter_ = community_filter if community_filter in COMMUNITY_FILTERS else "open"
        discussion = next((d for d in view.discussions if d.id == wanted), None)
        may_close = discussion is not None and can(user, Action.CLOSE_DISCUSSION, view.artifact)
        status = discussion.status if discussion else None
        proposal = None
        if discussion is not None and discussion.kind is DiscussionKind.PROPOSAL:
            proposal = next((p for p in view.proposals if p.discussion_id == discussion.id), None)
        may_review = (
            proposal is not None
            and proposal.status is ProposalStatus.OPEN
            and can(user, Action.REVIEW_PROPOSAL, view.artifact)
        )
        open_thread = discussion is not None and (
            status is DiscussionStatus.OPEN or user.is_moderator
        )
        reasons = view.report_reasons
        return {
            self.community_list: community_html(view, filter_, wanted, language),
            self.discussion_box: discussion.id if discussion else "",
            self.thread: thread_text(discussion, language, reasons, moderator=user.is_moderator)
            if discussion
            else (tr("community.pick", language) if view.discussions else ""),
            **self._owner_hide(discussion, view, user),
            self.proposal_box: gr.update(visible=proposal is not None),
            self.diff: self.service.proposal_diff(user, proposal.id) if proposal else "",
            self.merge_button: gr.update(visible=may_review),
            self.close_proposal_button: gr.update(visible=may_review),
            self.reply_form: gr.update(visible=open_thread and user.signed_in),
            self.reply_signin: gr.update(
                visible=discussion is not None and not user.signed_in,
                value=self._sign_in("signin.reply", language),
            ),
            self.close_button: gr.update(visible=may_close and status is DiscussionStatus.OPEN),
            self.reopen_button: gr.update(visible=may_close and status is DiscussionStatus.CLOSED),
        }

    def _owner_hide(
        self, discussion: Discussion | None, view: ArtifactView, user: User
    ) -> dict[Any, Any]:
        """The owner's hide form: the thread's comments an owner may hide (not the
        report itself, not moderators' notes, not hidden already)."""
        hideable: list[tuple[str, str]] = []
        if discussion is not None and user.owns(view.artifact):
            for number, c in enumerate(discussion.comments):
                opening_report = number == 0 and discussion.kind is DiscussionKind.REPORT
                if c.moderation or c.hidden or opening_report:
                    continue
                snippet = " ".join(c.text.split())[:60]
                hideable.append((f"{c.author}: {snippet}", c.id))
        return {
            self.owner_hide_box: gr.update(visible=bool(hideable)),
            self.owner_hide_comment: gr.update(choices=hideable, value=None),
        }

    def _forms(self, view: ArtifactView, user: User, language: str) -> dict[Any, Any]:
        signed_in = user.signed_in
        flaggable = [
            (discussion_label(d, language), d.id)
            for d in view.discussions
            if d.kind is DiscussionKind.DISCUSSION
        ]
        missing = [t for t in PROPOSABLE_TAGS if t not in view.tags]
        return {
            self.new_form: gr.update(visible=signed_in),
            self.new_signin: gr.update(
                visible=not signed_in, value=self._sign_in("signin.discuss", language)
            ),
            self.flag_form: gr.update(visible=signed_in),
            self.flag_signin: gr.update(
                visible=not signed_in, value=self._sign_in("signin.flag", language)
            ),
            self.flag_target: gr.update(
                choices=[(tr("flag.whole_artifact", language), ""), *flaggable], value=""
            ),
            self.propose_form: gr.update(visible=signed_in),
            self.propose_signin: gr.update(
                visible=not signed_in, value=self._sign_in("signin.propose", language)
            ),
            self.propose_tags: gr.update(choices=missing, value=[], visible=bool(missing)),
            self.propose_none: gr.update(
                visible=not missing, value=tr("propose.none_left", language)
            ),
        }

    def _sign_in(self, key: str, language: str) -> str:
        return f"**{tr(key, language)}** {sign_in_hint(self.service.settings, language)}"


def build(ctx: UiContext) -> ArtifactWiring:
    """Lay out the tab and wire its events; return what the router needs to open it."""
    tab = ArtifactTab(ctx)
    service = ctx.service
    base_inputs = [
        ctx.artifact_id,
        ctx.persona,
        ctx.browser_pref,
        tab.revealed,
        tab.community_filter,
        tab.discussion_box,
    ]

    def show(
        artifact_id: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        community_filter: str,
        discussion_id: str | None,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[Any, Any]:
        language = lang(request)
        artifact_id = _text(artifact_id)
        if not artifact_id:
            return tab.empty(tr("artifact.none", language))
        user = current_user(service, persona, request, profile)
        try:
            view = service.view(user, artifact_id)
        except SafeguardsError as exc:
            return tab.empty(f"**{escape_md(exc.text(language))}**")
        if user.signed_in:
            prefers = service.show_mature_without_popup(user)
        else:
            prefers = browser_pref == SHOW_MATURE
        return tab.render(
            view,
            user,
            show_mature=prefers or revealed == view.artifact.id,
            language=language,
            community_filter=community_filter,
            discussion_id=_text(discussion_id) or None,
        )

    outputs = tab.outputs
    open_outputs = [*outputs, tab.revealed]

    def open_page(
        artifact_id: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        community_filter: str,
        discussion_id: str | None,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[Any, Any]:
        """Opening a page forgets an earlier "View content": the warning shows again."""
        updates = show(
            artifact_id,
            persona,
            browser_pref,
            "",
            community_filter,
            discussion_id,
            request,
            profile,
        )
        updates[tab.revealed] = ""
        return updates

    def open_fresh(
        artifact_id: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        community_filter: str,
        discussion_id: str | None,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[Any, Any]:
        """The id box and the Open button: a new artifact, no thread open yet."""
        return open_page(
            artifact_id, persona, browser_pref, revealed, "open", None, request, profile
        )

    fresh = {"api_visibility": "private", "show_progress": "minimal"}
    tab.open_button.click(open_fresh, base_inputs, open_outputs, **fresh)
    ctx.artifact_id.submit(open_fresh, base_inputs, open_outputs, **fresh)
    ctx.on_persona_switch(open_page, base_inputs, open_outputs)

    @friendly_errors
    def view_content(
        artifact_id: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        community_filter: str,
        discussion_id: str | None,
        always: bool,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[Any, Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        view = service.view(user, _text(artifact_id))
        if always and user.signed_in:
            service.set_preference(user, True)
            notify(tr("activity.saved", language), language)
        keep = bool(always) and not user.signed_in
        new_pref = SHOW_MATURE if keep or browser_pref == SHOW_MATURE else POPUP
        if keep:
            notify(tr("activity.saved_browser", language), language)
        updates = show(
            artifact_id,
            persona,
            new_pref,
            view.artifact.id,
            community_filter,
            discussion_id,
            request,
            profile,
        )
        updates[tab.revealed] = view.artifact.id
        updates[ctx.browser_pref] = new_pref
        return updates

    tab.view_button.click(
        view_content,
        [*base_inputs, tab.always],
        [*open_outputs, ctx.browser_pref],
        api_visibility="private",
    )

    def go_back() -> tuple[Any, str]:
        """Leave the warning for Browse (its address too: a reload stays there)."""
        return gr.Tabs(selected="browse"), ""

    tab.back_button.click(go_back, None, [ctx.tabs, ctx.location], api_visibility="private")

    def filter_list(
        artifact_id: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        community_filter: str,
        discussion_id: str | None,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[Any, Any]:
        return show(
            artifact_id,
            persona,
            browser_pref,
            revealed,
            community_filter,
            discussion_id,
            request,
            profile,
        )

    tab.community_filter.input(filter_list, base_inputs, outputs, api_visibility="private")

    def flag_ready(reason: str | None) -> Any:
        return gr.Button(interactive=bool(reason))

    tab.flag_reason.change(
        flag_ready,
        tab.flag_reason,
        tab.flag_button,
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )

    @friendly_errors
    def copied(url: str, request: gr.Request) -> None:
        notify(tr("artifact.link_copied", lang(request)), lang(request))

    tab.copy_link.click(
        copied,
        ctx.location,
        None,
        js="(url) => { navigator.clipboard?.writeText(location.href); return location.href; }",
        api_visibility="private",
    )

    _wire_actions(tab, service, show, base_inputs, outputs)
    return ArtifactWiring(open_page, base_inputs, open_outputs, tab.discussion_box)


@dataclass
class ArtifactWiring:
    """What the app shell and the router need: the open function and its wiring."""

    open: Callable[..., dict[Any, Any]]
    inputs: list[Any]
    outputs: list[Any]
    discussion_box: gr.Textbox


def _wire_actions(
    tab: ArtifactTab,
    service: Safeguards,
    show: Callable[..., dict[Any, Any]],
    base_inputs: list[Any],
    outputs: list[Any],
) -> None:
    """The buttons that change something: each runs one service call, then re-renders."""

    def action(fn: Callable[..., Done], extra_count: int) -> Callable[..., dict[Any, Any]]:
        """A button handler: `fn(user, view inputs..., extras, language)` → `Done`.

        Explicit positional parameters (not *args) so Gradio can inject the request."""

        @friendly_errors
        def handler(
            artifact_id: str,
            persona: str,
            browser_pref: str,
            revealed: str,
            community_filter: str,
            discussion_id: str | None,
            x1: Any = None,
            x2: Any = None,
            x3: Any = None,
            request: gr.Request = None,
            profile: gr.OAuthProfile | None = None,
        ) -> dict[Any, Any]:
            user = current_user(service, persona, request, profile)
            language = lang(request)
            extras = (x1, x2, x3)[:extra_count]
            done = fn(user, _text(artifact_id), _text(discussion_id), *extras, language=language)
            if done.message:
                notify(done.message, language)
            updates = show(
                artifact_id,
                persona,
                browser_pref,
                revealed,
                community_filter,
                done.discussion_id or discussion_id,
                request,
                profile,
            )
            updates.update(done.resets)
            return updates

        return handler

    def reply(user, artifact_id, discussion_id, text, language) -> Done:
        service.comment(user, discussion_id, text)
        return Done(tr("done.saved", language), discussion_id, {tab.reply: ""})

    def new_discussion(user, artifact_id, discussion_id, title, body, language) -> Done:
        discussion = service.open_discussion(user, artifact_id, title, body)
        return Done(
            tr("done.saved", language), discussion.id, {tab.new_title: "", tab.new_body: ""}
        )

    def close_discussion(user, artifact_id, discussion_id, language) -> Done:
        service.set_discussion_status(user, discussion_id, "closed")
        return Done(tr("done.saved", language), discussion_id)

    def reopen_discussion(user, artifact_id, discussion_id, language) -> Done:
        service.set_discussion_status(user, discussion_id, "open")
        return Done(tr("done.saved", language), discussion_id)

    def flag(user, artifact_id, discussion_id, reason, target, context, language) -> Done:
        report = service.report(user, artifact_id, reason, context, target or None)
        link = link_md(
            tr("flag.open_thread", language), artifact_url(artifact_id, report.discussion_id)
        )
        result = f"{tr('flag.done', language, id=report.id)} {link}"
        resets = {
            tab.flag_reason: gr.update(value=None),
            tab.flag_context: "",
            tab.flag_result: result,
        }
        return Done(tr("flag.done", language, id=report.id), report.discussion_id, resets)

    def propose(user, artifact_id, discussion_id, tags, note, language) -> Done:
        proposal = service.propose_tags(user, artifact_id, tags or [], note)
        return Done(tr("propose.done", language), proposal.discussion_id, {tab.propose_note: ""})

    def decide(merge: bool) -> Callable[..., Done]:
        def decide_proposal(user, artifact_id, discussion_id, language) -> Done:
            proposal = service.proposal_in(user, discussion_id)
            service.decide_proposal(user, proposal.id, merge=merge)
            status = "merged" if merge else "closed"
            return Done(tr(f"status.{status}", language), discussion_id)

        return decide_proposal

    def save_form(user, artifact_id, discussion_id, approval, prompt, fields, language) -> Done:
        service.set_access_form(user, artifact_id, approval, prompt, fields)
        return Done(tr("access.form_saved", language))

    def use_card_form(user, artifact_id, discussion_id, language) -> Done:
        service.use_card_access_form(user, artifact_id)
        return Done(tr("access.form_card_again", language))

    def hide_as_owner(user, artifact_id, discussion_id, comment_id, reason, language) -> Done:
        service.hide_comment_as_owner(user, comment_id, reason)
        resets = {tab.owner_hide_reason: gr.update(value=None)}
        return Done(tr("owner.hide_done", language), discussion_id, resets)

    def set_limit(user, artifact_id, discussion_id, level, duration, language) -> Done:
        limit = service.set_interaction_limit(user, artifact_id, level, duration)
        resets = {tab.limit_level: gr.update(value=None), tab.limit_duration: gr.update(value=None)}
        return Done(tr("limits.done", language, until=until_text(limit.until)), None, resets)

    def lift_limit(user, artifact_id, discussion_id, language) -> Done:
        service.lift_interaction_limit(user, artifact_id)
        return Done(tr("limits.lifted", language), None)

    def review(approve: bool) -> Callable[..., Done]:
        def decide_access(user, artifact_id, discussion_id, request_id, note, language) -> Done:
            service.decide_access(user, request_id, approve=approve, note=note)
            status = tr("status.approved" if approve else "status.rejected", language)
            return Done(status, None, {tab.access_note: ""})

        return decide_access

    wiring: list[tuple[Any, Callable[..., Done], list[Any], list[Any]]] = [
        (tab.reply_button.click, reply, [tab.reply], [tab.reply]),
        (
            tab.new_button.click,
            new_discussion,
            [tab.new_title, tab.new_body],
            [tab.new_title, tab.new_body],
        ),
        (tab.close_button.click, close_discussion, [], []),
        (tab.reopen_button.click, reopen_discussion, [], []),
        (
            tab.flag_button.click,
            flag,
            [tab.flag_reason, tab.flag_target, tab.flag_context],
            [tab.flag_reason, tab.flag_context, tab.flag_result],
        ),
        (
            tab.propose_button.click,
            propose,
            [tab.propose_tags, tab.propose_note],
            [tab.propose_note],
        ),
        (tab.merge_button.click, decide(merge=True), [], []),
        (tab.close_proposal_button.click, decide(merge=False), [], []),
        (
            tab.form_save.click,
            save_form,
            [tab.form_approval, tab.form_prompt, tab.form_fields],
            [],
        ),
        (tab.form_use_card.click, use_card_form, [], []),
        (
            tab.owner_hide_button.click,
            hide_as_owner,
            [tab.owner_hide_comment, tab.owner_hide_reason],
            [tab.owner_hide_reason],
        ),
        (
            tab.limit_apply.click,
            set_limit,
            [tab.limit_level, tab.limit_duration],
            [tab.limit_level, tab.limit_duration],
        ),
        (tab.limit_lift.click, lift_limit, [], []),
        (
            tab.approve_button.click,
            review(approve=True),
            [tab.access_pick, tab.access_note],
            [tab.access_note],
        ),
        (
            tab.reject_button.click,
            review(approve=False),
            [tab.access_pick, tab.access_note],
            [tab.access_note],
        ),
    ]
    for trigger, fn, extra, resets in wiring:
        trigger(
            action(fn, len(extra)),
            [*base_inputs, *extra],
            [*outputs, *resets],
            api_visibility="private",
            concurrency_limit=None,
        )
    _wire_request(tab, service, show, base_inputs, outputs)


def _wire_request(
    tab: ArtifactTab,
    service: Safeguards,
    show: Callable[..., dict[Any, Any]],
    base_inputs: list[Any],
    outputs: list[Any],
) -> None:
    """The requester's form (its inputs as one dict: a field per slot) and the reviewer's
    detail of the picked request."""
    slot_components = [c for slot in tab.slots for c in slot.components]

    @friendly_errors
    def file_access_request(
        values: dict[Any, Any], request: gr.Request, profile: gr.OAuthProfile | None = None
    ) -> dict[Any, Any]:
        args = [values.get(c) for c in base_inputs]
        user = current_user(service, args[1], request, profile)
        language = lang(request)
        artifact_id = _text(args[0])
        form = service.view(user, artifact_id).access_form
        fields = form.fields if form is not None else ()
        answers = {
            f.label: slot.answer(f, values)
            for f, slot in zip(fields, tab.slots[: len(fields)], strict=True)
        }
        filed = service.request_access(user, artifact_id, values.get(tab.gate_reason), answers)
        status = tr(access_status_key(filed), language)
        notify(tr("gate.status", language, status=status), language)
        updates = show(*args, request, profile)
        updates[tab.gate_reason] = ""
        return updates

    tab.gate_button.click(
        file_access_request,
        {*base_inputs, tab.gate_reason, *slot_components},
        [*outputs, tab.gate_reason],
        api_visibility="private",
        concurrency_limit=None,
    )

    @friendly_errors
    def pick_detail(
        artifact_id: str,
        persona: str,
        request_id: str | None,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> str:
        user = current_user(service, persona, request, profile)
        view = service.view(user, _text(artifact_id))
        found = next((r for r in view.access_requests if r.id == request_id), None)
        return request_detail(found, view.access_form, lang(request))

    tab.access_pick.input(
        pick_detail,
        [tab.ctx.artifact_id, tab.ctx.persona, tab.access_pick],
        tab.access_detail,
        api_visibility="private",
    )


_ACCESS_DIR = Path(tempfile.gettempdir()) / "safeguards-access-lists"
ACCESS_COLUMNS = ("id", "user", "reason", "ts", "status", "decided_by", "decision_note")


def answer_labels(view: ArtifactView) -> list[str]:
    """The form's labels, then any other label answered under an earlier form."""
    labels = [f.label for f in view.access_form.fields] if view.access_form else []
    for request in view.access_requests:
        labels.extend(k for k in request.answers if k not in labels)
    return labels


def _field_types(form: GateForm | None) -> dict[str, FieldType]:
    return {f.label: f.type for f in form.fields} if form else {}


def _gate_body_key(form: GateForm) -> str:
    """Who decides (no one, with automatic approval) and what the requester gives."""
    if form.approval is Approval.AUTO:
        return "gate.auto_note"
    return "gate.body_form" if form.fields else "gate.body"


def _answer_column(label: str) -> str:
    """A field's column: its label, unless that reads as a fixed column or a formula
    (headers are not quoted like cells, and a label is the owner's or a card's text)."""
    clash = label in ACCESS_COLUMNS or label.startswith(("=", "+", "-", "@", "\t", "\r"))
    return f"field: {label}" if clash else label


def access_list_file(view: ArtifactView, language: str = "en") -> str:
    """The artifact's access requests as a CSV for its owner, one column per form field
    (cells a spreadsheet would run as formulas are quoted), in a folder of its own per
    artifact and version."""
    labels = answer_labels(view)
    types = _field_types(view.access_form)
    automatic = tr("access.automatic", language)
    rows = []
    for r in view.access_requests:
        decided_by = automatic if r.automatic else r.decided_by
        answers = [
            answer_text(types.get(k), r.answers[k], language) if k in r.answers else ""
            for k in labels
        ]
        rows.append(
            [r.id, r.user, r.reason, r.ts, r.status.value, decided_by, r.decision_note, *answers]
        )
    columns = [*ACCESS_COLUMNS, *(_answer_column(k) for k in labels)]
    frame = pd.DataFrame(rows, columns=columns).fillna("")
    text = spreadsheet_csv(frame)
    digest = hashlib.sha256(f"{view.artifact.id}\n{text}".encode()).hexdigest()[:16]
    folder = _ACCESS_DIR / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"access-{view.artifact.id.replace('/', '--')}.csv"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    return str(path)


def until_text(ts: str) -> str:
    """An expiry as the page states it: 2026-12-10 08:51 UTC."""
    return f"{when(ts)} UTC"


def limit_text(view: ArtifactView, language: str) -> str:
    """The plain line saying the artifact's discussions are limited and until when."""
    if view.limit is None:
        return ""
    return tr(
        f"limits.line_{view.limit.level}",
        language,
        until=until_text(view.limit.until),
        days=MEMBER_AGE_DAYS,
    )


def request_detail(request: AccessRequest | None, form: GateForm | None, language: str) -> str:
    """One request as its reviewer reads it: who, when, the reason and each answer (all
    user text escaped: this is gr.Markdown, never HTML)."""
    if request is None:
        return f"*{tr('access.detail_none', language)}*"
    who = escape_md(request.user)
    parts = [tr("access.requested_by", language, user=who, date=request.ts[:10])]
    if request.reason:
        parts.append(f"**{tr('access.reason_label', language)}** {escape_md(request.reason)}")
    if request.answers:
        types = _field_types(form)
        items = "\n".join(
            f"- {escape_md(label)}: {escape_md(answer_text(types.get(label), value, language))}"
            for label, value in request.answers.items()
        )
        parts.append(f"**{tr('access.answers', language)}**\n\n{items}")
    return "\n\n".join(parts)


def _text(value: object) -> str:
    """A text input as the server accepts it (anything else a client sends is empty)."""
    return value.strip() if isinstance(value, str) else ""
