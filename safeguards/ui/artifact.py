"""Artifact tab: the card (behind the content warning or the access gate when they
apply), its safeguard state, discussions, flagging, tag proposals and access review."""

from __future__ import annotations

from typing import Any

import gradio as gr
import yaml

from safeguards.categories import REASONS
from safeguards.errors import SafeguardsError
from safeguards.i18n import tr
from safeguards.permissions import Action, User, can
from safeguards.records import (
    AccessStatus,
    Discussion,
    DiscussionKind,
    DiscussionStatus,
    ProposalStatus,
)
from safeguards.service import PROPOSABLE_TAGS, ArtifactView
from safeguards.textrules import LIMITS
from safeguards.ui.common import (
    I18N,
    POPUP,
    SHOW_MATURE,
    UiContext,
    code_md,
    current_user,
    escape_md,
    friendly_errors,
    lang,
    notify,
    quote_md,
)

SECTION_KEYS = ("intended_uses", "out_of_scope", "bias_risks", "social_impact")


class ArtifactTab:
    """Components of the tab and the single `render` that fills them from a view."""

    def __init__(self, ctx: UiContext) -> None:
        self.ctx = ctx
        self.service = ctx.service
        self.browser_pref = ctx.browser_pref
        self.revealed = gr.State("")  # id of the artifact whose warning was accepted
        with gr.Row(equal_height=True):
            ctx.artifact_id.render()
            self.open_button = gr.Button(I18N("artifact.load"), scale=0, elem_id="open-artifact")
        self.header = gr.Markdown(I18N("artifact.none"), elem_id="artifact-header")
        self.notice = gr.Markdown(elem_id="artifact-notice")
        with (
            gr.Column(visible=False, elem_classes="nfaa-overlay", elem_id="nfaa-popup") as overlay,
            gr.Column(elem_classes="nfaa-dialog"),
        ):
            gr.Markdown(f"## ⚠️ {I18N('warning.title')}")
            gr.Markdown(I18N("warning.body"))
            self.always = gr.Checkbox(label=I18N("warning.preference"), elem_id="always-show")
            with gr.Row():
                self.view_button = gr.Button(
                    I18N("warning.view"), variant="primary", elem_id="view-content"
                )
                self.back_button = gr.Button(I18N("warning.back"), elem_id="go-back")
        self.overlay = overlay
        with gr.Column(visible=False, elem_id="gate-box") as gate_box:
            gr.Markdown(f"### 🔒 {I18N('gate.title')}")
            gr.Markdown(I18N("gate.body"))
            self.gate_status = gr.Markdown(elem_id="gate-status")
            self.gate_reason = gr.Textbox(
                label=I18N("gate.reason"), max_length=LIMITS["reason"], lines=2
            )
            self.gate_button = gr.Button(I18N("gate.request"), elem_id="request-access")
        self.gate_box = gate_box
        with gr.Column(visible=False, elem_id="card-box") as content_box:
            self.sections = gr.Markdown(elem_id="card-sections")
            with gr.Accordion(I18N("artifact.card"), open=False):
                self.card = gr.Markdown(elem_id="card-body")
            with gr.Accordion(I18N("artifact.metadata"), open=False):
                self.metadata = gr.Code(language="yaml", interactive=False, elem_id="card-metadata")
        self.content_box = content_box
        with gr.Column(visible=False) as community_box, gr.Tabs():
            self._discussion_tab()
            self._flag_tab()
            self._proposal_tab()
            self._access_tab()
        self.community_box = community_box

    # -- layout -----------------------------------------------------------------------

    def _discussion_tab(self) -> None:
        with gr.Tab(I18N("discuss.title"), id="discussions"):
            self.discussion_pick = gr.Dropdown(
                label=I18N("discuss.pick"), choices=[], elem_id="discussion-pick"
            )
            self.thread = gr.Markdown(elem_id="thread")
            self.reply = gr.Textbox(
                label=I18N("discuss.reply"), lines=3, max_length=LIMITS["comment"], elem_id="reply"
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
            with gr.Accordion(I18N("discuss.open"), open=False):
                self.new_title = gr.Textbox(
                    label=I18N("discuss.new_title"), max_length=LIMITS["title"]
                )
                self.new_body = gr.Textbox(
                    label=I18N("discuss.new_body"), lines=3, max_length=LIMITS["comment"]
                )
                self.new_button = gr.Button(I18N("discuss.open"))

    def _flag_tab(self) -> None:
        with gr.Tab(I18N("flag.title"), id="flag"):
            self.flag_reason = gr.Dropdown(
                choices=[(I18N(f"reason.{r.slug}"), r.slug) for r in REASONS],
                label=I18N("flag.reason"),
                elem_id="flag-reason",
            )
            self.flag_target = gr.Dropdown(
                choices=[], label=I18N("flag.target"), elem_id="flag-target"
            )
            self.flag_context = gr.Textbox(
                label=I18N("flag.context"),
                info=I18N("flag.context_help"),
                lines=5,
                max_length=LIMITS["context"],
                elem_id="flag-context",
            )
            self.flag_button = gr.Button(I18N("flag.submit"), variant="stop", elem_id="flag-submit")
            self.flag_result = gr.Markdown(elem_id="flag-result")

    def _proposal_tab(self) -> None:
        with gr.Tab(I18N("propose.title"), id="propose"):
            gr.Markdown(I18N("propose.help"))
            self.propose_tags = gr.CheckboxGroup(
                choices=list(PROPOSABLE_TAGS), label=I18N("propose.tags"), elem_id="propose-tags"
            )
            self.propose_note = gr.Textbox(label=I18N("propose.note"), max_length=LIMITS["comment"])
            self.propose_button = gr.Button(I18N("propose.submit"), elem_id="propose-submit")
            self.proposal_pick = gr.Dropdown(
                choices=[], label=I18N("propose.list"), elem_id="proposal-pick"
            )
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

    def _access_tab(self) -> None:
        # Gradio 6.31 can show a tab from an event but not hide its label again, so the tab
        # starts hidden and its contents sit in a column that can be hidden.
        with (
            gr.Tab(I18N("access.list"), id="access", visible=False) as tab,
            gr.Column(visible=False) as self.access_box,
        ):
            self.access_pick = gr.Dropdown(
                choices=[], label=I18N("access.pick"), elem_id="access-pick"
            )
            with gr.Row():
                self.approve_button = gr.Button(
                    I18N("access.approve"), variant="primary", elem_id="approve"
                )
                self.reject_button = gr.Button(I18N("access.reject"), elem_id="reject")
        self.access_tab = tab

    # -- rendering --------------------------------------------------------------------

    @property
    def outputs(self) -> list[gr.components.Component]:
        page = [self.header, self.notice, self.overlay, self.gate_box, self.gate_status]
        card = [self.content_box, self.sections, self.card, self.metadata, self.community_box]
        talk = [self.discussion_pick, self.thread, self.close_button, self.reopen_button]
        review = [self.flag_target, self.proposal_pick, self.diff, self.merge_button]
        return [
            *page,
            *card,
            *talk,
            *review,
            self.close_proposal_button,
            self.access_pick,
            self.access_tab,
            self.access_box,
        ]

    def empty(self, message: str) -> dict:
        hidden = gr.update(visible=False)
        updates: dict[Any, Any] = dict.fromkeys(self.outputs, gr.update())
        updates.update(
            {self.header: message, self.notice: "", self.overlay: hidden, self.gate_box: hidden}
        )
        updates.update({self.content_box: hidden, self.community_box: hidden})
        return updates

    def render(
        self,
        view: ArtifactView,
        user: User,
        *,
        show_mature: bool,
        language: str,
        discussion_id: str | None = None,
        proposal_id: str | None = None,
    ) -> dict:
        """Every output of the tab for one view. Card text is only sent when the viewer
        may see it: behind the warning or the gate the browser never receives it."""
        updates = self.empty(header_text(view, language))
        updates[self.notice] = notice_text(view, language)
        if view.disabled:
            return updates
        warn = view.content_warning and not show_mature
        show_content = not warn and not view.content_locked
        updates[self.overlay] = gr.update(visible=warn)
        updates[self.gate_box] = gr.update(visible=not warn and view.content_locked)
        updates[self.gate_status] = gate_text(view, language)
        updates[self.content_box] = gr.update(visible=show_content)
        updates[self.community_box] = gr.update(visible=not warn)
        if show_content:
            updates[self.sections] = sections_text(view, language)
            updates[self.card] = view.card.body
            metadata = yaml.safe_dump(view.card.metadata, allow_unicode=True, sort_keys=False)
            updates[self.metadata] = metadata
        if not warn:
            updates.update(self._discussions(view, user, language, discussion_id))
            updates.update(self._proposals(view, user, language, proposal_id))
            updates.update(self._access(view, user))
        return updates

    def _discussions(
        self, view: ArtifactView, user: User, language: str, wanted: str | None
    ) -> dict:
        choices = [(discussion_label(d, language), d.id) for d in reversed(view.discussions)]
        chosen = _pick(choices, wanted)
        discussion = next((d for d in view.discussions if d.id == chosen), None)
        may_close = discussion is not None and can(user, Action.CLOSE_DISCUSSION, view.artifact)
        status = discussion.status if discussion else None
        flaggable = [
            (d.title, d.id) for d in view.discussions if d.kind is DiscussionKind.DISCUSSION
        ]
        return {
            self.discussion_pick: gr.update(choices=choices, value=chosen),
            self.thread: thread_text(discussion, language)
            if discussion
            else tr("discuss.none", language),
            self.close_button: gr.update(visible=may_close and status is DiscussionStatus.OPEN),
            self.reopen_button: gr.update(visible=may_close and status is DiscussionStatus.CLOSED),
            self.flag_target: gr.update(choices=[("—", ""), *flaggable], value=""),
        }

    def _proposals(self, view: ArtifactView, user: User, language: str, wanted: str | None) -> dict:
        choices = [
            (f"{p.id} · +{', '.join(p.tags)} · {tr('status.' + p.status.value, language)}", p.id)
            for p in reversed(view.proposals)
        ]
        chosen = _pick(choices, wanted)
        proposal = next((p for p in view.proposals if p.id == chosen), None)
        may_review = (
            proposal is not None
            and proposal.status is ProposalStatus.OPEN
            and can(user, Action.REVIEW_PROPOSAL, view.artifact)
        )
        return {
            self.proposal_pick: gr.update(choices=choices, value=chosen),
            self.diff: self.service.proposal_diff(user, proposal.id) if proposal else "",
            self.merge_button: gr.update(visible=may_review),
            self.close_proposal_button: gr.update(visible=may_review),
        }

    def _access(self, view: ArtifactView, user: User) -> dict:
        reviewer = can(user, Action.REVIEW_ACCESS, view.artifact)
        pending = [r for r in view.access_requests if r.status is AccessStatus.PENDING]
        choices = [(f"{r.user}: {r.reason[:80]}", r.id) for r in pending]
        return {
            self.access_pick: gr.update(choices=choices, value=_pick(choices, None)),
            self.access_tab: gr.Tab(visible=reviewer) if reviewer else gr.update(),
            self.access_box: gr.update(visible=reviewer),
        }


def _pick(choices: list[tuple[str, str]], wanted: str | None) -> str | None:
    """Keep the wanted choice if it is still offered, else the first one."""
    if any(value == wanted for _, value in choices):
        return wanted
    return choices[0][1] if choices else None


def build(ctx: UiContext) -> tuple[Any, list, list]:
    """Lay out the tab and wire its events; return the open event's wiring."""
    tab = ArtifactTab(ctx)
    service = ctx.service
    base_inputs = [ctx.artifact_id, ctx.persona, tab.browser_pref, tab.revealed]

    def show(
        artifact_id: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
        discussion_id: str | None = None,
        proposal_id: str | None = None,
    ) -> dict:
        language = lang(request)
        artifact_id = (artifact_id or "").strip()
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
            discussion_id=discussion_id,
            proposal_id=proposal_id,
        )

    outputs = tab.outputs
    open_outputs = [*outputs, tab.revealed]

    def open_and_forget(
        artifact_id: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict:
        """Opening a page forgets an earlier "View content": the warning shows again."""
        updates = show(artifact_id, persona, browser_pref, "", request, profile)
        updates[tab.revealed] = ""
        return updates

    tab.open_button.click(open_and_forget, base_inputs, open_outputs, api_visibility="private")
    ctx.artifact_id.submit(open_and_forget, base_inputs, open_outputs, api_visibility="private")
    ctx.persona.change(open_and_forget, base_inputs, open_outputs, api_visibility="private")

    @friendly_errors
    def view_content(
        artifact_id,
        persona,
        browser_pref,
        revealed,
        always,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ):
        user = current_user(service, persona, request, profile)
        view = service.view(user, (artifact_id or "").strip())
        if always and user.signed_in:
            service.set_preference(user, True)
            notify(tr("activity.saved", lang(request)), lang(request))
        keep = bool(always) and not user.signed_in
        new_browser_pref = SHOW_MATURE if keep or browser_pref == SHOW_MATURE else POPUP
        if always and not user.signed_in:
            notify(tr("activity.saved_browser", lang(request)), lang(request))
        updates = show(artifact_id, persona, new_browser_pref, view.artifact.id, request, profile)
        updates[tab.revealed] = view.artifact.id
        updates[tab.browser_pref] = new_browser_pref
        return updates

    tab.view_button.click(
        view_content,
        [*base_inputs, tab.always],
        [*open_outputs, tab.browser_pref],
        api_visibility="private",
    )
    tab.back_button.click(
        lambda: gr.Tabs(selected="browse"), None, ctx.tabs, api_visibility="private"
    )

    def action(fn, extra_count: int, clears: list) -> Any:
        """A button handler: run `fn(user, artifact_id, *extras)`, toast, re-render.

        Explicit positional parameters (not *args) so Gradio can inject the request."""

        @friendly_errors
        def handler(
            artifact_id: str,
            persona: str,
            browser_pref: str,
            revealed: str,
            x1: Any = None,
            x2: Any = None,
            x3: Any = None,
            request: gr.Request = None,
            profile: gr.OAuthProfile | None = None,
        ) -> dict:
            user = current_user(service, persona, request, profile)
            extras = (x1, x2, x3)[:extra_count]
            clean_id = (artifact_id or "").strip()
            message, discussion_id, proposal_id = fn(
                user, clean_id, *extras, language=lang(request)
            )
            if message:
                notify(message, lang(request))
            updates = show(
                artifact_id,
                persona,
                browser_pref,
                revealed,
                request,
                profile,
                discussion_id,
                proposal_id,
            )
            updates.update(dict.fromkeys(clears, ""))
            return updates

        return handler

    def reply(user, artifact_id, discussion_id, text, language):
        service.comment(user, discussion_id, text)
        return tr("done.saved", language), discussion_id, None

    def new_discussion(user, artifact_id, title, body, language):
        discussion = service.open_discussion(user, artifact_id, title, body)
        return tr("done.saved", language), discussion.id, None

    def close_discussion(user, artifact_id, discussion_id, language):
        service.set_discussion_status(user, discussion_id, "closed")
        return tr("done.saved", language), discussion_id, None

    def reopen_discussion(user, artifact_id, discussion_id, language):
        service.set_discussion_status(user, discussion_id, "open")
        return tr("done.saved", language), discussion_id, None

    def flag(user, artifact_id, reason, target, context, language):
        report = service.report(user, artifact_id, reason, context, target or None)
        return tr("flag.done", language, id=report.id), report.discussion_id, None

    def propose(user, artifact_id, tags, note, language):
        proposal = service.propose_tags(user, artifact_id, tags or [], note)
        return tr("done.saved", language), None, proposal.id

    def merge(user, artifact_id, proposal_id, language):
        service.decide_proposal(user, proposal_id, merge=True)
        return tr("status.merged", language), None, proposal_id

    def close_proposal(user, artifact_id, proposal_id, language):
        service.decide_proposal(user, proposal_id, merge=False)
        return tr("status.closed", language), None, proposal_id

    def request_access(user, artifact_id, reason, language):
        request = service.request_access(user, artifact_id, reason)
        return (
            tr("gate.status", language, status=tr(f"status.{request.status.value}", language)),
            None,
            None,
        )

    def approve(user, artifact_id, request_id, language):
        service.decide_access(user, request_id, approve=True)
        return tr("status.approved", language), None, None

    def reject(user, artifact_id, request_id, language):
        service.decide_access(user, request_id, approve=False)
        return tr("status.rejected", language), None, None

    def pick_discussion(user, artifact_id, discussion_id, language):
        return None, discussion_id, None

    def pick_proposal(user, artifact_id, proposal_id, language):
        return None, None, proposal_id

    wiring = [
        (tab.reply_button.click, reply, [tab.discussion_pick, tab.reply], [tab.reply]),
        (
            tab.new_button.click,
            new_discussion,
            [tab.new_title, tab.new_body],
            [tab.new_title, tab.new_body],
        ),
        (tab.close_button.click, close_discussion, [tab.discussion_pick], []),
        (tab.reopen_button.click, reopen_discussion, [tab.discussion_pick], []),
        (
            tab.flag_button.click,
            flag,
            [tab.flag_reason, tab.flag_target, tab.flag_context],
            [tab.flag_context],
        ),
        (
            tab.propose_button.click,
            propose,
            [tab.propose_tags, tab.propose_note],
            [tab.propose_note],
        ),
        (tab.merge_button.click, merge, [tab.proposal_pick], []),
        (tab.close_proposal_button.click, close_proposal, [tab.proposal_pick], []),
        (tab.gate_button.click, request_access, [tab.gate_reason], [tab.gate_reason]),
        (tab.approve_button.click, approve, [tab.access_pick], []),
        (tab.reject_button.click, reject, [tab.access_pick], []),
        (tab.discussion_pick.input, pick_discussion, [tab.discussion_pick], []),
        (tab.proposal_pick.input, pick_proposal, [tab.proposal_pick], []),
    ]
    for trigger, fn, extra, clears in wiring:
        trigger(
            action(fn, len(extra), clears),
            [*base_inputs, *extra],
            [*outputs, *clears],
            api_visibility="private",
            concurrency_limit=None,
        )
    return open_and_forget, base_inputs, open_outputs


# -- text composed for the page (user text always escaped) ---------------------------


def header_text(view: ArtifactView, language: str) -> str:
    a = view.artifact
    cats = ", ".join(tr(f"category.{c}", language) for c in view.categories)
    kind = tr(f"kind.{a.kind.value}", language)
    author = f"{tr('artifact.author', language)}: **{escape_md(a.author)}**"
    lines = [
        f"## {escape_md(a.id)}",
        f"*{kind}* · {author} · {tr('artifact.created', language)} {a.created} · "
        f"⬇ {a.downloads:,} · ♥ {a.likes:,}",
        "",
        escape_md(a.summary),
        "",
        f"**{tr('artifact.license', language)}:** {code_md(a.license)}  ",
        f"**{tr('artifact.categories', language)}:** {cats or '—'}  ",
        f"**{tr('artifact.tags', language)}:** " + " ".join(code_md(t) for t in view.tags),
    ]
    if a.paper:
        lines.append(f"  \n**{tr('artifact.paper', language)}:** {escape_md(a.paper)}")
    guard = view.safeguard
    yes, no = tr("artifact.yes", language), tr("artifact.no", language)
    visibility = tr(f"badge.{guard.visibility().value}", language)
    lines += [
        "",
        f"**{tr('artifact.state', language)}:** "
        f"{tr('artifact.visibility', language)}: {visibility} · "
        f"{tr('artifact.gated', language)}: {yes if view.gated else no} · "
        f"{tr('artifact.content_warning', language)}: {yes if view.content_warning else no}",
    ]
    return "\n".join(lines)


def notice_text(view: ArtifactView, language: str) -> str:
    notes = []
    if view.disabled:
        return f"### ⛔ {tr('artifact.disabled_notice', language)}"
    if view.safeguard.private:
        notes.append(tr("artifact.private_notice", language))
    if view.safeguard.private_requested:
        notes.append(tr("artifact.private_requested", language))
    if view.safeguard.downgraded:
        notes.append(tr("artifact.downgraded_notice", language))
    return "\n".join(f"> ℹ️ {n}" for n in notes)


def gate_text(view: ArtifactView, language: str) -> str:
    if view.access is None:
        return ""
    return tr("gate.status", language, status=tr(f"status.{view.access.status.value}", language))


def sections_text(view: ArtifactView, language: str) -> str:
    parts = [f"### {tr('artifact.sections', language)}"]
    for key in SECTION_KEYS:
        body = view.card.sections.get(key) or f"*{tr('section.missing', language)}*"
        parts.append(f"#### {tr(f'section.{key}', language)}\n{body}")
    return "\n\n".join(parts)


def discussion_label(discussion: Discussion, language: str) -> str:
    icon = {"report": "🚩", "proposal": "🏷️"}.get(discussion.kind.value, "💬")
    status = tr(f"status.{discussion.status.value}", language)
    return f"{icon} {discussion.title} · {status} · {len(discussion.comments)}"


def thread_text(discussion: Discussion, language: str) -> str:
    header = [
        f"### {escape_md(discussion.title)}",
        f"*{tr('status.' + discussion.status.value, language)}*",
    ]
    parts = []
    for comment in discussion.comments:
        who = f"**{escape_md(comment.author)}** · {comment.ts[:16].replace('T', ' ')}"
        if comment.moderation:
            who = f"🛡️ {tr('discuss.moderation', language)} · {who}"
        if comment.hidden:
            body = (
                "> *"
                + escape_md(tr("discuss.hidden", language, reason=comment.hidden_reason or ""))
                + "*"
            )
        else:
            body = quote_md(comment.text)
        parts.append(f"{who}\n\n{body}")
    return "\n\n".join(header) + "\n\n---\n\n" + "\n\n---\n\n".join(parts)
