"""Start the real app (`python app.py`) in a subprocess for HTTP and browser tests."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent

# Identities the HTTP and browser tests use (accounts mode).
ACCOUNTS = {
    "alice": "alice-pass",  # member
    "bob": "bob-pass",  # member
    "demo-studio": "owner-pass",  # owns demo-studio/* in the demo catalog
    "mod-ana": "mod-pass",  # moderator
}
MODERATORS = "mod-ana"


def _limit_files(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    state_dir: Path
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_app(
    workdir: Path,
    *,
    accounts: dict[str, str] | None = None,
    moderators: str = "",
    demo: bool | None = None,
    seed: bool = False,
    state_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120,
    fd_limit: int | None = None,
) -> RunningApp:
    """Run app.py on a free port and wait until it answers; accounts=None means no
    accounts file (demo mode unless demo=False); fd_limit: the process's open-file limit
    (a container's, say). `seed`: let demo mode write its example history on an empty
    state folder (off by default: most tests start from nothing)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEGUARDS_", "GRADIO_"))}
    env.update(
        {
            "GRADIO_SERVER_PORT": str(port),
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "SAFEGUARDS_STATE_DIR": str(state_dir or workdir / "state"),
            "SAFEGUARDS_MODERATORS": moderators,
            "SAFEGUARDS_DEMO_SEED": "1" if seed else "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if accounts is not None:
        accounts_file = workdir / "accounts.txt"
        accounts_file.write_text("".join(f"{u}:{p}\n" for u, p in accounts.items()))
        env["SAFEGUARDS_ACCOUNTS"] = str(accounts_file)
    if demo is not None:
        env["SAFEGUARDS_DEMO"] = "1" if demo else "0"
    env.update(extra_env or {})
    log_path = workdir / f"app-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "app.py")],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=None if fd_limit is None else _limit_files(fd_limit),
        )
    app = RunningApp(
        f"http://127.0.0.1:{port}", Path(env["SAFEGUARDS_STATE_DIR"]), process, log_path, env
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app exited with {process.returncode}:\n{app.log()}")
        try:
            if httpx.get(f"{app.url}/gradio_api/info", timeout=2).status_code in (200, 401):
                return app
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    app.stop()
    raise RuntimeError(f"app did not start within {timeout} s:\n{app.log()}")
