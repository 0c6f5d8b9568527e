#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite with the quality gates:
# ruff (lint + format), mypy --strict on streams/ (and tools/snapshots/), then pytest including
# slow and e2e tests.
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow" -x
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
"$here/scripts/setup.sh"
venv="$here/.venv"

echo "==> ruff check"
"$venv/bin/ruff" check streams tests bench tools
echo "==> ruff format --check"
"$venv/bin/ruff" format --check streams tests bench tools
echo "==> mypy (strict) on streams/ and tools/snapshots/"
"$venv/bin/mypy"
echo "==> pytest"
"$venv/bin/python" -m pytest "$@"
