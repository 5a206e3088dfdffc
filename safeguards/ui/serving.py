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
from starlette.types import ASGIApp, Receive, Scope, Send

from safeguards.i18n import language_of, tr

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
        body = tr("err.no_uploads", language).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def upload_guard() -> dict[str, Any]:
    """`launch()` arguments that refuse uploads and cap whatever would get past."""
    return {
        "max_file_size": MAX_UPLOAD,
        "app_kwargs": {"middleware": [Middleware(RefuseUploads)]},
    }


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
