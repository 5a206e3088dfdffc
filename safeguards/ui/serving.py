"""Gradio serving settings that keep the per-call cost flat under API load.

Two costs of Gradio 6.31 grow with traffic rather than with the work asked for (measured
with `bench/bench_load.py` and py-spy):

* A `SessionState` is made for every new `session_hash`, and a REST call without one
  (`POST /gradio_api/call/<name>`, what `curl` and most scripts send) gets a fresh hash
  each time. Its `__init__` eagerly builds the config of every block of the page (about
  230 here, ~380 KB) although only deep links ever read it back: two thirds of the
  server's CPU time on the report path. Then each session keeps a copy of the page's
  block and function tables and a new component for every one a handler updated: about
  160 KiB per session that opens an artifact, up to Gradio's 10,000 sessions (issue 16).
  `install_lazy_sessions` gives a session no configs (the deep-link endpoint, their only
  reader, is refused), tables that fall through to the app's shared ones, and keeps an
  updated component as the constructor arguments that changed (rebuilt when read, as
  Gradio itself rebuilds updated components): ~20 KiB per session (`bench/bench_sessions.py`),
  and at most `MAX_SESSIONS` sessions. The patch checks the shape of the pinned Gradio's
  `SessionState` first; if it changed, it is not installed and a warning says so (the
  app still works, only heavier under anonymous load).
* After every finished event the queue rebuilds a pandas DataFrame of its last 10,000
  events for its API-page analytics (`GRADIO_ANALYTICS_CACHE_FREQUENCY`, default 1): a
  cost per call that grows with the calls already served. `configure_queue` recomputes
  it every `ANALYTICS_EVERY` events instead (an operator's own setting wins).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from types import CodeType
from typing import Any
from urllib.parse import parse_qsl, urlencode

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
# Endpoints that store what an anonymous caller sends on the server's disk; the page
# uses neither (no file input, no deep-link button): path ending -> refusal sentence.
REFUSED_PATHS = {
    "/upload": "err.no_uploads",
    "/gradio_api/deep_link": "err.no_deep_links",
}
MAX_SESSIONS = 5000  # Gradio sessions kept at once (its default: 10,000); oldest go first

_ORIGINAL_INIT = state_holder.SessionState.__init__


class RefuseUploads:
    """ASGI middleware: the page has no file input, so `POST /gradio_api/upload` would only
    let an anonymous caller fill the disk (Gradio stores whatever it is sent and answers
    with the server's temp path). Refused before a byte of the body is read. The same for
    `/gradio_api/deep_link`, which writes a session's whole page state to disk."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        path = path.rstrip("/")
        refusal = next((key for end, key in REFUSED_PATHS.items() if path.endswith(end)), None)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        language = language_of(headers.get(b"accept-language", b"").decode("latin-1"))
        await _answer(send, 403, tr(refusal, language))


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


class BrowsePageAddress:
    """ASGI middleware: Gradio's page route reads `?page=` as the name of one page of a
    multipage app and answers 500 for any other value, but the app's Browse addresses
    use `page=<n>` (the contract's links). The page itself reads its address in the
    browser (`location.search`), so the server's copy of a page request drops `page`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"page=" in query and "/gradio_api/" not in scope.get("path", ""):
            kept = [(k, v) for k, v in parse_qsl(query.decode("latin-1")) if k != "page"]
            scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await self.app(scope, receive, send)


def upload_guard(*, throttle: SignInThrottle | None = None) -> dict[str, Any]:
    """`launch()` arguments that refuse uploads and cap whatever would get past, and
    (accounts mode) throttle sign-in attempts; Browse's `?page=` addresses pass."""
    middleware = [Middleware(RefuseUploads), Middleware(BrowsePageAddress)]
    if throttle is not None:
        middleware.append(Middleware(ThrottleSignIn, throttle=throttle))
    return {
        "max_file_size": MAX_UPLOAD,
        "app_kwargs": {"middleware": middleware},
        "state_session_capacity": MAX_SESSIONS,
    }


class UnkeptBlockConfigs(dict):
    """`SessionState.config_values` that keeps nothing. Gradio writes each session's
    component configs there (values included: a card, a discussion) only so that
    `/gradio_api/deep_link` can save them to disk; this app has no deep links and refuses
    that endpoint (`RefuseDiskWrites`), so a write is dropped and a read gets a scratch
    config. ~35 KiB less per session that opens an artifact."""

    def __init__(self, block_ids: frozenset[int]) -> None:
        super().__init__()
        self._known = block_ids  # shared by every session of the app

    def __contains__(self, key: object) -> bool:
        return key in self._known

    def __getitem__(self, key: int) -> dict:
        return {"props": {}}  # any key: Gradio writes a config, then reads it back

    def __setitem__(self, key: int, value: dict) -> None:
        return None


class SessionOverlay(dict):
    """A session's view of a dict the whole app shares (`BlocksConfig.blocks`, `.fns`):
    reads fall through to the shared dict, and the session keeps only what it changed.
    Gradio copies both dicts for every new session (~9 KiB of pointers each time)."""

    def __init__(self, shared: dict) -> None:
        super().__init__()
        self._shared = shared
        self._removed: set = set()

    def _own(self, key: object) -> bool:
        return dict.__contains__(self, key)

    def __getitem__(self, key: Any) -> Any:
        if self._own(key):
            return self._unpack(key, dict.__getitem__(self, key))
        if key in self._removed:
            raise KeyError(key)
        return self._shared[key]

    def _unpack(self, key: Any, stored: Any) -> Any:
        return stored

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return self._own(key) or (key in self._shared and key not in self._removed)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._removed.discard(key)
        if self._shared.get(key, _ABSENT) is value:
            dict.pop(self, key, None)  # back to the shared object: nothing to keep
        else:
            dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        if key not in self:
            raise KeyError(key)
        dict.pop(self, key, None)
        if key in self._shared:
            self._removed.add(key)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def __iter__(self) -> Iterator:
        yield from (k for k in self._shared if k not in self._removed and not self._own(k))
        yield from dict.__iter__(self)

    def keys(self) -> list:  # type: ignore[override]
        return list(iter(self))

    def values(self) -> list:  # type: ignore[override]
        return [self[k] for k in self]

    def items(self) -> list:  # type: ignore[override]
        return [(k, self[k]) for k in self]

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict:
        return dict(self.items())

    def __copy__(self) -> dict:
        return self.copy()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]


