"""Shared by the scale benchmarks: the cached synthetic catalog and a large event log.

Both are generated once and kept under bench/out/ (git-ignored), so a benchmark run
measures the app, not the generators:

* `bench/out/catalog-<size>.parquet`: `python -m safeguards synth` (the README command);
* `bench/out/log-<events>/`: a state folder of JSON Lines event files, as four writer
  processes would have left it (names and rotation as `EventLog` makes them), with a
  realistic mix of event types on artifacts of the catalog.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable

REASONS = ("spam", "harassment", "privacy", "deception", "unlabelled-mature", "license", "other")
ACTIONS = ("downgrade", "dismiss", "gate", "add_content_warning", "restore_visibility", "ungate")
MAX_FILE_BYTES = 8 * 1024 * 1024  # EventLog's default rotation size
WRITERS = 4


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def catalog_path(size: int, suffix: str = ".parquet") -> Path:
    """The synthetic catalog of `size` rows, generated once with the documented command."""
    path = OUT / f"catalog-{size_label(size)}{suffix}"
    if not path.exists():
        print(f"generating {path} (once) ...", flush=True)
        command = [PYTHON, "-m", "safeguards", "synth", "--size", str(size), "--out", str(path)]
        subprocess.run(command, cwd=ROOT, check=True)
    return path


def size_label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def catalog_ids(size: int, count: int, seed: int = 1) -> list[str]:
    """`count` artifact ids of the synthetic catalog (read from the cached file)."""
    import pyarrow.parquet as pq

    ids = pq.read_table(catalog_path(size), columns=["id"])["id"]
    rng = random.Random(seed)
    return [ids[rng.randrange(len(ids))].as_py() for _ in range(count)]


def event_log(events: int, artifact_ids: list[str], *, label: str | None = None) -> Path:
    """A state folder holding `events` events (generated once, then reused)."""
    folder = OUT / f"log-{label or size_label(events)}"
    done = folder / ".complete"
    if done.exists():
        return folder
    print(f"generating {folder} with {events:,} events (once) ...", flush=True)
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("events-*.jsonl"):
        old.unlink()
    write_events(folder, events, artifact_ids, random.Random(events))
    done.write_text(str(events))
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return folder


def write_events(
    folder: Path,
    count: int,
    artifact_ids: list[str],
    rng: random.Random,
    *,
    start: datetime = datetime(2024, 1, 1, tzinfo=UTC),
    span: timedelta = timedelta(days=730),
    writer_prefix: str = "bench",
) -> None:
    """Events over two years from four writers, with the app's own payload shapes.

    About a third report filings, a third comments, the rest discussions, tag proposals,
    access requests, decisions, preferences and moderation actions; later events refer to
    records made by earlier ones, as in the app.
    """
    writers = [_Writer(folder, f"{writer_prefix}{w}-{1000 + w}-{w:08x}") for w in range(WRITERS)]
    step = span / max(1, count)
    reports: list[tuple[str, str]] = []  # (report id, artifact id)
    discussions: list[str] = []
    proposals: list[str] = []
    requests: list[str] = []
    users = [f"user{i:05d}" for i in range(20_000)]
    for i in range(count):
        ts = (start + step * i).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        actor = rng.choice(users)
        roll = rng.random()
        artifact = rng.choice(artifact_ids)
        n = f"{i:012x}"
        if roll < 0.32 or not discussions:
            payload = {
                "report_id": f"R-{n}",
                "artifact_id": artifact,
                "reason": rng.choice(REASONS),
                "context": f"Report {i}: the outputs break the content guidelines, see "
                "the examples in the card and the linked discussion.",
                "discussion_id": f"D-{n}",
                "comment_id": f"C-{n}",
                "title": "Report: Spam",
                "target_discussion_id": None,
            }
            kind = "report.filed"
            reports.append((f"R-{n}", artifact))
            discussions.append(f"D-{n}")
        elif roll < 0.34:
            kind = "report.extended"
            payload = {"report_id": rng.choice(reports)[0], "context": f"More context {i}."}
            payload["comment_id"] = f"C-{n}"
        elif roll < 0.66:
            kind = "comment.added"
            payload = {
                "discussion_id": rng.choice(discussions),
                "text": f"Comment {i}: thanks, we are looking into it and will answer here.",
                "comment_id": f"C-{n}",
            }
        elif roll < 0.76:
            kind = "discussion.opened"
            payload = {
                "discussion_id": f"D-{n}",
                "artifact_id": artifact,
                "title": f"Question {i}",
                "text": "How was the training data collected, and with whose consent?",
                "comment_id": f"C-{n}",
            }
            discussions.append(f"D-{n}")
        elif roll < 0.79:
            kind = "discussion.status"
            status = rng.choice(("closed", "open"))
            payload = {"discussion_id": rng.choice(discussions), "status": status}
        elif roll < 0.83:
            kind = "proposal.opened"
            payload = {
                "proposal_id": f"P-{n}",
                "artifact_id": artifact,
                "tags": [rng.choice(("not-for-all-audiences", "ethics-rigorous"))],
                "discussion_id": f"D-{n}",
                "title": "Add tags",
                "text": "Proposed: add the tag to the card metadata.",
                "comment_id": f"C-{n}",
            }
            proposals.append(f"P-{n}")
            discussions.append(f"D-{n}")
        elif roll < 0.86 and proposals:
            kind = "proposal.decided"
            status = rng.choice(("merged", "closed"))
            payload = {"proposal_id": rng.choice(proposals), "status": status, "text": ""}
        elif roll < 0.90:
            kind = "access.requested"
            payload = {"request_id": f"Q-{n}", "artifact_id": artifact, "reason": "research"}
            requests.append(f"Q-{n}")
        elif roll < 0.93 and requests:
            kind = "access.decided"
            status = rng.choice(("approved", "rejected"))
            payload = {"request_id": rng.choice(requests), "status": status}
        elif roll < 0.95:
            kind = "preference.set"
            payload = {"show_mature_without_popup": rng.random() < 0.5}
        else:
            kind = "moderation.action"
            _, artifact = rng.choice(reports)
            payload = {
                "action_id": f"A-{n}",
                "artifact_id": artifact,
                "action": rng.choice(ACTIONS),
                "note": "Checked the origin, the owner's answer and the uses.",
            }
            actor = "mod-ana"
        record = {"id": os.urandom(16).hex(), "ts": ts, "actor": actor, "type": kind}
        record["payload"] = payload
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        writers[i % WRITERS].write(line.encode())
    for writer in writers:
        writer.close()


class _Writer:
    """Appends lines to events-<name>-NNNNN.jsonl files, rotated like EventLog's."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name, self.index = folder, name, 0
        self.handle = None
        self.size = 0

    def write(self, data: bytes) -> None:
        if self.handle is None or self.size + len(data) > MAX_FILE_BYTES:
            self.close()
            self.index += 1
            path = self.folder / f"events-{self.name}-{self.index:05d}.jsonl"
            self.handle = open(path, "wb")  # noqa: SIM115 - closed on rotation
            self.size = 0
        self.handle.write(data)
        self.size += len(data)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def rss_mib(pid: int | str = "self") -> float:
    """Resident memory now (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib(pid: int | str = "self") -> float:
    """Peak resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
