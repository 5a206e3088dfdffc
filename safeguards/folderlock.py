"""One process per state folder: an exclusive `flock` on the folder, held for the
process's life. Two processes on one folder would each accept writes against a view that
misses the other's (rate limits, private artifacts); replicas use their own folders and
the Hub sync."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from safeguards.config import ConfigError

_HELD: dict[Path, int] = {}  # state folders this process holds, with their locked descriptor


class StateFolderBusy(ConfigError):
    """Another process serves this state folder."""


def hold_state_folder(state_dir: Path) -> None:
    """Lock `state_dir` for the rest of this process's life (flock, released by the
    kernel when the process ends, even on SIGKILL). Reentrant in-process."""
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


def hold_moved_state_folder(state_dir: Path) -> None:
    """After the held folder was moved aside (the demo reset) and a new one made at its
    path: the lock follows the path, not the kept copy. Nothing when it was not held."""
    folder = Path(state_dir).resolve()
    old = _HELD.pop(folder, None)
    if old is None:
        return
    with contextlib.suppress(OSError):
        os.close(old)
    hold_state_folder(folder)
