"""The Gradio UI: one module per tab, assembled here. The only package importing gradio."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from safeguards.config import DEMO_PERSONAS, read_accounts
from safeguards.i18n import LANGUAGES, tr
from safeguards.service import Safeguards
from safeguards.signin import SignInThrottle, password_check
from safeguards.ui import (
    activity,
    api,
    artifact,
    browse,
    moderation,
    research,
    router,
    serving,
    transparency,
)
from safeguards.ui.common import I18N, UiContext, lang, new_browser_preference

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


def page_theme() -> gr.themes.Base:
    """Gradio's default theme with its fonts' semi-bold (600) faces left out: the
    semi-bold files Gradio ships hold only three ASCII letters ("A", "B" and one sign),
    so every semi-bold label and heading mixed them with a fallback font. Semi-bold
    text now takes the complete bold (700) face."""
    return gr.themes.Default(
        font=(
            gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)),
            "ui-sans-serif",
            "system-ui",
            "sans-serif",
        ),
        font_mono=(
            gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)),
            "ui-monospace",
            "Consolas",
            "monospace",
        ),
    )


# The demo persona this browser chose, kept across reloads in localStorage (a preference,
# not a secret: the server accepts only persona names, and only in demo mode).
PERSONA_KEY = "openness-safeguards-persona"
READ_PERSONA = (
    f"() => {{ const p = localStorage.getItem({PERSONA_KEY!r}); "
    f"return {list(DEMO_PERSONAS)!r}.includes(p) ? p : 'visitor'; }}"
)
# The "Try this" panel's state in this browser (BrowserState keeps no falsy value).
GUIDE_KEY = "openness-safeguards-guide"
GUIDE_SECRET = "openness-safeguards-guide-v1"  # a preference, not a secret
GUIDE_OPEN, GUIDE_CLOSED = "open", "closed"
KEEP_PERSONA = f"(p) => {{ localStorage.setItem({PERSONA_KEY!r}, p); }}"


def build_app(service: Safeguards) -> gr.Blocks:
    serving.install_lazy_sessions()
    settings = service.settings
    with gr.Blocks(
        title="Openness Safeguards", fill_width=True, delete_cache=serving.CACHE_CLEANUP
    ) as demo:
        with gr.Row(elem_id="app-header", equal_height=True):
            gr.Markdown(I18N("app.title"), elem_id="app-title")
            if settings.oauth and not settings.demo:
                gr.LoginButton(elem_id="login", scale=0)
        gr.Markdown(I18N("app.tagline"), elem_id="app-tagline")
        if settings.moderators_defaulted and not settings.demo:
            gr.Markdown(I18N("app.moderators_notice"), elem_id="moderators-notice")
        persona = _identity_row(settings.demo, settings.oauth)
        guide = _try_this_guide(persona) if settings.demo else None
        location, route_go, route_artifact = router.build_controls()
        artifact_id = gr.Textbox(
            label=I18N("browse.open_id"), render=False, elem_id="artifact-id", max_length=200
        )
        browser_pref = new_browser_preference()
        with gr.Tabs() as tabs:
            ctx = UiContext(service, persona, tabs, artifact_id, browser_pref, location)
            with gr.Tab(I18N("tab.browse"), id="browse") as browse_tab:
                browse_ui = browse.build(ctx)
            with gr.Tab(I18N("tab.artifact"), id="artifact") as artifact_tab:
                page = artifact.build(ctx)
            with gr.Tab(I18N("tab.activity"), id="activity") as activity_tab:
                load_activity, activity_inputs, activity_outputs = activity.build(ctx, activity_tab)
            with gr.Tab(I18N("tab.moderation"), id="moderation", visible=False) as moderation_tab:
                moderation_ui = moderation.build(ctx, moderation_tab)
            with gr.Tab(I18N("tab.research"), id="research") as research_tab:
                research.build(ctx, research_tab)
            with gr.Tab(I18N("tab.transparency"), id="transparency") as transparency_tab:
                transparency.build(ctx, transparency_tab)
        # A result card is a `?artifact=` link: page.js pushes it and the router opens it.
        routes = router.wire(
            ctx,
            route_go,
            route_artifact,
            open_artifact=page.open,
            artifact_inputs=page.inputs,
            artifact_outputs=page.outputs,
            discussion_box=page.discussion_box,
            open_moderation=moderation_ui.open_for_router,
            moderation_outputs=moderation_ui.router_outputs,
            tabs={
                "activity": activity_tab,
                "research": research_tab,
                "transparency": transparency_tab,
                "moderate": moderation_tab,
            },
            artifact_tab=artifact_tab,
            browse_controls=browse_ui.addressed,
            browse_refresh=(browse_ui.show_for_address, browse_ui.inputs, browse_ui.outputs),
        )
        browse_tab.select(  # Browse's address is its filters and page, not just the tab
            browse.browse_address, browse_ui.addressed, location, api_visibility="private"
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
        if guide is not None:
            start = start.then(guide.show, guide.inputs, guide.outputs, **private)
        (
            start.then(
                routes.route, routes.inputs, routes.outputs, js=router.READ_ADDRESS, **private
            )
            .then(browse_ui.show, browse_ui.inputs, browse_ui.outputs, **private)
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


@dataclass
class Guide:
    """The demo's "Try this" panel: what `show` needs and updates."""

    show: Callable[..., Any]
    inputs: list[Any]
    outputs: list[Any]


