"""The authorisation matrix: every event function of the running app, as every identity,
with plausible and junk arguments, over raw HTTP.

The functions are discovered, never listed: every dependency in `/config` (private UI
handlers included) and every named endpoint in `/gradio_api/info` (also called through
the REST API, `/gradio_api/call/<name>`). A function added later is called too.

Identities: a visitor (no sign-in: in accounts mode Gradio refuses every call; in demo
mode the visitor persona reaches every handler), two members (alice, bob), the owner of
the demo-studio/* artifacts and a moderator. Before each call the event log is read, and
after it; the new events must be ones the caller had the right to cause (DESIGN.md and
the README's roles):

- visitor: none;
- member: only events of their own (actor = caller): a report (or an extension of their
  own report), a comment in a discussion they can read and that is open, a discussion,
  a tag proposal, an access request, a preference;
- owner: a member's, plus proposal.decided / access.decided / access.form_set /
  discussion.status on artifacts of their own namespace, comment.hidden of a comment in
  one of their artifacts' threads (with a reason), and limit.set / limit.lifted on their
  artifacts;
- moderator: anything, except suspending themselves or another moderator.

Outputs are checked too: text only privileged readers may see (a report's context, an
access reason, a moderator's note, a private artifact's id) never reaches another caller.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from apprunner import ACCOUNTS, MODERATORS, RunningApp, start_app
from gradio_queue import queue_call

from safeguards.catalog import DEMO_CATALOG, load_catalog
from safeguards.config import Settings
from safeguards.eventlog import Event, read_events
from safeguards.policy import HIDE_REASONS
from safeguards.service import Safeguards
from safeguards.state import EVENT_TYPES

pytestmark = pytest.mark.slow

OWNED = "demo-studio/face-attribute-classifier"  # demo-studio's, gated in the catalog
FOREIGN = "bigcode/starcoder"  # nobody's here, gated in the catalog
PRIVATE = "demo-lab/tiny-sentiment-probe"  # made private by the moderator
OWNER, MODERATOR = "demo-studio", "mod-ana"
# Text only some callers may read: the secret -> who may see it.
SECRET_REPORT_FOREIGN = "secret-report-context-7f3a"  # bob's report on FOREIGN
SECRET_REPORT_OWNED = "secret-report-context-91bd"  # alice's report on OWNED
SECRET_ACCESS_FOREIGN = "secret-access-reason-c44e"  # alice's request on FOREIGN
SECRET_ACCESS_OWNED = "secret-access-reason-0d2b"  # alice's request on OWNED
SECRET_NOTE = "secret-moderator-note-5e61"  # the note making PRIVATE private
READERS: dict[str, set[str]] = {
    SECRET_REPORT_FOREIGN: {"bob", MODERATOR},
    SECRET_REPORT_OWNED: {"alice", OWNER, MODERATOR},
    SECRET_ACCESS_FOREIGN: {"alice", MODERATOR},
    SECRET_ACCESS_OWNED: {"alice", OWNER, MODERATOR},
    SECRET_NOTE: {MODERATOR},
    PRIVATE: {MODERATOR},
}
SELF_EVENTS = frozenset(
    {"report.filed", "discussion.opened", "proposal.opened", "access.requested", "preference.set"}
)
OWNER_EVENTS = frozenset(
    {
        "proposal.decided",
        "access.decided",
        "access.form_set",
        "discussion.status",
        "comment.hidden",
        "limit.set",
        "limit.lifted",
    }
)
# Only moderators: claims on queue items, suspensions (under "moderator: anything").
MODERATOR_ONLY = frozenset(
    {
        "moderation.action",
        "moderation.claimed",
        "moderation.released",
        "user.suspended",
        "suspension.lifted",
    }
)
MODERATOR_NAMES = frozenset(MODERATORS.split(",")) | {MODERATOR}
JUNK = (None, -1, "\x00", {"k": [1]}, ["x", 2], True, "../../etc/passwd", 1e308, "x" * 6000)
SELECT = {"index": [0, 0], "value": OWNED, "row_value": [OWNED]}


# -- the state the calls aim at ----------------------------------------------------------


@dataclass
class Target:
    """Ids on one artifact that a caller might try to act on."""

    artifact: str
    proposal: str = ""
    request: str = ""
    discussion: str = ""
    comment: str = ""
    proposal_thread: str = ""  # the proposal's discussion: the page opens it to merge


def seed(state_dir: Path) -> dict[str, Target]:
    """Open work on an artifact demo-studio owns and on one nobody here owns, written
    through the service before the app starts (the app folds it)."""
    service = Safeguards.open(
        Settings(state_dir=state_dir, moderators=frozenset({MODERATOR}), demo=False)
    )
    alice, bob = service.user("alice"), service.user("bob")
    targets = {}
    for name, artifact, report_by, report_secret, access_secret in (
        ("owned", OWNED, alice, SECRET_REPORT_OWNED, SECRET_ACCESS_OWNED),
        ("foreign", FOREIGN, bob, SECRET_REPORT_FOREIGN, SECRET_ACCESS_FOREIGN),
    ):
        proposal = service.propose_tags(alice, artifact, ["not-for-all-audiences"], "Gory.")
        request = service.request_access(alice, artifact, access_secret)
        discussion = service.open_discussion(bob, artifact, "Bob asks", "A question.")
        comment = service.comment(bob, discussion.id, "A follow-up.")
        service.report(report_by, artifact, "privacy", report_secret)
        targets[name] = Target(
            artifact, proposal.id, request.id, discussion.id, comment.id, proposal.discussion_id
        )
    service.moderate(service.user(MODERATOR), PRIVATE, "make_private", SECRET_NOTE)
    service.log.close()
    return targets


# -- the rules ---------------------------------------------------------------------------


@dataclass
class Thread:
    artifact: str
    kind: str
    status: str = "open"
    participants: set[str] = field(default_factory=set)


class Index:
    """What the rules need to know about the records events refer to."""

    def __init__(self, events: list[Event]) -> None:
        self.threads: dict[str, Thread] = {}
        self.proposals: dict[str, str] = {}  # id -> artifact
        self.proposal_threads: dict[str, str] = {}  # id -> discussion id
        self.requests: dict[str, str] = {}
        self.reporters: dict[str, str | None] = {}  # report id -> reporter
        self.comment_authors: dict[str, str] = {}  # comment id -> author
        self.comment_threads: dict[str, str] = {}  # comment id -> discussion id
        self.actions: dict[str, dict] = {}  # moderator action id -> its payload and actor
        self.appeals: dict[str, str] = {}  # appeal id -> action id
        for event in events:
            self.apply(event)

    def apply(self, event: Event) -> None:
        with contextlib.suppress(KeyError):  # a malformed (crafted) event teaches nothing
            self._apply(event)

    def _apply(self, event: Event) -> None:
        p, actor = event.payload, event.actor or ""
        opened = {"report.filed": "report", "discussion.opened": "discussion"}
        if event.type in opened or event.type == "proposal.opened":
            kind = opened.get(event.type, "proposal")
            self.threads[p["discussion_id"]] = Thread(p["artifact_id"], kind, "open", {actor})
        if event.type == "report.filed":
            self.reporters[p["report_id"]] = event.actor
        elif event.type == "proposal.opened":
            self.proposals[p["proposal_id"]] = p["artifact_id"]
            self.proposal_threads[p["proposal_id"]] = p["discussion_id"]
        elif event.type == "proposal.decided":
            thread = self.threads.get(self.proposal_threads.get(p.get("proposal_id"), ""))
            if thread is not None:
                thread.status = "closed"  # deciding a proposal closes its discussion
        elif event.type == "access.requested":
            self.requests[p["request_id"]] = p["artifact_id"]
        elif event.type == "comment.added" and p.get("discussion_id") in self.threads:
            self.threads[p["discussion_id"]].participants.add(actor)
        elif event.type == "appeal.filed":
            self.appeals[p["appeal_id"]] = p["action_id"]
        if p.get("comment_id") and event.type not in ("moderation.action", "comment.hidden"):
            self.comment_authors.setdefault(p["comment_id"], actor)
            if p.get("discussion_id"):
                self.comment_threads.setdefault(p["comment_id"], p["discussion_id"])
        if event.type == "moderation.action":
            self.actions[p["action_id"]] = {**p, "moderator": actor}
        elif event.type == "discussion.status" and p.get("discussion_id") in self.threads:
            self.threads[p["discussion_id"]].status = p["status"]
        elif event.type == "moderation.action" and p.get("discussion_id") in self.threads:
            status = {
                "lock_discussion": "locked",
                "close_discussion": "closed",
                "unlock_discussion": "open",
                "reopen_discussion": "open",
            }.get(p["action"])
            if status:
                self.threads[p["discussion_id"]].status = status


CATALOG = load_catalog(DEMO_CATALOG)


def author_of(artifact_id: str | None) -> str | None:
    """The owner of an artifact is its namespace (the catalog's `author`)."""
    if not artifact_id:
        return None
    found = CATALOG.get(artifact_id)
    return found.author if found is not None else None


def violations(username: str | None, moderator: bool, new: list[Event], index: Index) -> list:
    """The new events the caller had no right to cause."""
    wrong = []
    for event in new:
        p = event.payload
        if username is None or event.actor != username or event.type not in EVENT_TYPES:
            ok = False
        elif event.type == "appeal.filed":  # only the person the decision is about
            action = index.actions.get(p.get("action_id"), {})
            about = (
                index.comment_authors.get(action["comment_id"])
                if action.get("comment_id")
                else author_of(action.get("artifact_id"))
            )
            ok = bool(action) and about == username
        elif event.type == "appeal.decided":  # a moderator, not the one who acted
            action = index.actions.get(index.appeals.get(p.get("appeal_id"), ""), {})
            ok = moderator and bool(action) and action.get("moderator") != username
        elif event.type == "user.suspended":  # never oneself, never a moderator
            suspended = p.get("user")
            ok = moderator and suspended != username and suspended not in MODERATOR_NAMES
        elif moderator or event.type in SELF_EVENTS:
            ok = True
        elif event.type in ("limit.set", "limit.lifted"):  # the artifact's owner
            ok = author_of(p.get("artifact_id")) == username
        elif event.type == "report.extended":
            ok = index.reporters.get(p.get("report_id")) == username
        elif event.type == "comment.added":
            thread = index.threads.get(p.get("discussion_id"))
            ok = (
                thread is not None
                and thread.status == "open"
                and (
                    thread.kind != "report"
                    or username in thread.participants
                    or author_of(thread.artifact) == username
                )
            )
        elif event.type == "proposal.decided":
            ok = author_of(index.proposals.get(p.get("proposal_id"))) == username
        elif event.type == "access.decided":
            ok = author_of(index.requests.get(p.get("request_id"))) == username
        elif event.type == "access.form_set":  # the owner of the artifact it is on
            ok = author_of(p.get("artifact_id")) == username
        elif event.type == "comment.hidden":  # the owner of the thread's artifact
            thread = index.threads.get(p.get("discussion_id"))
            ok = (
                thread is not None
                and author_of(thread.artifact) == username
                and index.comment_threads.get(p.get("comment_id")) == p.get("discussion_id")
                and p.get("reason") in HIDE_REASONS
            )
        elif event.type == "discussion.status":
            thread = index.threads.get(p.get("discussion_id"))
            ok = (
                thread is not None
                and thread.status != "locked"
                and author_of(thread.artifact) == username
            )
        else:
            ok = False
        if not ok:
            wrong.append((event.type, event.actor, p))
        index.apply(event)
    return wrong


# -- HTTP --------------------------------------------------------------------------------


class Caller:
    """One identity in one browser tab over raw HTTP (session cookie + session_hash)."""

    def __init__(self, url: str, username: str | None, persona: str | None = None) -> None:
        self.username = username
        self.persona = persona  # demo mode: the persona dropdown's value
        self.http = httpx.Client(base_url=url, timeout=60)
        if username is not None:
            signed_in = self.http.post(
                "/login", data={"username": username, "password": ACCOUNTS[username]}
            )
            assert signed_in.status_code == 200, signed_in.text
        self.new_tab()

    def new_tab(self) -> None:
        self.session_hash = secrets.token_hex(8)

    def close(self) -> None:
        self.http.close()

    def queue(self, fn_index: int, data: list) -> dict:
        return queue_call(
            self.http, fn_index, data, event_data=SELECT, session_hash=self.session_hash
        )

    def rest(self, name: str, data: list) -> dict:
        posted = self.http.post(f"/gradio_api/call/{name}", json={"data": data})
        if posted.status_code != 200:
            return {"success": False, "http": posted.status_code, "output": {}}
        answer = self.http.get(f"/gradio_api/call/{name}/{posted.json()['event_id']}").text
        return {"success": "event: complete" in answer, "output": {"data": answer}}


@dataclass
class App:
    running: RunningApp
    config: dict
    info: dict
    persona: str | None  # demo mode: the visitor persona

    @property
    def components(self) -> dict[int, dict]:
        return {c["id"]: c for c in self.config["components"]}

    @property
    def functions(self) -> list[dict]:
        return [d for d in self.config["dependencies"] if d.get("backend_fn", True)]

    @property
    def named(self) -> dict[str, dict]:
        return {k.lstrip("/"): v for k, v in self.info["named_endpoints"].items()}


def elem_id(component: dict) -> str | None:
    return component.get("props", {}).get("elem_id")


def fill(component: dict, target: Target, persona: str | None) -> Any:
    """A plausible value for one input, aimed at the target's records."""
    by_elem_id: dict[str, Any] = {
        "artifact-id": target.artifact,
        "mod-item-id": target.artifact,
        "access-pick": target.request,
        "discussion-id": target.proposal_thread,
        "flag-target": target.discussion,
        "mod-discussion": target.discussion,
        "mod-comment": target.comment,
        "mod-bulk-pick": [target.artifact],
        "flag-reason": "spam",
        "propose-tags": ["ethics-inclusive"],
        "mod-action": "make_private",
        "mod-d-action": "lock_discussion",
        "mod-d-reason": "resolved",
        "owner-hide-comment": target.comment,
        "owner-hide-reason": "off-topic",
        "limit-level": "owner",
        "limit-duration": "1d",
        "suspend-user": "bob",
        "suspend-period": "1d",
        "suspend-lift-pick": "bob",
        "access-form-approval": "manual",
        "access-form-fields": "Affiliation: text\nCountry: country",
        "mod-status": "all",
        "persona": persona,
        "search-box": "bloom",
    }
    key = elem_id(component)
    if key in by_elem_id:
        return by_elem_id[key]
    kind, props = component["type"], component.get("props", {})
    if kind == "state":
        return None
    if kind == "browserstate":
        return "popup"
    if kind == "checkbox":
        return True
    if kind == "checkboxgroup":
        return []
    if kind == "number":
        return 1
    if kind in ("dropdown", "radio"):
        choices = props.get("choices") or []
        return [] if props.get("multiselect") else (choices[0][1] if choices else None)
    if kind == "dataframe":
        return props.get("value")
    return f"Matrix call on {target.artifact}."


PARAMETERS = {
    "artifact_id": lambda t: t.artifact,
    "reason": lambda t: "spam",
    "context": lambda t: f"Matrix report on {t.artifact}.",
    "action": lambda t: "make_private",
    "note": lambda t: "Matrix note.",
    "query": lambda t: "bloom",
    "level": lambda t: "owner",
    "duration": lambda t: "1d",
    "username": lambda t: "bob",
    "period": lambda t: "1d",
    "discussion_id": lambda t: t.discussion,
    "comment_id": lambda t: t.comment,
    "request_id": lambda t: t.request,
    "decision": lambda t: "reject",
}


def named_data(endpoint: dict, target: Target) -> list:
    data = []
    for parameter in endpoint["parameters"]:
        make = PARAMETERS.get(parameter["parameter_name"])
        if make is not None:
            data.append(make(target))
        elif parameter.get("parameter_has_default"):
            data.append(parameter.get("parameter_default"))
        else:
            data.append(parameter.get("example_input"))
    return data


def junk(count: int, offset: int) -> list:
    return [JUNK[(n + offset) % len(JUNK)] for n in range(count)]


# -- the running apps and the calls -----------------------------------------------------


@dataclass
class Outcome:
    """What one identity's calls did."""

    calls: int = 0
    refused: int = 0
    events: Counter = field(default_factory=Counter)
    violations: list = field(default_factory=list)  # (round, call, events it had no right to)
    leaks: list = field(default_factory=list)  # (round, call, secrets it was shown)
    alive: bool = True


@dataclass
class Matrix:
    apps: dict[str, App]  # "accounts" (one per stream) and "demo"
    targets: dict[str, dict[str, Target]]  # per app
    outcomes: dict[str, Outcome]
    functions: list[dict]
    named: dict[str, dict]


def describe(running: RunningApp, username: str | None, persona: str | None) -> App:
    with httpx.Client(base_url=running.url, timeout=30) as http:
        if username is not None:
            http.post("/login", data={"username": username, "password": ACCOUNTS[username]})
        config = http.get("/config").json()
        info = http.get("/gradio_api/info").json()
    return App(running, config, info, persona)


def open_function(app: App) -> dict:
    """The Open button of the artifact tab: fills the page's pickers for a target."""
    components = app.components
    for dep in app.functions:
        for target, event in dep["targets"]:
            if elem_id(components.get(target, {})) == "open-artifact" and event == "click":
                return dep
    raise AssertionError("no Open button")


def run_calls(app: App, caller: Caller, moderator: bool, targets: dict[str, Target]) -> Outcome:
    """Every function with plausible data aimed at each target's records, then once with
    junk; each call's new events checked against the rules, its answer for secrets."""
    outcome = Outcome()
    state_dir = app.running.state_dir
    components = app.components
    who = caller.username or "visitor"
    opener = open_function(app)
    rounds: list[tuple[str, Target | None]] = [*targets.items(), ("junk", None)]
    aim_default = next(iter(targets.values()))
    events = read_events(state_dir)
    for round_name, target in rounds:
        caller.new_tab()
        aim = target or aim_default
        caller.queue(
            opener["id"], [fill(components[i], aim, app.persona) for i in opener["inputs"]]
        )
        calls: list[tuple[str, str, Any, list]] = []
        for n, dep in enumerate(app.functions):
            if target is None:
                data = junk(len(dep["inputs"]), n)
            elif dep.get("api_name") in app.named and dep.get("api_visibility") == "public":
                data = named_data(app.named[dep["api_name"]], target)
            else:
                data = [fill(components[i], target, app.persona) for i in dep["inputs"]]
            calls.append((f"fn {dep['id']} {dep.get('api_name')}", "queue", dep["id"], data))
        for name, endpoint in app.named.items():
            count = len(endpoint["parameters"])
            data = junk(count, 3) if target is None else named_data(endpoint, target)
            calls.append((f"REST /{name}", "rest", name, data))
        for label, how, fn, data in calls:
            message = caller.queue(fn, data) if how == "queue" else caller.rest(fn, data)
            after = read_events(state_dir)
            known = {e.id for e in events}
            new = [e for e in after if e.id not in known]
            wrong = violations(caller.username, moderator, new, Index(events))
            if wrong:
                outcome.violations.append((round_name, label, wrong))
            shown = json.dumps(message, ensure_ascii=False)
            leaked = [s for s, readers in READERS.items() if s in shown and who not in readers]
            if leaked:
                outcome.leaks.append((round_name, label, leaked))
            outcome.calls += 1
            outcome.refused += not message.get("success")
            outcome.events.update(e.type for e in new)
            events = after
    outcome.alive = app.running.process.poll() is None
    return outcome


def demo_targets(state_dir: Path) -> dict[str, Target]:
    """The seeded ids of the demo app's own log."""
    targets = {"owned": Target(OWNED), "foreign": Target(FOREIGN)}
    for event in read_events(state_dir):
        for target in targets.values():
            if event.payload.get("artifact_id") != target.artifact:
                continue
            if event.type == "proposal.opened":
                target.proposal = event.payload["proposal_id"]
                target.proposal_thread = event.payload["discussion_id"]
            elif event.type == "access.requested":
                target.request = event.payload["request_id"]
            elif event.type == "discussion.opened":
                target.discussion = event.payload["discussion_id"]
    return targets


# Who calls, on which app, aiming at which records; the streams run side by side, the
# calls of one stream (one app, one event log) one after another, so each call's new
# events are its own. A member has the same rights on both artifacts (neither is theirs),
# so each member takes the one where their own records meet someone else's: alice, on
# bigcode's, her own proposal and request beside bob's report; bob, on demo-studio's,
# his own discussion beside alice's proposal, request and report. The owner and the
# moderator take both (their own artifact and another).
STREAMS: dict[str, list[tuple[str | None, bool, tuple[str, ...]]]] = {
    "accounts-1": [("alice", False, ("foreign",)), (OWNER, False, ("owned", "foreign"))],
    "accounts-2": [("bob", False, ("owned",)), (MODERATOR, True, ("owned", "foreign"))],
    "demo": [(None, False, ("owned",))],
}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    limits = {"SAFEGUARDS_REPORTS_PER_HOUR": "100000", "SAFEGUARDS_COMMENTS_PER_HOUR": "100000"}
    dirs = {name: tmp_path_factory.mktemp(f"authz-{name}") for name in STREAMS}
    targets = {name: seed(d / "state") for name, d in dirs.items()}
    targets["demo"] = demo_targets(dirs["demo"] / "state")

    def start(name: str) -> RunningApp:
        if name == "demo":
            return start_app(dirs[name], demo=True, state_dir=dirs[name] / "state")
        return start_app(
            dirs[name],
            accounts=ACCOUNTS,
            moderators=MODERATORS,
            state_dir=dirs[name] / "state",
            extra_env=limits,
        )

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(STREAMS)) as pool:
        running = dict(zip(STREAMS, pool.map(start, STREAMS), strict=True))
    try:
        apps = {
            name: describe(
                app, None if name == "demo" else "alice", "visitor" if name == "demo" else None
            )
            for name, app in running.items()
        }

        def stream(name: str) -> dict[str, Outcome]:
            results = {}
            for username, moderator, aims in STREAMS[name]:
                persona = "visitor" if name == "demo" else None
                caller = Caller(apps[name].running.url, username, persona)
                chosen = {aim: targets[name][aim] for aim in aims}
                try:
                    results[username or "visitor"] = run_calls(
                        apps[name], caller, moderator, chosen
                    )
                finally:
                    caller.close()
            return results

        outcomes: dict[str, Outcome] = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(STREAMS)) as pool:
            for results in pool.map(stream, STREAMS):
                outcomes.update(results)
        first = apps["accounts-1"]
        yield Matrix(apps, targets, outcomes, first.functions, first.named)
    finally:
        for app in running.values():
            app.stop()


