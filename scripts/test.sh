#!/usr/bin/env bash
# Install everything the tests need, lint, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps.sh
scripts/venv.sh test
.venv/bin/ruff check src tests tools
.venv/bin/mypy src
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
