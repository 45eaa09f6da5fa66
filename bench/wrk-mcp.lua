-- wrk script of the benchmark: MCP tools/call echo over Streamable HTTP, run by LoadGen (--driver wrk).
--
--   wrk -t 1 -c N -d T --latency -s bench/wrk-mcp.lua URL -- SESSIONS_FILE TOOL PROTOCOL_VERSION MODE
--
-- SESSIONS_FILE: one Mcp-Session-Id per line (LoadGen opened the sessions); the requests rotate over them.
-- MODE "session" sends the session id; "modern" sends none and puts the 2026-07-28 _meta envelope and the
-- Mcp-Method/Mcp-Name headers on every request. Each request's text is "t<id>": an answer counts as good only
-- when it is HTTP 200, carries a result (no error, no isError) and echoes the text of its own id. done() prints
-- one line "WRKJSON {...}" that LoadGen reads (latencies in microseconds).

local sessions = {}
local tool, version, modern
local next_id = 0
bad, first_bad = 0, nil -- globals: done() reads them with thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(sessions, line) end
  end
  tool, version, modern = args[2], args[3], args[4] == "modern"
  if not modern and #sessions == 0 then error("wrk-mcp.lua: no session ids in " .. args[1]) end
end

function request()
  next_id = next_id + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = version,
  }
  local meta = ""
  if modern then
    headers["Mcp-Method"] = "tools/call"
    headers["Mcp-Name"] = tool
    meta = ',"_meta":{"io.modelcontextprotocol/protocolVersion":"' .. version
        .. '","io.modelcontextprotocol/clientCapabilities":{}}'
  else
    headers["Mcp-Session-Id"] = sessions[(next_id % #sessions) + 1]
  end
  local body = '{"jsonrpc":"2.0","id":' .. next_id .. ',"method":"tools/call","params":{"name":"' .. tool
      .. '","arguments":{"text":"t' .. next_id .. '"}' .. meta .. '}}'
  return wrk.format("POST", nil, headers, body)
end

local function good(status, body)
  if status ~= 200 or body:find('"error"%s*:') or body:find('"isError"%s*:%s*true') then return false end
  local id = body:match('"id"%s*:%s*(%d+)')
  return id ~= nil and body:find('"text"%s*:%s*"t' .. id .. '"') ~= nil
end

function response(status, headers, body)
  if not good(status, body) then
    bad = bad + 1
    if first_bad == nil then first_bad = "HTTP " .. status .. " " .. body:sub(1, 200) end
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local wrong, first = 0, nil
  for _, thread in ipairs(threads) do
    wrong = wrong + (thread:get("bad") or 0)
    first = first or thread:get("first_bad")
  end
  local e = summary.errors
  io.write(string.format(
      'WRKJSON {"requests":%d,"durationUs":%d,"p50us":%d,"p90us":%d,"p99us":%d,"maxus":%d,'
      .. '"badAnswers":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"statusErrors":%d%s}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, wrong, e.connect, e.read, e.write, e.timeout, e.status,
      first and (',"firstError":' .. json_string(first)) or ""))
end