# -- the tests ---------------------------------------------------------------------------


def test_every_function_is_discovered(matrix: Matrix) -> None:
    assert len(matrix.functions) >= 40
    names = {d.get("api_name") for d in matrix.functions}
    assert set(matrix.named) <= names, "a named endpoint with no dependency"
    assert {"search", "report", "moderate"} <= set(matrix.named)
    private = [d for d in matrix.functions if d.get("api_visibility") == "private"]
    assert len(private) >= 30
    # The demo app has the same functions (plus the persona switcher's).
    assert len(matrix.apps["demo"].functions) >= len(matrix.functions)
    # Every function was called by every identity, in every round (its targets + junk).
    per_round = len(matrix.functions) + len(matrix.named)
    expected = {
        username or "visitor": (len(aims) + 1) * per_round
        for stream in ("accounts-1", "accounts-2")
        for username, _, aims in STREAMS[stream]
    }
    assert {who: o.calls for who, o in matrix.outcomes.items() if who != "visitor"} == expected
    assert matrix.outcomes["visitor"].calls >= 2 * per_round


def test_visitor_without_sign_in_is_refused_everything(matrix: Matrix) -> None:
    app = matrix.apps["accounts-1"]
    state_dir = app.running.state_dir
    before = read_events(state_dir)
    forged = {f"access-token-{app.config['app_id']}": "forged"}
    refused = 0
    target = matrix.targets["accounts-1"]["owned"]
    for cookies in ({}, forged):
        with httpx.Client(base_url=app.running.url, timeout=30, cookies=cookies) as visitor:
            assert visitor.get("/config").status_code == 401
            assert visitor.get("/gradio_api/info").status_code == 401
            for dep in app.functions:
                data = [fill(app.components[i], target, None) for i in dep["inputs"]]
                joined = visitor.post(
                    "/gradio_api/queue/join",
                    json={"data": data, "fn_index": dep["id"], "session_hash": "visitor-1"},
                )
                assert joined.status_code == 401, (dep["id"], joined.text)
                refused += 1
            for name, endpoint in app.named.items():
                posted = visitor.post(
                    f"/gradio_api/call/{name}", json={"data": named_data(endpoint, target)}
                )
                assert posted.status_code == 401, (name, posted.text)
                refused += 1
    assert read_events(state_dir) == before
    assert refused == 2 * (len(app.functions) + len(app.named))


