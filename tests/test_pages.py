"""The pages in a real headless Chromium, against the real app (`python app.py`) in demo
mode: the walks a community member, an artifact owner and a visitor take through the
content warning, flagging, tag proposals, gated access, hostile text and both languages.

One app and one browser for the module; each test gets fresh browser contexts (fresh
localStorage) unless it needs to keep one across a reload. The app's state is shared, so
each walk works on its own artifact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from apprunner import REPO, RunningApp, start_app
from browser import (
    TAB_NAMES,
    TIMEOUT_MS,
    choose_persona,
    chromium_path,
    go_to_tab,
    lang_of,
    new_context,
    open_app,
    open_by_id,
    reload,
    toast,
)
from playwright.sync_api import Browser, Page, expect

from safeguards.i18n import tr

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]

NFAA = "demo-studio/nightmare-canvas-xl"  # tagged not-for-all-audiences in the catalog
NFAA_CARD = ("Concept art for horror games", "decaying buildings", "stereotyped")
REPORTED = "demo-studio/recipe-assistant-1b"  # walk 2
PROPOSED = "demo-studio/neighbourhood-reviews"  # walk 3: no warning, no inquisitive tag
PROPOSED_CARD = ("code-switched text", "participatory data collection")
GATED = "demo-studio/face-attribute-classifier"  # walk 4: gated in the catalog
GATED_CARD = ("Accessibility research", "Identifying or tracking people")
HOSTILE_TARGET = "demo-lab/tiny-sentiment-probe"  # walk 5
BROWSER_KEY = "openness-safeguards-show-mature"  # gr.BrowserState storage_key
SHOWN = "bigscience/bloom"  # screenshots: a plain card
SCREENSHOTS = REPO / "docs" / "screenshots"  # shown in the README

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("pages"), demo=True)
    try:
        yield running
    finally:
        running.stop()
        errors = [line for line in running.log().splitlines() if "Traceback" in line]
        if errors:
            print(running.log()[-4000:])


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The demo as a workshop meets it: the example history on a first start (the README's
    tour screenshots come from it)."""
    running = start_app(tmp_path_factory.mktemp("seeded"), demo=True, seed=True)
    try:
        yield running
    finally:
        running.stop()


def assert_card_hidden(page: Page, snippets: tuple[str, ...]) -> None:
    """Not shown, and nowhere in the DOM either: the server never sent it."""
    expect(page.locator("#card-box")).to_be_hidden()
    for box in ("#card-sections", "#card-body"):
        expect(page.locator(box)).to_be_hidden()
    html = page.content()
    for snippet in snippets:
        assert snippet not in html, f"card text {snippet!r} reached the page"


def view_nfaa_and_remember(page: Page) -> None:
    """In the popup: tick "always show" and press "View content"."""
    expect(page.locator("#nfaa-popup")).to_be_visible()
    page.locator("#always-show input").check()
    page.locator("#view-content").click()
    expect(page.locator("#card-sections")).to_contain_text(NFAA_CARD[0])
    expect(page.locator("#nfaa-popup")).to_be_hidden()


# -- walk 1: the content warning and the content preference --------------------------


def test_content_warning_and_browser_preference(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)

    # Browse a category, open the artifact from its row.
    page.locator("#category-picker").get_by_text("Rigorous", exact=True).click()
    expect(page.locator("#category-description")).not_to_contain_text("Consentful")
    results = page.locator("#browse-results")
    expect(results).not_to_contain_text("demo-studio/recipe-assistant-1b")  # sustainable
    results.get_by_text(NFAA, exact=True).first.click()
    expect(page.locator("#artifact-header")).to_contain_text(NFAA)
    expect(page.locator("#nfaa-popup")).to_be_visible()
    expect(page.locator("#nfaa-popup")).to_contain_text("not-for-all-audiences")
    assert_card_hidden(page, NFAA_CARD)

    # View content: the card's sections appear.
    page.locator("#view-content").click()
    expect(page.locator("#nfaa-popup")).to_be_hidden()
    sections = page.locator("#card-sections")
    expect(sections).to_be_visible()
    expect(sections).to_contain_text("Intended uses")
    expect(sections).to_contain_text(NFAA_CARD[0])

    # Back to Browse and open it again: the warning is back.
    go_to_tab(page, "Browse")
    results.get_by_text(NFAA, exact=True).first.click()
    expect(page.locator("#nfaa-popup")).to_be_visible()
    expect(page.locator("#card-box")).to_be_hidden()
    # "Go back to Browse" leaves the page.
    page.locator("#go-back").click()
    expect(results).to_be_visible()
    results.get_by_text(NFAA, exact=True).first.click()
    expect(page.locator("#nfaa-popup")).to_be_visible()

    # A visitor ticks "always show": kept in this browser (localStorage) across a reload.
    view_nfaa_and_remember(page)
    toast(page, "Preference saved in this browser.")
    reload(page)
    open_by_id(page, NFAA)
    expect(page.locator("#card-sections")).to_contain_text(NFAA_CARD[0])
    expect(page.locator("#nfaa-popup")).to_be_hidden()
    # Turning it off again under My activity: test_preference_turned_off_in_activity.
    context.close()


