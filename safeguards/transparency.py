"""The public transparency figures: per month, what was reported, what moderators did,
how fast owners and moderators answered, and how appeals ended.

Computed from the event log itself (the record researchers load), so the figures are the
same whichever way the state is stored, and anyone can recompute them from the dataset.
Nothing here names a person or quotes a text: reasons, kinds, action names, counts and
hours only. Seeded demo events (payload `"demo": true`) are left out unless asked for.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from safeguards.eventlog import Event, list_files, parse_ts, read_events
from safeguards.state import ARTIFACT_ACTIONS

if TYPE_CHECKING:
    from safeguards.service import Safeguards

COLUMNS: tuple[str, ...] = ("month", "measure", "group", "value")
ALL = "all"

# Measures, in the order the page shows them.
REPORTS_BY_REASON = "reports_by_reason"
REPORTS_BY_KIND = "reports_by_kind"
ACTIONS = "actions"
OWNER_HIDES = "owner_hides_by_reason"  # comments owners hid in their own discussions
OWNER_ANSWER_MEDIAN = "owner_answer_median_hours"
OWNER_ANSWER_P90 = "owner_answer_p90_hours"
DECISION_MEDIAN = "decision_median_hours"
DECISION_P90 = "decision_p90_hours"
APPEALS_DECIDED = "appeals_decided"
APPEALS_UPHELD_SHARE = "appeals_upheld_share"
MEASURES: tuple[str, ...] = (
    REPORTS_BY_REASON,
    REPORTS_BY_KIND,
    ACTIONS,
    OWNER_HIDES,
    OWNER_ANSWER_MEDIAN,
    OWNER_ANSWER_P90,
    DECISION_MEDIAN,
    DECISION_P90,
    APPEALS_DECIDED,
    APPEALS_UPHELD_SHARE,
)
# Suspensions are moderator decisions about a person, not an artifact: the page counts
# them among the actions (how many, never whom).
SUSPENSION_EVENTS: dict[str, str] = {
    "user.suspended": "suspend_user",
    "suspension.lifted": "lift_suspension",
}


@dataclass
class _Filed:
    """One report while the log is read: when, why, on what, and its first answers."""

    month: str
    ts: datetime
    reason: str
    artifact_id: str
    owner: str | None
    owner_answer: datetime | None = None
    decision: datetime | None = None


@dataclass
class _Tally:
    counts: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    reports: dict[str, _Filed] = field(default_factory=dict)
    by_discussion: dict[str, str] = field(default_factory=dict)  # discussion -> report
    open_by_artifact: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    appeals: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))


def is_demo(event: Event) -> bool:
    return bool(event.payload.get("demo"))


def transparency_table(
    events: Iterable[Event],
    *,
    kind_of: Callable[[str], str | None],
    owner_of: Callable[[str], str | None],
    include_demo: bool = False,
) -> pd.DataFrame:
    """The figures as one long table (month, measure, group, value), sorted; `kind_of`
    and `owner_of` look an artifact id up in the catalog. Response times are grouped by
    the month and reason of the report; a report by the artifact's owner does not count
    toward the owner's answer time (as in the Research tab)."""
    tally = _Tally()
    for event in sorted(events, key=lambda e: (e.ts, e.id)):
        if is_demo(event) and not include_demo:
            continue
        _count(tally, event, kind_of=kind_of, owner_of=owner_of)
    rows = [(m, measure, g, float(n)) for (m, measure, g), n in tally.counts.items()]
    rows += _time_rows(tally.reports.values())
    rows += _appeal_rows(tally.appeals)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    order = {m: i for i, m in enumerate(MEASURES)}
    frame["_order"] = frame["measure"].map(order)
    frame = frame.sort_values(["month", "_order", "group"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def _count(
    tally: _Tally,
    event: Event,
    *,
    kind_of: Callable[[str], str | None],
    owner_of: Callable[[str], str | None],
) -> None:
    payload, month = event.payload, event.ts[:7]
    if event.type == "report.filed":
        artifact_id, reason = str(payload["artifact_id"]), str(payload["reason"])
        owner = owner_of(artifact_id)
        filed = _Filed(month, parse_ts(event.ts), reason, artifact_id, owner)
        if owner == event.actor:
            filed.owner = None  # self-reports say nothing about the owner's answer time
        tally.reports[payload["report_id"]] = filed
        tally.by_discussion[str(payload.get("discussion_id"))] = payload["report_id"]
        tally.open_by_artifact[artifact_id].append(payload["report_id"])
        tally.counts[(month, REPORTS_BY_REASON, reason)] += 1
        tally.counts[(month, REPORTS_BY_KIND, kind_of(artifact_id) or "unknown")] += 1
    elif event.type == "comment.added":
        report = tally.reports.get(tally.by_discussion.get(str(payload.get("discussion_id")), ""))
        if report and report.owner and event.actor == report.owner and not report.owner_answer:
            report.owner_answer = parse_ts(event.ts)
    elif event.type == "moderation.action":
        action = str(payload.get("action"))
        tally.counts[(month, ACTIONS, action)] += 1
        if action in ARTIFACT_ACTIONS:
            moment = parse_ts(event.ts)
            for report_id in tally.open_by_artifact.pop(str(payload.get("artifact_id")), []):
                tally.reports[report_id].decision = moment
    elif event.type in SUSPENSION_EVENTS:  # counted, never named
        tally.counts[(month, ACTIONS, SUSPENSION_EVENTS[event.type])] += 1
    elif event.type == "comment.hidden":  # an owner's hide (moderators' are actions)
        tally.counts[(month, OWNER_HIDES, str(payload.get("reason")))] += 1
    elif event.type == "appeal.decided":
        tally.appeals[(month, str(payload.get("outcome")))] += 1


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max((end - start).total_seconds(), 0.0) / 3600


def _time_rows(reports: Iterable[_Filed]) -> list[tuple[str, str, str, float]]:
    waits: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for report in reports:
        answered = _hours(report.ts, report.owner_answer)
        decided = _hours(report.ts, report.decision)
        for group in (report.reason, ALL):
            if answered is not None:
                waits[(report.month, "owner", group)].append(answered)
            if decided is not None:
                waits[(report.month, "decision", group)].append(decided)
    names = {"owner": (OWNER_ANSWER_MEDIAN, OWNER_ANSWER_P90)}
    names["decision"] = (DECISION_MEDIAN, DECISION_P90)
    rows = []
    for (month, which, group), hours in waits.items():
        median, p90 = names[which]
        values = np.asarray(hours)
        rows.append((month, median, group, round(float(np.median(values)), 2)))
        rows.append((month, p90, group, round(float(np.percentile(values, 90)), 2)))
    return rows


def _appeal_rows(appeals: dict[tuple[str, str], int]) -> list[tuple[str, str, str, float]]:
    rows = []
    for month in sorted({m for m, _ in appeals}):
        upheld, reversed_ = appeals.get((month, "upheld"), 0), appeals.get((month, "reversed"), 0)
        decided = upheld + reversed_
        rows.append((month, APPEALS_DECIDED, ALL, float(decided)))
        if decided:
            rows.append((month, APPEALS_UPHELD_SHARE, ALL, round(upheld / decided, 3)))
    return rows


def transparency_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _log_signature(state_dir: Path) -> tuple[tuple[str, int], ...]:
    return tuple((p.name, p.stat().st_size) for p in list_files(state_dir))


_cache: dict[str, tuple[tuple[tuple[str, int], ...], pd.DataFrame]] = {}


def public_figures(service: Safeguards) -> pd.DataFrame:
    """The figures of this app's log, for anyone (no sign-in): recomputed only when a
    log file has grown, so visits to the page cost a stat per file. Demo rows count
    only in demo mode."""
    state_dir = service.settings.state_dir
    signature = _log_signature(state_dir)
    cached = _cache.get(str(state_dir))
    if cached is not None and cached[0] == signature:
        return cached[1]

    def kind_of(artifact_id: str) -> str | None:
        artifact = service.catalog.get(artifact_id)
        return artifact.kind.value if artifact else None

    def owner_of(artifact_id: str) -> str | None:
        artifact = service.catalog.get(artifact_id)
        return artifact.author if artifact else None

    frame = transparency_table(
        read_events(state_dir),
        kind_of=kind_of,
        owner_of=owner_of,
        include_demo=service.settings.demo,
    )
    _cache[str(state_dir)] = (signature, frame)
    return frame