def test_the_rules_catch_escalations() -> None:
    """The rule check itself, on crafted events: it must flag what it exists to flag."""
    seeded = [
        Event(
            "1",
            "t1",
            "alice",
            "proposal.opened",
            {"proposal_id": "P1", "artifact_id": OWNED, "discussion_id": "D1"},
        ),
        Event(
            "2",
            "t2",
            "alice",
            "report.filed",
            {"report_id": "R1", "artifact_id": FOREIGN, "discussion_id": "D2"},
        ),
        Event("3", "t3", "alice", "access.requested", {"request_id": "A1", "artifact_id": OWNED}),
    ]

    def check(username: str | None, event: Event, moderator: bool = False) -> bool:
        return violations(username, moderator, [event], Index(seeded)) == []

    merge = Event("9", "t9", "alice", "proposal.decided", {"proposal_id": "P1"})
    assert not check("alice", merge)
    assert check(OWNER, Event("9", "t9", OWNER, "proposal.decided", {"proposal_id": "P1"}))
    assert not check("bob", Event("9", "t9", "bob", "comment.added", {"discussion_id": "D2"}))
    assert check("alice", Event("9", "t9", "alice", "comment.added", {"discussion_id": "D2"}))
    closed = Event("9", "t9", "alice", "comment.added", {"discussion_id": "D1"})
    assert check("alice", closed)
    decided = Index([*seeded, Event("4", "t4", OWNER, "proposal.decided", {"proposal_id": "P1"})])
    assert violations("alice", False, [closed], decided) != []  # its thread is closed now
    assert not check("bob", Event("9", "t9", "alice", "report.filed", {}))  # impersonation
    assert not check(None, Event("9", "t9", None, "preference.set", {}))
    assert not check("bob", Event("9", "t9", "bob", "report.extended", {"report_id": "R1"}))
    approve = Event("9", "t9", OWNER, "access.decided", {"request_id": "A1"})
    assert check(OWNER, approve)
    assert not check("bob", Event("9", "t9", "bob", "access.decided", {"request_id": "A1"}))
    form = {"artifact_id": OWNED, "approval": "auto", "prompt": "", "fields": []}
    assert check(OWNER, Event("9", "t9", OWNER, "access.form_set", form))
    assert not check("alice", Event("9", "t9", "alice", "access.form_set", form))
    elsewhere = {**form, "artifact_id": FOREIGN}
    assert not check(OWNER, Event("9", "t9", OWNER, "access.form_set", elsewhere))
    assert check(MODERATOR, Event("9", "t9", MODERATOR, "access.form_set", elsewhere), True)
    assert not check("bob", Event("9", "t9", "bob", "moderation.action", {}))
    assert check(MODERATOR, Event("9", "t9", MODERATOR, "moderation.action", {}), True)
    assert not check(MODERATOR, Event("9", "t9", MODERATOR, "made.up", {}), True)
    # Hiding as an owner: only the owner of the thread's artifact, a comment of that thread,
    # with a reason; claims: moderators only.
    reply = Event("4", "t4", "bob", "comment.added", {"discussion_id": "D1", "comment_id": "C1"})
    with_reply = [*seeded, reply]
    hide = {"discussion_id": "D1", "comment_id": "C1", "reason": "off-topic"}
    assert (
        violations(
            OWNER, False, [Event("9", "t9", OWNER, "comment.hidden", hide)], Index(with_reply)
        )
        == []
    )
    for who in ("alice", "bob"):
        crafted = Event("9", "t9", who, "comment.hidden", hide)
        assert violations(who, False, [crafted], Index(with_reply)) != []
    elsewhere = {**hide, "discussion_id": "D2"}
    crafted = Event("9", "t9", OWNER, "comment.hidden", elsewhere)
    assert violations(OWNER, False, [crafted], Index(with_reply)) != []
    no_reason = Event("9", "t9", OWNER, "comment.hidden", {**hide, "reason": "meh"})
    assert violations(OWNER, False, [no_reason], Index(with_reply)) != []
    for type_ in ("moderation.claimed", "moderation.released"):
        claim = {"artifact_id": OWNED}
        assert not check(OWNER, Event("9", "t9", OWNER, type_, claim))
        assert not check("bob", Event("9", "t9", "bob", type_, claim))
        assert check(MODERATOR, Event("9", "t9", MODERATOR, type_, claim), True)
    # Interaction limits: the artifact's owner (or a moderator); suspensions: a moderator,
    # never of themselves or of another moderator.
    for type_ in ("limit.set", "limit.lifted"):
        owned, foreign = {"artifact_id": OWNED}, {"artifact_id": FOREIGN}
        assert check(OWNER, Event("9", "t9", OWNER, type_, owned))
        assert not check(OWNER, Event("9", "t9", OWNER, type_, foreign))
        assert not check("bob", Event("9", "t9", "bob", type_, owned))
        assert check(MODERATOR, Event("9", "t9", MODERATOR, type_, foreign), True)
    for who in ("bob", OWNER):
        crafted = Event("9", "t9", who, "user.suspended", {"user": "alice"})
        assert not check(who, crafted)
        lifted = Event("9", "t9", who, "suspension.lifted", {"suspension_id": "S1"})
        assert not check(who, lifted)
    assert check(MODERATOR, Event("9", "t9", MODERATOR, "user.suspended", {"user": "bob"}), True)
    for suspended in (MODERATOR, "mod-ben"):
        crafted = Event("9", "t9", "mod-ben", "user.suspended", {"user": suspended})
        assert violations("mod-ben", True, [crafted], Index(seeded)) != []
    # Appeals: only the owner files one; only another moderator decides it.
    gated = Event(
        "5", "t5", MODERATOR, "moderation.action", {"action_id": "M1", "artifact_id": OWNED}
    )
    filed = Event("6", "t6", OWNER, "appeal.filed", {"appeal_id": "AP1", "action_id": "M1"})
    with_action = Index([*seeded, gated])
    assert violations(OWNER, False, [filed], Index([*seeded, gated])) == []
    by_bob = Event("6", "t6", "bob", "appeal.filed", {"appeal_id": "AP1", "action_id": "M1"})
    assert violations("bob", False, [by_bob], with_action) != []
    appealed = Index([*seeded, gated, filed])
    decide = {"appeal_id": "AP1", "outcome": "reversed"}
    own = Event("7", "t7", MODERATOR, "appeal.decided", decide)
    assert violations(MODERATOR, True, [own], appealed) != []
    other = Event("7", "t7", "mod-ben", "appeal.decided", decide)
    assert violations("mod-ben", True, [other], Index([*seeded, gated, filed])) == []


