#!/usr/bin/env bash
# Installs the npm test peers exactly as pinned in package-lock.json (npm ci), once per lock change.
# Run by the Maven build before the tests (exec-maven-plugin), so no peer is ever installed by hand.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "install-peers: npm not found; the tests need node and npm (node >= 20)" >&2; exit 1; }
stamp=node_modules/.installed-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi
echo "install-peers: npm ci (server-everything, conformance, inspector-cli, node 22)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" > "$stamp"
