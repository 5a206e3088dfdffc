"""The Gradio UI: one module per tab, assembled here. The only package importing gradio."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from safeguards.config import DEMO_PERSONAS, read_accounts
from safeguards.service import Safeguards
from safeguards.ui import activity, api, artifact, browse, moderation, research, serving
from safeguards.ui.common import I18N, UiContext, new_browser_preference

CSS = (Path(__file__).parent / "style.css").read_text(encoding="utf-8")


def build_app(service: Safeguards) -> gr.Blocks:
    serving.install_lazy_sessions()
    settings = service.settings
    with gr.Blocks(title="Openness Safeguards", fill_width=True) as demo:
        gr.Markdown(I18N("app.title"), elem_id="app-title")
        gr.Markdown(I18N("app.tagline"))
        with gr.Row():
            if settings.demo:
                banner = "demo.banner_space" if settings.oauth else "demo.banner"
                gr.Markdown(I18N(banner), elem_id="demo-banner")
                persona = gr.Dropdown(
                    choices=[(I18N(f"persona.{p}"), p) for p in DEMO_PERSONAS],
                    value="visitor",
                    label=I18N("demo.persona"),
                    elem_id="persona",
                    scale=0,
                    min_width=260,
                )
            else:
                persona = gr.State(None)
                if settings.oauth:
                    gr.LoginButton()
        loading = gr.Markdown(I18N("app.history_loading"), elem_id="history-loading", visible=False)
        history_timer = gr.Timer(2.0, active=False)
        artifact_id = gr.Textbox(
            label=I18N("browse.open_id"), render=False, elem_id="artifact-id", max_length=200
        )
        browser_pref = new_browser_preference()
        with gr.Tabs() as tabs:
            ctx = UiContext(service, persona, tabs, artifact_id, browser_pref)
            with gr.Tab(I18N("tab.browse"), id="browse"):
                results, browse_inputs, browse_outputs, show_results = browse.build(ctx)
            with gr.Tab(I18N("tab.artifact"), id="artifact"):
                open_artifact, artifact_inputs, artifact_outputs = artifact.build(ctx)
            with gr.Tab(I18N("tab.activity"), id="activity"):
                load_activity, activity_inputs, activity_outputs = activity.build(ctx)
            with gr.Tab(I18N("tab.moderation"), id="moderation", visible=False) as moderation_tab:
                moderation_ui = moderation.build(ctx, moderation_tab)
            with gr.Tab(I18N("tab.research"), id="research") as research_tab:
                research.build(ctx, research_tab)
        results.select(pick_row, None, [artifact_id, tabs], api_visibility="private").then(
            open_artifact, artifact_inputs, artifact_outputs, api_visibility="private"
        )
        demo.load(show_results, browse_inputs, browse_outputs, api_visibility="private")
        demo.load(load_activity, activity_inputs, activity_outputs, api_visibility="private")
        demo.load(
            moderation_ui.show,
            moderation_ui.show_inputs,
            moderation_ui.show_outputs,
            api_visibility="private",
        )
        notice = history_notice(service)
        for trigger in (demo.load, history_timer.tick):
            trigger(notice, None, [loading, history_timer], api_visibility="private")
        api.register(service)
        gr.Markdown(I18N("app.credit"))
    return demo


def history_notice(service: Safeguards) -> Callable[[], tuple[gr.Markdown, gr.Timer]]:
    """While the history loads after a restart (progressive start), say so, and check
    again every two seconds until it has loaded; never waits for it."""

    def notice() -> tuple[gr.Markdown, gr.Timer]:
        loading = not service.history_loaded
        return gr.Markdown(visible=loading), gr.Timer(active=loading)

    return notice


def pick_row(event: gr.SelectData) -> tuple[str, gr.Tabs]:
    """A click anywhere in a result row opens that artifact (the id is the first column)."""
    row = event.row_value or []
    return (str(row[0]) if row else ""), gr.Tabs(selected="artifact")


def launch_options(service: Safeguards) -> dict[str, Any]:
    """Arguments of `launch()` (Gradio 6 takes theme, css and i18n there)."""
    settings = service.settings
    options: dict[str, Any] = {
        "server_name": settings.server_name,
        "server_port": settings.server_port,
        "i18n": I18N,
        "css": CSS,
        "run_history": False,  # report and moderation data stay out of localStorage
        "show_error": False,  # only our own gr.Error sentences reach callers
        "footer_links": ["api", "gradio"],
    }
    if settings.accounts_file is not None and not settings.oauth:
        accounts = read_accounts(settings.accounts_file)
        options["auth"] = lambda username, password: accounts.get(username) == password
        options["auth_message"] = "Openness Safeguards: sign in with your account."
    return options
