"""How the pages look and fit: Browse's cards (escaped template, badges, short numbers),
honest charts, and the pages at 1280 px and 390 px in English and Chinese, in headless
Chromium against the real app with a catalog holding a hostile artifact.

Checked on every page shown: nothing scrolls sideways, every visible control has an
accessible name and is at least 24 px tall, no component shows Gradio's red error
badge. The screenshots go to docs/screenshots/ (`<page>-<desktop|phone>-<lang>.png`),
for the README's tour.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from apprunner import REPO, RunningApp, start_app
from browser import (
    PERSONAS,
    TIMEOUT_MS,
    chromium_path,
    lang_of,
)
from playwright.sync_api import Browser, Page, expect

from safeguards.categories import CATEGORIES
from safeguards.config import Settings
from safeguards.i18n import tr
from safeguards.service import Safeguards
from safeguards.ui.artifact_cards import category_bars, results_html, short_number
from safeguards.ui.common import table_md
from safeguards.ui.research import most_table, research_bars

SCREENSHOTS = REPO / "docs" / "screenshots"
DEMO_CATALOG = REPO / "data" / "demo_catalog.jsonl"
HOSTILE_ID = "hx-lab/hostile-card"
HOSTILE_SUMMARY = (
    "HXC001 <img src=x onerror=\"window.__pwned='HXC001'\"> <script>window.__pwned=1</script>"
    " **bold** [link](javascript:alert(1)) \u202etxet"
)
HOSTILE_LICENSE = '"><svg onload=window.__pwned=2>HXC002'
NFAA = "demo-studio/nightmare-canvas-xl"  # content warning in the catalog
SUSTAINABLE = "bigscience/bloom"  # in the Sustainable category, no content warning
GATED = "demo-studio/face-attribute-classifier"  # gated in the catalog
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

expect.set_options(timeout=TIMEOUT_MS)  # a loaded machine: the first load can take seconds
ALLOWED_TAGS = {"ul", "li", "a", "span", "svg", "path", "rect", "circle", "ellipse", "abbr", "p"}


# -- the template, directly ---------------------------------------------------------------


class Tags(HTMLParser):
    """Every element and attribute the browser would build from the markup."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(markup: str) -> Tags:
    tags = Tags()
    tags.feed(markup)
    tags.close()
    return tags


def hostile_row(**changes: object) -> dict:
    row = {
        "id": '<script>alert("id")</script>/x" onmouseover="alert(1)',
        "kind": "model",
        "summary": HOSTILE_SUMMARY,
        "categories": ["rigorous", "inclusive"],
        "license": HOSTILE_LICENSE,
        "downloads": 18_400,
        "likes": 88_000_000,
        "updated": "<b>2026-01-01</b>",
        "gated": True,
        "content_warning": True,
        "visibility": "downgraded",
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (950, "950"), (1000, "1k"), (18_400, "18.4k"), (999_950, "1M"),
     (88_000_000, "88M"), (1_250_000, "1.3M"), (3_000_000_000, "3B")],
)  # fmt: skip
def test_short_numbers(value: int, shown: str) -> None:
    assert short_number(value) == shown


def test_cards_escape_every_field_and_show_badges() -> None:
    row = hostile_row()
    markup = results_html([row], language="en")
    tags = parsed(markup)
    assert set(tags.tags) <= ALLOWED_TAGS, set(tags.tags) - ALLOWED_TAGS
    for name, value in tags.attrs:
        assert not name.startswith("on"), (name, value)
        assert "javascript:" not in value.lower(), (name, value)
    text = "".join(tags.text)
    for literal in (row["id"], HOSTILE_SUMMARY, HOSTILE_LICENSE, "<b>2026-01-01</b>"):
        assert literal in text, literal  # shown as text, whole
    hrefs = [v for k, v in tags.attrs if k == "href"]
    assert len(hrefs) == 1 and hrefs[0].startswith("?artifact=")
    assert "<script>" not in hrefs[0] and '"' not in hrefs[0]
    for badge in ("content warning", "gated", "downgraded"):
        assert badge in text
    assert "18.4k" in text and "88M" in text
    assert ("data-sg-link", "") in tags.attrs  # page.js opens it in the app


