"""The running app through HTTP: the named endpoints of the contract (/search, /report,
/moderate) with `gradio_client` and raw httpx, and every UI event function called
directly over Gradio's queue protocol.

The design says a hidden component or `api_visibility="private"` protects nothing: raw
HTTP reaches every event function. So the tests call the private handlers (merge, approve,
...) as a member with ids that would change another user's content if a check were
missing, then as the owner to prove the same calls do change state when allowed.
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
from apprunner import ACCOUNTS, MODERATORS, RunningApp, start_app
from gradio_client import Client
from gradio_client.exceptions import AppError
from gradio_queue import queue_call

from safeguards.config import Settings
from safeguards.eventlog import Event, read_events
from safeguards.search import SearchQuery, Sort
from safeguards.service import Safeguards

pytestmark = pytest.mark.slow

REPORTED = "bigscience/bloom"  # owned by neither test account
MODERATED = "demo-lab/tiny-sentiment-probe"  # downgraded and restored by mod-ana
PROPOSED = "demo-studio/recipe-assistant-1b"  # demo-studio's, no content warning
GATED = "demo-studio/face-attribute-classifier"  # demo-studio's, gated in the catalog
OWNER = "demo-studio"
MODERATOR = "mod-ana"

# What a member may ever write. Anything else by alice is an escalation.
MEMBER_EVENTS = frozenset(
    {
        "report.filed",
        "report.extended",
        "comment.added",
        "discussion.opened",
        "proposal.opened",
        "access.requested",
        "preference.set",
    }
)

# -- running apps and callers ----------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(
        tmp_path_factory.mktemp("api-accounts"), accounts=ACCOUNTS, moderators=MODERATORS
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("api-demo"), demo=True)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(app: RunningApp) -> Callable[[str], Client]:
    """gradio_client signed in as a test account (one client per account)."""
    cache: dict[str, Client] = {}

    def get(user: str) -> Client:
        if user not in cache:
            cache[user] = Client(app.url, auth=(user, ACCOUNTS[user]), verbose=False)
        return cache[user]

    return get


@pytest.fixture(scope="module")
def http(app: RunningApp) -> Iterator[Callable[[str], httpx.Client]]:
    """Raw httpx signed in through Gradio's /login form (the session cookie)."""
    cache: dict[str, httpx.Client] = {}

    def get(user: str) -> httpx.Client:
        if user not in cache:
            session = httpx.Client(base_url=app.url, timeout=30)
            response = session.post("/login", data={"username": user, "password": ACCOUNTS[user]})
            assert response.status_code == 200, response.text
            cache[user] = session
        return cache[user]

    yield get
    for session in cache.values():
        session.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Safeguards:
    """An in-process service over the same (demo) catalog and an empty state folder."""
    state = tmp_path_factory.mktemp("reference") / "state"
    return Safeguards.open(Settings(state_dir=state, moderators=frozenset({MODERATOR})))


def events(app: RunningApp) -> list[Event]:
    return read_events(app.state_dir)


def ids_of(result: dict) -> list[str]:
    return [row["id"] for row in result["results"]]


def found(client: Client, artifact_id: str, sort: str) -> bool:
    name = artifact_id.split("/")[1]
    result = client.predict(query=name, sort=sort, api_name="/search")
    return artifact_id in ids_of(result)


# -- the queue protocol (what the browser does for every event) -------------------------


def config_of(session: httpx.Client) -> dict:
    response = session.get("/config")
    assert response.status_code == 200, response.text
    return response.json()


def components_of(config: dict) -> dict[int, dict]:
    return {c["id"]: c for c in config["components"]}


def elem_id(component: dict | None) -> str | None:
    return (component or {}).get("props", {}).get("elem_id")


def dependency(config: dict, trigger_elem_id: str, event: str = "click") -> dict:
    """The event function a component triggers, found by the component's elem_id."""
    components = components_of(config)
    matches = [
        d
        for d in config["dependencies"]
        if any(
            elem_id(components.get(target)) == trigger_elem_id and name == event
            for target, name in d["targets"]
        )
    ]
    assert len(matches) == 1, f"{len(matches)} {event} handlers on #{trigger_elem_id}"
    return matches[0]


