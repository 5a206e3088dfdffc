"""Interaction limits and suspensions in a running app (issue 15, item 4): an owner
limits an artifact from its page and a new member is refused with one toast that says
why (no error badge, the typed text kept); a suspended user reads why and until when
under My activity; and the limits hold over the raw HTTP API."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apprunner import RunningApp, start_app
from browser import go_to_tab, new_context, pick, toast
from browser import signed_in as browser_signed_in
from gradio_queue import queue_call
from playwright.sync_api import Browser, BrowserContext, Page, expect

from safeguards.config import Settings
from safeguards.eventlog import read_events
from safeguards.service import Safeguards

pytestmark = pytest.mark.slow

ACCOUNTS = {
    "alice": "alice-pass",  # a member whose first activity here is minutes old
    "demo-studio": "owner-pass",  # owns demo-studio/* in the demo catalog
    "mod-ana": "ana-pass",
    "vic": "vic-pass",  # suspended by the seed
}
ITEM = "demo-studio/recipe-assistant-1b"
OTHER = "bigscience/bloom"
NOTE = "Repeated insults in <b>three</b> threads & <i>more</i> (walk)."  # shown as typed
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    workdir = tmp_path_factory.mktemp("limit-walks")
    service = Safeguards.open(
        Settings(state_dir=workdir / "state", moderators=frozenset({"mod-ana"}), demo=False)
    )
    service.open_discussion(service.user("alice"), ITEM, "Offline use?", "Does it run offline?")
    service.open_discussion(service.user("vic"), OTHER, "Rude", "This is rubbish.")
    service.suspend(service.user("mod-ana"), "vic", "1w", NOTE)
    service.log.close()
    running = start_app(workdir, accounts=ACCOUNTS, moderators="mod-ana")
    yield running
    running.stop()


def signed_in(chromium: Browser, app: RunningApp, user: str) -> tuple[BrowserContext, Page]:
    return browser_signed_in(chromium, app.url, user, ACCOUNTS[user])


def test_owner_limits_discussions_and_a_new_member_is_told_why(
    app: RunningApp, chromium: Browser
) -> None:
    owner_context, owner = signed_in(chromium, app, "demo-studio")
    owner.goto(f"{app.url}/?artifact={ITEM}")
    expect(owner.locator("#artifact-header")).to_contain_text(ITEM)
    owner.locator("#limits-box").get_by_text("Interaction limits").click()
    expect(owner.locator("#limit-status")).to_contain_text("No limit")
    expect(owner.locator("#limit-level input:checked")).to_have_count(0)  # nothing chosen
    owner.locator("#limit-level").get_by_text(
        "Only members active here for at least 7 days"
    ).click()
    pick(owner, "#limit-duration", "1 week")
    owner.locator("#limit-apply").click()
    toast(owner, re.compile(r"The limit is in force until \d{4}-\d\d-\d\d \d\d:\d\d UTC"))
    expect(owner.locator("#limit-notice")).to_contain_text("Discussions here are limited until")
    expect(owner.locator("#limit-lift")).to_be_visible()
    owner.set_viewport_size({"width": 1280, "height": 1400})
    owner.locator("#limits-box").evaluate("element => element.scrollIntoView({block: 'start'})")
    owner.screenshot(path=str(SCREENSHOTS / "walk-limits-owner-desktop-en.png"))
    owner_context.close()

    context, alice = signed_in(chromium, app, "alice")
    alice.set_viewport_size({"width": 1280, "height": 1400})
    alice.goto(f"{app.url}/?artifact={ITEM}")
    notice = alice.locator("#limit-notice")
    expect(notice).to_contain_text("only members active in this app for at least 7 days")
    expect(alice.locator("#limits-box")).to_be_hidden()  # not hers to change
    before = len(read_events(app.state_dir))
    alice.locator("#new-discussion").get_by_text("Start a discussion").first.click()
    title = alice.locator("#new-discussion textarea").first
    title.fill("Can I ask something?")
    alice.locator("#open-discussion").click()
    refusal = toast(alice, "at least 7 days old")
    expect(refusal).to_contain_text(f"Discussions on {ITEM} are limited until")
    expect(refusal).to_contain_text("You can still flag it.")
    expect(alice.locator(".error")).to_have_count(0)  # one toast, no error badges
    expect(title).to_have_value("Can I ask something?")  # what she typed stays
    assert len(read_events(app.state_dir)) == before
    # The line, the form and the toast in one view, once the toast has faded in.
    notice.evaluate("element => element.scrollIntoView({block: 'start'})")
    expect(refusal).to_have_css("opacity", "1")
    alice.screenshot(path=str(SCREENSHOTS / "walk-limit-refused-desktop-en.png"))
    # Reports stay open to everyone.
    go_to_tab(alice, "Flag this artifact")
    pick(alice, "#flag-reason", re.compile("^Spam"))
    alice.locator("#flag-context textarea").fill("Advertising in the card (walk).")
    alice.locator("#flag-submit").click()
    toast(alice, re.compile(r"Report R-[0-9a-f]+ filed"))
    context.close()


def test_a_suspended_user_reads_why_and_until_when(app: RunningApp, chromium: Browser) -> None:
    context, vic = signed_in(chromium, app, "vic")
    go_to_tab(vic, "My activity")
    intro = vic.locator("#activity-intro")
    expect(intro).to_contain_text(re.compile(r"suspended from reporting and commenting until \d"))
    expect(intro).to_contain_text(NOTE)
    vic.goto(f"{app.url}/?artifact={OTHER}")
    go_to_tab(vic, "Flag this artifact")
    pick(vic, "#flag-reason", re.compile("^Spam"))
    vic.locator("#flag-context textarea").fill("Retaliation (walk).")
    vic.locator("#flag-submit").click()
    toast(vic, NOTE)
    expect(vic.locator(".error")).to_have_count(0)
    context.close()

    # Moderators see it in force, with the note, in the Suspensions sub-tab.
    mod_context, ana = signed_in(chromium, app, "mod-ana")
    ana.set_viewport_size({"width": 1280, "height": 1400})
    go_to_tab(ana, "Moderation")
    go_to_tab(ana, "Suspensions")
    listed = ana.locator("#suspensions-list")
    expect(listed).to_contain_text(re.compile(r"vic · until \d{4}-\d\d-\d\d"))
    expect(listed).to_contain_text(NOTE)
    expect(ana.locator("#suspend-period input")).to_have_value("")  # nothing pre-chosen
    # Suspending from the panel asks first; the suspension and its lifting are audited.
    before = len(read_events(app.state_dir))
    ana.locator("#suspend-user textarea").fill("demo-studio")
    pick(ana, "#suspend-period", "1 day")
    ana.locator("#suspend-note textarea").fill("Heated replies (walk).")
    ana.locator("#suspend-apply").click()
    expect(ana.locator("#suspend-confirm")).to_contain_text("Suspend this user?")
    assert len(read_events(app.state_dir)) == before
    ana.screenshot(path=str(SCREENSHOTS / "walk-suspensions-desktop-en.png"), full_page=True)
    ana.locator("#suspend-confirm-yes").click()
    toast(ana, "demo-studio is suspended.")
    expect(listed).to_contain_text("demo-studio · until")
    expect(ana.locator("#suspend-confirm")).to_be_hidden()
    pick(ana, "#suspend-lift-pick", "demo-studio")
    ana.locator("#suspend-lift-note textarea").fill("Calmer now (walk).")
    ana.locator("#suspend-lift").click()
    toast(ana, "The suspension of demo-studio is lifted.")
    expect(listed).not_to_contain_text("demo-studio")
    go_to_tab(ana, "Audit log")
    audit = ana.locator("#audit-log")
    expect(audit).to_contain_text("Calmer now (walk).")
    expect(audit).to_contain_text("user demo-studio")
    expect(ana.locator(".error")).to_have_count(0)
    mod_context.close()


def test_a_suspended_user_is_told_in_chinese_on_a_phone(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium, locale="zh-CN")
    context.set_default_timeout(20_000)
    signed = context.request.post(
        f"{app.url}/login", form={"username": "vic", "password": ACCOUNTS["vic"]}
    )
    assert signed.ok, signed.text()
    vic = context.new_page()
    vic.set_viewport_size({"width": 390, "height": 900})
    vic.goto(f"{app.url}/?artifact={OTHER}")
    expect(vic.locator("#artifact-header")).to_contain_text(OTHER)
    go_to_tab(vic, "标记此制品")
    pick(vic, "#flag-reason", "垃圾信息或广告")
    vic.locator("#flag-context textarea").fill("Retaliation (walk).")
    vic.locator("#flag-submit").click()
    refusal = toast(vic, "被停止举报和评论的权限")
    expect(refusal).to_contain_text(NOTE)
    expect(vic.locator(".error")).to_have_count(0)
    go_to_tab(vic, "我的动态")
    intro = vic.locator("#activity-intro")
    expect(intro).to_contain_text("被停止举报和评论的权限")
    expect(intro).to_contain_text(NOTE)
    assert vic.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    vic.screenshot(path=str(SCREENSHOTS / "walk-suspended-phone-zh-CN.png"))
    context.close()


def handler(config: dict, elem_id: str) -> int:
    """The id of the event function the button `elem_id` triggers on click."""
    components = {c["id"]: c for c in config["components"]}
    found = [
        d["id"]
        for d in config["dependencies"]
        if any(
            components.get(t, {}).get("props", {}).get("elem_id") == elem_id and e == "click"
            for t, e in d["targets"]
        )
    ]
    assert len(found) == 1, (elem_id, found)
    return found[0]


def test_the_page_handlers_called_directly_obey_them_too(app: RunningApp) -> None:
    """The private UI functions, called over the queue as a crafted client would: the
    limited member's discussion and the suspended user's flag are refused with the
    reason, and nothing is written."""
    alice, vic, owner = (session_of(app, u) for u in ("alice", "vic", "demo-studio"))
    answer = rest(owner, "limit_interactions", [ITEM, "established", "1w"])  # in force anyway
    assert "event: complete" in answer, answer
    config = alice.get("/config").json()
    page = [None, "popup", "", "open", ""]  # persona, preference, revealed, filter, thread
    limited = [ITEM, *page, "Crafted title", "Crafted body"]
    flag = [OTHER, *page, "spam", None, "Crafted flag."]
    before = len(read_events(app.state_dir))
    answer = queue_call(alice, handler(config, "open-discussion"), limited)
    assert not answer["success"] and "at least 7 days old" in answer["refusal"], answer
    answer = queue_call(vic, handler(config, "flag-submit"), flag)
    # A toast renders HTML: the page's refusal carries the note escaped, shown as typed.
    assert not answer["success"] and html.escape(NOTE, quote=False) in answer["refusal"], answer
    assert len(read_events(app.state_dir)) == before
    for session in (alice, vic, owner):
        session.close()


def rest(session: httpx.Client, name: str, data: list) -> str:
    """A named endpoint over the REST API: the event stream's text."""
    posted = session.post(f"/gradio_api/call/{name}", json={"data": data})
    assert posted.status_code == 200, posted.text
    return session.get(f"/gradio_api/call/{name}/{posted.json()['event_id']}").text


