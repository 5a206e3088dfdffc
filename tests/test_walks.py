"""Walks that need real accounts: the whole loop of a decision, with two moderators.

A member flags, a moderator acts through a `?moderate=` link, the owner reads the
decision notice and appeals, the acting moderator may not decide it, a second moderator
reverses it, and the reporter and the owner both read the outcome. Then every link form
opens its view after a reload and Back returns to the one before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from apprunner import RunningApp, start_app
from browser import go_to_tab, new_context, open_by_id, pick, toast, wait_ready
from browser import signed_in as browser_signed_in
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.slow

ACCOUNTS = {
    "alice": "alice-pass",
    "demo-studio": "owner-pass",  # owns demo-studio/* in the demo catalog
    "mod-ana": "ana-pass",
    "mod-ben": "ben-pass",
    "vic": "vic-pass",  # a member who only reads
}
ACTIONED = "demo-studio/recipe-assistant-1b"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(
        tmp_path_factory.mktemp("walks"), accounts=ACCOUNTS, moderators="mod-ana,mod-ben"
    )
    yield running
    running.stop()


def signed_in(chromium: Browser, app: RunningApp, user: str) -> tuple[BrowserContext, Page]:
    return browser_signed_in(chromium, app.url, user, ACCOUNTS[user])


def test_decision_notice_appeal_and_reversal(app: RunningApp, chromium: Browser) -> None:
    reporter_context, reporter = signed_in(chromium, app, "alice")
    open_by_id(reporter, ACTIONED)
    go_to_tab(reporter, "Flag this artifact")
    pick(reporter, "#flag-reason", re.compile("^Deception"))
    reporter.locator("#flag-context textarea").fill("The card claims medical accuracy (walk).")
    reporter.locator("#flag-submit").click()
    toast(reporter, re.compile(r"Report R-[0-9a-f]+ filed"))

    # The first moderator opens the item from its link and downgrades the artifact.
    ana_context, ana = signed_in(chromium, app, "mod-ana")
    ana.goto(f"{app.url}/?moderate={ACTIONED}")
    expect(ana.locator("#mod-item-reports")).to_contain_text("medical accuracy (walk)")
    pick(ana, "#mod-action", re.compile("^Downgrade"))
    ana.locator("#mod-note textarea").fill("Health claims without evidence (walk).")
    ana.locator("#mod-apply").click()
    expect(ana.locator("#mod-item-history")).to_contain_text("Health claims without evidence")
    go_to_tab(ana, "Audit log")
    audit = ana.locator("#audit-log")
    expect(audit).to_contain_text("Health claims without evidence")  # no Filter press
    expect(audit.get_by_role("link", name=ACTIONED).first).to_be_visible()
    ana.screenshot(path=str(SCREENSHOTS / "walk-audit-log-desktop-en.png"), full_page=True)

    # The owner reads the decision notice and appeals it.
    owner_context, owner = signed_in(chromium, app, "demo-studio")
    go_to_tab(owner, "My activity")
    notices = owner.locator("#my-notices")
    expect(notices).to_contain_text("Health claims without evidence (walk).")
    expect(notices).to_contain_text(ACTIONED)
    owner.get_by_role("button", name=re.compile("^Appeal a decision")).click()
    pick(owner, "#appeal-action", ACTIONED)
    statement = "The card cites two peer-reviewed evaluations (walk)."
    owner.locator("#appeal-statement textarea").fill(statement)
    owner.locator("#appeal-submit").click()
    toast(owner, re.compile(r"Appeal AP-[0-9a-f]+ sent"))
    expect(notices).to_contain_text("waiting for a moderator")

    # The moderator who acted may not decide the appeal; the page says why and keeps it.
    ana.reload()
    wait_ready(ana)
    go_to_tab(ana, "Moderation")
    go_to_tab(ana, "Appeals")
    expect(ana.locator("#mod-appeals-list")).to_contain_text(statement)
    pick(ana, "#appeal-pick", ACTIONED)
    ana.locator("#appeal-outcome").get_by_text("Reverse the decision").click()
    ana.locator("#appeal-note textarea").fill("I would like to reverse my own decision.")
    ana.locator("#appeal-decide").click()
    toast(ana, "Another moderator must decide this appeal")
    expect(ana.locator("#appeal-note textarea")).to_have_value(
        "I would like to reverse my own decision."
    )
    expect(ana.locator('[data-testid="status-tracker"] .error')).to_have_count(0)

    # A second moderator reverses it.
    ben_context, ben = signed_in(chromium, app, "mod-ben")
    go_to_tab(ben, "Moderation")
    go_to_tab(ben, "Appeals")
    expect(ben.locator("#mod-appeals-list")).to_contain_text(statement)
    pick(ben, "#appeal-pick", ACTIONED)
    ben.locator("#appeal-outcome").get_by_text("Reverse the decision").click()
    ben.locator("#appeal-note textarea").fill("The evaluations support the claims (walk).")
    expect(ben.locator("#appeal-decide")).to_be_enabled()
    ben.locator("#appeal-decide").click()
    toast(ben, "decision reversed")
    expect(ben.locator("#mod-appeals-list")).to_contain_text("No appeal is waiting.")
    ben.screenshot(path=str(SCREENSHOTS / "walk-appeal-decided-desktop-en.png"), full_page=True)

    # Both parties read the outcome.
    owner.locator("#activity-refresh").click()
    expect(notices).to_contain_text("decision reversed")
    expect(notices).to_contain_text("The evaluations support the claims (walk).")
    owner.screenshot(path=str(SCREENSHOTS / "walk-owner-notice-desktop-en.png"), full_page=True)
    go_to_tab(reporter, "My activity")
    reporter.locator("#activity-refresh").click()
    story = reporter.locator("#my-reports")
    expect(story).to_contain_text("Health claims without evidence (walk).")
    expect(story).to_contain_text("The evaluations support the claims (walk).")
    expect(story).to_contain_text(re.compile("undone", re.I))
    for context in (reporter_context, ana_context, owner_context, ben_context):
        context.close()


def test_links_open_their_view_after_reload_and_back_returns(
    app: RunningApp, chromium: Browser
) -> None:
    context, page = signed_in(chromium, app, "mod-ana")
    browse = "?category=consentful&kind=model&sort=downloads&page=1"
    page.goto(f"{app.url}/{browse}")
    wait_ready(page)
    expect(page.get_by_role("tab", name="Browse", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    picker = page.locator("#category-picker")
    expect(picker.get_by_label("Consentful", exact=True)).to_be_checked()
    expect(page.get_by_label("Model", exact=True)).to_be_checked()
    expect(page.get_by_label("Downloads", exact=True)).to_be_checked()
    from gradio_client import Client

    same_search = Client(app.url, auth=("mod-ana", ACCOUNTS["mod-ana"]), verbose=False).predict(
        categories=["consentful"], kinds=["model"], sort="downloads", api_name="/search"
    )
    consentful_count = f"{same_search['total']} artifacts"
    expect(page.locator("#browse-summary")).to_contain_text(consentful_count)
    # A person's choice writes the address; a reload keeps it; Back returns.
    picker.get_by_label("Sustainable", exact=True).check()
    expect(page).to_have_url(re.compile(r"category=sustainable"))
    assert "kind=model" in page.url and "sort=downloads" in page.url
    page.reload()
    wait_ready(page)
    expect(picker.get_by_label("Sustainable", exact=True)).to_be_checked()
    page.go_back()
    expect(page).to_have_url(re.compile(r"category=consentful"))
    expect(picker.get_by_label("Consentful", exact=True)).to_be_checked()
    expect(page.locator("#browse-summary")).to_contain_text(consentful_count)
    page.goto(f"{app.url}/?sort=downloads&page=2")  # Gradio's own ?page= does not clash
    wait_ready(page)
    expect(page.locator("#browse-summary")).to_contain_text("page 2")

    artifact = "bigscience/bloom"
    page.goto(f"{app.url}/?artifact={artifact}")
    expect(page.locator("#artifact-header")).to_contain_text(artifact)
    page.reload()
    expect(page.locator("#artifact-header")).to_contain_text(artifact)

    page.goto(f"{app.url}/?moderate={ACTIONED}")
    expect(page.locator("#mod-item-id textarea")).to_have_value(ACTIONED)
    page.reload()
    expect(page.locator("#mod-item-id textarea")).to_have_value(ACTIONED)

    page.go_back()
    expect(page.locator("#artifact-header")).to_contain_text(artifact)
    assert f"artifact={artifact}" in page.url
    page.go_back()
    expect(page.get_by_role("tab", name="Browse", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    context.close()

    # A member with a moderation link gets the normal page, and learns nothing.
    member_context, member = signed_in(chromium, app, "alice")
    member.goto(f"{app.url}/?moderate={ACTIONED}")
    wait_ready(member)
    expect(member.get_by_role("tab", name="Moderation", exact=True)).to_have_count(0)
    expect(member.get_by_role("tab", name="Browse", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    member_context.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_transparency_page_names_no_one(app: RunningApp, chromium: Browser, locale: str) -> None:
    """A member who took no part reads the monthly figures in their language; the page
    carries no other username and no report text."""
    from gradio_client import Client

    member = Client(app.url, auth=("alice", ACCOUNTS["alice"]), verbose=False)
    member.predict("bigscience/bloom", "spam", "Transparency walk text.", api_name="/report")
    moderator = Client(app.url, auth=("mod-ben", ACCOUNTS["mod-ben"]), verbose=False)
    moderator.predict("bigscience/bloom", "dismiss", "Not spam.", api_name="/moderate")
    context = new_context(chromium, locale)
    assert context.request.post(
        f"{app.url}/login", form={"username": "vic", "password": ACCOUNTS["vic"]}
    ).ok
    page = context.new_page()
    page.goto(f"{app.url}/?tab=transparency")
    language = "zh-CN" if locale.startswith("zh") else "en"
    spam = {"en": "Spam or advertising", "zh-CN": "垃圾信息或广告"}[language]
    expect(page.locator("#transparency-reports-by-reason")).to_contain_text(spam)
    expect(page.locator("#transparency-times")).to_be_visible()
    body = page.locator("body").inner_text()
    for private in ("alice", "mod-ana", "Transparency walk text", "demo-studio/"):
        assert private not in body, private
    expect(page.locator('[data-testid="status-tracker"] .error')).to_have_count(0)
    shot = SCREENSHOTS / f"walk-transparency-desktop-{language}.png"
    page.screenshot(path=str(shot), full_page=True)
    context.close()


FORM_FIELDS = (
    "Affiliation: text\n"
    "Role: select: Student, Researcher, <b>Other</b>\n"
    "Country: country\n"
    "Start date: date\n"
    "I will not identify people: checkbox"
)


def text_box(page: Page, elem: str):
    """A Gradio textbox's field (a one-line box is an input, a longer one a textarea)."""
    return page.locator(f"#{elem} input, #{elem} textarea").first


