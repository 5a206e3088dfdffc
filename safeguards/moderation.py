"""The moderator panel's domain: the prioritised report queue, an item's full context,
acting on it (alone or in bulk) and the audit log. No Gradio here.

Every function takes the caller as a `User` and checks rights first (`VIEW_QUEUE` to
read, `MODERATE` to act), so the UI and raw HTTP calls get the same refusal. The read
models (the queue, an item, the audit log) read state.db through `Safeguards.reading`
(one snapshot per read, see `statequeries`), so a page never renders half of a write and
never holds a live record another request may change.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from safeguards import statequeries
from safeguards.cards import ParsedCard
from safeguards.catalog import Catalog
from safeguards.categories import REASON_BY_SLUG, ResponseTarget, parse_response_targets
from safeguards.errors import Conflict, InvalidInput
from safeguards.eventlog import gc_paused, parse_ts
from safeguards.i18n import Term
from safeguards.permissions import Action, User, authorize
from safeguards.records import (
    Artifact,
    Comment,
    Discussion,
    Kind,
    ModerationAction,
    Report,
    ReportStatus,
    Safeguard,
)
from safeguards.service import MODERATION_ACTIONS, Safeguards
from safeguards.state import ARTIFACT_ACTIONS
from safeguards.textrules import clean_text

QUEUE_STATUSES: tuple[str, ...] = ("open", "dismissed", "actioned", "all")


# What the audit log lists: every moderator action, every appeal decision, and every
# suspension of a user and its lifting.
AUDIT_ACTIONS: tuple[str, ...] = (
    *MODERATION_ACTIONS,
    "appeal_upheld",
    "appeal_reversed",
    "suspend_user",
    "lift_suspension",
)
AUDIT_COLUMNS: tuple[str, ...] = (
    "ts",
    "moderator",
    "action",
    "artifact_id",
    "note",
    "discussion_id",
    "comment_id",
    "action_id",
    "user",  # the user a suspension is about ("" for the other rows)
)

# Weights of the priority score; see `priority_score`.
W_REPORTERS = 10.0
W_SEVERITY = 4.0
W_REACH = 6.0
W_AGE = 2.0
W_ANSWERED = 5.0


# -- reporter trust -------------------------------------------------------------------

TRUST_MIN_DECIDED = 5  # decided reports before a record moves the weight
TRUST_MAX_WEIGHT = 3.0


def reporter_weight(*, actioned: int, dismissed: int) -> float:
    """How much one person's report counts in the queue score (Discourse-style: a flag
    is weighed by the flagger's past accuracy). The formula:

        weight = 1                                   fewer than 5 decided reports
        weight = clamp(1 + 4 × (A − ½), 0, 3)        A = actioned / (actioned + dismissed)

    A newcomer counts 1; someone whose reports were all acted on counts 3; half right
    stays at 1; a quarter right or worse counts 0, so one account filing many false
    reports sinks its items instead of raising them. Decided means a moderator actioned
    or dismissed the report; open reports do not count, and reports on one's own
    artifacts are left out of the record (and weigh 0), so owners cannot raise their
    own trust by flagging themselves."""
    decided = max(actioned, 0) + max(dismissed, 0)
    if decided < TRUST_MIN_DECIDED:
        return 1.0
    accuracy = max(actioned, 0) / decided
    return round(min(max(1 + 4 * (accuracy - 0.5), 0.0), TRUST_MAX_WEIGHT), 2)


@dataclass(frozen=True)
class ReporterRecord:
    """One person's reports on others' artifacts: filed, and how moderators decided."""

    filed: int = 0
    actioned: int = 0
    dismissed: int = 0

    @property
    def weight(self) -> float:
        return reporter_weight(actioned=self.actioned, dismissed=self.dismissed)


def _reporter_records(
    conn: sqlite3.Connection, authors: dict[str, str], only: frozenset[str] | None = None
) -> dict[str, ReporterRecord]:
    """Records of every reporter (or of `only`), from the reports' statuses in state.db.
    `authors` maps artifact id to owner for every reported artifact the records cover."""
    counts = statequeries.reporter_counts(conn, owners=authors, only=only)
    return {who: ReporterRecord(*row) for who, row in counts.items()}


# -- response windows -----------------------------------------------------------------


@lru_cache(maxsize=8)
def response_targets(spec: str = "") -> dict[str, ResponseTarget]:
    """Per reason, the hours for the owner's first answer and for a decision: the
    defaults in `categories.RESPONSE_TARGETS` with `SAFEGUARDS_RESPONSE_TARGETS`
    applied (the service's settings hold the checked text)."""
    return parse_response_targets(spec)


def _target(targets: dict[str, ResponseTarget], reason: str) -> ResponseTarget:
    return targets.get(reason) or targets["other"]


# -- the priority score ---------------------------------------------------------------


def reach(downloads: int, likes: int, trending: float) -> float:
    """How many people an artifact reaches, about 0 (unknown) to 1 (the most used on the
    Hub): the mean of log10(1 + downloads) / 8, log10(1 + likes) / 4 and
    min(trending, 50) / 50. Logarithms, because a model with a million downloads is not
    a thousand times more urgent than one with a thousand."""
    return float(reach_columns(np.asarray(downloads), np.asarray(likes), np.asarray(trending)))


def reach_columns(downloads: np.ndarray, likes: np.ndarray, trending: np.ndarray) -> np.ndarray:
    """`reach` of many artifacts at once (the queue ranks thousands). One formula, in
    numpy, for both, so an item ranks by the very figure it shows."""
    return (
        np.log10(1 + np.maximum(downloads, 0)) / 8
        + np.log10(1 + np.maximum(likes, 0)) / 4
        + np.minimum(np.maximum(trending, 0.0), 50.0) / 50
    ) / 3


def score_parts(
    *,
    reporters: float,
    severity: int,
    downloads: int,
    likes: int,
    trending: float,
    age_hours: float,
    owner_answered: bool,
) -> dict[str, float]:
    """The terms of `priority_score`, so the panel can show why an item ranks where it
    does."""
    return _parts(reporters, severity, reach(downloads, likes, trending), age_hours, owner_answered)


def _parts(
    reporters: float, severity: int, reach_value: float, age_hours: float, answered: bool
) -> dict[str, float]:
    """`score_parts` with the reach already computed (the queue needs it on its own)."""
    terms = score_terms(np.float64(reporters), severity, reach_value, age_hours, answered)
    return {name: float(value) for name, value in zip(SCORE_TERMS, terms, strict=True)}


SCORE_TERMS = ("reporters", "severity", "reach", "age", "answered")


def score_terms(
    reporters: Any, severity: Any, reach_value: Any, age_hours: Any, answered: Any
) -> tuple[Any, ...]:
    """The terms of `priority_score` (named in `SCORE_TERMS`), of one item or of many at
    once as numpy columns: one formula for the queue's ranking and the items it shows."""
    return (
        W_REPORTERS * np.log2(1 + np.maximum(reporters, 0)),
        W_SEVERITY * severity,
        W_REACH * reach_value,
        W_AGE * np.log2(1 + np.maximum(age_hours, 0.0) / 24),
        np.where(answered, -W_ANSWERED, 0.0),
    )


def priority_score(
    *,
    reporters: float,
    severity: int,
    downloads: int,
    likes: int,
    trending: float,
    age_hours: float,
    owner_answered: bool,
) -> float:
    """The queue's priority: higher is more urgent. The formula, term by term:

        score = 10 × log2(1 + R)      R: summed trust weights of the distinct people
                                         with a report in the item (`reporter_weight`:
                                         1 each until their reports have a record)
              +  4 × S                S: highest severity (1-5) of the reports' reasons
              +  6 × reach            reach: 0..1, see `reach` (downloads, likes, trending)
              +  2 × log2(1 + D)      D: days since the item's oldest report
              −  5 if answered        the owner has replied in a report discussion

    Why these weights: a second independent reporter (+5.8) counts more than a week of
    waiting (+6 after 7 days) but less than one step of severity between a spam report
    and child-safety (4 per step); one severity-5 report (30 with one reporter) still
    outranks three spam reports (24); reach moves an item by at most about 6, so a huge
    model does not drown a small one with serious reports; age grows slowly but without
    bound, so nothing waits forever; an owner who answered in the open has started to
    handle it, which lowers the urgency without hiding the item. Distinct reporters,
    not reports, so one person repeating a flag cannot raise it; weighted by their past
    accuracy, so a reliable reporter lifts an item (weight 3: +20 alone) and one whose
    reports keep being dismissed adds nothing (weight 0), and an owner's report on
    their own artifact adds nothing either.

    The queue is sorted overdue first (an item whose oldest open report has passed the
    decision target of its reason, see `response_targets`), then by this score.
    """
    return round(
        sum(
            score_parts(
                reporters=reporters,
                severity=severity,
                downloads=downloads,
                likes=likes,
                trending=trending,
                age_hours=age_hours,
                owner_answered=owner_answered,
            ).values()
        ),
        2,
    )


# -- the queue ------------------------------------------------------------------------


class QueueItem(NamedTuple):
    """One artifact with its reports (of the chosen status), ranked by `score`. A tuple,
    not a frozen dataclass: the queue makes tens of thousands at once, and a frozen
    dataclass costs about 8x more to build."""

    artifact_id: str
    kind: str
    author: str
    score: float
    parts: dict[str, float]
    reporters: int  # distinct
    reports: int
    open_reports: int
    reasons: tuple[str, ...]  # most severe first
    severity: int
    reach: float
    oldest: str  # ts of the oldest report in the item
    newest: str
    age_hours: float
    owner_answered: bool
    visibility: str
    actions: int  # moderator actions recorded on the artifact: pass it to `act` as seen
    weight: float = 0.0  # R of the score: summed trust weights of the distinct reporters
    # Response windows, over the artifact's open reports (None when none is open):
    due: str | None = None  # when the first decision target passes
    hours_left: float | None = None  # until `due`; negative once overdue
    escalated_hours: float | None = None  # the owner's target that passed unanswered

    @property
    def overdue(self) -> bool:
        return self.hours_left is not None and self.hours_left < 0


class ArtifactFacts(NamedTuple):
    """The few catalog fields the queue reads per artifact (a whole `Artifact`, card
    and all, costs about 20x more to read for thousands of items)."""

    id: str
    kind: str
    author: str
    downloads: int
    likes: int
    trending: float

    @classmethod
    def of(cls, artifact: Artifact) -> ArtifactFacts:
        return cls(
            artifact.id,
            artifact.kind.value,
            artifact.author,
            artifact.downloads,
            artifact.likes,
            artifact.trending,
        )


_FACT_COLUMNS = ("kind", "author", "downloads", "likes", "trending")


def artifact_facts(catalog: Catalog, artifact_ids: Sequence[str]) -> dict[str, ArtifactFacts]:
    """`ArtifactFacts` of the ids that exist in the catalog, read column by column."""
    columns = catalog.columns_of(artifact_ids, _FACT_COLUMNS)
    return {facts.id: facts for facts in map(ArtifactFacts._make, zip(*columns, strict=True))}


class _ReasonFacts(NamedTuple):
    severity: int
    decision: timedelta  # the decision target
    owner: timedelta  # the owner's target
    owner_hours: float


class _ReasonTable(dict[str, _ReasonFacts]):
    """Per reason, its severity and response targets as timedeltas, made once per
    reason and read for every group (the queue reads tens of thousands)."""

    def __init__(self, targets: dict[str, ResponseTarget]) -> None:
        super().__init__()
        self.targets = targets

    def __missing__(self, reason: str) -> _ReasonFacts:
        target = _target(self.targets, reason)
        facts = _ReasonFacts(
            _severity(reason),
            timedelta(hours=target.decision_hours),
            timedelta(hours=target.owner_hours),
            target.owner_hours,
        )
        self[reason] = facts
        return facts


_OPEN = ReportStatus.OPEN.value
_NO_SAFEGUARD = Safeguard().visibility().value  # an artifact no moderator has touched


QUEUE_PAGE = 200  # the items the moderators' table shows


@dataclass(frozen=True)
class QueuePage:
    """The most urgent items of the queue and the figures of the whole of it: the panel
    shows a page, and ranking every item costs far less than building every one."""

    items: list[QueueItem]
    total: int  # items in the whole queue
    reports: int  # their reports of the status asked for
    oldest_hours: float | None  # the longest wait among items with an open report
    overdue: int


def build_queue(
    service: Safeguards,
    user: User,
    *,
    reasons: Iterable[str] = (),
    kinds: Iterable[str] = (),
    status: str = "open",
    now: datetime | None = None,
) -> list[QueueItem]:
    """Reports grouped per artifact, most urgent first: every item (`queue_page`)."""
    return queue_page(
        service, user, reasons=reasons, kinds=kinds, status=status, now=now, shown=None
    ).items


def queue_page(
    service: Safeguards,
    user: User,
    *,
    reasons: Iterable[str] = (),
    kinds: Iterable[str] = (),
    status: str = "open",
    now: datetime | None = None,
    shown: int | None = QUEUE_PAGE,
) -> QueuePage:
    """The first `shown` items of the queue (None: all), most urgent first.

    `status` picks the reports that make up each item (open, dismissed, actioned, all);
    an item is kept when one of them has one of `reasons` and its artifact is one of
    `kinds` (empty: any). Every item is ranked from the report groups (`_rank`); only
    the items shown are read in full and built (`_queue_item`)."""
    authorize(user, Action.VIEW_QUEUE)
    wanted_reasons = _check_reasons(reasons)
    wanted_kinds = _check_kinds(kinds)
    if not isinstance(status, str) or status not in QUEUE_STATUSES:
        raise InvalidInput("err.queue_status", statuses=", ".join(QUEUE_STATUSES))
    moment = now or datetime.now(UTC)
    table = _ReasonTable(response_targets(_targets_spec(service)))
    # Tens of thousands of short-lived rows: a cyclic collection meanwhile would walk
    # them all again, for nothing.
    with gc_paused(), service.reading() as conn:
        groups = statequeries.report_group_rows(conn, status=status)
        columns = service.catalog.columns_of(
            list(dict.fromkeys(groups.artifact_ids)), _FACT_COLUMNS
        )
        ids, kinds_of, authors_of = columns[0], columns[1], columns[2]
        # The owners who filed a report (on anything): the only ones whose own reports
        # the figures must leave out, found once for every query below.
        selfish = statequeries.self_reporting(conn, owners=dict(zip(ids, authors_of, strict=True)))
        weights = _trust_weights(conn, selfish)
        kept = {
            i: author
            for i, kind, author in zip(ids, kinds_of, authors_of, strict=True)
            if not wanted_kinds or kind in wanted_kinds
        }
        given = _RankInputs(columns, kept, selfish, weights, status, wanted_reasons)
        ranking = _rank(conn, groups, given, moment, table)
        page = ranking.order if shown is None else ranking.order[:shown]
        facts = artifact_facts(service.catalog, page)
        inputs = statequeries.queue_inputs(
            conn,
            owners={i: kept[i] for i in page},
            weights=weights,
            status=status,
            artifact_ids=None if shown is None else page,
        )
        items = []
        for artifact_id in page:
            found = inputs[artifact_id]
            chosen = found.groups
            if status != "all":
                chosen = [g for g in chosen if g.status == status]
            items.append(_queue_item(facts[artifact_id], found, chosen, moment, table))
    return QueuePage(
        items, len(ranking.order), ranking.reports, ranking.oldest_hours, ranking.overdue
    )


class _RankInputs(NamedTuple):
    columns: list[list]  # the catalog's ids, then `_FACT_COLUMNS` (`Catalog.columns_of`)
    kept: dict[str, str]  # artifact id -> owner, of the kinds asked for
    selfish: dict[str, str]  # artifact id -> owner, where the owner filed a report
    weights: dict[str, float]  # trust weights of reporters with decided reports
    status: str
    wanted_reasons: frozenset[str]


class _Ranking(NamedTuple):
    order: list[str]  # artifact ids, most urgent first
    reports: int
    oldest_hours: float | None
    overdue: int


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NEVER = np.iinfo(np.int64).max


def _rank(
    conn: sqlite3.Connection,
    groups: statequeries.GroupRows,
    given: _RankInputs,
    now: datetime,
    table: _ReasonTable,
) -> _Ranking:
    """Every item's place in the queue, from the report groups, column by column: the
    terms of `_queue_item`'s score and window in the same order of operations, so an
    item ranks by the score and the "overdue" it shows."""
    if not groups.artifact_ids:
        return _Ranking([], 0, None, 0)
    # Rows come sorted by artifact: a new artifact where the id changes.
    names = np.array(groups.artifact_ids, dtype=object)
    starts = np.ones(len(names), dtype=bool)
    starts[1:] = names[1:] != names[:-1]
    index = np.cumsum(starts) - 1
    ids = names[starts].tolist()
    size = len(ids)
    kept = np.array([i in given.kept for i in ids], dtype=bool)[index]
    slugs: dict[str, int] = {}
    reason = np.array([slugs.setdefault(r, len(slugs)) for r in groups.reasons], dtype=np.int64)
    severity = np.array([table[r].severity for r in slugs], dtype=np.int64)[reason]
    decision = np.array([table[r].decision // _MICROSECOND for r in slugs], dtype=np.int64)
    decision = decision[reason]
    oldest = np.array(groups.oldest_us, dtype=np.int64)
    counts = np.array(groups.reports, dtype=np.int64)
    chosen = np.array(groups.chosen, dtype=bool) & kept
    is_open = np.array(groups.open, dtype=bool) & kept
    at = index[chosen]
    reports = np.bincount(at, weights=counts[chosen], minlength=size)
    listed = reports > 0
    if given.wanted_reasons:
        wanted = np.array([r in given.wanted_reasons for r in slugs], dtype=bool)[reason]
        hit = np.zeros(size, dtype=bool)
        np.logical_or.at(hit, at, wanted[chosen])
        listed &= hit
    top = np.zeros(size, dtype=np.int64)
    np.maximum.at(top, at, severity[chosen])
    first = np.full(size, _NEVER, dtype=np.int64)
    np.minimum.at(first, at, oldest[chosen])
    replied = np.zeros(size, dtype=bool)  # the owner answered a report of the status
    answered = statequeries.answered_groups(conn, owners=given.kept)
    if answered:
        code = {aid: n for n, aid in enumerate(ids)}
        for aid, _, status in answered:
            if given.status in ("all", status):
                replied[code[aid]] = True
    due = np.full(size, _NEVER, dtype=np.int64)
    np.minimum.at(due, index[is_open], oldest[is_open] + decision[is_open])
    waiting = np.bincount(index[is_open], weights=counts[is_open], minlength=size) > 0

    rows = np.flatnonzero(listed)
    chosen_ids = [ids[i] for i in rows]
    people = statequeries.reporter_weights(
        conn,
        owners={i: o for i, o in given.selfish.items() if i in given.kept},
        weights=given.weights,
        status=given.status,
    )
    # Sums of weights of two decimals: never near a half, so numpy rounds them as
    # round() does.
    weight = np.round([people.get(i, (0, 0.0))[1] for i in chosen_ids], 2)
    at_catalog = {aid: n for n, aid in enumerate(given.columns[0])}
    where = np.array([at_catalog[i] for i in chosen_ids], dtype=np.int64)
    downloads, likes, trending = (np.asarray(given.columns[n])[where] for n in (3, 4, 5))
    now_us = (now - _EPOCH) // _MICROSECOND
    age = np.maximum((now_us - first[rows]) / 1e6 / 3600, 0.0)
    terms = score_terms(
        weight, top[rows], reach_columns(downloads, likes, trending), age, replied[rows]
    )
    total = terms[0] + terms[1] + terms[2] + terms[3] + terms[4]  # as sum() adds the parts
    score = np.array([round(x, 2) for x in total.tolist()])
    # The item's `hours_left` is round(h, 1), overdue below 0: exactly when h <= -0.05.
    hours_left = (due[rows] - now_us) / 1e6 / 3600
    overdue = (due[rows] != _NEVER) & (hours_left <= -0.05)
    order = np.lexsort((rows, first[rows], -score, ~overdue))
    open_age = age[waiting[rows]]
    return _Ranking(
        [chosen_ids[i] for i in order.tolist()],
        int(reports[rows].sum()),
        round(float(open_age.max()), 1) if open_age.size else None,
        int(overdue.sum()),
    )


def _trust_weights(conn: sqlite3.Connection, authors: dict[str, str]) -> dict[str, float]:
    """The weight of every reporter with a decided report; anyone else weighs 1, so the
    queue need not read the records of all reporters (`_reporter_records`)."""
    owners = statequeries.self_reporting(conn, owners=authors)
    return {
        who: reporter_weight(actioned=actioned, dismissed=dismissed)
        for who, (actioned, dismissed) in statequeries.decided_counts(conn, owners=owners).items()
    }


def _targets_spec(service: Safeguards) -> str:
    return getattr(service.settings, "response_targets", "") or ""


def _queue_item(
    artifact: ArtifactFacts,
    found: statequeries.ArtifactReports,
    chosen: list[statequeries.ReportGroup],
    now: datetime,
    table: _ReasonTable,
) -> QueueItem:
    """An item from its grouped reports (`chosen`: the groups of the status asked for)."""
    weight = round(found.weight, 2)  # R: summed in SQL over the distinct reporters
    counts: dict[str, int] = {}
    oldest, newest, answered = chosen[0].oldest, chosen[0].newest, False
    for group in chosen:  # one pass: this runs for every group of every item
        counts[group.reason] = counts.get(group.reason, 0) + group.count
        oldest = group.oldest if group.oldest < oldest else oldest
        newest = group.newest if group.newest > newest else newest
        answered = answered or bool(group.answered)
    severity = max(table[slug].severity for slug in counts)
    age_hours = max((now - parse_ts(oldest)).total_seconds() / 3600, 0.0)
    spread = reach(artifact.downloads, artifact.likes, artifact.trending)
    parts = _parts(weight, severity, spread, age_hours, answered)
    if len(counts) > 1:
        ordered = tuple(sorted(counts, key=lambda s: (-table[s].severity, -counts[s], s)))
    else:
        ordered = tuple(counts)
    return QueueItem(
        artifact.id,
        artifact.kind,
        artifact.author,
        round(sum(parts.values()), 2),
        {k: round(v, 2) for k, v in parts.items()},
        found.reporters,
        sum(counts.values()),
        sum(g.count for g in found.groups if g.status == _OPEN),
        ordered,
        severity,
        round(spread, 3),
        oldest,
        newest,
        round(age_hours, 1),
        answered,
        found.safeguard.visibility().value if found.safeguard else _NO_SAFEGUARD,
        found.actions,
        weight,
        *_windows(found, now, table),
    )


def _windows(
    found: statequeries.ArtifactReports, now: datetime, table: _ReasonTable
) -> tuple[str | None, float | None, float | None]:
    """The item's response windows over its open reports: when the first decision
    target passes (and the hours left until then), and, once the owner's target of the
    earliest unanswered report has passed with no answer from them on any open report,
    that target (the item is escalated). Reports by the owner have no owner window.
    One pass over the groups, each time parsed once (this runs for every item)."""
    due: datetime | None = None
    first: tuple[datetime, statequeries.ReportGroup] | None = None  # owner window first
    answered = False
    for group in found.groups:
        if group.status != _OPEN:
            continue
        facts = table[group.reason]
        oldest = parse_ts(group.oldest)
        if due is None or oldest + facts.decision < due:
            due = oldest + facts.decision
        if group.others_first is None:
            continue
        answered = answered or bool(group.answered)
        if not group.others_first.startswith(group.oldest + "\x01"):
            oldest = parse_ts(group.others_oldest)  # the owner filed the oldest one
        owner_due = oldest + facts.owner
        # The report whose owner target passes first (the earlier filed on a tie).
        if (
            first is None
            or owner_due < first[0]
            or (owner_due == first[0] and group.others_seq < first[1].others_seq)
        ):
            first = (owner_due, group)
    if due is None:
        return None, None, None
    escalated = None
    if first is not None and not answered and first[0] < now:
        escalated = table[first[1].reason].owner_hours
    hours_left = round((due - now).total_seconds() / 3600, 1)
    return due.isoformat().replace("+00:00", "Z"), hours_left, escalated


def _severity(reason: str) -> int:
    found = REASON_BY_SLUG.get(reason)
    return found.severity if found else 1


def _choices(values: object, what: str) -> list[str]:
    """A filter's chosen values: a list of strings (one string counts as one value)."""
    if values is None or values == "":
        return []
    if isinstance(values, str):
        return [values]
    if not isinstance(values, list | tuple | set | frozenset) or not all(
        isinstance(v, str) for v in values
    ):
        raise InvalidInput("err.choose_from_list", what=Term(f"field.{what}"))
    return [v for v in values if v]


def _filter_text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("err.filter_text", what=Term(f"field.{what}"))
    return value.strip()


def _check_reasons(reasons: Iterable[str] | None) -> frozenset[str]:
    wanted = frozenset(_choices(reasons, "reasons"))
    unknown = sorted(str(r)[:50] for r in wanted if r not in REASON_BY_SLUG)
    if unknown:
        raise InvalidInput("err.unknown_reasons", values=", ".join(unknown))
    return wanted


def _check_kinds(kinds: Iterable[str] | None) -> frozenset[str]:
    wanted = frozenset(_choices(kinds, "kinds"))
    unknown = sorted(str(k)[:50] for k in wanted if k not in Kind._value2member_map_)
    if unknown:
        raise InvalidInput("err.unknown_kinds", values=", ".join(unknown))
    return wanted


# -- one item -------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """A report filed or a moderator action, in one timeline."""

    ts: str
    kind: str  # "report" or "action"
    actor: str
    what: str  # reason slug or action name
    text: str  # report context or action note
    ref: str  # report id or action id
    status: str = ""  # the report's status now ("" for actions)


@dataclass(frozen=True)
class OwnerResponse:
    report_id: str
    discussion_id: str
    comment: Comment


@dataclass
class ItemDetail:
    """What a moderator needs to decide: the reports, the artifact's origin, how the
    owner handled the reports, and everything done about it so far. Copies, not live
    records."""

    artifact: Artifact
    tags: list[str]
    categories: list[str]
    card: ParsedCard
    safeguard: Safeguard
    gated: bool
    content_warning: bool
    reports: list[Report]  # oldest first
    owner_responses: list[OwnerResponse]
    actions: list[ModerationAction]
    history: list[HistoryEntry]
    discussions: list[Discussion]  # every discussion on the artifact, for lock/close/hide
    queue_item: QueueItem | None  # scored over the open reports; None when none is open
    available_actions: list[str] = field(default_factory=list)
    reporter_records: dict[str, ReporterRecord] = field(default_factory=dict)

    @property
    def seen_actions(self) -> int:
        """Pass to `act` so it can tell what others did since this was read."""
        return len(self.actions)


def item_detail(
    service: Safeguards, user: User, artifact_id: object, *, now: datetime | None = None
) -> ItemDetail:
    authorize(user, Action.VIEW_QUEUE)
    moment = now or datetime.now(UTC)
    targets = response_targets(_targets_spec(service))
    view = service.view(user, artifact_id)  # NotFound for unknown ids
    artifact = view.artifact
    with service.reading() as conn:
        reports = statequeries.artifact_reports(conn, artifact_id=artifact.id)
        people = frozenset(r.reporter for r in reports)
        theirs = statequeries.artifacts_reported_by(conn, reporters=people)
        authors = {i: a.author for i, a in service.catalog.get_many(theirs).items()}
        records = _reporter_records(conn, authors, people)
        responses = [
            OwnerResponse(r.id, r.discussion_id, c)
            for r in reports
            for c in statequeries.owner_replies(conn, report=r, owner=artifact.author)
        ]
        actions = statequeries.artifact_actions(conn, artifact_id=artifact.id)
        discussions = statequeries.artifact_discussions(conn, artifact_id=artifact.id)
        inputs = statequeries.queue_inputs(
            conn,
            owners={artifact.id: artifact.author},
            weights={who: record.weight for who, record in records.items()},
            status="open",
            artifact_ids=[artifact.id],
        )
    found = inputs.get(artifact.id)
    chosen = [g for g in found.groups if g.status == ReportStatus.OPEN.value] if found else []
    has_open = bool(chosen)
    guard = Safeguard(**vars(view.safeguard))
    return ItemDetail(
        artifact=artifact,
        tags=list(view.tags),
        categories=list(view.categories),
        card=view.card,
        safeguard=guard,
        gated=view.gated,
        content_warning=view.content_warning,
        reports=reports,
        owner_responses=responses,
        actions=actions,
        history=_history(reports, actions),
        discussions=discussions,
        queue_item=_queue_item(
            ArtifactFacts.of(artifact), found, chosen, moment, _ReasonTable(targets)
        )
        if found is not None and has_open
        else None,
        available_actions=available_actions(guard, has_open, artifact.gated),
        reporter_records=records,
    )


def available_actions(
    guard: Safeguard, has_open_reports: bool, catalog_gated: bool = False
) -> list[str]:
    """The artifact actions that would change what people see now, in the panel's order.

    Compared on the effective state: `ungate` on an artifact the catalog does not gate
    changes nothing visible, so it is not offered (the service would still accept it)."""
    found = ["dismiss"] if has_open_reports else []
    before = _effective(guard, catalog_gated)
    for name, change in ARTIFACT_ACTIONS.items():
        if name == "dismiss":
            continue
        after = Safeguard(**vars(guard))
        change(after)
        if _effective(after, catalog_gated) != before:
            found.append(name)
    return found


def _effective(guard: Safeguard, catalog_gated: bool) -> dict[str, object]:
    values = dict(vars(guard))
    values["gated"] = catalog_gated if guard.gated is None else guard.gated
    return values


def _history(reports: Sequence[Report], actions: Sequence[ModerationAction]) -> list[HistoryEntry]:
    entries = [
        HistoryEntry(r.ts, "report", r.reporter, r.reason, r.context, r.id, r.status.value)
        for r in reports
    ]
    entries += [HistoryEntry(a.ts, "action", a.moderator, a.action, a.note, a.id) for a in actions]
    return sorted(entries, key=lambda e: (e.ts, e.ref))


# -- acting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActResult:
    """The artifact's state after the action, the action recorded, and what other
    moderators did on the same artifact since the caller last looked (so the panel can
    say so instead of silently overwriting their decision)."""

    safeguard: Safeguard
    action: ModerationAction | None
    others: list[ModerationAction]
    total_actions: int  # remember this as the new `seen_actions`


def act(
    service: Safeguards,
    user: User,
    artifact_id: object,
    action: object,
    note: object,
    seen_actions: int,
    *,
    discussion_id: object = None,
    comment_id: object = None,
    reason: object = None,
    override_claim: bool = True,
) -> ActResult:
    """Record one moderator action (the service checks the note, the action and the
    target, and refuses with nothing recorded), then report the actions by other
    moderators on this artifact past `seen_actions`: those that came in between, and
    any that landed right after this one."""
    authorize(user, Action.MODERATE)
    if action not in MODERATION_ACTIONS:
        raise InvalidInput(
            "err.unknown_action", action=str(action)[:50], actions=", ".join(MODERATION_ACTIONS)
        )
    text = clean_text(note, "note")
    seen = _seen(seen_actions)
    service.moderate(
        user,
        artifact_id,
        action,
        text,
        discussion_id=discussion_id,
        comment_id=comment_id,
        reason=reason,
        override_claim=override_claim,
    )
    aid = str(artifact_id)
    with service.reading() as conn:  # the action is in state.db once `moderate` returns
        actions = statequeries.artifact_actions(conn, artifact_id=aid)
        guard = statequeries.safeguard(conn, artifact_id=aid)
    mine = next(
        (
            a
            for a in reversed(actions)
            if a.moderator == user.username and a.action == action and a.note == text
        ),
        None,
    )
    others = [a for a in actions[seen:] if a is not mine and a.moderator != user.username]
    return ActResult(safeguard=guard, action=mine, others=others, total_actions=len(actions))


def _seen(value: object) -> int:
    """A count the page kept: a whole number from 0 (Gradio may send it as a float)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= 2**53
        or value != int(value)
    ):
        raise InvalidInput("err.seen_actions")
    return int(value)


def bulk_dismiss(
    service: Safeguards, user: User, artifact_ids: Iterable[str], note: object
) -> list[str]:
    """Dismiss the open reports of several artifacts with one note (for spam waves).

    Every id is checked before anything is recorded: an unknown one refuses the whole
    batch. Artifacts with no open report (already handled, perhaps by another moderator
    a moment ago) are skipped. Returns the ids dismissed, in the order given."""
    authorize(user, Action.MODERATE)
    text = clean_text(note, "note")
    wanted = list(dict.fromkeys(a.strip() for a in _choices(artifact_ids, "items") if a.strip()))
    if not wanted:
        raise InvalidInput("err.choose_items")
    for artifact_id in wanted:
        service.artifact(user, artifact_id)  # NotFound before anything is recorded
    done: list[str] = []
    for artifact_id in wanted:
        try:
            service.moderate(user, artifact_id, "dismiss", text)
        except Conflict:
            continue  # no open report any more
        done.append(artifact_id)
    return done


# -- the audit log --------------------------------------------------------------------


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
    with service.reading() as conn:
        entries = statequeries.audit_rows(
            conn, moderator=who, action=what, artifact=part, since=start, until=end
        )
    rows = [
        dict(zip(AUDIT_COLUMNS, (ts, mod, act, art, note, d or "", c or "", ref, u), strict=True))
        for ts, mod, act, art, note, d, c, ref, u in entries
    ]
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def _bound(value: object, name: str, *, end_of_day: bool) -> datetime | None:
    text = _filter_text(value, name)
    if not text:
        return None
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").date()
            moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("err.bad_date", field=Term(f"field.{name}"), text=text[:40]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_csv(frame: pd.DataFrame) -> str:
    """A table as CSV for a spreadsheet (the audit log, an access list). Cells that a
    spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) get an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(frame.columns))
    for row in frame.itertuples(index=False):
        writer.writerow(
            ["'" + str(v) if str(v).startswith(_FORMULA_START) else str(v) for v in row]
        )
    return buffer.getvalue()


def export_audit_csv(service: Safeguards, user: User, out_dir: Path, **filters: str) -> Path:
    """Write the (filtered) audit log to `out_dir/audit-log-<time>.csv`."""
    frame = audit_log(service, user, **filters)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"audit-log-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.csv"
    path.write_text(spreadsheet_csv(frame), encoding="utf-8")
    return path


def moderators_seen(service: Safeguards, user: User) -> list[str]:
    """Moderators who have acted, for the audit log's filter."""
    authorize(user, Action.VIEW_QUEUE)
    with service.reading() as conn:
        return statequeries.moderators(conn)
