#!/usr/bin/env bash
# Set up what the tests need if missing (Debian's Chromium and a CJK font for the page
# tests, a venv with the pinned packages), then lint and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Chromium drives the page tests (never a downloaded browser); a CJK font makes
# the Chinese screenshots readable.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wenquanyi; then
  echo "== installing chromium and a CJK font from Debian"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium fonts-wqy-zenhei >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Two workers, a test module each (its app and browser stay with it): the page tests
# mostly wait on a browser or a server, so two run side by side on CI's two cores. The
# load benchmark compares throughput against a no-op app in one run, so it runs alone,
# after them, with both cores to itself.
if [ "$#" -gt 0 ]; then
  .venv/bin/python -m pytest -q --timeout=300 -n 2 --dist loadfile "$@"
else
  .venv/bin/python -m pytest -q --timeout=300 -n 2 --dist loadfile --ignore=tests/test_load_bench.py
  .venv/bin/python -m pytest -q --timeout=300 tests/test_load_bench.py
fi
