"""The read models in SQL (statequeries over state.db) give what the in-memory read
models gave (bench/queue_baseline.py, the code they replaced): on the demo's seeded
history plus a generated workload of reports, owner answers, moderator actions, appeals,
suspensions and claims; after live writes; after a restart and a rebuild; and while this
process has stopped writing state.db (another process wrote it), when reads fall back to
a copy of the State in memory.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import queue_baseline as base

from safeguards import demo_seed, moderation, research
from safeguards.categories import REASON_BY_SLUG
from safeguards.config import Settings
from safeguards.errors import SafeguardsError
from safeguards.eventlog import parse_ts
from safeguards.policy import HIDE_REASONS
from safeguards.records import ReportStatus
from safeguards.service import Safeguards
from safeguards.state import APPEALABLE_ACTIONS

MODS = ("mod-ana", "mod-ben")
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
REASONS = sorted(REASON_BY_SLUG)


@pytest.fixture
def open_service(settings: Settings) -> Callable[[], Safeguards]:
    def make() -> Safeguards:
        return Safeguards.open(
            Settings(
                **{
                    **vars(settings),
                    "moderators": frozenset(MODS),
                    "reports_per_hour": 1000,
                    "comments_per_hour": 1000,
                }
            )
        )

    return make


def workload(service: Safeguards, seed: int = 7, reporters: int = 30, prefix: str = "user") -> None:
    """Reports (some by owners on their own artifacts, some repeated), owner answers,
    moderator actions of every kind, appeals and their decisions, suspensions, claims
    and access requests, all through the service."""
    rng = random.Random(seed)
    ids = sorted(_all_ids(service))
    mod, other = (service.user(m) for m in MODS)
    filed = []
    for n in range(reporters * 5):
        artifact = service.catalog.get(rng.choice(ids[:40]))
        who = artifact.author if n % 17 == 0 else f"{prefix}{n % reporters:02d}"
        report = service.report(service.user(who), artifact.id, rng.choice(REASONS), f"ctx {n}")
        filed.append(report)
    for report in rng.sample(filed, len(filed) // 3):
        owner = service.user(service.catalog.get(report.artifact_id).author)
        service.comment(owner, report.discussion_id, "We are looking at it.")
    for report in rng.sample(filed, len(filed) // 5):
        service.comment(service.user(report.reporter), report.discussion_id, "More detail.")
    touched = sorted({r.artifact_id for r in filed})
    for artifact_id in touched[::3]:
        _try(lambda a=artifact_id: service.moderate(mod, a, "dismiss", "not a problem"))
    for artifact_id in touched[1::4]:
        action = rng.choice(["downgrade", "gate", "add_content_warning", "request_private"])
        _try(lambda a=artifact_id, x=action: service.moderate(mod, a, x, "acting on reports"))
    for report in filed[::11]:
        discussion = service.state.discussions[report.discussion_id]
        comment = discussion.comments[-1]
        _try(
            lambda r=report, c=comment: service.moderate(
                other,
                r.artifact_id,
                "hide_comment",
                "abusive",
                discussion_id=r.discussion_id,
                comment_id=c.id,
                reason=HIDE_REASONS[0],
            )
        )
    actions = [a for a in service.state.actions.values() if a.action in APPEALABLE_ACTIONS]
    for number, action in enumerate(actions[:8]):
        if action.comment_id:
            person = service.state.comments[action.comment_id].author
        else:
            person = service.catalog.get(action.artifact_id).author
        appeal = _try(lambda a=action, p=person: service.appeal(service.user(p), a.id, "Please."))
        if appeal is not None and number % 2 == 0:
            decider = other if action.moderator == mod.username else mod
            outcome = "reversed" if number % 4 == 0 else "upheld"
            _try(lambda ap=appeal, d=decider, o=outcome: service.decide_appeal(d, ap.id, o, "ok"))
    service.suspend(mod, f"{prefix}03", "until_lifted", "Spam wave")
    service.suspend(other, f"{prefix}04", "until_lifted", "Abuse")
    service.lift_suspension(mod, f"{prefix}04", "Apologised")
    for artifact_id in touched[2:6]:
        service.claim(mod, artifact_id)
    service.release(mod, touched[2])
    gated = [a for a in ids if service.catalog.get(a).gated]
    for n, artifact_id in enumerate(gated[:3]):
        _try(
            lambda a=artifact_id, k=n: service.request_access(
                service.user(f"{prefix}{k:02d}"), a, "Research"
            )
        )


def _all_ids(service: Safeguards) -> list[str]:
    """Every artifact id of the (demo) catalog, in file order."""
    return service.catalog.table["id"].to_pylist()


def _try(call: Callable[[], object]) -> object:
    try:
        return call()
    except SafeguardsError:
        return None  # a refusal (nothing to dismiss, already appealed...) is part of the mix


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def assert_report_groups_current(service: Safeguards) -> None:
    """The counts the triggers keep equal the reports counted afresh."""
    with service.reading() as conn:
        kept = conn.execute("SELECT * FROM report_groups ORDER BY 1, 2, 3").fetchall()
        fresh = conn.execute(
            "SELECT artifact_id, reason, status, count(*), min(ts) FROM reports"
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).fetchall()
    assert [row[:5] for row in kept] == fresh
    for *_, oldest, micros in kept:
        assert micros == (parse_ts(oldest) - EPOCH) // timedelta(microseconds=1)


def assert_same(service: Safeguards) -> None:
    """Every SQL read model equals the in-memory one on this service's state."""
    mod = service.user(MODS[0])
    for status in moderation.QUEUE_STATUSES:
        for reasons, kinds in (
            ((), ()),
            (("spam",), ()),
            ((), ("model",)),
            (REASONS[:3], ("dataset", "space")),
        ):
            for now in (NOW, NOW + timedelta(days=400)):
                sql = moderation.build_queue(
                    service, mod, reasons=reasons, kinds=kinds, status=status, now=now
                )
                old = base.build_queue(
                    service, mod, reasons=reasons, kinds=kinds, status=status, now=now
                )
                assert sql == old, (status, reasons, kinds, now)
                for shown in (1, 3):
                    page = moderation.queue_page(
                        service,
                        mod,
                        reasons=reasons,
                        kinds=kinds,
                        status=status,
                        now=now,
                        shown=shown,
                    )
                    assert page.items == old[:shown], (status, reasons, kinds, now, shown)
                    assert page.total == len(old) and page.reports == sum(i.reports for i in old)
                    assert page.overdue == sum(i.overdue for i in old)
                    waits = [i.age_hours for i in old if i.open_reports]
                    assert page.oldest_hours == (max(waits) if waits else None)
    assert_report_groups_current(service)
    reported = sorted({r.artifact_id for r in service.state.reports.values()})
    assert reported, "the workload files reports"
    for artifact_id in reported:
        for now in (NOW, NOW + timedelta(days=400)):
            assert moderation.item_detail(service, mod, artifact_id, now=now) == base.item_detail(
                service, mod, artifact_id, now=now
            ), artifact_id
    filters = [
        {},
        {"moderator": MODS[0].upper()},
        {"action": "dismiss"},
        {"action": "suspend_user"},
        {"action": "appeal_upheld"},
        {"artifact": reported[0].split("/")[0].upper()},
        {"since": "2026-01-01"},
        {"until": "2025-12-31"},
    ]
    actions = list(service.state.actions.values())
    if actions:
        filters.append({"since": actions[len(actions) // 2].ts})
    for chosen in filters:
        pd.testing.assert_frame_equal(
            moderation.audit_log(service, mod, **chosen), base.audit_log(service, mod, **chosen)
        )
    assert moderation.moderators_seen(service, mod) == base.moderators_seen(service, mod)
    visitor = service.user(None)
    for by in research.GROUPINGS:
        for freq in research.FREQUENCIES:
            pd.testing.assert_frame_equal(
                research.reports_over_time(service, visitor, by, freq),
                base.reports_over_time(service, visitor, by, freq),
            )
    assert research.response_times(service, visitor) == base.response_times(service, visitor)
    pd.testing.assert_frame_equal(
        research.most_reported(service, mod, 1000), base.most_reported(service, mod, 1000)
    )
    people = {r.reporter for r in service.state.reports.values()}
    people |= {service.catalog.get(a).author for a in reported}
    people |= {r.user for r in service.state.access_requests.values()}
    for name in sorted(people):
        user = service.user(name)
        assert service.my_reports(user) == base.my_reports(service, user), name
        assert service.my_report_stories(user) == base.my_report_stories(service, user), name
        assert service.my_notices(user) == base.my_notices(service, user), name
        assert service.my_access_requests(user) == base.my_access_requests(service, user), name
        assert service.my_suspension(user) == base.my_suspension(service, user), name


def test_sql_read_models_equal_the_in_memory_ones(
    open_service: Callable[[], Safeguards], settings: Settings
) -> None:
    demo_seed.write_seed(state_dir=settings.state_dir, now=NOW)
    service = open_service()
    assert service.state.reports, "the seed has reports"
    workload(service)
    state = service.state
    assert sum(r.status is ReportStatus.ACTIONED for r in state.reports.values()) >= 3
    assert sum(r.status is ReportStatus.DISMISSED for r in state.reports.values()) >= 3
    assert state.appeals and state.suspensions and state.claims
    assert any(a.comment_id for a in state.actions.values())
    assert service.my_suspension(service.user("user03")) is not None  # in force
    assert service.my_suspension(service.user("user04")) is None  # lifted
    assert not service.db.lagging
    assert_same(service)

    # A restart resumes from state.db; a rebuild makes it again from the log.
    again = open_service()
    assert again.db.last_open["mode"] == "resume"
    assert_same(again)
    again.db.close()
    (settings.state_dir / "state.db").unlink()
    rebuilt = open_service()
    assert rebuilt.db.last_open["mode"] == "rebuild"
    assert_same(rebuilt)
    workload(rebuilt, seed=11, reporters=12, prefix="later")  # live writes on top
    assert_same(rebuilt)


def test_a_read_after_a_write_sees_it(open_service: Callable[[], Safeguards]) -> None:
    """Each writer, once told its report is saved, finds it in the SQL read models."""
    service = open_service()
    mod = service.user(MODS[0])
    ids = _all_ids(service)[:20]
    failures: list[str] = []

    def writer(number: int) -> None:
        user = service.user(f"writer{number}")
        for k in range(5):
            report = service.report(user, ids[(number + k) % len(ids)], "spam", f"n{number}-{k}")
            if report.id not in {r.id for r in service.my_reports(user)}:
                failures.append(report.id)
            queue = moderation.build_queue(service, mod)
            if report.artifact_id not in {i.artifact_id for i in queue}:
                failures.append(report.artifact_id)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(i.open_reports for i in moderation.build_queue(service, mod)) == 30


def test_reads_use_the_state_while_another_process_writes_the_database(
    open_service: Callable[[], Safeguards],
) -> None:
    first = open_service()
    workload(first, reporters=8)
    second = open_service()  # another process on the same folder
    ids = _all_ids(first)
    mod = first.user(MODS[0])
    second.report(second.user("someone"), ids[50], "spam", "from the second process")
    assert not first.db.lagging
    report = first.report(first.user("late"), ids[51], REASONS[-1], "after the other wrote")
    assert first.db.behind and first.db.lagging  # the first process stopped writing state.db
    with sqlite3.connect(first.db.path) as conn:  # the file lacks the acknowledged report
        assert conn.execute("SELECT 1 FROM reports WHERE id = ?", (report.id,)).fetchone() is None
    queue = moderation.build_queue(first, mod)
    assert ids[51] in {i.artifact_id for i in queue}  # read from the State, not the file
    assert report.id in {r.id for r in first.my_reports(first.user("late"))}
    assert_same(first)
    first.moderate(mod, ids[51], "dismiss", "checked")  # the copy follows further writes
    assert moderation.item_detail(first, mod, ids[51]).queue_item is None
    assert_same(first)


def test_readers_are_read_only(open_service: Callable[[], Safeguards]) -> None:
    service = open_service()
    service.report(service.user("someone"), _all_ids(service)[0], "spam", "text")
    with service.reading() as conn, pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM reports")
    with service.reading() as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (1,)


def test_reads_follow_a_rebuild_of_the_database(
    open_service: Callable[[], Safeguards], settings: Settings
) -> None:
    """A refold that rebuilds state.db (an older event arrived) replaces the file: the
    pooled readers of the old file are dropped, so the next read sees the new one."""
    service = open_service()
    ids = _all_ids(service)
    service.report(service.user("first"), ids[0], "spam", "filed live")
    user = service.user("older")
    assert service.my_reports(user) == []  # a pooled reader now holds the file
    line = json.dumps(
        {
            "id": "older-event-1",
            "ts": "2020-01-01T00:00:00.000000Z",  # older than everything applied
            "actor": "older",
            "type": "report.filed",
            "payload": {
                "report_id": "R-older",
                "artifact_id": ids[1],
                "reason": "privacy",
                "context": "arrived late",
                "discussion_id": "D-older",
                "title": "Report",
            },
        }
    )
    (settings.state_dir / "events-other-replica-00001.jsonl").write_text(line + "\n")
    service.refold()
    assert service.db.last_open["mode"] == "rebuild"
    assert [r.id for r in service.my_reports(user)] == ["R-older"]
    assert ids[1] in {i.artifact_id for i in moderation.build_queue(service, service.user(MODS[0]))}
    assert_same(service)
