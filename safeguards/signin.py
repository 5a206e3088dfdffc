"""Accounts-mode sign-in: password check in constant time, and a back-off after repeated
failures, per username and per client address, so guessing is slow and the real user is
kept out for a minute at most.

Gradio's `launch(auth=...)` calls the check with only the username and password; the
throttle needs the client address and must answer before the password is tried (a right
guess during a back-off is refused too, or the back-off would only slow the wrong ones).
So the throttle runs in front of `/login` (see `safeguards/ui/serving.py`).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

FREE_FAILURES = 5  # failures allowed before any wait
FIRST_WAIT = 2.0  # seconds after the 5th failure; doubles with each further one
LONGEST_WAIT = 60.0  # the real user is never kept out longer than this
FORGET_AFTER = 900.0  # failures older than 15 minutes no longer count
TRACKED = 10_000  # usernames and addresses remembered at most (oldest forgotten first)


def password_check(accounts: Mapping[str, str]) -> Callable[[str, str], bool]:
    """`auth` for Gradio: constant-time comparison, the same work for unknown users."""
    encoded = {user: password.encode("utf-8") for user, password in accounts.items()}
    dummy = b"\0" * 32

    def check(username: str, password: str) -> bool:
        expected = encoded.get(username)
        given = password.encode("utf-8", "surrogatepass")
        same = hmac.compare_digest(expected if expected is not None else dummy, given)
        return same and expected is not None

    return check


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


class SignInThrottle:
    """Failures per key (`user:<name>`, `addr:<ip>`), with an exponential back-off."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    def wait(self, *, username: str, address: str) -> float:
        """Seconds before this username may be tried from this address (0: now)."""
        now = self._clock()
        return max(self._wait(key, now) for key in _keys(username, address))

    def failed(self, *, username: str, address: str) -> None:
        now = self._clock()
        for key in _keys(username, address):
            entry = self._failures.pop(key, None) or _Failures()
            if now - entry.last > FORGET_AFTER:
                entry.count = 0
            entry.count += 1
            entry.last = now
            self._failures[key] = entry
        while len(self._failures) > TRACKED:
            self._failures.popitem(last=False)
        log.warning("sign-in failed for %r from %s", username[:100], address)

    def succeeded(self, *, username: str, address: str) -> None:
        """The user is in: their own count starts again (the address's keeps decaying)."""
        self._failures.pop(f"user:{username}", None)

    def _wait(self, key: str, now: float) -> float:
        entry = self._failures.get(key)
        if entry is None or entry.count < FREE_FAILURES or now - entry.last > FORGET_AFTER:
            return 0.0
        backoff = min(FIRST_WAIT * 2 ** (entry.count - FREE_FAILURES), LONGEST_WAIT)
        return max(0.0, entry.last + backoff - now)


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"user:{username}", f"addr:{address}"
