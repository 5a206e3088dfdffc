"""Start-up in the right order: restore the log from the Hub dataset (when configured),
fold it, then keep the folder in sync while serving and push what is left on SIGTERM."""

from __future__ import annotations

import logging
import os

from safeguards.config import Settings
from safeguards.demo_seed import seed_if_wanted
from safeguards.folderlock import hold_state_folder
from safeguards.hubsync import HubSync, HubSyncError, install_sigterm_handler
from safeguards.service import Safeguards

log = logging.getLogger(__name__)
SHUTDOWN_FLUSH_SECONDS = 8.0  # a Space restart allows a few seconds between SIGTERM and SIGKILL


def open_service(settings: Settings) -> Safeguards:
    """The service for `settings`; with SAFEGUARDS_HUB_DATASET, restored and synced.
    Holds the state folder's lock first (`hold_state_folder`)."""
    hold_state_folder(settings.state_dir)
    if not settings.hub_dataset:
        seeded = seed_if_wanted(settings)
        service = Safeguards.open(settings)
        service.seeded_events = seeded
        return service
    sync = HubSync(settings.state_dir, settings.hub_dataset, token=os.environ.get("HF_TOKEN"))
    seeded = 0
    try:
        sync.restore()
    except HubSyncError as exc:
        # Keep serving from the local files; the sync thread retries and pulls later.
        # No demo seed now: the dataset may hold a history that has not arrived yet.
        log.error("%s. Serving from the local log; the sync will keep retrying.", exc)
    else:
        seeded = seed_if_wanted(settings)  # an empty dataset: the seed is pushed like any log
    service = Safeguards.open(settings)
    service.seeded_events = seeded
    service.hub_sync = sync
    sync.on_new_remote_events = service.refold
    sync.start()
    install_sigterm_handler(sync, timeout=SHUTDOWN_FLUSH_SECONDS)
    return service


def startup_summary(settings: Settings, *, url: str, seeded: int = 0) -> str:
    """The one block the console shows at start: where the state is, who can sign in
    and how, and where to open the app (a newcomer's three questions)."""
    if settings.demo:
        mode = "demo (persona picker, no real sign-in; SAFEGUARDS_DEMO=0 turns it off)"
    elif settings.oauth:
        mode = "OAuth (Sign in with Hugging Face)"
    elif settings.accounts_file is not None:
        mode = f"accounts ({settings.accounts_file})"
    else:
        mode = "read-only (no accounts, no OAuth, demo off)"
    state = str(settings.state_dir.resolve())
    if seeded:
        state += f" (new: seeded with {seeded} example events; SAFEGUARDS_DEMO_SEED=0 skips)"
    lines = ["Openness Safeguards", f"  state  {state}", f"  mode   {mode}"]
    if settings.hub_dataset:
        lines.append(f"  hub    dataset {settings.hub_dataset} (pushed and restored)")
    lines.append(f"  url    {url}")
    return "\n".join(lines)
