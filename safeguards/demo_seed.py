"""The demo's seeded history: a workshop starts with every safeguard already at work.

When the app runs in demo mode on an empty state folder, it writes a short, realistic
history (about three months of reports, owner answers, tag proposals, access requests,
moderator decisions, a reversal and an appeal) as ordinary events in an ordinary log
file, with their times in the past. Every seeded event carries `"demo": true` in its
payload, so exports and research can tell them apart. The content is fixed (a fixed
seed for the ids, times relative to `now`): the same `now` gives the same bytes, so
screenshots and tests are stable. No Gradio here.

The events are folded by the same `State.apply` as any other, and `tests/test_demo_seed.py`
checks that none is skipped and that each tab then has something to show.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from safeguards.catalog import DEMO_CATALOG
from safeguards.categories import NFAA_TAG, REASON_BY_SLUG
from safeguards.config import Settings
from safeguards.eventlog import EVENT_FILE_GLOB, Event, format_ts, fsync_dir, read_file
from safeguards.policy import GUIDELINES_VERSION

log = logging.getLogger(__name__)

DEMO_SEED = 20230315  # the newsletter's month: any fixed number would do
SEED_WRITER = "demo-seed"
SEED_FILE = f"events-{SEED_WRITER}-00001.jsonl"
SPAN_DAYS = 90
# Derived files a start-up may leave in a folder that has no history yet (a catalog
# cache, the folded database): seeding such a folder loses nothing.
_REBUILDABLE_PREFIXES: tuple[str, ...] = ("catalog-cache", "state.db", ".cache")

# The demo personas (config.DEMO_PERSONAS) and a few fictional community members.
MEMBER, OWNER, MODERATOR = "demo-member", "demo-studio", "demo-moderator"
OTHER_MODERATOR = "mod-kemi"  # a colleague, so an appeal can go to someone else
LAB = "demo-lab"  # owns demo-lab/* in the demo catalog
COMMUNITY = ("lin-wei", "amara-o", "jonas-k", "priya-r", "tomasz-b", "sofia-m")


def state_folder_is_empty(state_dir: Path) -> bool:
    """No history and nothing else but rebuildable files: the only folder seeding may
    write to. A missing folder is empty."""
    if not state_dir.exists():
        return True
    if any(state_dir.glob(EVENT_FILE_GLOB)):
        return False
    return all(p.name.startswith(_REBUILDABLE_PREFIXES) for p in state_dir.iterdir())


def should_seed(settings: Settings) -> bool:
    """Demo mode, the setting on, the demo catalog (the story names its artifacts) and
    an empty state folder."""
    if not (settings.demo and settings.demo_seed):
        return False
    if settings.catalog_path.resolve() != DEMO_CATALOG.resolve():
        log.info("demo history not seeded: it is written for the demo catalog only")
        return False
    return state_folder_is_empty(settings.state_dir)


def seed_if_wanted(settings: Settings, *, now: datetime | None = None) -> int:
    """Seed the demo history when `should_seed`; the number of events written (0: not
    seeded). Called before the service opens the folder, so the events fold as usual."""
    if not should_seed(settings):
        return 0
    started = time.perf_counter()
    written = write_seed(state_dir=settings.state_dir, now=now)
    log.info(
        "demo mode: seeded %d events of example history (%.0f ms; SAFEGUARDS_DEMO_SEED=0 "
        "starts empty)",
        written,
        (time.perf_counter() - started) * 1000,
    )
    return written


def write_seed(*, state_dir: Path, now: datetime | None = None) -> int:
    """Write the seeded history as one log file (fsynced, then renamed into place, so a
    crash leaves either the whole history or none). Returns the number of events."""
    events = seed_events(now=now)
    state_dir.mkdir(parents=True, exist_ok=True)
    data = "".join(e.to_json() + "\n" for e in events).encode("utf-8")
    partial = state_dir / (SEED_FILE + ".partial")
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(state_dir / SEED_FILE)
    fsync_dir(state_dir)
    return len(events)


def reset_demo(*, state_dir: Path, now: datetime | None = None) -> Path | None:
    """Move the state folder aside (to `<name>-before-reset-<UTC time>` beside it,
    nothing deleted) and seed a fresh history. Returns where the old folder went, or None
    when there was none. The app must not be serving from `state_dir` meanwhile."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    kept: Path | None = None
    if state_dir.exists():
        stamp = moment.strftime("%Y%m%dT%H%M%SZ")
        kept = state_dir.with_name(f"{state_dir.name}-before-reset-{stamp}")
        suffix = 1
        while kept.exists():
            suffix += 1
            kept = state_dir.with_name(f"{state_dir.name}-before-reset-{stamp}-{suffix}")
        try:
            os.rename(state_dir, kept)
        except OSError:  # a mount point (a bucket volume) cannot move: copy, then empty
            shutil.copytree(state_dir, kept, symlinks=True)
            for entry in state_dir.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
    write_seed(state_dir=state_dir, now=now)
    return kept