class Page:
    """One browser tab: an httpx session, the app's config and one session_hash, so the
    server's per-tab state (the choices it last sent each dropdown) carries over between
    calls. The persona is a State in accounts mode (the server ignores what is sent) and
    the persona dropdown in demo mode."""

    def __init__(self, session: httpx.Client, persona: str | None = None) -> None:
        self.session = session
        self.config = config_of(session)
        self.session_hash = secrets.token_hex(8)
        self.persona = persona

    def act(self, trigger: str, artifact_id: str, *extras: Any, discussion: str = "") -> dict:
        """An artifact-tab handler: its inputs are the page's (artifact id, persona,
        browser preference, revealed, community filter, open thread) followed by the
        button's own fields."""
        dep = dependency(self.config, trigger)
        components = components_of(self.config)
        inputs = [components[i] for i in dep["inputs"]]
        assert elem_id(inputs[0]) == "artifact-id", inputs[0]
        assert elem_id(inputs[5]) == "discussion-id", inputs[5]
        assert len(inputs) == 6 + len(extras), f"#{trigger} takes {len(inputs) - 6} fields"
        data = [artifact_id, self.persona, False, None, "open", discussion, *extras]
        return queue_call(self.session, dep["id"], data, session_hash=self.session_hash)

    def request_access(self, artifact_id: str, reason: str, **fields: Any) -> dict:
        """The Request access button: its inputs (the page's, the reason and one textbox,
        checkbox and dropdown per possible form field) go as one set, so they are sent by
        elem_id (`gate_text_0="..."` fills #gate-text-0); the rest stays empty."""
        dep = dependency(self.config, "request-access")
        components = components_of(self.config)
        given = {"artifact-id": artifact_id, "gate-reason": reason, "community-filter": "open"}
        given.update({k.replace("_", "-"): v for k, v in fields.items()})
        data = [given.get(elem_id(components[i])) for i in dep["inputs"]]
        return queue_call(self.session, dep["id"], data, session_hash=self.session_hash)

    def open(self, artifact_id: str) -> dict:
        """Open an artifact's page, as the Open button does (fills the pickers' choices)."""
        message = self.act("open-artifact", artifact_id)
        assert message["success"], error_of(message)
        return message


def error_of(message: dict) -> str:
    return str((message.get("output") or {}).get("error") or "")


# -- 1. /search ---------------------------------------------------------------------------

SEARCHES = [
    {},
    {"query": "bloom"},
    {"query": "bias", "sort": "downloads"},
    {"kinds": ["dataset"], "sort": "recent"},
    {"categories": ["consentful", "inclusive"]},
    {"query": "text", "kinds": ["model", "space"], "categories": ["sustainable"]},
    {"kinds": ["model"], "sort": "downloads", "page": 2},
    {"query": "demo-studio", "sort": "recent"},
    {"tag": "rail", "sort": "downloads"},
    {"license": "rail"},
    {"query": "no-such-artifact-anywhere"},
]


@pytest.mark.parametrize("params", SEARCHES, ids=lambda p: json.dumps(p) if p else "all")
def test_search_matches_the_service(
    client: Callable[[str], Client], reference: Safeguards, params: dict
) -> None:
    result = client("alice").predict(**params, api_name="/search")
    expected = reference.search(
        reference.user("alice"),
        SearchQuery(
            text=params.get("query", ""),
            kinds=tuple(params.get("kinds", ())),
            categories=tuple(params.get("categories", ())),
            tag=params.get("tag", ""),
            license=params.get("license", ""),
            sort=Sort(params.get("sort", "trending")),
            page=params.get("page", 1),
        ),
    )
    assert ids_of(result) == [row["id"] for row in expected.rows]
    assert (result["total"], result["page"], result["pages"]) == (
        expected.total,
        expected.page,
        expected.pages,
    )


def test_search_rejects_an_unknown_sort(client: Callable[[str], Client]) -> None:
    with pytest.raises(AppError, match="sort must be one of"):
        client("alice").predict(query="bloom", sort="popular", api_name="/search")


def test_search_filters_by_kind_and_category(client: Callable[[str], Client]) -> None:
    alice = client("alice")
    datasets = alice.predict(kinds=["dataset"], sort="downloads", api_name="/search")
    assert datasets["total"] > 0
    assert {row["kind"] for row in datasets["results"]} == {"dataset"}
    both = alice.predict(kinds=["dataset", "space"], api_name="/search")
    assert both["total"] > datasets["total"]
    assert {row["kind"] for row in both["results"]} <= {"dataset", "space"}

    everything = alice.predict(api_name="/search")["total"]
    consentful = alice.predict(categories=["consentful"], api_name="/search")
    assert 0 < consentful["total"] < everything
    assert all("consentful" in row["categories"] for row in consentful["results"])
    either = alice.predict(categories=["consentful", "sustainable"], api_name="/search")
    assert either["total"] > consentful["total"]
    assert all({"consentful", "sustainable"} & set(row["categories"]) for row in either["results"])


