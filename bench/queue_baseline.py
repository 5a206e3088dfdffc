"""The read models as they were before they moved to SQL (statequeries): the same
functions over the State in memory, under the service lock. The baseline that
tests/test_queue_sql.py compares the SQL read models with, and that bench_statedb.py
times the SQL queue against. Not used by the app."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd

from safeguards.categories import ResponseTarget
from safeguards.errors import InvalidInput
from safeguards.eventlog import parse_ts, read_events
from safeguards.moderation import (
    AUDIT_ACTIONS,
    AUDIT_COLUMNS,
    QUEUE_STATUSES,
    ItemDetail,
    OwnerResponse,
    QueueItem,
    ReporterRecord,
    _bound,
    _check_kinds,
    _check_reasons,
    _filter_text,
    _history,
    _severity,
    _target,
    _targets_spec,
    available_actions,
    reach,
    response_targets,
    score_parts,
)
from safeguards.permissions import Action, User, authorize
from safeguards.records import (
    AccessRequest,
    Artifact,
    Comment,
    Report,
    ReportStatus,
    Safeguard,
    Suspension,
)
from safeguards.research import _DTYPES, FREQUENCIES, GROUPINGS, UNCATEGORISED, _hours, _stats
from safeguards.search import effective_categories, effective_tags
from safeguards.service import Notice, ReportStory, Safeguards
from safeguards.state import APPEALABLE_ACTIONS, ARTIFACT_ACTIONS, DISCUSSION_ACTIONS, State

_FOLDS: dict[int, tuple[tuple[int, int], State]] = {}  # id(service) -> (its counts, fold)


@contextlib.contextmanager
def _locked(service: Safeguards) -> Iterator[State]:
    """The whole State in memory, under the service lock (what `Safeguards.locked_state`
    was): the log folded in memory, once per state of the service (not timed again)."""
    with service._lock:
        counts = (service.state.event_count, service.state.skipped)
        cached = _FOLDS.get(id(service))
        if cached is None or cached[0] != counts:
            cached = _FOLDS[id(service)] = (counts, State.fold(read_events(service.log.state_dir)))
        yield cached[1]


def _reporter_records(
    state: State, authors: dict[str, str], only: frozenset[str] | None = None
) -> dict[str, ReporterRecord]:
    """Records of every reporter (or of `only`), from the reports' statuses. `authors`
    maps artifact id to owner for every reported artifact the records cover."""
    counts: dict[str, list[int]] = {}
    for report in state.reports.values():
        if only is not None and report.reporter not in only:
            continue
        if authors.get(report.artifact_id) == report.reporter:
            continue  # a self-report: no weight either way
        row = counts.setdefault(report.reporter, [0, 0, 0])
        row[0] += 1
        if report.status is ReportStatus.ACTIONED:
            row[1] += 1
        elif report.status is ReportStatus.DISMISSED:
            row[2] += 1
    return {who: ReporterRecord(*row) for who, row in counts.items()}


def _reporters_weight(
    reports: Iterable[Report], artifact: Artifact, records: dict[str, ReporterRecord]
) -> float:
    """Summed weights of the distinct people behind `reports`; the owner weighs 0."""
    people = {r.reporter for r in reports} - {artifact.author}
    return round(sum(records.get(p, ReporterRecord()).weight for p in people), 2)


def _due(report: Report, hours: float) -> datetime:
    return parse_ts(report.ts) + timedelta(hours=hours)


def build_queue(
    service: Safeguards,
    user: User,
    *,
    reasons: Iterable[str] = (),
    kinds: Iterable[str] = (),
    status: str = "open",
    now: datetime | None = None,
) -> list[QueueItem]:
    """Reports grouped per artifact, most urgent first.

    `status` picks the reports that make up each item (open, dismissed, actioned, all);
    an item is kept when one of them has one of `reasons` and its artifact is one of
    `kinds` (empty: any)."""
    authorize(user, Action.VIEW_QUEUE)
    wanted_reasons = _check_reasons(reasons)
    wanted_kinds = _check_kinds(kinds)
    if not isinstance(status, str) or status not in QUEUE_STATUSES:
        raise InvalidInput("err.queue_status", statuses=", ".join(QUEUE_STATUSES))
    moment = now or datetime.now(UTC)
    targets = response_targets(_targets_spec(service))
    items: list[QueueItem] = []
    with _locked(service) as state:
        artifacts = service.catalog.get_many(state.reports_by_artifact)
        records = _reporter_records(state, {i: a.author for i, a in artifacts.items()})
        for artifact_id, report_ids in state.reports_by_artifact.items():
            artifact = artifacts.get(artifact_id)
            if artifact is None or (wanted_kinds and artifact.kind.value not in wanted_kinds):
                continue
            reports = [state.reports[r] for r in report_ids]
            chosen = [r for r in reports if status == "all" or r.status.value == status]
            if not chosen:
                continue
            if wanted_reasons and not any(r.reason in wanted_reasons for r in chosen):
                continue
            items.append(_queue_item(state, artifact, chosen, reports, moment, records, targets))
    items.sort(key=lambda i: (not i.overdue, -i.score, i.oldest, i.artifact_id))
    return items


def _queue_item(
    state: State,
    artifact: Artifact,
    chosen: list[Report],
    every: list[Report],
    now: datetime,
    records: dict[str, ReporterRecord],
    targets: dict[str, ResponseTarget],
) -> QueueItem:
    reporters = len({r.reporter for r in chosen})
    weight = _reporters_weight(chosen, artifact, records)
    severity = max(_severity(r.reason) for r in chosen)
    oldest = min(r.ts for r in chosen)
    age_hours = max((now - parse_ts(oldest)).total_seconds() / 3600, 0.0)
    answered = any(_owner_replies(state, artifact, r) for r in chosen)
    parts = score_parts(
        reporters=weight,
        severity=severity,
        downloads=artifact.downloads,
        likes=artifact.likes,
        trending=artifact.trending,
        age_hours=age_hours,
        owner_answered=answered,
    )
    counts: dict[str, int] = {}
    for report in chosen:
        counts[report.reason] = counts.get(report.reason, 0) + 1
    ordered = sorted(counts, key=lambda slug: (-_severity(slug), -counts[slug], slug))
    return QueueItem(
        artifact_id=artifact.id,
        kind=artifact.kind.value,
        author=artifact.author,
        score=round(sum(parts.values()), 2),
        parts={k: round(v, 2) for k, v in parts.items()},
        reporters=reporters,
        reports=len(chosen),
        open_reports=sum(r.status is ReportStatus.OPEN for r in every),
        reasons=tuple(ordered),
        severity=severity,
        reach=round(reach(artifact.downloads, artifact.likes, artifact.trending), 3),
        oldest=oldest,
        newest=max(r.ts for r in chosen),
        age_hours=round(age_hours, 1),
        owner_answered=answered,
        visibility=state.safeguard(artifact.id).visibility().value,
        actions=len(state.actions_by_artifact.get(artifact.id, ())),
        weight=weight,
        **_windows(state, artifact, every, now, targets),
    )


def _windows(
    state: State,
    artifact: Artifact,
    every: list[Report],
    now: datetime,
    targets: dict[str, ResponseTarget],
) -> dict[str, object]:
    """The item's response windows over its open reports: when the first decision
    target passes (and the hours left until then), and, once the owner's target of the
    earliest unanswered report has passed with no answer from them on any open report,
    that target (the item is escalated). Reports by the owner have no owner window."""
    pending = [r for r in every if r.status is ReportStatus.OPEN]
    if not pending:
        return {}
    due = min(_due(r, _target(targets, r.reason).decision_hours) for r in pending)
    found: dict[str, object] = {
        "due": due.isoformat().replace("+00:00", "Z"),
        "hours_left": round((due - now).total_seconds() / 3600, 1),
    }
    others = [r for r in pending if r.reporter != artifact.author]
    if others and not any(_owner_replies(state, artifact, r) for r in others):
        first = min(others, key=lambda r: _due(r, _target(targets, r.reason).owner_hours))
        hours = _target(targets, first.reason).owner_hours
        if _due(first, hours) < now:
            found["escalated_hours"] = hours
    return found


def _owner_replies(state: State, artifact: Artifact, report: Report) -> list[Comment]:
    """The owner's own words in a report's discussion (not the echo of a moderator's
    action, and not a self-report's text)."""
    discussion = state.discussions.get(report.discussion_id)
    if discussion is None or report.reporter == artifact.author:
        return []
    return [
        c
        for c in discussion.comments
        if c.author == artifact.author and not c.moderation and c.ts >= report.ts
    ]


def item_detail(
    service: Safeguards, user: User, artifact_id: object, *, now: datetime | None = None
) -> ItemDetail:
    authorize(user, Action.VIEW_QUEUE)
    moment = now or datetime.now(UTC)
    targets = response_targets(_targets_spec(service))
    with _locked(service) as state:
        view = service.view(user, artifact_id)  # NotFound for unknown ids
        artifact = view.artifact
        reports = [state.reports[r] for r in state.reports_by_artifact.get(artifact.id, ())]
        people = frozenset(r.reporter for r in reports)
        theirs = {r.artifact_id for r in state.reports.values() if r.reporter in people}
        authors = {i: a.author for i, a in service.catalog.get_many(theirs).items()}
        records = _reporter_records(state, authors, people)
        open_reports = [r for r in reports if r.status is ReportStatus.OPEN]
        responses = [
            OwnerResponse(r.id, r.discussion_id, copy.copy(c))
            for r in reports
            for c in _owner_replies(state, artifact, r)
        ]
        actions = [state.actions[i] for i in state.actions_by_artifact.get(artifact.id, ())]
        discussions = [
            copy.deepcopy(state.discussions[d])
            for d in state.discussions_by_artifact.get(artifact.id, ())
        ]
        guard = Safeguard(**vars(view.safeguard))
        detail = ItemDetail(
            artifact=artifact,
            tags=list(view.tags),
            categories=list(view.categories),
            card=view.card,
            safeguard=guard,
            gated=view.gated,
            content_warning=view.content_warning,
            reports=[copy.deepcopy(r) for r in reports],
            owner_responses=responses,
            actions=list(actions),
            history=_history(reports, actions),
            discussions=discussions,
            queue_item=_queue_item(state, artifact, open_reports, reports, moment, records, targets)
            if open_reports
            else None,
            available_actions=available_actions(guard, bool(open_reports), artifact.gated),
            reporter_records=records,
        )
    return detail


def audit_log(
    service: Safeguards,
    user: User,
    *,
    moderator: str = "",
    action: str = "",
    artifact: str = "",
    since: str = "",
    until: str = "",
) -> pd.DataFrame:
    """Every moderator action, newest first, with who, when, what and why.

    Filters: `moderator` (exact, any case), `action` (one of the action names),
    `artifact` (part of the id, any case), `since`/`until` (YYYY-MM-DD or ISO 8601 UTC;
    a date-only `until` includes that whole day)."""
    authorize(user, Action.VIEW_QUEUE)
    who = _filter_text(moderator, "moderator").lower()
    what = _filter_text(action, "action")
    if what and what not in AUDIT_ACTIONS:
        raise InvalidInput("err.unknown_action_short", action=what[:50])
    part = _filter_text(artifact, "artifact").lower()
    start = _bound(since, "since", end_of_day=False)
    end = _bound(until, "until", end_of_day=True)
    with _locked(service) as state:
        entries = [
            (
                a.ts,
                a.moderator,
                a.action,
                a.artifact_id,
                a.note,
                a.discussion_id,
                a.comment_id,
                a.id,
            )
            for a in state.actions.values()
        ]
        entries += [  # appeal decisions are decisions too
            (
                p.decided_ts or "",
                p.decided_by or "",
                f"appeal_{p.status.value}",
                p.artifact_id,
                p.decision_note or "",
                None,
                None,
                p.id,
            )
            for p in state.appeals.values()
            if p.decided_ts
        ]
        entries = [(*e, "") for e in entries]
        entries += _suspension_entries(state)
    rows = [
        dict(zip(AUDIT_COLUMNS, (ts, mod, act, art, note, d or "", c or "", ref, u), strict=True))
        for ts, mod, act, art, note, d, c, ref, u in entries
        if (not who or mod.lower() == who)
        and (not what or act == what)
        and (not part or part in art.lower())
        and (start is None or parse_ts(ts) >= start)
        and (end is None or parse_ts(ts) <= end)
    ]
    rows.sort(key=lambda r: (r["ts"], r["action_id"]), reverse=True)
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def _suspension_entries(state: State) -> list[tuple]:
    """Audit rows of suspensions and of their early lifting (no artifact: the user)."""
    entries: list[tuple] = []
    for s in state.suspensions.values():
        entries.append((s.ts, s.moderator, "suspend_user", "", s.note, None, None, s.id, s.user))
        if s.lifted_ts:
            lift = (s.lifted_ts, s.lifted_by or "", "lift_suspension", "", s.lift_note or "")
            entries.append((*lift, None, None, s.id, s.user))
    return entries


def moderators_seen(service: Safeguards, user: User) -> list[str]:
    """Moderators who have acted, for the audit log's filter."""
    authorize(user, Action.VIEW_QUEUE)
    with _locked(service) as state:
        found = {a.moderator for a in state.actions.values()}
        found |= {s.moderator for s in state.suspensions.values()}
        return sorted(found)


def reports_over_time(
    service: Safeguards, user: User, by: str = "reason", freq: str = "W"
) -> pd.DataFrame:
    """Reports filed per period and group: columns `period` (start of the period, UTC,
    as a timestamp), `group` (reason slug, kind, or category slug; `uncategorised` for an
    artifact without one) and `reports`. Every group has a row for every period between
    the first and the last report, zeros included, so lines do not skip empty weeks.

    A report counts once for each category of its artifact (the categories it has now,
    merged tag proposals included), so the category totals can exceed the report count.
    """
    if not isinstance(by, str) or by not in GROUPINGS:
        raise InvalidInput("err.group_by", values=", ".join(GROUPINGS))
    if not isinstance(freq, str) or freq not in FREQUENCIES:
        raise InvalidInput("err.period")
    rows: list[tuple[str, str]] = []
    with _locked(service) as state:
        for report in state.reports.values():
            for group in _groups(service, state, report, by):
                rows.append((report.ts, group))
    columns = ["period", "group", "reports"]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(columns, _DTYPES, strict=True)})
    frame = pd.DataFrame(rows, columns=["ts", "group"])
    times = pd.to_datetime(frame["ts"], utc=True, format="ISO8601").dt.tz_localize(None)
    frame["period"] = times.dt.to_period(FREQUENCIES[freq]).dt.start_time
    counts = frame.groupby(["period", "group"]).size()
    periods = pd.period_range(
        frame["period"].min(), frame["period"].max(), freq=FREQUENCIES[freq]
    ).start_time
    groups = sorted(frame["group"].unique())
    full = pd.MultiIndex.from_product([periods, groups], names=["period", "group"])
    out = counts.reindex(full, fill_value=0).rename("reports").reset_index()
    out["reports"] = out["reports"].astype("int64")
    return out


