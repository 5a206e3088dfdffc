"""My activity tab: the reporter's view of their reports, access requests, and the
content preference (on the account when signed in, in the browser otherwise)."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from safeguards.i18n import tr
from safeguards.ui.common import (
    I18N,
    POPUP,
    SHOW_MATURE,
    UiContext,
    current_user,
    friendly_errors,
    lang,
)


def build(ctx: UiContext) -> tuple:
    service = ctx.service
    browser_pref = ctx.browser_pref
    refresh = gr.Button(I18N("activity.refresh"), size="sm", elem_id="activity-refresh")
    gr.Markdown(f"### {I18N('activity.reports')}")
    reports = gr.Dataframe(interactive=False, wrap=True, elem_id="my-reports")
    gr.Markdown(f"### {I18N('activity.access')}")
    requests = gr.Dataframe(interactive=False, wrap=True, elem_id="my-access")
    gr.Markdown(f"### {I18N('activity.preferences')}")
    preference = gr.Checkbox(label=I18N("warning.preference"), elem_id="pref-show-mature")
    message = gr.Markdown(elem_id="activity-message")

    def load(persona: str, pref: str, request: gr.Request, profile: gr.OAuthProfile | None = None):
        user = current_user(service, persona, request, profile)
        language = lang(request)
        if not user.signed_in:
            empty = pd.DataFrame()
            return empty, empty, pref == SHOW_MATURE, tr("activity.sign_in", language)
        mine = service.my_reports(user)
        report_rows = pd.DataFrame(
            [
                {
                    tr("col.report", language): r.id,
                    tr("col.artifact", language): r.artifact_id,
                    tr("col.reason", language): tr(f"reason.{r.reason}", language),
                    tr("col.status", language): tr(f"status.{r.status.value}", language),
                    tr("col.outcome", language): r.resolution_note or "",
                    tr("col.filed", language): r.ts[:16].replace("T", " "),
                }
                for r in mine
            ]
        )
        access_rows = pd.DataFrame(
            [
                {
                    tr("col.artifact", language): r.artifact_id,
                    tr("col.status", language): tr(f"status.{r.status.value}", language),
                    tr("col.filed", language): r.ts[:16].replace("T", " "),
                }
                for r in service.my_access_requests(user)
            ]
        )
        note = "" if mine or len(access_rows) else tr("activity.none", language)
        return report_rows, access_rows, service.show_mature_without_popup(user), note

    @friendly_errors
    def save(
        value: bool, persona: str, request: gr.Request, profile: gr.OAuthProfile | None = None
    ):
        user = current_user(service, persona, request, profile)
        stored = SHOW_MATURE if value else POPUP
        if user.signed_in:
            service.set_preference(user, bool(value))
            return gr.update(), tr("activity.saved", lang(request))
        return stored, tr("activity.saved_browser", lang(request))

    outputs = [reports, requests, preference, message]
    refresh.click(load, [ctx.persona, browser_pref], outputs, api_visibility="private")
    ctx.persona.change(load, [ctx.persona, browser_pref], outputs, api_visibility="private")
    preference.input(
        save, [preference, ctx.persona], [browser_pref, message], api_visibility="private"
    )
    return load, [ctx.persona, browser_pref], outputs