def test_preference_turned_off_in_activity(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    open_by_id(page, NFAA)
    view_nfaa_and_remember(page)
    reload(page)
    open_by_id(page, NFAA)
    expect(page.locator("#card-sections")).to_contain_text(NFAA_CARD[0])

    go_to_tab(page, "My activity")
    # Refresh first: on page load the checkbox does not show the browser preference
    # (see test_activity_shows_browser_preference_after_reload).
    page.locator("#activity-refresh").click()
    preference = page.locator("#pref-show-mature input")
    expect(preference).to_be_checked()
    preference.uncheck()
    expect(page.locator("#activity-message")).to_contain_text("Preference saved in this browser.")
    open_by_id(page, NFAA)
    expect(page.locator("#nfaa-popup")).to_be_visible()  # off for this page...
    page.locator("#go-back").click()
    expect(page).not_to_have_url(re.compile("artifact="))  # Browse's address again
    reload(page)
    open_by_id(page, NFAA)
    expect(page.locator("#nfaa-popup")).to_be_visible(timeout=3_000)  # ...and after a reload
    assert_card_hidden(page, NFAA_CARD)
    context.close()


def test_activity_shows_browser_preference_after_reload(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    open_by_id(page, NFAA)
    view_nfaa_and_remember(page)
    reload(page)
    go_to_tab(page, "My activity")
    expect(page.locator("#pref-show-mature input")).to_be_checked(timeout=3_000)
    context.close()


def test_preference_set_in_activity_survives_reload(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    go_to_tab(page, "My activity")
    page.locator("#pref-show-mature input").check()
    expect(page.locator("#activity-message")).to_contain_text("Preference saved in this browser.")
    reload(page)
    open_by_id(page, NFAA)
    expect(page.locator("#card-sections")).to_contain_text(NFAA_CARD[0], timeout=3_000)
    expect(page.locator("#nfaa-popup")).to_be_hidden()
    context.close()


def test_member_preference_lives_on_the_account(app: RunningApp, chromium: Browser) -> None:
    first = new_context(chromium)
    page = open_app(first, app.url)
    choose_persona(page, "member")
    open_by_id(page, NFAA)
    assert_card_hidden(page, NFAA_CARD)
    view_nfaa_and_remember(page)
    toast(page, "Preference saved.")
    first.close()

    # A new browser (nothing saved in it), same account: no popup.
    second = new_context(chromium)
    page = open_app(second, app.url)
    choose_persona(page, "member")
    open_by_id(page, NFAA)
    expect(page.locator("#card-sections")).to_contain_text(NFAA_CARD[0])
    expect(page.locator("#nfaa-popup")).to_be_hidden()
    # The visitor of that same new browser still gets the popup.
    choose_persona(page, "visitor")
    expect(page.locator("#nfaa-popup")).to_be_visible()
    page.locator("#go-back").click()

    # Off again from My activity (shown ticked: it comes from the account).
    choose_persona(page, "member")
    go_to_tab(page, "My activity")
    preference = page.locator("#pref-show-mature input")
    expect(preference).to_be_checked()
    preference.uncheck()
    expect(page.locator("#activity-message")).to_contain_text("Preference saved.")
    open_by_id(page, NFAA)
    expect(page.locator("#nfaa-popup")).to_be_visible()
    second.close()


# -- walk 2: a report, answered by the owner in the open -----------------------------


def test_flag_owner_answers_reporter_follows(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    open_by_id(page, REPORTED)
    expect(page.locator("#card-sections")).to_be_visible()

    go_to_tab(page, "Flag this artifact")
    page.locator("#flag-reason input").click()
    page.get_by_role("option", name="Spam or advertising", exact=True).click()
    context_text = "Every section of the card links to a paid cooking course (walk 2)."
    page.locator("#flag-context textarea").fill(context_text)
    page.locator("#flag-submit").click()
    filed = toast(page, "filed")
    match = re.search(r"Report (R-[0-9a-f]+) filed", filed.inner_text())
    assert match, filed.inner_text()
    report_id = match.group(1)
    expect(page.locator("#flag-context textarea")).to_have_value("")

    expect(page.locator("#flag-reason input")).to_have_value("")  # the form starts over
    expect(page.locator("#flag-result")).to_contain_text(report_id)

    # The owner sees the report discussion (still the open thread) and answers in it.
    choose_persona(page, "owner")
    go_to_tab(page, "Community")
    thread = page.locator("#thread")
    expect(thread).to_contain_text(context_text)
    expect(thread).to_contain_text("demo-member")
    expect(thread).to_contain_text("Report: Spam or advertising")
    answer = "Thanks, the links are gone in the new revision (owner, walk 2)."
    page.locator("#reply textarea").fill(answer)
    page.locator("#send-reply").click()
    expect(thread).to_contain_text(answer)
    expect(thread).to_contain_text("demo-studio")

    # The reporter reads the answer in My activity and follows its link to the thread.
    choose_persona(page, "member")
    go_to_tab(page, "My activity")
    mine = page.locator("#my-reports")
    expect(mine).to_contain_text(REPORTED)
    expect(mine).to_contain_text("Spam or advertising")
    expect(mine).to_contain_text("open")
    expect(mine).to_contain_text(answer)
    mine.get_by_role("link", name="Open the report's discussion").first.click()
    expect(page.get_by_role("tab", name="Artifact", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    go_to_tab(page, "Community")
    expect(thread).to_contain_text(answer)
    expect(thread).to_contain_text(context_text)
    assert "discussion=D-" in page.url

    # A visitor does not see the report discussion, even with its link.
    choose_persona(page, "visitor")
    reload(page)
    go_to_tab(page, "Community")
    listing = page.locator("#community-list")
    expect(listing).to_contain_text("No discussions, reports or pull requests you can see yet.")
    expect(thread).not_to_contain_text(context_text)
    expect(thread).not_to_contain_text("Choose a discussion")  # nothing above to choose
    assert report_id not in page.content()
    assert context_text not in page.content()
    context.close()


# -- walk 3: a tag proposal merged by the owner --------------------------------------


def test_tag_proposal_merged_brings_the_warning(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    open_by_id(page, PROPOSED)
    header = page.locator("#artifact-header")
    expect(header).not_to_contain_text("not-for-all-audiences")
    expect(header).not_to_contain_text("ethics-inquisitive")
    expect(page.locator("#nfaa-popup")).to_be_hidden()

    go_to_tab(page, "Propose a tag")
    tags = page.locator("#propose-tags")
    tags.get_by_label("not-for-all-audiences", exact=True).check()
    tags.get_by_label("ethics-inquisitive", exact=True).check()
    page.locator("#propose-submit").click()
    toast(page, "Pull request opened.")
    go_to_tab(page, "Community")
    expect(page.locator("#thread")).to_contain_text("Add tags: not-for-all-audiences")
    diff = page.locator("#proposal-diff")
    expect(diff).to_contain_text("+- not-for-all-audiences")
    expect(diff).to_contain_text("+- ethics-inquisitive")
    expect(page.locator("#merge")).to_be_hidden()  # a member may not merge

    choose_persona(page, "owner")
    go_to_tab(page, "Community")
    expect(diff).to_contain_text("+- not-for-all-audiences")
    merge = page.locator("#merge")
    expect(merge).to_be_visible()
    merge.click()
    toast(page, "merged")
    expect(header).to_contain_text("not-for-all-audiences")
    expect(header).to_contain_text("ethics-inquisitive")
    expect(header).to_contain_text("Inquisitive")
    expect(header).to_contain_text("content warning")
    # The owner now meets the warning too; leave it to switch persona.
    expect(page.locator("#nfaa-popup")).to_be_visible()
    page.locator("#go-back").click()

    # A visitor opening the artifact gets the content-warning popup.
    choose_persona(page, "visitor")
    go_to_tab(page, "Artifact")
    expect(page.locator("#nfaa-popup")).to_be_visible()
    expect(header).to_contain_text("not-for-all-audiences")
    assert_card_hidden(page, PROPOSED_CARD)
    context.close()


# -- walk 4: gated access ------------------------------------------------------------


def test_gated_access_request_approved(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    open_by_id(page, GATED)
    gate = page.locator("#gate-box")
    expect(gate).to_be_visible()
    expect(page.locator("#card-box")).to_be_hidden()
    assert_card_hidden(page, GATED_CARD)

    reason = "Auditing attribute balance for an accessibility study (walk 4)."
    gate.locator("textarea").fill(reason)
    page.locator("#request-access").click()
    expect(page.locator("#gate-status")).to_contain_text("pending")
    assert_card_hidden(page, GATED_CARD)

    choose_persona(page, "owner")
    expect(page.locator("#card-sections")).to_contain_text(GATED_CARD[0])  # owners see it
    expect(page.locator("#access-box")).to_be_visible()  # in the page, for its owner
    expect(page.locator("#access-pick input")).to_have_value(re.compile("demo-member"))
    page.locator("#approve").click()
    toast(page, "approved")
    expect(page.locator("#access-pick input")).not_to_have_value(re.compile("demo-member"))

    choose_persona(page, "member")
    expect(page.locator("#card-sections")).to_contain_text(GATED_CARD[0])
    expect(gate).to_be_hidden()
    go_to_tab(page, "My activity")
    expect(page.locator("#my-access li").filter(has_text=GATED)).to_contain_text("approved")

    # The visitor is still kept behind the gate.
    choose_persona(page, "visitor")
    go_to_tab(page, "Artifact")
    expect(gate).to_be_visible()
    assert_card_hidden(page, GATED_CARD)
    context.close()


def test_access_review_only_for_reviewers(app: RunningApp, chromium: Browser) -> None:
    """The owner's access review is part of the page, never a tab a persona switch
    would leave behind."""
    context = new_context(chromium)
    page = open_app(context, app.url)
    open_by_id(page, GATED)  # as a visitor
    expect(page.locator("#gate-box")).to_be_visible()
    expect(page.get_by_role("tab", name="Community", exact=True)).to_be_visible()
    expect(page.locator("#access-box")).to_be_hidden()
    choose_persona(page, "owner")
    expect(page.locator("#access-box")).to_be_visible()
    choose_persona(page, "member")
    expect(page.locator("#access-box")).to_be_hidden()
    assert page.get_by_role("tab", name="Access requests").count() == 0
    context.close()


# -- walk 5: hostile text stays text -------------------------------------------------

HOSTILE = (
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    "[click](javascript:window.__pwned=3)",
)


def test_hostile_flag_context_is_shown_as_text(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    open_by_id(page, HOSTILE_TARGET)
    go_to_tab(page, "Flag this artifact")
    page.locator("#flag-reason input").click()
    page.get_by_role("option", name="Malware, exploits or unsafe code", exact=True).click()
    page.locator("#flag-context textarea").fill("Hostile text:\n" + "\n".join(HOSTILE))
    page.locator("#flag-submit").click()
    toast(page, "filed")

    go_to_tab(page, "Community")
    thread = page.locator("#thread")
    for line in HOSTILE:
        expect(thread).to_contain_text(line)  # the literal text is readable
    page.wait_for_timeout(300)  # a broken image's onerror would have fired by now
    assert page.evaluate("window.__pwned") is None
    assert thread.locator("img").count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert thread.locator("script").count() == 0
    assert thread.locator("a").count() == 0
    assert page.locator('a[href^="javascript"]').count() == 0

    # The same after a persona round trip re-renders the thread.
    choose_persona(page, "moderator")
    go_to_tab(page, "Community")
    expect(thread).to_contain_text(HOSTILE[0])
    assert page.evaluate("window.__pwned") is None
    assert thread.locator("img, script, a").count() == 0
    context.close()


# -- walk 6: every tab in both languages, with screenshots ---------------------------

UI_TEXT = {
    "en": {
        "browse": ("Ethics category", "All categories", "Sort by"),
        "artifact": ("What the card says", "Intended uses", "Ethics categories"),
        "activity": ("My reports", "Content preferences"),
    },
    "zh-CN": {
        "browse": ("伦理类别", "全部类别", "排序"),
        "artifact": ("卡片要点", "预期用途", "伦理类别"),
        "activity": ("我的举报", "内容偏好"),
    },
}


TRIAGED = "demo-studio/carbon-receipt"  # a plain, ungated artifact no other walk touches


def test_moderator_triages_a_report_and_gates_the_artifact(
    app: RunningApp, chromium: Browser
) -> None:
    """The member's report appears in the moderator's queue; gating it sends the member to
    the access form; the moderator's note reaches the report discussion."""
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    expect(page.get_by_role("tab", name="Moderation", exact=True)).to_have_count(0)
    open_by_id(page, TRIAGED)
    go_to_tab(page, "Flag this artifact")
    page.locator("#flag-reason input").click()
    page.get_by_role("option", name="Harassment, bullying or threats", exact=True).click()
    page.locator("#flag-context textarea").fill("Its demo outputs insult named classmates.")
    page.locator("#flag-submit").click()
    toast(page, re.compile(r"Report R-[0-9a-f]+ filed"))

    choose_persona(page, "moderator")
    go_to_tab(page, "Moderation")
    expect(page.locator("#mod-queue")).to_contain_text(TRIAGED)
    page.locator("#mod-item-id textarea").fill(TRIAGED)
    page.locator("#mod-open").click()
    expect(page.locator("#mod-item-reports")).to_contain_text("insult named classmates")
    page.locator("#mod-action input").click()
    page.get_by_role("option", name=re.compile(r"^Gate", re.I)).first.click()
    page.locator("#mod-note textarea").fill("Gated while the owner reviews the outputs.")
    expect(page.locator("#mod-apply")).to_be_enabled()
    page.locator("#mod-apply").click()
    expect(page.locator("#mod-item-history")).to_contain_text("Gated while the owner reviews")

    choose_persona(page, "member")
    open_by_id(page, TRIAGED)
    expect(page.locator("#gate-box")).to_be_visible()
    expect(page.locator("#card-box")).to_be_hidden()
    go_to_tab(page, "Community")
    page.locator("#community-list a").filter(has_text="Report: Harassment").click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("Gated while the owner reviews the outputs.")
    expect(thread).to_contain_text("Moderator action: Gate access")  # its label, translated
    context.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_tabs_in_both_languages(seeded_app: RunningApp, chromium: Browser, locale: str) -> None:
    """Every tab in each language, on the seeded demo; the README's screenshots."""
    app = seeded_app
    language = lang_of(locale)
    other = "en" if language == "zh-CN" else "zh-CN"
    tabs = TAB_NAMES[language]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = new_context(chromium, locale=locale)
    page = open_app(context, app.url)
    choose_persona(page, "member", language)

    for name in ("browse", "artifact", "activity"):
        expect(page.get_by_role("tab", name=tabs[name], exact=True)).to_be_visible()
        assert page.get_by_role("tab", name=TAB_NAMES[other][name], exact=True).count() == 0
    expect(page.locator("#browse-summary")).to_contain_text(
        "artifacts" if language == "en" else "个制品"
    )
    for text in UI_TEXT[language]["browse"]:
        expect(page.locator("body")).to_contain_text(text)
    page.screenshot(path=SCREENSHOTS / f"browse-{language}.png", full_page=True)

    open_by_id(page, SHOWN, tab=tabs["artifact"])
    expect(page.locator("#card-sections")).to_be_visible()
    for text in UI_TEXT[language]["artifact"]:
        expect(page.locator("body")).to_contain_text(text)
    page.screenshot(path=SCREENSHOTS / f"artifact-{language}.png", full_page=True)

    go_to_tab(page, tabs["activity"])
    for text in UI_TEXT[language]["activity"]:
        expect(page.locator("body")).to_contain_text(text)
    expect(page.locator("#pref-show-mature")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"activity-{language}.png", full_page=True)

    body = page.locator("body").inner_text()
    has_cjk = re.search(r"[\u4e00-\u9fff]", body) is not None
    # The English page shows no Chinese UI text (the credit line is English too).
    assert has_cjk == (language == "zh-CN")

    expect(page.locator("#my-reports")).to_contain_text("demo-studio/scraped-portraits-40k")

    choose_persona(page, "moderator", language)
    for name in ("moderation", "research"):
        go_to_tab(page, tr(f"tab.{name}", language))
        if name == "moderation":
            expect(page.locator("#mod-queue")).to_contain_text("demo-studio/grimdark-fiction-7b")
        else:
            expect(page.locator("#research-most")).to_contain_text("scraped-portraits-40k")
        page.wait_for_timeout(1500)  # charts and tables fill in after the tab opens
        page.screenshot(path=SCREENSHOTS / f"{name}-{language}.png", full_page=True)
    context.close()


def test_popup_and_tabs_work_from_the_keyboard(app: RunningApp, chromium: Browser) -> None:
    """Tab reaches "View content" and Enter accepts it; a focused tab opens with Enter."""
    context = new_context(chromium)
    page = open_app(context, app.url)
    open_by_id(page, NFAA)
    expect(page.locator("#nfaa-popup")).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "view-content":
            break
    else:
        raise AssertionError("Tab never reached the View content button")
    page.keyboard.press("Enter")
    expect(page.locator("#card-sections")).to_contain_text(NFAA_CARD[0])
    page.get_by_role("tab", name="Browse", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="Browse", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    # Every form control has an accessible name.
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('input, textarea, select, button')]
            .filter(e => e.offsetParent !== null)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.innerText.trim() && !e.getAttribute('title'))
            .map(e => e.outerHTML.slice(0, 120))"""
    )
    assert unnamed == []
    context.close()
