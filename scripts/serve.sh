#!/usr/bin/env bash
# Install cumulo and start a management server on the embedded default:
# SQLite in /var/lib/cumulo (as root), http://127.0.0.1:8080/client/api.
# The first start prints the generated admin password and API keys once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
exec .venv/bin/cumulo serve "$@"