# -- 2. /report ---------------------------------------------------------------------------


def test_report_is_saved_and_duplicates_gather(
    app: RunningApp, client: Callable[[str], Client]
) -> None:
    before = len(events(app))
    first = client("alice").predict(
        REPORTED, "spam", "Posts ads in every comment.", api_name="/report"
    )
    assert re.fullmatch(r"R-[0-9a-f]+", first), first
    new = events(app)[before:]
    assert [(e.type, e.actor, e.payload["report_id"]) for e in new] == [
        ("report.filed", "alice", first)
    ]
    assert new[0].payload["artifact_id"] == REPORTED

    again = client("alice").predict(REPORTED, "spam", "And in the card too.", api_name="/report")
    assert again == first
    assert [(e.type, e.actor) for e in events(app)[before + 1 :]] == [("report.extended", "alice")]

    other = client("bob").predict(REPORTED, "spam", "Seen it too.", api_name="/report")
    assert re.fullmatch(r"R-[0-9a-f]+", other) and other != first
    last = events(app)[-1]
    assert (last.type, last.actor, last.payload["report_id"]) == ("report.filed", "bob", other)


@pytest.mark.parametrize(
    ("artifact_id", "reason", "context", "message"),
    [
        (REPORTED, "spam", "", "context is required"),
        (REPORTED, "spam", "   \n ", "context is required"),
        (REPORTED, "spam", "x" * 6000, "too long"),
        (REPORTED, "not-a-reason", "Looks wrong.", "Choose a reason"),
        ("nobody/nothing-here", "spam", "Looks wrong.", "No artifact"),
        (REPORTED, "spam", "nul\x00byte", "control characters"),
    ],
    ids=["empty", "blank", "6000-chars", "unknown-reason", "unknown-artifact", "nul-byte"],
)
def test_report_refuses_bad_input(
    app: RunningApp,
    client: Callable[[str], Client],
    artifact_id: str,
    reason: str,
    context: str,
    message: str,
) -> None:
    before = len(events(app))
    with pytest.raises(AppError, match=message):
        client("alice").predict(artifact_id, reason, context, api_name="/report")
    assert len(events(app)) == before


# -- 3. /moderate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "artifact_id"),
    [("alice", MODERATED), ("bob", MODERATED), (OWNER, PROPOSED)],
    ids=["alice", "bob", "owner-on-own-artifact"],
)
def test_moderate_is_for_moderators_only(
    app: RunningApp, client: Callable[[str], Client], user: str, artifact_id: str
) -> None:
    before = len(events(app))
    with pytest.raises(AppError, match="Only moderators"):
        client(user).predict(artifact_id, "make_private", "I say so.", api_name="/moderate")
    assert len(events(app)) == before


def test_moderator_downgrades_and_restores(
    app: RunningApp, client: Callable[[str], Client]
) -> None:
    moderator, alice = client(MODERATOR), client("alice")
    assert found(alice, MODERATED, "trending")
    before = len(events(app))
    state = moderator.predict(MODERATED, "downgrade", "Misleading claims.", api_name="/moderate")
    assert state["artifact_id"] == MODERATED
    assert state["visibility"] == "downgraded"
    new = events(app)[before:]
    assert [(e.type, e.actor, e.payload["action"]) for e in new] == [
        ("moderation.action", MODERATOR, "downgrade")
    ]
    assert new[0].payload["note"] == "Misleading claims."
    assert not found(alice, MODERATED, "trending")
    assert not found(alice, MODERATED, "recent")
    assert found(alice, MODERATED, "downloads")

    state = moderator.predict(MODERATED, "restore_visibility", "Fixed.", api_name="/moderate")
    assert state["visibility"] == "public"
    assert events(app)[-1].payload["action"] == "restore_visibility"
    assert found(alice, MODERATED, "trending")


@pytest.mark.parametrize(
    ("artifact_id", "action", "note", "message"),
    [
        (MODERATED, "downgrade", "", "note is required"),
        (MODERATED, "explode", "Because.", "Unknown action"),
        ("nobody/nothing-here", "downgrade", "Because.", "No artifact"),
    ],
    ids=["missing-note", "unknown-action", "unknown-artifact"],
)
def test_moderate_refuses_bad_input(
    app: RunningApp,
    client: Callable[[str], Client],
    artifact_id: str,
    action: str,
    note: str,
    message: str,
) -> None:
    before = len(events(app))
    with pytest.raises(AppError, match=message):
        client(MODERATOR).predict(artifact_id, action, note, api_name="/moderate")
    assert len(events(app)) == before


