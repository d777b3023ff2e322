#!/usr/bin/env bash
# Lint, format check and type check, configured in pyproject.toml; .ci/run runs this before the tests.
# Run from anywhere; each step runs even when an earlier one failed, and the exit status is non-zero
# when any failed. RUFF / MYPY override the tools (default: the ones on PATH, e.g. the active venv).
set -uo pipefail
cd "$(dirname "$0")/.."
RUFF=${RUFF:-ruff}
MYPY=${MYPY:-mypy}
status=0
echo "lint: ruff format --check"; "$RUFF" format --check src tests || status=1
echo "lint: ruff check"; "$RUFF" check src tests || status=1
echo "lint: mypy"; "$MYPY" || status=1
[ "$status" = 0 ] && echo "lint: all passed" || echo "lint: FAILED (see above)" >&2
exit "$status"
