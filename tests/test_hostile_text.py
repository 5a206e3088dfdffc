"""Hostile text in every user text field, then every page that shows it, in headless
Chromium against the real app (`python app.py`, accounts mode).

The corpus (`hostile_payloads.py`, 77 payloads: script tags, event handlers, javascript:
links, SVG, markdown links and images, CSS, unicode direction overrides, very long and
control-character strings) goes into report context, comments, discussion titles and
bodies, tag-proposal notes, access reasons, moderator notes and the notes that hide a
comment; usernames come from an accounts file with hostile names (every payload the
`username:password` format can hold), one of them a moderator. The bulk is written
through the service before the app starts (the app folds it); a sample of every field
goes over HTTP through the page's own handlers and the REST API and must be stored
verbatim, and every payload the rules refuse (control characters, over-long) is sent
over HTTP to every field and must come back as a clear error with nothing saved.

Then the owner's artifact page (threads, pickers, access requests), the moderator's
panel (reports, history, owner responses, pickers) and audit log, and the reporter's
activity are opened in Chromium and checked: no script ran (`window.__pwned` stays
undefined, no dialog opened, no request left for the payloads' hosts), no element was
injected into the user-text areas, and every payload's marker is readable as text.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from apprunner import REPO, RunningApp, start_app
from browser import TIMEOUT_MS, chromium_path, go_to_tab, new_context, wait_ready
from gradio_queue import queue_call
from hostile_payloads import (
    MARK,
    TEMPLATES,
    USER_MARK,
    hostile_usernames,
    marker,
    payload,
    payloads,
    refusal,
    stored_form,
)
from playwright.sync_api import Browser, Page, expect

from safeguards.config import Settings
from safeguards.eventlog import read_events
from safeguards.service import Safeguards

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed"),
]

expect.set_options(timeout=TIMEOUT_MS)

TARGET = "demo-studio/face-attribute-classifier"  # demo-studio's, gated in the catalog
SECOND = "demo-studio/scraped-portraits-40k"  # also gated: the HTTP sample goes here
OWNER, MODERATOR, REPORTER = "demo-studio", "mod-ana", "alice"
HOSTILE_MODERATOR = payload(8, "HXV")  # an <img onerror> as a moderator's username
SHARED_TITLE = "Hostile comments thread"
DISCUSSION_ACCORDION = "Discussions: lock, close, hide a comment"  # an accordion
# The README's limits, per field (the server's rule, restated here on purpose).
LIMITS = {"context": 5000, "comment": 5000, "title": 120, "note": 1000, "reason": 1000}
CORPUS = payloads()
N = len(CORPUS)
USERNAMES = dict(hostile_usernames())  # marker -> username
# Elements that must never appear inside rendered user text.
FORBIDDEN = (
    "script, img, svg, iframe, frame, object, embed, style, link, meta, base, form, "
    "input, button, textarea, select, video, audio, source, math, marquee, details, a"
)
# In Gradio's own widgets (tables, dropdown lists) icons and buttons are expected.
FORBIDDEN_IN_WIDGETS = (
    "script, img, iframe, frame, object, embed, style, link, meta, base, form, video, "
    "audio, source, math, marquee, details, a"
)
MARKDOWN_AREAS = (
    "#artifact-header",
    "#artifact-notice",
    "#community-list",
    "#flag-result",
    "#my-reports",
    "#my-notices",
    "#my-access",
    "#thread",
    "#gate-status",
    "#mod-item-header",
    "#mod-item-reports",
    "#mod-item-origin",
    "#mod-item-responses",
    "#mod-item-history",
    "#mod-notice",
)
WIDGET_AREAS = ("#audit-log", "#mod-queue", "[role=listbox]")


def username(n: int) -> str:
    return USERNAMES.get(marker(n, USER_MARK), f"hx-user-{n:03d}")


def accepted(n: int, field_name: str) -> bool:
    return refusal(CORPUS[n][1], LIMITS[field_name], field_name) is None


# -- HTTP: the queue protocol and the REST API, as a browser tab and a client use them --


class Tab:
    """One signed-in browser tab over raw HTTP: a session cookie, the app's config and
    one session_hash (the server remembers the choices it sent each dropdown)."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.user = user
        self.http = httpx.Client(base_url=url, timeout=60)
        signed_in = self.http.post("/login", data={"username": user, "password": password})
        assert signed_in.status_code == 200, (user, signed_in.text)
        self.config = self.http.get("/config").json()
        self.components = {c["id"]: c for c in self.config["components"]}
        self.session_hash = secrets.token_hex(8)

    def close(self) -> None:
        self.http.close()

    def elem(self, component_id: int) -> str | None:
        return self.components.get(component_id, {}).get("props", {}).get("elem_id")

    def dependency(self, trigger: str, event: str = "click") -> dict:
        found = [
            d
            for d in self.config["dependencies"]
            if any(self.elem(t) == trigger and e == event for t, e in d["targets"])
        ]
        assert len(found) == 1, f"{len(found)} {event} handlers on #{trigger}"
        return found[0]

    def call(self, dep: dict, data: list) -> dict:
        return queue_call(self.http, dep["id"], data, session_hash=self.session_hash)

    def act(
        self, trigger: str, *extras: Any, artifact_id: str = TARGET, discussion: str = ""
    ) -> dict:
        """An artifact-tab handler: (artifact id, persona, browser preference, revealed,
        community filter, open thread) then the button's own fields."""
        dep = self.dependency(trigger)
        return self.call(dep, [artifact_id, None, "popup", "", "open", discussion, *extras])

    def request_access(self, reason: str, artifact_id: str = TARGET) -> dict:
        """The Request access button: its inputs go as one set (the page's, the reason,
        an input per possible form field), so they are sent by elem_id."""
        dep = self.dependency("request-access")
        given = {"artifact-id": artifact_id, "gate-reason": reason, "community-filter": "open"}
        return self.call(dep, [given.get(self.elem(i)) for i in dep["inputs"]])

    def output(self, message: dict, dep: dict, elem_id: str) -> Any:
        index = [self.elem(o) for o in dep["outputs"]].index(elem_id)
        return message["output"]["data"][index]

    def rest(self, name: str, data: list) -> tuple[bool, Any]:
        """POST /gradio_api/call/<name>, then read its event stream: (ok, result or
        the error sentence)."""
        posted = self.http.post(f"/gradio_api/call/{name}", json={"data": data})
        assert posted.status_code == 200, posted.text
        text = self.http.get(f"/gradio_api/call/{name}/{posted.json()['event_id']}").text
        kind = re.findall(r"^event: (\w+)", text, re.M)[-1]
        body = json.loads(re.findall(r"^data: (.*)$", text, re.M)[-1])
        if kind == "complete":
            return True, body[0]
        return False, (body or {}).get("error") or ""


