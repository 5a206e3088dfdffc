"""What a public deployment meets on its first bad day (issue 16): anonymous uploads,
password guessing, a second process on the same state folder, slow clients.

Each test runs the real app (`python app.py`) on its own free port and temp folder."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apprunner import ACCOUNTS, MODERATORS, REPO, RunningApp, free_port, start_app

from safeguards.folderlock import hold_state_folder
from safeguards.signin import (
    FIRST_WAIT,
    FORGET_AFTER,
    FREE_FAILURES,
    LONGEST_WAIT,
    SignInThrottle,
    password_check,
)

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


# -- password guessing -------------------------------------------------------------------------


def test_the_throttle_backs_off_and_forgets() -> None:
    now = [1000.0]
    throttle = SignInThrottle(clock=lambda: now[0])
    who = {"username": "alice", "address": "10.0.0.1"}
    for _ in range(FREE_FAILURES):
        assert throttle.wait(**who) == 0
        throttle.failed(**who)
    assert throttle.wait(**who) == FIRST_WAIT
    # Another address guessing the same account waits too, and so does another account
    # guessed from the same address.
    assert throttle.wait(username="alice", address="10.0.0.2") == FIRST_WAIT
    assert throttle.wait(username="bob", address="10.0.0.1") == FIRST_WAIT
    assert throttle.wait(username="bob", address="10.0.0.2") == 0
    for _ in range(20):
        throttle.failed(**who)
    assert throttle.wait(**who) == LONGEST_WAIT  # a minute at most
    now[0] += LONGEST_WAIT
    assert throttle.wait(**who) == 0
    throttle.succeeded(**who)
    assert throttle.wait(username="alice", address="10.0.0.2") == 0
    now[0] += FORGET_AFTER + 1
    assert throttle.wait(username="bob", address="10.0.0.1") == 0


def test_passwords_are_checked_for_the_account_only() -> None:
    check = password_check({"alice": "s3cret", "bob": "other"})
    assert check("alice", "s3cret")
    assert not check("alice", "other") and not check("alice", "s3cret ")
    assert not check("carol", "s3cret") and not check("carol", "")


@pytest.fixture(scope="module")
def accounts_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(
        tmp_path_factory.mktemp("accounts"), accounts=ACCOUNTS, moderators=MODERATORS
    )
    yield running
    running.stop()


def test_the_sixth_wrong_password_is_refused_then_the_user_gets_in(
    accounts_app: RunningApp,
) -> None:
    with httpx.Client(base_url=accounts_app.url, timeout=30) as guesser:

        def login(username: str, password: str, language: str = "en") -> httpx.Response:
            form = {"username": username, "password": password}
            return guesser.post("/login", data=form, headers={"Accept-Language": language})

        wrong = [login("alice", f"guess-{n}").status_code for n in range(FREE_FAILURES)]
        assert all(400 <= code < 500 and code != 429 for code in wrong), wrong
        started = time.monotonic()
        sixth = login("alice", "guess-6")
        assert sixth.status_code == 429
        assert sixth.text.startswith("Too many failed sign-ins for this account")
        assert int(sixth.headers["retry-after"]) >= 1
        # During the back-off even the right password waits (or guessing would go on).
        assert login("alice", ACCOUNTS["alice"]).status_code == 429
        # Another account from the same address is held back too, in the reader's language.
        chinese = login("bob", "guess", "zh-CN")
        assert chinese.status_code == 429 and "登录失败次数过多" in chinese.text
        time.sleep(max(0.0, FIRST_WAIT + 0.2 - (time.monotonic() - started)))
        # As the login page sends it (multipart), the right password now works.
        form = {"username": (None, "alice"), "password": (None, ACCOUNTS["alice"])}
        assert guesser.post("/login", files=form).json() == {"success": True}
    log = accounts_app.log()
    assert "sign-in failed for 'alice'" in log
    assert "guess-" not in log  # never the password


# -- one process per state folder ----------------------------------------------------------


def test_a_second_process_on_the_same_folder_refuses_to_start(
    open_app: RunningApp, tmp_path: Path
) -> None:
    env = {**open_app.env, "GRADIO_SERVER_PORT": str(free_port())}
    second = subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode != 0
    folder = open_app.state_dir.resolve()
    assert f"Another process is already serving the state folder {folder}:" in second.stderr
    assert "Traceback" not in second.stderr
    assert open_app.process.poll() is None  # the first one serves on
    assert httpx.get(f"{open_app.url}/gradio_api/info", timeout=10).status_code == 200


def test_the_lock_is_per_process_and_reentrant(tmp_path: Path) -> None:
    hold_state_folder(tmp_path / "state")
    hold_state_folder(tmp_path / "state")  # the same process again: fine
    probe = (
        "import sys; from pathlib import Path; from safeguards.folderlock import *\n"
        "try:\n    hold_state_folder(Path(sys.argv[1]))\n"
        "except StateFolderBusy as exc:\n    sys.exit(str(exc))\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "state")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert other.returncode == 1 and "already serving" in other.stderr


# -- memory per session ----------------------------------------------------------------------


def test_sessions_keep_little_memory(open_app: RunningApp) -> None:
    """bench/bench_sessions.py at a small size; the target is 25 KiB per session, the
    margin is for a short run on a busy machine (Gradio's own sessions: ~100 KiB)."""
    sys.path.insert(0, str(REPO / "bench"))
    import bench_sessions

    result = bench_sessions.run(open_app, sessions=150, warmup=30)
    print(result)
    assert result["kib_per_session"] < 50, result


def test_the_deep_link_endpoint_writes_nothing(open_app: RunningApp) -> None:
    answer = httpx.get(
        f"{open_app.url}/gradio_api/deep_link", params={"session_hash": "x"}, timeout=10
    )
    assert answer.status_code == 403 and "share the address" in answer.text
    assert not list(Path(open_app.env["GRADIO_TEMP_DIR"]).rglob("state.json"))


# -- slow clients --------------------------------------------------------------------------


def test_300_idle_sockets_under_a_256_file_limit_leave_the_page_answering(
    tmp_path: Path,
) -> None:
    app = start_app(tmp_path, demo=True, fd_limit=256, extra_env={"SAFEGUARDS_HEADER_TIMEOUT": "3"})
    host, port = "127.0.0.1", int(app.env["GRADIO_SERVER_PORT"])
    idle: list[socket.socket] = []
    try:
        for _ in range(300):  # half a request each, never finished
            sock = socket.create_connection((host, port), timeout=5)
            sock.sendall(b"GET /gradio_api/info HTTP/1.1\r\nHost: x\r\n")
            idle.append(sock)
        started = time.monotonic()
        page = httpx.get(f"{app.url}/", timeout=20)
        info = httpx.get(f"{app.url}/gradio_api/info", timeout=20)
        answered = time.monotonic() - started
        assert page.status_code == 200 and info.status_code == 200
        assert answered < 10, f"{answered:.1f} s"
        time.sleep(4)  # past the header deadline: the server has let every one go
        dropped = 0
        for sock in idle:
            sock.settimeout(2)
            try:
                dropped += sock.recv(1024) == b""
            except (TimeoutError, ConnectionResetError):
                dropped += 0 if isinstance(sys.exc_info()[1], TimeoutError) else 1
        assert dropped == len(idle)
        assert httpx.get(f"{app.url}/gradio_api/info", timeout=20).status_code == 200
    finally:
        for sock in idle:
            sock.close()
        app.stop()
    print(f"page answered in {answered:.2f} s with 300 idle sockets open")


def test_a_forked_child_does_not_keep_the_folder_locked(tmp_path: Path) -> None:
    """A forked child outlives the app: when the app dies, its lock must go with it."""
    probe = (
        "import os, sys, time; from pathlib import Path\n"
        "from safeguards.folderlock import hold_state_folder\n"
        "hold_state_folder(Path(sys.argv[1]))\n"
        "if os.fork() == 0:\n    time.sleep(30); os._exit(0)\n"
        "os._exit(0)\n"
    )
    subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "state")], cwd=REPO, check=True, timeout=60
    )
    hold_state_folder(tmp_path / "state")  # the child still runs; the folder is free
