#!/usr/bin/env bash
# The benchmark: our proxy vs a direct connection vs the Node gateways, side by side in one run.
#
#   bench/run.sh            full run (about 30 minutes): throughput/latency/CPU at 1, 8, 32, 128 sessions,
#                           scale runs (100 stdio upstreams, 10,000 tools, 1,000 idle sessions, demo RSS), JMH
#   bench/run.sh --smoke    a few seconds, ours + direct at 1-2 sessions; exits non-zero when any call failed
#
# Options: --sessions "1 8 32 128"  --seconds 10  --warmup 3  --reps 3  --prewarm 15
#          --setups "direct ours-http ours-http-sse ours-stdio ours-modern supergateway mcp-proxy mcp-hub"
#          --no-scale  --no-jmh  --no-peers
#          --no-syscalls    skip the system calls per call (strace -f -c on each setup's process over one 32-session
#                           cell of its own, after the measured ones; needs strace)
#          --driver wrk|java  the load generator of the calls cells: wrk (default; Debian's package, installed by
#                           bench/install-wrk.sh; one thread, one connection per session) or the Java client
#                           (LoadGen's own; always used for mcp-hub's legacy SSE, which wrk cannot speak)
#          --baseline DIR   also run the proxy of another checkout (built) as setups base-http, base-http-sse,
#                           base-stdio, base-modern, interleaved with ours-*: a before/after in one run on a noisy machine
#          --echo node|java the echo upstream (stdio and HTTP): bench/echo-server.mjs (default; the issue's
#                           "minimal Node echo") or the JVM EchoServer (C1 only, the earlier rounds')
# Results: bench/results/<time>/ (raw JSON lines, logs, table.md). See bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

smoke=0 scale=1 jmh=1 peers=1 syscalls=1 baseline="" driver=wrk echo=node
sessions_list="1 8 32 128" seconds=10 warmup=3 reps=3 setups="" prewarm=15
while (($#)); do
  case $1 in
    --smoke) smoke=1 ;;
    --sessions) sessions_list=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --reps) reps=$2; shift ;;
    --prewarm) prewarm=$2; shift ;;
    --setups) setups=$2; shift ;;
    --no-scale) scale=0 ;;
    --no-jmh) jmh=0 ;;
    --no-peers) peers=0 ;;
    --no-syscalls) syscalls=0 ;;
    --baseline) baseline=$(cd "$2" && pwd); shift ;;
    --driver) driver=$2; shift ;;
    --echo) echo=$2; shift ;;
    -h|--help) sed -n 2,21p "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if ((smoke)); then
  sessions_list="1 2" seconds=2 warmup=1 reps=1 scale=0 jmh=0 peers=0 prewarm=0 syscalls=0
fi
if [[ -z $setups ]]; then
  setups="direct ours-http ours-http-sse ours-stdio ours-modern"
  ((peers)) && setups+=" supergateway mcp-proxy mcp-hub"
  [[ -n $baseline ]] && setups+=" base-http base-http-sse base-stdio base-modern"
fi
if [[ -n $baseline && ! -f $baseline/target/dynamic-mcp-proxy.jar ]]; then
  echo "bench: --baseline $baseline has no target/dynamic-mcp-proxy.jar (build it there first)" >&2; exit 2
fi

jdk=$("$root/bin/find-jdk")
java="$jdk/bin/java"
out="$root/bench/results/$(date +%Y%m%d-%H%M%S)$( ((smoke)) && echo -smoke || true)"
mkdir -p "$out"
results="$out/results.jsonl"
log() { echo "bench: $*" >&2; }

# ---- build: the proxy jar, the benchmark classes (test sources) and their classpath -----------------
log "building (mvnw -DskipTests package) ..."
(cd "$root" && ./mvnw -B -q -DskipTests package >&2)
(cd "$root" && ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test \
   -Dmdep.outputFile="$out/classpath.txt" >&2)
cp="$root/target/test-classes:$root/target/classes:$(cat "$out/classpath.txt")"
jar="$root/target/dynamic-mcp-proxy.jar"
if [[ $setups =~ supergateway|mcp-proxy|mcp-hub ]]; then
  "$here/install-peers.sh"