def error_of(message: dict) -> str:
    return str((message.get("output") or {}).get("error") or message.get("message") or "")


def succeeded(message: dict) -> bool:
    return bool(message.get("success"))


# -- the world: the app and every hostile text written into it --------------------------


@dataclass
class World:
    app: RunningApp
    passwords: dict[str, str]
    shared_discussion: str = ""
    titled: dict[int, str] = field(default_factory=dict)  # n -> discussion id
    hidden_notes: list[int] = field(default_factory=list)  # n of notes hiding comments
    owner_replies: list[int] = field(default_factory=list)
    moderator_notes: list[int] = field(default_factory=list)
    first_note: int = 0  # the note that answered the open reports

    def tab(self, user: str) -> Tab:
        return Tab(self.app.url, user, self.passwords[user])


def write_world(state_dir: Path) -> World:
    """Every accepted payload in every field, written through the service the app runs,
    before it starts (the app folds them at start-up). Going through HTTP for all of them
    would take a minute on a small machine; `test_http_path_stores_text_verbatim` shows
    that the HTTP path stores exactly what the service is given, and
    `test_refused_payloads_get_a_clear_error_and_save_nothing` sends every refused
    payload over HTTP."""
    settings = Settings(
        state_dir=state_dir,
        moderators=frozenset({MODERATOR, HOSTILE_MODERATOR}),
        demo=False,
        reports_per_hour=100_000,
        comments_per_hour=100_000,
    )
    service = Safeguards.open(settings)
    user = service.user
    world = World(app=None, passwords={})  # type: ignore[arg-type]
    owner = user(OWNER)
    shared = service.open_discussion(owner, TARGET, SHARED_TITLE, "Replies carry hostile text.")
    world.shared_discussion = shared.id
    hideable = [
        service.comment(owner, shared.id, f"Owner note {k} to be hidden.").id for k in range(3)
    ]
    service.report(user(REPORTER), TARGET, "privacy", "A plain report by alice.")
    for n, (_, text) in enumerate(CORPUS):
        who = user(username(n))
        target = None
        if accepted(n, "title"):
            body = text if accepted(n, "comment") else "A body."
            target = service.open_discussion(who, TARGET, text, body).id
            world.titled[n] = target
        if accepted(n, "context"):
            service.report(who, TARGET, "spam", text, target)
        if accepted(n, "comment"):
            service.comment(who, shared.id, text)
            service.propose_tags(who, TARGET, ["ethics-rigorous"], text)
        if accepted(n, "reason"):
            service.request_access(who, TARGET, text)
    # The owner answers in the open, in the first hostile user's report discussion.
    first_report = next(r for r in service.state.reports.values() if r.reporter == username(0))
    for n in (0, 8, 38):
        service.comment(owner, first_report.discussion_id, CORPUS[n][1])
        world.owner_replies.append(n)
    # Moderator notes: downgrade and restore in turn, one payload each.
    notes = [n for n in range(N) if accepted(n, "note")]
    for i, n in enumerate(notes):
        action = "downgrade" if i % 2 == 0 else "restore_visibility"
        service.moderate(user(MODERATOR), TARGET, action, CORPUS[n][1])
        world.moderator_notes.append(n)
    world.first_note = notes[0]
    service.moderate(user(HOSTILE_MODERATOR), TARGET, "request_private", CORPUS[21][1])
    for comment_id, n in zip(hideable, (0, 27, 63), strict=True):
        service.moderate(
            user(MODERATOR),
            TARGET,
            "hide_comment",
            CORPUS[n][1],
            discussion_id=shared.id,
            comment_id=comment_id,
            reason="abuse",
        )
        world.hidden_notes.append(n)
    service.log.close()
    return world


