"""What every tab shares: who is calling, in which language, and how text is shown safely."""

from __future__ import annotations

import html
import logging
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import gradio as gr

from safeguards.config import DEMO_PERSONAS, Settings
from safeguards.errors import SafeguardsError
from safeguards.i18n import TRANSLATIONS, language_of, tr
from safeguards.permissions import User
from safeguards.service import Safeguards

log = logging.getLogger(__name__)
I18N = gr.I18n(**TRANSLATIONS)
# The visitor's content preference, kept in the browser. Gradio's BrowserState does not
# store falsy values, so both settings are non-empty strings.
SHOW_MATURE, POPUP = "show", "popup"
PREFERENCE_KEY = "openness-safeguards-show-mature"
PREFERENCE_SECRET = "openness-safeguards-preference-v1"  # a preference, not a secret
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark


@dataclass
class UiContext:
    """Handles the tabs need from each other."""

    service: Safeguards
    persona: gr.State | gr.Dropdown
    tabs: gr.Tabs
    artifact_id: gr.Textbox  # the artifact tab's id box: Browse fills it to open a page
    browser_pref: gr.BrowserState  # SHOW_MATURE or POPUP, for visitors
    location: gr.Textbox  # the address the page shows (`?artifact=…`): see router.py

    def on_persona_switch(self, fn: Callable[..., Any], inputs: Any, outputs: Any) -> None:
        """Run `fn` when a person picks another demo persona (not when the page restores
        the one this browser kept: the load chain renders that). No picker, no event."""
        if isinstance(self.persona, gr.Dropdown):
            self.persona.input(fn, inputs, outputs, api_visibility="private")


def current_user(
    service: Safeguards,
    persona: str | None,
    request: gr.Request | None,
    profile: gr.OAuthProfile | None = None,
) -> User:
    """The caller, as the server knows it. Never taken from an argument the client sets,
    except the demo persona, which exists only in demo mode."""
    settings = service.settings
    if settings.demo:
        return service.user(DEMO_PERSONAS.get(persona or "visitor"))
    if settings.oauth:
        return service.user(profile.username if profile is not None else None)
    if settings.accounts_file is not None:
        return service.user(getattr(request, "username", None))
    return service.user(None)


def sign_in_hint(settings: Settings, language: str) -> str:
    """How a visitor signs in here: the persona picker (demo), the Hub's sign-in button
    (a Space with OAuth), or an account from whoever runs the app."""
    if settings.demo:
        return tr("signin.how_demo", language)
    if settings.oauth:
        return tr("signin.how_oauth", language)
    return tr("signin.how_local", language)


def new_browser_preference() -> gr.BrowserState:
    """Created outside the tabs so it is read from localStorage when the page loads."""
    return gr.BrowserState(POPUP, storage_key=PREFERENCE_KEY, secret=PREFERENCE_SECRET)


def lang(request: gr.Request | None) -> str:
    headers = getattr(request, "headers", None) or {}
    return language_of(headers.get("accept-language"))


def escape_md(text: str) -> str:
    """User text shown literally in gr.Markdown: no HTML, no links, no formatting.

    CommonMark lets any ASCII punctuation be backslash-escaped, which makes it a literal
    character; `<` and `&` then reach the page as text, escaped by the renderer."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def table_md(
    columns: Iterable[object],
    rows: Iterable[Iterable[object]],
    *,
    markdown: frozenset[int] = frozenset(),
) -> str:
    """A few rows of figures as a Markdown table, every header and cell shown literally
    except in the `markdown` columns (by index), whose cells are Markdown built by the
    project (`link_md`). The browser lays it out: names wrap in their column and numbers
    stay whole, which a data grid of fixed column widths does not do on a phone."""

    def cell(index: int, value: object) -> str:
        text = str(value).replace("\n", " ")
        return text if index in markdown else escape_md(text)

    def line(cells: Iterable[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    head = [escape_md(str(c)) for c in columns]
    body = [line(cell(i, c) for i, c in enumerate(row)) for row in rows]
    return "\n".join([line(head), "|" + "---|" * len(head), *body])


def code_md(text: str) -> str:
    """Short user or catalog text (tags, licenses) as inline code; backticks cannot escape."""
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def quote_md(text: str) -> str:
    """User text as a markdown block quote, still literal."""
    return "\n".join("> " + line if line else ">" for line in escape_md(text).split("  \n"))


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """For the page's handlers: a refusal is one toast in the reader's language and
    nothing else. The handler's outputs are skipped (`gr.skip()`), so no component
    enters Gradio's error state and whatever the user typed stays where it was.
    Unexpected errors are logged and told the same way, without their details."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SafeguardsError as exc:
            language = lang(_request_in(args, kwargs))
            warn(exc.text(language), language)
        except Exception:
            log.exception("handler %s failed", getattr(fn, "__name__", fn))
            language = lang(_request_in(args, kwargs))
            warn(tr("err.internal", language), language)
        return gr.skip()

    wrapper.__annotations__ = resolved_annotations(fn)
    return wrapper


def api_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """For the named API endpoints: a refusal is an error the caller receives (in the
    language of its Accept-Language header), never a silent empty answer."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SafeguardsError as exc:
            message = exc.text(lang(_request_in(args, kwargs)))
            raise gr.Error(message, print_exception=False) from None

    wrapper.__annotations__ = resolved_annotations(fn)
    return wrapper


def notify(message: str, language: str) -> None:
    """A success toast with a title in the reader's language."""
    gr.Info(toast_text(message), title=tr("toast.info", language))


def warn(message: str, language: str) -> None:
    """A refusal toast with a title in the reader's language."""
    gr.Warning(toast_text(message), title=tr("toast.warning", language))


def toast_text(message: str) -> str:
    """A toast's message as literal text: Gradio renders it as (sanitised) HTML, and
    messages quote user text (usernames, ids, a moderator's note), so an `<img>` in a
    name would otherwise load, and `<b>` would show as bold."""
    return html.escape(message, quote=False)


def _request_in(args: tuple[Any, ...], kwargs: dict[str, Any]) -> gr.Request | None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, gr.Request):
            return value
    return None


def resolved_annotations(fn: Callable[..., Any]) -> dict[str, Any]:
    """`fn`'s annotations as objects. Gradio reads a handler's type hints on every call
    (to inject gr.Request and gr.OAuthProfile); as strings (`from __future__ import
    annotations`) each call would evaluate them again: ~0.4 ms of the report path."""
    try:
        return typing.get_type_hints(fn)
    except (NameError, TypeError):  # a name only defined later: keep the strings
        return dict(fn.__annotations__)


def t(key: str, request: gr.Request | None, **values: object) -> str:
    return tr(key, lang(request), **values)