def session_of(app: RunningApp, user: str) -> httpx.Client:
    session = httpx.Client(base_url=app.url, timeout=30)
    signed = session.post("/login", data={"username": user, "password": ACCOUNTS[user]})
    assert signed.status_code == 200, signed.text
    return session


def test_limits_and_suspensions_hold_over_the_raw_api(app: RunningApp) -> None:
    vic, alice, moderator = (session_of(app, u) for u in ("vic", "alice", "mod-ana"))
    before = len(read_events(app.state_dir))
    answer = rest(vic, "report", [OTHER, "spam", "Over the API."])
    assert "event: error" in answer and NOTE in answer, answer
    answer = rest(alice, "limit_interactions", [OTHER, "owner", "1d"])
    assert "event: error" in answer and "owner or a moderator" in answer, answer
    answer = rest(alice, "suspend", ["vic", "until_lifted", "Me too."])
    assert "event: error" in answer and "Only moderators" in answer, answer
    answer = rest(moderator, "suspend", ["mod-ana", "1d", "Myself."])
    assert "event: error" in answer and "cannot suspend yourself" in answer, answer
    assert len(read_events(app.state_dir)) == before
    # The moderator limits OTHER to its owner: a member's report still goes through.
    answer = rest(moderator, "limit_interactions", [OTHER, "owner", "1d"])
    assert "event: complete" in answer and '"level": "owner"' in answer, answer
    answer = rest(alice, "report", [OTHER, "spam", "Still reportable (walk)."])
    assert "event: complete" in answer, answer
    answer = rest(moderator, "lift_suspension", ["vic", "Apologised (walk)."])
    assert "event: complete" in answer, answer
    answer = rest(vic, "report", [OTHER, "spam", "After the lift (walk)."])
    assert "event: complete" in answer, answer
    for session in (vic, alice, moderator):
        session.close()
