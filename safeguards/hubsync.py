"""Keep the state folder's event log in a Hub dataset repo, so a Space restart loses nothing.

The local files stay the source of truth while the app runs: every event is fsynced locally
before the user is told it was saved, and this module copies the files to the Hub in the
background. Each writer appends only to files of its own (`events-<writer>-<NNNNN>.jsonl`),
so every file has exactly one author and the sync never merges content:

* push: a file whose local length (up to its last complete line) is greater than the
  remote one is uploaded whole; all such files of one tick go in ONE commit, so a flood of
  events costs one commit per tick, never one per event;
* pull: a remote file longer than the local copy, or missing locally, is downloaded and
  moved into place atomically; a local file is never replaced by a shorter remote one,
  because it may hold events not pushed yet.

Failures (Hub unreachable, 5xx, 429, a refused token) keep the backlog and retry with a
capped exponential back-off. Error texts never contain the token or request headers:
`huggingface_hub` keeps the token in `exc.response.request.headers`, so exceptions are
turned into short messages here and never re-raised or chained.

Gradio-free; nothing touches the network at import or construction.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import httpx2
from huggingface_hub import CommitOperationAdd, HfApi, get_token
from huggingface_hub.errors import (
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import tqdm as hf_tqdm

from safeguards.eventlog import fsync_dir, list_files

log = logging.getLogger(__name__)

REPO_TYPE = "dataset"
CARD_PATH = "README.md"
STAGING_DIR = ".hubsync"  # inside the state folder: same file system, so os.replace is atomic
# Only plain event file names at the repo root are ever written into the state folder.
EVENT_NAME = re.compile(r"events-[A-Za-z0-9_.-]+\.jsonl")

DATASET_CARD = """\
---
pretty_name: Openness Safeguards event log
tags:
- moderation
- safeguards
- event-log
configs:
- config_name: default
  data_files:
  - split: train
    path: "events-*.jsonl"
  parse_agent_traces: false
---

# Openness Safeguards event log

