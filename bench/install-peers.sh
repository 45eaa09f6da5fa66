#!/usr/bin/env bash
# Installs the Node gateways the benchmark compares against (supergateway, mcp-hub, mcp-proxy), exactly as
# pinned in package-lock.json (npm ci), once per lock change. Called by run.sh; never install them by hand.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "bench: npm not found; the peer comparison needs node >= 20 and npm" >&2; exit 1; }
stamp=node_modules/.installed-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi
echo "bench: npm ci (supergateway, mcp-hub, mcp-proxy)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" > "$stamp"
