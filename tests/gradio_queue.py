"""Call one of the page's event functions over Gradio's queue, as a browser tab does:
POST /gradio_api/queue/join, then read /gradio_api/queue/data (server-sent events).

A refusal on the page is a warning toast and skipped outputs (never Gradio's error
state): the answer still completes, and a `log` message of level "warning" carries the
sentence. `queue_call` reports such an answer as not successful, with the sentence as
its error, so tests read refusals the same way whether they came as a toast or an error.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx

ANSWERS = ("process_completed", "unexpected_error")


def queue_call(
    session: httpx.Client,
    fn_index: int,
    data: list[Any],
    *,
    event_data: Any = None,
    session_hash: str | None = None,
) -> dict[str, Any]:
    """The event's final message (`success`, `output`), with `refusal`: the warning
    toast's sentence, or None. Calls sharing a session_hash share a tab's state."""
    session_hash = session_hash or secrets.token_hex(8)
    joined = session.post(
        "/gradio_api/queue/join",
        json={
            "data": data,
            "fn_index": fn_index,
            "session_hash": session_hash,
            "event_data": event_data,
            "trigger_id": None,
        },
    )
    if joined.status_code != 200:
        return {"success": False, "http": joined.status_code, "output": {}, "refusal": None}
    event_id = joined.json()["event_id"]
    warnings: list[str] = []
    with session.stream(
        "GET", "/gradio_api/queue/data", params={"session_hash": session_hash}
    ) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[len("data:") :])
            if message.get("event_id") != event_id:
                continue
            if message.get("msg") == "log" and message.get("level") == "warning":
                warnings.append(str(message.get("log")))
            elif message.get("msg") in ANSWERS:
                return _read(message, warnings)
    raise AssertionError(f"fn {fn_index}: the stream closed before an answer")


def _read(message: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    message["refusal"] = warnings[-1] if warnings else None
    if warnings and message.get("success"):
        message["success"] = False
        message["output"] = {**(message.get("output") or {}), "error": warnings[-1]}
    return message
