"""The page a person meets (issue #12), in a real Chromium against the real app in demo
mode: nothing risky pre-chosen, refusals that leave the page as it was, sign-in prompts
in place of forms, the content warning as a real dialog, both languages throughout.

One app and one browser for the module; each test opens its own browser context and
works on its own artifact, so the tests do not depend on each other's order."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from apprunner import RunningApp, start_app
from browser import (
    TIMEOUT_MS,
    choose_persona,
    chromium_path,
    go_to_tab,
    new_context,
    open_app,
    open_by_id,
    toast,
)
from playwright.sync_api import Browser, Page, expect

from safeguards.categories import REASONS
from safeguards.eventlog import read_events
from safeguards.i18n import TRANSLATIONS, tr

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]
expect.set_options(timeout=TIMEOUT_MS)

FLAGGED = "demo-studio/carbon-receipt"
REFUSED = "demo-studio/recipe-assistant-1b"
GATED = "demo-studio/face-attribute-classifier"
NFAA = "demo-studio/nightmare-canvas-xl"
MODERATED = "demo-lab/tiny-sentiment-probe"
DISABLED = "HuggingFaceFW/fineweb"  # disabled here with no report filed on it
PLAIN = "bigscience/bloom"  # a paper link, ethics tags already on the card
ERROR_BADGE = '[data-testid="status-tracker"] .error'


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("defaults"), demo=True)
    try:
        yield running
    finally:
        running.stop()


def no_error_state(page: Page) -> None:
    """No component shows Gradio's error badge (what a raised gr.Error leaves)."""
    page.wait_for_timeout(300)
    assert page.locator(ERROR_BADGE).count() == 0


def pick_option(page: Page, dropdown: str, name: str | re.Pattern[str]) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=name).first.click()


# -- 1. the flag form chooses nothing for the reporter --------------------------------


def test_flag_form_starts_empty_with_common_reasons_first(
    app: RunningApp, chromium: Browser
) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    open_by_id(page, FLAGGED)
    go_to_tab(page, "Flag this artifact")
    expect(page.locator("#flag-reason input")).to_have_value("")
    expect(page.locator("#flag-submit")).to_be_disabled()
    page.locator("#flag-reason input").click()
    options = page.get_by_role("option").all_inner_texts()
    assert [o.strip() for o in options] == [r.label["en"] for r in REASONS]
    assert options[0].strip() == "Spam or advertising"
    assert options[-1].strip() == "Something else (explain below)"
    page.get_by_role("option", name="Spam or advertising", exact=True).click()
    expect(page.locator("#flag-submit")).to_be_enabled()
    context.close()


# -- 2. a refusal is one toast; the page stays usable and keeps what was typed ---------


