"""What a public deployment meets on its first bad day (issue 16): anonymous uploads,
password guessing, a second process on the same state folder, slow clients.

Each test runs the real app (`python app.py`) on its own free port and temp folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apprunner import RunningApp, start_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def open_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """No sign-in needed to reach the server: the case a public Space is in."""
    workdir = tmp_path_factory.mktemp("public")
    running = start_app(
        workdir, demo=True, extra_env={"GRADIO_TEMP_DIR": str(workdir / "gradio-tmp")}
    )
    yield running
    running.stop()


# -- uploads ---------------------------------------------------------------------------------


def test_an_anonymous_upload_is_refused_and_nothing_is_stored(open_app: RunningApp) -> None:
    cache = Path(open_app.env["GRADIO_TEMP_DIR"])
    marker = b"upload-probe-" + b"x" * 200_000
    with httpx.Client(base_url=open_app.url, timeout=30) as visitor:
        for headers, sentence in (
            ({}, "This app takes no file uploads."),
            ({"Accept-Language": "zh-CN"}, "此应用不接受文件上传。"),
        ):
            answer = visitor.post(
                "/gradio_api/upload", files={"files": ("a.bin", marker)}, headers=headers
            )
            assert answer.status_code == 403
            assert answer.text == sentence  # and no server path
        tiny = visitor.post("/gradio_api/upload", files={"files": ("b.txt", b"hi")})
        assert tiny.status_code == 403 and "/" not in tiny.text
        assert visitor.get("/gradio_api/info").status_code == 200  # the app still answers
    stored = [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    assert not [p for p in stored if p.name in ("a.bin", "b.txt")]
