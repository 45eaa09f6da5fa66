#!/bin/sh
# A tiny stdio MCP server for manager tests, cheap to spawn hundreds of times (no JVM).
# Answers initialize, ping, tools/list and tools/call; a tools/call of the tool "hang" is never answered.
# Each notifications/cancelled is appended to $CANCEL_LOG when set. $START_DELAY seconds before serving.
[ -n "$START_DELAY" ] && sleep "$START_DELAY"
while IFS= read -r line; do
  id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
  case "$line" in
    *'"method":"initialize"'*)
      echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"sh\",\"version\":\"1\"}}}" ;;
    *'notifications/cancelled'*)
      [ -n "$CANCEL_LOG" ] && echo "$line" >> "$CANCEL_LOG" ;;
    *'"name":"hang"'*) ;;
    *'"method":"tools/list"'*)
      echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{\"tools\":[{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}}]}}" ;;
    *'"method":"tools/call"'*)
      echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"pid $$\"}]}}" ;;
    *)
      [ -n "$id" ] && echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{}}" ;;
  esac
done
