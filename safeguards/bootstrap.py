"""Start-up in the right order: restore the log from the Hub dataset (when configured),
fold it, then keep the folder in sync while serving and push what is left on SIGTERM."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path

from safeguards.config import ConfigError, Settings
from safeguards.demo_seed import seed_if_wanted
from safeguards.hubsync import HubSync, HubSyncError, install_sigterm_handler
from safeguards.service import Safeguards

log = logging.getLogger(__name__)
SHUTDOWN_FLUSH_SECONDS = 8.0  # a Space restart allows a few seconds between SIGTERM and SIGKILL
_HELD: dict[Path, int] = {}  # state folders this process holds, with their locked descriptor


class StateFolderBusy(ConfigError):
    """Another process serves this state folder."""


def hold_state_folder(state_dir: Path) -> None:
    """Lock `state_dir` for the rest of this process's life (flock, released by the
    kernel when the process ends, even on SIGKILL). Two processes on one folder would each
    accept writes against a view that misses the other's (rate limits, private
    artifacts); replicas use their own folders and the Hub sync. Reentrant in-process."""
    folder = Path(state_dir).resolve()
    if folder in _HELD:
        return
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise StateFolderBusy(
            f"Another process is already serving the state folder {folder}: stop it, or give"
            " this one its own SAFEGUARDS_STATE_DIR."
        ) from None
    _HELD[folder] = descriptor


def _close_held_in_child() -> None:
    """A forked child (a worker, a subprocess before its exec) must not keep the lock
    alive after this process dies: closing its copies leaves the parent's lock as is."""
    for descriptor in _HELD.values():
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


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