def test_appeal_is_the_owners_once_with_a_statement(
    app: RunningApp, client: Callable[[str], Client]
) -> None:
    """The owner appeals a decision on their artifact over /appeal; a member, an empty
    statement, an unknown id and a second appeal are refused and write nothing."""
    client(MODERATOR).predict(
        GATED, "downgrade", "Claims beyond the evidence.", api_name="/moderate"
    )
    action = events(app)[-1]
    assert action.type == "moderation.action"
    action_id = action.payload["action_id"]
    refusals = [
        ("alice", action_id, "I disagree.", "Only the person"),
        (OWNER, action_id, "", "statement is required"),
        (OWNER, "MA-nothing", "I disagree.", "No moderator decision"),
    ]
    for user, target, statement, message in refusals:
        before = len(events(app))
        with pytest.raises(AppError, match=message):
            client(user).predict(target, statement, api_name="/appeal")
        assert len(events(app)) == before, user

    appeal_id = client(OWNER).predict(action_id, "The claims are in the paper.", api_name="/appeal")
    filed = events(app)[-1]
    assert (filed.type, filed.actor) == ("appeal.filed", OWNER)
    assert filed.payload["appeal_id"] == appeal_id
    assert filed.payload["action_id"] == action_id
    before = len(events(app))
    with pytest.raises(AppError, match="already"):
        client(OWNER).predict(action_id, "Again.", api_name="/appeal")
    assert len(events(app)) == before


def test_every_named_endpoint_is_documented(http: Callable[[str], httpx.Client]) -> None:
    """The README's API section names each endpoint the running app serves."""
    info = http("alice").get("/gradio_api/info").json()
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    served = set(info["named_endpoints"])
    assert {"/search", "/report", "/moderate", "/claim", "/decide_access"} <= served
    missing = sorted(name for name in served if f"`{name}`" not in section)
    assert not missing, f"endpoints missing from the README's API section: {missing}"


THREADED = "demo-studio/neighbourhood-reviews"  # demo-studio's: hide and lock over the API
PORTRAITS = "demo-studio/scraped-portraits-40k"  # demo-studio's, gated, no form in its card


def refused(app: RunningApp, call: Callable[[], Any], message: str) -> None:
    """The call is refused with `message` and writes nothing."""
    before = len(events(app))
    with pytest.raises(AppError, match=message):
        call()
    assert len(events(app)) == before, message


def test_claims_over_the_api(app: RunningApp, client: Callable[[str], Client]) -> None:
    """/claim and /release_claim: moderators only; a claim is the caller's, and only the
    holder gives it back."""
    moderator = client(MODERATOR)
    refused(app, lambda: client("alice").predict(REPORTED, api_name="/claim"), "Only moderators")
    held = moderator.predict(REPORTED, api_name="/claim")
    assert (held["artifact_id"], held["moderator"]) == (REPORTED, MODERATOR)
    assert (events(app)[-1].type, events(app)[-1].actor) == ("moderation.claimed", MODERATOR)
    refused(
        app,
        lambda: client("alice").predict(REPORTED, api_name="/release_claim"),
        "Only moderators",
    )
    assert moderator.predict(REPORTED, api_name="/release_claim") == REPORTED
    assert events(app)[-1].type == "moderation.released"
    refused(app, lambda: moderator.predict(REPORTED, api_name="/release_claim"), "no claim")
    refused(app, lambda: moderator.predict("nobody/nothing", api_name="/claim"), "No artifact")


