"""Click-to-result in a real browser against the same queries over the API, in one run.

    .venv/bin/python bench/bench_browser.py [--size 0] [--repeat 20]

Starts the app (`python app.py`, demo mode, a fresh state folder; `--size N` loads the
synthetic catalog of N artifacts from bench/out, made once with `python -m safeguards
synth`), opens it in Debian's headless Chromium (Playwright, never a downloaded browser)
and times, `--repeat` times each:

* category: a click on a category of `#category-picker` until the cards change;
* search: Enter in the search box (a word from the catalog) until the cards change;
* page: a click on Next / Previous until the cards change;
* open: a click on a result card until `#artifact-header` names that artifact.

Times are taken inside the page (`performance.now()`): from the click or key event (a
capture listener) to the DOM mutation that shows the result, so Playwright's own round
trips are not counted. Then the same queries go to the `/search` endpoint over the REST
API (`/gradio_api/call/search`, POST then the event stream), as a client would call it.
Prints p50 / p95 / max in milliseconds per action for both.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).parent)]

from apprunner import start_app  # noqa: E402
from browser import launch  # noqa: E402
from common import catalog_path, percentile  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from safeguards.categories import CATEGORY_SLUGS  # noqa: E402

SEARCH_WORDS = ("model", "text", "language", "image", "audio", "bias", "speech", "dataset")
TIMEOUT_MS = 30_000

# In the page: arm(selector, want) records the time of the next click/keydown, then
# resolves with (mutation time - event time) once `selector` has changed (and, with
# `want`, contains that text).
ARM = """([selector, want]) => new Promise((resolve, reject) => {
  const html = () => document.querySelector(selector)?.innerHTML ?? null;
  let start = null;
  const mark = () => { if (start === null) start = performance.now(); };
  document.addEventListener('click', mark, {capture: true, once: true});
  document.addEventListener('keydown', mark, {capture: true, once: true});
  const before = html();
  const done = () => {
    const now = html();
    if (start === null || now === null || now === before) return;
    if (want && !document.querySelector(selector).textContent.includes(want)) return;
    observer.disconnect();
    clearTimeout(timer);
    resolve(performance.now() - start);
  };
  const observer = new MutationObserver(done);
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  const timer = setTimeout(() => { observer.disconnect(); reject(new Error('timeout')); }, 30000);
})"""


def timed(page: Page, selector: str, action, want: str = "") -> float:
    """Arm the page, run `action` (a click or key press), return the page's milliseconds."""
    args = json.dumps([selector, want])
    page.evaluate(f"() => {{ window.__sgWait = ({ARM})({args}); return true; }}")
    action()
    return float(page.evaluate("window.__sgWait"))


def browser_runs(url: str, repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"category": [], "search": [], "page": [], "open": []}
    queries: dict[str, list[dict]] = {k: [] for k in times}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#browse-results .sg-card")
        page.wait_for_timeout(500)
        picker = page.locator("#category-picker")
        slugs = ["", *CATEGORY_SLUGS]
        for i in range(repeat):
            slug = slugs[(i + 1) % len(slugs)]
            radio = picker.locator(f"input[value='{slug}']")
            times["category"].append(timed(page, "#browse-results", lambda r=radio: r.click()))
            queries["category"].append({"categories": [slug] if slug else []})
        picker.locator("input[value='']").click()
        page.wait_for_timeout(400)
        for i in range(repeat):
            button = "#browse-next" if i % 2 == 0 else "#browse-prev"
            times["page"].append(
                timed(page, "#browse-results", lambda b=button: page.locator(b).click())
            )
            queries["page"].append({"page": 2 if i % 2 == 0 else 1})
        box = page.locator("#search-box textarea")
        for i in range(repeat):
            word = SEARCH_WORDS[i % len(SEARCH_WORDS)] + ("" if i < len(SEARCH_WORDS) else " a")
            box.fill(word)
            times["search"].append(timed(page, "#browse-results", lambda: box.press("Enter")))
            queries["search"].append({"query": word})
        box.fill("")
        box.press("Enter")
        page.wait_for_timeout(400)
        browse_tab = page.get_by_role("tab", name="Browse", exact=True)
        for i in range(repeat):
            cards = page.locator("#browse-results a.sg-card")
            card = cards.nth(i % max(1, min(cards.count(), 20)))
            artifact = card.get_attribute("data-sg-artifact") or ""
            times["open"].append(
                timed(page, "#artifact-header", lambda c=card: c.click(), want=artifact)
            )
            queries["open"].append({"query": artifact})
            popup = page.locator("#nfaa-popup")
            if popup.count() and popup.is_visible():  # a content warning: "Go back"
                page.locator("#go-back").click()
            else:
                browse_tab.click()
            page.wait_for_selector("#browse-results a.sg-card", state="visible")
        context.close()
        browser.close()
    browser_runs.queries = queries  # type: ignore[attr-defined]
    return times


def api_call(client: httpx.Client, url: str, params: dict) -> float:
    data = [
        params.get("query", ""),
        params.get("kinds", []),
        params.get("categories", []),
        "",
        "",
        "trending",
        params.get("page", 1),
    ]
    started = time.perf_counter()
    posted = client.post(f"{url}/gradio_api/call/search", json={"data": data})
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    with client.stream("GET", f"{url}/gradio_api/call/search/{event_id}") as stream:
        body = "".join(stream.iter_text())
    if "event: complete" not in body:
        raise RuntimeError(f"/search failed: {body[:300]}")
    return (time.perf_counter() - started) * 1000


def report(name: str, values: list[float], api: list[float]) -> str:
    def stats(v: list[float]) -> str:
        if not v:
            return f"{'-':>7} {'-':>7} {'-':>7}"
        return f"{percentile(v, 50):7.0f} {percentile(v, 95):7.0f} {max(v):7.0f}"

    return f"{name:<10} {stats(values)}   {stats(api)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=0, help="synthetic catalog rows (0: demo)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    extra = {"SAFEGUARDS_CATALOG": str(catalog_path(args.size))} if args.size else {}
    with tempfile.TemporaryDirectory() as work:
        app = start_app(Path(work), extra_env=extra, timeout=600)
        try:
            times = browser_runs(app.url, args.repeat)
            api: dict[str, list[float]] = {}
            with httpx.Client(timeout=60) as client:
                api_call(client, app.url, {})  # warm-up
                for name, params in browser_runs.queries.items():  # type: ignore[attr-defined]
                    api[name] = [api_call(client, app.url, p) for p in params]
        finally:
            app.stop()
    label = f"{args.size:,} artifacts" if args.size else "demo catalog"
    print(f"\nclick-to-result, ms ({label}, {args.repeat} each)")
    print(f"{'action':<10} {'p50':>7} {'p95':>7} {'max':>7}   {'api p50':>7} {'p95':>7} {'max':>7}")
    for name, values in times.items():
        print(report(name, values, api.get(name, [])))
    print("(open: the API column is /search for that artifact's id; the page opens it)")


if __name__ == "__main__":
    main()
