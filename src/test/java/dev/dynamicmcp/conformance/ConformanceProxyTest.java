package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite through the proxy ({@code "namespace": "none"}) fronting the SDK fixture, over a
 * Streamable HTTP upstream and over a stdio upstream. The score through the proxy must equal the score
 * straight against the fixture, measured in the same test.
 */
class ConformanceProxyTest {
    /**
     * Checks that pass against the fixture but that the suite reports as INFO (neither pass nor failure)
     * through the proxy, with the reason. The fixture (the Java SDK) answers every POST with an SSE stream;
     * the proxy answers with plain JSON when the response is ready before any related message (its fast
     * path, which the spec allows), and the suite then notes "SSE streaming is optional" instead of
     * exercising three SSE streams.
     */
    static final Map<String, String> CHECKS_REPORTED_AS_INFO = Map.of(
            "server-sse-multiple-streams/ServerSSEStreamsFunctional",
            "the proxy answers JSON when the response comes first; the suite reports INFO, SSE being optional");

    private static Conformance.Result direct(Path output) {
        try (ConformanceFixtureServer fixture = ConformanceFixtureServer.start()) {
            return Conformance.run(fixture.url(), output.resolve("direct"), Duration.ofMinutes(3));
        }
    }

    private static Conformance.Result throughProxy(String upstreamEntry, Path output, String label) throws Exception {
        String json = """
                {"proxy": {"port": 0, "namespace": "none"}, "mcpServers": {"fixture": %s}}
                """.formatted(upstreamEntry);
        ProxyConfig config = ConfigLoader.parse(json, Map.of(), Path.of("."));
        try (ProxyApp proxy = ProxyApp.start(config, ProxyApp.Options.httpOnly())) {
            return Conformance.run(proxy.endpoint(), output.resolve(label), Duration.ofMinutes(3));
        }
    }

    private static void report(String label, Conformance.Result result) {
        System.out.println(label + ": " + result.summary());
        result.failures().forEach(failure -> System.out.println("  failed: " + failure));
        System.out.println("FIGURE: conformance " + label + " passed=" + result.passed() + " failed=" + result.failed());
    }

    @Test
    @Timeout(400)
    void theScoreThroughTheProxyEqualsTheScoreDirect(@TempDir Path output) throws Exception {
        Conformance.Result direct = direct(output);
        report("direct", direct);

        Conformance.Result viaHttp;
        try (ConformanceFixtureServer fixture = ConformanceFixtureServer.start()) {
            viaHttp = throughProxy("{\"url\": \"" + fixture.url() + "\", \"transport\": \"streamable-http\"}",
                    output, "proxy-http-upstream");
        }
        report("proxy-http-upstream", viaHttp);

        List<String> command = ConformanceFixtureServer.stdioCommand();
        Conformance.Result viaStdio = throughProxy("{\"command\": " + Json.write(Json.MAPPER.valueToTree(command.get(0)))
                + ", \"args\": " + Json.write(Json.MAPPER.valueToTree(command.subList(1, command.size()))) + "}",
                output, "proxy-stdio-upstream");
        report("proxy-stdio-upstream", viaStdio);

        for (Conformance.Result proxied : List.of(viaHttp, viaStdio)) {
            assertThat(proxied.failedScenarios()).as(proxied.summary())
                    .containsExactlyInAnyOrderElementsOf(direct.failedScenarios());
            assertThat(proxied.failed()).as(proxied.summary()).isEqualTo(direct.failed());
            assertThat(proxied.warnings()).as(proxied.summary()).isEqualTo(direct.warnings());
            assertThat(proxied.passed()).as(proxied.summary())
                    .isEqualTo(direct.passed() - CHECKS_REPORTED_AS_INFO.size());
        }
    }
}
