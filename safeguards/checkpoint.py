"""Fold checkpoints: start-up (and refold) without folding the whole history again.

A checkpoint is the folded `State` together with the exact part of the log it is the fold
of: for every event file, the number of bytes folded (whole lines), their SHA-256, and
their line count; the largest (ts, id) folded; and a 64-bit hash of every folded event id.
It is written as `checkpoint-<writer>.pickle` in the state folder (the event glob
`events-*.jsonl` and the Hub sync never see it), atomically: a temporary file, fsync,
rename, fsync of the folder.

It is never trusted blindly. `load()` uses the newest checkpoint only if

* it was written by the same fold code (a hash of state.py, records.py and eventlog.py),
  its header (file marks, last key, counts) and event-id hashes hash to the SHA-256 the
  header records for them, and its payload hashes to the SHA-256 its header records;
* every file it names still starts with exactly the bytes it folded (same SHA-256; a file
  that shrank, changed or disappeared fails);
* every event after those bytes (new lines, new files) sorts after the checkpoint's last
  (ts, id) and is not an event it already folded (id hash), so that folding them on top
  gives what a full fold in (ts, id) order gives.

Otherwise the whole log is folded, as before, and the reason is logged. The payload is
normally columnar (see "the columnar snapshot" below): plain lists, dicts and bytes, read
by an unpickler that refuses every class. A state that layout cannot hold exactly is
pickled as records instead, read by an unpickler that allows only the state's own record
types, enums and containers. Either way no code can run from a checkpoint file. Rate-limit
times older than a day are left out (the limits look back one hour).

Writing: the service asks for a checkpoint after a start-up that had to fold many events,
and then every few minutes when many new events were applied. The state is captured under
the service lock once the log is idle, in a `fork()`ed child that pickles and writes it
while the app goes on serving (where `fork` is missing, in the calling thread).
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import dataclasses
import gc
import hashlib
import io
import itertools
import json
import logging
import os
import pickle
import signal
import stat
import struct
import sys
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from safeguards import records
from safeguards.eventlog import Event, LogError, fsync_dir, gc_paused, list_files, parse_lines
from safeguards.state import State

log = logging.getLogger(__name__)

CHECKPOINT_GLOB = "checkpoint-*.pickle"
MAGIC = b"openness-safeguards fold checkpoint\n"
FORMAT = 3  # 2: the payload is an overlay part and a history part; 3: a header checksum
MIN_NEW_EVENTS = 20_000  # a checkpoint is written once this many events are not in one
CHECK_EVERY_SECONDS = 300.0
FREEZE_MIN_EVENTS = 100_000
CHILD_TIMEOUT_SECONDS = 1800.0
# Rate-limit times older than this before the checkpoint can never count again (the
# limits look back one hour); they are left out of the checkpoint.
TIMES_KEPT = timedelta(days=1)
_HASH_WORKERS = 2
_CODE_FILES = ("state.py", "records.py", "eventlog.py")

_ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        ("safeguards.state", "State"),
        *(
            ("safeguards.records", name)
            for name in (
                "AccessRequest",
                "AccessStatus",
                "Comment",
                "Discussion",
                "DiscussionKind",
                "DiscussionStatus",
                "ModerationAction",
                "Preferences",
                "ProposalStatus",
                "Report",
                "ReportStatus",
                "Safeguard",
                "TagProposal",
            )
        ),
        ("collections", "defaultdict"),
        ("builtins", "list"),
        ("builtins", "set"),
        ("builtins", "dict"),
        ("builtins", "tuple"),
        ("datetime", "datetime"),
        ("datetime", "timezone"),
        ("datetime", "timedelta"),
    }
)


class StaleCheckpoint(Exception):
    """The checkpoint cannot be used (the message says why). `log_changed`: the log no
    longer starts with what it folded, so no older checkpoint can be used either."""

    def __init__(self, message: str, *, log_changed: bool = False) -> None:
        super().__init__(message)
        self.log_changed = log_changed


@dataclass
class FileMark:
    """The part of one event file a state is the fold of."""

    size: int  # bytes, always whole lines
    lines: int  # newlines in those bytes
    sha256: str


@dataclass
class Position:
    """What a state is exactly the fold of."""

    marks: dict[str, FileMark] = field(default_factory=dict)
    last_key: tuple[str, str] = ("", "")  # the largest (ts, id) folded
    applied: int = 0  # events folded (the state's event_count + skipped)
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    # Running SHA-256 of each file's folded bytes, to extend a mark (not saved).
    hashers: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class LoadResult:
    state: State
    position: Position
    mode: str  # "checkpoint" or "full"
    checkpoint: Path | None = None
    new_events: int = 0  # events folded on top of the checkpoint (all of them when full)
    reason: str = ""  # why the checkpoint was not used
    seconds: float = 0.0


def code_fingerprint() -> str:
    """A hash of the code that reads and folds events: a checkpoint made by other code is
    not used (its fold may differ)."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    base = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        digest.update(name.encode() + b"\0" + (base / name).read_bytes())
    return digest.hexdigest()


def id_hashes(ids: list[str]) -> np.ndarray:
    """Sorted 64-bit hashes of event ids (pandas' fixed-key SipHash of the UTF-8 bytes)."""
    if not ids:
        return np.zeros(0, dtype=np.uint64)
    return np.sort(pd.util.hash_array(np.array(ids, dtype=object), categorize=False))


def _merge_sorted(ids: np.ndarray, more: np.ndarray) -> np.ndarray:
    """Two sorted hash arrays as one (`more` holds none of `ids`)."""
    if not len(more):
        return ids
    return np.insert(ids, np.searchsorted(ids, more), more)


def _seen(ids: np.ndarray, hashes: np.ndarray) -> bool:
    """Whether any of `hashes` is in the sorted `ids`."""
    if not len(ids) or not len(hashes):
        return False
    at = np.searchsorted(ids, hashes)
    at[at == len(ids)] = 0
    return bool((ids[at] == hashes).any())


# -- the full fold, with its position -----------------------------------------------------


def fold_folder(state_dir: Path) -> tuple[State, Position]:
    """`State.fold(read_events(state_dir))`, also returning what it is the fold of."""
    position = Position()
    events: list[Event] = []
    seen: set[str] = set()
    with gc_paused():
        for path in list_files(state_dir):
            with path.open("rb") as handle:
                data = handle.read()
            end = data.rfind(b"\n") + 1
            for event in parse_lines(path, data):
                if event.id not in seen:
                    seen.add(event.id)
                    events.append(event)
            hasher = hashlib.sha256(memoryview(data)[:end])
            position.marks[path.name] = FileMark(end, data.count(b"\n", 0, end), "")
            position.hashers[path.name] = hasher
            del data
        events.sort(key=_sort_key)
        state = State.fold(events)
    for name, hasher in position.hashers.items():
        position.marks[name].sha256 = hasher.hexdigest()
    position.applied = state.event_count + state.skipped
    position.last_key = _sort_key(events[-1]) if events else ("", "")
    position.ids = id_hashes(list(seen))
    return state, position


