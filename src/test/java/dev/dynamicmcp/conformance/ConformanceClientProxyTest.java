package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.testsupport.Peers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite 0.2.0-alpha.12, client side, requirement set 2026-07-28, against the proxy's upstream
 * side: every scenario's mock server becomes the only upstream of a proxy ({@link ConformanceClientWrapper}, run
 * in this JVM by {@link ConformanceDriverService}; it signs in where a scenario's server is protected). Every
 * required scenario must pass; the baseline lists the ones that do not (the runner fails on an unexpected
 * failure, and on a baselined one that passes).
 */
class ConformanceClientProxyTest {
    static final List<String> REQUIRED_NON_AUTH = List.of("tools_call", "request-metadata",
            "sep-2322-client-request-state", "http-standard-headers", "http-custom-headers",
            "http-invalid-tool-headers", "json-schema-ref-no-deref",
            // not scored by the requirement set, but what "nothing lost in the pass-through" means for schemas
            "json-schema-2020-12-preservation");
    static final Path BASELINE = Path.of("src/test/resources/conformance/client-2026-auth-baseline.yml");
    static final Pattern SCENARIO = Pattern.compile("^([✓✗]) (\\S+): (\\d+) passed, (\\d+) failed",
            Pattern.MULTILINE);

    @Test
    void requiredClientScenariosPassThroughTheProxy(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Process process;
        boolean done;
        try (ConformanceDriverService driver = ConformanceDriverService.start()) {
            process = driver.runner(Peers.dir().resolve("node_modules/conformance-next/dist/index.js"), List.of(
                            "--requirements", "2026-07-28", "--expected-failures", BASELINE.toAbsolutePath().toString()))
                    .directory(dir.toFile()).redirectOutput(out.toFile()).start();
            done = finish(process);
        }
        String output = read(out);
        Map<String, String> scores = new LinkedHashMap<>();
        Matcher matcher = SCENARIO.matcher(output);
        while (matcher.find()) {
            scores.put(matcher.group(2), matcher.group(1) + " " + matcher.group(3) + "/"
                    + (Integer.parseInt(matcher.group(3)) + Integer.parseInt(matcher.group(4))));
        }
        System.out.println("FIGURE: conformance client 2026-07-28 through the proxy: " + scores);
        assertThat(done).as("the runner finished").isTrue();
        for (String scenario : REQUIRED_NON_AUTH) {
            assertThat(scores.get(scenario)).as(scenario + "\n" + tail(output)).startsWith("✓");
        }
        assertThat(process.exitValue()).as("baseline check\n" + tail(output)).isZero();
    }

    /** Waits for the runner; false (and the runner and its scenarios killed) when it outlasted its time. */
    static boolean finish(Process process) throws InterruptedException {
        if (process.waitFor(10, TimeUnit.MINUTES)) {
            return true;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        return false;
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    static String tail(String text) {
        return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    }
}
