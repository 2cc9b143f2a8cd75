#!/usr/bin/env bash
# Create .venv (installing Debian's python3-venv if needed) and install cumulo into it.
# Usage: scripts/venv.sh [extra]   e.g. scripts/venv.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then echo "python3-venv is missing; run as root or install it" >&2; exit 1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
target="."
[ -n "${1:-}" ] && target=".[$1]"
.venv/bin/pip install -q --disable-pip-version-check -e "$target"