def test_cards_mark_rail_licenses_and_translate() -> None:
    rail = results_html([hostile_row(license="openrail++", gated=False)], language="zh-CN")
    assert 'class="sg-rail"' in rail and "RAIL" in rail
    assert "内容警告" in rail and "已降低可见性" in rail and "需申请访问" not in rail
    plain = results_html([hostile_row(license="apache-2.0")], language="en")
    assert "sg-rail" not in plain


def test_no_results_and_list_view() -> None:
    empty = results_html([], language="en", empty="Nothing <matches>")
    assert "Nothing &lt;matches&gt;" in empty and "sg-card" not in empty
    listed = results_html([hostile_row()], language="en", view="list")
    assert "sg-view-list" in listed
    assert "sg-view-cards" in results_html([hostile_row()], language="en", view="<bad>")


def test_category_bars_follow_the_picker() -> None:
    counts = {c.slug: n for n, c in enumerate(reversed(CATEGORIES))}
    markup = category_bars(counts, language="en", title="T", hint="H")
    order = re.findall(r'data-sg-category="([a-z-]+)"', markup)
    assert order == [c.slug for c in CATEGORIES]
    names = re.findall(r'class="sg-bar-name">([^<]+)<', markup)
    assert names == [tr(f"category.{c.slug}", "en") for c in CATEGORIES]


def test_research_bars_are_honest() -> None:
    empty = pd.DataFrame({"period": pd.Series(dtype="datetime64[ns]"), "group": [], "reports": []})
    for language in ("en", "zh-CN"):
        shown = research_bars(empty, "reason", "W", language)
        assert tr("research.empty", language) in shown
        assert tr("research.by_reason", language) in shown  # titled
    one = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-11-30", "2026-11-30"]),
            "group": ["spam", "privacy"],
            "reports": [3, 1],
        }
    )
    shown = research_bars(one, "reason", "W", "en")
    periods = re.findall(r'class="sg-period">([^<]+)<', shown)
    assert periods == ["Week of 2026-11-30"]  # no invented zero period before it
    counts = re.findall(r'class="sg-bar-count">([^<]+)<', shown)
    assert counts == ["3", "1"]  # whole numbers, largest first
    month = research_bars(one, "reason", "M", "en")
    assert re.findall(r'class="sg-period">([^<]+)<', month) == ["2026-11"]


def test_markdown_tables_show_every_cell_as_text() -> None:
    """A cell cannot end its column, start a row, or bring markup or HTML (table_md
    escapes every ASCII punctuation mark, which CommonMark then shows literally)."""
    hostile = "a | b <img src=x onerror=alert(1)> **x**"
    shown = table_md(["Name", "n"], [(hostile, 3), ("two\nlines", 0)])
    lines = shown.split("\n")
    assert lines[:2] == ["| Name | n |", "|---|---|"]
    assert len(lines) == 4  # a newline in a cell does not start a row
    for line in lines[2:]:
        assert len(re.findall(r"(?<!\\)\|", line)) == 3  # two cells, no more
    assert re.search(r"(?<!\\)[<*]", shown) is None  # every < and * escaped
    assert re.sub(r"\\(.)", r"\1", lines[2].split(" | ")[0][2:]) == hostile


def test_most_reported_links_each_artifact_to_its_moderation_item() -> None:
    frame = pd.DataFrame(
        {
            "artifact_id": ["demo-studio/a_b", "hx-lab/x"],
            "kind": ["model", "dataset"],
            "reporters": [2, 1],
            "reports": [3, 1],
            "open": [1, 0],
            "top_reason": ["spam", "privacy"],
            "last_report": ["2026-11-30T10:00:00.000000Z", "2026-11-29T09:00:00.000000Z"],
        }
    )
    for language in ("en", "zh-CN"):
        shown = most_table(frame, language)
        assert shown.columns[0] == tr("research.col_artifact_id", language)
        links = list(shown.iloc[:, 0])
        # Markdown's characters in the id are escaped, so it shows as it is (no italics).
        assert links == [
            r"[demo\-studio\/a\_b](?moderate=demo-studio/a_b)",
            r"[hx\-lab\/x](?moderate=hx-lab/x)",
        ]
        assert list(shown.iloc[:, 1]) == [tr("kind.model", language), tr("kind.dataset", language)]


