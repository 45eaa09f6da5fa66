package dev.dynamicmcp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the benchmark harness from rotting: the smoke path of bench/run.sh, bounded to a few seconds.
 * Direct (load generator -> echo upstream) runs in-process; our proxy runs as a process, as in the benchmark,
 * in front of the same HTTP echo upstream and of a stdio one.
 */
class BenchSmokeTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void loadGeneratorDrivesTheEchoUpstreamDirectly() throws Exception {
        try (EchoServer echo = new EchoServer(1)) {
            int port = echo.startHttp("127.0.0.1", 0);
            ObjectNode result = LoadGen.runCalls("http://127.0.0.1:" + port + "/mcp", 2, 1, 0.5,
                    ProcessHandle.current().pid());

            assertThat(result.path("errors").asLong()).as(result.toString()).isZero();
            assertThat(result.path("calls").asLong()).isPositive();
            assertThat(result.path("p50us").asDouble()).isPositive();
            assertThat(result.path("rssKb").asLong()).isPositive();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readyReportsTheMedianOfSeveralRssReadingsWithTheirRange() throws Exception {
        try (EchoServer echo = new EchoServer(1)) {
            int port = echo.startHttp("127.0.0.1", 0);
            ObjectNode result = LoadGen.runReady("http://127.0.0.1:" + port + "/mcp", ProcessHandle.current().pid(),
                    1, 3, 0.05);

            assertThat(result.path("errors").asLong()).as(result.toString()).isZero();
            assertThat(result.path("rssSamples").asInt()).isEqualTo(3);
            long least = result.path("rssMinKb").asLong();
            assertThat(least).isPositive();
            assertThat(result.path("rssKb").asLong()).isBetween(least, result.path("rssMaxKb").asLong());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void loadGeneratorDrivesOurProxyInFrontOfHttpAndStdioUpstreams(@TempDir Path dir) throws Exception {
        try (EchoServer echo = new EchoServer(1)) {
            int echoPort = echo.startHttp("127.0.0.1", 0);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = System.getProperty("java.class.path");
            String stdioArgs = Json.write(Json.MAPPER.valueToTree(
                    List.of("-cp", classpath, EchoServer.class.getName(), "--stdio")));
            int port = FreePort.find();
            Path config = dir.resolve("proxy.json");
            Files.writeString(config, """
                    {"proxy":{"host":"127.0.0.1","port":%d,"namespace":"prefix","separator":"__"},
                     "mcpServers":{
                       "echohttp":{"url":"http://127.0.0.1:%d/mcp","transport":"streamable-http"},
                       "echo":{"command":%s,"args":%s}}}
                    """.formatted(port, echoPort, Json.write(Json.MAPPER.getNodeFactory().textNode(java)), stdioArgs));
            Process proxy = new ProcessBuilder(java, "-cp", classpath, "dev.dynamicmcp.cli.Main", "--config",
                    config.toString(), "--host", "127.0.0.1", "--port", "" + port, "--log-level", "warn")
                    .redirectOutput(dir.resolve("proxy.out").toFile()).redirectError(dir.resolve("proxy.err").toFile())
                    .start();
            try {
                String url = "http://127.0.0.1:" + port + "/mcp";
                awaitTools(proxy, url, 2, dir);
                for (String tool : List.of("echohttp__echo", "echo__echo")) {
                    ObjectNode result = LoadGen.runCalls(url, 2, 1, 0.5, proxy.pid(), tool);
                    assertThat(result.path("errors").asLong()).as(tool + ": " + result).isZero();
                    assertThat(result.path("calls").asLong()).as(tool).isPositive();
                    assertThat(result.path("cpuUsPerCall").asDouble()).as(tool).isPositive();
                }
            } finally {
                proxy.destroy();
                if (!proxy.waitFor(10, TimeUnit.SECONDS)) {
                    proxy.destroyForcibly();
                }
            }
        }
    }

    /** Waits until the proxy lists the tools of every upstream (they are READY and merged). */
    private static void awaitTools(Process proxy, String url, int expected, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!proxy.isAlive()) {
                throw new AssertionError("the proxy exited with " + proxy.exitValue() + ": " + log(dir));
            }
            try (BenchClient client = new BenchClient(BenchClient.newHttpClient(), java.net.URI.create(url))) {
                client.initialize();
                if (client.request("tools/list", Json.object()).path("tools").size() >= expected) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the proxy did not list " + expected + " tools in 30 s (" + last + "): " + log(dir));
    }

    private static String log(Path dir) throws IOException {
        Path err = dir.resolve("proxy.err");
        String text = Files.exists(err) ? Files.readString(err) : "";
        return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    }
}
