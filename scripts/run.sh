#!/usr/bin/env bash
# Set up (venv + pinned packages) if needed, then start the app on the embedded default.
# pip runs only when requirements.txt changed since the last install (its hash is kept in
# .venv/.requirements.sha256), and shows its progress: the first install takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv ..."
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
wanted=$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("requirements.txt", "rb").read()).hexdigest())')
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  echo "Installing the pinned packages (requirements.txt); the first time takes a few minutes ..."
  .venv/bin/python -m pip install --disable-pip-version-check --progress-bar on -r requirements.txt
  echo "$wanted" > "$stamp"
else
  echo "Packages up to date with requirements.txt (pip skipped)."
fi
exec .venv/bin/python app.py "$@"
