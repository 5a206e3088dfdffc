"""One mechanism for the page's addresses (see `routes.py` for the forms).

- Reading: on page load and on Back/Forward, the hidden `#route-go` button runs `route`
  with the browser's `location.search`; it opens the view the address names. In-app
  links are pushed by page.js and read the same way.
- Writing: each view-changing handler sets the hidden `#location` box to its view's
  address; its change event pushes that address (history API), unless the browser
  already shows it (the router itself writes back exactly what it read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from safeguards.ui.browse import browse_values
from safeguards.ui.common import UiContext, current_user, lang
from safeguards.ui.routes import TAB_VIEWS, Route, address, parse_route

# The browser's address as the router's first input (the other inputs pass through).
READ_ADDRESS = "(...inputs) => [location.search, ...inputs.slice(1)]"
# Push the view's address unless the browser shows it already.
PUSH_ADDRESS = (
    "(address) => { const want = address || ''; if (want !== location.search) "
    "history.pushState(null, '', want || location.pathname); }"
)


def build_controls() -> tuple[gr.Textbox, gr.Button, gr.Button]:
    """The hidden address box and the buttons page.js clicks to route: `#route-artifact`
    for an artifact's address (its event updates the artifact view only, which is what
    makes opening one quick), `#route-go` for every other."""
    location = gr.Textbox(
        elem_id="location", elem_classes="sg-hidden", show_label=False, max_length=2048
    )
    go = gr.Button("route", elem_id="route-go", elem_classes="sg-hidden")
    go_artifact = gr.Button("route", elem_id="route-artifact", elem_classes="sg-hidden")
    return location, go, go_artifact


def wire(
    ctx: UiContext,
    go: gr.Button,
    go_artifact: gr.Button,
    *,
    open_artifact: Callable[..., dict[Any, Any]],
    artifact_inputs: list[Any],
    artifact_outputs: list[Any],
    discussion_box: gr.Textbox,
    open_moderation: Callable[..., dict[Any, Any]] | None,
    moderation_outputs: list[Any],
    tabs: dict[str, gr.Tab],
    artifact_tab: gr.Tab,
    browse_controls: list[Any],
    browse_refresh: tuple[Callable[..., Any], list[Any], list[Any]],
) -> Router:
    """Wire `#route-go`, the address box and the tabs' addresses."""
    service = ctx.service
    location = ctx.location
    location.change(None, location, None, js=PUSH_ADDRESS, api_visibility="private")

    def route(
        search: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        community_filter: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[Any, Any]:
        wanted = parse_route(search)
        updates: dict[Any, Any] = {}
        if wanted.view == "artifact":
            updates = open_artifact(
                wanted.artifact_id,
                persona,
                browser_pref,
                "",
                community_filter,
                wanted.discussion_id,
                request,
                profile,
            )
            updates[ctx.artifact_id] = wanted.artifact_id
            updates[ctx.tabs] = gr.Tabs(selected="artifact")
            if wanted.discussion_id:
                updates[discussion_box] = wanted.discussion_id
        elif wanted.view == "moderate":
            user = current_user(service, persona, request, profile)
            if user.is_moderator and open_moderation is not None:
                updates = open_moderation(wanted.artifact_id, user, lang(request))
                updates[ctx.tabs] = gr.Tabs(selected="moderation")
            else:  # not a moderator: the normal page, nothing said about the item
                updates[ctx.tabs] = gr.Tabs(selected="browse")
                search = ""
        elif wanted.view in TAB_VIEWS:
            updates[ctx.tabs] = gr.Tabs(selected=wanted.view)
        else:  # Browse, its controls as the address says (defaults for the plain page)
            updates[ctx.tabs] = gr.Tabs(selected="browse")
            updates.update(zip(browse_controls, browse_values(wanted), strict=True))
        updates[location] = search if isinstance(search, str) else ""
        return updates

    route_outputs = _unique(
        [
            ctx.tabs,
            ctx.artifact_id,
            location,
            *artifact_outputs,
            *moderation_outputs,
            *browse_controls,
        ]
    )
    route_inputs = [location, *artifact_inputs[1:5]]  # persona, pref, revealed, filter
    refresh, refresh_inputs, refresh_outputs = browse_refresh
    go.click(
        route,
        route_inputs,
        route_outputs,
        js=READ_ADDRESS,
        api_visibility="private",
        show_progress="hidden",
    ).then(  # Back to a Browse view: its results, once its controls are set
        refresh,
        [location, *refresh_inputs],
        refresh_outputs,
        api_visibility="private",
        show_progress="hidden",
    )

    artifact_route_outputs = _unique(
        [ctx.tabs, ctx.artifact_id, location, discussion_box, *artifact_outputs]
    )

    def route_artifact(
        search: str,
        persona: str,
        browser_pref: str,
        revealed: str,
        community_filter: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> dict[Any, Any]:
        """`route` for an artifact's address (page.js sends only those here)."""
        if parse_route(search).view != "artifact":
            return {location: gr.skip()}
        return route(search, persona, browser_pref, revealed, community_filter, request, profile)

    go_artifact.click(
        route_artifact,
        route_inputs,
        artifact_route_outputs,
        js=READ_ADDRESS,
        api_visibility="private",
        show_progress="hidden",
    )

    for view, tab in tabs.items():
        tab.select(_tab_address(view), None, location, api_visibility="private", queue=False)
    artifact_tab.select(
        _artifact_address, [ctx.artifact_id, discussion_box], location, api_visibility="private"
    )
    return Router(route, route_inputs, route_outputs)


@dataclass
class Router:
    """`route` and its wiring, for the page's load chain (`js=READ_ADDRESS`)."""

    route: Callable[..., dict[Any, Any]]
    inputs: list[Any]
    outputs: list[Any]


def _tab_address(view: str) -> Callable[[], str]:
    def current() -> str:
        return address(Route(view))

    return current


def _artifact_address(artifact_id: str, discussion_id: str) -> str:
    """The Artifact tab's address: the open artifact's (nothing open: no change)."""
    if not isinstance(artifact_id, str) or not artifact_id.strip():
        return gr.skip()
    discussion = discussion_id.strip() if isinstance(discussion_id, str) else ""
    return address(Route("artifact", artifact_id.strip(), discussion))


def _unique(components: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for component in components:
        if all(component is not s for s in seen):
            seen.append(component)
    return seen
