"""`state.db`: the state folded from the event log, kept in SQLite beside the log.

The JSON Lines log stays the record; this database is derived from it and can always be
rebuilt. Every record the fold makes (`State`) has a row here, and the database holds, in
the same transaction as those rows, the exact part of every log file they are the fold
of (`log_position`: bytes and lines of whole lines applied, SHA-256 of those bytes). So
the database never holds an event its position does not cover, nor the reverse.

* Start-up (`open_state`): every recorded file must still start with the bytes recorded
  (size and hash); the events after them (new lines, new files) are applied on top when
  they all sort after the newest applied (ts, id). Otherwise (a file changed, shrank or
  vanished, an older event arrived, the schema differs, the file is damaged) the database
  is rebuilt from the whole log into a temporary file that replaces it atomically, and the
  reason is logged.
* Writes (`capture`, then `commit_written` called by the log writer once a batch is
  fsynced): the rows an event changed are captured when it is applied (under the
  service lock, in order) and written with the new position of the writer's file in one
  transaction. A crash between the fsync and that commit leaves a log tail the next
  start-up applies.
* Several processes on one folder: each writes its own log files; a `generation` counter
  tells a process that another one wrote the database since its own last commit, and it
  then stops writing it (its events stay in the log, and the next start-up applies them)
  rather than overwrite newer rows with its older view.
* Reads (`reader`, used by `statequeries`): read-only connections from a small pool, so
  the read models run in SQL beside the writer (WAL). A write is committed here before
  the writer's caller is told it is saved, so a read after a write sees it. When this
  process has stopped writing the database (`behind`), a read gets a private in-memory
  copy of the file with the statements it lacks applied (`snapshot`), so it never shows
  less than the process acknowledged.
* The State the app serves from (`_stored_state`) holds its small tables whole and reads
  the big ones (reports, discussions, comments...) when asked; it drops what it holds
  once the database has every change (`trim`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import json
import logging
import operator
import os
import sqlite3
import threading
import time
import typing
import urllib.parse
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from safeguards import records
from safeguards.eventlog import (
    Event,
    LogError,
    format_ts,
    fsync_dir,
    gc_paused,
    list_files,
    parse_lines,
    parse_ts,
)
from safeguards.state import STORED, State, StoredMap

log = logging.getLogger(__name__)

DB_NAME = "state.db"
# Bump whenever the tables or what the fold writes into them change: an older database
# is then rebuilt from the log instead of being read with the wrong meaning.
# 2: access decision notes; 3: claims, hide/lock reasons, guidelines version;
# 4: interaction limits, suspensions, members' first activity;
# 5: access forms and the answers to them; 6: indexes for the SQL read models;
# 7: report_groups, the queue's counts kept by triggers.
SCHEMA_VERSION = 7
# The rate limits look back one hour; older times are not loaded.
TIMES_KEPT = timedelta(days=1)
PROGRESS_EVERY = 100_000  # a rebuild logs its progress every this many events

# table -> (record class, State attribute holding {id: record}). Rows keep the order the
# records were first made in (`seq`), which is the order of the State's dicts.
RECORD_TABLES: dict[str, tuple[type, str]] = {
    "reports": (records.Report, "reports"),
    "discussions": (records.Discussion, "discussions"),
    "comments": (records.Comment, "comments"),
    "proposals": (records.TagProposal, "proposals"),
    "access_requests": (records.AccessRequest, "access_requests"),
    "actions": (records.ModerationAction, "actions"),
    "appeals": (records.Appeal, "appeals"),
    "claims": (records.Claim, "claims"),
    "limits": (records.InteractionLimit, "limits"),
    "suspensions": (records.Suspension, "suspensions"),
    "members": (records.Member, "members"),
    "access_forms": (records.AccessForm, "access_forms"),
}
_NOT_STORED = {"comments"}  # Discussion.comments: rebuilt from the comments table
# The tables a served State reads when asked (`StoredMap`); the others are read whole.
_READ_WHEN_ASKED = tuple(t for t, (_, attribute) in RECORD_TABLES.items() if attribute in STORED)
# The per-artifact id lists of a served State: attribute -> table.
_BY_ARTIFACT = {
    "reports_by_artifact": "reports",
    "discussions_by_artifact": "discussions",
    "proposals_by_artifact": "proposals",
    "access_by_artifact": "access_requests",
    "actions_by_artifact": "actions",
}
# A served State drops the records it holds once it holds more than this many and the
# database has every change (`StateDB.trim`).
CACHE_KEPT = 50_000
_INDEXES = (
    "reports(artifact_id)",
    "reports(status)",
    "reports(reporter)",
    "discussions(artifact_id)",
    "comments(discussion_id)",
    "comments(author)",
    "proposals(artifact_id)",
    "access_requests(artifact_id)",
    "actions(artifact_id)",
    "appeals(action_id)",
    "appeals(status)",
    "suspensions(user)",
    # The read models (statequeries): the queue by status, My activity, the audit log.
    "reports(status, artifact_id, reporter)",
    "reports(artifact_id, reason, status, ts, reporter, discussion_id)",  # covers the queue
    "access_requests(user)",
    "actions(comment_id)",
    "comments(discussion_id, author)",
)


def _columns(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.name not in _NOT_STORED]


def _schema() -> list[str]:
    statements = [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE log_position (file TEXT PRIMARY KEY, bytes INTEGER NOT NULL,"
        " lines INTEGER NOT NULL, sha256 TEXT NOT NULL)",
        "CREATE TABLE events_seen (id TEXT PRIMARY KEY) WITHOUT ROWID",
        "CREATE TABLE safeguards (artifact_id TEXT PRIMARY KEY, downgraded INTEGER,"
        " private INTEGER, disabled INTEGER, gated INTEGER, content_warning INTEGER,"
        " private_requested INTEGER)",
        "CREATE TABLE merged_tags (artifact_id TEXT PRIMARY KEY, tags TEXT NOT NULL)",
        "CREATE TABLE preferences (user TEXT PRIMARY KEY, show_mature_without_popup INTEGER)",
        "CREATE TABLE rate_times (kind TEXT NOT NULL, user TEXT NOT NULL, ts TEXT NOT NULL)",
        "CREATE INDEX rate_times_user ON rate_times(kind, user, ts)",
    ]
    for table, (cls, _) in RECORD_TABLES.items():
        columns = ", ".join(f'"{c}"' if c != "id" else "id TEXT UNIQUE" for c in _columns(cls))
        statements.append(f"CREATE TABLE {table} (seq INTEGER PRIMARY KEY, {columns})")
    return statements


def _index_statements() -> list[str]:
    """Made after a rebuild's rows (faster than keeping them up to date row by row)."""
    return [f"CREATE INDEX ix{number} ON {target}" for number, target in enumerate(_INDEXES)]