# -- the pages in Chromium -------------------------------------------------------------------


def write_catalog(path: Path) -> Path:
    """The demo catalog and one hostile artifact (a summary and license full of markup)."""
    lines = DEMO_CATALOG.read_text(encoding="utf-8").splitlines()
    base = json.loads(lines[0])
    base.update(
        {
            "id": HOSTILE_ID,
            "author": "hx-lab",
            "summary": HOSTILE_SUMMARY,
            "license": HOSTILE_LICENSE,
            "categories": ["rigorous"],
            "tags": ["hostile-probe", "ethics-rigorous"],
            "card": "---\nlicense: other\n---\n# Hostile\n",
            "gated": False,
            "paper": "",
        }
    )
    path.write_text("\n".join([*lines, json.dumps(base)]) + "\n", encoding="utf-8")
    return path


SEEDED = (  # (artifact, reason): a queue and charts worth a screenshot
    (NFAA, "unlabelled-mature"),
    (NFAA, "harassment"),
    (GATED, "privacy"),
    ("demo-studio/scraped-portraits-40k", "privacy"),
    ("bigscience/bloom", "deception"),
    (HOSTILE_ID, "spam"),
)


def seed_reports(state_dir: Path, catalog: Path) -> None:
    """Reports filed through the service before the app starts (the app folds them)."""
    service = Safeguards.open(Settings(state_dir=state_dir, catalog_path=catalog, demo=True))
    for n, (artifact, reason) in enumerate(SEEDED):
        service.report(service.user(f"look-user-{n}"), artifact, reason, "Seen in a workshop.")
    service.log.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    work = tmp_path_factory.mktemp("look")
    catalog = write_catalog(work / "catalog.jsonl")
    seed_reports(work / "state", catalog)
    running = start_app(
        work,
        demo=True,
        state_dir=work / "state",
        extra_env={"SAFEGUARDS_CATALOG": str(catalog)},
    )
    try:
        yield running
    finally:
        running.stop()


# Visible controls without an accessible name, or shorter than 24 px (a radio or checkbox
# counts by its label, the target a finger hits).
CONTROL_PROBLEMS = """() => {
  const seen = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
      && !el.closest('[aria-hidden=true], .sg-hidden, .visually-hidden');
  };
  const named = (el) => (el.labels && el.labels.length) || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby') || el.getAttribute('title')
    || (el.innerText || '').trim() || (el.getAttribute('placeholder') || '').trim();
  const controls = document.querySelectorAll(
    "input:not([type=hidden]), textarea, select, button, a[href], [role=tab]");
  for (const el of controls) {
    // a radio or checkbox counts by its label; a dropdown's text box by its field
    const target = ['radio', 'checkbox'].includes(el.type) ? el.closest('label') || el
      : el.getAttribute('role') === 'combobox' ? el.closest('.wrap') || el : el;
    if (!visible(target) && !visible(el)) continue;
    const h = target.getBoundingClientRect().height;
    const inText = el.tagName === 'A' && el.closest('.prose p, .prose li, .prose td');
    if (!named(el)) seen.push('unnamed: ' + el.outerHTML.slice(0, 140));
    const what = el.outerHTML.slice(0, 140);
    if (h < 24 && !inText) seen.push('small ' + Math.round(h) + 'px: ' + what);
  }
  return seen;
}"""

# Text squeezed into a column too narrow to read (a row that gave a Markdown block no
# width shows its sentence one letter per line).
SQUEEZED = """() => [...document.querySelectorAll('.block, .prose')].filter((el) => {
    const r = el.getBoundingClientRect();
    const text = (el.innerText || '').trim();
    return r.width > 0 && r.height > 0 && r.width < 60 && text.length > 6
      && getComputedStyle(el).visibility !== 'hidden';
  }).map((el) => (el.id || el.className) + ': ' + el.innerText.trim().slice(0, 40))"""
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# How far an element's own content scrolls sideways (0 when it fits).
INNER_SCROLL = """(sel) => {
  const e = document.querySelector(sel);
  return e.scrollWidth - e.clientWidth;
}"""
ERROR_BADGES = """() => [...document.querySelectorAll('[data-testid="status-tracker"] .error')]
  .filter((e) => e.getClientRects().length).length"""