_ABSENT = object()


class _Changed:
    """A session's version of a shared component, as the constructor arguments that
    differ from the shared one's (a few hundred bytes instead of a component's ~3 KiB).
    The component is rebuilt when read; the last `REBUILT_KEPT` rebuilt are cached."""

    __slots__ = ("__weakref__", "built", "changed", "removed")

    def __init__(self, changed: dict, removed: frozenset) -> None:
        self.changed = changed
        self.removed = removed
        self.built: Any = None


REBUILT_KEPT = 512  # rebuilt components kept at once, all sessions together
_rebuilt: OrderedDict[int, _Changed] = OrderedDict()
_rebuilt_lock = threading.Lock()


class SessionBlocks(SessionOverlay):
    """`BlocksConfig.blocks` of one session: a changed component is kept as its changed
    constructor arguments (Gradio rebuilds components from those arguments itself)."""

    def __setitem__(self, key: Any, value: Any) -> None:
        shared = self._shared.get(key)
        packed = _pack(shared, value)
        if packed is None:
            super().__setitem__(key, value)
            return
        self._removed.discard(key)
        packed.built = value
        _remember(packed)
        dict.__setitem__(self, key, packed)

    def _unpack(self, key: Any, stored: Any) -> Any:
        if not isinstance(stored, _Changed):
            return stored
        built = stored.built
        if built is None:
            shared = self._shared[key]
            args = {k: v for k, v in shared.constructor_args.items() if k not in stored.removed}
            args.update(stored.changed)
            args["render"] = False
            built = shared.__class__(**args)
            stored.built = built
        _remember(stored)
        return built


def _pack(shared: Any, value: Any) -> _Changed | None:
    """The difference from the shared component, or None when it cannot be expressed."""
    if shared is None or shared is value or type(shared) is not type(value):
        return None
    before = getattr(shared, "constructor_args", None)
    after = getattr(value, "constructor_args", None)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    changed = {
        k: v for k, v in after.items() if k != "render" and not _same(before.get(k, _ABSENT), v)
    }
    removed = frozenset(k for k in before if k not in after and k != "render")
    return _Changed(changed, removed)


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # DataFrames and the like: keep the session's own
        return False


def _remember(changed: _Changed) -> None:
    with _rebuilt_lock:
        _rebuilt[id(changed)] = changed
        _rebuilt.move_to_end(id(changed))
        while len(_rebuilt) > REBUILT_KEPT:
            _, oldest = _rebuilt.popitem(last=False)
            oldest.built = None


def _lazy_init(self: state_holder.SessionState, blocks: Any) -> None:
    # Run Gradio's own __init__ on a Blocks-like view with no blocks to configure, so
    # every other attribute it sets stays Gradio's, then give it the light parts.
    _ORIGINAL_INIT(self, _NoBlocks(blocks))
    shared = blocks.default_config
    self.blocks_config.blocks = SessionBlocks(shared.blocks)
    self.blocks_config.fns = SessionOverlay(shared.fns)
    known = _BLOCK_IDS.get(blocks)
    if known is None:
        known = _BLOCK_IDS[blocks] = frozenset(k for k in shared.blocks if k in blocks.blocks)
    self.config_values = UnkeptBlockConfigs(known)


_BLOCK_IDS: weakref.WeakKeyDictionary[Any, frozenset[int]] = weakref.WeakKeyDictionary()


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
