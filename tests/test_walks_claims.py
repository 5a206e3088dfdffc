"""Walks in Chromium for claims and reasons (issue 15): a moderator claims an item and a
second one is asked to confirm before acting on it; an owner hides a comment as
off-topic, readers see the reason and a moderator sees the hidden text."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from apprunner import RunningApp, start_app
from browser import pick, toast
from browser import signed_in as browser_signed_in
from playwright.sync_api import Browser, BrowserContext, Page, expect

from safeguards.config import Settings
from safeguards.service import Safeguards

pytestmark = pytest.mark.slow

ACCOUNTS = {
    "alice": "alice-pass",
    "demo-studio": "owner-pass",  # owns demo-studio/* in the demo catalog
    "mod-ana": "ana-pass",
    "mod-ben": "ben-pass",
    "vic": "vic-pass",
}
ITEM = "demo-studio/recipe-assistant-1b"
OFF_TOPIC = "Unrelated: who won the football match yesterday?"
RUDE = "Whoever wrote this card is a clown."


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, str]]:
    workdir = tmp_path_factory.mktemp("claim-walks")
    service = Safeguards.open(
        Settings(state_dir=workdir / "state", moderators=frozenset({"mod-ana"}), demo=False)
    )
    thread = service.open_discussion(
        service.user("alice"), ITEM, "Offline use?", "Does it run offline?"
    )
    service.comment(service.user("vic"), thread.id, OFF_TOPIC)
    rude = service.open_discussion(service.user("alice"), ITEM, "Rude thread", "Is it good?")
    service.comment(service.user("vic"), rude.id, RUDE)
    service.report(service.user("alice"), ITEM, "spam", "It advertises a paid app (walk).")
    service.log.close()
    running = start_app(workdir, accounts=ACCOUNTS, moderators="mod-ana,mod-ben")
    yield running, thread.id
    running.stop()


def signed_in(chromium: Browser, app: RunningApp, user: str) -> tuple[BrowserContext, Page]:
    return browser_signed_in(chromium, app.url, user, ACCOUNTS[user])


def test_claim_then_another_moderator_confirms_before_acting(
    app: tuple[RunningApp, str], chromium: Browser
) -> None:
    running, _ = app
    ana_context, ana = signed_in(chromium, running, "mod-ana")
    ana.goto(f"{running.url}/?moderate={ITEM}")
    expect(ana.locator("#mod-claim")).to_contain_text("Nobody has claimed")
    ana.locator("#mod-claim-take").click()
    toast(ana, "Claimed.")
    expect(ana.locator("#mod-claim")).to_contain_text("You claimed this item just now")
    expect(ana.locator("#mod-claim-release")).to_be_visible()
    # The queue's Claimed column follows at once for the one who claimed.
    expect(ana.locator("#mod-queue")).to_contain_text("mod-ana, just now")

    ben_context, ben = signed_in(chromium, running, "mod-ben")
    ben.goto(f"{running.url}/?moderate={ITEM}")
    expect(ben.locator("#mod-claim")).to_contain_text("Claimed by mod-ana, just now")
    expect(ben.locator("#mod-queue")).to_contain_text("mod-ana, just now")
    pick(ben, "#mod-action", re.compile("^Downgrade"))
    ben.locator("#mod-note textarea").fill("Advertising confirmed (walk).")
    ben.locator("#mod-apply").click()
    expect(ben.locator("#mod-confirm-text")).to_contain_text("mod-ana claimed this item")
    assert "Advertising confirmed" not in ben.locator("#mod-item-history").inner_text()
    ben.locator("#mod-confirm-yes").click()
    expect(ben.locator("#mod-item-history")).to_contain_text("Advertising confirmed (walk)")
    ana_context.close()
    ben_context.close()


def test_owner_hides_a_comment_with_a_reason(
    app: tuple[RunningApp, str], chromium: Browser
) -> None:
    running, thread = app
    link = f"{running.url}/?artifact={ITEM}&discussion={thread}"
    owner_context, owner = signed_in(chromium, running, "demo-studio")
    owner.goto(link)
    expect(owner.locator("#thread")).to_contain_text(OFF_TOPIC)
    owner.locator("#owner-hide").get_by_text("Hide a comment").click()
    pick(owner, "#owner-hide-comment", re.compile("^vic: Unrelated"))
    pick(owner, "#owner-hide-reason", "off-topic")
    owner.locator("#owner-hide-apply").click()
    toast(owner, "The comment is hidden.")
    expect(owner.locator("#thread")).to_contain_text("Comment hidden as off-topic (by the owner)")
    expect(owner.locator("#thread")).not_to_contain_text(OFF_TOPIC)

    reader_context, reader = signed_in(chromium, running, "alice")
    reader.goto(link)
    expect(reader.locator("#thread")).to_contain_text("Comment hidden as off-topic")
    expect(reader.locator("#thread")).not_to_contain_text(OFF_TOPIC)
    expect(reader.locator("#owner-hide")).to_be_hidden()  # not hers to hide

    mod_context, moderator = signed_in(chromium, running, "mod-ana")
    moderator.goto(link)
    expect(moderator.locator("#thread")).to_contain_text("Hidden text (moderators only)")
    expect(moderator.locator("#thread")).to_contain_text(OFF_TOPIC)
    for context in (owner_context, reader_context, mod_context):
        context.close()


def test_moderator_hides_a_comment_with_a_reason_from_the_panel(
    app: tuple[RunningApp, str], chromium: Browser
) -> None:
    running, _ = app
    context, ana = signed_in(chromium, running, "mod-ana")
    ana.goto(f"{running.url}/?moderate={ITEM}")
    ana.get_by_text("Discussions: lock, close, hide a comment").click()
    pick(ana, "#mod-discussion", re.compile("Rude thread"))
    pick(ana, "#mod-comment", re.compile("^vic: Whoever"))
    ana.locator("#mod-d-action").get_by_text("Hide the comment").click()
    ana.locator("#mod-d-note textarea").fill("Personal attack (walk).")
    expect(ana.locator("#mod-d-apply")).to_be_disabled()  # the reason is still missing
    pick(ana, "#mod-d-reason", "abuse")
    expect(ana.locator("#mod-d-apply")).to_be_enabled()
    ana.locator("#mod-d-apply").click()
    expect(ana.locator("#mod-item-history")).to_contain_text("Hide the comment (abuse)")
    context.close()
