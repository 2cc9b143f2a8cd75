#!/usr/bin/env bash
# Debian packages the test suite starts for real (each only on loopback or in
# network namespaces the tests create). Installed once; quick when present.
set -euo pipefail
PACKAGES=(
    mariadb-server
    openssh-client
    galera-4
    haproxy
    keepalived
    iproute2
    rsync
    openssl
)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then echo "missing packages: ${missing[*]} (run as root)" >&2; exit 1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The suite starts its own servers; the distribution's default instances stay off.
    for svc in mariadb haproxy keepalived; do
        systemctl disable --now "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
    done
fi
