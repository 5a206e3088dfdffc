"""Gradio serving settings that keep the per-call cost flat under API load.

Two costs of Gradio 6.31 grow with traffic rather than with the work asked for (measured
with `bench/bench_load.py` and py-spy):

* A `SessionState` is made for every new `session_hash`, and a REST call without one
  (`POST /gradio_api/call/<name>`, what `curl` and most scripts send) gets a fresh hash
  each time. Its `__init__` eagerly builds the config of every block of the page (about
  230 here, ~380 KB) although only deep links ever read it back: two thirds of the
  server's CPU time on the report path, and memory kept per call. `install_lazy_sessions`
  keeps Gradio's behaviour but builds a block's config when Gradio first reads or updates
  it (from a per-block template: the same block gives the same config), and the whole
  set when a deep link asks for all of them. The patch checks the shape
  of the pinned Gradio's `SessionState` first; if it changed, it is not installed and a
  warning says so (the app still works, only slower under anonymous API load).
* After every finished event the queue rebuilds a pandas DataFrame of its last 10,000
  events for its API-page analytics (`GRADIO_ANALYTICS_CACHE_FREQUENCY`, default 1): a
  cost per call that grows with the calls already served. `configure_queue` recomputes
  it every `ANALYTICS_EVERY` events instead (an operator's own setting wins).
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import ItemsView, Iterable, Iterator, KeysView, ValuesView
from types import CodeType
from typing import Any

import gradio as gr
from gradio import state_holder
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safeguards.i18n import language_of, tr, trn
from safeguards.signin import SignInThrottle

log = logging.getLogger(__name__)

ANALYTICS_EVERY = 500  # events between two recomputations of the queue's analytics
DEFAULT_CONCURRENCY = 16  # events of one function run at once (the API sets its own)

MAX_UPLOAD = "1kb"  # Gradio's own cap, behind the refusal below: the page has no file input
CACHE_CLEANUP = (3600, 3600)  # every hour, remove this app's cached files older than an hour
UPLOAD_PATHS = ("/gradio_api/upload", "/upload")

_ORIGINAL_INIT = state_holder.SessionState.__init__


class RefuseUploads:
    """ASGI middleware: the page has no file input, so `POST /gradio_api/upload` would only
    let an anonymous caller fill the disk (Gradio stores whatever it is sent and answers
    with the server's temp path). Refused before a byte of the body is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.rstrip("/").endswith(UPLOAD_PATHS):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        language = language_of(headers.get(b"accept-language", b"").decode("latin-1"))
        await _answer(send, 403, tr("err.no_uploads", language))


MAX_LOGIN_BODY = 16_384  # a username and a password, with room to spare


class ThrottleSignIn:
    """ASGI middleware in front of Gradio's `POST /login`: after repeated failures for a
    username or from an address, refuse (429, a sentence saying how long to wait) before
    the password is even checked; count the outcome Gradio gives otherwise."""

    def __init__(self, app: ASGIApp, throttle: SignInThrottle) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and scope.get("path", "").rstrip("/").endswith("/login")
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        language = language_of(headers.get(b"accept-language", b"").decode("latin-1"))
        body = await _read_body(receive, MAX_LOGIN_BODY)
        if body is None:
            await _answer(send, 413, tr("err.signin_too_large", language))
            return
        username = await _form_username(scope, body)
        address = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.wait(username=username, address=address)
        if wait > 0:
            seconds = max(1, round(wait + 0.5))
            sentence = trn("err.signin_wait", seconds, language)
            await _answer(send, 429, sentence, retry_after=seconds)
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, _replay(body), watch)
        if status and status[0] == 200:
            self.throttle.succeeded(username=username, address=address)
        elif status and 400 <= status[0] < 500:
            self.throttle.failed(username=username, address=address)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None when it is longer than `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_username(scope: Scope, body: bytes) -> str:
    """The form's username as Gradio reads it (urlencoded or multipart), or ""."""
    try:
        form = await Request(scope, _replay(body)).form()
        return str(form.get("username") or "").strip()[:200]
    except Exception:  # a malformed form: Gradio refuses it; count it for the address
        return ""


async def _answer(send: Send, status: int, sentence: str, *, retry_after: int = 0) -> None:
    body = sentence.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def upload_guard(*, throttle: SignInThrottle | None = None) -> dict[str, Any]:
    """`launch()` arguments that refuse uploads and cap whatever would get past, and
    (accounts mode) throttle sign-in attempts."""
    middleware = [Middleware(RefuseUploads)]
    if throttle is not None:
        middleware.append(Middleware(ThrottleSignIn, throttle=throttle))
    return {"max_file_size": MAX_UPLOAD, "app_kwargs": {"middleware": middleware}}


class LazyBlockConfigs(dict):
    """`SessionState.config_values` that builds a block's config on first access."""

    def __init__(self, blocks_config: Any, block_ids: Iterable[int]) -> None:
        super().__init__()
        self._blocks_config = blocks_config
        self._pending = set(block_ids)

    def _build(self, key: int) -> dict:
        block = self._blocks_config.blocks[key]
        config = _config_from_template(self._blocks_config, key, block)
        super().__setitem__(key, config)
        return config

    def __missing__(self, key: int) -> dict:
        if key not in self._pending:
            raise KeyError(key)
        self._pending.discard(key)
        return self._build(key)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or key in self._pending

    def __setitem__(self, key: int, value: dict) -> None:
        self._pending.discard(key)
        super().__setitem__(key, value)

    def materialise(self) -> None:
        """Build every pending config (deep links serialise them all)."""
        for key in sorted(self._pending):
            if key in self._blocks_config.blocks:
                self._build(key)
        self._pending.clear()

    def items(self) -> ItemsView:
        self.materialise()
        return super().items()

    def keys(self) -> KeysView:
        self.materialise()
        return super().keys()

    def values(self) -> ValuesView:
        self.materialise()
        return super().values()

    def __iter__(self) -> Iterator[int]:
        self.materialise()
        return super().__iter__()

    def __len__(self) -> int:
        return super().__len__() + len(self._pending)


# A block's config depends only on the block and its id; sessions only ever replace a
# config or its props["value"], so each gets a copy of the top level and of props.
_TEMPLATES: weakref.WeakKeyDictionary[Any, tuple[int, dict]] = weakref.WeakKeyDictionary()


def _config_from_template(blocks_config: Any, key: int, block: Any) -> dict:
    cached = _TEMPLATES.get(block)
    if cached is None or cached[0] != key:
        cached = (key, blocks_config.config_for_block(key, [], block))
        _TEMPLATES[block] = cached
    template = cached[1]
    if "props" not in template:
        return dict(template)
    return {**template, "props": dict(template["props"])}


def _lazy_init(self: state_holder.SessionState, blocks: Any) -> None:
    # Run Gradio's own __init__ on a Blocks-like view with no blocks to configure, so
    # every other attribute it sets stays Gradio's, then give it the lazy configs.
    _ORIGINAL_INIT(self, _NoBlocks(blocks))
    self.config_values = LazyBlockConfigs(
        self.blocks_config, (k for k in self.blocks_config.blocks if k in blocks.blocks)
    )


class _NoBlocks:
    """`blocks` as `SessionState.__init__` sees it, minus the per-block config loop."""

    def __init__(self, blocks: Any) -> None:
        self.default_config = blocks.default_config
        self.blocks: dict = {}


def _names_used(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:  # comprehensions are nested code objects
        if isinstance(const, CodeType):
            names |= _names_used(const)
    return names


def _shape_is_known() -> bool:
    needed = {"default_config", "config_values", "config_for_block", "blocks"}
    return needed <= _names_used(_ORIGINAL_INIT.__code__)


def install_lazy_sessions() -> bool:
    """Make new sessions build their page config lazily; True if the patch is in place."""
    if state_holder.SessionState.__init__ is _lazy_init:
        return True
    if not _shape_is_known():
        log.warning("Gradio's SessionState changed; sessions keep building their full config")
        return False
    state_holder.SessionState.__init__ = _lazy_init
    return True


def configure_queue(demo: gr.Blocks) -> gr.Blocks:
    """Turn on the queue with the app's concurrency and amortised analytics."""
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(ANALYTICS_EVERY))
    return demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY)
