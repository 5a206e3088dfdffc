"""The page's addresses (the contract's links), read into a `Route` and written back.

`?artifact=<namespace/name>` opens an artifact, `&discussion=<id>` one of its threads,
`?moderate=<artifact>` a moderation item (moderators only; others get the normal page),
`?tab=activity|research|transparency` those tabs, and Browse's own parameters (`category`, `q`,
`kind`, `sort`, `page`) a Browse view. Pure functions: the router in `router.py` wires
them to the page; nothing here is trusted beyond its shape (the handlers check rights)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode

MAX_QUERY = 2048  # characters of the address's query read at all
MAX_VALUE = 200  # characters of each value kept
VIEWS = ("browse", "artifact", "moderate", "activity", "research", "transparency")
TAB_VIEWS = ("activity", "research", "transparency")
BROWSE_KEYS = ("category", "q", "kind", "sort", "page")


@dataclass(frozen=True)
class Route:
    view: str = "browse"
    artifact_id: str = ""
    discussion_id: str = ""
    browse: dict[str, str] = field(default_factory=dict)  # Browse's own parameters


def parse_route(search: object) -> Route:
    """The view an address asks for. Anything malformed, too long or unknown is
    dropped, never an error: a bad link shows the normal page."""
    if not isinstance(search, str):
        return Route()
    query = search[:MAX_QUERY].lstrip("?")
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=False):
        if key not in params and len(key) <= 20:
            params[key] = "".join(c for c in value[:MAX_VALUE] if c.isprintable()).strip()
    if params.get("artifact"):
        return Route("artifact", params["artifact"], params.get("discussion", ""))
    if params.get("moderate"):
        return Route("moderate", params["moderate"])
    if params.get("tab") in (*TAB_VIEWS, "moderate"):
        return Route(params["tab"])
    browse = {k: params[k] for k in BROWSE_KEYS if params.get(k)}
    return Route("browse", browse=browse)


def address(route: Route) -> str:
    """The query string for a route (empty for the plain Browse page)."""
    if route.view == "artifact":
        params = {"artifact": route.artifact_id}
        if route.discussion_id:
            params["discussion"] = route.discussion_id
    elif route.view == "moderate":
        params = {"moderate": route.artifact_id} if route.artifact_id else {"tab": "moderate"}
    elif route.view in TAB_VIEWS:
        params = {"tab": route.view}
    else:
        params = dict(route.browse)
    return "?" + urlencode(params, quote_via=quote, safe="/") if params else ""