def _sort_key(event: Event) -> tuple[str, str]:
    return (event.ts, event.id)


# -- checkpoint files ---------------------------------------------------------------------


@dataclass
class _Header:
    path: Path
    data: dict[str, Any]
    ids_offset: int
    payload_offset: int


def _header_digest(meta: dict[str, Any], ids: bytes) -> str:
    """SHA-256 of the header (all but this field, canonical JSON) and the id hashes: a
    damaged last key or id would otherwise let an older event be folded on top."""
    fields = {k: v for k, v in meta.items() if k != "header_sha256"}
    digest = hashlib.sha256(json.dumps(fields, separators=(",", ":"), sort_keys=True).encode())
    digest.update(ids)
    return digest.hexdigest()


def _read_header(path: Path) -> _Header:
    with path.open("rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise StaleCheckpoint("not a checkpoint file")
        (size,) = struct.unpack("<Q", handle.read(8))
        if size > 64 * 1024 * 1024:
            raise StaleCheckpoint("header too large")
        raw = handle.read(size)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StaleCheckpoint(f"unreadable header ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StaleCheckpoint("another checkpoint format")
    ids_offset = len(MAGIC) + 8 + size
    return _Header(path, data, ids_offset, ids_offset + 8 * int(data["ids"]))


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"checkpoint refers to {module}.{name}")
        return super().find_class(module, name)


def _verify_file(path: Path, mark: FileMark | None) -> tuple[Any, bytes, FileMark | None]:
    """(running hash of the marked prefix, the bytes after it, the mark); raises
    StaleCheckpoint when the file no longer starts with the folded bytes."""
    try:
        with path.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise StaleCheckpoint(f"{path.name} disappeared", log_changed=True) from None
    if mark is None:
        return hashlib.sha256(), data, None
    if len(data) < mark.size:
        raise StaleCheckpoint(f"{path.name} is shorter than what it folded", log_changed=True)
    hasher = hashlib.sha256(memoryview(data)[: mark.size])
    if hasher.hexdigest() != mark.sha256:
        raise StaleCheckpoint(f"{path.name} changed since it was made", log_changed=True)
    return hasher, data[mark.size :], mark


class _HashingReader:
    """The next `size` bytes of an open file, for an unpickler, hashed on the way (the
    checksum is compared once the part is read, before anything from it is used)."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._handle = handle
        self._left = size
        self.size = 0
        self._hasher = hashlib.sha256()

    def _took(self, data: Any) -> None:
        self._left -= len(data)
        self.size += len(data)
        self._hasher.update(data)

    def read(self, n: int = -1) -> bytes:
        data = self._handle.read(self._left if n < 0 else min(n, self._left))
        self._took(data)
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        got = self._handle.readinto(view[: min(len(view), self._left)]) or 0
        self._took(view[:got])
        return got

    def readline(self) -> bytes:
        data = self._handle.readline(self._left)
        self._took(data)
        return data

    def hexdigest(self) -> str:
        """The SHA-256 of the whole part (what the unpickler left unread included)."""
        while self._left > 0 and self.read(min(self._left, 1 << 24)):
            pass
        return self._hasher.hexdigest()


def _read_part(
    reader: _HashingReader, load: Callable[[_HashingReader], Any], size: int, sha: str
) -> Any:
    value = load(reader)
    if reader.hexdigest() != sha or reader.size != size:
        raise StaleCheckpoint("its state does not match its checksum")
    return value


@dataclass
class PendingResume:
    """A checkpoint checked against the log (code, files, checksum of what was read, the
    newer events) whose history part is not decoded yet: `overlay` is exact for search,
    browse and page gating (see `State.apply_overlay_events`); `complete()` decodes the
    rest and folds the newer events on top."""

    path: Path
    meta: dict[str, Any]
    position: Position  # the marks after the newer events; `applied` set by complete()
    new_hashes: np.ndarray
    tail: list[Event]
    started: float
    overlay_data: dict[str, Any] | None = None  # the undecoded overlay part (columns)
    overlay: State | None = None  # deferred only: the overlay with the newer events' changes
    state: State | None = None  # the checkpoint's whole state, when already decoded
    handle: BinaryIO | None = None  # deferred only: open at the history part
    seconds: float = 0.0  # checking and decoding the overlay

    @property
    def deferred(self) -> bool:
        return self.state is None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def complete(self) -> LoadResult:
        """The whole state with the newer events folded on top; raises StaleCheckpoint
        when the history part does not match its checksum or cannot be read."""
        began = time.perf_counter()
        try:
            state = self.state
            if state is None:
                assert self.handle is not None and self.overlay_data is not None
                try:
                    with gc_paused():
                        state = _decode_overlay(self.overlay_data)
                        reader = _HashingReader(self.handle, self.meta["history_bytes"])
                        history = _read_part(
                            reader,
                            lambda r: _PlainUnpickler(r).load(),
                            self.meta["history_bytes"],
                            self.meta["history_sha256"],
                        )
                        _decode_history(history, state)
                        del history
                        _freeze_if_large(self.meta)
                except StaleCheckpoint:
                    raise
                except Exception as exc:
                    raise StaleCheckpoint(
                        f"unreadable state ({type(exc).__name__}: {exc})"
                    ) from None
        finally:
            self.close()
        if state.event_count + state.skipped != self.meta["applied"]:
            raise StaleCheckpoint("its state does not match its header")
        position = self.position
        state.apply_all(self.tail)
        position.applied = state.event_count + state.skipped
        if self.tail:
            position.last_key = _sort_key(self.tail[-1])
            position.ids = _merge_sorted(position.ids, self.new_hashes)
        self.state = state
        return LoadResult(
            state=state,
            position=position,
            mode="checkpoint",
            checkpoint=self.path,
            new_events=len(self.tail),
            # Checking, and decoding, not the time between (the app serves meanwhile).
            seconds=self.seconds + time.perf_counter() - began,
        )


def _freeze_if_large(meta: dict[str, Any]) -> None:
    """Millions of new long-lived records: keep them out of every future collection, and
    before the collector is enabled again (its first pass would walk them all, ~1.5 s)."""
    if meta["applied"] >= FREEZE_MIN_EVENTS:
        gc.freeze()


def resume(state_dir: Path, path: Path) -> LoadResult:
    """The state of checkpoint `path` with the events after it folded on top; raises
    StaleCheckpoint (or LogError for a corrupt new line) when that is not exact."""
    return begin_resume(state_dir, path, defer_history=False).complete()


def begin_resume(state_dir: Path, path: Path, *, defer_history: bool = True) -> PendingResume:
    """Check checkpoint `path` against the log and decode its overlay part (and, unless
    `defer_history`, the rest); raises StaleCheckpoint (or LogError for a corrupt new
    line) when resuming from it would not be exact. Nothing of the checkpoint is in the
    result before every check has passed."""
    started = time.perf_counter()
    header = _read_header(path)
    meta = header.data
    if meta.get("code") != code_fingerprint():
        raise StaleCheckpoint("written by other code")
    if path.stat().st_size != header.payload_offset + int(meta["state_bytes"]):
        raise StaleCheckpoint("its size does not match its header")
    if meta.get("layout") == "columns" and int(meta["overlay_bytes"]) + int(
        meta["history_bytes"]
    ) != int(meta["state_bytes"]):
        raise StaleCheckpoint("its parts do not match its header")
    marks = {name: FileMark(*mark) for name, mark in meta["files"].items()}
    files = {p.name: p for p in list_files(state_dir)}
    for name, mark in sorted(marks.items()):  # the cheap checks first
        if name not in files:
            raise StaleCheckpoint(f"{name} disappeared", log_changed=True)
        if files[name].stat().st_size < mark.size:
            raise StaleCheckpoint(f"{name} is shorter than what it folded", log_changed=True)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)  # hand the GIL over to the checking threads sooner
    handle = path.open("rb", buffering=1 << 20)
    try:
        pending = _begin(state_dir, path, header, marks, files, handle, started, defer_history)
    except BaseException:
        handle.close()
        raise
    finally:
        sys.setswitchinterval(switch)
    if pending.handle is None:
        handle.close()
    return pending


def _begin(
    state_dir: Path,
    path: Path,
    header: _Header,
    marks: dict[str, FileMark],
    files: dict[str, Path],
    handle: BinaryIO,
    started: float,
    defer_history: bool,
) -> PendingResume:
    meta = header.data
    columns = meta.get("layout") == "columns"
    overlay_data: dict[str, Any] | None = None
    overlay: State | None = None
    state: State | None = None
    with ThreadPoolExecutor(_HASH_WORKERS) as pool:
        # The checks run beside the decoding: hashing releases the GIL.
        file_checks = {
            name: pool.submit(_verify_file, files[name], marks.get(name)) for name in files
        }
        try:
            handle.seek(header.ids_offset)
            ids_raw = handle.read(8 * int(meta["ids"]))
            if meta.get("header_sha256") != _header_digest(meta, ids_raw):
                raise StaleCheckpoint("its header does not match its checksum")
            ids = np.frombuffer(ids_raw, dtype=np.uint64).copy()
            del ids_raw
            with gc_paused():
                if columns:
                    # Small: checked before it is even unpickled.
                    raw = handle.read(int(meta["overlay_bytes"]))
                    if hashlib.sha256(raw).hexdigest() != meta["overlay_sha256"]:
                        raise StaleCheckpoint("its overlay does not match its checksum")
                    overlay_data = _PlainUnpickler(io.BytesIO(raw)).load()
                    del raw
                    if type(overlay_data) is not dict:
                        raise ValueError("the overlay part is not a mapping")
                    counters = overlay_data["counters"]
                    if defer_history:  # decoded now, returned only once every check passed
                        overlay = _decode_overlay(overlay_data)
                    else:
                        state = _decode_overlay(overlay_data)
                        size = int(meta["history_bytes"])
                        history = _read_part(
                            _HashingReader(handle, size),
                            lambda r: _PlainUnpickler(r).load(),
                            size,
                            meta["history_sha256"],
                        )
                        _decode_history(history, state)
                        del history
                        _freeze_if_large(meta)
                else:
                    size = int(meta["state_bytes"])
                    state = _read_part(
                        _HashingReader(handle, size),
                        lambda r: _RestrictedUnpickler(r).load(),
                        size,
                        meta["state_sha256"],
                    )
                    if not isinstance(state, State):
                        raise ValueError("not a state")
                    counters = [state.event_count, state.last_event_ts, state.skipped]
        except Exception as exc:  # any damage to the payload: fold from the log instead
            for future in file_checks.values():
                future.cancel()
            if isinstance(exc, StaleCheckpoint):
                raise
            raise StaleCheckpoint(f"unreadable state ({type(exc).__name__}: {exc})") from None
        checked = {name: future.result() for name, future in file_checks.items()}
    if (
        type(counters) is not list
        or len(counters) != 3
        or counters[0] + counters[2] != meta["applied"]
    ):
        raise StaleCheckpoint("its state does not match its header")
    if len(ids) != meta["applied_ids"] or (len(ids) > 1 and (np.diff(ids) < 0).any()):
        raise StaleCheckpoint("its event ids are damaged")
    last_key = tuple(meta["last_key"])
    position = Position(marks={}, last_key=last_key, applied=meta["applied"], ids=ids)
    tail: list[Event] = []
    tail_ids: set[str] = set()
    for name in sorted(checked):  # list_files order: the first copy of an id wins
        hasher, rest, mark = checked[name]
        start_line = mark.lines + 1 if mark else 1
        for event in parse_lines(files[name], rest, first_line=start_line):
            if event.id not in tail_ids:
                tail_ids.add(event.id)
                tail.append(event)
        end = rest.rfind(b"\n") + 1
        hasher.update(memoryview(rest)[:end])
        base = mark.size if mark else 0
        lines = (mark.lines if mark else 0) + rest.count(b"\n", 0, end)
        position.marks[name] = FileMark(base + end, lines, hasher.hexdigest())
        position.hashers[name] = hasher
    new_hashes = id_hashes(list(tail_ids))
    if _seen(ids, new_hashes):
        raise StaleCheckpoint("a new event repeats an event it already holds")
    tail.sort(key=_sort_key)
    if tail and _sort_key(tail[0]) <= last_key:
        raise StaleCheckpoint("a new event sorts before its last event")
    pending = PendingResume(
        path=path,
        meta=meta,
        position=position,
        new_hashes=new_hashes,
        tail=tail,
        started=started,
        overlay_data=overlay_data,
        state=state,
    )
    if state is None:
        assert overlay is not None
        overlay.apply_overlay_events(tail)
        pending.overlay = overlay
        pending.handle = handle
    pending.seconds = time.perf_counter() - started
    return pending


def checkpoints(state_dir: Path) -> list[Path]:
    """Checkpoint files of the folder, newest first."""
    found = []
    for path in state_dir.glob(CHECKPOINT_GLOB):
        with contextlib.suppress(OSError):
            found.append((path.stat().st_mtime_ns, path))
    return [path for _, path in sorted(found, reverse=True)]


def load(state_dir: Path) -> LoadResult:
    """The folded state of the folder: from the newest checkpoint that checks out, with
    the new events folded on top, or else from the whole log."""
    result = begin_load(state_dir, defer_history=False)
    assert isinstance(result, LoadResult)
    return result


def begin_load(state_dir: Path, *, defer_history: bool = True) -> PendingResume | LoadResult:
    """As `load`; but with `defer_history`, a checkpoint that checks out and whose history
    part can wait is returned as a PendingResume after only its overlay is decoded."""
    started = time.perf_counter()
    reason = "no checkpoint"
    for path in checkpoints(state_dir)[:2]:
        try:
            pending = begin_resume(state_dir, path, defer_history=defer_history)
            if pending.deferred:
                log.info(
                    "checkpoint %s checked and its overlay read, with %d newer event(s), "
                    "in %.2fs; the history follows",
                    path.name,
                    len(pending.tail),
                    pending.seconds,
                )
                return pending
            result = pending.complete()
        except LogError:
            raise
        except (StaleCheckpoint, OSError, KeyError, TypeError, ValueError) as exc:
            reason = f"{path.name}: {exc}"
            log.warning("checkpoint %s not used: %s", path, exc)
            if isinstance(exc, StaleCheckpoint) and exc.log_changed:
                break
            continue
        log.info(
            "state loaded from %s and %d newer event(s) in %.2fs",
            path.name,
            result.new_events,
            result.seconds,
        )
        return result
    state, position = fold_folder(state_dir)
    _trim_memory()  # the parsed events are gone: give their memory back
    seconds = time.perf_counter() - started
    if position.applied:
        log.info("state folded from %d event(s) in %.2fs (%s)", position.applied, seconds, reason)
    return LoadResult(
        state=state,
        position=position,
        mode="full",
        new_events=position.applied,
        reason=reason,
        seconds=seconds,
    )


def _trim_memory() -> None:
    """Return freed heap memory to the system (glibc's malloc_trim; elsewhere nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def write(state_dir: Path, writer: str, state: State, position: Position) -> Path:
    """Write `state`, the fold of `position`, as this writer's checkpoint (atomically),
    and remove older checkpoint files."""
    buffer = io.BytesIO()
    parts: dict[str, Any] = {}
    try:
        layout = "columns"
        overlay, history = _encode_columns(state)
        pickle.dump(overlay, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        cut = buffer.tell()
        pickle.dump(history, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        view = buffer.getbuffer()
        # Each part has its own checksum: the overlay is checked and served before the
        # history is read (see `begin_resume`).
        parts = {
            "overlay_bytes": cut,
            "overlay_sha256": hashlib.sha256(view[:cut]).hexdigest(),
            "history_bytes": len(view) - cut,
            "history_sha256": hashlib.sha256(view[cut:]).hexdigest(),
        }
        del view
    except _Unencodable as exc:
        log.info("checkpoint written as records: %s", exc)
        layout = "records"
        buffer = io.BytesIO()
        _RecordPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(_compact(state))
    payload = buffer.getbuffer()
    if layout == "records":
        parts = {"state_sha256": hashlib.sha256(payload).hexdigest()}
    ids = np.ascontiguousarray(position.ids, dtype=np.uint64)
    header = {
        "format": FORMAT,
        "layout": layout,
        "code": code_fingerprint(),
        "writer": writer,
        "created": datetime.now(UTC).isoformat(),
        "files": {n: [m.size, m.lines, m.sha256] for n, m in sorted(position.marks.items())},
        "last_key": list(position.last_key),
        "applied": position.applied,
        "applied_ids": len(ids),
        "ids": len(ids),
        "state_bytes": len(payload),
        **parts,
    }
    header["header_sha256"] = _header_digest(header, ids.tobytes())
    raw = json.dumps(header, separators=(",", ":")).encode()
    final = state_dir / f"checkpoint-{writer}.pickle"
    tmp = state_dir / f".checkpoint-{writer}-{os.getpid()}.tmp"
    try:
        with tmp.open("wb") as handle:
            handle.write(MAGIC + struct.pack("<Q", len(raw)) + raw)
            handle.write(ids.tobytes())
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    with contextlib.suppress(OSError):
        fsync_dir(state_dir)
    mtime = final.stat().st_mtime_ns
    for other in state_dir.glob(CHECKPOINT_GLOB):
        with contextlib.suppress(OSError):
            if other != final and other.stat().st_mtime_ns <= mtime:
                other.unlink()
    return final


# Records are written as calls of their class with their field values: unpickling then
# runs the dataclass __init__, which is faster than restoring an instance dict and keeps
# the compact attribute layout (a third less memory per record).
_RECORD_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in (
        records.AccessRequest,
        records.Comment,
        records.Discussion,
        records.ModerationAction,
        records.Preferences,
        records.Report,
        records.Safeguard,
        records.TagProposal,
    )
}


class _RecordPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        names = _RECORD_FIELDS.get(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple([getattr(obj, name) for name in names])


def _compact(state: State) -> State:
    """A shallow copy to pickle: rate-limit times that can never count again left out,
    repeated strings (artifact ids, user names, reasons, titles) shared."""
    snapshot = copy.copy(state)
    cutoff = datetime.now(UTC) - TIMES_KEPT
    for name in _TIMES:
        kept: defaultdict[Any, list[Any]] = defaultdict(list)
        for user, times in getattr(state, name).items():
            recent = [t for t in times if not isinstance(t, datetime) or _recent(t, cutoff)]
            if recent:
                kept[_intern(user)] = recent
        setattr(snapshot, name, kept)
    for report in state.reports.values():
        report.artifact_id = _intern(report.artifact_id)
        report.reporter = _intern(report.reporter)
        report.reason = _intern(report.reason)
    for discussion in state.discussions.values():
        discussion.artifact_id = _intern(discussion.artifact_id)
        discussion.author = _intern(discussion.author)
        discussion.title = _intern(discussion.title)
        if type(discussion.participants) is set:
            discussion.participants = {_intern(p) for p in discussion.participants}
    for comment in state.comments.values():
        comment.author = _intern(comment.author)
    for name in _ID_LISTS:
        rekeyed: defaultdict[Any, list[Any]] = defaultdict(list)
        rekeyed.update((_intern(k), v) for k, v in getattr(state, name).items())
        setattr(snapshot, name, rekeyed)
    return snapshot


def _intern(value: Any) -> Any:
    """The shared copy of a string (other values as they are)."""
    return sys.intern(value) if type(value) is str else value


# -- the columnar snapshot ------------------------------------------------------------------
#
# Unpickling millions of record objects one by one costs seconds; most of that is pickle's
# per-object work. The usual checkpoint is columnar instead: every string of the state goes
# once into a pool (shared again after loading: artifact ids, user names, reasons...),
# each record field is an array of pool codes (or booleans, enum codes), lists are flat
# arrays with offsets, and loading builds each record type with one `map(cls, *columns)`.
# The payload is a pickle of plain lists, dicts and bytes only: it is read with an
# unpickler that refuses every class. A state this layout cannot hold exactly (a value of
# an unexpected type, shared records) is written as pickled records instead.

_TEXT, _STR, _BOOL, _OPTBOOL, _STRLIST, _STRTUPLE, _STRSET, _COMMENTS = (
    "text",
    "str",
    "bool",
    "optbool",
    "strlist",
    "strtuple",
    "strset",
    "comments",
)
_COLUMNS: dict[type, tuple[tuple[str, Any], ...]] = {
    records.Comment: (
        ("id", _TEXT),
        ("discussion_id", _STR),
        ("author", _STR),
        ("text", _TEXT),
        ("ts", _TEXT),
        ("hidden_reason", _TEXT),
        ("hidden_by", _STR),
        ("moderation", _BOOL),
        ("action", _STR),
    ),
    records.Discussion: (
        ("id", _TEXT),
        ("artifact_id", _STR),
        ("kind", records.DiscussionKind),
        ("title", _STR),
        ("author", _STR),
        ("ts", _TEXT),
        ("status", records.DiscussionStatus),
        ("comments", _COMMENTS),
        ("participants", _STRSET),
    ),
    records.Report: (
        ("id", _TEXT),
        ("artifact_id", _STR),
        ("reporter", _STR),
        ("reason", _STR),
        ("context", _TEXT),
        ("ts", _TEXT),
        ("discussion_id", _STR),
        ("target_discussion_id", _STR),
        ("status", records.ReportStatus),
        ("additions", _STRLIST),
        ("resolution_note", _TEXT),
        ("resolved_by", _STR),
    ),
    records.TagProposal: (
        ("id", _TEXT),
        ("artifact_id", _STR),
        ("proposer", _STR),
        ("tags", _STRTUPLE),
        ("ts", _TEXT),
        ("discussion_id", _STR),
        ("status", records.ProposalStatus),
        ("decided_by", _STR),
    ),
    records.AccessRequest: (
        ("id", _TEXT),
        ("artifact_id", _STR),
        ("user", _STR),
        ("reason", _STR),
        ("ts", _TEXT),
        ("status", records.AccessStatus),
        ("decided_by", _STR),
    ),
    records.ModerationAction: (
        ("id", _TEXT),
        ("artifact_id", _STR),
        ("action", _STR),
        ("note", _TEXT),
        ("moderator", _STR),
        ("ts", _TEXT),
        ("discussion_id", _STR),
        ("comment_id", _STR),
    ),
    records.Appeal: (
        ("id", _TEXT),
        ("action_id", _STR),
        ("artifact_id", _STR),
        ("appellant", _STR),
        ("statement", _TEXT),
        ("ts", _TEXT),
        ("status", records.AppealStatus),
        ("decided_by", _STR),
        ("decision_note", _TEXT),
        ("decided_ts", _TEXT),
    ),
    records.Preferences: (("show_mature_without_popup", _BOOL),),
    records.Safeguard: (
        ("downgraded", _BOOL),
        ("private", _BOOL),
        ("disabled", _BOOL),
        ("gated", _OPTBOOL),
        ("content_warning", _BOOL),
        ("private_requested", _BOOL),
    ),
}
# The overlay part: what search, browse and page gating read (and the proposals a merge
# decision needs), small enough to decode before the app serves.
_OVERLAY_DICTS = (
    ("proposals", records.TagProposal),
    ("preferences", records.Preferences),
    ("safeguards", records.Safeguard),
)
_HISTORY_DICTS = (
    ("reports", records.Report),
    ("discussions", records.Discussion),
    ("access_requests", records.AccessRequest),
    ("appeals", records.Appeal),
)
_RECORD_DICTS = (*_HISTORY_DICTS, *_OVERLAY_DICTS)
_ID_LISTS = (
    "reports_by_artifact",
    "discussions_by_artifact",
    "proposals_by_artifact",
    "access_by_artifact",
)
_TIMES = ("report_times", "comment_times")
_DERIVED = ("action_index", "appeal_by_action")  # rebuilt by State.rebuild_indexes
_STATE_FIELDS = frozenset(
    {
        *(name for name, _ in _RECORD_DICTS),
        *_ID_LISTS,
        *_TIMES,
        "comments",
        "merged_tags",
        "actions",
        "actions_by_artifact",
        "event_count",
        "last_event_ts",
        "skipped",
        *_DERIVED,
    }
)


class _Unencodable(Exception):
    pass


class _Encoder:
    def __init__(self) -> None:
        self.pool: list[str | None] = [None]
        self._codes: dict[str | None, int] = {None: 0}

    def strings(self, values: Any) -> bytes:
        codes = self._codes
        pool = self.pool
        out = []
        for value in values:
            if type(value) is not str and value is not None:
                raise _Unencodable(f"not text: {type(value).__name__}")
            code = codes.get(value)
            if code is None:
                code = codes[value] = len(pool)
                pool.append(value)
            out.append(code)
        return np.array(out, dtype=np.int32).tobytes()

    def nested(self, lists: list[Any], kind: type) -> dict[str, bytes]:
        if any(type(items) is not kind for items in lists):
            raise _Unencodable(f"not a {kind.__name__}")
        lengths = np.fromiter((len(items) for items in lists), np.int64, len(lists))
        offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        flat = [value for items in lists for value in items]
        return {"values": self.strings(flat), "offsets": offsets.tobytes()}

    def table(self, objects: list[Any], cls: type, comments: Any = None) -> dict[str, Any]:
        if any(type(o) is not cls for o in objects):
            raise _Unencodable(f"not a {cls.__name__}")
        columns: dict[str, Any] = {"n": len(objects)}
        for name, kind in _COLUMNS[cls]:
            values = [getattr(o, name) for o in objects]
            if kind == _TEXT:  # mostly distinct: kept inline (pickle shares identical ones)
                if any(type(v) is not str and v is not None for v in values):
                    raise _Unencodable(f"{cls.__name__}.{name} not text")
                columns[name] = values
            elif kind == _STR:
                columns[name] = self.strings(values)
            elif kind == _BOOL:
                if any(type(v) is not bool for v in values):
                    raise _Unencodable(f"{cls.__name__}.{name} not a bool")
                columns[name] = np.array(values, dtype=bool).tobytes()
            elif kind == _OPTBOOL:
                if any(v is not None and type(v) is not bool for v in values):
                    raise _Unencodable(f"{cls.__name__}.{name} not a bool or None")
                codes = [-1 if v is None else int(v) for v in values]
                columns[name] = np.array(codes, dtype=np.int8).tobytes()
            elif kind == _STRLIST:
                columns[name] = self.nested(values, list)
            elif kind == _STRTUPLE:
                columns[name] = self.nested(values, tuple)
            elif kind == _STRSET:
                columns[name] = self.nested(values, set)
            elif kind == _COMMENTS:
                columns[name] = comments
            else:  # an enum
                if any(type(v) is not kind for v in values):
                    raise _Unencodable(f"{cls.__name__}.{name} not a {kind.__name__}")
                where = {member: i for i, member in enumerate(kind)}
                codes = [where[v] for v in values]
                columns[name] = np.array(codes, dtype=np.int16).tobytes()
        return columns


def _encode_columns(state: State) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state as columns (see above), in two parts with a string pool each: the
    overlay (`_OVERLAY_DICTS`, merged tags, counters) and the history (the rest). Raises
    _Unencodable when that is not exact."""
    names = {f.name for f in dataclasses.fields(State)}
    if names != _STATE_FIELDS or any(
        tuple(f.name for f in dataclasses.fields(cls)) != tuple(n for n, _ in spec)
        for cls, spec in _COLUMNS.items()
    ):
        raise _Unencodable("the record types changed")
    small = _Encoder()
    overlay: dict[str, Any] = {"format": "overlay-1"}
    encoder = _Encoder()
    out: dict[str, Any] = {"format": "columns-3"}
    # Comments: each discussion's list in turn, then any only in state.comments.
    discussions = list(state.discussions.values())
    table: list[Any] = []
    at: dict[int, int] = {}
    offsets = [0]
    for discussion in discussions:
        if type(discussion.comments) is not list:
            raise _Unencodable("discussion comments not a list")
        for comment in discussion.comments:
            if id(comment) in at:
                raise _Unencodable("a comment is shared")
            at[id(comment)] = len(table)
            table.append(comment)
        offsets.append(len(table))
    for comment in state.comments.values():
        if id(comment) not in at:
            at[id(comment)] = len(table)
            table.append(comment)
    out["comment_table"] = encoder.table(table, records.Comment)
    comment_keys = list(state.comments)
    if any(type(k) is not str for k in comment_keys):
        raise _Unencodable("comments has keys that are not text")
    out["comments"] = {
        "keys": comment_keys,
        "rows": np.array([at[id(c)] for c in state.comments.values()], np.int64).tobytes(),
    }
    comment_offsets = np.array(offsets, dtype=np.int64).tobytes()
    for name, cls in _RECORD_DICTS:
        part_encoder, part = (small, overlay) if (name, cls) in _OVERLAY_DICTS else (encoder, out)
        mapping = getattr(state, name)
        if type(mapping) is not dict or len({id(v) for v in mapping.values()}) != len(mapping):
            raise _Unencodable(f"{name} is not a plain mapping of distinct records")
        values = list(mapping.values())
        keys = list(mapping)
        if any(type(k) is not str for k in keys):
            raise _Unencodable(f"{name} has keys that are not text")
        part[name] = {
            "keys": keys,
            "values": part_encoder.table(values, cls, comments=comment_offsets),
        }
    if len({id(a) for a in state.actions}) != len(state.actions):
        raise _Unencodable("an action is shared")
    out["actions"] = encoder.table(list(state.actions), records.ModerationAction)
    for name in (*_ID_LISTS, "merged_tags"):
        mapping = getattr(state, name)
        expected = dict if name == "merged_tags" else defaultdict
        if type(mapping) is not expected:
            raise _Unencodable(f"{name} is a {type(mapping).__name__}")
        part_encoder, part = (small, overlay) if name == "merged_tags" else (encoder, out)
        part[name] = {
            "keys": part_encoder.strings(mapping),
            **part_encoder.nested(list(mapping.values()), list),
        }
    by_actions = state.actions_by_artifact
    if type(by_actions) is not defaultdict or any(
        type(v) is not list or any(type(i) is not int for i in v) for v in by_actions.values()
    ):
        raise _Unencodable("actions_by_artifact is not lists of numbers")
    lengths = [len(v) for v in by_actions.values()]
    out["actions_by_artifact"] = {
        "keys": encoder.strings(by_actions),
        "offsets": np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).tobytes(),
        "values": np.array([i for v in by_actions.values() for i in v], np.int64).tobytes(),
    }
    cutoff = datetime.now(UTC) - TIMES_KEPT
    for name in _TIMES:
        mapping = getattr(state, name)
        if type(mapping) is not defaultdict:
            raise _Unencodable(f"{name} is a {type(mapping).__name__}")
        kept = {}
        for user, times in mapping.items():
            if type(times) is not list or any(type(t) is not datetime for t in times):
                raise _Unencodable(f"{name} holds something else than times")
            recent = [t.isoformat() for t in times if _recent(t, cutoff)]
            if recent:
                kept[user] = recent
        out[name] = {"keys": encoder.strings(kept), **encoder.nested(list(kept.values()), list)}
    if type(state.event_count) is not int or type(state.skipped) is not int:
        raise _Unencodable("counters are not numbers")
    if type(state.last_event_ts) is not str:
        raise _Unencodable("last_event_ts is not text")
    overlay["counters"] = [state.event_count, state.last_event_ts, state.skipped]
    overlay["pool"] = small.pool
    out["pool"] = encoder.pool
    return overlay, out


def _recent(moment: datetime, cutoff: datetime) -> bool:
    try:
        return moment > cutoff
    except TypeError:  # a time without a zone: kept, as it cannot be compared
        return True


class _Decoder:
    def __init__(self, pool: list[str | None]) -> None:
        if type(pool) is not list or (pool and pool[0] is not None):
            raise ValueError("bad string pool")
        self.pool = pool

    def strings(self, raw: bytes) -> Any:
        codes = np.frombuffer(raw, dtype=np.int32)
        if len(codes) and (codes.min() < 0 or codes.max() >= len(self.pool)):
            raise ValueError("string code out of range")
        if len(codes) > 1:
            return itemgetter(*codes.tolist())(self.pool)
        return tuple(self.pool[c] for c in codes.tolist())

    def nested(self, columns: dict[str, bytes], kind: type) -> list[Any]:
        flat = self.strings(columns["values"])
        offsets = np.frombuffer(columns["offsets"], dtype=np.int64).tolist()
        if offsets and (offsets[0] != 0 or offsets[-1] != len(flat)):
            raise ValueError("bad offsets")
        return list(map(kind, map(flat.__getitem__, map(slice, offsets[:-1], offsets[1:]))))

    def table(self, cls: type, columns: dict[str, Any], comments: list[Any] | None = None) -> list:
        count = columns["n"]
        values: list[Any] = []
        for name, kind in _COLUMNS[cls]:
            raw = columns[name]
            if kind == _TEXT:
                if type(raw) is not list:
                    raise ValueError(f"{cls.__name__}.{name}: not a list")
                column: Any = raw
            elif kind == _STR:
                column = self.strings(raw)
            elif kind == _BOOL:
                column = np.frombuffer(raw, dtype=bool).tolist()
            elif kind == _OPTBOOL:
                column = [None if c < 0 else bool(c) for c in np.frombuffer(raw, np.int8).tolist()]
            elif kind == _STRLIST:
                column = self.nested(raw, list)
            elif kind == _STRTUPLE:
                column = self.nested(raw, tuple)
            elif kind == _STRSET:
                column = self.nested(raw, set)
            elif kind == _COMMENTS:
                assert comments is not None
                offsets = np.frombuffer(raw, dtype=np.int64).tolist()
                if offsets and (offsets[0] != 0 or offsets[-1] > len(comments)):
                    raise ValueError("bad comment offsets")
                column = list(map(comments.__getitem__, map(slice, offsets[:-1], offsets[1:])))
            else:
                members = list(kind)
                column = list(map(members.__getitem__, np.frombuffer(raw, np.int16).tolist()))
            if len(column) != count:
                raise ValueError(f"{cls.__name__}.{name}: {len(column)} values for {count}")
            values.append(column)
        return list(map(cls, *values)) if values else []


def _decode_overlay(data: dict[str, Any]) -> State:
    """A state holding only the overlay part (see `_encode_columns`) and the counters."""
    if data.get("format") != "overlay-1":
        raise ValueError("unknown overlay layout")
    decoder = _Decoder(data["pool"])
    state = State()
    for name, cls in _OVERLAY_DICTS:
        part = data[name]
        values = decoder.table(cls, part["values"])
        setattr(state, name, dict(zip(_text_list(part["keys"]), values, strict=True)))
    part = data["merged_tags"]
    state.merged_tags = dict(
        zip(decoder.strings(part["keys"]), decoder.nested(part, list), strict=True)
    )
    state.event_count, state.last_event_ts, state.skipped = data["counters"]
    return state


def _decode_history(data: dict[str, Any], state: State) -> None:
    """Fill in the history part (everything `_decode_overlay` leaves empty)."""
    if data.get("format") != "columns-3":
        raise ValueError("unknown snapshot layout")
    decoder = _Decoder(data["pool"])
    table = decoder.table(records.Comment, data["comment_table"])
    keys = _text_list(data["comments"]["keys"])
    rows = np.frombuffer(data["comments"]["rows"], dtype=np.int64)
    if len(rows) and (rows.min() < 0 or rows.max() >= len(table)):
        raise ValueError("comment row out of range")
    state.comments = dict(zip(keys, map(table.__getitem__, rows.tolist()), strict=True))
    for name, cls in _HISTORY_DICTS:
        part = data[name]
        values = decoder.table(cls, part["values"], comments=table)
        setattr(state, name, dict(zip(_text_list(part["keys"]), values, strict=True)))
    state.actions = decoder.table(records.ModerationAction, data["actions"])
    state.rebuild_indexes()
    for name in _ID_LISTS:
        part = data[name]
        mapping: defaultdict[str, list[Any]] = defaultdict(list)
        mapping.update(zip(decoder.strings(part["keys"]), decoder.nested(part, list), strict=True))
        setattr(state, name, mapping)
    part = data["actions_by_artifact"]
    offsets = np.frombuffer(part["offsets"], dtype=np.int64).tolist()
    flat = np.frombuffer(part["values"], dtype=np.int64).tolist()
    by_actions: defaultdict[str, list[int]] = defaultdict(list)
    lists = [flat[a:b] for a, b in itertools.pairwise(offsets)]
    by_actions.update(zip(decoder.strings(part["keys"]), lists, strict=True))
    state.actions_by_artifact = by_actions
    for name in _TIMES:
        part = data[name]
        times: defaultdict[str, list[datetime]] = defaultdict(list)
        for user, values in zip(
            decoder.strings(part["keys"]), decoder.nested(part, list), strict=True
        ):
            times[user] = [datetime.fromisoformat(v) for v in values]
        setattr(state, name, times)


def _text_list(value: Any) -> list[str]:
    # The payload passed its checksum and holds only plain data (no class can be named):
    # values are not checked one by one.
    if type(value) is not list:
        raise ValueError("keys are not a list")
    return value


class _PlainUnpickler(pickle.Unpickler):
    """Lists, dicts, tuples, strings, numbers and bytes only: no class can be named."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"checkpoint refers to {module}.{name}")


# -- the service's checkpointer -------------------------------------------------------------


class Checkpointer:
    """Loads the service's state and keeps a recent checkpoint of it on disk."""

    def __init__(
        self,
        state_dir: Path,
        writer: str,
        *,
        min_new_events: int = MIN_NEW_EVENTS,
        every_seconds: float = CHECK_EVERY_SECONDS,
        use_fork: bool | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.writer = writer
        self.min_new_events = min_new_events
        self.every_seconds = every_seconds
        self.use_fork = hasattr(os, "fork") if use_fork is None else use_fork
        self.position = Position()
        self.checkpointed = 0  # applied events in the newest checkpoint on disk
        self.last_load: LoadResult | None = None
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def load(self) -> State:
        """Load (see `load`), and remember what the state is the fold of."""
        result = load(self.state_dir)
        self._remember(result)
        return result.state

    def begin_load(self) -> PendingResume | None:
        """Start loading: a PendingResume whose overlay can be served while `finish_load`
        decodes the history, or None when the whole state is loaded already (a full
        fold, or a checkpoint with nothing to defer: see `last_load`)."""
        found = begin_load(self.state_dir, defer_history=True)
        if isinstance(found, PendingResume):
            return found
        self._remember(found)
        return None

    def finish_load(self, pending: PendingResume) -> State:
        """The whole state of `pending`; if its history part turns out damaged, the
        state from the next checkpoint that checks out or the whole log instead."""
        started = time.perf_counter()
        try:
            result = pending.complete()
        except (StaleCheckpoint, OSError, KeyError, TypeError, ValueError) as exc:
            log.warning("checkpoint %s not used: %s", pending.path, exc)
            result = load(self.state_dir)
        else:
            log.info(
                "history of %s decoded and %d newer event(s) folded in %.2fs",
                pending.path.name,
                result.new_events,
                time.perf_counter() - started,
            )
        self._remember(result)
        return result.state

    def _remember(self, result: LoadResult) -> None:
        self.position = result.position
        self.last_load = result
        if result.position.applied >= FREEZE_MIN_EVENTS:
            # Millions of long-lived records: keep them out of every future collection.
            gc.freeze()
        if result.mode == "checkpoint":
            self.checkpointed = self.position.applied - result.new_events
        else:
            self.checkpointed = 0

    def due(self, state: State) -> bool:
        return state.event_count + state.skipped - self.checkpointed >= self.min_new_events

    def checkpoint(self, service: Any, *, background: bool = True) -> bool:
        """Write a checkpoint of `service.state` now. The state is captured under the
        service's lock with the log idle; with fork, a child process pickles and writes
        it and this call waits for the child (the service goes on at once)."""
        with self._write_lock:
            with service.locked_state() as state:
                service.log.wait_idle()
                own = self._own_sizes()
                applied = state.event_count + state.skipped
                if background and self.use_fork:
                    pid = _fork_writer(lambda: self._write(state, own, applied))
                else:
                    return self._finish(self._write(state, own, applied), applied)
            return self._finish(_wait_child(pid), applied)

    def _finish(self, ok: bool, applied: int) -> bool:
        if ok:
            self.checkpointed = applied
        return ok

    def start(self, service: Any) -> None:
        """Check every `every_seconds` (and once now) whether a checkpoint is due, in a
        daemon thread that ends with the service."""
        ref = weakref.ref(service)

        def run() -> None:
            if self._wake.wait(min(60.0, self.every_seconds)):  # let the start-up finish
                return
            while True:
                current = ref()
                if current is None:
                    return
                try:
                    if self.due(current.state) and not self.checkpoint(current):
                        log.warning("checkpoint not written (see above); retrying later")
                except Exception:
                    log.exception("writing a checkpoint failed")
                del current
                if self._wake.wait(self.every_seconds):
                    return

        self._thread = threading.Thread(target=run, name="checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._wake.set()

    @property
    def write_lock(self) -> threading.Lock:
        """Held while a checkpoint is written; hold it to keep the folder still (the
        demo reset moves it). Take it before the service's lock, as `checkpoint` does."""
        return self._write_lock

    def _own_sizes(self) -> dict[str, int]:
        prefix = f"events-{self.writer}-"
        own = [p for p in list_files(self.state_dir) if p.name.startswith(prefix)]
        return {p.name: p.stat().st_size for p in own}

    def _write(self, state: State, own: dict[str, int], applied: int) -> bool:
        """The checkpoint of `state`, if it is exactly the fold of the log's bytes: those
        of the last fold plus this writer's own events appended since (checked)."""
        base = self.position
        marks = dict(base.marks)
        hashers = {n: h.copy() for n, h in base.hashers.items()}
        events: list[Event] = []
        for name in sorted(own):
            mark = marks.get(name)
            start = mark.size if mark else 0
            with (self.state_dir / name).open("rb") as handle:
                handle.seek(start)
                data = handle.read(own[name] - start)
            end = data.rfind(b"\n") + 1
            events.extend(
                parse_lines(self.state_dir / name, data[:end], (mark.lines if mark else 0) + 1)
            )
            hasher = hashers.get(name) or hashlib.sha256()
            hasher.update(data[:end])
            lines = (mark.lines if mark else 0) + data.count(b"\n", 0, end)
            marks[name] = FileMark(start + end, lines, hasher.hexdigest())
            hashers[name] = hasher
        if base.applied + len(events) != applied:
            log.warning("checkpoint skipped: the state and the log disagree (a failed write?)")
            return False
        keys = [_sort_key(e) for e in events]
        if keys and (keys[0] <= base.last_key or keys != sorted(keys)):
            log.warning("checkpoint skipped: own events do not come after the folded ones")
            return False
        hashes = id_hashes([e.id for e in events])
        if _seen(base.ids, hashes) or len(set(hashes.tolist())) != len(hashes):
            log.warning("checkpoint skipped: an event id repeats")
            return False
        position = Position(
            marks=marks,
            last_key=keys[-1] if keys else base.last_key,
            applied=applied,
            ids=_merge_sorted(base.ids, hashes),
            hashers=hashers,
        )
        path = write(self.state_dir, self.writer, state, position)
        log.info("checkpoint written: %s (%d events)", path.name, applied)
        return True


def _fork_writer(work: Callable[[], bool]) -> int:
    """Run `work` in a forked child (a copy-on-write snapshot of this process) and return
    its pid. The child lets go of the sockets it inherited (the server's among them),
    restores the default signal handlers, logs nothing (another thread may hold a logging
    lock) and leaves with os._exit: 0 written, 3 skipped, 1 failed."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(number, signal.SIG_DFL)  # not the app's handlers
            _release_sockets()  # the app's server socket must not outlive the app
            logging.disable(logging.CRITICAL)
            gc.disable()
            code = 0 if work() else 3
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


def _release_sockets() -> None:
    """In the child: point every inherited socket descriptor at /dev/null (the number
    stays taken, so no file opened later can be closed by a stale socket object)."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        descriptors = list(range(3, 1024))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in descriptors:
        if fd <= 2 or fd == null:
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.dup2(null, fd)
    os.close(null)


def _wait_child(pid: int) -> bool:
    deadline = time.monotonic() + CHILD_TIMEOUT_SECONDS
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            if code == 3:
                log.warning("checkpoint skipped: the state and the log disagree")
            elif code != 0:
                log.warning("the checkpoint writer process failed (exit %s)", code)
            return code == 0
        if time.monotonic() > deadline:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
            os.waitpid(pid, 0)
            log.warning("the checkpoint writer process took too long and was stopped")
            return False
        time.sleep(0.2)


__all__ = [
    "CHECKPOINT_GLOB",
    "Checkpointer",
    "LoadResult",
    "PendingResume",
    "Position",
    "StaleCheckpoint",
    "begin_load",
    "begin_resume",
    "fold_folder",
    "load",
    "resume",
    "write",
]
