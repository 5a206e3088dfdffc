"""Limits and cleaning for every user text field, stated once so the UI can show them."""

from __future__ import annotations

import re
import unicodedata

from safeguards.errors import InvalidInput
from safeguards.i18n import Term

LIMITS: dict[str, int] = {
    "context": 5000,  # report context
    "comment": 5000,
    "title": 120,
    "note": 1000,  # moderator notes
    "reason": 1000,  # access-request reasons
    "decision_note": 200,  # an owner's reason for a decision on access, shown to the requester
    "statement": 5000,  # an appeal's statement
    "gate_prompt": 1000,  # the prompt of an access form
    "tag": 50,
    "query": 200,
    "username": 100,  # the user a moderator suspends
}
# One-line fields: a newline in a discussion title would break the heading it becomes.
SINGLE_LINE: frozenset[str] = frozenset({"title", "tag", "query", "username"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def clean_text(value: object, field: str, *, required: bool = True) -> str:
    """Normalised text within the field's limit, or InvalidInput saying what to fix."""
    label = Term(f"field.{field}")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("err.not_text", field=label)
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if _CONTROL.search(text):
        raise InvalidInput("err.control_chars", field=label)
    if field in SINGLE_LINE:
        text = " ".join(text.split())
    if required and not text:
        raise InvalidInput("err.required", field=label)
    limit = LIMITS[field]
    if len(text) > limit:
        raise InvalidInput("err.too_long", field=label, length=len(text), limit=limit)
    return text


def clean_tag(value: object) -> str:
    tag = clean_text(value, "tag").lower()
    if not _TAG.match(tag):
        raise InvalidInput("err.bad_tag", tag=tag[:50])
    return tag


def clean_username(value: object) -> str:
    """A username as typed by a moderator: one line, no spaces inside."""
    name = clean_text(value, "username")
    if any(c.isspace() for c in name):
        raise InvalidInput("err.bad_username", user=name[:100])
    return name
