package dev.dynamicmcp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * Turns the load generator's JSON lines (and JMH's JSON) into the markdown tables of bench/RESULTS.md:
 * medians over repetitions, ratios computed within each repetition (same minute, same machine load) and
 * then their median, and the targets of issues 12 and 4 with measured values.
 *
 * <pre>Report results.jsonl [jmh.json]</pre>
 *
 * <p>Beside results.jsonl, {@code syscalls.jsonl} and {@code strace-<setup>.txt} (bench/run.sh's traced cells)
 * give the system calls per call.
 */
public final class Report {
    static final List<String> PEERS = List.of("supergateway", "mcp-proxy", "mcp-hub");

    private final List<JsonNode> rows = new ArrayList<>();
    private final StringBuilder out = new StringBuilder();
    /** Per setup: its traced cell, when bench/run.sh made one. */
    private final Map<String, TracedCell> traced = new LinkedHashMap<>();

    /** The calls of a cell run under strace, and strace's counts over it. */
    private record TracedCell(long calls, Syscalls syscalls) {}

    private Report(List<JsonNode> rows) {
        this.rows.addAll(rows);
    }

    public static void main(String[] args) throws IOException {
        List<JsonNode> rows = jsonLines(Path.of(args[0]));
        JsonNode jmh = args.length > 1 && Files.exists(Path.of(args[1])) ? Json.parse(Files.readString(Path.of(args[1])))
                : null;
        Report report = new Report(rows);
        report.syscalls(Path.of(args[0]).toAbsolutePath().getParent());
        System.out.print(report.render(jmh));
    }

    /** The JSON object on each line of {@code file}; none when it does not exist. */
    private static List<JsonNode> jsonLines(Path file) throws IOException {
        List<JsonNode> values = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    values.add(Json.parse(line));
                }
            }
        }
        return values;
    }

    private void syscalls(Path dir) throws IOException {
        for (JsonNode cell : jsonLines(dir.resolve("syscalls.jsonl"))) {
            String setup = cell.path("setup").asText();
            Path summary = dir.resolve("strace-" + setup + ".txt");
            if (cell.path("errors").asLong() == 0 && cell.path("calls").asLong() > 0 && Files.exists(summary)) {
                traced.put(setup, new TracedCell(cell.path("calls").asLong(),
                        Syscalls.parse(Files.readString(summary))));
            }
        }
    }

    String render(JsonNode jmh) {
        List<JsonNode> calls = rows.stream().filter(r -> r.path("mode").asText().equals("calls")).toList();
        List<String> setups = calls.stream().map(r -> r.path("setup").asText()).distinct().toList();
        TreeSet<Integer> sessionCounts = new TreeSet<>();
        calls.forEach(r -> sessionCounts.add(r.path("sessions").asInt()));

        line("### tools/call echo, medians over repetitions");
        line("");
        line("| sessions | setup | calls/s | p50 µs | p90 µs | p99 µs | max µs | CPU µs/call | switches/call | RSS MB | errors | reps |");
        line("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int n : sessionCounts) {
            for (String setup : setups) {
                List<JsonNode> runs = calls.stream().filter(r -> r.path("setup").asText().equals(setup)
                        && r.path("sessions").asInt() == n).toList();
                if (runs.isEmpty()) {
                    continue;
                }
                line("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d |", n, setup,
                        fmt(median(runs, "callsPerSecond")), fmt(median(runs, "p50us")), fmt(median(runs, "p90us")),
                        fmt(median(runs, "p99us")), fmt(median(runs, "maxus")), fmt(median(runs, "cpuUsPerCall")),
                        fmt(median(runs, "switchesPerCall")), fmt(median(runs, "rssKb") / 1024), runs.stream().mapToLong(r -> r.path("errors").asLong()).sum(),
                        runs.size());
            }
        }

        line("");
        line("### ratios (computed within each repetition, then the median)");
        line("");
        line("| sessions | ours-http / direct calls/s | ours-http − direct p50 µs | ours-stdio / direct calls/s | "
                + "ours-stdio − direct p50 µs | ours-modern / ours-stdio CPU µs/call | "
                + String.join(" | ", PEERS.stream().map(p -> "ours-stdio / " + p + " calls/s").toList()) + " |");
        line("|---:|---:|---:|---:|---:|---:|" + "---:|".repeat(PEERS.size()));
        for (int n : sessionCounts) {
            StringBuilder peerCells = new StringBuilder();
            for (String peer : PEERS) {
                peerCells.append(" ").append(fmt(ratio(calls, n, "ours-stdio", peer, "callsPerSecond", false))).append(" |");
            }
            line("| %d | %s | %s | %s | %s | %s |%s", n, fmt2(ratio(calls, n, "ours-http", "direct", "callsPerSecond", false)),
                    fmt(ratio(calls, n, "ours-http", "direct", "p50us", true)),
                    fmt2(ratio(calls, n, "ours-stdio", "direct", "callsPerSecond", false)),
                    fmt(ratio(calls, n, "ours-stdio", "direct", "p50us", true)),
                    fmt2(ratio(calls, n, "ours-modern", "ours-stdio", "cpuUsPerCall", false)), peerCells);
        }

        line("");
        line("### targets (issue 12)");
        line("");
        line("| figure | target | measured |");
        line("|---|---|---|");
        target("proxy CPU per proxied call, stdio upstream, 32 sessions (1 session)", "≤ 25 µs (≤ 50 µs)",
                withUnit(median(select(calls, "ours-stdio", 32), "cpuUsPerCall"), " µs") + " ("
                        + withUnit(median(select(calls, "ours-stdio", 1), "cpuUsPerCall"), " µs") + ")");
        target("proxy CPU per proxied call, HTTP upstream, 32 sessions (1 session)", "≤ 35 µs (≤ 70 µs)",
                withUnit(median(select(calls, "ours-http", 32), "cpuUsPerCall"), " µs") + " ("
                        + withUnit(median(select(calls, "ours-http", 1), "cpuUsPerCall"), " µs") + ")");
        target("throughput ours-stdio / direct, 32 sessions", "≥ 0.5",
                fmt2(ratio(calls, 32, "ours-stdio", "direct", "callsPerSecond", false)));
        target("throughput ours-http / direct, 32 sessions", "≥ 0.45",
                fmt2(ratio(calls, 32, "ours-http", "direct", "callsPerSecond", false)));
        target("added p50 latency vs direct, 1 session, stdio", "≤ 40 µs",
                withUnit(ratio(calls, 1, "ours-stdio", "direct", "p50us", true), " µs"));
        target("added p50 latency vs direct, 1 session, HTTP", "≤ 80 µs",
                withUnit(ratio(calls, 1, "ours-http", "direct", "p50us", true), " µs"));
        target("idle RSS with the demo config (default launcher)", "≤ 120 MB", demoIdleRss());
        target("RSS under the 32-session run, largest of ours-*", "≤ 250 MB", withUnit(calls.stream()
                .filter(r -> r.path("setup").asText().startsWith("ours-") && r.path("sessions").asInt() == 32)
                .mapToDouble(r -> r.path("rssKb").asDouble() / 1024).max().orElse(Double.NaN), " MB"));
        target("modern (2026-07-28) / session path CPU per call, stdio, 32 sessions", "≤ 1.0",
                fmt2(ratio(calls, 32, "ours-modern", "ours-stdio", "cpuUsPerCall", false)));
        target("failed calls, every cell (stale keep-alive retries, not failures)", "0", calls.stream()
                .mapToLong(r -> r.path("errors").asLong()).sum() + " (retries: direct " + calls.stream()
                .filter(r -> r.path("setup").asText().equals("direct")).mapToLong(r -> r.path("staleRetries").asLong())
                .sum() + ", others " + calls.stream().filter(r -> !r.path("setup").asText().equals("direct"))
                .mapToLong(r -> r.path("staleRetries").asLong()).sum() + ")");
        line("");
        // the machine's speed differs by 2-4x between days (shared host): the echo's own cost is the yardstick
        line("The echo alone (direct) cost %s CPU per call at 32 sessions in this run; the proxy's CPU per call in "
                        + "those units: stdio %s, HTTP %s.",
                withUnit(median(select(calls, "direct", 32), "cpuUsPerCall"), " µs"),
                fmt2(ratio(calls, 32, "ours-stdio", "direct", "cpuUsPerCall", false)),
                fmt2(ratio(calls, 32, "ours-http", "direct", "cpuUsPerCall", false)));
        line("");
        if (!traced.isEmpty()) {
            renderSyscalls();
        }
        line("### other figures (targets of issue 4)");
        line("");
        line("| figure | target | measured |");
        line("|---|---|---|");
        for (String peer : PEERS) {
            target("throughput vs " + peer + ", same stdio upstream, 32 sessions", "≥ 5×",
                    withUnit(ratio(calls, 32, "ours-stdio", peer, "callsPerSecond", false), "×"));
        }
        target("idle RSS with the demo config", "≤ 150 MB", demoIdleRss());
        Optional<JsonNode> idle = find("idle", "ours-idle-sessions");
        target("memory per idle downstream session", "≤ 20 KB", idle.map(r -> fmt(r.path("rssPerSessionKb").asDouble())
                + " KB RSS, " + fmt(r.path("heapPerSessionKb").asDouble(Double.NaN)) + " KB heap ("
                + r.path("sessions").asInt() + " sessions)").orElse("not yet measured"));
        Optional<JsonNode> tools = find("tools-list", "ours-10000-tools");
        target("tools/list with 10,000 aggregated tools", "≤ 5 ms", tools.map(r -> "p50 " + fmt(r.path("p50us").asDouble()
                / 1000) + " ms, p99 " + fmt(r.path("p99us").asDouble() / 1000) + " ms, RSS "
                + fmt(r.path("rssKb").asDouble() / 1024) + " MB (" + r.path("tools").asInt() + " tools"
                + find("tools-list", "direct-10000-tools").map(d -> "; direct from the upstream: p50 "
                        + fmt(d.path("p50us").asDouble() / 1000) + " ms").orElse("") + ")")
                .orElse("not yet measured"));
        double hundred = single("ready", "ours-100-upstreams", "readySeconds");
        double one = single("ready", "ours-1-upstreams", "readySeconds");
        double probe = single("start-probe", "echo-stdio-start", "maxSeconds");
        target("100 stdio upstreams ready", "≤ 2× the slowest single server's start",
                Double.isNaN(hundred) ? "not yet measured" : String.format(Locale.ROOT,
                        "%s s (proxy with 1 upstream: %s s; one echo server alone, slowest of 5: %s s; ratio %s×; "
                                + "100 echo servers started at once without the proxy: %s s; RSS %s MB)", fmt(hundred),
                        fmt(one), fmt(probe), fmt2(hundred / probe),
                        fmt(single("start-probe", "echo-stdio-start-100", "allAnsweredSeconds")),
                        fmt(single("ready", "ours-100-upstreams", "rssKb") / 1024)));

        if (jmh != null && jmh.isArray()) {
            line("");
            line("### JMH: hot path of one message");
            line("");
            line("| benchmark | mode | score | error | unit |");
            line("|---|---|---:|---:|---|");
            for (JsonNode b : jmh) {
                JsonNode m = b.path("primaryMetric");
                // Class.method, and the parameters of a parameterised benchmark (one row each)
                String benchmark = b.path("benchmark").asText();
                StringBuilder name = new StringBuilder(benchmark.replaceAll(".*\\.(\\w+\\.\\w+)$", "$1"));
                b.path("params").properties().forEach(p -> name.append(' ').append(p.getKey()).append('=')
                        .append(p.getValue().asText()));
                line("| %s | %s | %s | %s | %s |", name,
                        b.path("mode").asText(), fmt2(m.path("score").asDouble()), fmt2(m.path("scoreError").asDouble()),
                        m.path("scoreUnit").asText());
            }
        }
        return out.toString();
    }

    /** The syscall table's columns after read (a column may add up several names); the rest is "other". */
    private static final List<List<String>> SYSCALL_COLUMNS = List.of(List.of("write"), List.of("writev"),
            List.of("epoll_ctl"), List.of("epoll_wait", "epoll_pwait"), List.of("futex"));
    private static final List<String> SYSCALLS_NAMED = Stream.concat(Stream.of("read"),
            SYSCALL_COLUMNS.stream().flatMap(List::stream)).toList();

    private void renderSyscalls() {
        line("### system calls per call (strace -f -c on the process under test, one cell of its own per setup)");
        line("");
        line("| setup | calls traced | syscalls/call | read (of which EAGAIN) | write | writev | epoll_ctl | "
                + "epoll_wait | futex | other, largest first |");
        line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        traced.forEach((setup, cell) -> {
            Syscalls counts = cell.syscalls();
            double calls = cell.calls();
            StringBuilder row = new StringBuilder("| " + setup + " | " + cell.calls() + " | "
                    + fmt2(counts.total() / calls) + " | " + fmt2(counts.calls("read") / calls) + " ("
                    + fmt2(counts.errors("read") / calls) + ") |");
            for (List<String> column : SYSCALL_COLUMNS) {
                row.append(' ').append(fmt2(counts.calls(column.toArray(String[]::new)) / calls)).append(" |");
            }
            // the four largest others of at least 0.01 per call by name, what is left after them as "the rest"
            List<Map.Entry<String, Syscalls.Counts>> others = counts.bySyscall().entrySet().stream()
                    .filter(e -> !SYSCALLS_NAMED.contains(e.getKey()))
                    .sorted((x, y) -> Long.compare(y.getValue().calls(), x.getValue().calls())).toList();
            List<String> parts = new ArrayList<>(others.stream().limit(4)
                    .filter(e -> e.getValue().calls() / calls >= 0.01)
                    .map(e -> e.getKey() + " " + fmt2(e.getValue().calls() / calls)).toList());
            long rest = others.stream().skip(parts.size()).mapToLong(e -> e.getValue().calls()).sum();
            if (rest / calls >= 0.01) {
                parts.add("the rest " + fmt2(rest / calls));
            }
            line(row.append(' ').append(String.join(", ", parts)).append(" |").toString());
        });
        line("");
        line("A ceiling: the traced window also holds the 32 sessions' opening and the idle moments around the cell. "
                + "strace slows the process it traces, so this cell's calls/s are not a measurement.");
        line("");
    }

    private void target(String figure, String target, String measured) {
        line("| %s | %s | %s |", figure, target, measured.startsWith("–") ? "not yet measured" : measured);
    }

    private static List<JsonNode> select(List<JsonNode> calls, String setup, int sessions) {
        return calls.stream().filter(r -> r.path("setup").asText().equals(setup) && r.path("sessions").asInt() == sessions)
                .toList();
    }

    /** Median over repetitions of a/b (or a−b) for the runs of the same repetition. */
    private static double ratio(List<JsonNode> calls, int sessions, String a, String b, String field, boolean difference) {
        Map<Integer, Double> left = byRep(select(calls, a, sessions), field);
        Map<Integer, Double> right = byRep(select(calls, b, sessions), field);
        List<Double> values = new ArrayList<>();
        left.forEach((rep, value) -> {
            Double other = right.get(rep);
            if (other != null) {
                values.add(difference ? value - other : value / other);
            }
        });
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static Map<Integer, Double> byRep(List<JsonNode> runs, String field) {
        Map<Integer, Double> values = new LinkedHashMap<>();
        for (JsonNode run : runs) {
            if (run.path("errors").asLong() == 0 && run.path(field).isNumber()) {
                values.put(run.path("rep").asInt(), run.path(field).asDouble());
            }
        }
        return values;
    }

    private Optional<JsonNode> find(String mode, String setup) {
        JsonNode found = null;
        for (JsonNode row : rows) { // the last one wins
            if (row.path("mode").asText().equals(mode) && row.path("setup").asText().equals(setup)
                    && row.path("errors").asLong() == 0) {
                found = row;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The demo's idle RSS: the median of the harness's readings, with their range when there were several. */
    private String demoIdleRss() {
        return find("ready", "ours-demo-idle").map(r -> {
            String median = withUnit(r.path("rssKb").asDouble(Double.NaN) / 1024, " MB");
            if (r.path("rssSamples").asInt(1) <= 1) {
                return median;
            }
            return median + " (median of " + r.path("rssSamples").asInt() + " readings, "
                    + fmt(r.path("rssMinKb").asDouble() / 1024) + "–" + fmt(r.path("rssMaxKb").asDouble() / 1024) + ")";
        }).orElse(withUnit(Double.NaN, " MB"));
    }

    private double single(String mode, String setup, String field) {
        return find(mode, setup).map(r -> r.path(field).asDouble(Double.NaN)).orElse(Double.NaN);
    }

    private static double median(List<JsonNode> runs, String field) {
        ToDoubleFunction<JsonNode> get = r -> r.path(field).isNumber() ? r.path(field).asDouble() : Double.NaN;
        return median(runs.stream().mapToDouble(get).filter(v -> !Double.isNaN(v)).toArray());
    }

    private static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static String withUnit(double value, String unit) {
        return Double.isNaN(value) ? "–" : fmt(value) + unit;
    }

    private static String fmt(double value) {
        if (Double.isNaN(value)) {
            return "–";
        }
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String fmt2(double value) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.2f", value);
    }

    private void line(String format, Object... args) {
        out.append(args.length == 0 ? format : String.format(Locale.ROOT, format, args)).append('\n');
    }
}
