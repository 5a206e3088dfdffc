"""Start-up in the right order: restore the log from the Hub dataset (when configured),
fold it, then keep the folder in sync while serving and push what is left on SIGTERM."""

from __future__ import annotations

import logging
import os

from safeguards.config import Settings
from safeguards.demo_seed import seed_if_wanted
from safeguards.hubsync import HubSync, HubSyncError, install_sigterm_handler
from safeguards.service import Safeguards

log = logging.getLogger(__name__)
SHUTDOWN_FLUSH_SECONDS = 8.0  # a Space restart allows a few seconds between SIGTERM and SIGKILL


def open_service(settings: Settings, *, defer_history: bool = False) -> Safeguards:
    """The service for `settings`; with SAFEGUARDS_HUB_DATASET, restored and synced.
    `defer_history`: see `Safeguards.open` (the caller then calls `start_history()`)."""
    if not settings.hub_dataset:
        seeded = seed_if_wanted(settings)
        service = Safeguards.open(settings, defer_history=defer_history)
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
    service = Safeguards.open(settings, defer_history=defer_history)
    service.seeded_events = seeded
    service.hub_sync = sync
    sync.on_new_remote_events = service.refold
    sync.start()
    install_sigterm_handler(sync, timeout=SHUTDOWN_FLUSH_SECONDS)
    return service
