"""Headless Chromium (Debian's, never a downloaded one) and small page helpers for the
browser tests. Element ids are the ones the UI sets with `elem_id`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1300, "height": 1400}
TIMEOUT_MS = 20_000

# Persona labels in the "#persona" dropdown (demo mode), per UI language.
PERSONAS = {
    "en": {
        "visitor": "Visitor (not signed in)",
        "member": "Community member",
        "owner": "Artifact owner (demo-studio)",
        "moderator": "Moderator",
    },
    "zh-CN": {
        "visitor": "访客（未登录）",
        "member": "社区成员",
        "owner": "制品所有者（demo-studio）",
        "moderator": "版主",
    },
}
TAB_NAMES = {
    "en": {"browse": "Browse", "artifact": "Artifact", "activity": "My activity"},
    "zh-CN": {"browse": "浏览", "artifact": "制品", "activity": "我的动态"},
}


def chromium_path() -> str | None:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    return shutil.which("chromium")


def launch(playwright: Playwright) -> Browser:
    path = chromium_path()
    if path is None:
        raise RuntimeError("no Chromium: apt-get install chromium (never download one)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def new_context(browser: Browser, locale: str = "en-US") -> BrowserContext:
    context = browser.new_context(locale=locale, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def wait_ready(page: Page) -> None:
    """The first load event has filled the Browse tab (any language: a count is shown)."""
    expect(page.locator("#browse-summary")).to_contain_text(re.compile(r"\d"))


def open_app(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    return page


def reload(page: Page) -> None:
    page.reload()
    wait_ready(page)


def lang_of(locale: str) -> str:
    return "zh-CN" if locale.lower().startswith("zh") else "en"


def choose_persona(page: Page, persona: str, language: str = "en") -> None:
    page.locator("#persona input").click()
    page.get_by_role("option", name=PERSONAS[language][persona], exact=True).click()
    expect(page.locator("#persona input")).to_have_value(PERSONAS[language][persona])


def go_to_tab(page: Page, name: str) -> None:
    """A top-level or artifact sub-tab by its visible label (exact, so "Artifact" does not
    also match "Flag this artifact")."""
    page.get_by_role("tab", name=name, exact=True).click()


def open_by_id(page: Page, artifact_id: str, tab: str = "Artifact") -> None:
    """Open an artifact through the id box and the Open button of the Artifact tab."""
    go_to_tab(page, tab)
    page.locator("#artifact-id textarea").fill(artifact_id)
    page.locator("#open-artifact").click()
    expect(page.locator("#artifact-header")).to_contain_text(artifact_id)


def toast(page: Page, text: str | re.Pattern[str]):
    """The toast that contains `text` (several may be stacked)."""
    found = page.locator(".toast-body").filter(has_text=text)
    expect(found.first).to_be_visible()
    return found.first


def signed_in(browser: Browser, url: str, user: str, password: str) -> tuple[BrowserContext, Page]:
    """A page of the app signed in through Gradio's /login form (accounts mode)."""
    context = new_context(browser)
    answer = context.request.post(f"{url}/login", form={"username": user, "password": password})
    assert answer.ok, answer.text()
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    return context, page


def pick(page: Page, selector: str, option: str | re.Pattern[str]) -> None:
    """Choose an option of the dropdown `selector` by its visible name."""
    page.locator(f"{selector} input").click()
    page.get_by_role("option", name=option).first.click()