@pytest.mark.parametrize("who", ["alice", "bob", OWNER, MODERATOR, "visitor"])
def test_each_caller_changed_only_what_they_may(matrix: Matrix, who: str) -> None:
    """visitor: the demo app's visitor persona (the accounts app refuses it everything)."""
    outcome = matrix.outcomes[who]
    assert outcome.violations == []
    assert outcome.leaks == []
    assert outcome.alive
    if who == "visitor":
        assert sum(outcome.events.values()) == 0


def test_the_rights_that_exist_were_used(matrix: Matrix) -> None:
    """The control: the same calls did change state where the rights allow, so the
    refusals above are the rules at work, not calls that never reached a function."""
    by = {who: o.events for who, o in matrix.outcomes.items()}
    for member in ("alice", "bob"):
        assert {"report.filed", "comment.added", "discussion.opened", "proposal.opened"} <= set(
            by[member]
        ), by
        assert not set(by[member]) & OWNER_EVENTS, by
    assert set(by[OWNER]) & OWNER_EVENTS, by
    assert by[OWNER]["access.form_set"] > 0 and by[MODERATOR]["access.form_set"] > 0, by
    for who in ("alice", "bob", OWNER):
        assert not set(by[who]) & MODERATOR_ONLY, by
    assert by[MODERATOR]["moderation.action"] > 0, by
    assert by[OWNER]["limit.set"] > 0 and by[MODERATOR]["user.suspended"] > 0, by
    calls = sum(o.calls for o in matrix.outcomes.values())
    refused = sum(o.refused for o in matrix.outcomes.values())
    print(f"\nauthorisation matrix: {calls} calls, {refused} refused; events caused: {by}")