def _groups(service: Safeguards, state: State, report: Report, by: str) -> list[str]:
    if by == "reason":
        return [report.reason]
    artifact = service.catalog.get(report.artifact_id)
    if artifact is None:
        return ["unknown"]
    if by == "kind":
        return [artifact.kind.value]
    tags = effective_tags(artifact.tags, state.merged_tags.get(artifact.id, []))
    return list(effective_categories(artifact.categories, tags)) or [UNCATEGORISED]


def response_times(service: Safeguards, user: User) -> dict:
    """Hours from each report to the owner's first reply in its discussion, and to the
    first moderator decision on its artifact (any artifact action, dismiss included:
    what resolves a report). Median and 90th percentile over the reports that got one;
    `pending` counts those still waiting. Self-reports by the owner do not count toward
    the owner's time.

    Returns {"reports": n, "owner_response": {...}, "moderator_action": {...}}, each
    inner dict with count, pending, median_hours and p90_hours (None when count is 0).
    """
    owner_hours: list[float] = []
    owner_pending = 0
    action_hours: list[float] = []
    action_pending = 0
    with _locked(service) as state:
        for report in state.reports.values():
            filed = parse_ts(report.ts)
            artifact = service.catalog.get(report.artifact_id)
            if artifact is not None and artifact.author != report.reporter:
                reply = _first_owner_reply(state, report, artifact.author)
                if reply is None:
                    owner_pending += 1
                else:
                    owner_hours.append(_hours(filed, parse_ts(reply)))
            decided = _first_decision(state, report)
            if decided is None:
                if report.status is ReportStatus.OPEN:
                    action_pending += 1
            else:
                action_hours.append(_hours(filed, parse_ts(decided)))
        total = len(state.reports)
    return {
        "reports": total,
        "owner_response": _stats(owner_hours, owner_pending),
        "moderator_action": _stats(action_hours, action_pending),
    }


