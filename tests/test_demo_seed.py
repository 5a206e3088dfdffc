"""The demo's seeded history: deterministic, only on an empty folder in demo mode, folded
like any log, and enough for every tab to show something from the first second."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apprunner import REPO

from safeguards import demo_seed, research
from safeguards import moderation as mod
from safeguards.bootstrap import open_service
from safeguards.catalog import load_catalog
from safeguards.config import DEMO_PERSONAS, Settings
from safeguards.errors import PermissionDenied
from safeguards.eventlog import parse_ts, read_events
from safeguards.folderlock import hold_state_folder
from safeguards.records import AccessStatus, AppealStatus, ProposalStatus, ReportStatus
from safeguards.service import Safeguards
from safeguards.state import APPEAL_DAYS, State

NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
MEMBER, OWNER, MODERATOR = (DEMO_PERSONAS[p] for p in ("member", "owner", "moderator"))


def demo_settings(state_dir: Path, **overrides: object) -> Settings:
    """What `Settings.from_env` gives a laptop run with no sign-in (demo mode)."""
    base = Settings.from_env({"SAFEGUARDS_STATE_DIR": str(state_dir)})
    return Settings(**{**vars(base), **overrides})


@pytest.fixture
def seeded(tmp_path: Path) -> Safeguards:
    settings = demo_settings(tmp_path / "state")
    assert demo_seed.seed_if_wanted(settings, now=datetime.now(UTC)) > 0
    return Safeguards.open(settings)


def test_same_now_same_bytes(tmp_path: Path) -> None:
    demo_seed.write_seed(state_dir=tmp_path / "a", now=NOW)
    demo_seed.write_seed(state_dir=tmp_path / "b", now=NOW)
    first = (tmp_path / "a" / demo_seed.SEED_FILE).read_bytes()
    assert first == (tmp_path / "b" / demo_seed.SEED_FILE).read_bytes()
    assert [e.to_json() for e in demo_seed.seed_events(now=NOW)] == first.decode().splitlines()
    # Another start moves the times, not the story.
    later = demo_seed.seed_events(now=NOW + timedelta(days=3))
    assert [(e.type, e.actor) for e in later] == [
        (e.type, e.actor) for e in demo_seed.seed_events(now=NOW)
    ]


def test_every_event_is_marked_in_the_past_and_on_the_demo_catalog() -> None:
    events = demo_seed.seed_events(now=NOW)
    catalog = load_catalog(demo_settings(Path("unused")).catalog_path)
    assert all(e.payload["demo"] is True for e in events)
    times = [e.time for e in events]
    assert times == sorted(times) and len({e.id for e in events}) == len(events)
    assert NOW - timedelta(days=demo_seed.SPAN_DAYS) <= times[0] and times[-1] < NOW
    assert times[-1] - times[0] > timedelta(days=80)  # spread over the ~90 days
    for event in events:
        if "artifact_id" in event.payload:
            assert catalog.get(event.payload["artifact_id"]) is not None, event.payload
    kinds = Counter(e.type for e in events)
    assert kinds["report.filed"] >= 10 and kinds["report.extended"] == 1
    actions = {e.payload["action"] for e in events if e.type == "moderation.action"}
    assert {"downgrade", "gate", "request_private", "disable", "enable", "dismiss"} <= actions
    assert {"hide_comment", "lock_discussion"} <= actions
    personas = {e.actor for e in events}
    assert {MEMBER, OWNER, MODERATOR} <= personas and len(personas) >= 9


def test_each_step_is_one_the_service_would_accept() -> None:
    """The rules `State.apply` does not check but the service does: a proposal adds tags
    the card lacks, access is asked only of gated artifacts, a safeguard action changes
    something, an appeal comes from the person the decision is about, in time, and is
    decided by another moderator."""
    catalog = load_catalog(demo_settings(Path("unused")).catalog_path)
    state = State()
    for event in demo_seed.seed_events(now=NOW):
        p = event.payload
        if event.type == "proposal.opened":
            artifact = catalog.get(p["artifact_id"])
            present = set(artifact.tags) | set(state.merged_tags.get(artifact.id, []))
            assert not present & set(p["tags"]), p
        if event.type == "access.requested":
            artifact = catalog.get(p["artifact_id"])
            gated = state.safeguard(artifact.id).gated
            assert artifact.gated if gated is None else gated, p
        forward = ("gate", "downgrade", "disable", "request_private", "enable")
        if event.type == "moderation.action" and p["action"] in forward:
            before = vars(state.safeguard(p["artifact_id"])).copy()
            state.apply(event)
            assert vars(state.safeguard(p["artifact_id"])) != before, p
            continue
        if event.type == "appeal.filed":
            action = state.action(p["action_id"])
            assert event.actor == catalog.get(action.artifact_id).author
            assert event.time - parse_ts(action.ts) < timedelta(days=APPEAL_DAYS)
        if event.type == "appeal.decided":
            action = state.action(state.appeals[p["appeal_id"]].action_id)
            assert event.actor != action.moderator
        state.apply(event)
    assert state.skipped == 0


def test_folds_without_a_skip_and_tells_the_whole_story() -> None:
    state = State.fold(demo_seed.seed_events(now=NOW))
    assert state.skipped == 0
    statuses = Counter(r.status for r in state.reports.values())
    assert statuses[ReportStatus.OPEN] >= 6
    assert statuses[ReportStatus.ACTIONED] >= 5 and statuses[ReportStatus.DISMISSED] == 1
    assert any(r.target_discussion_id for r in state.reports.values())  # from a discussion
    reporters = Counter(r.artifact_id for r in state.reports.values())
    assert max(reporters.values()) >= 3  # duplicates gather under one item
    proposals = Counter(p.status for p in state.proposals.values())
    assert proposals == {ProposalStatus.MERGED: 1, ProposalStatus.CLOSED: 1, ProposalStatus.OPEN: 1}
    access = Counter(r.status for r in state.access_requests.values())
    assert access[AccessStatus.APPROVED] == 1 and access[AccessStatus.PENDING] >= 1
    assert any(c.hidden for c in state.comments.values())
    assert any(d.status.value == "locked" for d in state.discussions.values())
    appeals = Counter(a.status for a in state.appeals.values())
    assert appeals == {AppealStatus.REVERSED: 1, AppealStatus.PENDING: 1}
    assert state.safeguard("demo-lab/tiny-sentiment-probe").disabled is False  # reversed
    assert state.safeguard("demo-studio/grimdark-fiction-7b").downgraded is True


def test_not_outside_demo_mode_nor_on_a_folder_with_anything_in_it(tmp_path: Path) -> None:
    assert demo_seed.seed_if_wanted(demo_settings(tmp_path / "a", demo=False)) == 0
    assert demo_seed.seed_if_wanted(demo_settings(tmp_path / "b", demo_seed=False)) == 0
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    other_catalog = tmp_path / "catalog.jsonl"
    assert demo_seed.seed_if_wanted(demo_settings(tmp_path / "c", catalog_path=other_catalog)) == 0

    history = tmp_path / "history"
    history.mkdir()
    (history / "events-someone-00001.jsonl").write_text("")  # a history, even an empty one
    assert demo_seed.seed_if_wanted(demo_settings(history)) == 0
    unrelated = tmp_path / "unrelated"
    unrelated.mkdir()
    (unrelated / "notes.txt").write_text("mine")
    assert demo_seed.seed_if_wanted(demo_settings(unrelated)) == 0
    assert sorted(p.name for p in history.iterdir()) == ["events-someone-00001.jsonl"]
    assert sorted(p.name for p in unrelated.iterdir()) == ["notes.txt"]

    # A folder holding only what a start-up rebuilds (the catalog cache) has no history.
    cache_only = tmp_path / "cache-only"
    (cache_only / ".cache").mkdir(parents=True)
    assert demo_seed.seed_if_wanted(demo_settings(cache_only), now=NOW) > 0
    # ...and the second start does not seed again.
    assert demo_seed.seed_if_wanted(demo_settings(cache_only), now=NOW) == 0
    assert len(read_events(cache_only)) == len(demo_seed.seed_events(now=NOW))


def test_settings_switch() -> None:
    assert Settings.from_env({}).demo_seed is True
    assert Settings.from_env({"SAFEGUARDS_DEMO_SEED": "0"}).demo_seed is False
    with pytest.raises(ValueError, match="SAFEGUARDS_DEMO_SEED"):
        Settings.from_env({"SAFEGUARDS_DEMO_SEED": "yes"})


def test_start_up_seeds_and_every_tab_has_content(tmp_path: Path) -> None:
    """Through the real start-up path (`open_service`), as `python app.py` does."""
    service = open_service(demo_settings(tmp_path / "state"))
    assert service.seeded_events == len(demo_seed.seed_events(now=NOW))
    assert service.state.skipped == 0
    moderator = service.user(MODERATOR)
    assert moderator.is_moderator

    queue = mod.build_queue(service, moderator)
    assert len(queue) >= 5
    assert any(item.reporters >= 2 for item in queue)
    assert any(item.owner_answered for item in queue)
    audit = mod.audit_log(service, moderator)
    assert len(audit) >= 8
    assert {"downgrade", "gate", "request_private", "disable", "enable"} <= set(audit["action"])
    assert len(service.pending_appeals(moderator)) == 1

    by_reason = research.reports_over_time(service, service.user(None), by="reason")
    assert by_reason["reports"].sum() >= 10 and by_reason["group"].nunique() >= 5
    assert by_reason["period"].nunique() >= 10  # weeks across the ~90 days
    assert research.response_times(service, service.user(None))
    assert len(research.most_reported(service, moderator)) >= 8

    member = service.user(MEMBER)
    stories = service.my_report_stories(member)
    assert len(stories) >= 2
    assert any(s.owner_answer is not None for s in stories)
    assert any(s.decisions for s in stories)
    owner = service.user(OWNER)
    assert service.my_notices(owner)  # decisions about the owner's artifacts
    view = service.view(owner, "demo-studio/face-attribute-classifier")
    assert any(r.status is AccessStatus.PENDING for r in view.access_requests)
    # The popup's artifact (tagged in the catalog), and an ethics tag merged by the owner.
    assert service.view(member, "demo-studio/nightmare-canvas-xl").content_warning
    assert "ethics-rigorous" in service.view(member, "demo-studio/carbon-receipt").tags

    # The seeded history is a history like any other: the personas can keep going.
    service.report(member, "demo-studio/recipe-assistant-1b", "spam", "An ad again.")
    restarted = open_service(demo_settings(tmp_path / "state"))
    assert restarted.seeded_events == 0
    assert len(restarted.state.reports) == len(service.state.reports)


def test_export_marks_the_seeded_rows(seeded: Safeguards, tmp_path: Path) -> None:
    import pandas as pd

    moderator = seeded.user(MODERATOR)
    seeded.report(seeded.user(MEMBER), "allenai/c4", "privacy", "A real report, not seeded.")
    out = research.export_dataset(seeded, moderator, tmp_path / "dataset")
    frame = pd.read_parquet(out / "events.parquet")
    assert frame["demo"].dtype == bool
    assert frame["demo"].sum() == len(frame) - 1
    real = frame[~frame["demo"]]
    assert list(real["type"]) == ["report.filed"]
    assert "demo" not in json.loads(real["payload"].iloc[0])
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| `demo` |" in card
    assert f"{len(frame) - 1} of the {len(frame)} events are demo data" in card


def test_seed_adds_well_under_a_second(tmp_path: Path) -> None:
    """The issue's budget: the seed may add at most 1 s to a start. It writes one small
    file before the service opens; folding its events is what the start adds."""
    started = time.perf_counter()
    demo_seed.seed_if_wanted(demo_settings(tmp_path / "state"))
    State.fold(read_events(tmp_path / "state"))
    assert time.perf_counter() - started < 1.0


SQLITE_SIDE = ("-wal", "-shm")


def test_reset_keeps_the_old_folder(seeded: Safeguards, tmp_path: Path) -> None:
    """From the moderator's button: the running service starts again from the seed."""
    state_dir = seeded.settings.state_dir
    member, moderator = seeded.user(MEMBER), seeded.user(MODERATOR)
    mine = seeded.report(member, "allenai/c4", "privacy", "Names in the crawl.")
    # state.db's -wal and -shm files go into the database when it closes for the move
    before = sorted(p.name for p in state_dir.iterdir() if not p.name.endswith(SQLITE_SIDE))
    with pytest.raises(PermissionDenied):
        seeded.reset_demo(member)
    kept = seeded.reset_demo(moderator, now=NOW)
    assert kept is not None and kept.parent == state_dir.parent
    assert kept.name.startswith("state-before-reset-")
    assert sorted(p.name for p in kept.iterdir()) == before  # all of it, nothing lost
    assert mine.id in {e.payload.get("report_id") for e in read_events(kept)}
    assert [p.name for p in state_dir.glob("events-*.jsonl")] == [demo_seed.SEED_FILE]
    assert mine.id not in seeded.state.reports
    assert len(seeded.state.reports) == len(State.fold(demo_seed.seed_events(now=NOW)).reports)
    # The app goes on writing, into the new folder, and a restart folds the same.
    seeded.report(member, "allenai/c4", "privacy", "Again, after the reset.")
    restarted = Safeguards.open(seeded.settings)
    assert len(restarted.state.reports) == len(seeded.state.reports)
    assert len(list(state_dir.glob("events-*.jsonl"))) == 2