def read_seeded(state_dir: Path) -> list[Event]:
    """The seed file's events (empty when the folder was not seeded)."""
    path = state_dir / SEED_FILE
    return list(read_file(path)) if path.exists() else []


def is_demo_event(payload: dict[str, Any]) -> bool:
    """Whether an event was written by the seed (research marks these rows)."""
    return payload.get("demo") is True


# -- the story ------------------------------------------------------------------------


@dataclass
class _Story:
    """Builds the events in time order; each step is a number of days (and hours) before
    `now`. A step earlier than the one before is a mistake in the story: it raises."""

    now: datetime
    rng: random.Random
    events: list[Event] = field(default_factory=list)
    _last: datetime | None = None

    def id(self, prefix: str) -> str:
        return f"{prefix}-{self.rng.getrandbits(48):012x}"

    def at(self, days: float, hour: int) -> datetime:
        moment = (self.now - timedelta(days=int(days))).replace(
            hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60), microsecond=0
        )
        if moment >= self.now:  # "today" at an hour still to come: a few minutes ago
            moment = self.now - timedelta(minutes=5 + self.rng.randrange(50))
        if self._last is not None and moment <= self._last:
            raise ValueError(f"seed story out of order at {days} days before now")
        self._last = moment
        return moment

    def emit(self, when: datetime, actor: str, type_: str, payload: dict[str, Any]) -> None:
        event_id = f"{self.rng.getrandbits(128):032x}"
        marked = {**payload, "demo": True}
        self.events.append(Event(event_id, format_ts(when), actor, type_, marked))

    # each returns the ids later steps refer to

    def report(
        self,
        days: float,
        hour: int,
        actor: str,
        artifact_id: str,
        reason: str,
        context: str,
        *,
        target_discussion_id: str | None = None,
    ) -> dict[str, str]:
        ids = {"report_id": self.id("R"), "discussion_id": self.id("D")}
        self.emit(
            self.at(days, hour),
            actor,
            "report.filed",
            {
                **ids,
                "artifact_id": artifact_id,
                "reason": reason,
                "context": context,
                "comment_id": self.id("C"),
                "title": f"Report: {REASON_BY_SLUG[reason].label['en']}",
                "target_discussion_id": target_discussion_id,
                "policy": GUIDELINES_VERSION,
            },
        )
        return ids

    def extend(self, days: float, hour: int, actor: str, report_id: str, context: str) -> None:
        payload = {"report_id": report_id, "context": context, "comment_id": self.id("C")}
        self.emit(self.at(days, hour), actor, "report.extended", payload)

    def discussion(
        self, days: float, hour: int, actor: str, artifact_id: str, title: str, text: str
    ) -> str:
        discussion_id = self.id("D")
        payload = {
            "discussion_id": discussion_id,
            "artifact_id": artifact_id,
            "title": title,
            "text": text,
            "comment_id": self.id("C"),
        }
        self.emit(self.at(days, hour), actor, "discussion.opened", payload)
        return discussion_id

    def comment(self, days: float, hour: int, actor: str, discussion_id: str, text: str) -> str:
        comment_id = self.id("C")
        payload = {"discussion_id": discussion_id, "text": text, "comment_id": comment_id}
        self.emit(self.at(days, hour), actor, "comment.added", payload)
        return comment_id

    def propose(
        self, days: float, hour: int, actor: str, artifact_id: str, tags: list[str], text: str
    ) -> str:
        proposal_id = self.id("P")
        payload = {
            "proposal_id": proposal_id,
            "artifact_id": artifact_id,
            "tags": tags,
            "discussion_id": self.id("D"),
            "comment_id": self.id("C"),
            "title": f"Add tags: {', '.join(tags)}",
            "text": text,
        }
        self.emit(self.at(days, hour), actor, "proposal.opened", payload)
        return proposal_id

    def decide_proposal(
        self, days: float, hour: int, actor: str, proposal_id: str, status: str, text: str
    ) -> None:
        payload = {"proposal_id": proposal_id, "status": status, "text": text}
        self.emit(self.at(days, hour), actor, "proposal.decided", payload)

    def request_access(
        self, days: float, hour: int, actor: str, artifact_id: str, reason: str
    ) -> str:
        request_id = self.id("A")
        payload = {"request_id": request_id, "artifact_id": artifact_id, "reason": reason}
        self.emit(self.at(days, hour), actor, "access.requested", payload)
        return request_id

    def decide_access(self, days: float, hour: int, actor: str, request_id: str, status: str):
        payload = {"request_id": request_id, "status": status}
        self.emit(self.at(days, hour), actor, "access.decided", payload)

    def moderate(
        self,
        days: float,
        hour: int,
        actor: str,
        artifact_id: str,
        action: str,
        note: str,
        **target: str,
    ) -> str:
        action_id = self.id("M")
        payload = {"action_id": action_id, "artifact_id": artifact_id, "action": action}
        payload |= {"note": note, "policy": GUIDELINES_VERSION, **target}
        self.emit(self.at(days, hour), actor, "moderation.action", payload)
        return action_id

    def appeal(self, days: float, hour: int, actor: str, action_id: str, statement: str) -> str:
        appeal_id = self.id("AP")
        payload = {"appeal_id": appeal_id, "action_id": action_id, "statement": statement}
        self.emit(self.at(days, hour), actor, "appeal.filed", payload)
        return appeal_id


