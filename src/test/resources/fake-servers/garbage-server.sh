#!/usr/bin/env bash
# A fake stdio MCP server that is sloppy with stdout: around every answer it prints lines that are not
# JSON-RPC messages. Each request {"id":N,...} is answered {"jsonrpc":"2.0","id":N,"result":{"n":N}}.
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
  echo "Server starting... (a log line on stdout)"
  echo '{"unterminated":'
  echo '{"hello":"world"}'
  echo '[1,2,3]'
  echo ''
  if [ -n "$id" ]; then
    echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{\"n\":$id}}"
  fi
  echo '"just a string"'
done
