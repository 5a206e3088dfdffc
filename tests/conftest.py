"""Shared fixtures. Environment first: huggingface_hub and gradio read it at import."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser import launch
from playwright.sync_api import Browser, sync_playwright

from safeguards.config import Settings
from safeguards.service import Safeguards

MODERATOR = "mod-ana"
OWNER = "demo-studio"  # owns demo-studio/* in the demo catalog


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", moderators=frozenset({MODERATOR}), demo=False)


@pytest.fixture
def make_service(settings: Settings) -> Callable[..., Safeguards]:
    """A service over the demo catalog; call again to simulate a restart on the same state."""

    def make(**overrides: object) -> Safeguards:
        return Safeguards.open(Settings(**{**vars(settings), **overrides}))

    return make


@pytest.fixture
def service(make_service: Callable[..., Safeguards]) -> Safeguards:
    return make_service()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium, one per test module (page tests)."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()
