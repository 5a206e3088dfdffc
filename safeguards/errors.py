"""The errors the domain raises. Each carries a stable code the UI translates."""

from __future__ import annotations


class SafeguardsError(Exception):
    """A refusal or bad input, explained in a sentence a user can act on."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(SafeguardsError):
    code = "invalid_input"


class NotFound(SafeguardsError):
    code = "not_found"


class PermissionDenied(SafeguardsError):
    code = "permission_denied"


class RateLimited(SafeguardsError):
    code = "rate_limited"


class Conflict(SafeguardsError):
    """The thing changed under the caller (already merged, already decided...)."""

    code = "conflict"