CATALOG_TAG = "hx-catalog"  # the tag of the hostile catalog rows (Browse filters on it)


def write_hostile_catalog(path: Path) -> Path:
    """The demo catalog plus one artifact per payload: the payload as its summary, and as
    its license where short (catalog text can come from a Hub import: untrusted)."""
    lines = (REPO / "data" / "demo_catalog.jsonl").read_text(encoding="utf-8").splitlines()
    base = json.loads(lines[0])
    kinds = ("model", "dataset", "space")
    for n, (_, text) in enumerate(CORPUS):
        row = dict(base)
        row.update(
            id=f"hx-cat/payload-{n:03d}",
            author="hx-cat",
            kind=kinds[n % 3],
            summary=text,
            license=text if len(text) <= 300 else "other",
            categories=["rigorous"],
            tags=[CATALOG_TAG, "ethics-rigorous"],
            card="---\nlicense: other\n---\n# Payload\n",
            gated=n % 4 == 0,
            paper="",
            downloads=n * 1234,
        )
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("hostile")
    passwords = {OWNER: "owner-pass", MODERATOR: "mod-pass", REPORTER: "alice-pass"}
    passwords[HOSTILE_MODERATOR] = "hostile-mod-pass"
    for n in range(N):
        passwords[username(n)] = f"pass-{n}"
    built = write_world(workdir / "state")
    catalog = write_hostile_catalog(workdir / "catalog.jsonl")
    app = start_app(
        workdir,
        accounts=passwords,
        moderators=f"{MODERATOR},{HOSTILE_MODERATOR}",
        state_dir=workdir / "state",
        extra_env={
            "SAFEGUARDS_REPORTS_PER_HOUR": "100000",
            "SAFEGUARDS_COMMENTS_PER_HOUR": "100000",
            "SAFEGUARDS_CATALOG": str(catalog),
        },
    )
    built.app, built.passwords = app, passwords
    try:
        yield built
    finally:
        app.stop()


# -- what a page must show and must not do ---------------------------------------------