def test_hide_and_lock_with_reasons_over_the_api(
    app: RunningApp, client: Callable[[str], Client], http: Callable[[str], httpx.Client]
) -> None:
    """The owner hides a reply in a thread of their artifact over /hide_comment (with a
    reason; members refused); a moderator locks the thread over /moderate_discussion
    with a public reason, and a reason that is not one of the list is refused."""
    client("bob").predict(THREADED, "privacy", "Names real people.", api_name="/report")
    filed = events(app)[-1]
    thread = filed.payload["discussion_id"]
    reply = Page(http("bob"))
    reply.open(THREADED)
    sent = reply.act("send-reply", THREADED, "Also, unrelated: buy my course.", discussion=thread)
    assert sent["success"], error_of(sent)
    added = events(app)[-1]
    assert added.type == "comment.added"
    comment = added.payload["comment_id"]

    hide = "/hide_comment"
    # A member who is not in the report's thread does not learn it exists.
    refused(app, lambda: client("alice").predict(comment, "spam", api_name=hide), "No discussion")
    refused(app, lambda: client("bob").predict(comment, "spam", api_name=hide), "Only the owner")
    owner = client(OWNER)
    refused(app, lambda: owner.predict(comment, "boring", api_name=hide), "Choose why")
    refused(
        app, lambda: owner.predict(filed.payload["comment_id"], "spam", api_name=hide), "report"
    )
    hidden = owner.predict(comment, "off-topic", api_name=hide)
    assert hidden == {"comment_id": comment, "hidden_as": "off-topic"}
    event = events(app)[-1]
    assert (event.type, event.actor, event.payload["reason"]) == (
        "comment.hidden",
        OWNER,
        "off-topic",
    )
    refused(app, lambda: owner.predict(comment, "spam", api_name=hide), "already hidden")

    moderator = client(MODERATOR)
    lock = ("lock_discussion", "Settled in the thread.")
    refused(
        app,
        lambda: moderator.predict(
            THREADED, thread, *lock, "", "boring", api_name="/moderate_discussion"
        ),
        "lock reason",
    )
    refused(
        app,
        lambda: moderator.predict(
            THREADED, thread, "make_private", "Not here.", "", "", api_name="/moderate_discussion"
        ),
        "discussion action",
    )
    state = moderator.predict(
        THREADED, thread, *lock, "", "resolved", api_name="/moderate_discussion"
    )
    assert state == {"discussion_id": thread, "status": "locked"}
    event = events(app)[-1]
    assert (event.type, event.actor) == ("moderation.action", MODERATOR)
    assert (event.payload["action"], event.payload["reason"]) == ("lock_discussion", "resolved")
    assert event.payload["discussion_id"] == thread


def test_access_decisions_over_the_api(app: RunningApp, client: Callable[[str], Client]) -> None:
    """/decide_access: the owner rejects with a reason the requester is shown; a member,
    an unknown decision, a reason over 200 characters and a second decision are refused."""
    filed = client("alice").predict(PORTRAITS, "Auditing consent.", api_name="/request_access")
    assert filed["status"] == "pending"
    decide = "/decide_access"
    request_id = filed["id"]
    refused(
        app,
        lambda: client("bob").predict(request_id, "approve", "", api_name=decide),
        "owner",
    )
    owner = client(OWNER)
    refused(app, lambda: owner.predict(request_id, "maybe", "", api_name=decide), "approve")
    refused(app, lambda: owner.predict(request_id, "reject", "x" * 201, api_name=decide), "200")
    refused(app, lambda: owner.predict("A-nothing", "reject", "", api_name=decide), "No access")
    note = "Only for consent audits by a named lab."
    decided = owner.predict(request_id, "reject", note, api_name=decide)
    assert decided == {"id": request_id, "status": "rejected"}
    event = events(app)[-1]
    assert (event.type, event.actor) == ("access.decided", OWNER)
    assert (event.payload["status"], event.payload["note"]) == ("rejected", note)
    refused(app, lambda: owner.predict(request_id, "approve", "", api_name=decide), "already")


# -- 4. visitors --------------------------------------------------------------------------


def test_visitor_is_refused_over_raw_http(
    app: RunningApp, http: Callable[[str], httpx.Client]
) -> None:
    calls = {
        "report": [REPORTED, "spam", "A visitor's report."],
        "moderate": [MODERATED, "make_private", "A visitor's action."],
    }
    config = config_of(http("alice"))
    fn_index = {d["api_name"]: d["id"] for d in config["dependencies"]}
    before = len(events(app))
    cookie = {f"access-token-{config['app_id']}": "forged"}
    for cookies in ({}, cookie):
        with httpx.Client(base_url=app.url, timeout=30, cookies=cookies) as visitor:
            for name, data in calls.items():
                response = visitor.post(f"/gradio_api/call/{name}", json={"data": data})
                assert response.status_code == 401, (name, response.text)
                joined = visitor.post(
                    "/gradio_api/queue/join",
                    json={"data": data, "fn_index": fn_index[name], "session_hash": "visitor1"},
                )
                assert joined.status_code == 401, (name, joined.text)
    assert len(events(app)) == before
    # Control: the same routes answer a signed-in caller (bad data, so nothing is written).
    alice = http("alice")
    accepted = alice.post("/gradio_api/call/report", json={"data": [REPORTED, "nope", "x"]})
    assert accepted.status_code == 200, accepted.text
    event_id = accepted.json()["event_id"]
    answer = alice.get(f"/gradio_api/call/report/{event_id}").text
    assert "event: error" in answer and "Choose a reason" in answer, answer
    assert len(events(app)) == before


