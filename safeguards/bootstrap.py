"""Start-up in the right order: restore the log from the Hub dataset (when configured),
fold it, then keep the folder in sync while serving and push what is left on SIGTERM."""

from __future__ import annotations

import logging
import os

from safeguards.config import Settings
from safeguards.hubsync import HubSync, HubSyncError, install_sigterm_handler
from safeguards.service import Safeguards

log = logging.getLogger(__name__)
SHUTDOWN_FLUSH_SECONDS = 8.0  # a Space restart allows a few seconds between SIGTERM and SIGKILL


def open_service(settings: Settings) -> Safeguards:
    """The service for `settings`; with SAFEGUARDS_HUB_DATASET, restored and synced."""
    if not settings.hub_dataset:
        return Safeguards.open(settings)
    sync = HubSync(settings.state_dir, settings.hub_dataset, token=os.environ.get("HF_TOKEN"))
    try:
        sync.restore()
    except HubSyncError as exc:
        # Keep serving from the local files; the sync thread retries and pulls later.
        log.error("%s. Serving from the local log; the sync will keep retrying.", exc)
    service = Safeguards.open(settings)
    service.hub_sync = sync
    sync.on_new_remote_events = service.refold
    sync.start()
    install_sigterm_handler(sync, timeout=SHUTDOWN_FLUSH_SECONDS)
    return service
