"""The transparency figures against a small log counted by hand, and through the service."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from safeguards.eventlog import Event, read_events
from safeguards.i18n import tr
from safeguards.service import Safeguards
from safeguards.transparency import transparency_table
from safeguards.ui.transparency import count_table, times_table

KINDS = {"lab/model-a": "model", "lab/data-b": "dataset"}
OWNERS = {"lab/model-a": "lab", "lab/data-b": "lab"}


def event(n: int, ts: str, actor: str, type_: str, **payload: object) -> Event:
    return Event(id=f"E{n:03d}", ts=ts, actor=actor, type=type_, payload=dict(payload))


def report(n: int, ts: str, actor: str, artifact: str, reason: str, **extra: object) -> Event:
    return event(
        n,
        ts,
        actor,
        "report.filed",
        report_id=f"R{n}",
        artifact_id=artifact,
        reason=reason,
        context="secret context text",
        discussion_id=f"D{n}",
        **extra,
    )


# November: 3 reports (2 spam on the model, 1 privacy on the dataset, one by the owner);
# the owner answers R1 after 2 h and R3 after 10 h; a downgrade decides the model's two
# reports at 4 h and 6 h. December: one report, a dismiss after 30 h; one appeal upheld
# and one reversed; the owner hides one comment as off-topic; a user is suspended and the
# suspension lifted. A demo event in December is left out.
LOG = [
    report(1, "2026-11-01T00:00:00+00:00", "ann", "lab/model-a", "spam"),
    report(2, "2026-11-01T02:00:00+00:00", "lab", "lab/model-a", "spam"),
    report(3, "2026-11-02T00:00:00+00:00", "ben", "lab/data-b", "privacy"),
    event(4, "2026-11-01T02:00:00+00:00", "lab", "comment.added", discussion_id="D1", text="x"),
    event(5, "2026-11-02T10:00:00+00:00", "lab", "comment.added", discussion_id="D3", text="y"),
    event(6, "2026-11-02T11:00:00+00:00", "ann", "comment.added", discussion_id="D3", text="z"),
    event(
        7,
        "2026-11-01T08:00:00+00:00",
        "mod",
        "moderation.action",
        action_id="M1",
        artifact_id="lab/model-a",
        action="downgrade",
        note="why",
    ),
    report(8, "2026-12-01T00:00:00+00:00", "ann", "lab/data-b", "spam"),
    event(
        9,
        "2026-12-02T06:00:00+00:00",
        "mod",
        "moderation.action",
        action_id="M2",
        artifact_id="lab/data-b",
        action="dismiss",
        note="why",
    ),
    event(
        10,
        "2026-12-03T00:00:00+00:00",
        "mod2",
        "appeal.decided",
        appeal_id="A1",
        outcome="upheld",
        note="n",
    ),
    event(
        11,
        "2026-12-04T00:00:00+00:00",
        "mod2",
        "appeal.decided",
        appeal_id="A2",
        outcome="reversed",
        note="n",
    ),
    report(12, "2026-12-05T00:00:00+00:00", "demo-x", "lab/model-a", "hate", demo=True),
    event(
        13,
        "2026-12-06T00:00:00+00:00",
        "lab",
        "comment.hidden",
        artifact_id="lab/data-b",
        discussion_id="D3",
        comment_id="C6",
        reason="off-topic",
    ),
    event(
        14,
        "2026-12-07T00:00:00+00:00",
        "mod",
        "user.suspended",
        suspension_id="S1",
        user="troll",
        period="1w",
        note="private note",
    ),
    event(
        15, "2026-12-08T00:00:00+00:00", "mod", "suspension.lifted", suspension_id="S1", note="n"
    ),
]


def figures(include_demo: bool = False) -> dict[tuple[str, str, str], float]:
    frame = transparency_table(
        LOG, kind_of=KINDS.get, owner_of=OWNERS.get, include_demo=include_demo
    )
    return {(m, measure, g): v for m, measure, g, v in frame.itertuples(index=False)}


def test_counts_match_the_hand_count() -> None:
    got = figures()
    assert got[("2026-11", "reports_by_reason", "spam")] == 2
    assert got[("2026-11", "reports_by_reason", "privacy")] == 1
    assert got[("2026-11", "reports_by_kind", "model")] == 2
    assert got[("2026-11", "reports_by_kind", "dataset")] == 1
    assert got[("2026-11", "actions", "downgrade")] == 1
    assert got[("2026-12", "reports_by_reason", "spam")] == 1
    assert got[("2026-12", "actions", "dismiss")] == 1
    assert ("2026-12", "reports_by_reason", "hate") not in got  # demo rows left out
    assert got[("2026-12", "owner_hides_by_reason", "off-topic")] == 1  # an owner's hide
    assert not [k for k in got if k[1] == "owner_hides_by_reason" and k[0] == "2026-11"]
    # A suspension and its lift count among December's actions, naming no one.
    assert got[("2026-12", "actions", "suspend_user")] == 1
    assert got[("2026-12", "actions", "lift_suspension")] == 1
    assert not [k for k in got if "troll" in k[2]]


def test_count_tables_put_groups_down_and_every_month_across() -> None:
    """Months across, newest first, with a month nobody reported in as zeros (October,
    between a September report and November's); groups down, the most frequent first."""
    september = report(90, "2026-09-15T00:00:00+00:00", "cy", "lab/data-b", "privacy")
    frame = transparency_table([*LOG, september], kind_of=KINDS.get, owner_of=OWNERS.get)
    for language in ("en", "zh-CN"):
        table = count_table(frame, "reports_by_reason", "reason", language)
        assert list(table.columns) == [
            tr("transparency.col_reason", language),
            "2026-12",
            "2026-11",
            "2026-10",
            "2026-09",
        ]
        rows = {row[0]: list(row[1:]) for row in table.itertuples(index=False)}
        assert list(rows) == [tr("reason.spam", language), tr("reason.privacy", language)]
        assert rows[tr("reason.spam", language)] == [1, 2, 0, 0]
        assert rows[tr("reason.privacy", language)] == [0, 1, 0, 1]
        kinds = count_table(frame, "reports_by_kind", "kind", language)
        assert kinds.columns[0] == tr("transparency.col_kind", language)
        actions = count_table(frame, "actions", "modaction", language)
        assert actions.columns[0] == tr("transparency.col_modaction", language)
        hides = count_table(frame, "owner_hides_by_reason", "hide", language)
        assert hides.columns[0] == tr("transparency.col_hide", language)
        assert list(hides.iloc[:, 0]) == [tr("hide.off-topic", language)]
    assert count_table(frame, "no_such_measure", "reason", "en").empty


def test_response_times_match_the_hand_count() -> None:
    got = figures()
    # Owner answers: R1 2 h, R3 10 h (R2 is the owner's own report; ann's comment on D3
    # is not the owner's). Median of [2, 10] = 6; p90 = 2 + 0.9 * 8 = 9.2.
    assert got[("2026-11", "owner_answer_median_hours", "all")] == 6.0
    assert got[("2026-11", "owner_answer_p90_hours", "all")] == 9.2
    assert got[("2026-11", "owner_answer_median_hours", "spam")] == 2.0
    assert got[("2026-11", "owner_answer_median_hours", "privacy")] == 10.0
    # Decisions: the downgrade at 08:00 decides R1 (8 h) and R2 (6 h). R3 and R8 are on
    # the dataset: the December dismiss decides both, each counted in its report's month
    # (R3: 30 days 6 h = 726 h; R8: 30 h).
    assert got[("2026-11", "decision_median_hours", "spam")] == 7.0
    assert got[("2026-11", "decision_median_hours", "privacy")] == 726.0
    assert got[("2026-11", "decision_median_hours", "all")] == 8.0
    assert got[("2026-12", "decision_median_hours", "spam")] == 30.0


def test_times_table_shows_median_and_p90_together() -> None:
    """Four columns (month, reason, owner's answer, decision), so it fits a phone; newest
    month first and "all reasons" first in each month; "—" where nobody answered."""
    frame = transparency_table(LOG, kind_of=KINDS.get, owner_of=OWNERS.get)
    for language in ("en", "zh-CN"):
        table = times_table(frame, language)
        assert list(table.columns) == [
            tr("transparency.col_month", language),
            tr("transparency.col_reason", language),
            tr("transparency.col_owner", language),
            tr("transparency.col_decision", language),
        ]
        rows = [tuple(row) for row in table.itertuples(index=False)]
        all_reasons = tr("transparency.all_reasons", language)
        assert rows[0][:2] == ("2026-12", all_reasons)
        november = [row for row in rows if row[0] == "2026-11"]
        # Decisions in November: 6, 8 and 726 h; p90 = 8 + 0.8 * (726 - 8) = 582.4.
        assert november[0] == ("2026-11", all_reasons, "6.0 / 9.2", "8.0 / 582.4")
        spam = tr("reason.spam", language)
        assert ("2026-11", spam, "2.0 / 2.0", "7.0 / 7.8") in november
        # December's spam report: decided after 30 h, no answer from the owner.
        assert ("2026-12", spam, "—", "30.0 / 30.0") in rows


def test_appeals_share() -> None:
    got = figures()
    assert got[("2026-12", "appeals_decided", "all")] == 2
    assert got[("2026-12", "appeals_upheld_share", "all")] == 0.5


def test_demo_rows_count_in_demo_mode_and_nothing_names_a_person() -> None:
    assert figures(include_demo=True)[("2026-12", "reports_by_reason", "hate")] == 1
    frame = transparency_table(LOG, kind_of=KINDS.get, owner_of=OWNERS.get, include_demo=True)
    text = frame.to_csv()
    for private in ("ann", "ben", "lab/", "mod", "secret", "demo-x"):
        assert private not in text.replace("model", "").replace("moderation", ""), private


def test_the_service_log_gives_the_same_figures(
    make_service: Callable[..., Safeguards],
) -> None:
    service = make_service()
    member, moderator = service.user("alice"), service.user("mod-ana")
    service.report(member, "bigscience/bloom", "spam", "Ads everywhere.")
    service.moderate(moderator, "bigscience/bloom", "downgrade", "Spam confirmed.")
    frame = transparency_table(
        read_events(service.settings.state_dir),
        kind_of=lambda a: service.catalog.get(a).kind.value,
        owner_of=lambda a: service.catalog.get(a).author,
    )
    assert isinstance(frame, pd.DataFrame)
    rows = {(measure, g): v for _, measure, g, v in frame.itertuples(index=False)}
    assert rows[("reports_by_reason", "spam")] == 1
    assert rows[("reports_by_kind", "model")] == 1
    assert rows[("actions", "downgrade")] == 1
    assert ("decision_median_hours", "spam") in rows