Every change made in an [Openness Safeguards](https://huggingface.co/blog/ethics-soc-3)
app (reports, discussions, tag proposals, access requests, moderation actions, content
preferences) is one immutable event in this append-only log. It is written by the app and
restored from here when the app restarts.

## Files

`events-<writer>-<NNNNN>.jsonl`: JSON Lines, one event per line. Each app process writes
files of its own (host, process id and a random suffix in `<writer>`), rotated by size, so
several replicas write side by side without conflicts. Files only grow: a file is replaced
by a longer version of itself, never rewritten.

## Fields

| field | type | meaning |
|---|---|---|
| `id` | string | unique event id (a UUID in hex); the same id in two files is one event |
| `ts` | string | UTC time, ISO 8601 with microseconds and a `Z` (string order is time order) |
| `actor` | string or null | the username who made the change; null for anonymous visitors |
| `type` | string | what happened, e.g. `report.filed`, `comment.added`, `moderation.action` |
| `payload` | object | the details, whose keys depend on `type` (ids, reason, text, note, ...) |

The current state is the fold of all events sorted by (`ts`, `id`), duplicates dropped.

## Loading

```python
from datasets import load_dataset

log = load_dataset("<this repo id>", split="train")  # `payload` is decoded as a dict
```

With `load_dataset("json", data_files=...)` pass `parse_agent_traces=False`; with pandas,
`pd.read_json(path, lines=True)` per file.

Report texts are user content written on the app: treat them with care.
"""


class HubSyncError(Exception):
    """The Hub dataset cannot be used; the message says why, without the token."""


@dataclass(frozen=True)
class RestoreResult:
    """What `restore()` did, for the start-up log line."""

    repo_id: str
    repo_created: bool
    remote_files: int
    downloaded: tuple[str, ...]  # remote longer than local, or missing locally
    kept_local: tuple[str, ...]  # local longer than remote: pushed on the next tick
    bytes_downloaded: int
    seconds: float


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot for an admin panel or a health check (no token, no request data)."""

    repo_id: str
    running: bool
    last_push: datetime | None  # last successful commit
    last_sync: datetime | None  # last tick that reached the Hub without error
    pending_files: int  # local files with bytes the Hub does not have yet
    pending_bytes: int
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    commits: int  # commits made by this instance
    next_attempt_in: float | None  # seconds; None when not running


@dataclass
class _Remote:
    sha: str | None
    files: dict[str, int] = field(default_factory=dict)  # path -> size in bytes


class _QuietTqdm(hf_tqdm):
    """No progress bar per download: a Space log would get one every minute."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["disable"] = True
        super().__init__(*args, **kwargs)


def _now() -> datetime:
    return datetime.now(UTC)


class HubSync:
    """Mirror the state folder's event files to and from one Hub dataset repo."""

    def __init__(
        self,
        state_dir: Path,
        repo_id: str,
        *,
        token: str | None,
        endpoint: str | None = None,
        every_seconds: float = 60,
        private: bool = True,
        on_new_remote_events: Callable[[], None] | None = None,
        request_timeout: float = 10.0,
        backoff_initial: float = 5.0,
        backoff_max: float = 300.0,
        download_workers: int = 8,
        max_commit_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        if every_seconds <= 0:
            raise ValueError("every_seconds must be positive")
        self.state_dir = Path(state_dir)
        self.repo_id = repo_id
        self.every_seconds = float(every_seconds)
        self.private = private
        self.on_new_remote_events = on_new_remote_events
        self.request_timeout = request_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.download_workers = max(1, download_workers)
        self.max_commit_bytes = max_commit_bytes
        self._token = token or None
        self._api = HfApi(endpoint=endpoint, token=self._token, library_name="openness-safeguards")
        parts = urlsplit(self._api.endpoint)
        self._endpoint_label = f"{parts.scheme}://{parts.hostname or ''}" + (
            f":{parts.port}" if parts.port else ""
        )  # never the userinfo part of a URL
        self._secret: str | None = None  # the effective token, looked up lazily for scrubbing

        self._sync_lock = threading.Lock()  # one restore or tick at a time
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._periodic = False
        self._stopping = False
        self._requested = 0  # flush requests made
        self._served = 0  # highest flush request a finished tick started after
        self._ok_through = 0  # highest flush request a successful tick started after
        self._next_due = float("inf")

        self._repo_ready = False
        self._remote = _Remote(sha=None)
        self._remote_known = False
        self._card_present = False
        # Files this instance pushed: written here, so never replaced by a download (the
        # EventLog may hold one open, and a rolled-back write can leave it shorter).
        self._authored: set[str] = set()
        self._last_push: datetime | None = None
        self._last_sync: datetime | None = None
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None
        self._failures = 0
        self._commits = 0

    # -- start-up ---------------------------------------------------------------------

    def restore(self) -> RestoreResult:
        """Create the repo if missing and bring every remote event file into the folder.

        Call it before the app folds the log. Raises HubSyncError with a short message when
        the token is refused, the repo cannot be read or created, or the Hub cannot be
        reached (one request with `request_timeout`, no retry loop): the caller decides
        whether to go on with the local files only.
        """
        started = time.monotonic()
        error: str | None = None
        with self._sync_lock:
            try:
                self.state_dir.mkdir(parents=True, exist_ok=True)
                created = self._ensure_repo()
                remote = self._remote
                downloaded, nbytes = self._pull(remote)
                kept = tuple(
                    path.name
                    for path in list_files(self.state_dir)
                    if path.stat().st_size > remote.files.get(path.name, 0)
                )
            except Exception as exc:  # turned into a token-free message
                error = self._describe(exc)
        if error is not None:
            self._record_failure(error)
            raise HubSyncError(error)  # outside `except`: no chained exception holds the token
        result = RestoreResult(
            repo_id=self.repo_id,
            repo_created=created,
            remote_files=sum(1 for name in remote.files if EVENT_NAME.fullmatch(name)),
            downloaded=tuple(downloaded),
            kept_local=kept,
            bytes_downloaded=nbytes,
            seconds=time.monotonic() - started,
        )
        log.info(
            "Hub dataset %s: restored %d file(s) (%d bytes) in %.2fs; %d local file(s) to push",
            self.repo_id,
            len(downloaded),
            nbytes,
            result.seconds,
            len(kept),
        )
        return result

    # -- the background thread ---------------------------------------------------------

    def start(self) -> None:
        """Sync now, then every `every_seconds` in a daemon thread (back-off on failures)."""
        with self._cond:
            self._periodic = True
            self._next_due = time.monotonic()
            self._ensure_thread_locked()
            self._cond.notify_all()

    def flush(self, timeout: float) -> bool:
        """Push (and pull) now, ignoring any back-off; wait at most `timeout` seconds.

        True when a sync that started after this call succeeded. Events written after that
        sync read the files are left for the next one. Do not call it from the
        `on_new_remote_events` callback: that runs on the sync thread itself.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            self._ensure_thread_locked()
            self._requested += 1
            wanted = self._requested
            self._cond.notify_all()
            while self._served < wanted:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._thread is None or not self._thread.is_alive():
                    return False
                self._cond.wait(remaining)
            return self._ok_through >= wanted

    def stop(self, timeout: float = 20.0) -> bool:
        """Final flush, then end the thread. True when everything on disk reached the Hub."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            running = self._thread is not None and self._thread.is_alive()
        flushed = self.flush(timeout) if running or self._has_pending() else True
        with self._cond:
            self._stopping = True
            self._periodic = False
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            if thread is not None and not thread.is_alive():
                self._thread = None
            self._stopping = False
        return flushed

    def status(self) -> SyncStatus:
        pending_files, pending_bytes = self._pending()
        with self._cond:
            running = self._periodic and self._thread is not None and self._thread.is_alive()
            next_in = max(0.0, self._next_due - time.monotonic()) if running else None
            return SyncStatus(
                repo_id=self.repo_id,
                running=running,
                last_push=self._last_push,
                last_sync=self._last_sync,
                pending_files=pending_files,
                pending_bytes=pending_bytes,
                last_error=self._last_error,
                last_error_at=self._last_error_at,
                consecutive_failures=self._failures,
                commits=self._commits,
                next_attempt_in=next_in,
            )

    def _ensure_thread_locked(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="hub-sync", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._requested > self._served:
                        break
                    if self._stopping:
                        return
                    wait = self._next_due - time.monotonic() if self._periodic else None
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                wanted = self._requested
            ok = self._tick()
            with self._cond:
                self._served = max(self._served, wanted)
                if ok:
                    self._ok_through = max(self._ok_through, wanted)
                self._next_due = time.monotonic() + self._delay(ok)
                self._cond.notify_all()

    def _delay(self, ok: bool) -> float:
        if ok or self._failures == 0:
            return self.every_seconds
        backoff = min(self.backoff_max, self.backoff_initial * 2 ** (self._failures - 1))
        return max(min(self.every_seconds, self.backoff_max), backoff)

    def _tick(self) -> bool:
        """One sync: list the remote, pull what grew elsewhere, push what grew here."""
        error: str | None = None
        pulled: list[str] = []
        with self._sync_lock:
            try:
                if not self._repo_ready:
                    self._ensure_repo()
                else:
                    self._remote = self._list_remote()
                    self._card_present = CARD_PATH in self._remote.files
                pulled, _ = self._pull(self._remote)
                self._push(self._remote)
            except Exception as exc:  # turned into a token-free message
                error = self._describe(exc)
        if pulled and self.on_new_remote_events is not None:
            try:
                self.on_new_remote_events()
            except Exception:
                log.exception("Hub dataset %s: the new-events callback failed", self.repo_id)
        if error is not None:
            self._record_failure(error)
            return False
        with self._cond:
            if self._failures:
                log.info(
                    "Hub dataset %s: sync works again after %d failure(s)",
                    self.repo_id,
                    self._failures,
                )
            self._failures = 0
            self._last_sync = _now()
        return True

    def _record_failure(self, message: str) -> None:
        with self._cond:
            self._failures += 1
            self._last_error = message
            self._last_error_at = _now()
            failures = self._failures
        log.warning("%s (failure %d in a row; local events are kept)", message, failures)

    # -- Hub calls --------------------------------------------------------------------

    def _list_remote(self) -> _Remote:
        """One request, no retry loop, bounded by `request_timeout`: fast failure at start-up."""
        info = self._api.dataset_info(
            self.repo_id, timeout=self.request_timeout, files_metadata=True
        )
        files = {s.rfilename: int(s.size or 0) for s in info.siblings or []}
        return _Remote(sha=info.sha, files=files)

    def _ensure_repo(self) -> bool:
        """Read the repo's file list, creating the (private) repo first when it is missing."""
        created = False
        try:
            remote = self._list_remote()
        except RepositoryNotFoundError:
            self._api.create_repo(
                self.repo_id, repo_type=REPO_TYPE, private=self.private, exist_ok=True
            )
            created = True
            try:
                remote = self._list_remote()
            except RepositoryNotFoundError:
                raise HubSyncError(
                    f"Hub dataset {self.repo_id}: the repo exists but this token cannot read "
                    "it (use a token with write access to its namespace)"
                ) from None
        self._remote = remote
        self._remote_known = True
        self._card_present = CARD_PATH in remote.files
        self._repo_ready = True
        return created

    def _pull(self, remote: _Remote) -> tuple[list[str], int]:
        """Download remote files that are longer than the local copy (or missing locally)."""
        wanted: list[str] = []
        for name, size in sorted(remote.files.items()):
            if not EVENT_NAME.fullmatch(name) or name in self._authored:
                continue
            local = self.state_dir / name
            local_size = local.stat().st_size if local.exists() else -1
            if size > local_size:
                wanted.append(name)
        if not wanted:
            return [], 0
        staging = self.state_dir / STAGING_DIR
        staging.mkdir(exist_ok=True)

        def fetch(name: str) -> Path:
            return Path(
                self._api.hf_hub_download(
                    self.repo_id,
                    name,
                    repo_type=REPO_TYPE,
                    revision=remote.sha,
                    local_dir=staging,
                    force_download=True,
                    etag_timeout=self.request_timeout,
                    tqdm_class=_QuietTqdm,
                )
            )

        if len(wanted) == 1:
            fetched = [fetch(wanted[0])]
        else:
            with ThreadPoolExecutor(min(self.download_workers, len(wanted))) as pool:
                fetched = list(pool.map(fetch, wanted))
        moved: list[str] = []
        nbytes = 0
        for name, path in zip(wanted, fetched, strict=True):
            target = self.state_dir / name
            size = path.stat().st_size
            local_size = target.stat().st_size if target.exists() else -1
            if size > local_size:  # checked again: never replace a longer local file
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(path, target)
                moved.append(name)
                nbytes += size
            else:
                path.unlink(missing_ok=True)
        if moved:
            with contextlib.suppress(OSError):
                fsync_dir(self.state_dir)
        return moved, nbytes

    def _push(self, remote: _Remote) -> None:
        """Commit every file that grew locally (complete lines only), and the card if missing.

        One commit per tick; only a backlog above `max_commit_bytes` (after a long outage)
        is split, so that no request body grows without bound.
        """
        grown = []
        for path in list_files(self.state_dir):
            try:
                size, known = path.stat().st_size, remote.files.get(path.name, 0)
            except FileNotFoundError:
                continue
            if size > known or (path.name in self._authored and size != known):
                grown.append(path)
        operations: list[CommitOperationAdd] = []
        sizes: dict[str, int] = {}
        events = batch_bytes = 0
        for path in grown:
            known = remote.files.get(path.name, 0)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            end = data.rfind(b"\n") + 1  # a line being written now waits for the next tick
            # A file of ours that is now shorter (a failed write was cut back) is pushed as
            # it is, so the Hub drops the events the app reported as not saved.
            if end > known or (path.name in self._authored and end != known):
                events += data.count(b"\n", known, end)
                sizes[path.name] = end
                batch_bytes += end
                add = CommitOperationAdd(path_in_repo=path.name, path_or_fileobj=data[:end])
                operations.append(add)
            if batch_bytes >= self.max_commit_bytes:
                self._commit(remote, operations, sizes, events)
                operations, sizes, events, batch_bytes = [], {}, 0, 0
        if operations or not self._card_present:
            self._commit(remote, operations, sizes, events)

    def _commit(
        self,
        remote: _Remote,
        operations: list[CommitOperationAdd],
        sizes: dict[str, int],
        events: int,
    ) -> None:
        card = not self._card_present
        if card:  # the first commit carries the card: no separate commit for it
            data = DATASET_CARD.encode()
            operations = [*operations, CommitOperationAdd(CARD_PATH, data)]
        message = f"Append {events} event(s) from {len(sizes)} file(s)" if sizes else "Add card"
        info = self._api.create_commit(
            self.repo_id, operations=operations, commit_message=message, repo_type=REPO_TYPE
        )
        with self._cond:  # status() reads these sizes from other threads
            remote.files.update(sizes)
            self._authored.update(sizes)
            if info.oid and info.oid != remote.sha:  # the same sha: the client skipped a no-op
                self._commits += 1
            remote.sha = info.oid or remote.sha
            if card:
                remote.files[CARD_PATH] = len(DATASET_CARD.encode())
                self._card_present = True
            self._last_push = _now()

    # -- bookkeeping ------------------------------------------------------------------

    def _pending(self) -> tuple[int, int]:
        """Local files (and bytes) beyond what the Hub is known to have."""
        with self._cond:
            known = dict(self._remote.files)
        count = total = 0
        for path in list_files(self.state_dir):
            try:
                extra = path.stat().st_size - known.get(path.name, 0)
            except FileNotFoundError:
                continue
            if extra > 0:
                count += 1
                total += extra
        return count, total

    def _has_pending(self) -> bool:
        return self._pending()[0] > 0 or not self._remote_known

    def _describe(self, exc: BaseException) -> str:
        """A short, token-free sentence for logs, status() and HubSyncError."""
        if isinstance(exc, HubSyncError):
            return self._scrub(str(exc))
        where = self._endpoint_label
        if isinstance(exc, OfflineModeIsEnabled):
            text = "HF_HUB_OFFLINE is set, so the Hub is not contacted"
        elif isinstance(exc, HfHubHTTPError) and getattr(exc, "response", None) is not None:
            status = exc.response.status_code
            if isinstance(exc, RepositoryNotFoundError):
                text = f"the repo was not found or the token cannot read it ({status})"
            elif status == 401:
                text = "the token was refused (401): set HF_TOKEN to a valid write token"
            elif status == 403:
                text = "the token may not do this (403): it needs write access to the repo"
            elif status == 429:
                text = "the Hub is rate-limiting requests (429)"
            elif status >= 500:
                text = f"the Hub answered {status} (server error)"
            else:
                text = f"the Hub answered {status}"
            detail = " ".join((exc.server_message or "").split())[:200]
            if detail:
                text += f": {detail}"
        elif isinstance(exc, httpx2.TimeoutException):
            text = f"the Hub at {where} did not answer within {self.request_timeout:g}s"
        elif isinstance(exc, (httpx2.TransportError, ConnectionError)):
            text = f"the Hub at {where} cannot be reached ({type(exc).__name__})"
        elif isinstance(exc, OSError) and not isinstance(exc, HfHubHTTPError):
            text = f"local file error ({type(exc).__name__}: {exc})"
        else:
            text = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return self._scrub(f"Hub dataset {self.repo_id}: {text}")

    def _scrub(self, text: str) -> str:
        if self._secret is None:
            try:
                self._secret = self._token or get_token() or ""
            except Exception:  # a broken token file must not hide the error
                self._secret = ""
        if self._secret:
            text = text.replace(self._secret, "***")
        return text


def install_sigterm_handler(sync: HubSync, timeout: float = 20.0) -> Any:
    """On SIGTERM (a Space restart sends one), push pending events, then exit.

    Call it from the main thread. It returns the previous handler. After the flush the
    previous Python handler runs if there was one; otherwise the default action is restored
    and the signal re-sent, so the process ends the way it would have without us. A
    second SIGTERM during the flush ends the process at once.
    """
    previous = signal.getsignal(signal.SIGTERM)
    busy = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if busy.is_set():
            os._exit(128 + signum)
        busy.set()
        log.info("SIGTERM: pushing pending events to %s (at most %gs)", sync.repo_id, timeout)
        ok = sync.stop(timeout)
        if not ok:
            status = sync.status()
            log.error(
                "SIGTERM: %d file(s) (%d bytes) not pushed to %s: %s",
                status.pending_files,
                status.pending_bytes,
                sync.repo_id,
                status.last_error or "timed out",
            )
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, handler)
    return previous