# The reports of one artifact, reason and status, counted with the oldest one's time: the
# moderation queue ranks tens of thousands of artifacts from these rows, kept by triggers
# in the transaction of every report written. A report leaving a group takes one from its
# count and reads the group's oldest time again from the index on (artifact_id, reason,
# status, ts), one look-up, so dismissing a flood of reports costs one step per report.
# `oldest_us`: that time in microseconds since the epoch, for arithmetic (the log writes
# times as `format_ts` does).
_MICROSECONDS = "coalesce(unixepoch(substr({0}, 1, 19)) * 1000000 + substr({0}, 21, 6), 0)"
_GROUP_KEY = "artifact_id = {0}.artifact_id AND reason = {0}.reason AND status = {0}.status"
_JOIN_GROUP = (
    "INSERT INTO report_groups VALUES ({0}.artifact_id, {0}.reason, {0}.status, 1, {0}.ts,"
    f" {_MICROSECONDS.format('{0}.ts')}) ON CONFLICT DO UPDATE SET reports = reports + 1,"
    " oldest = min(oldest, excluded.oldest), oldest_us ="
    " CASE WHEN excluded.oldest < oldest THEN excluded.oldest_us ELSE oldest_us END;"
)
_LEAVE_GROUP = (
    "DELETE FROM report_groups WHERE {key} AND reports <= 1;"
    " UPDATE report_groups SET reports = reports - 1,"
    " oldest = (SELECT min(ts) FROM reports WHERE {key}) WHERE {key};"
    f" UPDATE report_groups SET oldest_us = {_MICROSECONDS.format('oldest')} WHERE {{key}};"
)


def _report_group_statements() -> list[str]:
    """The table, filled from the reports, then its triggers (after a rebuild's rows)."""
    leave_old = _LEAVE_GROUP.format(key=_GROUP_KEY.format("old"))
    return [
        "CREATE TABLE report_groups (artifact_id TEXT NOT NULL, reason TEXT NOT NULL,"
        " status TEXT NOT NULL, reports INTEGER NOT NULL, oldest TEXT NOT NULL,"
        " oldest_us INTEGER NOT NULL, PRIMARY KEY (artifact_id, reason, status)) WITHOUT ROWID",
        "INSERT INTO report_groups SELECT artifact_id, reason, status, count(*), min(ts),"
        f" {_MICROSECONDS.format('min(ts)')} FROM reports GROUP BY artifact_id, reason, status",
        f"CREATE TRIGGER report_groups_insert AFTER INSERT ON reports BEGIN"
        f" {_JOIN_GROUP.format('new')} END",
        "CREATE TRIGGER report_groups_update AFTER UPDATE ON reports"
        " WHEN old.artifact_id IS NOT new.artifact_id OR old.reason IS NOT new.reason"
        " OR old.status IS NOT new.status OR old.ts IS NOT new.ts"
        f" BEGIN {leave_old} {_JOIN_GROUP.format('new')} END",
        f"CREATE TRIGGER report_groups_delete AFTER DELETE ON reports BEGIN {leave_old} END",
    ]


def _upsert_sql(table: str, columns: list[str], key: str) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != key) or f"{key} = {key}"
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT({key}) DO UPDATE SET {updates}"
    )


