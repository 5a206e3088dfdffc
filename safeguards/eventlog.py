"""The append-only event log: JSON Lines files in the state folder.

Each writer process appends to files of its own (host, pid and a random suffix in the
name), so replicas and worker processes never write the same file. An append returns only
after the line is flushed and fsynced (group commit: concurrent appenders share one fsync).
Files are rotated by size so a Hub push re-uploads only small files. Reading merges all
files ordered by (ts, id), which gives the same fold whatever order files arrive in.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import secrets
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EVENT_FILE_GLOB = "events-*.jsonl"
DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class LogError(Exception):
    """The state folder cannot be used; the message names the file (and line)."""


class LogCorruptError(LogError):
    def __init__(self, path: Path, line_number: int, problem: str) -> None:
        super().__init__(f"{path}:{line_number}: corrupt event log line ({problem})")
        self.path = path
        self.line_number = line_number


@dataclass(frozen=True)
class Event:
    id: str
    ts: str
    actor: str | None
    type: str
    payload: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        record = {"id": self.id, "ts": self.ts, "actor": self.actor, "type": self.type}
        record["payload"] = self.payload
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Event:
        missing = [k for k in ("id", "ts", "actor", "type") if k not in record]
        if missing:
            raise ValueError(f"missing field(s) {', '.join(missing)}")
        if not isinstance(record["id"], str) or not isinstance(record["type"], str):
            raise ValueError("id and type must be strings")
        if not isinstance(record["ts"], str):
            raise ValueError("ts must be a string")
        payload = record.get("payload", {})
        if not isinstance(payload, dict):
            raise ValueError("payload must be an object")
        return cls(record["id"], record["ts"], record["actor"], record["type"], payload)

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.ts, self.id)

    @property
    def time(self) -> datetime:
        return parse_ts(self.ts)


def format_ts(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds and a Z, so string order is time order."""
    return moment.astimezone(UTC).strftime(_TS_FORMAT)


def parse_ts(ts: str) -> datetime:
    return datetime.fromisoformat(ts)  # reads the Z; ~35x faster than strptime


def new_id() -> str:
    return uuid.uuid4().hex


def read_file(path: Path) -> Iterator[Event]:
    """Events of one file in written order.

    A last line without its newline is what a crash mid-write leaves: it was never
    acknowledged, so it is skipped with a warning. A bad line anywhere else is corruption
    and stops the start-up with the file and line named; nothing is rewritten.
    """
    with path.open("rb") as handle:
        data = handle.read()
    yield from parse_lines(path, data)


def parse_lines(path: Path, data: bytes, first_line: int = 1) -> list[Event]:
    """The events of `data`, the bytes of `path` from line `first_line` on (the read path
    of `read_file`, also used for the new part of a file). The same rules: a torn last
    line is skipped with a warning, a bad line raises LogCorruptError with its line."""
    if not data:
        return []
    lines = data.split(b"\n")
    torn = lines.pop()  # b"" when the data ends with a newline
    events: list[Event] = []
    append = events.append
    for number, raw in enumerate(lines, start=first_line):
        try:
            append(_event_of(raw))
        except _SkipLine:
            continue
        except (ValueError, UnicodeDecodeError) as exc:
            raise LogCorruptError(path, number, str(exc)) from None
    if torn.strip():
        log.warning(
            "%s:%d: skipped an incomplete last line (%d bytes) left by an interrupted write",
            path,
            first_line + len(lines),
            len(torn),
        )
    return events


class _SkipLine(Exception):  # control flow inside parse_lines only
    pass


_new_event = object.__new__


def _event_of(raw: bytes) -> Event:
    """One line as an Event: `Event.from_record(json.loads(raw))`, faster.

    orjson parses first when it is installed (Gradio depends on it); anything it refuses
    is parsed again by `json`, so the lines accepted, the values read and the error
    messages are exactly the standard library's. Records of the usual shape are checked
    inline and built without the frozen dataclass's `__init__`; any other goes through
    `Event.from_record` and its messages.
    """
    try:
        record = _fast_loads(raw)
    except ValueError:
        if not raw.strip():
            raise _SkipLine from None
        record = json.loads(raw)
    if type(record) is not dict:
        if not raw.strip():  # pragma: no cover - orjson refuses blank input
            raise _SkipLine
        raise ValueError("not a JSON object")
    try:
        event_id, ts, actor, type_ = record["id"], record["ts"], record["actor"], record["type"]
        payload = record["payload"]
    except KeyError:
        return Event.from_record(record)
    if type(event_id) is not str or type(ts) is not str or type(type_) is not str:
        return Event.from_record(record)
    if type(payload) is not dict:
        return Event.from_record(record)
    event = _new_event(Event)
    event.__dict__.update(id=event_id, ts=ts, actor=actor, type=type_, payload=payload)
    return event


try:  # a dependency of Gradio; the standard library is the fallback
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover
    _fast_loads = json.loads


def list_files(state_dir: Path) -> list[Path]:
    return sorted(state_dir.glob(EVENT_FILE_GLOB))


def read_events(state_dir: Path, files: Iterable[Path] | None = None) -> list[Event]:
    """All events of the folder, in the canonical (ts, id) order, duplicates (same id) once."""
    seen: set[str] = set()
    events: list[Event] = []
    with gc_paused():
        for path in files if files is not None else list_files(state_dir):
            for event in read_file(path):
                if event.id not in seen:
                    seen.add(event.id)
                    events.append(event)
        events.sort(key=_SORT_KEY)
    return events


