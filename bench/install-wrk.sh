#!/usr/bin/env bash
# Installs wrk (Debian's package) for the benchmark's default load generator. Idempotent: returns at once
# when wrk is on the PATH. Where it cannot be installed (not root and no password-less sudo, no apt-get,
# package missing) it says so and exits 1: run.sh then falls back to the Java load generator (--driver java).
set -uo pipefail

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-wrk: no apt-get here; install wrk by hand or use --driver java" >&2
    exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
    else
        echo "install-wrk: not root and no password-less sudo; install wrk by hand or use --driver java" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-wrk: installing wrk (apt-get)" >&2
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends wrk >/tmp/install-wrk.log 2>&1; then
    "${sudo[@]}" apt-get update -qq >>/tmp/install-wrk.log 2>&1 || true
    if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends wrk >>/tmp/install-wrk.log 2>&1; then
        echo "install-wrk: wrk could not be installed (see /tmp/install-wrk.log):" >&2
        tail -n 5 /tmp/install-wrk.log >&2
        exit 1
    fi
fi
echo "install-wrk: $(wrk --version 2>&1 | head -1)" >&2
