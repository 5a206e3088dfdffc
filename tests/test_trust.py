"""Trust-weighted priority and response windows (issue 15, items 1 and 6): the reporter
weight's documented formula, self-reports weighing nothing, a mass false reporter
sinking below an honest one, overdue items first, and the escalation line on an item
whose owner did not answer in time, in English and Chinese."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import MODERATOR, OWNER
from test_moderation import BIG, NOW, RECIPE, SMALL, LogBuilder

from safeguards import moderation as mod
from safeguards.config import ConfigError, Settings
from safeguards.service import Safeguards
from safeguards.ui import moderation as ui

MakeService = Callable[..., Safeguards]
README = Path(__file__).resolve().parents[1] / "README.md"


def catalog_ids(make_service: MakeService, tmp_path: Path) -> list[str]:
    probe = make_service(state_dir=tmp_path / "probe")
    return [str(i) for i in probe.catalog.table.column("id").to_pylist()]


def history(log: LogBuilder, who: str, ids: list[str], action: str) -> None:
    """`who` reported each of `ids` weeks ago, and a moderator decided each with `action`."""
    for n, artifact_id in enumerate(ids):
        when = NOW - timedelta(days=60, hours=n)
        log.report(when, who, artifact_id)
        log.action(when + timedelta(hours=1), MODERATOR, artifact_id, action, "decided")


# -- item 1: trust ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actioned", "dismissed", "weight"),
    [
        (0, 0, 1.0),  # a newcomer
        (4, 0, 1.0),  # under 5 decided reports: no bonus yet
        (0, 4, 1.0),  # and no malus yet
        (5, 0, 3.0),  # always right: the cap
        (20, 0, 3.0),
        (3, 3, 1.0),  # half right
        (6, 2, 2.0),  # A = 0.75
        (2, 6, 0.0),  # A = 0.25
        (0, 10, 0.0),  # always wrong: the floor, not below
        (7, 3, 1.8),  # A = 0.7
    ],
)
def test_reporter_weight_follows_its_documented_formula(
    actioned: int, dismissed: int, weight: float
) -> None:
    assert mod.reporter_weight(actioned=actioned, dismissed=dismissed) == pytest.approx(weight)
    decided = actioned + dismissed
    if decided >= 5:
        expected = min(max(1 + 4 * (actioned / decided - 0.5), 0), 3)
        assert mod.reporter_weight(actioned=actioned, dismissed=dismissed) == pytest.approx(
            expected, abs=0.01
        )


def test_the_formula_is_written_beside_the_score_and_in_the_readme() -> None:
    formula = "clamp(1 + 4 × (A − ½), 0, 3)"
    assert mod.reporter_weight.__doc__ and formula in mod.reporter_weight.__doc__
    assert mod.priority_score.__doc__ and "trust weights" in mod.priority_score.__doc__
    section = README.read_text(encoding="utf-8").split("## Moderation", 1)[1]
    assert formula in section.split("\n## ", 1)[0]


def test_a_mass_false_reporter_sinks_below_an_honest_one(
    make_service: MakeService, settings: Settings, tmp_path: Path
) -> None:
    ids = [i for i in catalog_ids(make_service, tmp_path) if i not in (BIG, SMALL)]
    log = LogBuilder(settings.state_dir)
    history(log, "troll", ids[:10], "dismiss")
    history(log, "honest", ids[10:15], "add_content_warning")
    # Now the troll flags the most used model, the honest reporter a tiny one.
    log.report(NOW - timedelta(hours=2), "troll", BIG)
    log.report(NOW - timedelta(hours=2), "honest", SMALL)
    log.write()
    service = make_service()
    items = mod.build_queue(service, service.user(MODERATOR), now=NOW)
    assert [i.artifact_id for i in items] == [SMALL, BIG]  # reach no longer saves the troll
    weights = {i.artifact_id: i.weight for i in items}
    assert weights == {SMALL: 3.0, BIG: 0.0}
    assert items[1].parts["reporters"] == 0
    # A newcomer's flag on the same model outranks the troll's.
    detail = mod.item_detail(service, service.user(MODERATOR), BIG, now=NOW)
    assert detail.reporter_records["troll"] == mod.ReporterRecord(filed=11, dismissed=10)
    text = ui.reports_text(detail, "en")
    assert "Reporter's record: 11 filed · 0 actioned · 10 dismissed · weight 0" in text
    assert "举报人记录：共举报 11 次 · 采取措施 0 次 · 驳回 10 次 · 权重 0" in ui.reports_text(
        detail, "zh-CN"
    )
    honest = mod.item_detail(service, service.user(MODERATOR), SMALL, now=NOW)
    assert honest.reporter_records["honest"] == mod.ReporterRecord(filed=6, actioned=5)


def test_a_newcomer_outranks_a_troll_on_the_same_kind_of_item(
    make_service: MakeService, settings: Settings, tmp_path: Path
) -> None:
    ids = [i for i in catalog_ids(make_service, tmp_path) if i not in (BIG, SMALL)]
    log = LogBuilder(settings.state_dir)
    history(log, "troll", ids[:6], "dismiss")
    log.report(NOW - timedelta(hours=2), "troll", ids[6])
    log.report(NOW - timedelta(hours=2), "newcomer", ids[7])
    log.write()
    service = make_service()
    items = {i.artifact_id: i for i in mod.build_queue(service, service.user(MODERATOR), now=NOW)}
    assert items[ids[6]].weight == 0 and items[ids[7]].weight == 1
    assert items[ids[7]].parts["reporters"] == pytest.approx(10)
    assert items[ids[6]].parts["reporters"] == 0


def test_reports_on_ones_own_artifacts_carry_no_weight(
    make_service: MakeService, settings: Settings
) -> None:
    log = LogBuilder(settings.state_dir)
    # The owner flags their own model again and again, and each flag is acted on...
    for n in range(6):
        when = NOW - timedelta(days=30, hours=2 * n)
        log.report(when, OWNER, RECIPE)
        action = "add_content_warning" if n % 2 == 0 else "remove_content_warning"
        log.action(when + timedelta(hours=1), MODERATOR, RECIPE, action, "ok")
    log.report(NOW - timedelta(hours=1), OWNER, RECIPE)  # ...and once more
    log.report(NOW - timedelta(hours=1), OWNER, SMALL)  # and someone else's
    log.write()
    service = make_service()
    items = {i.artifact_id: i for i in mod.build_queue(service, service.user(MODERATOR), now=NOW)}
    assert items[RECIPE].weight == 0 and items[RECIPE].parts["reporters"] == 0
    assert items[RECIPE].reporters == 1  # still counted as a person, shown in the table
    assert items[SMALL].weight == 1  # no bonus earned from the self-reports
    detail = mod.item_detail(service, service.user(MODERATOR), SMALL, now=NOW)
    assert detail.reporter_records[OWNER] == mod.ReporterRecord(filed=1)
    own = mod.item_detail(service, service.user(MODERATOR), RECIPE, now=NOW)
    assert "Report on their own artifact: no weight in the priority" in ui.reports_text(own, "en")
    assert "举报自己的制品：不计入优先级权重" in ui.reports_text(own, "zh-CN")


# -- item 6: response windows -----------------------------------------------------------


def test_overdue_items_come_first_and_show_how_late(
    make_service: MakeService, settings: Settings
) -> None:
    log = LogBuilder(settings.state_dir)
    log.report(NOW - timedelta(days=15), "alice", SMALL, "spam")  # 14 d target: 1 day late
    log.report(NOW - timedelta(hours=1), "bob", BIG, "minors")  # 48 h target: 47 h left
    log.write()
    service = make_service()
    items = mod.build_queue(service, service.user(MODERATOR), now=NOW)
    assert [i.artifact_id for i in items] == [SMALL, BIG]
    assert items[0].score < items[1].score  # first because overdue, not by score
    assert items[0].overdue and items[0].hours_left == pytest.approx(-24)
    assert not items[1].overdue and items[1].hours_left == pytest.approx(47)
    assert ui.time_left(items[0], "en") == "overdue by 24 hours"
    assert ui.time_left(items[1], "en") == "47 hours left"
    assert ui.time_left(items[0], "zh-CN") == "已逾期 24 小时"
    assert ui.time_left(items[1], "zh-CN") == "剩余 47 小时"
    whole = mod.queue_page(service, service.user(MODERATOR), now=NOW)
    assert whole.items == items and (whole.total, whole.reports, whole.overdue) == (2, 2, 1)
    assert whole.oldest_hours == pytest.approx(15 * 24)
    assert ui.queue_summary(whole, "en").endswith(" · 1 overdue, shown first")
    assert ui.queue_summary(whole, "zh-CN").endswith(" · 1 项已逾期，排在最前")
    table = ui.queue_table(items, "en")
    assert list(table["Decision due"]) == ["overdue by 24 hours", "47 hours left"]
    # With more items than the table holds, it keeps the most urgent and says so; the
    # figures still cover the whole queue.
    first = mod.queue_page(service, service.user(MODERATOR), now=NOW, shown=1)
    assert first.items == items[:1] and (first.total, first.reports, first.overdue) == (2, 2, 1)
    assert list(ui.queue_table(first.items, "en")["Artifact"]) == [SMALL]
    assert ui.queue_summary(first, "en").startswith("2 items · 2 reports · ")
    assert ui.queue_summary(first, "en").endswith(
        " · the table shows the 1 most urgent; narrow with the filters to see others"
    )
    assert ui.queue_summary(first, "zh-CN").endswith(
        " · 表格仅显示最紧急的 1 项；使用筛选条件查看其余条目"
    )
    assert "most urgent" not in ui.queue_summary(whole, "en")
    # Resolved items have no window.
    mod.act(service, service.user(MODERATOR), SMALL, "dismiss", "not spam", items[0].actions)
    done = mod.build_queue(service, service.user(MODERATOR), status="dismissed", now=NOW)
    assert done[0].hours_left is None and ui.time_left(done[0], "en") == "—"


def test_targets_can_be_set_per_reason(make_service: MakeService, settings: Settings) -> None:
    log = LogBuilder(settings.state_dir)
    log.report(NOW - timedelta(days=15), "alice", SMALL, "spam")
    log.report(NOW - timedelta(hours=1), "bob", BIG, "minors")
    log.write()
    service = make_service(response_targets="spam=24/720")  # 30 days for spam
    items = mod.build_queue(service, service.user(MODERATOR), now=NOW)
    assert [i.artifact_id for i in items] == [BIG, SMALL]  # nothing overdue: by score
    assert items[1].hours_left == pytest.approx(15 * 24)
    env = {"SAFEGUARDS_RESPONSE_TARGETS": " spam=24/720 , minors=12/24 "}
    assert Settings.from_env(env).response_targets == "spam=24/720 , minors=12/24"
    for bad in ("nonsense=1/2", "spam=1", "spam=a/b", "spam=0/5", "spam=5/99999"):
        with pytest.raises(ConfigError, match="SAFEGUARDS_RESPONSE_TARGETS"):
            Settings.from_env({"SAFEGUARDS_RESPONSE_TARGETS": bad})


def test_an_unanswered_owner_window_escalates_the_item(
    make_service: MakeService, settings: Settings
) -> None:
    log = LogBuilder(settings.state_dir)
    _, discussion = log.report(NOW - timedelta(days=3), "alice", RECIPE, "hate")  # owner: 48 h
    log.report(NOW - timedelta(hours=3), "bob", SMALL, "minors")  # owner: 24 h, not yet
    log.report(NOW - timedelta(days=3), OWNER, "demo-studio/nightmare-canvas-xl", "hate")
    log.write()
    service = make_service()
    moderator = service.user(MODERATOR)
    items = {i.artifact_id: i for i in mod.build_queue(service, moderator, now=NOW)}
    assert items[RECIPE].escalated_hours == 48
    assert items[SMALL].escalated_hours is None
    assert items["demo-studio/nightmare-canvas-xl"].escalated_hours is None  # a self-report
    detail = mod.item_detail(service, moderator, RECIPE, now=NOW)
    assert "Escalated: the owner did not answer within 2 days." in ui.item_header(detail, "en")
    assert "已升级：所有者未在 2 天内回应。" in ui.item_header(detail, "zh-CN")
    # Once the owner answers, the item is no longer escalated.
    service.comment(service.user(OWNER), discussion, "Looking into it.")
    later = mod.item_detail(service, moderator, RECIPE, now=NOW + timedelta(minutes=5))
    assert later.queue_item is not None and later.queue_item.escalated_hours is None
    assert "Escalated" not in ui.item_header(later, "en")