_SAFEGUARD_COLUMNS = [f.name for f in dataclasses.fields(records.Safeguard)]
_UPSERT: dict[str, str] = {
    table: _upsert_sql(table, _columns(cls), "id") for table, (cls, _) in RECORD_TABLES.items()
}
_UPSERT["safeguards"] = _upsert_sql(
    "safeguards", ["artifact_id", *_SAFEGUARD_COLUMNS], "artifact_id"
)
_UPSERT["merged_tags"] = _upsert_sql("merged_tags", ["artifact_id", "tags"], "artifact_id")
_UPSERT["preferences"] = _upsert_sql("preferences", ["user", "show_mature_without_popup"], "user")
_TIME_SQL = "INSERT INTO rate_times (kind, user, ts) VALUES (?, ?, ?)"


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, set):
        return json.dumps(sorted(value), ensure_ascii=False)
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _decoder(hint: Any) -> Any:
    """How to read a column back into the field typed `hint`."""
    origin = typing.get_origin(hint)
    if hint is bool:
        return bool
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {member.value: member for member in hint}.__getitem__  # faster than hint(v)
    if origin is tuple:
        return lambda raw: tuple(json.loads(raw))
    if origin in (list, dict):
        return json.loads
    if origin is set:
        return lambda raw: set(json.loads(raw))
    if bool in typing.get_args(hint):  # bool | None
        return lambda raw: None if raw is None else bool(raw)
    return None  # stored as is


def _encoder(hint: Any) -> Any:
    """How to store a field typed `hint` (None: as it is)."""
    if hint is bool or bool in typing.get_args(hint):
        return _encode
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _encode
    if typing.get_origin(hint) in (tuple, list, set, dict):
        return _encode
    return None


def _row_maker(cls: type, columns: list[str]) -> Any:
    """A function making the row of a record of `cls` (only the columns that need it are
    converted: a rebuild makes millions of rows)."""
    hints = typing.get_type_hints(cls)
    get = operator.attrgetter(*columns)
    converted = [(i, e) for i, c in enumerate(columns) if (e := _encoder(hints[c])) is not None]

    def row(record: Any) -> tuple[Any, ...]:
        values = list(get(record))
        for i, encode in converted:
            values[i] = encode(values[i])
        return tuple(values)

    return row


_ROWS = {table: _row_maker(cls, _columns(cls)) for table, (cls, _) in RECORD_TABLES.items()}
_SAFEGUARD_ROW = _row_maker(records.Safeguard, _SAFEGUARD_COLUMNS)


def _reader(table: str, cls: type) -> tuple[str, list[tuple[int, Any]]]:
    """The SELECT giving a table's rows as the positional arguments of `cls` (in field
    order; a field not stored, Discussion.comments, comes back as a new empty list), and
    the converters of the columns that need one."""
    hints = typing.get_type_hints(cls)
    names, decoders = [], []
    for i, f in enumerate(dataclasses.fields(cls)):
        if f.name in _NOT_STORED:
            names.append("NULL")
            decoders.append((i, lambda _: []))
            continue
        names.append(f'"{f.name}"')
        decode = _decoder(hints[f.name])
        if decode is not None:
            decoders.append((i, decode))
    return f"SELECT {', '.join(names)} FROM {table} ORDER BY seq", decoders


_READERS = {table: _reader(table, cls) for table, (cls, _) in RECORD_TABLES.items()}
_SAFEGUARD_DECODERS = [_decoder(hint) for hint in typing.get_type_hints(records.Safeguard).values()]


def select_records(
    conn: sqlite3.Connection, table: str, where: str = "", params: Iterable[Any] = ()
) -> list[Any]:
    """The records of `table` whose rows match `where` (SQL over its columns), in the
    order the fold made them (the order of the State's dicts and lists)."""
    cls = RECORD_TABLES[table][0]
    select, decoders = _READERS[table]
    if where:
        select = select.replace(" ORDER BY seq", f" WHERE {where} ORDER BY seq")
    found = []
    for row in conn.execute(select, tuple(params)):
        values = list(row)
        for i, decode in decoders:
            values[i] = decode(values[i])
        found.append(cls(*values))
    return found


