package dev.dynamicmcp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load generator. Needs only an MCP URL and, for CPU and memory figures, the pid of the process under
 * test. Every mode prints one human line and appends one JSON object per line to {@code --out}.
 *
 * <pre>
 *   LoadGen calls      --url U --sessions N --seconds T [--warmup W] [--pid P] [--tool auto|NAME]
 *                      [--driver java|wrk --wrk-script bench/wrk-mcp.lua]   (wrk: see WrkDriver; not for sse: URLs)
 *   LoadGen tools-list --url U --seconds T [--expect-tools N] [--pid P]
 *   LoadGen idle       --url U --sessions N --pid P
 *   LoadGen ready      --url U --pid P --expect-tools N [--timeout S] [--rss-samples K --rss-every S]
 *   LoadGen start-probe --reps R -- COMMAND...   (spawn a stdio server, time until initialize is answered)
 *   common: --setup NAME --rep I --out FILE.jsonl
 * </pre>
 * Exit status: 0 when every call succeeded, 1 when any failed, 2 on bad usage.
 */
public final class LoadGen {
    private final Map<String, String> options;
    private final List<String> command;

    private LoadGen(Map<String, String> options, List<String> command) {
        this.options = options;
        this.command = command;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: LoadGen calls|tools-list|idle|ready|start-probe --url U ... (see javadoc)");
            System.exit(2);
        }
        Map<String, String> options = new HashMap<>();
        List<String> command = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--")) {
                command.addAll(Arrays.asList(args).subList(i + 1, args.length));
                break;
            }
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("LoadGen: bad option " + args[i]);
                System.exit(2);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        LoadGen gen = new LoadGen(options, command);
        ObjectNode result = switch (args[0]) {
            case "calls" -> gen.calls();
            case "tools-list" -> gen.toolsList();
            case "idle" -> gen.idle();
            case "ready" -> gen.ready();
            case "start-probe" -> gen.startProbe();
            default -> {
                System.err.println("LoadGen: unknown mode " + args[0]);
                System.exit(2);
                yield null;
            }
        };
        result.put("mode", args[0]).put("setup", gen.option("setup", "?")).put("rep", gen.intOption("rep", 0));
        System.out.println(result);
        String out = gen.options.get("out");
        if (out != null) {
            Files.writeString(Path.of(out), Json.write(result) + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        System.exit(result.path("errors").asLong(0) == 0 ? 0 : 1);
    }

    /** Runs calls mode in-process (the smoke test uses this); returns the result object. */
    static ObjectNode runCalls(String url, int sessions, double seconds, double warmup, long pid) throws Exception {
        return runCalls(url, sessions, seconds, warmup, pid, "auto");
    }

    static ObjectNode runCalls(String url, int sessions, double seconds, double warmup, long pid, String tool)
            throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("url", url, "sessions", "" + sessions,
                "seconds", "" + seconds, "warmup", "" + warmup, "pid", "" + pid, "tool", tool));
        return new LoadGen(options, List.of()).calls();
    }

    /** Runs ready mode in-process (the smoke test uses this), {@code samples} RSS readings {@code every} s apart. */
    static ObjectNode runReady(String url, long pid, int expectTools, int samples, double every) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("url", url, "pid", "" + pid,
                "expect-tools", "" + expectTools, "rss-samples", "" + samples, "rss-every", "" + every));
        return new LoadGen(options, List.of()).ready();
    }

    // ---- calls ------------------------------------------------------------------------------------

    ObjectNode calls() throws Exception {
        URI url = URI.create(required("url"));
        int sessionCount = intOption("sessions", 1);
        double seconds = doubleOption("seconds", 10);
        double warmup = doubleOption("warmup", 2);
        long pid = longOption("pid", -1);
        HttpClient http = BenchClient.newHttpClient();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();

        List<BenchClient> clients = new ArrayList<>();
        for (int i = 0; i < sessionCount; i++) {
            BenchClient client = new BenchClient(http, url);
            client.initialize();
            clients.add(client);
        }
        String tool = option("tool", "auto");
        if (tool.equals("auto")) {
            tool = findEchoTool(clients.getFirst());
        }
        String toolName = tool;
        if (option("driver", "java").equals("wrk") && !url.toString().startsWith("sse:")) { // wrk speaks no SSE GET
            try {
                return WrkDriver.calls(clients.getFirst(), clients, toolName, Path.of(required("wrk-script")),
                        seconds, warmup, pid);
            } finally {
                clients.forEach(BenchClient::close);
            }
        }

        // phase: 0 warmup, 1 measuring, 2 stop
        AtomicLong phase = new AtomicLong(warmup > 0 ? 0 : 1);
        List<Latencies> perSession = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(sessionCount);
        for (int i = 0; i < sessionCount; i++) {
            Latencies latencies = new Latencies();
            perSession.add(latencies);
            BenchClient client = clients.get(i);
            String prefix = "s" + i + "-";
            Thread.ofVirtual().name("load-" + i).start(() -> {
                try {
                    long n = 0;
                    long p;
                    while ((p = phase.get()) < 2) {
                        long start = System.nanoTime();
                        try {
                            client.callEcho(toolName, prefix + n++);
                            if (p == 1) {
                                latencies.record(System.nanoTime() - start);
                            }
                        } catch (IOException | RuntimeException e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e.toString());
                            Thread.sleep(10); // a dead endpoint must not turn into a busy loop
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
        }
        if (warmup > 0) {
            Thread.sleep((long) (warmup * 1000)); // errors during warmup count too: every call must succeed
        }
        ProcStats before = pid > 0 ? ProcStats.of(pid) : null;
        long startNanos = System.nanoTime();
        phase.set(1);
        Thread.sleep((long) (seconds * 1000));
        phase.set(2);
        long elapsed = System.nanoTime() - startNanos;
        ProcStats after = pid > 0 ? ProcStats.of(pid) : null;
        done.await();
        clients.forEach(BenchClient::close);

        Latencies all = Latencies.merge(perSession);
        double elapsedSeconds = elapsed / 1e9;
        ObjectNode result = Json.object()
                .put("driver", "java").put("sessions", sessionCount).put("tool", toolName)
                .put("seconds", round(elapsedSeconds)).put("calls", all.size())
                .put("callsPerSecond", round(all.size() / elapsedSeconds))
                .put("p50us", round(all.quantileMicros(0.50))).put("p90us", round(all.quantileMicros(0.90)))
                .put("p99us", round(all.quantileMicros(0.99))).put("maxus", round(all.maxMicros()))
                .put("errors", errors.get()).put("staleRetries", BenchClient.staleRetries());
        if (firstError.get() != null) {
            result.put("firstError", firstError.get());
        }
        if (before != null) {
            double cpu = after.cpuSecondsSince(before);
            result.put("cpuUsPerCall", round(all.size() == 0 ? Double.NaN : cpu * 1e6 / all.size()))
                    .put("cpuCores", round(cpu / elapsedSeconds))
                    .put("rssKb", after.rssKb())
                    .put("switchesPerCall", round(after.switchesPerCallSince(before, all.size())));
        }
        return result;
    }

    private static String findEchoTool(BenchClient client) throws IOException, InterruptedException {
        JsonNode tools = client.request("tools/list", Json.object()).path("tools");
        String found = null;
        for (JsonNode tool : tools) {
            String name = tool.path("name").asText();
            if (name.equals("echo")) {
                return name;
            }
            if (found == null && (name.endsWith("echo"))) {
                found = name;
            }
        }
        if (found == null) {
            throw new IOException("no echo tool in tools/list: " + tools);
        }
        return found;
    }

    // ---- tools/list -------------------------------------------------------------------------------

    ObjectNode toolsList() throws Exception {
        URI url = URI.create(required("url"));
        double seconds = doubleOption("seconds", 5);
        int expect = intOption("expect-tools", -1);
        long pid = longOption("pid", -1);
        long errors = 0;
        String firstError = null;
        Latencies latencies = new Latencies();
        int count = 0;
        long bytes = 0;
        try (BenchClient client = new BenchClient(BenchClient.newHttpClient(), url)) {
            client.initialize();
            long warmEnd = System.nanoTime() + (long) (doubleOption("warmup", 2) * 1e9);
            long end = warmEnd + (long) (seconds * 1e9);
            long now;
            while ((now = System.nanoTime()) < end) {
                try {
                    JsonNode result = listAllTools(client);
                    long took = System.nanoTime() - now;
                    count = result.size();
                    bytes = result.toString().length();
                    if (expect >= 0 && count != expect) {
                        throw new IOException("tools/list gave " + count + " tools, expected " + expect);
                    }
                    if (now >= warmEnd) {
                        latencies.record(took);
                    }
                } catch (IOException e) {
                    errors++;
                    firstError = firstError == null ? e.toString() : firstError;
                    Thread.sleep(50);
                }
            }
        }
        Latencies all = Latencies.merge(List.of(latencies));
        ObjectNode result = Json.object().put("tools", count).put("jsonChars", bytes).put("lists", all.size())
                .put("p50us", round(all.quantileMicros(0.5))).put("p90us", round(all.quantileMicros(0.9)))
                .put("p99us", round(all.quantileMicros(0.99))).put("errors", errors);
        if (firstError != null) {
            result.put("firstError", firstError);
        }
        if (pid > 0) {
            result.put("rssKb", ProcStats.of(pid).rssKb());
        }
        return result;
    }

    /** Every tool, following nextCursor: the latency of a client's full listing, however the server pages. */
    private static com.fasterxml.jackson.databind.node.ArrayNode listAllTools(BenchClient client)
            throws IOException, InterruptedException {
        com.fasterxml.jackson.databind.node.ArrayNode tools = Json.array();
        String cursor = null;
        do {
            ObjectNode params = Json.object();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode page = client.request("tools/list", params);
            page.path("tools").forEach(tools::add);
            cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
        } while (cursor != null);
        return tools;
    }

    // ---- idle sessions ----------------------------------------------------------------------------

    ObjectNode idle() throws Exception {
        URI url = URI.create(required("url"));
        int sessionCount = intOption("sessions", 1000);
        long pid = Long.parseLong(required("pid"));
        HttpClient http = BenchClient.newHttpClient();
        gc(pid);
        ProcStats before = ProcStats.of(pid);
        long heapBefore = heapUsedKb(pid);
        List<BenchClient> clients = new ArrayList<>();
        long errors = 0;
        String firstError = null;
        for (int i = 0; i < sessionCount; i++) {
            BenchClient client = new BenchClient(http, url);
            try {
                client.initialize();
                clients.add(client);
            } catch (IOException e) {
                errors++;
                firstError = firstError == null ? e.toString() : firstError;
            }
        }
        Thread.sleep(1000);
        gc(pid);
        ProcStats after = ProcStats.of(pid);
        long heapAfter = heapUsedKb(pid);
        int opened = clients.size();
        clients.forEach(BenchClient::close);
        ObjectNode result = Json.object().put("sessions", opened).put("errors", errors)
                .put("rssBeforeKb", before.rssKb()).put("rssAfterKb", after.rssKb())
                .put("rssPerSessionKb", round((double) (after.rssKb() - before.rssKb()) / Math.max(1, opened)));
        if (heapBefore >= 0 && heapAfter >= 0) {
            result.put("heapPerSessionKb", round((double) (heapAfter - heapBefore) / Math.max(1, opened)));
        }
        if (firstError != null) {
            result.put("firstError", firstError);
        }
        return result;
    }

    /** Asks a JVM under test for a full GC (jcmd of our own JDK), so heap figures mean live data. */
    private static void gc(long pid) {
        jcmd(pid, "GC.run");
    }

    /** Used heap in KB after the last GC, from {@code jcmd PID GC.heap_info}; -1 when unavailable. */
    private static long heapUsedKb(long pid) {
        String info = jcmd(pid, "GC.heap_info");
        var matcher = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    private static String jcmd(long pid, String what) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return "";
        }
        try {
            Process process = new ProcessBuilder(jcmd.toString(), "" + pid, what).redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return text;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    // ---- readiness --------------------------------------------------------------------------------

    /**
     * Polls tools/list until the expected number of tools is there (each echo upstream offers one tool, so
     * N tools means N upstreams READY and merged); reports the process's age at that moment and its RSS: with
     * {@code --rss-samples K}, the median of K readings {@code --rss-every} seconds apart (default 5), their
     * least and largest beside it. One reading of an idle JVM lands wherever its native-heap trim and its last
     * compilations happen to be.
     */
    ObjectNode ready() throws Exception {
        URI url = URI.create(required("url"));
        long pid = Long.parseLong(required("pid"));
        int expect = intOption("expect-tools", 1);
        double timeout = doubleOption("timeout", 120);
        int rssSamples = intOption("rss-samples", 1);
        if (rssSamples < 1) { // told now, not after the wait for readiness
            throw new IllegalArgumentException("--rss-samples must be at least 1, got " + rssSamples);
        }
        HttpClient http = BenchClient.newHttpClient();
        long deadline = System.nanoTime() + (long) (timeout * 1e9);
        int seen = 0;
        String lastError = null;
        while (System.nanoTime() < deadline) {
            try (BenchClient client = new BenchClient(http, url)) {
                client.initialize();
                while (System.nanoTime() < deadline) {
                    seen = listAllTools(client).size();
                    if (seen >= expect) {
                        double age = ProcStats.of(pid).ageSeconds();
                        Thread.sleep(500);
                        ObjectNode result = Json.object().put("expectTools", expect).put("tools", seen)
                                .put("readySeconds", round(age));
                        return rss(pid, rssSamples, result).put("errors", 0);
                    }
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                lastError = e.toString();
                Thread.sleep(20);
            }
        }
        ObjectNode result = Json.object().put("expectTools", expect).put("tools", seen).put("errors", 1);
        return lastError == null ? result : result.put("firstError", lastError);
    }

    /** Adds {@code rssKb} (the median of {@code samples} readings) and, for several, their range. */
    private ObjectNode rss(long pid, int samples, ObjectNode result) throws IOException, InterruptedException {
        long everyMillis = (long) (doubleOption("rss-every", 5) * 1000);
        long[] kb = new long[samples];
        for (int i = 0; i < samples; i++) {
            if (i > 0) {
                Thread.sleep(everyMillis);
            }
            kb[i] = ProcStats.of(pid).rssKb();
        }
        Arrays.sort(kb);
        result.put("rssKb", kb[samples / 2]);
        if (samples > 1) {
            result.put("rssSamples", samples).put("rssMinKb", kb[0]).put("rssMaxKb", kb[samples - 1]);
        }
        return result;
    }

    // ---- stdio start probe ------------------------------------------------------------------------

    /** Starts the stdio server R times; reports median and max time until initialize was answered. */
    ObjectNode startProbe() throws Exception {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("start-probe needs -- COMMAND...");
        }
        int parallel = intOption("parallel", 1);
        if (parallel > 1) {
            return startParallel(parallel);
        }
        int reps = intOption("reps", 5);
        double[] times = new double[reps];
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (OutputStream in = process.getOutputStream();
                 BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                         StandardCharsets.UTF_8))) {
                in.write(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\""
                        + EchoServer.PROTOCOL_VERSION + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"probe\","
                        + "\"version\":\"1\"}}}\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                String line = out.readLine();
                if (line == null || !line.contains("\"result\"")) {
                    throw new IOException("no initialize answer: " + line);
                }
                times[i] = (System.nanoTime() - start) / 1e9;
            } finally {
                process.destroy();
                process.waitFor();
            }
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        return Json.object().put("reps", reps).put("medianSeconds", round(sorted[reps / 2]))
                .put("maxSeconds", round(sorted[reps - 1])).put("errors", 0);
    }

    /**
     * Starts N servers at once, without any proxy, and reports the time until the last one answered
     * initialize: the floor for "N upstreams ready" on this machine (they compete for the same cores).
     */
    private ObjectNode startParallel(int count) throws Exception {
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        AtomicLong failures = new AtomicLong();
        AtomicLong last = new AtomicLong();
        for (int i = 0; i < count; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    try (OutputStream in = process.getOutputStream();
                         BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                                 StandardCharsets.UTF_8))) {
                        in.write(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                                + "\"protocolVersion\":\"" + EchoServer.PROTOCOL_VERSION + "\",\"capabilities\":{},"
                                + "\"clientInfo\":{\"name\":\"probe\",\"version\":\"1\"}}}\n")
                                .getBytes(StandardCharsets.UTF_8));
                        in.flush();
                        String line = out.readLine();
                        if (line == null || !line.contains("\"result\"")) {
                            failures.incrementAndGet();
                        }
                        last.accumulateAndGet(System.nanoTime() - start, Math::max);
                    } finally {
                        process.destroy();
                        process.waitFor();
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return Json.object().put("parallel", count).put("allAnsweredSeconds", round(last.get() / 1e9))
                .put("errors", failures.get());
    }

    // ---- options ----------------------------------------------------------------------------------

    private String required(String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    private int intOption(String name, int fallback) {
        return options.containsKey(name) ? Integer.parseInt(options.get(name)) : fallback;
    }

    private long longOption(String name, long fallback) {
        return options.containsKey(name) ? Long.parseLong(options.get(name)) : fallback;
    }

    private double doubleOption(String name, double fallback) {
        return options.containsKey(name) ? Double.parseDouble(options.get(name)) : fallback;
    }

    /** One decimal, as every figure of the results is written; NaN stays NaN. */
    static double round(double value) {
        return Double.isNaN(value) ? value : Math.round(value * 10) / 10.0;
    }
}
