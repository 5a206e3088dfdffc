"""My activity tab: the reporter's loop (each report with the owner's answer and the
decisions since, linked to its thread), the decisions on my artifacts and comments,
my access requests, and the content preference (on the account when signed in, in
the browser otherwise). What changed since I last opened the tab is marked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import gradio as gr

from safeguards.i18n import tr
from safeguards.records import ModerationAction, Suspension
from safeguards.service import Notice, ReportStory
from safeguards.state import APPEALABLE_ACTIONS, REVERSAL_ACTIONS
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
    sign_in_hint,
)
from safeguards.ui.texts import access_status_key, artifact_url, decision_note_text, link_md, when

SEEN_KEY = "openness-safeguards-activity-seen"  # when each user last opened the tab
SEEN_SECRET = "openness-safeguards-activity-seen-v1"  # a convenience, not a secret
EXCERPT = 200  # characters of the owner's answer shown


def build(ctx: UiContext, tab: gr.Tab) -> tuple[Any, list[Any], list[Any]]:
    """Lay out the tab inside `tab` and wire it; return the load wiring for the page."""
    service = ctx.service
    browser_pref = ctx.browser_pref
    seen_store = gr.BrowserState("{}", storage_key=SEEN_KEY, secret=SEEN_SECRET)
    refresh = gr.Button(I18N("activity.refresh"), size="sm", elem_id="activity-refresh")
    intro = gr.Markdown(elem_id="activity-intro")
    gr.Markdown(f"### {I18N('activity.reports')}")
    reports = gr.Markdown(elem_id="my-reports")
    gr.Markdown(f"### {I18N('activity.notices')}")
    notices = gr.Markdown(elem_id="my-notices")
    with gr.Accordion(I18N("appeal.title"), open=False, visible=False) as appeal_box:
        gr.Markdown(I18N("appeal.help"))
        appeal_pick = gr.Dropdown(
            choices=[], value=None, label=I18N("appeal.pick"), elem_id="appeal-action"
        )
        statement = gr.Textbox(
            label=I18N("appeal.statement"),
            lines=4,
            max_length=LIMITS["statement"],
            elem_id="appeal-statement",
        )
        appeal_button = gr.Button(I18N("appeal.submit"), variant="primary", elem_id="appeal-submit")
    gr.Markdown(f"### {I18N('activity.access')}")
    requests = gr.Markdown(elem_id="my-access")
    gr.Markdown(f"### {I18N('activity.preferences')}")
    preference = gr.Checkbox(label=I18N("warning.preference"), elem_id="pref-show-mature")
    message = gr.Markdown(elem_id="activity-message")

    def render(
        persona: str,
        pref: str,
        seen: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        none = f"*{tr('activity.none', language)}*"
        if not user.signed_in:
            prompt = f"**{tr('activity.sign_in', language)}** "
            prompt += sign_in_hint(service.settings, language)
            hidden = gr.update(visible=False)
            return [prompt, none, none, hidden, gr.update(), none, pref == SHOW_MATURE, ""]
        since = _seen_by(seen, user.username or "")
        stories = service.my_report_stories(user)
        found = service.my_notices(user)
        open_ones = [(notice_label(n, language), n.action.id) for n in found if n.can_appeal]
        return [
            suspension_text(service.my_suspension(user), language),
            reports_text(stories, since, language),
            notices_text(found, language),
            gr.update(visible=bool(open_ones)),
            gr.update(choices=open_ones, value=None),
            access_text(service.my_access_requests(user), language),
            service.show_mature_without_popup(user),
            "",
        ]

    outputs = [intro, reports, notices, appeal_box, appeal_pick, requests, preference, message]
    inputs = [ctx.persona, browser_pref, seen_store]

    def open_tab(
        persona: str,
        pref: str,
        seen: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        """Opening the tab shows what is new since the last time, then remembers now."""
        shown = render(persona, pref, seen, request, profile)
        user = current_user(service, persona, request, profile)
        return [*shown, _seen_now(seen, user.username) if user.signed_in else seen]

    @friendly_errors
    def save(
        value: bool, persona: str, request: gr.Request, profile: gr.OAuthProfile | None = None
    ) -> tuple[Any, str]:
        user = current_user(service, persona, request, profile)
        stored = SHOW_MATURE if value else POPUP
        if user.signed_in:
            service.set_preference(user, bool(value))
            return gr.update(), tr("activity.saved", lang(request))
        return stored, tr("activity.saved_browser", lang(request))

    @friendly_errors
    def send_appeal(
        action_id: str,
        text: str,
        persona: str,
        pref: str,
        seen: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        filed = service.appeal(user, action_id, text)
        notify(tr("appeal.done", language, id=filed.id), language)
        return [*render(persona, pref, seen, request, profile), ""]

    appeal_button.click(
        send_appeal,
        [appeal_pick, statement, *inputs],
        [*outputs, statement],
        api_visibility="private",
    )
    refresh.click(open_tab, inputs, [*outputs, seen_store], api_visibility="private")
    ctx.on_persona_switch(render, inputs, outputs)
    tab.select(open_tab, inputs, [*outputs, seen_store], api_visibility="private")
    preference.input(
        save, [preference, ctx.persona], [browser_pref, message], api_visibility="private"
    )
    return render, inputs, outputs


def _seen_by(seen: str, username: str) -> str:
    """When `username` last opened the tab in this browser ("" for never)."""
    try:
        found = json.loads(seen or "{}").get(username, "")
    except (ValueError, AttributeError):
        return ""
    return found if isinstance(found, str) else ""


def _seen_now(seen: str, username: str | None) -> str:
    try:
        table = json.loads(seen or "{}")
    except ValueError:
        table = {}
    if not isinstance(table, dict):
        table = {}
    table[username or ""] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(dict(list(table.items())[-20:]))  # a few personas, not a growing list


# -- text (user text escaped) -----------------------------------------------------------


def suspension_text(suspension: Suspension | None, language: str) -> str:
    """The notice of a suspension in force: until when, and the moderators' note."""
    if suspension is None:
        return ""
    if suspension.until is None:
        head = tr("activity.suspended_until_lifted", language)
    else:
        head = tr("activity.suspended", language, until=f"{when(suspension.until)} UTC")
    note = f"{tr('activity.suspension_note', language)} {escape_md(suspension.note)}"
    return f"> **{head}**  \n> {note}"