# -- 5. private UI event functions over raw HTTP --------------------------------------------


@pytest.fixture(scope="module")
def pending(app: RunningApp, http: Callable[[str], httpx.Client]) -> dict[str, str]:
    """As alice, through the UI handlers: a tag proposal on demo-studio's artifact and an
    access request to demo-studio's gated artifact. Returns their ids."""
    page = Page(http("alice"))
    page.open(PROPOSED)
    proposed = page.act("propose-submit", PROPOSED, ["not-for-all-audiences"], "Gory photos.")
    assert proposed["success"], error_of(proposed)
    page.open(GATED)
    requested = page.request_access(GATED, "For a bias audit.")
    assert requested["success"], error_of(requested)
    by_alice = [e for e in events(app) if e.actor == "alice"]
    proposal = next(e.payload for e in reversed(by_alice) if e.type == "proposal.opened")
    request = next(e.payload for e in reversed(by_alice) if e.type == "access.requested")
    assert proposal["artifact_id"] == PROPOSED and request["artifact_id"] == GATED
    return {
        "proposal": proposal["proposal_id"],
        "discussion": proposal["discussion_id"],
        "request": request["request_id"],
    }


def decisions(app: RunningApp, pending: dict[str, str]) -> list[Event]:
    """Every decision on the pending proposal, access request or proposal discussion."""

    def about(event: Event) -> bool:
        payload = event.payload
        return (
            (event.type == "proposal.decided" and payload.get("proposal_id") == pending["proposal"])
            or (event.type == "access.decided" and payload.get("request_id") == pending["request"])
            or (
                event.type == "discussion.status"
                and payload.get("discussion_id") == pending["discussion"]
            )
        )

    return [e for e in events(app) if about(e)]


REFUSED = "owner or a moderator"
NOT_OFFERED = "not in the list of choices"  # Gradio's own check of a dropdown value


@pytest.mark.parametrize(
    ("trigger", "artifact_id", "kind", "refusals"),
    [
        ("merge", PROPOSED, "proposal", (REFUSED,)),
        ("close-proposal", PROPOSED, "proposal", (REFUSED,)),
        ("close-discussion", PROPOSED, "discussion", (REFUSED,)),
        # alice's page never lists access requests, so Gradio may refuse the id first.
        ("approve", GATED, "request", (REFUSED, NOT_OFFERED)),
        ("reject", GATED, "request", (REFUSED, NOT_OFFERED)),
    ],
)
def test_member_cannot_call_owner_handlers(
    app: RunningApp,
    http: Callable[[str], httpx.Client],
    pending: dict[str, str],
    trigger: str,
    artifact_id: str,
    kind: str,
    refusals: tuple[str, ...],
) -> None:
    """As alice, on a page she opened (so the pickers list the proposal and its
    discussion), the owner's buttons called directly with demo-studio's ids."""
    page = Page(http("alice"))
    page.open(artifact_id)
    before = len(events(app))
    if kind == "request":
        message = page.act(trigger, artifact_id, pending[kind], "")  # the id, no reason
    else:  # the pull request's (or discussion's) thread is the open one
        message = page.act(trigger, artifact_id, discussion=pending["discussion"])
    assert not message["success"]
    assert any(refusal in error_of(message) for refusal in refusals), error_of(message)
    assert len(events(app)) == before


def fill(component: dict, pending: dict[str, str]) -> Any:
    """A plausible value for one input: the pending ids where a picker wants an id,
    demo-studio's artifact where a text is wanted, the first choice of a dropdown."""
    by_elem_id: dict[str, Any] = {
        "artifact-id": PROPOSED,
        "access-pick": pending["request"],
        "discussion-id": pending["discussion"],
        "flag-reason": "spam",
        "propose-tags": ["ethics-rigorous"],
    }
    key = elem_id(component)
    if key in by_elem_id:
        return by_elem_id[key]
    kind, props = component["type"], component.get("props", {})
    if kind == "state":
        return None
    if kind == "browserstate":
        return False
    if kind == "checkbox":
        return True
    if kind == "checkboxgroup":
        return []
    if kind == "number":
        return 1
    if kind in ("dropdown", "radio"):
        choices = props.get("choices") or []
        return choices[0][1] if choices else None
    if kind == "dataframe":
        return props.get("value")
    return PROPOSED