fi
bin="$here/node_modules/.bin"
case $driver in
  wrk) if ! "$here/install-wrk.sh"; then log "no wrk: the Java load generator drives every cell"; driver=java; fi ;;
  java) ;;
  *) echo "bench: --driver is wrk or java, not $driver" >&2; exit 2 ;;
esac
calls_driver=(--driver "$driver" --wrk-script "$here/wrk-mcp.lua")

# The echo upstream is the same everywhere (stdio child or HTTP), so every setup talks to the same upstream.
# Node (default): what issue 12 measured with, 8-14 us per call. The JVM one runs with small-JVM flags, C1 only
# (it starts fast and an echo needs no C2), and costs several times that, taken from the process under test.
case $echo in
  node) echo_cmd=("$(command -v node)" "$here/echo-server.mjs") ;;
  java) echo_cmd=("$java" -XX:+UseSerialGC -Xms16m -Xmx128m -XX:TieredStopAtLevel=1 -Xss512k -cp "$cp"
          dev.dynamicmcp.bench.EchoServer) ;;
  *) echo "bench: --echo is node or java, not $echo" >&2; exit 2 ;;
esac
# Our proxy runs through its launcher, so the JVM defaults measured are the ones users get; PROXY_JAVA_OPTS
# (exported by the caller) replaces them, as it does for users.
launcher="$root/dynamic-mcp-proxy"

# ---- process bookkeeping: every process we start is its own group, ended by its id on exit ----------
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
start() { # $1 = log name, rest = command; sets $started
  setsid "${@:2}" >"$out/$1.out" 2>"$out/$1.err" </dev/null &
  started=$!
  disown "$started" # no "Killed" job reports when we end it
  pids+=("$started")
}
stop() { kill -TERM -- "-$1" 2>/dev/null || true; sleep 0.3; kill -KILL -- "-$1" 2>/dev/null || true; }
free_port() { "$java" -cp "$cp" dev.dynamicmcp.bench.FreePort; }
loadgen_to() { "$java" -Xmx1g -cp "$cp" dev.dynamicmcp.bench.LoadGen "$2" --out "$1" "${@:3}"; } # $1 = JSON lines file
loadgen() { loadgen_to "$results" "$@"; } # the measurements; "-- CMD" stays last
json_str() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
# A stdio server entry of the config for the echo upstream: "name": {"command": ..., "args": [...]}.
echo_entry() { # $1 = server name, $2 = tool count
  local args="" a
  for a in "${echo_cmd[@]:1}" --stdio --tools "$2"; do args+="${args:+,}\"$(json_str "$a")\""; done
  printf '"%s":{"command":"%s","args":[%s]}' "$1" "$(json_str "${echo_cmd[0]}")" "$args"
}
proxy_config() { # $1 = file, $2 = port, $3 = servers JSON (without braces)
  printf '{"proxy":{"host":"127.0.0.1","port":%s,"namespace":"prefix","separator":"__"},"mcpServers":{%s}}\n' \
    "$2" "$3" >"$1"
}
start_ours() { # $1 = name, $2 = config file, $3 = port, $4 = extra JVM options (optional, after the defaults)
  local run=$launcher
  [[ $1 == base-* ]] && run="$baseline/dynamic-mcp-proxy" # the other checkout's launcher, jar and defaults
  JAVA_OPTS=${4:-} start "$1" "$run" --config "$2" --host 127.0.0.1 --port "$3" --log-level warn
}
wait_ready() { # $1 = setup, $2 = url, $3 = pid, $4 = expected tools
  if ! loadgen ready --setup "$1" --url "$2" --pid "$3" --expect-tools "${4:-1}" --timeout "${5:-90}" >/dev/null; then
    log "$1 did not become ready at $2; its log: $out/$1.err"; tail -5 "$out/$1.err" >&2 || true
    return 1
  fi
}

