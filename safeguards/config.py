"""Settings read from the environment (the contract's variable names), once, at start-up."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from safeguards.catalog import DEMO_CATALOG
from safeguards.categories import parse_response_targets

DEMO_PERSONAS: dict[str, str | None] = {
    "visitor": None,
    "member": "demo-member",
    "owner": "demo-studio",  # owns the demo-studio/* artifacts of the demo catalog
    "moderator": "demo-moderator",
}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    state_dir: Path = Path("state")
    catalog_path: Path = DEMO_CATALOG
    moderators: frozenset[str] = frozenset()
    accounts_file: Path | None = None
    oauth: bool = False
    demo: bool = True
    space: bool = False  # running on a Hugging Face Space (SPACE_ID or SPACE_AUTHOR_NAME)
    moderators_defaulted: bool = False  # the Space's owner, for want of SAFEGUARDS_MODERATORS
    demo_seed: bool = True  # demo mode on an empty state folder starts from an example history
    hub_dataset: str | None = None
    server_name: str = "127.0.0.1"
    server_port: int = 7860
    reports_per_hour: int = 10
    comments_per_hour: int = 60
    header_timeout: float = 30.0  # seconds a connection may take to send its request headers
    response_targets: str = ""  # reason=owner_hours/decision_hours,... over the defaults
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        accounts = env.get("SAFEGUARDS_ACCOUNTS") or None
        # A Space with `hf_oauth: true` gets OAUTH_CLIENT_ID injected.
        oauth = bool(env.get("OAUTH_CLIENT_ID")) and bool(env.get("SPACE_ID"))
        space = bool(env.get("SPACE_ID") or env.get("SPACE_AUTHOR_NAME"))
        moderators = {m.strip() for m in env.get("SAFEGUARDS_MODERATORS", "").split(",")}
        moderators.discard("")
        # A forgotten variable fails closed: on a Space the owner moderates, nobody else.
        owner = (env.get("SPACE_AUTHOR_NAME") or "").strip()
        defaulted = space and not moderators and bool(owner)
        if defaulted:
            moderators.add(owner)
        demo_flag = env.get("SAFEGUARDS_DEMO", "").strip()
        if demo_flag in ("0", "1"):
            demo = demo_flag == "1"
        else:  # only a laptop with no sign-in; a Space shows personas only when asked to
            demo = not space and not accounts and not oauth
        if demo:
            moderators.add(DEMO_PERSONAS["moderator"] or "")
        return cls(
            state_dir=Path(env.get("SAFEGUARDS_STATE_DIR") or "state"),
            catalog_path=Path(env.get("SAFEGUARDS_CATALOG") or DEMO_CATALOG),
            moderators=frozenset(moderators),
            accounts_file=Path(accounts) if accounts else None,
            oauth=oauth,
            demo=demo,
            space=space,
            moderators_defaulted=defaulted,
            hub_dataset=env.get("SAFEGUARDS_HUB_DATASET") or None,
            demo_seed=_flag(env, "SAFEGUARDS_DEMO_SEED", True),
            server_name=env.get("GRADIO_SERVER_NAME") or "127.0.0.1",
            server_port=_int(env, "GRADIO_SERVER_PORT", 7860),
            reports_per_hour=_int(env, "SAFEGUARDS_REPORTS_PER_HOUR", 10),
            comments_per_hour=_int(env, "SAFEGUARDS_COMMENTS_PER_HOUR", 60),
            header_timeout=float(_int(env, "SAFEGUARDS_HEADER_TIMEOUT", 30)),
            response_targets=_targets(env, "SAFEGUARDS_RESPONSE_TARGETS"),
        )


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if raw not in ("0", "1"):
        raise ConfigError(f"{name} must be 0 or 1, not {raw!r}")
    return raw == "1"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def username_problem(name: str) -> str | None:
    """Why a username cannot be used, or None. Invisible and direction-changing
    characters (Unicode "format" characters such as U+202E) would let one name pass for
    another on every page that shows who reported or acted."""
    hidden = sorted({f"U+{ord(c):04X}" for c in name if unicodedata.category(c) == "Cf"})
    if hidden:
        named = ", ".join(hidden)
        return f"the username contains invisible or direction-changing characters ({named})"
    return None


def read_accounts(path: Path) -> dict[str, str]:
    """`username:password` lines; blank lines and `#` comments are ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the accounts file ({exc})") from None
    accounts: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        username, sep, password = line.partition(":")
        if not sep or not username.strip() or not password:
            raise ConfigError(f"{path}:{number}: expected username:password")
        if problem := username_problem(username.strip()):
            raise ConfigError(f"{path}:{number}: {problem}")
        accounts[username.strip()] = password
    if not accounts:
        raise ConfigError(f"{path}: the accounts file lists no accounts")
    return accounts


def _targets(env: Mapping[str, str], name: str) -> str:
    """The raw spec, checked now so a typo stops the start."""
    raw = (env.get(name) or "").strip()
    try:
        parse_response_targets(raw)
    except ValueError as error:
        raise ConfigError(f"{name}: {error}") from None
    return raw
