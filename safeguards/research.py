"""The research view's domain: what draws reports over time, which artifacts draw the
most reporters, how fast owners and moderators answer, and the whole log as a dataset.

Who sees what (the design has no researcher role, so the line follows what a number
reveals):

- Aggregates — reports over time by reason, kind or category, and the response-time
  statistics — are open to everyone, visitors included. They count reports without
  naming an artifact, a reporter or a word of a report, which is what researchers study
  and what the post argues should be open.
- `most_reported` names artifacts with their number of reporters. A report is visible
  only to its reporter, the owner and the moderators (report discussions are private),
  and an open report is an accusation nobody has checked yet; so the list is for
  moderators.
- `export_dataset` is the whole event log: usernames, report texts, hidden comments,
  preferences. Moderators only. Researchers get it from the moderators, or from the Hub
  dataset repository the log is pushed to (`SAFEGUARDS_HUB_DATASET`), whose access the
  deployer controls.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from safeguards import statequeries, transparency
from safeguards.demo_seed import is_demo_event
from safeguards.errors import Conflict, InvalidInput
from safeguards.eventlog import parse_ts, read_events
from safeguards.permissions import Action, User, authorize
from safeguards.records import ReportStatus
from safeguards.search import effective_categories, effective_tags
from safeguards.service import Safeguards
from safeguards.state import ARTIFACT_ACTIONS, EVENT_TYPES

GROUPINGS: tuple[str, ...] = ("reason", "kind", "category")
FREQUENCIES: dict[str, str] = {"D": "D", "W": "W", "M": "M"}  # day, week (Mon-Sun), month
UNCATEGORISED = "uncategorised"
_DTYPES = ("datetime64[ns]", "object", "int64")  # of period, group, reports
EVENT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("ts", pa.string()),
        ("actor", pa.string()),
        ("type", pa.string()),
        ("payload", pa.string()),
        ("demo", pa.bool_()),  # written by the demo's seed (`"demo": true` in the payload)
    ]
)


# -- aggregates (everyone) ------------------------------------------------------------


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
    rows: list[tuple[str, str, int]] = []  # (time filed, group, reports filed then)
    with service.reading() as conn:
        if by == "reason":
            counted = statequeries.report_counts_by(conn, column="reason")
            rows = [(ts, reason, n) for reason, ts, n in counted]
        else:
            counted = statequeries.report_counts_by(conn, column="artifact_id")
            groups = _groups(service, conn, {aid for aid, _, _ in counted}, by)
            rows = [(ts, group, n) for aid, ts, n in counted for group in groups[aid]]
    columns = ["period", "group", "reports"]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(columns, _DTYPES, strict=True)})
    frame = pd.DataFrame(rows, columns=["ts", "group", "n"])
    times = pd.to_datetime(frame["ts"], utc=True, format="ISO8601").dt.tz_localize(None)
    frame["period"] = times.dt.to_period(FREQUENCIES[freq]).dt.start_time
    counts = frame.groupby(["period", "group"])["n"].sum()
    periods = pd.period_range(
        frame["period"].min(), frame["period"].max(), freq=FREQUENCIES[freq]
    ).start_time
    groups = sorted(frame["group"].unique())
    full = pd.MultiIndex.from_product([periods, groups], names=["period", "group"])
    out = counts.reindex(full, fill_value=0).rename("reports").reset_index()
    out["reports"] = out["reports"].astype("int64")
    return out


def _groups(
    service: Safeguards, conn: sqlite3.Connection, artifact_ids: set[str], by: str
) -> dict[str, list[str]]:
    """Per artifact, the groups its reports count in: its kind, or its categories now
    (merged tag proposals included)."""
    artifacts = service.catalog.get_many(artifact_ids)
    merged = statequeries.merged_tags(conn, artifact_ids=artifacts) if by == "category" else {}
    found: dict[str, list[str]] = {}
    for artifact_id in artifact_ids:
        artifact = artifacts.get(artifact_id)
        if artifact is None:
            found[artifact_id] = ["unknown"]
        elif by == "kind":
            found[artifact_id] = [artifact.kind.value]
        else:
            tags = effective_tags(artifact.tags, merged.get(artifact.id, []))
            categories = list(effective_categories(artifact.categories, tags))
            found[artifact_id] = categories or [UNCATEGORISED]
    return found


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
    with service.reading() as conn:
        reported = statequeries.reported_artifacts(conn)
        owners = {i: a.author for i, a in service.catalog.get_many(reported).items()}
        timings = statequeries.report_timings(conn, owners=owners, decisions=ARTIFACT_ACTIONS)
    for ts, status, owner_counts, reply, decided in timings:
        filed = parse_ts(ts)
        if owner_counts:
            if reply is None:
                owner_pending += 1
            else:
                owner_hours.append(_hours(filed, parse_ts(reply)))
        if decided is None:
            if status == ReportStatus.OPEN.value:
                action_pending += 1
        else:
            action_hours.append(_hours(filed, parse_ts(decided)))
    return {
        "reports": len(timings),
        "owner_response": _stats(owner_hours, owner_pending),
        "moderator_action": _stats(action_hours, action_pending),
    }


def _hours(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / 3600


def _stats(hours: list[float], pending: int) -> dict:
    if not hours:
        return {"count": 0, "pending": pending, "median_hours": None, "p90_hours": None}
    values = np.asarray(hours)
    return {
        "count": len(hours),
        "pending": pending,
        "median_hours": round(float(np.median(values)), 2),
        "p90_hours": round(float(np.percentile(values, 90)), 2),
    }


# -- named artifacts and the whole log (moderators) -----------------------------------


def most_reported(service: Safeguards, user: User, limit: int = 20) -> pd.DataFrame:
    """The artifacts with the most distinct reporters (all reports, any status): columns
    artifact_id, kind, reporters, reports, open, top_reason, last_report."""
    authorize(user, Action.VIEW_QUEUE)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise InvalidInput("err.limit")
    with service.reading() as conn:
        found = statequeries.most_reported_rows(conn)
    artifacts = service.catalog.get_many([row[0] for row in found])
    rows = [
        {
            "artifact_id": artifact_id,
            "kind": artifacts[artifact_id].kind.value if artifact_id in artifacts else "unknown",
            "reporters": reporters,
            "reports": reports,
            "open": open_reports,
            "top_reason": top_reason,
            "last_report": last_report,
        }
        for artifact_id, reporters, reports, open_reports, top_reason, last_report in found
    ]
    columns = ["artifact_id", "kind", "reporters", "reports", "open", "top_reason", "last_report"]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.sort_values(
        ["reporters", "reports", "last_report", "artifact_id"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    return frame.head(limit).reset_index(drop=True)


def export_dataset(service: Safeguards, user: User, out_dir: Path) -> Path:
    """Write the whole event log as a Hugging Face dataset folder: `events.parquet`
    (one row per event, in log order) and a `README.md` dataset card. Load it with
    `datasets.load_dataset(str(out_dir), split="train")` or `pd.read_parquet`.

    The payload is kept as a JSON string: its fields differ per event type, and a string
    column keeps one flat schema every reader agrees on. Raises Conflict for an empty log
    (`datasets` refuses a split with no rows)."""
    authorize(user, Action.VIEW_QUEUE)
    events = read_events(service.settings.state_dir)
    if not events:
        raise Conflict("err.log_empty")
    table = pa.table(
        {
            "id": [e.id for e in events],
            "ts": [e.ts for e in events],
            "actor": [e.actor for e in events],
            "type": [e.type for e in events],
            "payload": [
                json.dumps(e.payload, ensure_ascii=False, separators=(",", ":")) for e in events
            ],
            "demo": [is_demo_event(e.payload) for e in events],
        },
        schema=EVENT_SCHEMA,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / "events.parquet.partial"
    pq.write_table(table, partial, compression="zstd")
    partial.replace(out_dir / "events.parquet")
    figures = transparency.public_figures(service)  # the public page's monthly figures
    figures.to_parquet(out_dir / "transparency.parquet", index=False)
    counts: dict[str, int] = {}
    for event in events:
        counts[event.type] = counts.get(event.type, 0) + 1
    demo_rows = sum(table.column("demo").to_pylist())
    card = dataset_card(len(events), events[0].ts, events[-1].ts, counts, demo_rows=demo_rows)
    (out_dir / "README.md").write_text(card, encoding="utf-8")
    return out_dir


def export_zip(service: Safeguards, user: User, work_dir: Path | None = None) -> Path:
    """The dataset folder of `export_dataset`, zipped for a one-click download:
    `<work_dir>/openness-safeguards-log-<time>.zip` holding events.parquet and README.md
    in a folder of the same name."""
    authorize(user, Action.VIEW_QUEUE)
    base = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="safeguards-export-"))
    name = f"openness-safeguards-log-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    folder = base / name
    export_dataset(service, user, folder)
    archive = base / f"{name}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.iterdir()):
            zipped.write(path, f"{name}/{path.name}")
    shutil.rmtree(folder)
    return archive


_PAYLOAD_FIELDS: dict[str, str] = {
    "report.filed": "report_id, artifact_id, reason, context, discussion_id, comment_id, "
    "title, target_discussion_id, policy",
    "report.extended": "report_id, context, comment_id",
    "discussion.opened": "discussion_id, artifact_id, title, text, comment_id",
    "comment.added": "discussion_id, text, comment_id",
    "discussion.status": "discussion_id, status",
    "proposal.opened": "proposal_id, artifact_id, tags, discussion_id, comment_id, title, text",
    "proposal.decided": "proposal_id, status, text",
    "access.requested": "request_id, artifact_id, reason, answers (optional: the access "
    "form's answers by field label), approval (optional: auto when approved at once)",
    "access.form_set": "artifact_id, approval (auto/manual), prompt, fields "
    "([{label, type, options}]: the access form that replaces the card's); or artifact_id, "
    "cleared (true: the card's form applies again)",
    "access.decided": "request_id, status, note (optional: the reason shown to the requester)",
    "preference.set": "show_mature_without_popup",
    "moderation.action": "action_id, artifact_id, action, note, policy (guidelines version) "
    "(+ discussion_id, comment_id for discussion actions; reason for hide_comment, "
    "optional for lock_discussion)",
    "comment.hidden": "artifact_id, discussion_id, comment_id, reason, policy "
    "(an owner hid a comment on their artifact)",
    "moderation.claimed": "artifact_id (a moderator took the queue item)",
    "moderation.released": "artifact_id (the holder gave the item back)",
    "limit.set": "artifact_id, level (established or owner), duration (1d, 3d, 1w, 1m, 6m); "
    "it expires at the event's time plus the duration",
    "limit.lifted": "artifact_id (the limit ended early)",
    "user.suspended": "suspension_id, user, period (1d, 3d, 1w, 1m, 6m or until_lifted), note",
    "suspension.lifted": "suspension_id, note (a moderator ended it early)",
}


def dataset_card(
    rows: int, first: str, last: str, counts: dict[str, int], *, demo_rows: int = 0
) -> str:
    """The README.md of the exported dataset: `configs` front matter so `datasets`
    finds the parquet file, what every field means, and which rows are demo data."""
    if demo_rows:
        demo_note = (
            f"**{demo_rows} of the {rows} events are demo data**: the example history a "
            "demo-mode app writes when it starts on an empty state folder (fictional "
            "people and reports about the demo catalog). Their `demo` column is true and "
            'their payload holds `"demo": true`; drop them before studying real activity: '
            '`df = df[~df["demo"]]`.'
        )
    else:
        demo_note = "No event is demo data (the `demo` column is false on every row)."

    types = "\n".join(
        f"| `{t}` | {counts.get(t, 0)} | {_PAYLOAD_FIELDS.get(t, '')} |"
        for t in sorted(set(EVENT_TYPES) | set(counts))
    )
    actions = ", ".join(f"`{a}`" for a in ARTIFACT_ACTIONS)
    return f"""---