def reports_text(stories: list[ReportStory], since: str, language: str) -> str:
    if not stories:
        return f"*{tr('activity.no_reports', language)}*"
    return "\n\n---\n\n".join(story_text(s, since, language) for s in stories)


def story_text(story: ReportStory, since: str, language: str) -> str:
    r = story.report
    new = f" · **{tr('activity.new', language)}**" if story.last_change > since else ""
    head = (
        f"**{link_md(r.artifact_id, artifact_url(r.artifact_id, r.discussion_id))}** · "
        f"{tr(f'reason.{r.reason}', language)} · *{tr(f'status.{r.status.value}', language)}* · "
        f"{tr('activity.filed', language, date=when(r.ts))}{new}"
    )
    lines = [head]
    if story.owner_answer is not None:
        text = story.owner_answer.text
        excerpt = text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + " …"
        lines.append(
            f"{tr('activity.owner_answered', language, date=when(story.owner_answer.ts))} "
            f"{escape_md(excerpt)}"
        )
    else:
        lines.append(f"*{tr('activity.no_answer', language)}*")
    if story.decisions:
        lines.append(
            f"{tr('activity.decisions', language)} "
            + " · ".join(decision_text(d, language) for d in story.decisions)
        )
    lines.append(
        link_md(tr("activity.open_thread", language), artifact_url(r.artifact_id, r.discussion_id))
    )
    return "  \n".join(lines)


def decision_text(action: ModerationAction, language: str) -> str:
    """'Downgraded on 2026-11-30 (“note”)', a reversal as 'undone on …'."""
    key = "activity.undone" if action.action in REVERSAL_ACTIONS else "activity.decided"
    return tr(
        key,
        language,
        action=tr(f"modaction.{action.action}", language),
        date=when(action.ts)[:10],
        note=escape_md(action.note),
    )


def notices_text(notices: list[Notice], language: str) -> str:
    """Decision notices for owners and comment authors: what was done, why, under which
    guideline, and the appeal (its outcome, or until when one can be filed)."""
    if not notices:
        return f"*{tr('activity.no_notices', language)}*"
    return "\n\n---\n\n".join(notice_text(n, language) for n in notices)


def notice_text(notice: Notice, language: str) -> str:
    action = notice.action
    where = link_md(action.artifact_id, artifact_url(action.artifact_id, action.discussion_id))
    lines = [
        f"**{tr(f'modaction.{action.action}', language)}** · {where} · {when(action.ts)}",
        f"{tr('activity.why', language)} {escape_md(action.note)}",
    ]
    if notice.reasons:
        reasons = ", ".join(tr(f"reason.{r}", language) for r in notice.reasons)
        lines.append(f"{tr('notice.guideline', language)} {reasons}")
    elif action.action not in REVERSAL_ACTIONS:
        lines.append(f"*{tr('notice.no_guideline', language)}*")
    if action.reason:
        prefix = "hide" if action.action == "hide_comment" else "lock"
        reason = tr(f"{prefix}.{action.reason}", language)
        lines.append(
            tr(
                "discuss.hidden_as" if prefix == "hide" else "discuss.locked_as",
                language,
                reason=reason,
            )
        )
    if action.policy:
        lines.append(f"*{tr('notice.policy', language, version=action.policy)}*")
    appeal = notice.appeal
    if appeal is not None:
        status = tr(f"appeal.{appeal.status.value}", language)
        lines.append(tr("notice.appealed", language, date=when(appeal.ts)[:10], status=status))
        if appeal.decision_note:
            answer = escape_md(appeal.decision_note)
            lines.append(f"{tr('notice.appeal_note', language)} {answer}")
    elif notice.can_appeal:
        lines.append(f"*{tr('notice.can_appeal', language, date=notice.deadline)}*")
    elif action.action in APPEALABLE_ACTIONS:
        lines.append(f"*{tr('notice.closed', language, date=notice.deadline)}*")
    return "  \n".join(lines)


def notice_label(notice: Notice, language: str) -> str:
    """The appeal picker's label: plain text (a dropdown shows no markup)."""
    action = notice.action
    return (
        f"{tr(f'modaction.{action.action}', language)} · {action.artifact_id} · "
        f"{when(action.ts)[:10]}"
    )


def access_text(requests: list[Any], language: str) -> str:
    if not requests:
        return f"*{tr('activity.no_access', language)}*"
    return "\n".join(
        f"- {link_md(r.artifact_id, artifact_url(r.artifact_id))} · "
        f"*{tr(access_status_key(r), language)}* · "
        f"{tr('activity.filed', language, date=when(r.ts))}"
        f"{decision_note_text(r.decision_note, language)}"
        for r in requests
    )