JUNK = (None, -1, "\x00", {"k": [1]}, ["x", 2], True, "demo-studio/../../etc", 1e308)


def plausible_data(dep: dict, components: dict[int, dict], pending: dict[str, str]) -> list:
    named = {
        "search": ["", [], [], "", "", "trending", 1],
        "report": [PROPOSED, "spam", "Sweeping."],
        "moderate": [PROPOSED, "make_private", "Sweeping."],
    }
    if dep.get("api_name") in named and dep.get("api_visibility") == "public":
        return named[dep["api_name"]]
    return [fill(components[i], pending) for i in dep["inputs"]]


def test_every_event_function_as_member_changes_nothing_it_may_not(
    app: RunningApp, http: Callable[[str], httpx.Client], pending: dict[str, str]
) -> None:
    """Every dependency of the page, private or not, called as alice in one tab that has
    demo-studio's artifact open: first with junk, then with plausible data aimed at
    demo-studio's proposal, access request and discussion. Each call must complete (a
    refusal is fine), and alice must end up having written only what a member may."""
    page = Page(http("alice"))
    page.open(PROPOSED)
    components = components_of(page.config)
    select = {"index": [0, 0], "value": PROPOSED, "row_value": [PROPOSED]}
    called = []
    for round_ in ("junk", "plausible"):
        for dep in page.config["dependencies"]:
            if not dep.get("backend_fn", True):
                continue
            if round_ == "junk":
                data = [JUNK[n % len(JUNK)] for n in range(len(dep["inputs"]))]
            else:
                data = plausible_data(dep, components, pending)
            message = queue_call(
                page.session, dep["id"], data, event_data=select, session_hash=page.session_hash
            )
            called.append(
                (round_, dep["id"], dep["api_name"], message["success"], error_of(message))
            )
    assert len(called) >= 40, called
    escalations = [
        (e.type, e.payload)
        for e in events(app)
        if e.actor == "alice" and e.type not in MEMBER_EVENTS
    ]
    assert escalations == [], called
    assert decisions(app, pending) == [], called
    assert config_of(page.session)["dependencies"], "the server still answers"
    assert app.process.poll() is None


def test_owner_can_call_the_same_handlers(
    app: RunningApp, http: Callable[[str], httpx.Client], pending: dict[str, str]
) -> None:
    """The control: the calls alice could not make do change state for demo-studio."""
    page = Page(http(OWNER))
    page.open(PROPOSED)
    merged = page.act("merge", PROPOSED, discussion=pending["discussion"])
    assert merged["success"], error_of(merged)
    page.open(GATED)
    approved = page.act("approve", GATED, pending["request"], "")
    assert approved["success"], error_of(approved)
    done = {(e.type, e.actor, e.payload["status"]) for e in decisions(app, pending)}
    assert done == {("proposal.decided", OWNER, "merged"), ("access.decided", OWNER, "approved")}


# -- 6. run history -----------------------------------------------------------------------


def test_run_history_is_off(http: Callable[[str], httpx.Client], demo_app: RunningApp) -> None:
    assert config_of(http("alice"))["run_history"] is False
    with httpx.Client(base_url=demo_app.url, timeout=30) as visitor:
        assert config_of(visitor)["run_history"] is False


# -- demo mode: the named API has no persona, so it is a visitor's -------------------------


def test_demo_mode_api_is_a_visitors(demo_app: RunningApp, reference: Safeguards) -> None:
    visitor = Client(demo_app.url, verbose=False)
    result = visitor.predict(query="bias", sort="downloads", api_name="/search")
    expected = reference.search(reference.user(None), SearchQuery(text="bias", sort=Sort.DOWNLOADS))
    assert ids_of(result) == [row["id"] for row in expected.rows]
    with pytest.raises(AppError, match="sign in"):
        visitor.predict(REPORTED, "spam", "From the API.", api_name="/report")
    with pytest.raises(AppError, match="Only moderators"):
        visitor.predict(MODERATED, "make_private", "From the API.", api_name="/moderate")
    assert read_events(demo_app.state_dir) == []


