#!/bin/sh
# A 2025 stdio server that exits when its first message is not initialize (some real servers do that with
# the 2026-07-28 server/discover probe). After initialize it answers tools/list and everything else with {}.
IFS= read -r first
case "$first" in
  *'"method":"initialize"'*) ;;
  *) echo "unexpected first message, exiting" >&2; exit 3 ;;
esac
id=$(printf '%s' "$first" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"picky\",\"version\":\"1\"}}}"
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
  case "$line" in
    *'"method":"tools/list"'*)
      echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{\"tools\":[{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}}]}}" ;;
    *) [ -n "$id" ] && echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{}}" ;;
  esac
done