def _try_this_guide(persona: Any) -> Guide:
    """A short list of things to try as the chosen persona, in the reader's language.
    Once closed it stays closed in this browser (a preference kept in localStorage)."""
    closed = gr.BrowserState(GUIDE_OPEN, storage_key=GUIDE_KEY, secret=GUIDE_SECRET)
    with gr.Accordion(I18N("guide.title"), open=True, elem_id="try-this") as panel:
        steps = gr.Markdown(elem_id="try-this-steps")
    quick = {"api_visibility": "private", "queue": False}
    panel.collapse(lambda: GUIDE_CLOSED, None, closed, **quick)
    panel.expand(lambda: GUIDE_OPEN, None, closed, **quick)

    def show(chosen: str | None, remembered: str | None, request: gr.Request) -> list[Any]:
        key = f"guide.{chosen if chosen in DEMO_PERSONAS else 'visitor'}"
        return [gr.Accordion(open=remembered != GUIDE_CLOSED), tr(key, lang(request))]

    def steps_for(chosen: str | None, request: gr.Request) -> str:
        return show(chosen, None, request)[1]

    persona.input(steps_for, persona, steps, api_visibility="private")
    return Guide(show=show, inputs=[persona, closed], outputs=[panel, steps])


def _restore_persona(stored: str | None) -> str:
    """The persona this browser chose last time (anything else: the visitor)."""
    return stored if stored in DEMO_PERSONAS else "visitor"


def launch_options(service: Safeguards) -> dict[str, Any]:
    """Arguments of `launch()` (Gradio 6 takes theme, css and i18n there)."""
    settings = service.settings
    options: dict[str, Any] = {
        "server_name": settings.server_name,
        "server_port": settings.server_port,
        "i18n": I18N,
        "css": CSS,
        "theme": page_theme(),
        "js": JS,
        "run_history": False,  # report and moderation data stay out of localStorage
        "show_error": False,  # only our own gr.Error sentences reach callers
        "footer_links": ["api", "gradio"],
        **serving.upload_guard(),
    }
    if settings.accounts_file is not None and not settings.oauth:
        accounts = read_accounts(settings.accounts_file)
        options["auth"] = password_check(accounts)
        options["auth_message"] = "Openness Safeguards: sign in with your account."
        options.update(serving.upload_guard(throttle=SignInThrottle()))
    return options
