"""The Gradio UI: one module per tab, assembled here. The only package importing gradio."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gradio as gr

from safeguards.config import DEMO_PERSONAS, read_accounts
from safeguards.i18n import LANGUAGES, tr
from safeguards.service import Safeguards
from safeguards.ui import (
    activity,
    api,
    artifact,
    browse,
    moderation,
    research,
    router,
    serving,
)
from safeguards.ui.common import I18N, UiContext, new_browser_preference

HERE = Path(__file__).parent
CSS = (HERE / "style.css").read_text(encoding="utf-8")
TOAST_TYPES = ("info", "warning", "error", "success", "close")
JS = (
    (HERE / "page.js")
    .read_text(encoding="utf-8")
    .replace(
        "__TOAST_TITLES__",
        json.dumps({lng: {t: tr(f"toast.{t}", lng) for t in TOAST_TYPES} for lng in LANGUAGES}),
    )
)
# The demo persona this browser chose, kept across reloads in localStorage (a preference,
# not a secret: the server accepts only persona names, and only in demo mode).
PERSONA_KEY = "openness-safeguards-persona"
READ_PERSONA = (
    f"() => {{ const p = localStorage.getItem({PERSONA_KEY!r}); "
    f"return {list(DEMO_PERSONAS)!r}.includes(p) ? p : 'visitor'; }}"
)
KEEP_PERSONA = f"(p) => {{ localStorage.setItem({PERSONA_KEY!r}, p); }}"


def build_app(service: Safeguards) -> gr.Blocks:
    serving.install_lazy_sessions()
    settings = service.settings
    with gr.Blocks(title="Openness Safeguards", fill_width=True) as demo:
        with gr.Row(elem_id="app-header", equal_height=True):
            gr.Markdown(I18N("app.title"), elem_id="app-title")
            if settings.oauth and not settings.demo:
                gr.LoginButton(elem_id="login", scale=0)
        gr.Markdown(I18N("app.tagline"), elem_id="app-tagline")
        persona = _identity_row(settings.demo, settings.oauth)
        location, route_go = router.build_controls()
        artifact_id = gr.Textbox(
            label=I18N("browse.open_id"), render=False, elem_id="artifact-id", max_length=200
        )
        browser_pref = new_browser_preference()
        with gr.Tabs() as tabs:
            ctx = UiContext(service, persona, tabs, artifact_id, browser_pref, location)
            with gr.Tab(I18N("tab.browse"), id="browse") as browse_tab:
                results, browse_inputs, browse_outputs, show_results = browse.build(ctx)
            with gr.Tab(I18N("tab.artifact"), id="artifact") as artifact_tab:
                page = artifact.build(ctx)
            with gr.Tab(I18N("tab.activity"), id="activity") as activity_tab:
                load_activity, activity_inputs, activity_outputs = activity.build(ctx, activity_tab)
            with gr.Tab(I18N("tab.moderation"), id="moderation", visible=False) as moderation_tab:
                moderation_ui = moderation.build(ctx, moderation_tab)
            with gr.Tab(I18N("tab.research"), id="research") as research_tab:
                research.build(ctx, research_tab)
        results.select(pick_row, None, [artifact_id, tabs], api_visibility="private").then(
            page.open, page.inputs, page.outputs, api_visibility="private"
        )
        routes = router.wire(
            ctx,
            route_go,
            open_artifact=page.open,
            artifact_inputs=page.inputs,
            artifact_outputs=page.outputs,
            discussion_box=page.discussion_box,
            open_moderation=moderation_ui.open_for_router,
            moderation_outputs=moderation_ui.router_outputs,
            tabs={
                "browse": browse_tab,
                "activity": activity_tab,
                "research": research_tab,
                "moderate": moderation_tab,
            },
            artifact_tab=artifact_tab,
        )
        # The page load, in order: the persona kept in this browser (demo mode), then the
        # view the address names, then each tab's lists for that persona.
        private = {"api_visibility": "private"}
        if isinstance(persona, gr.Dropdown):
            # Read and written in the browser, synchronously: the page's first event
            # already has it, and a reload right after a switch keeps the new one.
            start = demo.load(_restore_persona, persona, persona, js=READ_PERSONA, **private)
        else:
            start = demo.load(lambda: None, None, None, **private)
        (
            start.then(
                routes.route, routes.inputs, routes.outputs, js=router.READ_ADDRESS, **private
            )
            .then(show_results, browse_inputs, browse_outputs, **private)
            .then(load_activity, activity_inputs, activity_outputs, **private)
            .then(
                moderation_ui.lists,
                moderation_ui.lists_inputs,
                moderation_ui.lists_outputs,
                **private,
            )
        )
        api.register(service)
        gr.Markdown(I18N("app.credit"), elem_id="app-credit")
    return demo


def _identity_row(demo: bool, oauth: bool) -> Any:
    """Demo mode: the banner and the persona picker (kept in this browser). Otherwise the
    persona is a constant None: identity comes from the sign-in."""
    if not demo:
        return gr.State(None)
    with gr.Row(elem_id="demo-row", equal_height=True):
        banner = "demo.banner_space" if oauth else "demo.banner"
        gr.Markdown(I18N(banner), elem_id="demo-banner")
        persona = gr.Dropdown(
            choices=[(I18N(f"persona.{p}"), p) for p in DEMO_PERSONAS],
            value="visitor",
            label=I18N("demo.persona"),
            elem_id="persona",
            scale=0,
            min_width=240,
        )
    # Wired first, so the browser keeps a new choice before the tabs' handlers run.
    persona.input(None, persona, None, js=KEEP_PERSONA, api_visibility="private")
    return persona


def _restore_persona(stored: str | None) -> str:
    """The persona this browser chose last time (anything else: the visitor)."""
    return stored if stored in DEMO_PERSONAS else "visitor"


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
        "js": JS,
        "run_history": False,  # report and moderation data stay out of localStorage
        "show_error": False,  # only our own gr.Error sentences reach callers
        "footer_links": ["api", "gradio"],
    }
    if settings.accounts_file is not None and not settings.oauth:
        accounts = read_accounts(settings.accounts_file)
        options["auth"] = lambda username, password: accounts.get(username) == password
        options["auth_message"] = "Openness Safeguards: sign in with your account."
    return options