def test_an_access_form_is_filled_then_rejected_with_a_reason_the_requester_reads(
    app: RunningApp, chromium: Browser
) -> None:
    """The owner sets a form with custom fields; a member fills it (a bad date is refused
    with a toast, nothing in error, what was typed kept); the owner reads the answers,
    rejects with a reason and exports the list; the member reads the reason."""
    gated = "demo-studio/face-attribute-classifier"
    owner_context, owner = signed_in(chromium, app, "demo-studio")
    open_by_id(owner, gated)
    owner.locator("#access-form").get_by_text("Access form").first.click()
    expect(owner.locator("#access-form-source")).to_contain_text("No form yet")
    prompt = "Tell us who you are and how you will use it (*walk*)."
    text_box(owner, "access-form-prompt").fill(prompt)
    text_box(owner, "access-form-fields").fill("Affiliation\nRole: select: Student")
    owner.locator("#access-form-save").click()
    toast(owner, "Line 1 of the fields needs a type")  # refused, explained, kept
    expect(text_box(owner, "access-form-fields")).to_have_value(
        "Affiliation\nRole: select: Student"
    )
    text_box(owner, "access-form-fields").fill(FORM_FIELDS)
    owner.locator("#access-form-save").click()
    toast(owner, "Access form saved.")
    expect(owner.locator("#access-form-source")).to_contain_text("set on this page")

    member_context, member = signed_in(chromium, app, "vic")
    open_by_id(member, gated)
    expect(member.locator("#gate-prompt")).to_contain_text(prompt)  # as text, not markdown
    expect(member.locator("#gate-body")).to_contain_text("fill in the form below")
    text_box(member, "gate-text-0").fill("Example University (walk)")
    member.locator("#gate-choice-1 input").click()
    expect(member.get_by_role("option", name="<b>Other</b>")).to_be_visible()  # literal
    member.get_by_role("option", name="Researcher").click()
    member.locator("#gate-choice-2 input").fill("Fran")
    member.get_by_role("option", name="France", exact=True).click()
    text_box(member, "gate-text-3").fill("2026-13-01")
    member.locator("#gate-check-4 input").check()
    text_box(member, "gate-reason").fill("Curious about the labels (walk).")
    member.set_viewport_size({"width": 1280, "height": 1400})
    member.screenshot(path=str(SCREENSHOTS / "walk-access-form-desktop-en.png"), full_page=True)
    member.locator("#request-access").click()
    toast(member, "Answer 4 of the form must be a real date")
    expect(text_box(member, "gate-text-0")).to_have_value("Example University (walk)")
    expect(member.locator('[data-testid="status-tracker"] .error')).to_have_count(0)
    text_box(member, "gate-text-3").fill("2026-01-15")
    member.locator("#request-access").click()
    expect(member.locator("#gate-status")).to_contain_text("pending")

    owner.reload()
    wait_ready(owner)
    open_by_id(owner, gated)
    expect(owner.locator("#access-pick input")).to_have_value(re.compile("vic"))
    detail = owner.locator("#access-detail")
    expect(detail).to_contain_text("Example University (walk)")
    expect(detail).to_contain_text("France (FR)")
    expect(detail).to_contain_text("2026-01-15")
    reason = "Please name your institution <b>and</b> the study (walk)."
    text_box(owner, "access-note").fill(reason)
    owner.set_viewport_size({"width": 1280, "height": 1400})
    owner.screenshot(path=str(SCREENSHOTS / "walk-access-review-desktop-en.png"), full_page=True)
    owner.locator("#reject").click()
    toast(owner, "rejected")
    expect(text_box(owner, "access-note")).to_have_value("")
    with owner.expect_download() as download_info:
        owner.locator("#access-csv").click()
    listing = Path(download_info.value.path()).read_text(encoding="utf-8")
    header = listing.splitlines()[0]
    for column in ("Affiliation", "Role", "Country", "Start date", "I will not identify people"):
        assert column in header, header
    assert "vic" in listing and "rejected" in listing and "Please name your institution" in listing
    assert "France (FR)" in listing and "Researcher" in listing
    expect(owner.locator('[data-testid="status-tracker"] .error')).to_have_count(0)

    member.reload()
    wait_ready(member)
    open_by_id(member, gated)
    expect(member.locator("#gate-status")).to_contain_text("rejected")
    expect(member.locator("#gate-status")).to_contain_text(reason)  # as text, not markup
    go_to_tab(member, "My activity")
    expect(member.locator("#my-access")).to_contain_text(reason)
    expect(member.locator('[data-testid="status-tracker"] .error')).to_have_count(0)

    # The owner goes back to the card's form (this card has none): a reason again.
    owner.locator("#access-form").get_by_text("Access form").first.click()
    owner.locator("#access-form-use-card").click()
    toast(owner, "The card's form applies again.")
    expect(owner.locator("#access-form-source")).to_contain_text("No form yet")
    expect(owner.locator("#access-form-use-card")).to_be_hidden()
    for context in (member_context, owner_context):
        context.close()


def test_an_automatic_form_from_the_card_grants_access_at_once(
    app: RunningApp, chromium: Browser
) -> None:
    """Gemma's card asks for one ticked box and approves automatically: the button says
    what the card says, and the card's content shows as soon as the form is sent."""
    gemma = "google/gemma-2b"
    context, member = signed_in(chromium, app, "alice")
    open_by_id(member, gemma)
    expect(member.locator("#gate-body")).to_contain_text("granted as soon as you send")
    expect(member.locator("#card-box")).to_be_hidden()
    button = member.locator("#request-access")
    expect(button).to_have_text("Acknowledge license")
    button.click()
    toast(member, "Please tick box 1 of the form")
    member.locator("#gate-check-0 input").check()
    button.click()
    toast(member, "approved automatically")
    expect(member.locator("#card-box")).to_be_visible()
    expect(member.locator("#gate-box")).to_be_hidden()
    expect(member.locator('[data-testid="status-tracker"] .error')).to_have_count(0)
    go_to_tab(member, "My activity")
    expect(member.locator("#my-access")).to_contain_text("approved automatically")
    context.close()