# ---- the setups -----------------------------------------------------------------------------------
declare -A url pid
port=$(free_port)
start echo-http "${echo_cmd[@]}" --http "$port"
echo_http_pid=$started
url[direct]="http://127.0.0.1:$port/mcp" pid[direct]=$echo_http_pid
# *-http-sse: the same echo answering every call as an event stream (the official TypeScript SDK servers' default)
if [[ " $setups " == *-http-sse* ]]; then
  if [[ $echo != node ]]; then echo "bench: the *-http-sse setups need --echo node (bench/echo-server.mjs --sse)" >&2; exit 2; fi
  port=$(free_port)
  start echo-http-sse "${echo_cmd[@]}" --http "$port" --sse
  url_sse="http://127.0.0.1:$port/mcp"
fi

for setup in $setups; do
  [[ $setup == direct ]] && continue
  port=$(free_port)
  case $setup in
    ours-http|base-http)
      proxy_config "$out/$setup.json" "$port" "\"echo\":{\"url\":\"${url[direct]}\",\"transport\":\"streamable-http\"}"
      start_ours "$setup" "$out/$setup.json" "$port" ;;
    ours-http-sse|base-http-sse)
      proxy_config "$out/$setup.json" "$port" "\"echo\":{\"url\":\"$url_sse\",\"transport\":\"streamable-http\"}"
      start_ours "$setup" "$out/$setup.json" "$port" ;;
    ours-stdio|base-stdio)
      proxy_config "$out/$setup.json" "$port" "$(echo_entry echo 1)"
      start_ours "$setup" "$out/$setup.json" "$port" ;;
    ours-modern|base-modern) # the stateless 2026-07-28 path, into the *-stdio proxy when it runs (same JVM, same upstream)
      stdio=${setup%-modern}-stdio
      if [[ -n ${pid[$stdio]:-} ]]; then
        pid[$setup]=${pid[$stdio]} url[$setup]="modern:${url[$stdio]}"; continue
      fi
      proxy_config "$out/$setup.json" "$port" "$(echo_entry echo 1)"
      start_ours "$setup" "$out/$setup.json" "$port" ;;
    supergateway) # stdio -> Streamable HTTP needs --stateful: stateless spawns one child per request
      start supergateway "$bin/supergateway" --stdio "$(printf '%q ' "${echo_cmd[@]}") --stdio" \
        --outputTransport streamableHttp --stateful --port "$port" --logLevel none ;;
    mcp-proxy)
      start mcp-proxy "$bin/mcp-proxy" --host 127.0.0.1 --port "$port" --server stream -- "${echo_cmd[@]}" --stdio ;;
    mcp-hub) # serves MCP only over legacy SSE (GET /mcp + POST /messages)
      printf '{"mcpServers":{%s}}\n' "$(echo_entry echo 1)" >"$out/mcp-hub.json"
      start mcp-hub "$bin/mcp-hub" --port "$port" --config "$out/mcp-hub.json" ;;
    *) log "unknown setup $setup"; exit 2 ;;
  esac
  pid[$setup]=$started
  case $setup in
    mcp-hub) url[$setup]="sse:http://127.0.0.1:$port/mcp" ;;
    ours-modern|base-modern) url[$setup]="modern:http://127.0.0.1:$port/mcp" ;;
    *) url[$setup]="http://127.0.0.1:$port/mcp" ;;
  esac
done

ready_setups=""
for setup in direct $setups; do
  [[ " $ready_setups " == *" $setup "* ]] && continue
  if wait_ready "$setup" "${url[$setup]}" "${pid[$setup]}" 1; then ready_setups+=" $setup"; fi
done
failed=0
for setup in $setups; do [[ " $ready_setups " == *" $setup "* ]] || failed=1; done

# ---- throughput / latency / CPU: interleaved, the order rotated each repetition -------------------
# A fresh JVM spends its first tens of seconds compiling: load every setup once before measuring, so no
# setup pays its JIT warmup inside a measurement (the per-measurement warmup is too short for that).
if ((prewarm > 0)); then
  for setup in $ready_setups; do
    log "prewarm $setup (${prewarm}s, 8 sessions)"
    loadgen_to "$out/prewarm.jsonl" calls --setup "$setup" --url "${url[$setup]}" "${calls_driver[@]}" \
      --pid "${pid[$setup]}" --sessions 8 --seconds "$prewarm" --warmup 0 >/dev/null || true
  done