def _first_owner_reply(state: State, report: Report, owner: str) -> str | None:
    discussion = state.discussions.get(report.discussion_id)
    if discussion is None:
        return None
    times = [
        c.ts
        for c in discussion.comments
        if c.author == owner and not c.moderation and c.ts >= report.ts
    ]
    return min(times, default=None)


def _first_decision(state: State, report: Report) -> str | None:
    times = [
        state.actions[i].ts
        for i in state.actions_by_artifact.get(report.artifact_id, ())
        if state.actions[i].action in ARTIFACT_ACTIONS and state.actions[i].ts >= report.ts
    ]
    return min(times, default=None)


def most_reported(service: Safeguards, user: User, limit: int = 20) -> pd.DataFrame:
    """The artifacts with the most distinct reporters (all reports, any status): columns
    artifact_id, kind, reporters, reports, open, top_reason, last_report."""
    authorize(user, Action.VIEW_QUEUE)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise InvalidInput("err.limit")
    rows = []
    with _locked(service) as state:
        for artifact_id, report_ids in state.reports_by_artifact.items():
            reports = [state.reports[r] for r in report_ids]
            artifact = service.catalog.get(artifact_id)
            reasons: dict[str, int] = {}
            for report in reports:
                reasons[report.reason] = reasons.get(report.reason, 0) + 1
            rows.append(
                {
                    "artifact_id": artifact_id,
                    "kind": artifact.kind.value if artifact else "unknown",
                    "reporters": len({r.reporter for r in reports}),
                    "reports": len(reports),
                    "open": sum(r.status is ReportStatus.OPEN for r in reports),
                    "top_reason": max(sorted(reasons), key=reasons.__getitem__),
                    "last_report": max(r.ts for r in reports),
                }
            )
    columns = ["artifact_id", "kind", "reporters", "reports", "open", "top_reason", "last_report"]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.sort_values(
        ["reporters", "reports", "last_report", "artifact_id"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    return frame.head(limit).reset_index(drop=True)


def my_reports(service: Safeguards, user: User) -> list[Report]:
    authorize(user, Action.REPORT)
    with _locked(service) as state:
        mine = [r for r in state.reports.values() if r.reporter == user.username]
    return sorted(mine, key=lambda r: r.ts, reverse=True)


def my_report_stories(service: Safeguards, user: User) -> list[ReportStory]:
    """The reporter's loop: each of my reports with the owner's answer and the
    decisions taken on the artifact since, newest change first."""
    authorize(user, Action.REPORT)
    stories = []
    with _locked(service) as state:
        for report in (r for r in state.reports.values() if r.reporter == user.username):
            artifact = service.catalog.get(report.artifact_id)
            if artifact is None:
                continue
            discussion = state.discussions.get(report.discussion_id)
            comments = discussion.comments if discussion else []
            answers = [c for c in comments if c.author == artifact.author and not c.moderation]
            decisions = [
                state.actions[i]
                for i in state.actions_by_artifact.get(report.artifact_id, ())
                if state.actions[i].ts >= report.ts
                and state.actions[i].action not in DISCUSSION_ACTIONS
            ]
            times = [report.ts, *(c.ts for c in comments), *(d.ts for d in decisions)]
            stories.append(
                ReportStory(
                    report=copy.deepcopy(report),
                    owner_answer=copy.copy(answers[-1]) if answers else None,
                    decisions=decisions,
                    last_change=max(times),
                )
            )
    return sorted(stories, key=lambda s: s.last_change, reverse=True)


def my_notices(service: Safeguards, user: User) -> list[Notice]:
    """Decision notices: the moderators' actions on artifacts I own and on comments
    I wrote (reversals included), newest first, each with its appeal."""
    authorize(user, Action.APPEAL)
    now = datetime.now(UTC)
    notices = []
    with _locked(service) as state:
        for action in state.actions.values():
            about_me = service.appealable(user, action) and (
                action.comment_id or action.action not in DISCUSSION_ACTIONS
            )
            if not about_me or action.action == "dismiss":
                continue
            appeal = state.appeals.get(state.appeal_by_action.get(action.id, ""))
            deadline = service.appeal_deadline(action)
            notices.append(
                Notice(
                    action=action,
                    reasons=sorted({r.reason for r in state.reports_answered_by(action)}),
                    appeal=copy.copy(appeal) if appeal else None,
                    deadline=deadline.strftime("%Y-%m-%d"),
                    can_appeal=action.action in APPEALABLE_ACTIONS
                    and appeal is None
                    and now <= deadline,
                )
            )
    return sorted(notices, key=lambda n: (n.action.ts, n.action.id), reverse=True)


def my_access_requests(service: Safeguards, user: User) -> list[AccessRequest]:
    authorize(user, Action.REQUEST_ACCESS)
    with _locked(service) as state:
        mine = [r for r in state.access_requests.values() if r.user == user.username]
    return sorted(mine, key=lambda r: r.ts, reverse=True)


def my_suspension(service: Safeguards, user: User) -> Suspension | None:
    """The caller's suspension in force (what My activity shows), or None."""
    if not user.signed_in:
        return None
    with _locked(service) as state:
        found = state.active_suspension(user.username or "", service.clock())
        return copy.copy(found) if found else None