def check_page(page: Page, where: str) -> None:
    width, viewport = page.evaluate(OVERFLOW)
    assert width <= viewport, f"{where}: the page scrolls sideways ({width} > {viewport})"
    squeezed = page.evaluate(SQUEEZED)
    assert squeezed == [], f"{where}: text squeezed into a narrow column: {squeezed[:4]}"
    problems = page.evaluate(CONTROL_PROBLEMS)
    assert problems == [], f"{where}: {problems[:6]}"
    assert page.evaluate(ERROR_BADGES) == 0, f"{where}: an error badge is shown"
    assert page.evaluate("typeof window.__pwned") == "undefined", where


def open_tab(page: Page, name: str) -> None:
    """A top-level tab by its label, through Gradio's "More tabs" menu where the bar has
    no room for it (after a persona switch it takes a moment to appear)."""
    tab = page.get_by_role("tab", name=name, exact=True)
    more = page.locator(".overflow-menu:not(.hide)")
    for _ in range(TIMEOUT_MS // 100):
        if tab.count() and tab.is_visible():
            tab.click()
            return
        if more.count() and more.locator(".overflow-dropdown button").filter(has_text=name).count():
            more.get_by_role("button", name="More tabs").click()
            more.locator(".overflow-dropdown button").filter(has_text=name).click()
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no tab {name!r} on the page")


def pick_persona(page: Page, persona: str, language: str) -> None:
    page.locator("#persona input").click()
    page.get_by_role("option", name=PERSONAS[language][persona], exact=True).click()
    expect(page.locator("#persona input")).to_have_value(PERSONAS[language][persona])


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_pages_fit_and_read(app: RunningApp, chromium: Browser, size: str, locale: str) -> None:
    language = lang_of(locale)
    width, height = VIEWPORTS[size]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(locale=locale, viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app.url)
    results = page.locator("#browse-results")
    expect(results.locator("a.sg-card").first).to_be_visible()
    expect(page.locator("#browse-summary")).to_contain_text(re.compile(r"\d"))

    # Browse: cards with badges, every tab reachable, nothing sideways.
    nfaa = results.locator(f'a.sg-card[data-sg-artifact="{NFAA}"]')
    expect(nfaa.locator(".sg-badge-content_warning")).to_contain_text(
        tr("badge.content_warning", language)
    )
    gated = results.locator(f'a.sg-card[data-sg-artifact="{GATED}"]')
    expect(gated.locator(".sg-badge-gated")).to_contain_text(tr("badge.gated", language))
    for name in ("browse", "artifact", "activity", "research"):
        tab = page.get_by_role("tab", name=tr(f"tab.{name}", language), exact=True)
        expect(tab).to_be_visible()
    check_page(page, f"browse {size} {locale}")
    page.screenshot(path=SCREENSHOTS / f"browse-{size}-{language}.png", full_page=True)

    # The hostile artifact's card: its text shown as text, nothing injected.
    page.locator("#search-box textarea").fill("hostile-probe")
    page.locator("#search-box textarea").press("Enter")
    hostile = results.locator(f'a.sg-card[data-sg-artifact="{HOSTILE_ID}"]')
    expect(hostile).to_have_count(1)
    expect(results.locator("a.sg-card")).to_have_count(1)
    expect(hostile).to_contain_text(HOSTILE_ID)
    expect(hostile.locator(".sg-card-summary")).to_have_text(HOSTILE_SUMMARY)
    expect(hostile.locator(".sg-license")).to_contain_text(HOSTILE_LICENSE)
    assert results.locator("img, script, iframe, [onerror], [onload]").count() == 0
    assert hostile.locator("svg[onload]").count() == 0
    check_page(page, f"hostile card {size} {locale}")

    # A bar of the chart picks its category.
    page.locator("#search-box textarea").fill("")
    page.locator("#search-box textarea").press("Enter")
    page.locator('[data-sg-category="sustainable"]').click()
    expect(page.locator("#category-picker input[value='sustainable']")).to_be_checked()
    expect(page.locator("#category-description")).to_contain_text(
        tr("category.sustainable", language)
    )
    expect(results.locator(f'a.sg-card[data-sg-artifact="{NFAA}"]')).to_have_count(0)
    # The filter's address is written last in its chain: once it shows, the list is final.
    expect(page).to_have_url(re.compile(r"category=sustainable"))

    # The card opens its artifact (the whole card is the link). A named card: once in a
    # full run the first card clicked was the content-warning one, whose popup then
    # covered the page.
    results.locator(f'a.sg-card[data-sg-artifact="{SUSTAINABLE}"]').click()
    expect(page).to_have_url(re.compile(r"\?artifact="))
    expect(page.locator("#artifact-header")).to_contain_text(SUSTAINABLE)
    page.wait_for_timeout(400)
    check_page(page, f"artifact {size} {locale}")
    page.screenshot(path=SCREENSHOTS / f"artifact-{size}-{language}.png", full_page=True)

    # Moderation and research, as a moderator. The switch is made from Browse: on the
    # artifact it would re-render the card, and a content warning's popup may cover the
    # picker while that happens.
    open_tab(page, tr("tab.browse", language))
    pick_persona(page, "moderator", language)
    for name in ("moderation", "research", "transparency"):
        open_tab(page, tr(f"tab.{name}", language))
        page.wait_for_timeout(1200)  # lists and charts fill in after the tab opens
        if name == "moderation":  # an item open, as a moderator works on it
            expect(page.locator("#mod-queue")).to_contain_text(NFAA)
            page.locator("#mod-item-id textarea").fill(NFAA)
            page.locator("#mod-open").click()
            expect(page.locator("#mod-item-header")).to_contain_text(NFAA)
            page.wait_for_timeout(400)
        elif name == "research":
            expect(page.locator("#research-by-reason .sg-bar-row").first).to_be_visible()
            expect(page.locator(f'#research-most a[href="?moderate={NFAA}"]')).to_be_visible()
            inner = page.evaluate(INNER_SCROLL, "#research-times table")
            assert inner <= 0, f"research {size} {locale}: the times table scrolls by {inner}px"
        else:  # the figures as tables the browser lays out, a month per column
            table = page.locator("#transparency-reports-by-reason table")
            expect(table).to_contain_text(tr("reason.spam", language))
            expect(table.locator("th").nth(1)).to_have_text(re.compile(r"^\d{4}-\d{2}$"))
        check_page(page, f"{name} {size} {locale}")
        page.screenshot(path=SCREENSHOTS / f"{name}-{size}-{language}.png", full_page=True)

    # A most-reported artifact opens its moderation item.
    open_tab(page, tr("tab.research", language))
    page.locator(f'#research-most a[href="?moderate={NFAA}"]').click()
    expect(page).to_have_url(re.compile(r"\?moderate="))
    expect(page.locator("#mod-item-header")).to_contain_text(NFAA)
    context.close()


# Semi-bold text as Chromium draws it: (selector, why it is checked).
BOLD_TEXT = (
    ("#card-body h2", "a card heading"),
    ("#artifact-header strong", "the artifact's header"),
    ("#card-metadata, .label-wrap span", "an accordion's label"),
)


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
def test_bold_text_is_drawn_in_one_font(app: RunningApp, chromium: Browser) -> None:
    """Every letter of a heading comes from one complete font. Gradio's default theme
    declares semi-bold faces whose files hold three ASCII letters, so "Bias, risks and
    limitations" was drawn with its "B" in Source Sans Pro and the rest in a fallback
    font (DejaVu on Linux). Read through the DevTools protocol: the fonts the browser
    actually used for each element's text, with the number of glyphs from each."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{app.url}?artifact=bigscience/bloom")
        expect(page.locator("#card-body h2").first).to_be_visible()
        page.evaluate("document.fonts.ready.then(() => true)")
        cdp = context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        for selector, what in BOLD_TEXT:
            nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})
            assert nodes["nodeIds"], f"{what}: nothing matches {selector!r}"
            for node in nodes["nodeIds"][:4]:
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                used = {f["familyName"]: f["glyphCount"] for f in fonts if f["glyphCount"]}
                assert len(used) == 1, f"{what} is drawn in several fonts: {used}"
                assert "Source Sans" in next(iter(used)), f"{what}: {used}"
    finally:
        context.close()