class _RecordSource:
    """Where a served State reads the records it does not hold: a read-only connection
    of its own (the fold reads under the service lock; this lock keeps the connection to
    one thread at a time). It sees every committed write, and a change not committed yet
    is still in the State's memory (`StateDB.trim` keeps it there)."""

    def __init__(self, path: Path) -> None:
        self._conn = _connect_reader(path)
        self._lock = threading.Lock()

    def one(self, table: str, key: Any) -> Any:
        if not isinstance(key, str):
            return None
        with self._lock:
            found = select_records(self._conn, table, "id = ?", (key,))
        return found[0] if found else None

    def many(self, table: str, where: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            return select_records(self._conn, table, where, params)

    def column(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return [row[0] for row in self._conn.execute(sql, params).fetchall()]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _stored_state(source: _RecordSource) -> State:
    """A State whose big tables read from `source` when asked (see `StoredMap`). A
    discussion comes with its comments, the same objects as those in `comments`."""
    state = State()

    def discussion(key: Any) -> Any:
        found = source.one("discussions", key)
        if found is not None:
            held = state.comments
            assert isinstance(held, StoredMap)
            rows = source.many("comments", "discussion_id = ?", (key,))
            found.comments = [held.cache.setdefault(c.id, c) for c in rows]
        return found

    for table in _READ_WHEN_ASKED:
        load = discussion if table == "discussions" else functools.partial(source.one, table)
        ids = functools.partial(source.column, f"SELECT id FROM {table} ORDER BY seq")
        setattr(state, RECORD_TABLES[table][1], StoredMap(load, ids))
    for attribute, table in _BY_ARTIFACT.items():
        of_artifact = f"SELECT id FROM {table} WHERE artifact_id = ? ORDER BY seq"
        artifacts = functools.partial(source.column, f"SELECT DISTINCT artifact_id FROM {table}")
        loaded = StoredMap(
            lambda key, sql=of_artifact: source.column(sql, (key,)), artifacts, default=list
        )
        setattr(state, attribute, loaded)
    latest = "SELECT id FROM appeals WHERE action_id = ? ORDER BY seq DESC LIMIT 1"
    state.appeal_by_action = StoredMap(
        lambda key: next(iter(source.column(latest, (key,))), None),
        functools.partial(source.column, "SELECT DISTINCT action_id FROM appeals"),
    )
    return state


def decode_safeguard(row: Iterable[Any] | None) -> records.Safeguard:
    """A `safeguards` row without its artifact_id (None: the catalog's defaults)."""
    if row is None:
        return records.Safeguard()
    values = [decode(v) for decode, v in zip(_SAFEGUARD_DECODERS, row, strict=True)]
    return records.Safeguard(*values)


def _record_rows(table: str, record: Any) -> tuple[str, tuple[Any, ...]]:
    return _UPSERT[table], _ROWS[table](record)


class StateDBError(LogError):
    """The database cannot be used or rebuilt (a clear refusal to start)."""


class _Rebuild(Exception):
    """The database must be rebuilt from the whole log; the message says why."""


_FIRST = "no database yet"
_SIZE_PRAGMAS = ("page_count", "page_size")
# A captured change: SQL and its parameters, made when the event was applied.
Op = tuple[str, tuple[Any, ...]]


def touched_ops(state: State) -> list[Op]:
    """The rows the events applied since the last call changed (State.touched)."""
    ops: list[Op] = []
    touched = state.touched
    if touched is None:
        return ops
    for table, key, value in touched:
        if table in RECORD_TABLES:
            ops.append(_record_rows(table, value))
        elif table == "safeguards":
            ops.append((_UPSERT[table], (key, *_SAFEGUARD_ROW(value))))
        elif table == "merged_tags":
            ops.append((_UPSERT[table], (key, _encode(value))))
        elif table == "preferences":
            ops.append((_UPSERT[table], (key, int(value.show_mature_without_popup))))
        else:  # "report_times" / "comment_times": one more time for `key`
            ops.append((_TIME_SQL, (table, key, value)))
    touched.clear()
    return ops


def _meta_ops(state: State, events: Iterable[Event]) -> list[Op]:
    ops: list[Op] = [("INSERT OR IGNORE INTO events_seen (id) VALUES (?)", (e.id,)) for e in events]
    values = (
        ("event_count", str(state.event_count)),
        ("skipped", str(state.skipped)),
        ("last_event_ts", state.last_event_ts),
        ("last_key", json.dumps(list(state.last_key))),
    )
    ops.append((_META_SQL, tuple(v for pair in values for v in pair)))
    return ops


_META_SQL = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?), (?, ?), (?, ?), (?, ?)"


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    # The log is what is fsynced: the database can always be repaired from it.
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


READERS_KEPT = 4  # idle read-only connections kept open


def _connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection (`mode=ro`, and `query_only` on top)."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    conn = sqlite3.connect(
        uri, uri=True, check_same_thread=False, isolation_level=None, timeout=30.0
    )
    conn.execute("PRAGMA query_only=ON")
    _add_functions(conn)
    return conn


def _py_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _ts_key(value: Any) -> Any:
    return format_ts(parse_ts(value)) if isinstance(value, str) else value


def _add_functions(conn: sqlite3.Connection) -> None:
    """Python's meaning where SQLite's differs: `py_lower` lowers every letter (SQLite's
    `lower` only ASCII), `ts_key` is a time as `format_ts` writes it (so a time written
    another way still compares as the time it is)."""
    conn.create_function("py_lower", 1, _py_lower, deterministic=True)
    conn.create_function("ts_key", 1, _ts_key, deterministic=True)


