package dev.dynamicmcp.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dynamicmcp.testsupport.Peers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the official MCP conformance suite (npm {@code @modelcontextprotocol/conformance}, pinned in
 * test-peers) against an MCP server URL and reads back its per-check results.
 *
 * <p>The suite writes one {@code checks.json} per scenario into {@code <output>/server-<scenario>-<timestamp>/};
 * those files are the source of the counts. Its stdout names every scenario it ran and ends with a
 * {@code Total: N passed, M failed} line; a scenario that crashed before writing its file is counted
 * as a failure, and the totals are cross-checked so a parsing mistake cannot go unnoticed.
 */
public final class Conformance {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RESULT_DIR =
            Pattern.compile("server-(.+)-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}-\\d{3}Z");
    private static final Pattern RUNNING = Pattern.compile("^=== Running scenario: (.+) ===$", Pattern.MULTILINE);
    /** A line of the 0.2.0 suite's "Not scored for <set>" block: {@code   ✗ tasks-lifecycle (extension)}. */
    private static final Pattern NOT_SCORED = Pattern.compile("^  [✓✗] (\\S+) \\((?:extension|pending)[^)]*\\)$",
            Pattern.MULTILINE);
    private static final Pattern TOTAL = Pattern.compile("^Total: (\\d+) passed, (\\d+) failed$", Pattern.MULTILINE);

    private Conformance() {
    }

    /** How one scenario went: any FAILURE check fails it; else any WARNING makes it a warning. */
    public enum ScenarioStatus { PASSED, WARNING, FAILED, MISSING }

    /**
     * Counts of the suite's checks (SUCCESS, FAILURE, WARNING; INFO and SKIPPED are not counted), the
     * status of every scenario run, and one line per failed check: {@code scenario/check-id: message}
     * ({@code warned}: the same for the checks that warned).
     */
    public record Result(int passed, int failed, int warnings, Map<String, ScenarioStatus> scenarios,
                         List<String> failures, List<String> notScored, List<String> warned) {
        public Result {
            scenarios = Collections.unmodifiableMap(new LinkedHashMap<>(scenarios));
            failures = List.copyOf(failures);
            notScored = List.copyOf(notScored);
            warned = List.copyOf(warned);
        }

        public Result(int passed, int failed, int warnings, Map<String, ScenarioStatus> scenarios,
                      List<String> failures) {
            this(passed, failed, warnings, scenarios, failures, List.of(), List.of());
        }

        /**
         * The scenarios the requirement set scores (0.2.0 suite with {@code --requirements}: the run also
         * covers extensions and pending scenarios, listed under "Not scored"), with their status.
         */
        public Map<String, ScenarioStatus> scored() {
            Map<String, ScenarioStatus> scored = new LinkedHashMap<>(scenarios);
            notScored.forEach(scored::remove);
            return scored;
        }

        /** One line: how many of the scored scenarios passed. */
        public String scoredLine() {
            long green = scored().values().stream()
                    .filter(s -> s == ScenarioStatus.PASSED || s == ScenarioStatus.WARNING).count();
            return green + "/" + scored().size() + " scored scenarios pass";
        }

        public List<String> failedScenarios() {
            return scenarios.entrySet().stream()
                    .filter(e -> e.getValue() == ScenarioStatus.FAILED || e.getValue() == ScenarioStatus.MISSING)
                    .map(Map.Entry::getKey)
                    .toList();
        }

        public String summary() {
            List<String> failing = failedScenarios();
            return "conformance: passed=" + passed + " failed=" + failed + " warnings=" + warnings
                    + " scenarios=" + scenarios.size()
                    + (failing.isEmpty() ? "" : " failing=" + String.join(",", failing));
        }
    }

    /** Runs the active server suite against {@code url}, writing into a fresh directory under {@code outputDir}. */
    public static Result run(URI url, Path outputDir) {
        return run(url, outputDir, DEFAULT_TIMEOUT);
    }

    public static Result run(URI url, Path outputDir, Duration timeout) {
        return run(url, outputDir, timeout, Peers.conformanceScript(), List.of("--suite", "active"));
    }

    /**
     * Runs the 0.2.0 suite ({@code conformance-next}) with {@code --requirements <set>}: every scenario of that
     * requirement set, the scored ones and the ones it runs without scoring (extensions, pending).
     */
    public static Result runRequirements(URI url, Path outputDir, Duration timeout, String requirements) {
        return run(url, outputDir, timeout, Peers.conformanceNextScript(), List.of("--requirements", requirements));
    }

