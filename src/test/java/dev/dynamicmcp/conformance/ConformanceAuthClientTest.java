package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.testsupport.Peers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite's client side, {@code conformance client --suite auth} (0.1.16), scenario by scenario, with the proxy's
 * upstream side as the OAuth client under test (src/test/scripts/conformance-auth-client.sh runs
 * {@link ConformanceAuthClient}). The baseline lists the scenarios that do not pass yet: the runner fails on
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
        // One scenario at a time: the suite's parallel run starts 14 JVMs at once, and on a small machine their
        // start-up alone outlasts the runner's timeout (results then depend on the load, not on the proxy).
        List<String> failed = new java.util.ArrayList<>();
        StringBuilder tails = new StringBuilder();
        for (String scenario : SCENARIOS) {
            Path out = dir.resolve(scenario.replace('/', '_') + ".txt");
            ProcessBuilder builder = new ProcessBuilder(node.toString(), runner.toString(), "client",
                    "--command", Path.of("src/test/scripts/conformance-auth-client.sh").toAbsolutePath().toString(),
                    "--scenario", scenario, "--timeout", "60000", "--expected-failures",
                    Path.of("src/test/resources/conformance/client-2025-auth-baseline.yml").toAbsolutePath().toString())
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().put("CONFORMANCE_CLASSPATH", System.getProperty("java.class.path"));
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("PATH", node.getParent() + ":" + System.getenv("PATH"));
            Process process = builder.start();
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly().waitFor();
            }
            List<String> output = Files.readAllLines(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                failed.add(scenario);
                tails.append("\n--- ").append(scenario).append('\n').append(String.join("\n",
                        output.subList(Math.max(0, output.size() - 25), output.size())));
            }
        }
        assertThat(failed).as("scenarios off their baseline (a regression, or a baselined one that now passes)"
                + tails).isEmpty();
    }
}
