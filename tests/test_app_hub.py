"""The running app persisted to a Hub dataset: reports filed over HTTP reach the dataset,
SIGTERM pushes what is pending, and a fresh machine with the same settings restores them.

The Hub is tests/hub_server.py, a real HTTP server speaking the protocol to the real
`huggingface_hub` client inside the app process.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from apprunner import ACCOUNTS, MODERATORS, start_app
from gradio_client import Client
from hub_server import HubServerProcess

from safeguards.eventlog import read_events
from safeguards.hubsync import HubSync

TOKEN = "hf_app_hub_token_1"
REPO = "safeguards-org/moderation-log"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServerProcess]:
    with HubServerProcess(tmp_path_factory.mktemp("hub"), tokens=f"safeguards-org:{TOKEN}") as srv:
        yield srv


def hub_env(hub: HubServerProcess) -> dict[str, str]:
    return {
        "SAFEGUARDS_HUB_DATASET": REPO,
        "HF_TOKEN": TOKEN,
        "HF_ENDPOINT": hub.endpoint,
        "HF_HUB_DISABLE_XET": "1",
    }


def remote_event_ids(hub: HubServerProcess, folder: Path) -> set[str]:
    HubSync(folder, REPO, token=TOKEN, endpoint=hub.endpoint, request_timeout=5).restore()
    return {event.id for event in read_events(folder)}


def test_reports_survive_sigterm_and_restore_on_a_fresh_machine(
    hub: HubServerProcess, tmp_path: Path
) -> None:
    first = start_app(
        tmp_path / "first", accounts=ACCOUNTS, moderators=MODERATORS, extra_env=hub_env(hub)
    )
    try:
        client = Client(first.url, auth=("alice", ACCOUNTS["alice"]), verbose=False)
        report_ids = [
            client.predict(artifact, "spam", f"link farm {n}", api_name="/report")
            for n, artifact in enumerate(["bigscience/bloom", "openai-community/gpt2"])
        ]
    finally:
        first.stop(signal.SIGTERM)  # what a Space restart sends
    assert first.process.returncode is not None
    local = {event.id for event in read_events(first.state_dir)}
    assert len(local) == 2
    assert remote_event_ids(hub, tmp_path / "check") == local, first.log()[-3000:]

    fresh = start_app(
        tmp_path / "fresh", accounts=ACCOUNTS, moderators=MODERATORS, extra_env=hub_env(hub)
    )
    try:
        restored = {event.id for event in read_events(fresh.state_dir)}
        assert restored == local
        # The folded state serves them: alice's repeat report extends her first one.
        client = Client(fresh.url, auth=("alice", ACCOUNTS["alice"]), verbose=False)
        again = client.predict("bigscience/bloom", "spam", "still there", api_name="/report")
        assert again == report_ids[0]
    finally:
        fresh.stop()


def test_wrong_token_gives_one_clear_message_and_the_app_still_serves(
    hub: HubServerProcess, tmp_path: Path
) -> None:
    env = {**hub_env(hub), "HF_TOKEN": "hf_not_a_valid_token"}
    app = start_app(tmp_path / "app", accounts=ACCOUNTS, moderators=MODERATORS, extra_env=env)
    try:
        client = Client(app.url, auth=("bob", ACCOUNTS["bob"]), verbose=False)
        assert client.predict("bloom", [], [], api_name="/search")["total"] >= 1
    finally:
        app.stop()
    log = app.log()
    assert log.count("the token was refused (401)") >= 1
    assert "hf_not_a_valid_token" not in log


def test_a_demo_space_seeds_an_empty_dataset_once(hub: HubServerProcess, tmp_path: Path) -> None:
    """Demo mode with an empty Hub dataset: the example history is written, pushed like
    any events (each marked demo), and a fresh machine restores it rather than seeding
    again."""
    env = hub_env(hub) | {"SAFEGUARDS_HUB_DATASET": "safeguards-org/demo-log"}
    first = start_app(tmp_path / "first", demo=True, seed=True, extra_env=env)
    first.stop(signal.SIGTERM)
    seeded = read_events(first.state_dir)
    assert len(seeded) > 40 and all(e.payload.get("demo") is True for e in seeded)
    assert "seeded" in first.log()

    fresh = start_app(tmp_path / "fresh", demo=True, seed=True, extra_env=env)
    try:
        assert {e.id for e in read_events(fresh.state_dir)} == {e.id for e in seeded}
    finally:
        fresh.stop()
    assert "demo mode: seeded" not in fresh.log()