class Watch:
    """A signed-in page that records dialogs and requests to the payloads' hosts."""

    def __init__(self, browser: Browser, world: World, user: str) -> None:
        self.context = new_context(browser)
        signed_in = self.context.request.post(
            f"{world.app.url}/login", form={"username": user, "password": world.passwords[user]}
        )
        assert signed_in.ok, signed_in.text()
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("request", self._request)
        self.page.goto(world.app.url)
        wait_ready(self.page)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request: Any) -> None:
        if "x.invalid" in request.url or MARK in request.url or USER_MARK in request.url:
            self.requests.append(request.url)

    def close(self) -> None:
        self.context.close()


INJECTION_PROBE = """([areas, forbidden, widgets, widgetForbidden]) => {
  const found = [];
  const describe = (el) => el.outerHTML.slice(0, 160);
  // The app's own links are expected: in-app addresses ("?artifact=…") everywhere (the
  // audit log's entries link to their items), and
  // the catalog's paper link (http/https) in the artifact's header.
  const ours = (sel, el) => el.tagName === 'A' && (
    (el.getAttribute('href') || '').startsWith('?')
    || (sel === '#artifact-header' && /^https?:[/][/]/.test(el.getAttribute('href') || '')));
  for (const sel of areas) {
    const prose = document.querySelectorAll(sel + ' .prose');
    for (const area of prose.length ? prose : document.querySelectorAll(sel)) {
      for (const el of area.querySelectorAll(forbidden)) {
        if (!ours(sel, el)) found.push(sel + ': ' + describe(el));
      }
    }
  }
  for (const sel of widgets) {
    for (const area of document.querySelectorAll(sel)) {
      for (const el of area.querySelectorAll(widgetForbidden)) {
        if (!ours(sel, el)) found.push(sel + ': ' + describe(el));
      }
      for (const el of area.querySelectorAll('svg')) {
        if (/HX[MUV]|__pwned/.test(el.outerHTML)) found.push(sel + ': ' + describe(el));
      }
    }
  }
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value;
      const handler = name.startsWith('on') && /__pwned|HX[MUV]|alert/.test(value);
      const url = ['href', 'src', 'action', 'formaction', 'data', 'srcdoc', 'xlink:href',
                   'style', 'background', 'poster'].includes(name)
                  && /javascript:|x\\.invalid|HX[MUV]|__pwned/i.test(value);
      if (handler || url) found.push('attribute ' + name + ': ' + describe(el));
    }
  }
  return found;
}"""


def assert_safe(watch: Watch, where: str) -> None:
    page = watch.page
    page.wait_for_timeout(250)  # a broken image's onerror would have fired by now
    assert page.evaluate("typeof window.__pwned") == "undefined", where
    assert page.evaluate("typeof window.top.__pwned") == "undefined", where
    assert watch.dialogs == [], (where, watch.dialogs)
    assert watch.requests == [], (where, watch.requests)
    injected = page.evaluate(
        INJECTION_PROBE,
        [list(MARKDOWN_AREAS), FORBIDDEN, list(WIDGET_AREAS), FORBIDDEN_IN_WIDGETS],
    )
    assert injected == [], (where, injected)
    # CSS payloads: the page is still there and still laid out.
    expect(page.locator("#app-title")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).display") != "none", where


def assert_readable(text: str, markers: list[str], where: str) -> None:
    missing = [m for m in markers if m not in text]
    assert missing == [], f"{where}: {len(missing)} markers not shown as text: {missing}"


def listbox_text(page: Page, dropdown: str, showing: str = "") -> str:
    """Open a dropdown, read every option (all are rendered), close it; `showing`: wait
    until the options contain this text."""
    page.locator(f"{dropdown} input").click()
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    if showing:
        expect(listbox).to_contain_text(showing)
    options = listbox.get_by_role("option")
    total = int(options.first.get_attribute("aria-setsize") or 0)
    for _ in range(50):  # the list renders more options as it is scrolled down
        if options.count() >= total:
            break
        listbox.evaluate(
            """(el) => {
                const sentinel = el.querySelector('.scroll-sentinel') || el.lastElementChild;
                sentinel.scrollIntoView({block: 'end'});
            }"""
        )
        page.wait_for_timeout(100)
    assert options.count() == total, (dropdown, options.count(), total)
    text = listbox.inner_text()
    page.keyboard.press("Escape")
    return text