def _hash_prefix(path: Path, size: int) -> tuple[Any, int] | None:
    """SHA-256 and newline count of the first `size` bytes of `path` (read in chunks,
    never the whole file at once), or None when the file is shorter."""
    hasher = hashlib.sha256()
    lines = 0
    with path.open("rb") as handle:
        left = size
        while left:
            chunk = handle.read(min(left, 1 << 20))
            if not chunk:
                return None
            hasher.update(chunk)
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return hasher, lines


def _read_from(path: Path, offset: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read()


class StateDB:
    """Owns `state.db` in a state folder: opening (verify, apply the tail, or rebuild),
    and the writes that follow the log."""

    def __init__(self, state_dir: Path | str) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / DB_NAME
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._hashers: dict[str, Any] = {}  # running SHA-256 of each file's applied bytes
        self._sizes: dict[str, tuple[int, int]] = {}  # file -> (bytes, lines) applied
        self._generation = 0
        self.behind = False  # another writer (or a failure) made this process stop writing
        self.last_open: dict[str, Any] = {}  # what the last open did (mode, reason, seconds)
        # Read-only connections for the read models (`reader`): idle ones wait here. The
        # epoch changes when the file may have been replaced (a rebuild, a close), so a
        # connection handed out before goes back closed instead of into the pool.
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._reader_epoch = 0
        # While this process is behind: the statements of the events it acknowledged
        # that the file lacks, and the copy of the file with them that reads use.
        self._unwritten: list[Op] = []
        self._snapshot: tuple[tuple[int, ...], sqlite3.Connection] | None = None
        self._pending = 0  # captured batches not committed yet (see `trim`)
        self._source: _RecordSource | None = None  # where the served State reads

    # -- start-up -------------------------------------------------------------------

    def open_state(self, *, current: State | None = None, rebuild: str = "") -> State:
        """The whole folded state, with the database brought up to date first.

        `current`: the state this process holds (a refold after a Hub pull). When the
        database is exactly that state (this process wrote it last), the new events are
        applied to it in place instead of reading every row again. `rebuild`: why the
        database must be rebuilt from the log (`verify` found it damaged)."""
        started = time.perf_counter()
        with self._lock:
            scans = {p.name: p for p in list_files(self.state_dir)}
            try:
                if rebuild:
                    self._close_locked()
                    raise _Rebuild(rebuild)
                state, applied = self._resume(scans, current)
                mode, reason = "resume", ""
            except _Rebuild as exc:
                reason = str(exc)
                level = logging.INFO if reason == _FIRST else logging.WARNING
                log.log(level, "%s: rebuilding from the event log (%s)", self.path, reason)
                state = self._rebuild(scans)
                mode, applied = "rebuild", state.event_count + state.skipped
            state.touched = []
            self.behind = False
            self._unwritten, self._pending = [], 0
            self._drop_readers()  # a rebuild replaced the file they read
        self.last_open = {
            "mode": mode,
            "reason": reason,
            "applied": applied,
            "seconds": time.perf_counter() - started,
        }
        log.info(
            "%s: %s, %d event(s) applied in %.2fs",
            self.path,
            mode,
            applied,
            self.last_open["seconds"],
        )
        return state

    def _resume(self, scans: dict[str, Path], current: State | None) -> tuple[State, int]:
        if not self.path.exists():
            raise _Rebuild(_FIRST if not scans else "the database is missing")
        try:
            # Reuse the open connection (a refold after a failed write must not need to
            # write: the disk may be full).
            conn = self._conn or _connect(self.path)
            self._conn = None
            try:
                return self._resume_with(conn, scans, current)
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise _Rebuild(f"the database cannot be read ({exc})") from None

    def _resume_with(
        self, conn: sqlite3.Connection, scans: dict[str, Path], current: State | None
    ) -> tuple[State, int]:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            raise _Rebuild(f"schema version {meta.get('schema_version')} != {SCHEMA_VERSION}")
        # Rows are read when asked, not now: a file cut short is found here, any other
        # damage by `verify` (the whole file, while the app already serves).
        pages, page_size = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in _SIZE_PRAGMAS)
        wal = self.path.with_name(f"{DB_NAME}-wal")
        if self.path.stat().st_size < pages * page_size and not (
            wal.exists() and wal.stat().st_size
        ):
            raise _Rebuild("the database file is shorter than its pages")
        hashers: dict[str, Any] = {}
        sizes: dict[str, tuple[int, int]] = {}
        for name, size, lines, digest in conn.execute("SELECT * FROM log_position"):
            path = scans.get(name)
            if path is None:
                raise _Rebuild(f"{name} has vanished")
            found = _hash_prefix(path, size)
            if found is None:
                raise _Rebuild(f"{name} shrank below the {size} bytes applied")
            hasher, counted = found
            if hasher.hexdigest() != digest or counted != lines:
                raise _Rebuild(f"{name} no longer starts with the bytes applied")
            hashers[name], sizes[name] = hasher, (size, lines)
        last_key = tuple(json.loads(meta.get("last_key", '["", ""]')))
        tail: list[Event] = []
        tails: dict[str, bytes] = {}
        for name, path in scans.items():
            start, lines = sizes.get(name, (0, 0))
            tails[name] = data = _read_from(path, start)
            tail.extend(parse_lines(path, data, lines + 1))
        fresh = self._unseen(conn, tail)
        if any((e.ts, e.id) <= last_key for e in fresh):
            raise _Rebuild("events older than the newest applied one arrived")
        fresh.sort(key=lambda e: (e.ts, e.id))
        same = (
            current is not None
            and not self.behind
            and meta.get("generation") == str(self._generation)
            and meta.get("event_count") == str(current.event_count)
            and meta.get("skipped") == str(current.skipped)
        )  # this process wrote the database last, and holds nothing it lacks
        state = current if same and current is not None else self._load(conn, meta)
        state.touched = []
        with gc_paused():
            for event in fresh:
                state.apply(event)
        ops = touched_ops(state) + _meta_ops(state, fresh)
        changed = bool(fresh) or set(sizes) != set(scans)
        for name, data in tails.items():
            old, old_lines = sizes.get(name, (0, 0))
            end = data.rfind(b"\n") + 1  # whole lines only
            hasher = hashers.setdefault(name, hashlib.sha256())
            hasher.update(memoryview(data)[:end])
            changed = changed or end > 0
            sizes[name] = (old + end, old_lines + data.count(b"\n", 0, end))
        generation = int(meta.get("generation", "0"))
        if changed:
            generation += 1
            ops += [*self._position_ops(sizes, hashers), _generation_op(generation)]
            cutoff = format_ts(datetime.now(UTC) - TIMES_KEPT)  # can never count again
            ops.append(("DELETE FROM rate_times WHERE ts < ?", (cutoff,)))
            _run(conn, ops)
        self._conn, self._hashers, self._sizes = conn, hashers, sizes
        self._generation = generation
        return state, len(fresh)

    @staticmethod
    def _unseen(conn: sqlite3.Connection, events: list[Event]) -> list[Event]:
        """`events` without those applied already (the same id in another file) or twice."""
        fresh: list[Event] = []
        ids: set[str] = set()
        for event in events:
            if event.id in ids:
                continue
            ids.add(event.id)
            found = conn.execute("SELECT 1 FROM events_seen WHERE id = ?", (event.id,)).fetchone()
            if found is None:
                fresh.append(event)
        return fresh

    def _load(self, conn: sqlite3.Connection, meta: dict[str, str]) -> State:
        """The State of the database: its small tables read whole, the big ones read
        when asked (`_stored_state`)."""
        # A State it replaces keeps its own source (closed with it, or by `close`).
        self._source = _RecordSource(self.path)
        state = _stored_state(self._source)
        with gc_paused():
            for table, (_, attribute) in RECORD_TABLES.items():
                if table not in _READ_WHEN_ASKED:
                    setattr(state, attribute, {r.id: r for r in select_records(conn, table)})
            guard_decoders = _SAFEGUARD_DECODERS
            for row in conn.execute("SELECT * FROM safeguards"):
                values = [decode(v) for decode, v in zip(guard_decoders, row[1:], strict=True)]
                state.safeguards[row[0]] = records.Safeguard(*values)
            for artifact_id, tags in conn.execute("SELECT artifact_id, tags FROM merged_tags"):
                state.merged_tags[artifact_id] = json.loads(tags)
            for user, flag in conn.execute("SELECT * FROM preferences"):
                state.preferences[user] = records.Preferences(bool(flag))
            cutoff = format_ts(datetime.now(UTC) - TIMES_KEPT)
            for kind, user, ts in conn.execute(
                "SELECT kind, user, ts FROM rate_times WHERE ts >= ? ORDER BY rowid", (cutoff,)
            ):
                getattr(state, kind)[user].append(datetime.fromisoformat(ts))
        state.suspension_by_user = {s.user: s.id for s in state.suspensions.values()}
        state.event_count = int(meta.get("event_count", "0"))
        state.skipped = int(meta.get("skipped", "0"))
        state.last_event_ts = meta.get("last_event_ts", "")
        state.last_key = tuple(json.loads(meta.get("last_key", '["", ""]')))
        return state

    def _rebuild(self, scans: dict[str, Path]) -> State:
        """Fold the whole log and write it into a new database that replaces the old one
        atomically (temporary file, fsync, rename, fsync of the folder)."""
        events: list[Event] = []
        seen: set[str] = set()
        hashers: dict[str, Any] = {}
        sizes: dict[str, tuple[int, int]] = {}
        with gc_paused():
            for name, path in scans.items():  # one file in memory at a time
                data = path.read_bytes()
                for event in parse_lines(path, data):
                    if event.id not in seen:
                        seen.add(event.id)
                        events.append(event)
                end = data.rfind(b"\n") + 1
                hashers[name] = hashlib.sha256(memoryview(data)[:end])
                sizes[name] = (end, data.count(b"\n", 0, end))
                del data
            events.sort(key=lambda e: (e.ts, e.id))
            state = State()
            for number, event in enumerate(events, start=1):
                state.apply(event)
                if number % PROGRESS_EVERY == 0:
                    log.info("rebuild: %d of %d events folded", number, len(events))
        temporary = self.path.with_name(f".{DB_NAME}.rebuild-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        try:
            conn = sqlite3.connect(temporary, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=OFF")
                conn.execute("PRAGMA synchronous=OFF")
                conn.execute("PRAGMA cache_size=-262144")  # 256 MiB while building
                conn.execute("BEGIN")
                for statement in _schema():
                    conn.execute(statement)
                _write_all(conn, state, seen)
                for statement in _index_statements() + _report_group_statements():
                    conn.execute(statement)
                ops = _meta_ops(state, ()) + self._position_ops(sizes, hashers)
                ops += [
                    ("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)),
                    _generation_op(1),
                ]
                for sql, params in ops:
                    conn.execute(sql, params)
                conn.execute("COMMIT")
            finally:
                conn.close()
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
            for suffix in ("-wal", "-shm"):  # the old database's journal is not the new one's
                with contextlib.suppress(FileNotFoundError):
                    (self.path.parent / f"{DB_NAME}{suffix}").unlink()
            os.replace(temporary, self.path)
            fsync_dir(self.state_dir)
        except (OSError, sqlite3.Error) as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise StateDBError(f"{self.path}: cannot rebuild the database ({exc})") from None
        self._conn = _connect(self.path)
        self._hashers, self._sizes, self._generation = hashers, sizes, 1
        # Served from the database like a resumed one: the fold in memory goes.
        del state
        return self._load(self._conn, dict(self._conn.execute("SELECT key, value FROM meta")))

    @staticmethod
    def _position_ops(sizes: dict[str, tuple[int, int]], hashers: dict[str, Any]) -> list[Op]:
        return [
            (
                "INSERT OR REPLACE INTO log_position VALUES (?, ?, ?, ?)",
                (name, size, lines, hashers[name].hexdigest()),
            )
            for name, (size, lines) in sizes.items()
        ]

    # -- writes -----------------------------------------------------------------------

    def capture(self, state: State, events: list[Event]) -> list[Op]:
        """The statements for `events`, just applied to `state` (under the service lock)."""
        with self._lock:
            self._pending += 1
        return touched_ops(state) + _meta_ops(state, events)

    def trim(self, state: State) -> None:
        """Let a served State drop the records it holds once they are many and the
        database has every change it made (nothing captured is waiting for its commit,
        and this process still writes the file), so memory follows what is in use, not
        the history. Called under the service lock once a write is saved (the records
        a caller holds then already carry its changes)."""
        if state.cached() <= CACHE_KEPT:
            return
        with self._lock:
            if self._pending or self.lagging:
                return
        state.forget()

    def commit_written(self, path: Path, start: int, data: bytes, batches: list[Any]) -> None:
        """Called by the log writer once `data` is fsynced at `start` in `path`: the
        captured statements of its events and the file's new position, in one transaction.
        A failure is logged, never raised: the events are in the log, and the next
        start-up applies what the database missed."""
        with self._lock:
            ops: list[Op] = [op for batch in batches if batch is not None for op in batch]
            if self._conn is None or self.behind:
                self._unwritten += ops
                return
            name = path.name
            size, lines = self._sizes.get(name, (0, 0))
            if size != start:
                self._stop(f"{name} is at byte {start}, the database at {size}", ops)
                return
            if any(batch is None for batch in batches):
                self._stop(f"events were written to {name} without their rows", ops)
                return
            hasher = self._hashers.get(name) or hashlib.sha256()
            hasher = hasher.copy()
            hasher.update(data)
            written = len(ops)
            new = (size + len(data), lines + data.count(b"\n"))
            ops += self._position_ops({name: new}, {name: hasher})
            ops.append(_generation_op(self._generation + 1))
            try:
                _run(self._conn, ops, check_generation=self._generation)
            except _Stale:
                self._stop("another process wrote the database", ops[:written])
                return
            except sqlite3.Error as exc:
                self._stop(f"the database write failed ({exc})", ops[:written])
                return
            self._hashers[name], self._sizes[name] = hasher, new
            self._generation += 1
            self._pending -= len(batches)

    def _stop(self, why: str, ops: list[Op]) -> None:
        """Stop writing the file; `ops` (the batch that was not written) and the later
        ones are kept for the copy reads use meanwhile (`snapshot`)."""
        self._unwritten += ops
        log.error(
            "%s: %s; this process stops writing the database (the log keeps every event "
            "and the next start-up applies them)",
            self.path,
            why,
        )
        self.behind = True

    def verify(self) -> str:
        """SQLite's `quick_check` of the whole file: "" when sound, else what is wrong.
        Start-up reads no rows (the State reads them when asked), so the app runs this
        once it serves (`Safeguards.verify_state_db`) instead of making every start wait
        for a read of the whole file."""
        try:
            conn = _connect_reader(self.path)
            try:
                found = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return "" if found == ["ok"] else "; ".join(found)

    def positions(self) -> dict[str, tuple[int, int, str]]:
        """The recorded position of each file (for checks and tests)."""
        with self._lock:
            conn = self._conn or sqlite3.connect(self.path)
            return {n: (b, li, h) for n, b, li, h in conn.execute("SELECT * FROM log_position")}

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query (reads that SQL answers better than the records)."""
        with self._lock:
            assert self._conn is not None
            return self._conn.execute(sql, params).fetchall()

    # -- reads ----------------------------------------------------------------------

    @property
    def lagging(self) -> bool:
        """Whether the file may hold less than the State this process acknowledged: it
        stopped writing it (`behind`), or the database is closed (a demo reset)."""
        return self.behind or self._conn is None

    @contextlib.contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection from the pool, inside one read transaction: the queries
        of one read model see one snapshot of the file, and never wait for the writer
        (WAL). Callers check `lagging` first (see `Safeguards.reading`)."""
        with self._readers_lock:
            epoch = self._reader_epoch
            conn = self._readers.pop() if self._readers else None
        if conn is None:
            conn = _connect_reader(self.path)
        try:
            conn.execute("BEGIN")
            # The first read takes the snapshot (and opens the WAL) now, while the caller
            # knows the file is where it was (see `Safeguards.reading`).
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            try:
                yield conn
            finally:
                conn.execute("COMMIT")  # ends the read transaction (nothing is written)
        except BaseException:
            conn.close()
            raise
        with self._readers_lock:
            if epoch == self._reader_epoch and len(self._readers) < READERS_KEPT:
                self._readers.append(conn)
                conn = None
        if conn is not None:
            conn.close()

    def snapshot(self, state: State) -> sqlite3.Connection:
        """For reads while the file lags behind `state`: an in-memory copy of the file
        with the statements of the events it lacks applied (the caller holds the service
        lock, so `state` does not change meanwhile, and uses the connection under its own
        lock). Made again only when the state has changed; it copies the whole file,
        which is why it is only the fallback."""
        with self._lock:
            unwritten = list(self._unwritten)
        key = (id(state), state.event_count, state.skipped, len(unwritten))
        if self._snapshot is not None and self._snapshot[0] == key:
            return self._snapshot[1]
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        source = _connect_reader(self.path)
        try:
            source.backup(conn)
        finally:
            source.close()
        _run(conn, unwritten)
        conn.execute("PRAGMA query_only=ON")
        _add_functions(conn)
        if self._snapshot is not None:
            self._snapshot[1].close()
        self._snapshot = (key, conn)
        log.warning("%s: lags behind this process; reads use a copy of the state", self.path)
        return conn

    def _drop_readers(self) -> None:
        with self._readers_lock:
            idle, self._readers = self._readers, []
            self._reader_epoch += 1
            snapshot, self._snapshot = self._snapshot, None
        for conn in idle:
            conn.close()
        del snapshot  # not closed: a read may be using it; it closes once nothing does

    def close(self) -> None:
        """Read-only connections first: the last one to close (the writer) folds the
        WAL into the file and removes it (a read-only one cannot)."""
        with self._lock:
            self._drop_readers()
            if self._source is not None:
                self._source.close()
                self._source = None
            self._close_locked()

    def _close_locked(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _Stale(Exception):
    pass


def _generation_op(generation: int) -> Op:
    return ("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (str(generation),))


def _run(conn: sqlite3.Connection, ops: list[Op], *, check_generation: int | None = None) -> None:
    """`ops` in one transaction (BEGIN IMMEDIATE: the write lock first, then the check)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if check_generation is not None:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            if row is None or int(row[0]) != check_generation:
                raise _Stale
        for sql, params in ops:
            conn.execute(sql, params)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _write_all(conn: sqlite3.Connection, state: State, seen: Iterable[str]) -> None:
    """Every record of `state` (a rebuild)."""
    # Sorted: appending to the B-tree is much faster than inserting at random places.
    conn.executemany("INSERT INTO events_seen (id) VALUES (?)", ((i,) for i in sorted(seen)))
    for table, (_, attribute) in RECORD_TABLES.items():
        found = getattr(state, attribute)
        rows = found if isinstance(found, list) else found.values()
        conn.executemany(_UPSERT[table], map(_ROWS[table], rows))
    conn.executemany(
        _UPSERT["safeguards"],
        ((k, *_SAFEGUARD_ROW(v)) for k, v in state.safeguards.items()),
    )
    conn.executemany(
        _UPSERT["merged_tags"], ((k, _encode(v)) for k, v in state.merged_tags.items())
    )
    conn.executemany(
        _UPSERT["preferences"],
        ((k, int(v.show_mature_without_popup)) for k, v in state.preferences.items()),
    )
    cutoff = datetime.now(UTC) - TIMES_KEPT  # older times can never count again
    for kind in ("report_times", "comment_times"):
        conn.executemany(
            _TIME_SQL,
            (
                (kind, user, format_ts(t))
                for user, times in getattr(state, kind).items()
                for t in times
                if t >= cutoff
            ),
        )