fi
order=($ready_setups)
for ((rep = 1; rep <= reps; rep++)); do
  for n in $sessions_list; do
    for setup in "${order[@]}"; do
      log "rep $rep/$reps, $n sessions, $setup"
      loadgen calls --setup "$setup" --rep "$rep" --url "${url[$setup]}" --pid "${pid[$setup]}" "${calls_driver[@]}" \
        --sessions "$n" --seconds "$seconds" --warmup "$warmup" >/dev/null || failed=1
    done
  done
  order=("${order[@]:1}" "${order[0]}")
done

# ---- system calls per call: each setup's process under strace -c over a cell of its own -----------
# Not inside the measured cells: strace slows the process it traces. The count is what the kernel is asked per
# call (reads, writes, epoll registrations, futex wake-ups), a figure the machine's noise hardly moves.
if ((syscalls)) && ! command -v strace >/dev/null; then
  log "no strace: system calls per call skipped (apt-get install strace)"; syscalls=0
fi
if ((syscalls)); then
  for setup in $ready_setups; do
    log "syscalls $setup (${seconds}s, 32 sessions, under strace -f -c)"
    strace -f -c -o "$out/strace-$setup.txt" -p "${pid[$setup]}" 2>/dev/null &
    tracer=$!
    sleep 1 # attached to every thread before the load starts
    loadgen_to "$out/syscalls.jsonl" calls --setup "$setup" --url "${url[$setup]}" "${calls_driver[@]}" \
      --pid "${pid[$setup]}" --sessions 32 --seconds "$seconds" --warmup 0 >/dev/null || true
    kill -INT "$tracer" 2>/dev/null || true
    wait "$tracer" 2>/dev/null || true
  done
fi
for setup in $ready_setups; do [[ $setup == direct || $setup == *-modern ]] || stop "${pid[$setup]}"; done
for m in ours base; do
  if [[ " $ready_setups " == *" $m-modern "* && " $ready_setups " != *" $m-stdio "* ]]; then stop "${pid[$m-modern]}"; fi
done

# ---- scale runs -----------------------------------------------------------------------------------
if ((scale)); then
  # one stdio echo server's own start (spawn -> initialize answered), the reference for "100 ready"
  loadgen start-probe --setup echo-stdio-start --reps 5 -- "${echo_cmd[@]}" --stdio >/dev/null || failed=1
  # and 100 of them started at once with no proxy: the floor on this machine (they share its cores)
  loadgen start-probe --setup echo-stdio-start-100 --parallel 100 -- "${echo_cmd[@]}" --stdio >/dev/null || failed=1
  for count in 1 100; do
    servers="" port=$(free_port)
    for ((i = 1; i <= count; i++)); do servers+="${servers:+,}$(echo_entry "echo$i" 1)"; done
    proxy_config "$out/ours-$count-upstreams.json" "$port" "$servers"
    start_ours "ours-$count-upstreams" "$out/ours-$count-upstreams.json" "$port"
    loadgen ready --setup "ours-$count-upstreams" --url "http://127.0.0.1:$port/mcp" --pid "$started" \
      --expect-tools "$count" --timeout 300 >/dev/null || failed=1
    stop "$started"
  done

  # the same 10,000 tools straight from an HTTP echo upstream: what the client's own parsing costs
  port=$(free_port)
  start direct-10000-tools "${echo_cmd[@]}" --http "$port" --tools 10000
  p=$started
  if wait_ready direct-10000-tools "http://127.0.0.1:$port/mcp" "$p" 10000 60; then
    loadgen tools-list --setup direct-10000-tools --url "http://127.0.0.1:$port/mcp" --pid "$p" \
      --expect-tools 10000 --seconds 10 >/dev/null || failed=1
  else failed=1; fi
  stop "$p"

  port=$(free_port)
  proxy_config "$out/ours-10000-tools.json" "$port" "$(echo_entry many 10000)"
  start_ours ours-10000-tools "$out/ours-10000-tools.json" "$port"
  p=$started
  if wait_ready ours-10000-tools "http://127.0.0.1:$port/mcp" "$p" 10000 120; then
    loadgen tools-list --setup ours-10000-tools --url "http://127.0.0.1:$port/mcp" --pid "$p" \
      --expect-tools 10000 --seconds 10 >/dev/null || failed=1
  else failed=1; fi
  stop "$p"

  port=$(free_port)
  proxy_config "$out/ours-idle.json" "$port" "\"echo\":{\"url\":\"${url[direct]}\",\"transport\":\"streamable-http\"}"
  # a fixed, pre-touched heap: otherwise RSS growth measures how far the JVM chose to grow its heap
  # (replacing the launcher's defaults: their shrinking heap and native trim would blur the per-session figure)
  PROXY_JAVA_OPTS="-Xms256m -Xmx256m -XX:+AlwaysPreTouch" start_ours ours-idle "$out/ours-idle.json" "$port"
  p=$started
  if wait_ready ours-idle "http://127.0.0.1:$port/mcp" "$p" 1; then
    loadgen idle --setup ours-idle-sessions --url "http://127.0.0.1:$port/mcp" --pid "$p" --sessions 1000 \
      >/dev/null || failed=1
  else failed=1; fi
  stop "$p"

  # idle RSS with the built-in demo config (no --config), from 30 s after its servers are up: idle means past
  # start-up (C2's start-up compilations take tens of MB of native memory, given back by the launcher's
  # native-heap trim every 5 s; 5 s after ready read anything from 117 to 144 MB). The median of 7 readings
  # 5 s apart: a single one lands wherever the trim and the last compilations happen to be
  port=$(free_port)
  start ours-demo "$launcher" --host 127.0.0.1 --port "$port" --log-level warn
  p=$started
  if wait_ready ours-demo "http://127.0.0.1:$port/mcp" "$p" 1; then
    sleep 30
    loadgen ready --setup ours-demo-idle --url "http://127.0.0.1:$port/mcp" --pid "$p" --expect-tools 1 \
      --rss-samples 7 --rss-every 5 >/dev/null
  else failed=1; fi
  stop "$p"