def test_refusals_leave_the_page_as_it_was(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    open_by_id(page, REFUSED)
    before = len(read_events(app.state_dir))

    # Flag with a reason but no context: refused, the reason stays chosen.
    go_to_tab(page, "Flag this artifact")
    pick_option(page, "#flag-reason", "Deception, impersonation or misinformation")
    page.locator("#flag-submit").click()
    toast(page, "The context is required.")
    no_error_state(page)
    expect(page.locator("#flag-reason input")).to_have_value(
        "Deception, impersonation or misinformation"
    )
    expect(page.locator("#flag-submit")).to_be_enabled()

    # A discussion with a title but no first message: refused, the title stays.
    go_to_tab(page, "Community")
    page.get_by_text("Start a discussion", exact=True).first.click()
    title = page.locator("#new-discussion textarea").first
    title.fill("A title kept after the refusal")
    page.locator("#open-discussion").click()
    toast(page, "The comment is required.")
    no_error_state(page)
    expect(title).to_have_value("A title kept after the refusal")
    assert len(read_events(app.state_dir)) == before

    # The same buttons still work once the input is fixed.
    go_to_tab(page, "Flag this artifact")
    page.locator("#flag-context textarea").fill("Claims to be an official cookbook.")
    page.locator("#flag-submit").click()
    toast(page, "filed")
    no_error_state(page)
    assert len(read_events(app.state_dir)) == before + 1
    context.close()


def test_a_refusal_toast_is_in_the_readers_language(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium, locale="zh-CN")
    page = open_app(context, app.url)
    choose_persona(page, "member", "zh-CN")
    open_by_id(page, REFUSED, tab="制品")
    go_to_tab(page, "标记此制品")
    pick_option(page, "#flag-reason", "垃圾信息或广告")
    page.locator("#flag-submit").click()
    shown = toast(page, tr("err.required", "zh-CN", field="举报说明"))
    expect(shown).to_contain_text(tr("toast.warning", "zh-CN"))  # the title too
    assert "Warning" not in shown.inner_text()
    no_error_state(page)
    context.close()


# -- 3. visitors are told to sign in instead of meeting forms they cannot use ---------


def test_visitors_see_sign_in_prompts_instead_of_forms(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    open_by_id(page, GATED)  # as a visitor
    expect(page.locator("#gate-signin")).to_contain_text("Sign in to request access.")
    expect(page.locator("#request-access")).to_be_hidden()
    go_to_tab(page, "Flag this artifact")
    expect(page.locator("#flag-signin")).to_contain_text("Sign in to flag this artifact.")
    expect(page.locator("#flag-signin")).to_contain_text("Acting as")  # where to sign in
    expect(page.locator("#flag-reason")).to_be_hidden()
    expect(page.locator("#flag-submit")).to_be_hidden()
    go_to_tab(page, "Propose a tag")
    expect(page.locator("#propose-signin")).to_contain_text("Sign in to propose a tag.")
    expect(page.locator("#propose-submit")).to_be_hidden()
    go_to_tab(page, "Community")
    page.get_by_text("Start a discussion", exact=True).first.click()
    expect(page.locator("#new-signin")).to_contain_text("Sign in to start a discussion.")
    expect(page.locator("#open-discussion")).to_be_hidden()
    # Signed in, the forms are there.
    choose_persona(page, "member")
    expect(page.locator("#open-discussion")).to_be_visible()
    expect(page.locator("#new-signin")).to_be_hidden()
    context.close()


# -- 4. every sentence in Chinese for a zh-CN reader -----------------------------------


def english_sentences() -> dict[str, str]:
    """The English texts of the table that a zh-CN page must never show: sentences
    (three words or more) whose Chinese text differs."""
    english, chinese = TRANSLATIONS["en"], TRANSLATIONS["zh-CN"]
    found = {}
    for key, text in english.items():
        plain = re.sub(r"\{[^}]*\}", "", text).strip()
        if len(plain.split()) >= 3 and chinese.get(key) != text and "](" not in text:
            found[key] = plain.split("{")[0].strip()[:40]
    return found


def test_zh_pages_show_no_english_sentence(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium, locale="zh-CN")
    page = open_app(context, app.url)
    texts = [page.locator("body").inner_text()]
    open_by_id(page, GATED, tab="制品")  # as a visitor: the gate and sign-in prompts
    texts.append(page.locator("body").inner_text())
    for tab in ("标记此制品", "提议添加标签"):
        go_to_tab(page, tab)
        texts.append(page.locator("body").inner_text())
    choose_persona(page, "moderator", "zh-CN")
    for tab in ("我的动态", "审核", "研究"):
        go_to_tab(page, tab)
        page.wait_for_timeout(800)
        texts.append(page.locator("body").inner_text())
    body = "\n".join(texts)
    left = {key: text for key, text in english_sentences().items() if text and text in body}
    assert left == {}
    assert re.search(r"[\u4e00-\u9fff]", body)
    context.close()


# -- 5. the moderator chooses every action, and confirms the ones that take away access -


def test_moderator_action_starts_empty_and_destructive_ones_ask(
    app: RunningApp, chromium: Browser
) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "moderator")
    go_to_tab(page, "Moderation")
    page.locator("#mod-item-id textarea").fill(MODERATED)
    page.locator("#mod-open").click()
    expect(page.locator("#mod-item-header")).to_contain_text(MODERATED)
    expect(page.locator("#mod-action input")).to_have_value("")
    expect(page.locator("#mod-apply")).to_be_disabled()
    pick_option(page, "#mod-action", re.compile(r"^Downgrade"))
    expect(page.locator("#mod-apply")).to_be_disabled()  # no note yet
    page.locator("#mod-note textarea").fill("Out of the feeds while we look.")
    expect(page.locator("#mod-apply")).to_be_enabled()
    before = len(read_events(app.state_dir))
    page.locator("#mod-apply").click()
    expect(page.locator("#mod-item-history")).to_contain_text("Out of the feeds while we look.")
    assert len(read_events(app.state_dir)) == before + 1
    # After an action nothing is chosen again (not its reverse).
    expect(page.locator("#mod-action input")).to_have_value("")
    expect(page.locator("#mod-apply")).to_be_disabled()

    # Disabling asks first; Cancel records nothing.
    pick_option(page, "#mod-action", re.compile(r"^Disable"))
    page.locator("#mod-note textarea").fill("Malware in the weights.")
    page.locator("#mod-apply").click()
    confirm = page.locator("#mod-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text(MODERATED)
    page.locator("#mod-confirm-no").click()
    expect(confirm).to_be_hidden()
    assert len(read_events(app.state_dir)) == before + 1
    expect(page.locator("#mod-note textarea")).to_have_value("Malware in the weights.")
    page.locator("#mod-apply").click()
    page.locator("#mod-confirm-yes").click()
    expect(page.locator("#mod-item-history")).to_contain_text("Malware in the weights.")
    last = read_events(app.state_dir)[-1]
    assert (last.type, last.payload["action"]) == ("moderation.action", "disable")
    no_error_state(page)
    context.close()


# -- 6. the content warning is a modal dialog ----------------------------------------


def test_content_warning_is_a_modal_dialog(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    open_by_id(page, NFAA)
    popup = page.locator("#nfaa-popup")
    expect(popup).to_be_visible()
    expect(popup).to_have_attribute("role", "dialog")
    expect(popup).to_have_attribute("aria-modal", "true")
    label = popup.get_attribute("aria-labelledby")
    assert label and "Content warning" in page.locator(f"#{label}").inner_text()
    inside = "document.getElementById('nfaa-popup').contains(document.activeElement)"
    page.wait_for_function(inside)  # focus moved in
    for key in ["Tab"] * 7 + ["Shift+Tab"] * 7:
        page.keyboard.press(key)
        assert page.evaluate(inside), key  # and kept there
    page.keyboard.press("Escape")
    expect(popup).to_be_hidden()
    expect(page.get_by_role("tab", name="Browse", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    context.close()


# -- 7. the small things ---------------------------------------------------------------


def test_disabled_without_reports_says_so_plainly(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "moderator")
    go_to_tab(page, "Moderation")
    page.locator("#mod-item-id textarea").fill(DISABLED)
    page.locator("#mod-open").click()
    pick_option(page, "#mod-action", re.compile(r"^Disable"))
    page.locator("#mod-note textarea").fill("Taken down on the owner's request.")
    page.locator("#mod-apply").click()
    page.locator("#mod-confirm-yes").click()
    expect(page.locator("#mod-item-history")).to_contain_text("owner's request")
    choose_persona(page, "member")
    open_by_id(page, DISABLED)
    notice = page.locator("#artifact-notice")
    expect(notice).to_contain_text("disabled")
    expect(notice).not_to_contain_text("community reports")
    context.close()


def test_card_details_links_and_proposable_tags(app: RunningApp, chromium: Browser) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    open_by_id(page, PLAIN)
    paper = page.locator("#artifact-header a[href^='https://arxiv.org/']")
    expect(paper).to_have_count(1)
    go_to_tab(page, "Propose a tag")
    offered = page.locator("#propose-tags label").all_inner_texts()
    assert "ethics-rigorous" not in " ".join(offered)  # the card has it already
    assert any("not-for-all-audiences" in o for o in offered)
    context.close()


def test_queue_counts_read_as_words_and_resolved_items_show_no_wait(
    app: RunningApp, chromium: Browser
) -> None:
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    open_by_id(page, "bigcode/starcoder")
    go_to_tab(page, "Flag this artifact")
    pick_option(page, "#flag-reason", "Intellectual property or license violation")
    page.locator("#flag-context textarea").fill("Code under a licence that forbids this.")
    page.locator("#flag-submit").click()
    toast(page, "filed")
    choose_persona(page, "moderator")
    go_to_tab(page, "Moderation")
    page.locator("#mod-reasons input").click()
    page.get_by_role("option", name="Intellectual property or license violation").click()
    page.keyboard.press("Escape")
    summary = page.locator("#mod-summary")
    expect(summary).to_contain_text("1 item · 1 report · oldest waiting")

    # Dismissed: under "All" the item has no priority and no waiting time.
    page.locator("#mod-item-id textarea").fill("bigcode/starcoder")
    page.locator("#mod-open").click()
    pick_option(page, "#mod-action", re.compile(r"^Dismiss"))
    page.locator("#mod-note textarea").fill("Licence allows it.")
    page.locator("#mod-apply").click()
    expect(page.locator("#mod-item-history")).to_contain_text("Licence allows it.")
    page.locator("#mod-status").get_by_text("All", exact=True).click()
    row = page.locator("#mod-queue tr").filter(has_text="bigcode/starcoder")
    expect(row).to_contain_text("—")
    expect(summary).not_to_contain_text("oldest waiting")
    no_error_state(page)
    context.close()


def test_no_placeholder_table_headers(app: RunningApp, chromium: Browser) -> None:
    """Empty lists say so in words; Gradio's "1 2 3" placeholder headers never show."""
    context = new_context(chromium)
    page = open_app(context, app.url)
    choose_persona(page, "member")
    go_to_tab(page, "My activity")
    notices = page.locator("#my-notices")
    expect(notices).to_contain_text("No moderator has acted on your artifacts or comments.")
    choose_persona(page, "moderator")
    go_to_tab(page, "Moderation")
    page.locator("#mod-status").get_by_text("Dismissed", exact=True).click()
    page.wait_for_timeout(800)
    headers = page.locator("th").all_inner_texts()
    assert not {"1", "2", "3"} & {h.strip() for h in headers}, headers
    context.close()
