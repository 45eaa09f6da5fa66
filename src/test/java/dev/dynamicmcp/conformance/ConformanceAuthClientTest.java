package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.testsupport.Peers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite's client side, {@code conformance client --suite auth} (0.1.16), with the proxy's
 * upstream side as the OAuth client under test ({@link ConformanceClientWrapper}, in this JVM through
 * {@link ConformanceDriverService}). The baseline lists the scenarios that do not pass yet: the runner fails on
 * any other failure (a regression) and on a baselined scenario that passes (update the baseline).
 */
@Tag("conformance")
class ConformanceAuthClientTest {
    static final List<String> SCENARIOS = List.of("auth/metadata-default", "auth/metadata-var1", "auth/metadata-var2",
            "auth/metadata-var3", "auth/basic-cimd", "auth/scope-from-www-authenticate",
            "auth/scope-from-scopes-supported", "auth/scope-omitted-when-undefined", "auth/scope-step-up",
            "auth/scope-retry-limit", "auth/token-endpoint-auth-basic", "auth/token-endpoint-auth-post",
            "auth/token-endpoint-auth-none", "auth/pre-registration");

    @Test
    void theAuthSuitePassesThroughTheProxyExceptItsBaseline(@TempDir Path dir) throws Exception {
        Path node;
        try {
            node = Peers.node22();
        } catch (IllegalStateException e) {
            Assumptions.abort("needs the npm test peers: " + e.getMessage());
            return;
        }
        Assumptions.assumeTrue(Files.isExecutable(node), "needs Node 22 at " + node);
        Path runner = Peers.dir().resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js");
        Path out = dir.resolve("out.txt");
        Process process;
        boolean done;
        // The suite runs its scenarios in parallel; the driver runs each one's proxy in this JVM, so no JVM
        // starts per scenario (14 at once outlasted the runner's timeout on a small machine).
        try (ConformanceDriverService driver = ConformanceDriverService.start()) {
            process = driver.runner(runner, List.of("--suite", "auth", "--timeout", "60000", "--expected-failures",
                            Path.of("src/test/resources/conformance/client-2025-auth-baseline.yml").toAbsolutePath()
                                    .toString()))
                    .directory(dir.toFile()).redirectOutput(out.toFile()).start();
            done = ConformanceClientProxyTest.finish(process);
        }
        String output = ConformanceClientProxyTest.read(out);
        Map<String, String> scores = new LinkedHashMap<>();
        Matcher matcher = ConformanceClientProxyTest.SCENARIO.matcher(output);
        while (matcher.find()) {
            scores.put(matcher.group(2), matcher.group(1) + " " + matcher.group(3) + "/"
                    + (Integer.parseInt(matcher.group(3)) + Integer.parseInt(matcher.group(4))));
        }
        System.out.println("FIGURE: conformance client --suite auth (0.1.16) through the proxy: " + scores);
        assertThat(done).as("the runner finished").isTrue();
        assertThat(scores.keySet()).as("every scenario reported\n" + ConformanceClientProxyTest.tail(output))
                .containsAll(SCENARIOS);
        assertThat(process.exitValue()).as("scenarios off their baseline (a regression, or a baselined one that"
                + " now passes)\n" + ConformanceClientProxyTest.tail(output)).isZero();
    }
}
