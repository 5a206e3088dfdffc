"""The read models in SQL: what the moderation queue, an item, the audit log, research
and My activity read from state.db (see `Safeguards.reading` for the connection).

Each function takes a read-only connection and keyword-only arguments, and returns plain
values or records; the callers (moderation, research, service) turn them into what they
showed when they read the State in memory, with the same order and the same values.
Artifact owners live in the catalog, not in state.db: the queries that need them take
`owners` (artifact id -> author) and read it as a table with `json_each`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from safeguards.eventlog import format_ts
from safeguards.records import (
    AccessRequest,
    Appeal,
    AppealStatus,
    Comment,
    Discussion,
    ModerationAction,
    Report,
    Safeguard,
    Suspension,
)
from safeguards.statedb import decode_safeguard, select_records

# A CTE of the `owners` argument, materialised so SQLite indexes it for the joins.
_OWNERS = "owners(artifact_id, author) AS MATERIALIZED (SELECT key, value FROM json_each(?))"


def _json(values: object) -> str:
    return json.dumps(values)  # ASCII escapes: the fast encoder; json_each reads them back


def _marks(values: Iterable[object]) -> tuple[str, tuple[object, ...]]:
    """`IN (...)` placeholders as one JSON parameter (any number of values)."""
    return "(SELECT value FROM json_each(?))", (_json(list(values)),)


# -- the moderation queue --------------------------------------------------------------


def reported_artifacts(conn: sqlite3.Connection) -> list[str]:
    """Every artifact with a report (any status): the queue's candidates, whose owners
    the caller looks up in the catalog."""
    return [row[0] for row in conn.execute("SELECT DISTINCT artifact_id FROM reports")]


def reporter_counts(
    conn: sqlite3.Connection, *, owners: dict[str, str], only: Iterable[str] | None = None
) -> dict[str, tuple[int, int, int]]:
    """Per reporter (or per reporter of `only`): reports filed, actioned, dismissed —
    the trust record that weighs their reports. Reports on one's own artifact (`owners`)
    are left out, so an owner cannot raise their record by flagging themselves."""
    where = ""
    params: tuple[object, ...] = (_json(owners),)
    if only is not None:
        subquery, extra = _marks(only)
        where = f"AND r.reporter IN {subquery}"
        params += extra
    rows = conn.execute(
        f"WITH {_OWNERS} "
        "SELECT r.reporter, count(*), sum(r.status = 'actioned'), sum(r.status = 'dismissed')"
        " FROM reports r LEFT JOIN owners o ON o.artifact_id = r.artifact_id"
        f" WHERE (o.author IS NULL OR o.author != r.reporter) {where}"
        " GROUP BY r.reporter ORDER BY min(r.seq)",
        params,
    )
    return {who: (filed, actioned, dismissed) for who, filed, actioned, dismissed in rows}


class ReportGroup(NamedTuple):
    """The reports of one artifact with one reason and status (a tuple: the queue reads
    tens of thousands of them)."""

    reason: str
    status: str
    count: int
    oldest: str  # ts of the oldest (string order, as the records compare)
    newest: str
    answered: int  # 1: the owner replied in the discussion of one not filed by them
    # The oldest of those not filed by the owner: its ts, char(1), its place in the fold's
    # order (which breaks ties of time); None when the owner filed them all.
    others_first: str | None

    @property
    def others_oldest(self) -> str:
        return (self.others_first or "").rpartition("\x01")[0]

    @property
    def others_seq(self) -> int:
        return int((self.others_first or "").rpartition("\x01")[2])


@dataclass(slots=True)
class ArtifactReports:
    """What the queue scores one artifact on: its reports grouped, the distinct people
    behind the reports of the status asked for and their summed trust weights (the
    owner's left out), the moderator actions recorded on it and its safeguard now."""

    artifact_id: str
    groups: list[ReportGroup] = field(default_factory=list)
    reporters: int = 0
    weight: float = 0.0  # not rounded
    actions: int = 0
    safeguard: Safeguard | None = None  # None: none set (the catalog's defaults)


def queue_inputs(
    conn: sqlite3.Connection,
    *,
    owners: dict[str, str],
    weights: dict[str, float],
    status: str = "all",
    artifact_ids: Collection[str] | None = None,
) -> dict[str, ArtifactReports]:
    """The queue's inputs for every artifact of `owners` with a report (or only those
    of `artifact_ids`: the items a page shows): report counts per reason and status with
    their oldest and newest times and whether the owner answered; for the reports of
    `status`, `reporter_weights`; the action count and the safeguard. Grouped here so
    the queue scores artifacts, not reports.

    Owners join only where an owner reported something (`self_reporting`): elsewhere
    every report is someone else's, and the owners' answers come from their comments
    (`answered_groups`), so no per-report look-up into the comments is needed."""
    subquery, extra = _marks(sorted(artifact_ids)) if artifact_ids is not None else ("", ())
    one = f"AND r.artifact_id IN {subquery}" if extra else ""
    selfish = _json(self_reporting(conn, owners=owners))
    found: dict[str, ArtifactReports] = {}
    # Reports outside, read in the order of the index on (artifact_id, reason, status,
    # ...), so the groups come without a sort.
    rows = conn.execute(
        f"WITH {_OWNERS} SELECT r.artifact_id, r.reason, r.status, count(*), min(r.ts),"
        " max(r.ts), 0, min(CASE WHEN o.author IS NULL OR r.reporter != o.author"
        "  THEN r.ts || char(1) || printf('%020d', r.seq) END)"
        " FROM reports r LEFT JOIN owners o ON o.artifact_id = r.artifact_id"
        f" WHERE 1 {one} GROUP BY r.artifact_id, r.reason, r.status",
        (selfish, *extra),
    )
    answered = answered_groups(conn, owners=owners, artifact_ids=artifact_ids)
    make = ReportGroup._make
    for row in rows:
        aid = row[0]
        if aid not in owners:
            continue
        item = found.get(aid)
        if item is None:
            item = found[aid] = ArtifactReports(aid)
        group = make(row[1:])
        if answered and row[:3] in answered:
            group = group._replace(answered=1)
        item.groups.append(group)
    if not found:
        return found
    people = reporter_weights(
        conn, owners=owners, weights=weights, status=status, artifact_ids=artifact_ids
    )
    for aid, (count, weight) in people.items():
        if aid in found:
            found[aid].reporters, found[aid].weight = count, weight
    one = f"WHERE artifact_id IN {subquery}" if extra else ""
    for aid, count in conn.execute(
        f"SELECT artifact_id, count(*) FROM actions {one} GROUP BY artifact_id", extra
    ):
        if aid in found:
            found[aid].actions = count
    for aid, *values in conn.execute(f"SELECT * FROM safeguards {one}", extra):
        if aid in found:
            found[aid].safeguard = decode_safeguard(values)
    return found


def reporter_weights(
    conn: sqlite3.Connection,
    *,
    owners: dict[str, str],
    weights: dict[str, float],
    status: str = "all",
    artifact_ids: Collection[str] | None = None,
) -> dict[str, tuple[int, float]]:
    """Per artifact with a report of `status`: the distinct people behind them and the
    sum of their `weights` (not rounded). Anyone not in `weights` weighs 1 and the
    owner 0, so the people are counted in the index and only the few who do not weigh
    1 are read one by one (a join per report costs about twice as much)."""
    where, params = _report_filter(status, artifact_ids)
    found = {
        aid: [count, float(count)]
        for aid, count in conn.execute(
            f"SELECT artifact_id, count(DISTINCT reporter) FROM reports WHERE {where}"
            " GROUP BY artifact_id",
            params,
        )
    }
    special = set(weights) | set(self_reporting(conn, owners=owners).values())
    if special:
        subquery, people = _marks(sorted(special))
        rows = conn.execute(
            f"SELECT DISTINCT artifact_id, reporter FROM reports WHERE {where}"
            f" AND reporter IN {subquery}",
            (*params, *people),
        )
        for aid, who in rows:
            if aid in found:
                weight = 0.0 if who == owners.get(aid) else weights.get(who, 1.0)
                found[aid][1] += weight - 1.0
    return {aid: (count, weight) for aid, (count, weight) in found.items()}


def _report_filter(
    status: str, artifact_ids: Collection[str] | None
) -> tuple[str, tuple[object, ...]]:
    """A WHERE clause on `reports` for one status ("all": any) and a few artifacts."""
    where, params = ["1"], []
    if status != "all":
        where.append("status = ?")
        params.append(status)
    if artifact_ids is not None:
        subquery, ids = _marks(sorted(artifact_ids))
        where.append(f"artifact_id IN {subquery}")
        params.extend(ids)
    return " AND ".join(where), tuple(params)


class GroupRows(NamedTuple):
    """`report_groups` as columns, in the order of (artifact, reason, status): what the
    queue ranks every artifact on before it reads the few items a page shows."""

    artifact_ids: list[str]
    reasons: list[str]
    chosen: list[int]  # 1: of the status asked for
    open: list[int]  # 1: open
    reports: list[int]
    oldest_us: list[int]  # the oldest report's time in microseconds since the epoch


def report_group_rows(conn: sqlite3.Connection, *, status: str = "all") -> GroupRows:
    """Every (artifact, reason, status) with a report: its count and oldest time, kept by
    the triggers of `statedb`, so no report row is read."""
    rows = conn.execute(
        "SELECT artifact_id, reason, ? = 'all' OR status = ?, status = 'open', reports,"
        " oldest_us FROM report_groups ORDER BY artifact_id, reason, status",
        (status, status),
    ).fetchall()
    if not rows:
        return GroupRows([], [], [], [], [], [])
    return GroupRows(*(list(column) for column in zip(*rows, strict=True)))


def self_reporting(conn: sqlite3.Connection, *, owners: dict[str, str]) -> dict[str, str]:
    """The part of `owners` whose owner has filed a report (on anything): the only
    artifacts that can have a report by their own owner, so the only owners the queries
    need to join (usually few, where joining every owner costs a look-up per report)."""
    if len(owners) <= 1:
        return owners
    names = _json(sorted(set(owners.values())))
    people = {
        row[0]
        for row in conn.execute(
            "SELECT value FROM json_each(?)"
            " WHERE EXISTS (SELECT 1 FROM reports WHERE reporter = value)",
            (names,),
        )
    }
    return {aid: author for aid, author in owners.items() if author in people}


def answered_groups(
    conn: sqlite3.Connection,
    *,
    owners: dict[str, str],
    artifact_ids: Collection[str] | None = None,
) -> set[tuple[str, str, str]]:
    """(artifact, reason, status) of the report groups the owner answered: a report
    not filed by the owner whose discussion has the owner's own words (not the echo of
    a moderator's action) since it was filed. Read from the owners' comments first
    (few), then the reports of those discussions."""
    if artifact_ids is not None:
        owners = {i: owners[i] for i in artifact_ids if i in owners}
    names = sorted(set(owners.values()))
    subquery, params = _marks(names)
    said = conn.execute(
        "SELECT discussion_id, author, max(ts) FROM comments"
        f" WHERE moderation = 0 AND author IN {subquery} GROUP BY discussion_id, author",
        params,
    ).fetchall()
    if not said:
        return set()
    last = {(discussion, author): ts for discussion, author, ts in said}
    subquery, params = _marks({discussion for discussion, _, _ in said})
    rows = conn.execute(
        "SELECT artifact_id, reason, status, reporter, ts, discussion_id FROM reports"
        f" WHERE discussion_id IN {subquery}",
        params,
    )
    found = set()
    for aid, reason, status, reporter, ts, discussion in rows:
        owner = owners.get(aid)
        if owner is None or reporter == owner:
            continue
        since = last.get((discussion, owner))
        if since is not None and since >= ts:
            found.add((aid, reason, status))
    return found


def decided_counts(
    conn: sqlite3.Connection, *, owners: dict[str, str]
) -> dict[str, tuple[int, int]]:
    """Per reporter with a decided report: how many were actioned and dismissed, self-
    reports left out (`owners`: at least every artifact whose owner reported it). The
    queue's trust weights need no more: without a decided report a weight is 1."""
    rows = conn.execute(
        f"WITH {_OWNERS} SELECT r.reporter, sum(r.status = 'actioned'),"
        " sum(r.status = 'dismissed') FROM reports r"
        " LEFT JOIN owners o ON o.artifact_id = r.artifact_id"
        " WHERE r.status IN ('actioned', 'dismissed')"
        " AND (o.author IS NULL OR o.author != r.reporter) GROUP BY r.reporter",
        (_json(owners),),
    )
    return {who: (actioned, dismissed) for who, actioned, dismissed in rows}


# -- one item --------------------------------------------------------------------------


def artifact_reports(conn: sqlite3.Connection, *, artifact_id: str) -> list[Report]:
    """The artifact's reports, in the order they were filed (the item's list)."""
    return select_records(conn, "reports", "artifact_id = ?", (artifact_id,))


def artifacts_reported_by(conn: sqlite3.Connection, *, reporters: Iterable[str]) -> list[str]:
    """Every artifact someone of `reporters` reported: the owners their records need."""
    subquery, params = _marks(reporters)
    rows = conn.execute(
        f"SELECT DISTINCT artifact_id FROM reports WHERE reporter IN {subquery}", params
    )
    return [row[0] for row in rows]


def owner_replies(conn: sqlite3.Connection, *, report: Report, owner: str) -> list[Comment]:
    """The owner's own words in a report's discussion since it was filed (not the echo
    of a moderator's action, and none on a self-report)."""
    if report.reporter == owner:
        return []
    return select_records(
        conn,
        "comments",
        "discussion_id = ? AND author = ? AND moderation = 0 AND ts >= ?",
        (report.discussion_id, owner, report.ts),
    )


def artifact_actions(conn: sqlite3.Connection, *, artifact_id: str) -> list[ModerationAction]:
    """The moderator actions on an artifact, oldest first (its history and `seen`)."""
    return select_records(conn, "actions", "artifact_id = ?", (artifact_id,))


def artifact_discussions(conn: sqlite3.Connection, *, artifact_id: str) -> list[Discussion]:
    """Every discussion on the artifact with its comments (for lock, close and hide)."""
    discussions = select_records(conn, "discussions", "artifact_id = ?", (artifact_id,))
    by_id = {d.id: d for d in discussions}
    comments = select_records(
        conn,
        "comments",
        "discussion_id IN (SELECT id FROM discussions WHERE artifact_id = ?)",
        (artifact_id,),
    )
    for comment in comments:
        by_id[comment.discussion_id].comments.append(comment)
    return discussions


def safeguard(conn: sqlite3.Connection, *, artifact_id: str) -> Safeguard:
    """The artifact's safeguard now (the catalog's defaults when none was set)."""
    row = conn.execute("SELECT * FROM safeguards WHERE artifact_id = ?", (artifact_id,)).fetchone()
    return decode_safeguard(row[1:] if row else None)


# -- the audit log ---------------------------------------------------------------------

_AUDIT_ROWS = (
    "SELECT ts, moderator, action, artifact_id, note, discussion_id, comment_id, id,"
    " '' AS \"user\", 0 AS src, seq, 0 AS sub FROM actions"
    " UNION ALL SELECT decided_ts, coalesce(decided_by, ''), 'appeal_' || status, artifact_id,"
    " coalesce(decision_note, ''), NULL, NULL, id, '', 1, seq, 0 FROM appeals"
    " WHERE coalesce(decided_ts, '') != ''"
    " UNION ALL SELECT ts, moderator, 'suspend_user', '', note, NULL, NULL, id, \"user\", 2, seq, 0"
    " FROM suspensions"
    " UNION ALL SELECT lifted_ts, coalesce(lifted_by, ''), 'lift_suspension', '',"
    " coalesce(lift_note, ''), NULL, NULL, id, \"user\", 2, seq, 1 FROM suspensions"
    " WHERE coalesce(lifted_ts, '') != ''"
)


def audit_rows(
    conn: sqlite3.Connection,
    *,
    moderator: str = "",
    action: str = "",
    artifact: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[tuple]:
    """The audit log's rows, newest first: every moderator action, every appeal decision
    and every suspension and its lifting, filtered in SQL (`moderator` lower-cased and
    exact, `action` exact, `artifact` a lower-cased part of the id, times inclusive).
    Each row: ts, moderator, action, artifact_id, note, discussion_id, comment_id,
    action_id, user."""
    start = format_ts(since) if since is not None else None
    end = format_ts(until) if until is not None else None
    rows = conn.execute(
        f'SELECT ts, moderator, action, artifact_id, note, discussion_id, comment_id, id, "user"'
        f" FROM ({_AUDIT_ROWS})"
        " WHERE (? = '' OR py_lower(moderator) = ?) AND (? = '' OR action = ?)"
        " AND (? = '' OR instr(py_lower(artifact_id), ?) > 0)"
        " AND (? IS NULL OR ts_key(ts) >= ?) AND (? IS NULL OR ts_key(ts) <= ?)"
        # Newest first; rows of one time and id keep the order the fold made them in.
        " ORDER BY ts DESC, id DESC, src, seq, sub",
        (moderator, moderator, action, action, artifact, artifact, start, start, end, end),
    )
    return rows.fetchall()


def moderators(conn: sqlite3.Connection) -> list[str]:
    """Everyone who acted as a moderator (actions and suspensions), for the filter."""
    rows = conn.execute("SELECT moderator FROM actions UNION SELECT moderator FROM suspensions")
    return sorted(row[0] for row in rows)


# -- research --------------------------------------------------------------------------


def report_counts_by(conn: sqlite3.Connection, *, column: str) -> list[tuple[str, str, int]]:
    """Reports per (`column`: reason or artifact_id, time filed): what the charts of
    reports over time count, the same time counted once with its number."""
    if column not in ("reason", "artifact_id"):
        raise ValueError(column)
    rows = conn.execute(f"SELECT {column}, ts, count(*) FROM reports GROUP BY {column}, ts")
    return rows.fetchall()


def merged_tags(conn: sqlite3.Connection, *, artifact_ids: Iterable[str]) -> dict[str, list]:
    """The tags merged into these artifacts' cards by accepted proposals."""
    subquery, params = _marks(artifact_ids)
    rows = conn.execute(
        f"SELECT artifact_id, tags FROM merged_tags WHERE artifact_id IN {subquery}", params
    )
    return {aid: json.loads(tags) for aid, tags in rows}


def report_timings(
    conn: sqlite3.Connection, *, owners: dict[str, str], decisions: Iterable[str]
) -> list[tuple[str, str, bool, str | None, str | None]]:
    """Per report: when it was filed, its status, whether the owner's answer counts
    (the artifact is known and the reporter is not its owner), the owner's first reply
    in its discussion since it was filed, and the first of the `decisions` (artifact
    actions) on its artifact since then."""
    names, params = _marks(decisions)
    rows = conn.execute(
        f"WITH {_OWNERS} SELECT r.ts, r.status,"
        " o.author IS NOT NULL AND o.author != r.reporter,"
        " (SELECT min(c.ts) FROM comments c WHERE c.discussion_id = r.discussion_id"
        "  AND c.author = o.author AND c.moderation = 0 AND c.ts >= r.ts),"
        " (SELECT min(a.ts) FROM actions a WHERE a.artifact_id = r.artifact_id"
        f"  AND a.action IN {names} AND a.ts >= r.ts)"
        " FROM reports r LEFT JOIN owners o ON o.artifact_id = r.artifact_id",
        (_json(owners), *params),
    )
    return [
        (ts, status, bool(counts), reply, decided) for ts, status, counts, reply, decided in rows
    ]


def most_reported_rows(conn: sqlite3.Connection) -> list[tuple]:
    """Per reported artifact: distinct reporters, reports, open ones, the reason with the
    most reports (the first in name order on a tie) and the newest report's time."""
    rows = conn.execute(
        "WITH reasons AS (SELECT artifact_id, reason, count(*) AS n FROM reports"
        " GROUP BY artifact_id, reason),"
        " top AS (SELECT artifact_id, reason, row_number() OVER"
        " (PARTITION BY artifact_id ORDER BY n DESC, reason) AS place FROM reasons)"
        " SELECT r.artifact_id, count(DISTINCT r.reporter), count(*), sum(r.status = 'open'),"
        " t.reason, max(r.ts) FROM reports r JOIN top t"
        " ON t.artifact_id = r.artifact_id AND t.place = 1"
        " GROUP BY r.artifact_id ORDER BY min(r.seq)"
    )
    return rows.fetchall()


# -- My activity -----------------------------------------------------------------------


def reports_by(conn: sqlite3.Connection, *, reporter: str) -> list[Report]:
    """A reporter's reports, in the order they were filed."""
    return select_records(conn, "reports", "reporter = ?", (reporter,))


def discussion_comments(
    conn: sqlite3.Connection, *, discussion_ids: Iterable[str]
) -> dict[str, list[Comment]]:
    """The comments of these discussions, each list in the thread's order."""
    subquery, params = _marks(discussion_ids)
    found: dict[str, list[Comment]] = {}
    for comment in select_records(conn, "comments", f"discussion_id IN {subquery}", params):
        found.setdefault(comment.discussion_id, []).append(comment)
    return found


def actions_on(
    conn: sqlite3.Connection, *, artifact_ids: Iterable[str]
) -> dict[str, list[ModerationAction]]:
    """The moderator actions on these artifacts, each list oldest first."""
    subquery, params = _marks(artifact_ids)
    found: dict[str, list[ModerationAction]] = {}
    for action in select_records(conn, "actions", f"artifact_id IN {subquery}", params):
        found.setdefault(action.artifact_id, []).append(action)
    return found


def acted_artifacts(conn: sqlite3.Connection) -> list[str]:
    """Artifacts with an action not on a comment: the owners the notices need."""
    rows = conn.execute(
        "SELECT DISTINCT artifact_id FROM actions WHERE coalesce(comment_id, '') = ''"
    )
    return [row[0] for row in rows]


def actions_about(
    conn: sqlite3.Connection, *, user: str, owned: Iterable[str], thread_actions: Iterable[str]
) -> list[ModerationAction]:
    """The actions a user gets a notice of, oldest first: on a comment they wrote, or on
    an artifact of `owned` (theirs) unless it is one of `thread_actions` (about someone
    else's thread); never a dismissal (nothing was done to them)."""
    owned_ids, owned_params = _marks(owned)
    names, name_params = _marks(thread_actions)
    return select_records(
        conn,
        "actions",
        "action != 'dismiss' AND ("
        " (coalesce(comment_id, '') != '' AND comment_id IN"
        "  (SELECT id FROM comments WHERE author = ?))"
        f" OR (coalesce(comment_id, '') = '' AND artifact_id IN {owned_ids}"
        f"  AND action NOT IN {names}))",
        (user, *owned_params, *name_params),
    )


def pending_appeals(conn: sqlite3.Connection) -> list[Appeal]:
    """The appeals waiting for a decision."""
    return select_records(conn, "appeals", "status = ?", (AppealStatus.PENDING.value,))


def appeals_of(conn: sqlite3.Connection, *, action_ids: Iterable[str]) -> dict[str, Appeal]:
    """The appeal filed on each of these actions (the latest, as the fold indexes it)."""
    subquery, params = _marks(action_ids)
    records = select_records(conn, "appeals", f"action_id IN {subquery}", params)
    return {a.action_id: a for a in records}


def reasons_answered(conn: sqlite3.Connection, *, action_ids: Iterable[str]) -> dict[str, set[str]]:
    """The reasons of the reports each of these actions resolved."""
    subquery, params = _marks(action_ids)
    found: dict[str, set[str]] = {}
    rows = conn.execute(
        f"SELECT resolved_by, reason FROM reports WHERE resolved_by IN {subquery}", params
    )
    for action_id, reason in rows:
        found.setdefault(action_id, set()).add(reason)
    return found


def latest_suspension(conn: sqlite3.Connection, *, user: str) -> Suspension | None:
    """The user's latest suspension (lifted or not, expired or not), or None."""
    found = select_records(
        conn,
        "suspensions",
        'seq = (SELECT max(seq) FROM suspensions WHERE "user" = ?)',
        (user,),
    )
    return found[0] if found else None


def access_requests_by(conn: sqlite3.Connection, *, user: str) -> list[AccessRequest]:
    """A user's access requests, in the order they were made."""
    return select_records(conn, "access_requests", '"user" = ?', (user,))
