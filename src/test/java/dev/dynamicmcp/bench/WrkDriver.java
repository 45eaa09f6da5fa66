package dev.dynamicmcp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code calls} measurement driven by wrk (one thread, one connection per session) instead of the Java
 * load generator: a load generator in C costs the 2-core machine a fraction of what a JVM client does, so
 * the proxy under test gets the cores the figures are about. LoadGen opens the sessions (initialize) with
 * {@link BenchClient}, then runs {@code bench/wrk-mcp.lua}, which rotates the session ids over the requests
 * and checks every answer (HTTP 200, a result echoing its own request's text). CPU and RSS of the process
 * under test are read around the measured run. Every failure is real: wrk's socket errors (connect, read,
 * write, timeout), non-2xx answers and wrong answers all count; wrk reconnects on its own after a server's
 * {@code Connection: close} without counting it.
 */
final class WrkDriver {
    private WrkDriver() {
    }

    static ObjectNode calls(BenchClient probe, List<BenchClient> clients, String tool, Path script, double seconds,
            double warmup, long pid) throws IOException, InterruptedException {
        Path sessionsFile = Files.createTempFile("wrk-sessions", ".txt");
        try {
            List<String> ids = new ArrayList<>();
            for (BenchClient client : clients) {
                if (client.sessionId() != null) {
                    ids.add(client.sessionId());
                }
            }
            Files.write(sessionsFile, ids, StandardCharsets.UTF_8);
            List<String> args = List.of("--", sessionsFile.toString(), tool, probe.protocolVersion(),
                    probe.isModern() ? "modern" : "session");
            int connections = clients.size();
            JsonNode warm = warmup > 0 ? run(probe, script, connections, warmup, args) : null;
            ProcStats before = pid > 0 ? ProcStats.of(pid) : null;
            JsonNode measured = run(probe, script, connections, seconds, args);
            ProcStats after = pid > 0 ? ProcStats.of(pid) : null;

            long calls = measured.path("requests").asLong();
            double elapsed = measured.path("durationUs").asLong() / 1e6;
            ObjectNode result = Json.object().put("driver", "wrk")
                    .put("sessions", connections).put("tool", tool)
                    .put("seconds", LoadGen.round(elapsed)).put("calls", calls)
                    .put("callsPerSecond", LoadGen.round(calls / elapsed))
                    .put("p50us", measured.path("p50us").asDouble()).put("p90us", measured.path("p90us").asDouble())
                    .put("p99us", measured.path("p99us").asDouble()).put("maxus", measured.path("maxus").asDouble())
                    .put("errors", errors(measured) + (warm == null ? 0 : errors(warm))) // warm-up calls must succeed too
                    .put("socketErrors", socketErrors(measured)).put("staleRetries", 0);
            String firstError = warm != null && warm.has("firstError") ? warm.get("firstError").asText()
                    : measured.path("firstError").asText(null);
            if (firstError != null) {
                result.put("firstError", firstError);
            }
            if (before != null) {
                double cpu = after.cpuSecondsSince(before);
                result.put("cpuUsPerCall", LoadGen.round(calls == 0 ? Double.NaN : cpu * 1e6 / calls))
                        .put("cpuCores", LoadGen.round(cpu / elapsed)).put("rssKb", after.rssKb())
                        .put("switchesPerCall", LoadGen.round(after.switchesPerCallSince(before, calls)));
            }
            return result;
        } finally {
            Files.deleteIfExists(sessionsFile);
        }
    }

    /** One wrk run; its WRKJSON line. */
    private static JsonNode run(BenchClient probe, Path script, int connections, double seconds, List<String> args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("wrk", "-t", "1", "-c", "" + connections,
                "-d", Math.max(1, Math.round(seconds)) + "s", "--timeout", "30s", "-s", script.toString(),
                probe.uri().toString()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        for (String line : output.split("\n")) {
            if (line.startsWith("WRKJSON ")) {
                return Json.parse(line.substring("WRKJSON ".length()));
            }
        }
        throw new IOException("wrk exited " + status + " without a result line: " + output.strip());
    }

    private static long socketErrors(JsonNode run) {
        return run.path("connectErrors").asLong() + run.path("readErrors").asLong()
                + run.path("writeErrors").asLong() + run.path("timeouts").asLong();
    }

    private static long errors(JsonNode run) {
        return socketErrors(run) + run.path("badAnswers").asLong();
    }
}