def seed_events(*, now: datetime | None = None) -> list[Event]:
    """The seeded history, oldest first, spread over the SPAN_DAYS before `now`."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    s = _Story(now=moment, rng=random.Random(DEMO_SEED))
    lin, amara, jonas, priya, tomasz, sofia = COMMUNITY
    nightmare = "demo-studio/nightmare-canvas-xl"
    grimdark = "demo-studio/grimdark-fiction-7b"
    wounds = "demo-studio/clinical-wound-images"
    faces = "demo-studio/face-attribute-classifier"
    portraits = "demo-studio/scraped-portraits-40k"
    recipes = "demo-studio/recipe-assistant-1b"
    reviews = "demo-studio/neighbourhood-reviews"
    carbon = "demo-studio/carbon-receipt"
    probe = "demo-lab/tiny-sentiment-probe"
    explorer = "demo-lab/fairness-explorer"

    # Month one: a question, a report the tag already answers, an ethics tag merged.
    yoruba = s.discussion(
        88,
        9,
        lin,
        "bigscience/bloom",
        "Evaluation on Yoruba?",
        "Has anyone measured how the model does on Yoruba news text? The card lists the "
        "languages but no per-language scores.",
    )
    s.comment(87, 14, amara, yoruba, "Not yet that I know of. The Masakhane NER sets could help.")
    gore = s.report(
        85,
        10,
        amara,
        nightmare,
        "unlabelled-mature",
        "The sample gallery shows graphic gore. Is this labelled for mature audiences?",
    )
    s.comment(
        84,
        11,
        OWNER,
        gore["discussion_id"],
        "Yes: the card carries not-for-all-audiences, so visitors see a warning before "
        "anything loads. Horror is what the model is for.",
    )
    s.moderate(
        82,
        16,
        OTHER_MODERATOR,
        nightmare,
        "dismiss",
        "The card is tagged not-for-all-audiences and the popup warns first; nothing to do.",
    )
    rigorous = s.propose(
        80,
        15,
        lin,
        carbon,
        ["ethics-rigorous"],
        "The Space documents how it measures emissions, with error bars: that is rigorous.",
    )
    s.decide_proposal(79, 9, OWNER, rigorous, "merged", "Merged, thank you!")

    # Faces scraped without consent: three people report, the moderator asks for private.
    portraits_first = s.report(
        75,
        8,
        jonas,
        portraits,
        "privacy",
        "The portraits come from personal blogs and photo sites. The card says nothing "
        "about consent or how someone could ask to be removed.",
    )
    s.report(
        74,
        19,
        priya,
        portraits,
        "privacy",
        "Same concern: I recognise pictures from a friend's wedding album.",
    )
    mine = s.report(
        73,
        12,
        MEMBER,
        portraits,
        "privacy",
        "My cousin's photo is in the sample viewer. She never agreed to be in a dataset.",
    )
    s.comment(
        72,
        10,
        OWNER,
        portraits_first["discussion_id"],
        "We collected what the sites' robots.txt allowed. We are adding an opt-out form "
        "and will remove anyone who asks.",
    )
    s.comment(
        72,
        11,
        OWNER,
        mine["discussion_id"],
        "We are sorry. Send us the file name and we will remove her photo today.",
    )
    s.moderate(
        70,
        14,
        MODERATOR,
        portraits,
        "request_private",
        "Photos of identifiable people collected without consent. Please make the dataset "
        "private until an opt-out exists and the card documents consent.",
    )
    s.comment(69, 9, MEMBER, mine["discussion_id"], "Thank you for acting on this.")

    # A proposal the owner closes, and gated access granted.
    recipe_nfaa = s.propose(
        65,
        13,
        sofia,
        recipes,
        [NFAA_TAG],
        "Some generated recipes mention alcohol; maybe this should carry a warning?",
    )
    s.decide_proposal(
        64,
        10,
        OWNER,
        recipe_nfaa,
        "closed",
        "Closing: cooking with wine is not mature content, and the tag would hide the "
        "model from the people it is for.",
    )
    thesis = s.request_access(
        60,
        11,
        sofia,
        faces,
        "I am auditing face-attribute models for skin-tone bias for my master's thesis.",
    )
    s.decide_access(58, 16, OWNER, thesis, "approved")

    # Unsafe code: disabled, appealed by its owner, reversed by another moderator.
    pickle = s.report(
        33,
        7,
        tomasz,
        probe,
        "malware",
        "Loading the pickle checkpoint runs a shell command that downloads a script.",
    )
    disabled = s.moderate(
        31,
        9,
        MODERATOR,
        probe,
        "disable",
        "Confirmed: the checkpoint executes code on load. Disabled until the file is replaced.",
    )
    s.comment(
        30,
        12,
        LAB,
        pickle["discussion_id"],
        "Our build machine was compromised. The pickle is gone; we publish safetensors only.",
    )
    lab_appeal = s.appeal(
        29,
        10,
        LAB,
        disabled,
        "The bad file has been removed and replaced with safetensors; please check again.",
    )
    decided_at = s.at(27, 15)
    note = "Checked the new files: safetensors only, nothing runs on load. Access restored."
    s.emit(
        decided_at,
        OTHER_MODERATOR,
        "appeal.decided",
        {"appeal_id": lab_appeal, "outcome": "reversed", "note": note},
    )
    s.emit(
        decided_at,
        OTHER_MODERATOR,
        "moderation.action",
        {
            "action_id": s.id("M"),
            "artifact_id": probe,
            "action": "enable",
            "note": note,
            "appeal_id": lab_appeal,
        },
    )

    # Personal data in reviews: gated; one request approved, one still waiting.
    addresses = s.report(
        24,
        18,
        lin,
        reviews,
        "privacy",
        "Several reviews quote full names and home addresses of neighbours.",
    )
    s.comment(
        23,
        9,
        OWNER,
        addresses["discussion_id"],
        "We are scrubbing names and addresses now; it will take a couple of weeks.",
    )
    s.moderate(
        22,
        11,
        MODERATOR,
        reviews,
        "gate",
        "Gated while the owner removes names and addresses; approve research requests only.",
    )
    s.request_access(
        20, 10, jonas, reviews, "Studying sentiment across neighbourhoods for a city council."
    )

    # Violent fiction: downgraded by a moderator, appealed by the owner (waiting).
    violence = s.report(
        18,
        20,
        jonas,
        grimdark,
        "violence",
        "The default prompt template writes step-by-step torture scenes on request.",
    )
    s.report(
        16,
        8,
        tomasz,
        grimdark,
        "violence",
        "It turns any story into graphic violence, even children's stories.",
    )
    s.comment(
        15,
        13,
        OWNER,
        violence["discussion_id"],
        "It is a dark-fiction model, as the card says; we will document the template.",
    )
    downgraded = s.moderate(
        12,
        10,
        OTHER_MODERATOR,
        grimdark,
        "downgrade",
        "Out of trending until the card explains the prompt template and its limits.",
    )
    thread = s.discussion(
        11,
        15,
        tomasz,
        grimdark,
        "Can the violence level be configured?",
        "Is there a setting to keep the fiction dark but not graphic?",
    )
    s.comment(10, 9, OWNER, thread, "Not yet; a 'tone' parameter is planned for the next release.")
    insult = s.comment(
        9,
        22,
        "throwaway-9921",
        thread,
        "People asking for 'settings' should stay off this model, you clueless snowflake.",
    )
    s.report(
        9,
        23,
        amara,
        grimdark,
        "harassment",
        "A comment in 'Can the violence level be configured?' insults another member.",
        target_discussion_id=thread,
    )
    s.moderate(
        8,
        8,
        MODERATOR,
        grimdark,
        "hide_comment",
        "Personal insult: hidden under the content guidelines (harassment).",
        discussion_id=thread,
        comment_id=insult,
        reason="abuse",
    )
    s.moderate(
        8,
        9,
        MODERATOR,
        grimdark,
        "lock_discussion",
        "The thread turned into personal attacks; locked for a cool-down.",
        discussion_id=thread,
        reason="too-heated",
    )

    # Still open in the queue: the moderator's work today, and the owner's.
    wound_report = s.report(
        6,
        14,
        MEMBER,
        wounds,
        "privacy",
        "Some photos show faces and tattoos that could identify patients.",
    )
    s.comment(
        5,
        16,
        OWNER,
        wound_report["discussion_id"],
        "Every patient signed a consent form (see the card's Consent section). We will "
        "crop the three images with faces this week.",
    )
    s.appeal(
        5,
        18,
        OWNER,
        downgraded,
        "The card now documents the prompt template and its limits; please restore "
        "the model to trending.",
    )
    s.report(
        4,
        9,
        lin,
        faces,
        "hate",
        "The model predicts 'ethnicity' labels, and a hiring tool is using them to sort "
        "applicants.",
    )
    spam = s.report(
        4,
        17,
        priya,
        recipes,
        "spam",
        "Every answer ends with a link to a paid meal-kit service.",
    )
    s.extend(3, 8, priya, spam["report_id"], "It also happens with the quantised version.")
    s.report(3, 12, sofia, recipes, "spam", "Same here: an ad link in every reply.")
    s.propose(
        3,
        16,
        amara,
        portraits,
        [NFAA_TAG],
        "The sample viewer includes nude art photography: a content warning would help.",
    )
    s.report(
        2,
        11,
        jonas,
        explorer,
        "deception",
        "The Space says it certifies models as 'bias-free', which no tool can do.",
    )
    s.report(
        1,
        10,
        tomasz,
        carbon,
        "license",
        "The Space copies CodeCarbon's code without its MIT license notice.",
    )
    s.request_access(
        0,
        9,
        priya,
        faces,
        "Reproducing a published audit of face-attribute models.",
    )
    return s.events
