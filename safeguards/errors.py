"""The errors the domain raises. Each names a translation key and its parameters, so
the UI can say it in the reader's language; `message` is the English sentence (logs,
tests, API callers without a language)."""

from __future__ import annotations

from safeguards.i18n import tr


class SafeguardsError(Exception):
    """A refusal or bad input, explained in a sentence a user can act on."""

    code = "error"

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.text("en")

    def text(self, language: str) -> str:
        """The sentence in `language` (a `Term` parameter is translated too)."""
        return tr(self.key, language, **self.params)


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