def open_thread(page: Page, title: str, *, last: bool = False) -> None:
    """Follow the community list's link whose text holds `title` (the newest first, or
    with `last` the oldest), as a reader clicks it."""
    links = page.locator("#community-list a").filter(has_text=title)
    link = links.last if last else links.first
    href = link.get_attribute("href")
    link.click()
    expect(page.locator("#discussion-id textarea")).to_have_value(
        re.search(r"discussion=([\w-]+)", href).group(1)
    )


def pick(page: Page, dropdown: str, typed: str) -> None:
    """Choose the first option matching `typed`, as a user types and presses Enter."""
    box = page.locator(f"{dropdown} input")
    box.click()
    box.fill("")
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    expect(page.get_by_role("listbox")).to_have_count(0)  # closed before the next one opens


def table_text(page: Page, table: str) -> str:
    """A dataframe's text, scrolled through (only the visible rows are rendered)."""
    seen: list[str] = []
    for step in range(60):
        seen.append(page.locator(table).inner_text())
        done = page.evaluate(
            """([sel, step]) => {
                const root = document.querySelector(sel);
                const boxes = [root, ...root.querySelectorAll('*')].filter(
                    (el) => el.scrollHeight > el.clientHeight + 2 &&
                            ['auto', 'scroll'].includes(getComputedStyle(el).overflowY));
                if (!boxes.length) return true;
                const box = boxes[0];
                box.scrollTop = (step + 1) * box.clientHeight * 0.8;
                return box.scrollTop + box.clientHeight >= box.scrollHeight - 2
                       && step > 0;
            }""",
            [table, step],
        )
        page.wait_for_timeout(120)
        if done:
            seen.append(page.locator(table).inner_text())
            break
    return "\n".join(seen)


def markers(field_name: str, upto: int | None = None) -> list[str]:
    """Markers of the payloads a field accepts, optionally only those within the first
    `upto` characters of the stored text (where the page shortens it)."""
    found = []
    for n, (m, text) in enumerate(CORPUS):
        if not accepted(n, field_name):
            continue
        if upto is not None and m not in stored_form(text, field_name)[:upto]:
            continue
        found.append(m)
    return found


# -- 1. refused payloads: a clear error, nothing saved -----------------------------------


def test_corpus_is_large_and_varied() -> None:
    assert N >= 50
    assert len({m for m, _ in CORPUS}) == N == len(TEMPLATES)
    assert all("{m}" in t for t in TEMPLATES)
    assert len(USERNAMES) >= 30
    refused = [n for n in range(N) if not accepted(n, "comment")]
    assert len(refused) >= 3 and len(refused) < N // 5
    for needle in ("<script", "onerror", "javascript:", "<svg", "](", "<style", "\u202e"):
        assert any(needle in text for _, text in CORPUS), needle


def newest(world: World, type_: str, actor: str) -> dict:
    found = [e for e in read_events(world.app.state_dir) if e.type == type_ and e.actor == actor]
    assert found, (type_, actor)
    return found[-1].payload