def test_demo_mode_persona_must_be_a_persona(demo_app: RunningApp) -> None:
    """The persona switcher is trusted in demo mode (by design, behind a banner), but only
    its own values: a username or a near-miss sent as the persona gives no rights."""
    with httpx.Client(base_url=demo_app.url, timeout=30) as session:
        page = Page(session, persona="member")
        page.open(PROPOSED)
        proposed = page.act("propose-submit", PROPOSED, ["ethics-rigorous"], "")
        assert proposed["success"], error_of(proposed)
        (opened,) = [e for e in read_events(demo_app.state_dir) if e.type == "proposal.opened"]
        thread = opened.payload["discussion_id"]
        page.open(PROPOSED)
        for persona in ("demo-studio", "demo-moderator", "Owner", "member", None):
            page.persona = persona
            message = page.act("merge", PROPOSED, discussion=thread)
            assert not message["success"], persona
        assert [e.type for e in read_events(demo_app.state_dir)] == ["proposal.opened"]
        # Control: the owner persona merges it.
        page.persona = "owner"
        merged = page.act("merge", PROPOSED, discussion=thread)
        assert merged["success"], error_of(merged)
    last = read_events(demo_app.state_dir)[-1]
    assert (last.type, last.actor) == ("proposal.decided", "demo-studio")


# -- 7. access forms ----------------------------------------------------------------------

LLAMA = "meta-llama/Llama-2-7b-hf"  # its card asks for a Hub-style form, approved by hand
GEMMA = "google/gemma-2b"  # its card approves automatically once the terms are ticked


def test_request_access_endpoint_checks_the_cards_form(
    app: RunningApp, client: Callable[[str], Client]
) -> None:
    """/request_access takes the answers as a JSON object; a missing or bad answer is a
    refusal with a reason and writes nothing; an automatic form approves at once."""
    answers = {
        "First Name": "Bob",
        "Last Name": "Example",
        "Date of birth": "1990-04-01",
        "Country": "Japan",
        "Affiliation": "Example Lab",
        "Intended use": "Research",
        "I accept the license and agree that the owner keeps what I share here": True,
    }
    refusals = [
        ({**answers, "Country": "Atlantis"}, "country from the list"),
        ({**answers, "Date of birth": "01/04/1990"}, "YYYY-MM-DD"),
        ({k: v for k, v in answers.items() if k != "Affiliation"}, "Please answer question 5"),
        ({**answers, "Intended use": "Astrology"}, "one of its options"),
    ]
    for bad, message in refusals:
        before = len(events(app))
        with pytest.raises(AppError, match=message):
            client("bob").predict(LLAMA, "", bad, api_name="/request_access")
        assert len(events(app)) == before, message
    filed = client("bob").predict(LLAMA, "", answers, api_name="/request_access")
    assert filed["status"] == "pending"
    event = events(app)[-1]
    assert (event.type, event.actor) == ("access.requested", "bob")
    assert event.payload["answers"]["Country"] == "JP" and "approval" not in event.payload

    agree = "I have read and agree to the Gemma terms of use"
    auto = client("bob").predict(GEMMA, "", {agree: True}, api_name="/request_access")
    assert auto["status"] == "approved"
    assert events(app)[-1].payload["approval"] == "auto"
    # Without a form, the endpoint works as before: a reason, no answers.
    plain = client("bob").predict(GATED, "For a bias audit (API).", api_name="/request_access")
    assert plain["status"] == "pending"


def test_only_the_owner_sets_an_access_form_over_raw_http(
    app: RunningApp, http: Callable[[str], httpx.Client]
) -> None:
    """The form editor's Save handler, called directly: a member is refused and writes
    nothing; the owner's form then applies to the next request made over raw HTTP."""
    fields = "Affiliation: text\nCountry: country"
    member = Page(http("alice"))
    member.open(PROPOSED)
    before = len(events(app))
    refused = member.act("access-form-save", PROPOSED, "auto", "Hi.", fields)
    assert not refused["success"] and "owner" in error_of(refused)
    assert len(events(app)) == before

    owner = Page(http(OWNER))
    owner.open(PROPOSED)
    bad = owner.act("access-form-save", PROPOSED, "auto", "", "Affiliation")
    assert not bad["success"] and "needs a type" in error_of(bad)
    saved = owner.act("access-form-save", PROPOSED, "auto", "Who are you?", fields)
    assert saved["success"], error_of(saved)
    event = events(app)[-1]
    assert (event.type, event.actor) == ("access.form_set", OWNER)
    assert event.payload["approval"] == "auto" and len(event.payload["fields"]) == 2
