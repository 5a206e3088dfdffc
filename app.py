"""Openness Safeguards: `python app.py` serves the app (see README.md for the settings)."""

from __future__ import annotations

import logging
import sys

from safeguards.bootstrap import open_service, startup_summary
from safeguards.catalog import CatalogError
from safeguards.config import ConfigError, Settings
from safeguards.eventlog import LogError
from safeguards.ui import build_app, launch_options
from safeguards.ui.connections import connection_limit, install_connection_guard
from safeguards.ui.serving import configure_queue


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env()
        service = open_service(settings)  # serves once state.db is current
        options = launch_options(service)
    except (CatalogError, ConfigError, LogError) as exc:
        sys.exit(f"Openness Safeguards cannot start:\n{exc}")
    demo = build_app(service)
    configure_queue(demo)
    install_connection_guard(
        header_timeout=settings.header_timeout, max_connections=connection_limit()
    )
    # `_frontend=False` skips launch()'s check that the page answers on localhost (for
    # notebooks that need a share link): a flood of connections arriving during that
    # check failed it, and launch() then stopped the server it had just started.
    demo.launch(**options, prevent_thread_lock=True, _frontend=False)
    url = getattr(demo, "local_url", None) or (
        f"http://{settings.server_name}:{settings.server_port}/"
    )
    print(startup_summary(settings, url=url, seeded=service.seeded_events), flush=True)
    demo.block_thread()


if __name__ == "__main__":
    main()