def test_http_path_stores_text_verbatim(world: World) -> None:
    """A sample of the corpus in every field, sent as the page and the API send it, is
    stored exactly as the service keeps it (so the pages below show what HTTP stores)."""
    sample = (0, 8, 22, 38, 47, 55, 63, 64, 66, 72)
    moderator = world.tab(MODERATOR)
    panel = moderator.dependency("mod-apply")
    mod_open = moderator.dependency("mod-open")
    for i, n in enumerate(sample):
        text, kept = CORPUS[n][1], stored_form(CORPUS[n][1])
        tab = world.tab(username(n))
        if accepted(n, "title"):
            message = tab.act("open-discussion", text, text, artifact_id=SECOND)
            assert succeeded(message), (n, error_of(message))
            opened = newest(world, "discussion.opened", tab.user)
            assert (opened["title"], opened["text"]) == (stored_form(text, "title"), kept), n
            reply = tab.act(
                "send-reply", text, artifact_id=SECOND, discussion=opened["discussion_id"]
            )
            assert succeeded(reply), (n, error_of(reply))
            assert newest(world, "comment.added", tab.user)["text"] == kept, n
        ok, result = tab.rest("report", [SECOND, "spam", text])
        assert ok, (n, result)
        assert newest(world, "report.filed", tab.user)["context"] == kept, n
        message = tab.act("propose-submit", ["ethics-rigorous"], text, artifact_id=SECOND)
        assert succeeded(message), (n, error_of(message))
        assert newest(world, "proposal.opened", tab.user)["text"] == kept, n
        if accepted(n, "reason"):
            message = tab.request_access(text, artifact_id=SECOND)
            assert succeeded(message), (n, error_of(message))
            assert newest(world, "access.requested", tab.user)["reason"] == kept, n
            action = "downgrade" if i % 2 == 0 else "restore_visibility"
            if i % 4 < 2:
                ok, result = moderator.rest("moderate", [SECOND, action, text])
                assert ok, (n, result)
            else:
                shown = moderator.call(mod_open, [None, SECOND])
                offered = moderator.output(shown, mod_open, "mod-action")["choices"]
                assert action in [value for _, value in offered], offered
                done = moderator.call(panel, [None, SECOND, action, text, 0, [], [], "open"])
                assert succeeded(done), (n, error_of(done))
            assert newest(world, "moderation.action", MODERATOR)["note"] == kept, n
        tab.close()
    moderator.close()


def test_hostile_usernames_sign_in_and_act_as_themselves(world: World) -> None:
    for name in [*USERNAMES.values(), HOSTILE_MODERATOR]:
        tab = world.tab(name)
        ok, result = tab.rest("report", [SECOND, "other", "Signed in with a hostile name."])
        assert ok, (name, result)
        assert newest(world, "report.filed", name)["artifact_id"] == SECOND
        tab.close()


def test_refused_payloads_get_a_clear_error_and_save_nothing(world: World) -> None:
    alice = world.tab(REPORTER)
    moderator = world.tab(MODERATOR)
    opened = alice.act("open-artifact")
    assert succeeded(opened), error_of(opened)
    mod_open = moderator.dependency("mod-open")
    shown = moderator.call(mod_open, [None, TARGET])
    assert succeeded(shown), error_of(shown)
    offered = moderator.output(shown, mod_open, "mod-action")["choices"][0][1]
    calls = {
        "context": lambda t: alice.rest("report", [TARGET, "spam", t]),
        "comment": lambda t: alice.act("send-reply", t, discussion=world.shared_discussion),
        "title": lambda t: alice.act("open-discussion", t, "A body."),
        "proposal note": lambda t: alice.act("propose-submit", ["ethics-inclusive"], t),
        "reason": lambda t: alice.request_access(t),
        "note": lambda t: moderator.rest("moderate", [TARGET, "downgrade", t]),
        "panel note": lambda t: moderator.call(
            moderator.dependency("mod-apply"), [None, TARGET, offered, t, 0, [], [], "open"]
        ),
    }
    limit_of = {"proposal note": "comment", "panel note": "note"}
    tried = 0
    for name, call in calls.items():
        field = limit_of.get(name, name)
        limit = LIMITS[field]
        for n, (_, text) in enumerate(CORPUS):
            expected = refusal(text, limit, field)
            if expected is None:
                continue
            before = read_events(world.app.state_dir)
            answer = call(text)
            ok, error = answer if isinstance(answer, tuple) else (succeeded(answer), answer)
            error = error if isinstance(error, str) else error_of(error)
            assert not ok, (name, n)
            assert expected in error, (name, n, error)
            assert read_events(world.app.state_dir) == before, (name, n)
            tried += 1
    assert tried >= 7 * 4
    alice.close()
    moderator.close()


def test_the_log_holds_the_text_verbatim_and_nothing_forged(world: World) -> None:
    events = read_events(world.app.state_dir)
    known_actors = set(world.passwords)
    assert {e.actor for e in events} <= known_actors
    assert all(e.id != "forged" for e in events)
    assert all(e.ts > "2001" for e in events)
    stored = json.dumps([e.payload for e in events], ensure_ascii=False)
    for n, (_, text) in enumerate(CORPUS):
        if accepted(n, "comment"):
            assert json.dumps(stored_form(text), ensure_ascii=False)[1:-1] in stored, n
    by = {e.actor for e in events if e.type == "access.requested"}
    assert {username(n) for n in range(N) if accepted(n, "reason")} <= by