_SORT_KEY = attrgetter("ts", "id")  # Event.sort_key, without a property call


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of long-lived objects are made (each
    collection would walk them all again); restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def fsync_dir(directory: Path) -> None:
    """Make a file created or renamed in `directory` survive a crash (its entry is data
    of the folder)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EventLog:
    """This process's writer. Thread-safe; one instance per process and state folder."""

    def __init__(
        self,
        state_dir: Path | str,
        *,
        writer_name: str | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.max_file_bytes = max_file_bytes
        host = "".join(ch if ch.isalnum() else "_" for ch in socket.gethostname())[:40]
        self.writer_name = writer_name or f"{host}-{os.getpid()}-{secrets.token_hex(4)}"
        self._cond = threading.Condition()
        self._pending: list[bytes] = []
        self._pending_notes: list[Any] = []  # what `enqueue` was given beside each batch
        # Called by the writing thread once a batch is fsynced, before anyone is told it is
        # durable: (file, offset it starts at, bytes, notes). The service applies the
        # batch to state.db there (see statedb.StateDB.commit_written).
        self.on_written: Callable[[Path, int, bytes, list[Any]], None] | None = None
        self._queued = 0  # lines handed to append
        self._durable = 0  # lines known to be on disk
        self._flushing = False
        self._error: BaseException | None = None
        self._failed_batches: list[tuple[int, int]] = []  # (after, through) ticket ranges
        self._last_ts = datetime.min.replace(tzinfo=UTC)
        self._file_index = 0
        self._fd: int | None = None
        self._file_bytes = 0
        self.current_path: Path | None = None
        self._check_writable()

    def _check_writable(self) -> None:
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LogError(f"{self.state_dir}: cannot create the state folder ({exc})") from None
        if not os.access(self.state_dir, os.W_OK | os.X_OK):
            raise LogError(f"{self.state_dir}: the state folder is not writable")

    def next_timestamp(self) -> str:
        """Strictly increasing per writer, so (ts, id) order keeps this writer's order."""
        now = datetime.now(UTC)
        if now <= self._last_ts:
            now = self._last_ts + timedelta(microseconds=1)
        self._last_ts = now
        return format_ts(now)

    def make_event(self, type_: str, actor: str | None, payload: dict[str, Any]) -> Event:
        with self._cond:
            return Event(new_id(), self.next_timestamp(), actor, type_, payload)

    def append(self, event: Event) -> None:
        """Write one event and return once it is durable (flushed and fsynced)."""
        self.append_many([event])

    def append_many(self, events: list[Event]) -> None:
        self.wait_durable(self.enqueue(events))

    def enqueue(self, events: list[Event], *, note: Any = None) -> int:
        """Queue events in this order and return a ticket for `wait_durable`.

        Callers that must keep their own order (the service applies events to the folded
        state under its lock) enqueue under that lock and wait outside it, so concurrent
        users share one fsync instead of queueing for one each. `note` is handed to
        `on_written` with the batch that holds these events.
        """
        data = b"".join((e.to_json() + "\n").encode() for e in events)
        with self._cond:
            self._pending.append(data)
            self._pending_notes.append(note)
            self._queued += 1
            return self._queued

    def wait_durable(self, ticket: int) -> None:
        """Return once the events of `ticket` are on disk; raise LogError if they failed."""
        with self._cond:
            while True:
                if any(low < ticket <= high for low, high in self._failed_batches):
                    raise LogError(f"event log write failed: {self._error}")
                if self._durable >= ticket:
                    return
                if self._flushing:
                    self._cond.wait()
                    continue
                self._flush_pending_locked()

    def _flush_pending_locked(self) -> None:
        """Become the leader: write everything queued so far with one fsync.

        On a failed write the whole batch is reported failed and the file is abandoned,
        so a half-written line is never followed by later lines in the same file.
        """
        batch, self._pending = self._pending, []
        notes, self._pending_notes = self._pending_notes, []
        target = self._queued
        self._flushing = True
        self._cond.release()
        error: OSError | LogError | None = None
        data = b"".join(batch)
        try:
            path, start = self._write_durably(data)
        except (OSError, LogError) as exc:
            error = exc
            self._abandon_file()
        else:
            if self.on_written is not None:
                try:
                    self.on_written(path, start, data, notes)
                except Exception:  # the events are durable; the callback repairs later
                    log.exception("after writing %s: the on_written callback failed", path)
        finally:
            self._cond.acquire()
            self._flushing = False
            if error is not None:
                self._error = error
                self._failed_batches = [*self._failed_batches[-63:], (self._durable, target)]
            self._durable = target
            self._cond.notify_all()

    def _write_durably(self, data: bytes) -> tuple[Path, int]:
        """Append and fsync; on failure cut the file back so no part of the batch stays.
        Returns the file and the offset the batch starts at."""
        full = self._file_bytes and self._file_bytes + len(data) > self.max_file_bytes
        if self._fd is None or full:
            self._open_next_file()
        assert self._fd is not None
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._file_bytes)
                os.fsync(self._fd)
            raise
        start = self._file_bytes
        self._file_bytes += len(data)
        assert self.current_path is not None
        return self.current_path, start

    def wait_idle(self) -> None:
        """Return once every queued event is written or failed (nothing in flight)."""
        with self._cond:
            while self._durable < self._queued:
                if not self._flushing:
                    self._flush_pending_locked()
                else:
                    self._cond.wait()

    def _open_next_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        while True:
            self._file_index += 1
            path = self.state_dir / f"events-{self.writer_name}-{self._file_index:05d}.jsonl"
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                raise LogError(f"{path}: cannot create event log file ({exc})") from None
        fsync_dir(self.state_dir)
        self.current_path = path
        self._file_bytes = 0

    def _abandon_file(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        with self._cond:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