def test_reset_refused_outside_demo_mode(service: Safeguards) -> None:
    with pytest.raises(PermissionDenied):
        service.reset_demo(service.user("mod-ana"))
    assert not list(service.settings.state_dir.parent.glob("*-before-reset-*"))


def test_demo_reset_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from safeguards.__main__ import main

    state_dir = tmp_path / "state"
    state_dir.mkdir()
    (state_dir / "events-old-00001.jsonl").write_text("")
    for name in ("SAFEGUARDS_ACCOUNTS", "SAFEGUARDS_DEMO", "SAFEGUARDS_HUB_DATASET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo-reset", "--state-dir", str(state_dir)]) == 0
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("state-before-reset-")]
    assert len(kept) == 1 and (kept[0] / "events-old-00001.jsonl").exists()
    assert len(demo_seed.read_seeded(state_dir)) == len(demo_seed.seed_events(now=NOW))
    monkeypatch.setenv("SAFEGUARDS_DEMO", "0")
    assert main(["demo-reset", "--state-dir", str(state_dir)]) == 2
    assert len([p for p in tmp_path.iterdir() if "before-reset" in p.name]) == 1


def test_demo_reset_is_refused_while_an_app_serves_the_folder(tmp_path: Path) -> None:
    """The command takes the folder's lock first: with another process holding it, it
    names the folder and moves nothing."""
    state_dir = tmp_path / "state"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from safeguards.folderlock import hold_state_folder\n"
            "hold_state_folder(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)",
            str(state_dir),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDS_")}
        answer = subprocess.run(
            [sys.executable, "-m", "safeguards", "demo-reset", "--state-dir", str(state_dir)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert answer.returncode == 2
    assert "Another process is already serving the state folder" in answer.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["state"]


def test_the_lock_follows_the_folder_after_an_in_app_reset(seeded: Safeguards) -> None:
    """After the moderator's reset, the fresh folder is the one held: a second process
    on it is refused, as before the reset."""
    hold_state_folder(seeded.settings.state_dir)
    seeded.reset_demo(seeded.user(MODERATOR), now=NOW)
    probe = (
        "import sys; from pathlib import Path\n"
        "from safeguards.folderlock import StateFolderBusy, hold_state_folder\n"
        "try:\n    hold_state_folder(Path(sys.argv[1]))\n"
        "except StateFolderBusy:\n    sys.exit(3)\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", probe, str(seeded.settings.state_dir)], cwd=REPO, timeout=60
    )
    assert other.returncode == 3


# -- the real app in a real browser ----------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_first_start_shows_every_tab_with_content(tmp_path: Path) -> None:
    """`python app.py` on an empty folder: the console block, the guide (closed stays
    closed), and content in My activity, Moderation and Research; then the reset."""
    from apprunner import start_app
    from browser import (
        choose_persona,
        chromium_path,
        go_to_tab,
        launch,
        new_context,
        open_app,
        reload,
        toast,
    )
    from playwright.sync_api import expect, sync_playwright

    from safeguards.i18n import tr

    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed")
    app = start_app(tmp_path, demo=True, seed=True)
    try:
        deadline = time.monotonic() + 30  # printed right after launch() returns
        while "  url    " not in app.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        log = app.log()
        assert f"  state  {app.state_dir.resolve()} (new: seeded with" in log
        assert "  mode   demo (" in log and f"  url    {app.url}/" in log
        with sync_playwright() as playwright:
            browser = launch(playwright)
            context = new_context(browser)
            page = open_app(context, app.url)
            guide = page.locator("#try-this")
            expect(guide).to_contain_text("demo-studio/nightmare-canvas-xl")
            choose_persona(page, "member")
            expect(guide).to_contain_text("community member")
            go_to_tab(page, "My activity")
            expect(page.locator("#my-reports")).to_contain_text("scraped-portraits-40k")
            expect(page.locator("#my-reports")).to_contain_text("clinical-wound-images")

            # Closed once, closed after a reload (this browser remembers).
            page.locator("#try-this").get_by_text(tr("guide.title")).first.click()
            expect(page.locator("#try-this-steps")).to_be_hidden()
            reload(page)
            expect(page.locator("#try-this")).to_be_visible()
            expect(page.locator("#try-this-steps")).to_be_hidden()

            choose_persona(page, "moderator")
            go_to_tab(page, "Moderation")
            expect(page.locator("#mod-summary")).to_contain_text("6 items")
            expect(page.locator("#mod-queue [role=row]")).to_have_count(1 + 6)  # + header
            go_to_tab(page, tr("mod.audit"))
            expect(page.locator("#audit-log")).to_contain_text("demo-lab/tiny-sentiment-probe")
            assert page.locator("#audit-log [role=row]").count() >= 1 + 8
            go_to_tab(page, "Research")
            expect(page.locator("#research-times")).to_contain_text(
                tr("research.total_reports", n=15)
            )
            for by in ("reason", "kind", "category"):
                expect(page.locator(f"#research-by-{by} .sg-bar-row").first).to_be_visible()
            expect(page.locator("#research-most")).to_contain_text("grimdark-fiction-7b")

            go_to_tab(page, "Moderation")
            page.locator("#demo-reset-box").get_by_text(tr("demo.reset_title")).click()
            page.locator("#demo-reset").click()
            page.locator("#demo-reset-yes").click()
            toast(page, "The demo starts again from its example history")
            browser.close()
        kept = [p for p in tmp_path.iterdir() if p.name.startswith("state-before-reset-")]
        assert len(kept) == 1
        assert (kept[0] / demo_seed.SEED_FILE).exists()
        assert (app.state_dir / demo_seed.SEED_FILE).exists()
    finally:
        app.stop()