    /** Runs {@code script server --url <url> <selection…>}, writing into a fresh directory under outputDir. */
    static Result run(URI url, Path outputDir, Duration timeout, Path script, List<String> selection) {
        Path runDir;
        try {
            Files.createDirectories(outputDir);
            // Absolute: the suite runs in the test-peers directory and would resolve a relative path there.
            runDir = Files.createTempDirectory(outputDir, "conformance-").toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run directory under " + outputDir, e);
        }
        Path log = runDir.resolve("conformance.log");
        List<String> command = new ArrayList<>(List.of(Peers.node22().toString(), script.toString(),
                "server", "--url", url.toString()));
        command.addAll(selection);
        command.addAll(List.of("--output-dir", runDir.toString()));
        // Output goes to a file, not a pipe, so a chatty suite can never block on a full pipe buffer.
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(Peers.dir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("NO_COLOR", "1");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new IllegalStateException("conformance suite did not finish within " + timeout
                        + " against " + url + "; its output is in " + log);
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the conformance suite ran", e);
        }
        String output = read(log);
        if (!TOTAL.matcher(output).find()) {
            throw new IllegalStateException("conformance suite ended (exit " + process.exitValue()
                    + ") without a summary; its output is in " + log + ":\n" + tail(output));
        }
        return parse(runDir, output);
    }

    /** Reads the checks.json files of one run; {@code output} is the suite's stdout. */
    static Result parse(Path runDir, String output) {
        Map<String, List<JsonNode>> checksByScenario = readChecks(runDir);
        List<String> ran = new ArrayList<>();
        Matcher running = RUNNING.matcher(output);
        while (running.find()) {
            ran.add(running.group(1).strip());
        }
        checksByScenario.keySet().stream().filter(s -> !ran.contains(s)).forEach(ran::add);

        int passed = 0;
        int failed = 0;
        int warnings = 0;
        Map<String, ScenarioStatus> scenarios = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        List<String> warned = new ArrayList<>();
        for (String scenario : ran) {
            List<JsonNode> checks = checksByScenario.get(scenario);
            if (checks == null) {
                // The suite records a crashed scenario as one FAILURE but writes no file for it.
                failed++;
                scenarios.put(scenario, ScenarioStatus.MISSING);
                failures.add(scenario + ": no checks.json (the scenario crashed; see conformance.log)");
                continue;
            }
            ScenarioStatus status = ScenarioStatus.PASSED;
            for (JsonNode check : checks) {
                switch (check.path("status").asText()) {
                    case "SUCCESS" -> passed++;
                    case "FAILURE" -> {
                        failed++;
                        status = ScenarioStatus.FAILED;
                        failures.add(scenario + "/" + check.path("id").asText() + ": "
                                + check.path("errorMessage").asText("(no message)"));
                    }
                    case "WARNING" -> {
                        warnings++;
                        warned.add(scenario + "/" + check.path("id").asText() + ": "
                                + check.path("errorMessage").asText(check.path("description").asText("(no message)")));
                        if (status == ScenarioStatus.PASSED) {
                            status = ScenarioStatus.WARNING;
                        }
                    }
                    default -> { } // INFO, SKIPPED: informational, not scored by the suite either
                }
            }
            scenarios.put(scenario, status);
        }
        Matcher total = TOTAL.matcher(output);
        if (total.find() && (Integer.parseInt(total.group(1)) != passed || Integer.parseInt(total.group(2)) != failed)) {
            throw new IllegalStateException("checks.json files give passed=" + passed + " failed=" + failed
                    + " but the suite printed '" + total.group() + "' (results in " + runDir + ")");
        }
        List<String> notScored = new ArrayList<>();
        Matcher unscored = NOT_SCORED.matcher(output);
        while (unscored.find()) {
            notScored.add(unscored.group(1));
        }
        return new Result(passed, failed, warnings, scenarios, failures, notScored, warned);
    }

    private static Map<String, List<JsonNode>> readChecks(Path runDir) {
        Map<String, List<JsonNode>> checks = new LinkedHashMap<>();
        try (Stream<Path> dirs = Files.list(runDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                Matcher name = RESULT_DIR.matcher(dir.getFileName().toString());
                Path file = dir.resolve("checks.json");
                if (!name.matches() || !Files.isRegularFile(file)) {
                    continue;
                }
                List<JsonNode> list = new ArrayList<>();
                JSON.readTree(file.toFile()).forEach(list::add);
                checks.put(name.group(1), list);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read conformance results in " + runDir, e);
        }
        return checks;
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }
}
