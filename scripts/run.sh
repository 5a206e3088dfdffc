#!/usr/bin/env bash
# Set up (venv + pinned packages) if needed, then start the app on the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python app.py "$@"