# -- 2. the pages in Chromium ------------------------------------------------------------


def test_the_checks_catch_an_injection(chromium: Browser) -> None:
    """The detector itself, on a page with injected markup: it must flag it."""
    context = new_context(chromium)
    page = context.new_page()
    page.set_content(
        '<h1 id="app-title">t</h1><div id="thread"><div class="prose"><p>HXM001</p>'
        "<img src=x onerror=\"window.__pwned='HXM002'\">"
        "<a href=\"javascript:window.__pwned='HXM003'\">x</a></div></div>"
        '<ul role="listbox"><li><iframe srcdoc="HXM004"></iframe></li></ul>'
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") == "HXM002"
    found = page.evaluate(
        INJECTION_PROBE,
        [list(MARKDOWN_AREAS), FORBIDDEN, list(WIDGET_AREAS), FORBIDDEN_IN_WIDGETS],
    )
    assert any("<img" in f for f in found), found
    assert any("<a " in f for f in found), found
    assert any("<iframe" in f for f in found), found
    assert any(f.startswith("attribute onerror") for f in found), found
    context.close()


def test_owner_artifact_page(world: World, chromium: Browser) -> None:
    watch = Watch(chromium, world, OWNER)
    page = watch.page
    go_to_tab(page, "Artifact")
    page.locator("#artifact-id textarea").fill(TARGET)
    page.locator("#open-artifact").click()
    expect(page.locator("#artifact-header")).to_contain_text(TARGET)
    expect(page.locator("#card-sections")).to_be_visible()
    assert_safe(watch, "artifact page")

    # Every discussion title in the community list (all statuses).
    page.locator("#community-filter").get_by_text("All", exact=True).click()
    listing = page.locator("#community-list")
    expect(listing).to_contain_text(SHARED_TITLE)
    assert_readable(listing.inner_text(), markers("title"), "community list")
    assert_safe(watch, "community list")

    # The shared thread: every accepted comment, every author, the hiding notes.
    open_thread(page, SHARED_TITLE)
    thread = page.locator("#thread")
    expect(thread).to_contain_text(SHARED_TITLE)
    expect(thread).to_contain_text(marker(N - 5))
    authors = [marker(n, USER_MARK) for n in range(N) if accepted(n, "comment")]
    authors = [m for m in authors if m in USERNAMES]
    hidden = [marker(n) for n in world.hidden_notes]
    assert_readable(thread.inner_text(), markers("comment") + authors + hidden, "shared thread")
    assert_safe(watch, "shared thread")

    # Threads titled with hostile text (a sample: each selection is a round trip).
    sample = [n for n in (0, 8, 21, 38, 47, 62) if n in world.titled]
    for n in sample:
        open_thread(page, marker(n))
        expect(thread).to_contain_text(marker(n))
        assert_safe(watch, f"thread titled with payload {n}")
    # The latest proposal's note and the latest report's context (with the moderator's
    # echoed note) in their own threads.
    latest = max(
        (e for e in read_events(world.app.state_dir) if e.type == "proposal.opened"),
        key=lambda e: e.sort_key,
    )
    open_thread(page, "Add tags")
    expect(thread).to_contain_text("Add tags")
    proposal_marker = re.search(rf"{MARK}\d{{3}}", latest.payload["text"]).group(0)
    expect(thread).to_contain_text(proposal_marker)
    assert_safe(watch, "proposal thread")
    open_thread(page, "Report: ", last=True)
    expect(thread).to_contain_text(marker(world.first_note))
    assert_safe(watch, "report thread")

    # Access requests, in the owner's part of the page: each requester's name and
    # reason (the label keeps 80 characters).
    expect(page.locator("#access-box")).to_be_visible()
    options = listbox_text(page, "#access-pick")
    requesters = [marker(n, USER_MARK) for n in range(N) if accepted(n, "reason")]
    requesters = [m for m in requesters if m in USERNAMES]
    assert_readable(options, markers("reason", upto=80) + requesters, "access requests")
    assert_safe(watch, "access requests")
    watch.close()


def test_moderator_panel_and_audit_log(world: World, chromium: Browser) -> None:
    watch = Watch(chromium, world, MODERATOR)
    page = watch.page
    go_to_tab(page, "Moderation")
    page.locator("#mod-item-id textarea").fill(TARGET)
    page.locator("#mod-open").click()
    expect(page.locator("#mod-item-header")).to_contain_text(TARGET)
    reports = page.locator("#mod-item-reports")
    expect(reports).to_contain_text(marker(0))
    reporters = [m for m in (marker(n, USER_MARK) for n in range(N)) if m in USERNAMES]
    flagged = [marker(n) for n in world.titled]
    assert_readable(reports.inner_text(), markers("context") + reporters + flagged, "reports")
    history = page.locator("#mod-item-history").inner_text()
    notes = [marker(n) for n in world.moderator_notes if marker(n) in CORPUS[n][1][:200]]
    assert_readable(history, [*notes, marker(8, "HXV"), marker(21)], "history")
    responses = page.locator("#mod-item-responses").inner_text()
    assert_readable(responses, [marker(n) for n in world.owner_replies], "owner responses")
    assert_safe(watch, "moderation item")

    page.get_by_text(DISCUSSION_ACCORDION).click()  # a closed accordion
    titles = listbox_text(page, "#mod-discussion")
    assert_readable(titles, markers("title", upto=80), "moderator's discussion picker")
    pick(page, "#mod-discussion", SHARED_TITLE)
    comments = listbox_text(page, "#mod-comment", showing="Owner note 0")
    assert_readable(comments, markers("comment", upto=70), "moderator's comment picker")
    assert_safe(watch, "moderator's pickers")

    go_to_tab(page, "Audit log")
    audit = page.locator("#audit-log")
    expect(audit).to_contain_text(marker(world.moderator_notes[-1]))
    text = table_text(page, "#audit-log")
    assert_readable(text, [marker(n) for n in world.moderator_notes], "audit log")
    assert_readable(text, [marker(8, "HXV"), marker(21)], "audit log (hostile moderator)")
    assert_safe(watch, "audit log")
    watch.close()


def test_reporter_activity(world: World, chromium: Browser) -> None:
    watch = Watch(chromium, world, REPORTER)
    page = watch.page
    go_to_tab(page, "My activity")
    page.locator("#activity-refresh").click()
    row = page.locator("#my-reports")
    expect(row).to_contain_text(TARGET)
    expect(row).to_contain_text(marker(world.first_note))  # the outcome: a moderator note
    assert_safe(watch, "my activity")
    watch.close()


def test_browse_cards_show_catalog_text_as_text(world: World, chromium: Browser) -> None:
    """Every payload as an artifact's summary (and short ones as its license), on Browse's
    cards, page by page: readable as text, nothing injected, the only links the cards'."""
    watch = Watch(chromium, world, REPORTER)
    page = watch.page
    tag = page.get_by_role("textbox", name="Tag", exact=True)
    tag.fill(CATALOG_TAG)
    tag.press("Enter")
    summary = page.locator("#browse-summary")
    expect(summary).to_contain_text(f"{N} artifacts")
    pages = int(re.search(r"of (\d+)", summary.inner_text()).group(1))
    results = page.locator("#browse-results")
    seen = []
    for number in range(1, pages + 1):
        expect(summary).to_contain_text(f"page {number} of {pages}")
        seen.append(results.inner_text())
        assert_safe(watch, f"browse cards, page {number}")
        assert results.locator(FORBIDDEN_IN_WIDGETS.replace(", a", "")).count() == 0
        links = results.locator("a")
        hrefs = links.evaluate_all("(els) => els.map((a) => a.getAttribute('href'))")
        assert hrefs and all(h.startswith("?artifact=hx-cat/payload-") for h in hrefs), hrefs
        assert results.locator("svg:not(.sg-icon)").count() == 0
        if number < pages:
            page.locator("#browse-next").click()
    assert_readable("\n".join(seen), [marker(n) for n in range(N)], "browse cards")
    expect(results.locator(".sg-badge-gated").first).to_be_visible()
    watch.close()
