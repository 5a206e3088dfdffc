"""Who the server thinks is calling, in each sign-in mode, and the start-up errors a
person sees when the catalog or the log is bad."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from apprunner import REPO

from safeguards import research
from safeguards.config import ConfigError, Settings, read_accounts
from safeguards.errors import PermissionDenied
from safeguards.i18n import LANGUAGES, tr
from safeguards.service import Safeguards
from safeguards.ui.common import current_user


def service_for(tmp_path: Path, **settings: object) -> Safeguards:
    return Safeguards.open(Settings(state_dir=tmp_path / "state", **settings))


def profile(username: str) -> gr.OAuthProfile:
    return gr.OAuthProfile(
        {"preferred_username": username, "name": username, "picture": "", "profile": ""}
    )


def test_oauth_identity_comes_from_the_profile(tmp_path: Path) -> None:
    service = service_for(tmp_path, oauth=True, demo=False, moderators=frozenset({"ana"}))
    assert current_user(service, None, None, profile("ana")).is_moderator
    bob = current_user(service, None, None, profile("bob"))
    assert bob.username == "bob" and not bob.is_moderator
    assert current_user(service, None, None, None).username is None
    # A persona name sent by the client means nothing outside demo mode.
    assert current_user(service, "moderator", None, None).username is None


def test_accounts_identity_comes_from_the_login(tmp_path: Path) -> None:
    service = service_for(
        tmp_path, accounts_file=tmp_path / "a.txt", demo=False, moderators=frozenset({"ana"})
    )
    request = SimpleNamespace(username="ana", headers={})
    assert current_user(service, "visitor", request, None).is_moderator
    assert current_user(service, "moderator", SimpleNamespace(username=None), None).username is None


def test_accounts_file_refuses_invisible_and_direction_changing_usernames(
    tmp_path: Path,
) -> None:
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("alice:pw\n# a comment\n\u202eimda:pw\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"accounts.txt:3: .*U\+202E"):
        read_accounts(accounts)
    accounts.write_text("bob\u200b:pw\n", encoding="utf-8")  # zero-width space
    with pytest.raises(ConfigError, match=r"accounts.txt:1: .*U\+200B"):
        read_accounts(accounts)
    accounts.write_text("alice:pw\nbob-2.x_y:pw\n", encoding="utf-8")
    assert set(read_accounts(accounts)) == {"alice", "bob-2.x_y"}


def test_demo_personas(tmp_path: Path) -> None:
    service = Safeguards.open(Settings.from_env({"SAFEGUARDS_STATE_DIR": str(tmp_path / "s")}))
    assert current_user(service, "visitor", None).username is None
    assert current_user(service, "member", None).username == "demo-member"
    owner = current_user(service, "owner", None)
    assert owner.owns(service.catalog.get("demo-studio/recipe-assistant-1b"))
    assert current_user(service, "moderator", None).is_moderator
    assert current_user(service, "no-such-persona", None).username is None


def run_app(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDS_")} | env
    return subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_bad_catalog_and_corrupt_log_stop_start_up_with_file_and_line(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.jsonl"
    good = (REPO / "data" / "demo_catalog.jsonl").read_text().splitlines()[0]
    catalog.write_text(good + "\n" + good + "\n")
    result = run_app({"SAFEGUARDS_CATALOG": str(catalog), "SAFEGUARDS_STATE_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert f"{catalog}:line 2: duplicate id" in result.stderr

    state = tmp_path / "state"
    state.mkdir()
    log = state / "events-host-1-abcd-00001.jsonl"
    log.write_text(
        '{"id":"a","ts":"2026-01-01T00:00:00.000000Z","actor":null,"type":"x"}\nnot json\n{}\n'
    )
    before = log.read_bytes()
    result = run_app({"SAFEGUARDS_STATE_DIR": str(state)})
    assert result.returncode != 0
    assert f"{log}:2: corrupt event log line" in result.stderr
    assert log.read_bytes() == before  # nothing rewritten or deleted


SPACE_WITHOUT_MODERATORS = {
    "SPACE_ID": "ana/safeguards",
    "SPACE_AUTHOR_NAME": "ana",
    "OAUTH_CLIENT_ID": "client",
}


def test_a_space_without_moderators_fails_closed(tmp_path: Path) -> None:
    env = {**SPACE_WITHOUT_MODERATORS, "SAFEGUARDS_STATE_DIR": str(tmp_path / "state")}
    settings = Settings.from_env(env)
    assert not settings.demo and settings.oauth and settings.moderators_defaulted
    assert settings.moderators == frozenset({"ana"})
    service = Safeguards.open(settings)
    # The persona a client names means nothing; an anonymous caller is a visitor.
    anonymous = current_user(service, "moderator", None, None)
    assert anonymous.username is None and not anonymous.is_moderator
    with pytest.raises(PermissionDenied):
        service.moderate(anonymous, "bigscience/bloom", "make_private", "probe")
    with pytest.raises(PermissionDenied):
        research.export_zip(service, anonymous, tmp_path / "export")
    member = current_user(service, None, None, profile("bob"))
    with pytest.raises(PermissionDenied):
        research.export_zip(service, member, tmp_path / "export")
    assert service.artifact(anonymous, "bigscience/bloom").id == "bigscience/bloom"
    owner = current_user(service, None, None, profile("ana"))
    assert owner.is_moderator
    service.moderate(owner, "bigscience/bloom", "downgrade", "the owner moderates")
    # Personas on a Space only when asked for; then the owner is not told to add anyone.
    asked = Settings.from_env({**env, "SAFEGUARDS_DEMO": "1"})
    assert asked.demo
    named = Settings.from_env({**env, "SAFEGUARDS_MODERATORS": "mod-1, mod-2"})
    assert named.moderators == frozenset({"mod-1", "mod-2"}) and not named.moderators_defaulted


def test_the_page_tells_a_space_owner_how_to_add_moderators(tmp_path: Path) -> None:
    from safeguards.ui import build_app

    # Without OAUTH_CLIENT_ID: Gradio's sign-in button needs a real Space (or an HF login).
    env = {**SPACE_WITHOUT_MODERATORS, "SAFEGUARDS_STATE_DIR": str(tmp_path / "state")}
    del env["OAUTH_CLIENT_ID"]
    config = json.dumps(build_app(Safeguards.open(Settings.from_env(env))).config, default=str)
    assert "moderators-notice" in config and 'elem_id": "persona"' not in config
    for language in LANGUAGES:
        assert "SAFEGUARDS_MODERATORS" in tr("app.moderators_notice", language)
    env["SAFEGUARDS_MODERATORS"] = "ana,bob"
    config = json.dumps(build_app(Safeguards.open(Settings.from_env(env))).config, default=str)
    assert "moderators-notice" not in config