fi

# ---- JMH: the hot path of one message -------------------------------------------------------------
if ((jmh)); then
  benchmarks='dev.dynamicmcp.bench.HotPathBenchmark|dev.dynamicmcp.bench.TimerBenchmark'
  benchmarks+='|dev.dynamicmcp.admin.EventFeedBenchmark|dev.dynamicmcp.manager.ManagerLookupBenchmark'
  benchmarks+='|dev.dynamicmcp.ops.CallMetricsBenchmark|dev.dynamicmcp.proxy.RunningCallsBenchmark'
  benchmarks+='|dev.dynamicmcp.transport.server.EventBudgetBenchmark|dev.dynamicmcp.proxy.ModernEdgeBenchmark'
  benchmarks+='|dev.dynamicmcp.transport.server.RequestParseBenchmark|dev.dynamicmcp.transport.AnswerParseBenchmark'
  "$java" -cp "$cp" org.openjdk.jmh.Main "$benchmarks" -f 1 -wi 3 -w 2s -i 5 -r 2s \
    -rf json -rff "$out/jmh.json" >"$out/jmh.txt" 2>&1 || failed=1
  tail -8 "$out/jmh.txt" >&2
fi

# ---- report ---------------------------------------------------------------------------------------
"$java" -cp "$cp" dev.dynamicmcp.bench.Report "$results" "$out/jmh.json" | tee "$out/table.md"
{
  echo; echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $("$java" -version 2>&1 | head -1)"
  echo "echo upstream: $echo$([[ $echo == node ]] && echo " ($(node --version), bench/echo-server.mjs)" || echo " (JVM EchoServer, C1 only)")"
  echo "load generator: $driver$([[ $driver == wrk ]] && echo " ($(wrk --version 2>&1 | head -1 | cut -d' ' -f2); 1 thread, one connection per session; mcp-hub through the Java client: legacy SSE)" || true)"
  echo "command: bench/run.sh $( ((smoke)) && echo --smoke || true) (sessions: $sessions_list; ${seconds}s + ${warmup}s warmup; $reps reps)"
} | tee -a "$out/table.md"
log "results in $out"
exit $failed
