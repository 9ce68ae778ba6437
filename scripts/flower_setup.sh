#!/usr/bin/env bash
# The Flower side's virtualenv: flwr 1.42.0 and everything it needs, pinned in
# flower/requirements.lock, from PyPI into .venv-flower (never a system-wide install).
# Idempotent: a second run checks the pins and returns in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-flower
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import flwr, sys; sys.exit(flwr.__version__ != "1.42.0")' 2>/dev/null \
   || ! cmp -s flower/requirements.lock "$VENV/.installed.lock"; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r flower/requirements.lock
  cp flower/requirements.lock "$VENV/.installed.lock"
fi
"$VENV/bin/python" -c 'import flwr; print("flwr", flwr.__version__, "in .venv-flower")'
