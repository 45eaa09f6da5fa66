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
 * The conformance suite's client side, {@code conformance client --suite auth} (0.1.16), with the proxy's
 * upstream side as the OAuth client under test (src/test/scripts/conformance-auth-client.sh runs
 * {@link ConformanceAuthClient}). The baseline lists the scenarios that do not pass yet: the runner fails on
 * any other failure (a regression) and on a baselined scenario that passes (update the baseline).
 */
@Tag("conformance")
class ConformanceAuthClientTest {
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
        ProcessBuilder builder = new ProcessBuilder(node.toString(), runner.toString(), "client",
                "--command", Path.of("src/test/scripts/conformance-auth-client.sh").toAbsolutePath().toString(),
                "--suite", "auth", "--timeout", "60000", "--expected-failures",
                Path.of("src/test/resources/conformance/client-2025-auth-baseline.yml").toAbsolutePath().toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        builder.environment().put("CONFORMANCE_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("PATH", node.getParent() + ":" + System.getenv("PATH"));
        Process process = builder.start();
        boolean ended = process.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        List<String> output = Files.readAllLines(dir.resolve("out.txt"), StandardCharsets.UTF_8);
        String tail = String.join("\n", output.subList(Math.max(0, output.size() - 40), output.size()));
        assertThat(ended).as("the suite ended\n" + tail).isTrue();
        assertThat(output).as(tail).anyMatch(line -> line.contains("SUITE SUMMARY"));
        assertThat(process.exitValue()).as("baseline check\n" + tail).isZero();
    }
}
