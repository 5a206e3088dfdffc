"""Abuse limits: per-user rate limits and the size limit of every user text field, each
refused with a sentence that says what to do, and nothing saved.

The limits are the README's (report context and comments 5,000 characters, titles 120,
moderator notes and access reasons 1,000; `SAFEGUARDS_REPORTS_PER_HOUR` and
`SAFEGUARDS_COMMENTS_PER_HOUR`); the tag limit is the service's own (50). Report rate
limits are covered in test_service.py; the comment limit, every field's size limit and
the messages over HTTP are covered here.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from apprunner import RunningApp, start_app
from conftest import MODERATOR, OWNER
from gradio_queue import queue_call

from safeguards import moderation
from safeguards.config import Settings
from safeguards.errors import InvalidInput, RateLimited
from safeguards.eventlog import read_events
from safeguards.service import Safeguards
from safeguards.textrules import LIMITS

PLAIN = "demo-studio/recipe-assistant-1b"  # demo-studio's, ungated
PLAIN_2 = "demo-studio/neighbourhood-reviews"
GATED = "demo-studio/face-attribute-classifier"
OTHERS = "bigscience/bloom"
MakeService = Callable[..., Safeguards]


def count(settings: Settings) -> int:
    return len(read_events(settings.state_dir))


# -- comment rate limit --------------------------------------------------------------------


def test_comment_rate_limit_counts_replies_and_new_discussions(
    make_service: MakeService, settings: Settings
) -> None:
    service = make_service(comments_per_hour=3)
    alice, bob = service.user("alice"), service.user("bob")
    thread = service.open_discussion(alice, PLAIN, "A question", "first")  # 1
    service.comment(alice, thread.id, "second")  # 2
    service.comment(alice, thread.id, "third")  # 3
    before = count(settings)
    with pytest.raises(RateLimited) as refused:
        service.comment(alice, thread.id, "fourth")
    assert refused.value.message == (
        "You have sent 3 comments in the last hour, the most allowed. Please try again later."
    )
    with pytest.raises(RateLimited, match="3 comments in the last hour"):
        service.open_discussion(alice, PLAIN_2, "Another", "fourth, elsewhere")
    assert count(settings) == before
    assert [c.text for c in service.discussion(alice, thread.id).comments] == [
        "first",
        "second",
        "third",
    ]
    # Per user: bob is not limited by alice's comments.
    service.comment(bob, thread.id, "bob's reply")
    # Folded from the log: a restart does not reset it.
    restarted = make_service(comments_per_hour=3)
    with pytest.raises(RateLimited):
        restarted.comment(restarted.user("alice"), thread.id, "after a restart")


def test_report_limit_message_and_extensions_count(
    make_service: MakeService, settings: Settings
) -> None:
    service = make_service(reports_per_hour=2)
    alice = service.user("alice")
    first = service.report(alice, PLAIN, "spam", "one")
    assert service.report(alice, PLAIN, "spam", "more context").id == first.id  # 2: extends
    before = count(settings)
    with pytest.raises(RateLimited) as refused:
        service.report(alice, PLAIN_2, "spam", "three")
    assert refused.value.message == (
        "You have sent 2 reports in the last hour, the most allowed. Please try again later."
    )
    assert count(settings) == before


def test_tag_proposals_count_toward_the_comment_limit(make_service: MakeService) -> None:
    service = make_service(comments_per_hour=3)
    alice = service.user("alice")
    notes = [f"Proposal note {n}: please read my long message." for n in range(5)]
    with pytest.raises(RateLimited):
        for note in notes:
            service.propose_tags(alice, PLAIN, ["ethics-rigorous"], note)


def test_flipping_the_content_preference_is_limited(
    make_service: MakeService, settings: Settings
) -> None:
    service = make_service(comments_per_hour=4)
    alice, bob = service.user("alice"), service.user("bob")
    for value in (True, False, True, False):
        assert service.set_preference(alice, value) is value
    before = count(settings)
    with pytest.raises(RateLimited, match="4 preference changes in the last hour"):
        service.set_preference(alice, True)
    assert count(settings) == before  # the refused change wrote nothing
    assert service.set_preference(alice, False) is False  # no change: nothing to limit
    assert service.set_preference(bob, True) is True  # others are not affected


# -- the size of every text field ----------------------------------------------------------

README_LIMITS = {"context": 5000, "comment": 5000, "title": 120, "note": 1000, "reason": 1000}


def _fields(service: Safeguards) -> dict[str, tuple[str, Callable[[str], Any]]]:
    """field name -> (limit key, a call that saves the text in that field)."""
    alice, owner = service.user("alice"), service.user(OWNER)
    moderator = service.user(MODERATOR)
    thread = service.open_discussion(alice, PLAIN, "Setup", "setup")
    proposal = service.propose_tags(alice, PLAIN_2, ["ethics-rigorous"], "setup")
    service.report(alice, OTHERS, "spam", "setup")  # an open report, for bulk dismissal
    return {
        "report context": ("context", lambda t: service.report(alice, PLAIN, "spam", t)),
        "comment": ("comment", lambda t: service.comment(alice, thread.id, t)),
        "discussion body": (
            "comment",
            lambda t: service.open_discussion(alice, PLAIN, "Title", t),
        ),
        "discussion title": (
            "title",
            lambda t: service.open_discussion(alice, PLAIN, t, "Body"),
        ),
        "tag-proposal note": (
            "comment",
            lambda t: service.propose_tags(alice, PLAIN, ["ethics-inclusive"], t),
        ),
        "proposal decision note": (
            "comment",
            lambda t: service.decide_proposal(owner, proposal.id, merge=False, note=t),
        ),
        "access reason": ("reason", lambda t: service.request_access(alice, GATED, t)),
        "moderator note": ("note", lambda t: service.moderate(moderator, PLAIN, "downgrade", t)),
        "bulk dismissal note": (
            "note",
            lambda t: moderation.bulk_dismiss(service, moderator, [OTHERS], t),
        ),
    }


FIELDS = [
    "report context",
    "comment",
    "discussion body",
    "discussion title",
    "tag-proposal note",
    "proposal decision note",
    "access reason",
    "moderator note",
    "bulk dismissal note",
]


@pytest.mark.parametrize("name", FIELDS)
def test_each_text_field_refuses_over_long_text_clearly(
    make_service: MakeService, settings: Settings, name: str
) -> None:
    service = make_service()
    key, save = _fields(service)[name]
    limit = README_LIMITS[key]
    assert LIMITS[key] == limit, "the service's limit differs from the README's"
    before = count(settings)
    with pytest.raises(InvalidInput) as refused:
        save("x" * (limit + 1))
    label = key.replace("_", " ")
    assert refused.value.message == (
        f"The {label} is too long ({limit + 1} characters; the limit is {limit})."
    )
    assert count(settings) == before
    # Exactly at the limit it is accepted (and surrounding blanks do not count).
    save("  " + "y" * limit + "\n")
    assert count(settings) > before


@pytest.mark.parametrize("name", FIELDS)
def test_each_text_field_refuses_control_characters(
    make_service: MakeService, settings: Settings, name: str
) -> None:
    service = make_service()
    _, save = _fields(service)[name]
    before = count(settings)
    for text in ("nul\x00", "escape \x1b[2J", "c1 \x9b"):
        with pytest.raises(InvalidInput, match="control characters; please remove them"):
            save(text)
    assert count(settings) == before


def test_discussion_titles_are_kept_on_one_line(service: Safeguards) -> None:
    alice = service.user("alice")
    discussion = service.open_discussion(alice, PLAIN, "  Two\nlines \t and\n\n  gaps ", "Hi")
    assert discussion.title == "Two lines and gaps"


def test_tags_are_limited_too(service: Safeguards, settings: Settings) -> None:
    alice = service.user("alice")
    with pytest.raises(InvalidInput, match=r"too long \(51 characters; the limit is 50\)"):
        service.propose_tags(alice, PLAIN, ["t" * 51])
    with pytest.raises(InvalidInput, match="not a valid tag"):
        service.propose_tags(alice, PLAIN, ["<script>"])
    assert count(settings) == 0


# -- the messages over HTTP ------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(
        tmp_path_factory.mktemp("limits"),
        accounts={"alice": "alice-pass", "bob": "bob-pass"},
        extra_env={"SAFEGUARDS_REPORTS_PER_HOUR": "2", "SAFEGUARDS_COMMENTS_PER_HOUR": "2"},
    )
    yield running
    running.stop()


def _signed_in(app: RunningApp, user: str) -> httpx.Client:
    http = httpx.Client(base_url=app.url, timeout=30)
    assert http.post("/login", data={"username": user, "password": f"{user}-pass"}).is_success
    return http


def _rest(http: httpx.Client, name: str, data: list) -> tuple[bool, str]:
    posted = http.post(f"/gradio_api/call/{name}", json={"data": data})
    text = http.get(f"/gradio_api/call/{name}/{posted.json()['event_id']}").text
    body = json.loads(re.findall(r"^data: (.*)$", text, re.M)[-1])
    if "event: complete" in text:
        return True, str(body[0])
    return False, str((body or {}).get("error"))


def _queue(http: httpx.Client, session_hash: str, fn_index: int, data: list) -> dict:
    return queue_call(http, fn_index, data, session_hash=session_hash)


@pytest.mark.slow
def test_rate_limits_answer_with_a_clear_message_over_http(limited_app: RunningApp) -> None:
    alice, bob = _signed_in(limited_app, "alice"), _signed_in(limited_app, "bob")
    for artifact in (PLAIN, PLAIN_2):
        ok, _ = _rest(alice, "report", [artifact, "spam", "Spam links."])
        assert ok
    before = read_events(limited_app.state_dir)
    ok, error = _rest(alice, "report", [OTHERS, "spam", "A third report."])
    assert not ok
    assert error == (
        "You have sent 2 reports in the last hour, the most allowed. Please try again later."
    )
    assert read_events(limited_app.state_dir) == before
    assert _rest(bob, "report", [OTHERS, "spam", "Bob's first."])[0]

    # Comments through the page's own handlers: open a discussion, reply, reply again.
    config = alice.get("/config").json()
    components = {c["id"]: c for c in config["components"]}

    def handler(elem_id: str) -> int:
        return next(
            d["id"]
            for d in config["dependencies"]
            if any(
                components.get(t, {}).get("props", {}).get("elem_id") == elem_id and e == "click"
                for t, e in d["targets"]
            )
        )

    page = secrets.token_hex(8)
    opened = _queue(alice, page, handler("open-artifact"), [PLAIN, None, "popup", "", "open", ""])
    assert opened["success"]
    discussion = next(
        e.payload["discussion_id"]
        for e in read_events(limited_app.state_dir)
        if e.type == "report.filed" and e.actor == "alice" and e.payload["artifact_id"] == PLAIN
    )
    reply = handler("send-reply")
    for n in range(2):
        sent = _queue(alice, page, reply, [PLAIN, None, "popup", "", "open", discussion, f"R{n}."])
        assert sent["success"], sent
    before = read_events(limited_app.state_dir)
    refused = _queue(alice, page, reply, [PLAIN, None, "popup", "", "open", discussion, "R3."])
    assert not refused["success"]
    assert refused["refusal"] == (  # a toast, not an error state
        "You have sent 2 comments in the last hour, the most allowed. Please try again later."
    )
    assert read_events(limited_app.state_dir) == before
    alice.close()
    bob.close()


# -- memory per anonymous call ----------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.slow
def test_anonymous_api_calls_do_not_grow_memory(tmp_path: Path) -> None:
    app = start_app(tmp_path, demo=True)
    try:
        with httpx.Client(base_url=app.url, timeout=30) as visitor:
            search = ["bloom", [], [], "", "", "trending", 1]
            for _ in range(20):  # warm-up: caches, first imports
                assert _rest(visitor, "search", search)[0]
            before = _rss_kib(app.process.pid)
            calls = 80
            for _ in range(calls):
                assert _rest(visitor, "search", search)[0]
            growth = (_rss_kib(app.process.pid) - before) / calls
    finally:
        app.stop()
    assert growth < 100, f"{growth:.0f} KiB kept per anonymous call"
