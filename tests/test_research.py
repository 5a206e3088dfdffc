"""The research view's domain (`safeguards.research`) on constructed logs with known
times, and the export read back by `datasets.load_dataset` as a researcher would."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import MODERATOR

from safeguards import research
from safeguards.errors import Conflict, InvalidInput, PermissionDenied
from safeguards.eventlog import Event, format_ts, read_events
from safeguards.service import Safeguards

MakeService = Callable[..., Safeguards]
MODEL = "lab/vision-model"  # rigorous + inclusive
DATASET = "lab/web-scrape"  # no category
SPACE = "crew/demo-space"  # sustainable
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def catalog_line(artifact_id: str, kind: str, categories: list[str]) -> str:
    author = artifact_id.split("/")[0]
    tags = [f"ethics-{c}" for c in categories]
    card = "---\ntags: []\n---\n# Card\n"
    return json.dumps(
        {
            "id": artifact_id,
            "kind": kind,
            "author": author,
            "summary": f"{artifact_id} summary",
            "categories": categories,
            "tags": tags,
            "license": "mit",
            "downloads": 10,
            "likes": 1,
            "trending": 0.5,
            "created": "2025-01-01",
            "updated": "2025-01-02",
            "card": card,
        }
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.jsonl"
    lines = [
        catalog_line(MODEL, "model", ["rigorous", "inclusive"]),
        catalog_line(DATASET, "dataset", []),
        catalog_line(SPACE, "space", ["sustainable"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class LogBuilder:
    """Events with chosen timestamps, written as one log file before a service opens it."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.events: list[Event] = []
        self.counter = itertools.count(1)

    def add(self, when: datetime, actor: str | None, type_: str, payload: dict) -> None:
        event_id = f"e{next(self.counter):06d}"
        self.events.append(Event(event_id, format_ts(when), actor, type_, payload))

    def report(
        self, when: datetime, who: str, artifact_id: str, reason: str = "hate"
    ) -> tuple[str, str]:
        n = next(self.counter)
        report_id, discussion_id = f"R-{n:06d}", f"D-{n:06d}"
        payload = {
            "report_id": report_id,
            "artifact_id": artifact_id,
            "reason": reason,
            "context": f"context by {who} — 举报",
            "discussion_id": discussion_id,
            "comment_id": f"C-{n:06d}",
            "title": "Report",
            "target_discussion_id": None,
        }
        self.add(when, who, "report.filed", payload)
        return report_id, discussion_id

    def comment(self, when: datetime, who: str, discussion_id: str, text: str) -> None:
        n = next(self.counter)
        payload = {"discussion_id": discussion_id, "text": text, "comment_id": f"C-{n:06d}"}
        self.add(when, who, "comment.added", payload)

    def action(
        self, when: datetime, moderator: str, artifact_id: str, action: str, **extra: str
    ) -> None:
        n = next(self.counter)
        payload = {"action_id": f"M-{n:06d}", "artifact_id": artifact_id, "action": action}
        self.add(when, moderator, "moderation.action", {**payload, "note": "why", **extra})

    def write(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / "events-constructed-00001.jsonl"
        path.write_text("".join(e.to_json() + "\n" for e in self.events), encoding="utf-8")


@pytest.fixture
def log(settings) -> LogBuilder:
    return LogBuilder(settings.state_dir)


def counts(frame: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {
        (row.period.strftime("%Y-%m-%d"), row.group): int(row.reports)
        for row in frame.itertuples(index=False)
    }


# -- reports over time ----------------------------------------------------------------


def test_reports_over_time_by_reason_kind_and_category(
    make_service: MakeService, catalog: Path, log: LogBuilder
) -> None:
    log.report(T0, "alice", MODEL, "hate")
    log.report(T0 + timedelta(days=2), "bob", MODEL, "hate")
    log.report(T0 + timedelta(days=6, hours=14), "carol", DATASET, "spam")  # Sunday night
    log.report(T0 + timedelta(days=15), "dave", SPACE, "hate")  # two weeks on
    log.write()
    service = make_service(catalog_path=catalog)
    anyone = service.user(None)

    by_reason = research.reports_over_time(service, anyone, "reason", "W")
    assert list(by_reason.columns) == ["period", "group", "reports"]
    assert pd.api.types.is_datetime64_any_dtype(by_reason["period"])
    assert counts(by_reason) == {
        ("2026-03-02", "hate"): 2,
        ("2026-03-02", "spam"): 1,
        ("2026-03-09", "hate"): 0,  # the empty week is there, at zero
        ("2026-03-09", "spam"): 0,
        ("2026-03-16", "hate"): 1,
        ("2026-03-16", "spam"): 0,
    }
    by_kind = counts(research.reports_over_time(service, anyone, "kind", "W"))
    assert by_kind[("2026-03-02", "model")] == 2 and by_kind[("2026-03-02", "dataset")] == 1
    assert by_kind[("2026-03-16", "space")] == 1 and by_kind[("2026-03-16", "model")] == 0
    by_category = counts(research.reports_over_time(service, anyone, "category", "W"))
    assert by_category[("2026-03-02", "rigorous")] == 2
    assert by_category[("2026-03-02", "inclusive")] == 2  # once per category of the artifact
    assert by_category[("2026-03-02", research.UNCATEGORISED)] == 1
    assert by_category[("2026-03-16", "sustainable")] == 1
    monthly = counts(research.reports_over_time(service, anyone, "reason", "M"))
    assert monthly == {("2026-03-01", "hate"): 3, ("2026-03-01", "spam"): 1}
    daily = research.reports_over_time(service, anyone, "reason", "D")
    assert daily["period"].nunique() == 16 and daily["reports"].sum() == 4
    for by, freq in (("reporter", "W"), ("reason", "Y"), ("reason", "")):
        with pytest.raises(InvalidInput):
            research.reports_over_time(service, anyone, by, freq)


def test_a_merged_category_tag_moves_the_reports(
    make_service: MakeService, catalog: Path, log: LogBuilder
) -> None:
    log.report(T0, "alice", DATASET, "privacy")
    log.write()
    service = make_service(catalog_path=catalog)
    before = research.reports_over_time(service, service.user(None), "category")
    assert set(before["group"]) == {research.UNCATEGORISED}
    proposal = service.propose_tags(service.user("bob"), DATASET, ["ethics-consentful"])
    service.decide_proposal(service.user("lab"), proposal.id, merge=True)
    after = research.reports_over_time(service, service.user(None), "category")
    assert set(after["group"]) == {"consentful"}


def test_no_reports_gives_an_empty_frame(service: Safeguards) -> None:
    frame = research.reports_over_time(service, service.user(None))
    assert frame.empty and list(frame.columns) == ["period", "group", "reports"]
    assert research.most_reported(service, service.user(MODERATOR)).empty
    stats = research.response_times(service, service.user(None))
    assert stats["reports"] == 0 and stats["owner_response"]["median_hours"] is None


# -- most reported --------------------------------------------------------------------


def test_most_reported_counts_distinct_reporters(service: Safeguards) -> None:
    moderator = service.user(MODERATOR)
    for who in ("alice", "bob", "carol"):
        service.report(service.user(who), "allenai/c4", "privacy", "names")
    service.report(service.user("alice"), "bigscience/bloom", "hate", "one")
    service.report(service.user("alice"), "bigscience/bloom", "hate", "same person")  # extends
    service.report(service.user("bob"), "bigscience/bloom", "spam", "two")
    service.report(service.user("dave"), "openai-community/gpt2", "spam", "x")
    service.moderate(moderator, "openai-community/gpt2", "dismiss", "fine")
    top = research.most_reported(service, moderator)
    assert list(top.columns) == [
        "artifact_id",
        "kind",
        "reporters",
        "reports",
        "open",
        "top_reason",
        "last_report",
    ]
    assert list(top["artifact_id"]) == ["allenai/c4", "bigscience/bloom", "openai-community/gpt2"]
    assert list(top["reporters"]) == [3, 2, 1]
    assert list(top["open"]) == [3, 2, 0]
    assert list(top["top_reason"]) == ["privacy", "hate", "spam"]
    assert list(top["kind"]) == ["dataset", "model", "model"]
    assert len(research.most_reported(service, moderator, limit=1)) == 1
    for bad in (0, -1, 5000, "3", True):
        with pytest.raises(InvalidInput):
            research.most_reported(service, moderator, limit=bad)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        research.most_reported(service, service.user("alice"))


# -- response times -------------------------------------------------------------------


def test_response_times_median_and_p90(
    make_service: MakeService, catalog: Path, log: LogBuilder
) -> None:
    _, d1 = log.report(T0, "alice", MODEL)
    log.comment(T0 + timedelta(hours=1), "alice", d1, "the reporter adds something")
    log.comment(T0 + timedelta(hours=2), "lab", d1, "owner: looking")
    log.comment(T0 + timedelta(hours=3), "lab", d1, "owner: a second reply")
    log.action(T0 + timedelta(hours=4), MODERATOR, MODEL, "downgrade")
    _, d2 = log.report(T0, "bob", DATASET)
    log.comment(T0 + timedelta(hours=10), "lab", d2, "owner: fixed")
    log.action(T0 + timedelta(hours=24), MODERATOR, DATASET, "dismiss")
    _, d3 = log.report(T0, "carol", SPACE)  # nobody answers
    log.action(T0 + timedelta(hours=2), MODERATOR, SPACE, "lock_discussion", discussion_id=d3)
    _, d4 = log.report(T0 + timedelta(hours=5), "lab", MODEL)  # the owner's own report
    log.comment(T0 + timedelta(hours=6), "lab", d4, "more")
    log.write()
    service = make_service(catalog_path=catalog)
    stats = research.response_times(service, service.user(None))
    assert stats["reports"] == 4
    assert stats["owner_response"] == {
        "count": 2,
        "pending": 1,  # carol's; the self-report does not count
        "median_hours": 6.0,
        "p90_hours": 9.2,
    }
    # A discussion lock is not a decision on the report; the downgrade came before d4.
    assert stats["moderator_action"] == {
        "count": 2,
        "pending": 2,
        "median_hours": 14.0,
        "p90_hours": 22.0,
    }


# -- the export as a dataset ----------------------------------------------------------


def load_in_subprocess(folder: Path, cache: Path) -> list[dict]:
    """`datasets.load_dataset` in a clean process, offline, as a researcher would."""
    code = (
        "import json, sys, datasets\n"
        "ds = datasets.load_dataset(sys.argv[1], split='train')\n"
        "print(json.dumps({'features': sorted(ds.features), 'rows': ds.to_list()}))\n"
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HOME": str(cache),
        "HF_DATASETS_CACHE": str(cache / "datasets"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["features"] == ["actor", "demo", "id", "payload", "ts", "type"]
    return result["rows"]


def test_export_loads_with_datasets(
    make_service: MakeService, log: LogBuilder, tmp_path: Path
) -> None:
    log.add(T0 - timedelta(days=1), None, "future.event", {"kept": True})  # unknown type
    log.write()
    service = make_service()
    moderator = service.user(MODERATOR)
    report = service.report(service.user("alice"), "bigscience/bloom", "hate", "上下文 <b>x</b>")
    service.comment(service.user("bigscience"), report.discussion_id, "owner answer")
    service.set_preference(service.user("alice"), True)
    service.moderate(moderator, "bigscience/bloom", "gate", "gated: 理由")
    out = research.export_dataset(service, moderator, tmp_path / "dataset")
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "events.parquet",
        "transparency.parquet",
    ]
    figures = pd.read_parquet(out / "transparency.parquet")
    assert list(figures.columns) == ["month", "measure", "group", "value"]
    by = {(m, g): v for _, m, g, v in figures.itertuples(index=False)}
    assert by[("reports_by_reason", "hate")] == 1
    assert by[("actions", "gate")] == 1

    expected = read_events(service.settings.state_dir)
    assert len(expected) == 5
    rows = load_in_subprocess(out, tmp_path / "hf-cache")
    assert [r["id"] for r in rows] == [e.id for e in expected]
    for row, event in zip(rows, expected, strict=True):
        assert (row["ts"], row["actor"], row["type"]) == (event.ts, event.actor, event.type)
        assert isinstance(row["payload"], str)
        assert json.loads(row["payload"]) == event.payload
        assert row["demo"] is False  # nothing here came from the demo's seed
    assert rows[0]["actor"] is None and rows[0]["type"] == "future.event"

    frame = pd.read_parquet(out / "events.parquet")
    assert list(frame.columns) == ["id", "ts", "actor", "type", "payload", "demo"]
    assert len(frame) == len(expected)

    card = (out / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---")[1])
    assert front["configs"] == [
        {"config_name": "default", "data_files": "events.parquet"},
        {"config_name": "transparency", "data_files": "transparency.parquet"},
    ]
    for name in ("id", "ts", "actor", "type", "payload", "demo"):
        assert f"| `{name}` |" in card
    assert "No event is demo data" in card
    for type_ in ("report.filed", "moderation.action", "comment.added", "preference.set"):
        assert f"| `{type_}` |" in card
    assert "ethics-soc-3" in card  # credits the post


def test_export_zip_and_empty_log(service: Safeguards, tmp_path: Path) -> None:
    moderator = service.user(MODERATOR)
    with pytest.raises(Conflict):
        research.export_dataset(service, moderator, tmp_path / "empty")
    service.report(service.user("alice"), "allenai/c4", "privacy", "names")
    archive = research.export_zip(service, moderator, tmp_path / "zips")
    assert archive.suffix == ".zip" and archive.parent == tmp_path / "zips"
    with zipfile.ZipFile(archive) as zipped:
        names = sorted(zipped.namelist())
        assert [n.split("/", 1)[1] for n in names] == [
            "README.md",
            "events.parquet",
            "transparency.parquet",
        ]
        assert len({n.split("/", 1)[0] for n in names}) == 1  # one folder
        zipped.extractall(tmp_path / "unzipped")
    folder = tmp_path / "unzipped" / names[0].split("/", 1)[0]
    frame = pd.read_parquet(folder / "events.parquet")
    assert list(frame["type"]) == ["report.filed"]
    assert [p.name for p in (tmp_path / "zips").iterdir()] == [archive.name]  # no leftovers