pretty_name: Openness Safeguards event log
configs:
- config_name: default
  data_files: events.parquet
- config_name: transparency
  data_files: transparency.parquet
tags:
- moderation
- ethics
- tabular
---

# Openness Safeguards event log

Every change made in an Openness Safeguards app — flags (reports), discussions, tag
proposals, gated-access requests, content preferences and moderator actions — as an
append-only list of immutable events. Exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC:
{rows} events from {first} to {last}.

The app puts into practice the safeguards described in the Hugging Face post
[Ethics and Society Newsletter #3: Ethical Openness at Hugging Face](https://huggingface.co/blog/ethics-soc-3)
(CC-BY-4.0).

```python
import json

from datasets import load_dataset
log = load_dataset("path/to/this/folder", split="train")
df = log.to_pandas()
df["payload"] = df["payload"].map(json.loads)
```

The public transparency figures (per month: reports by reason and kind, actions by type,
median and p90 hours to the owner's first answer and to a decision, appeals) are the
`transparency` configuration: `load_dataset(folder, "transparency", split="train")`, one row
per (`month`, `measure`, `group`, `value`), with no usernames and no texts.

## Fields

| field | type | meaning |
|---|---|---|
| `id` | string | unique event id |
| `ts` | string | UTC time, ISO 8601 with microseconds and `Z`; string order is time order |
| `actor` | string or null | username of who caused the event (null: not signed in / system) |
| `type` | string | the event type, below |
| `payload` | string | a JSON object whose fields depend on `type` |
| `demo` | bool | true for the demo's seeded example history (not real activity) |

Rows are in log order: by `ts`, then `id`.

## Demo data

{demo_note}

## Event types

| type | events | payload fields |
|---|---|---|
{types}

Moderator actions on an artifact: {actions}. `restore` resets every safeguard to what
the catalog says; `dismiss` closes the open reports without changing the artifact. Any
other artifact action marks the open reports as actioned. Discussion actions:
`lock_discussion`, `unlock_discussion`, `close_discussion`, `reopen_discussion`,
`hide_comment`, `unhide_comment` (a `hide_comment` carries `reason`, one of spam, abuse,
off-topic, outdated, duplicate, resolved, shown in place of the comment; its note is for
moderators).

## Personal information

The log holds usernames and the free text people wrote (report context, comments,
moderator notes), hidden comments included. Share it only as the app's deployers and
its users would expect, and remove or pseudonymise usernames before publishing.
"""
