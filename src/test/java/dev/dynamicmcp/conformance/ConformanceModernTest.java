package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.conformance.Conformance.ScenarioStatus;
import dev.dynamicmcp.proxy.ProxyServer;
import dev.dynamicmcp.testsupport.Peers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite 0.2.0-alpha.12, {@code server --requirements 2026-07-28}, straight against the SDK v2
 * reference server and through the proxy in front of it (the proxy reaches it over 2025-era Streamable HTTP:
 * the upstream side of 2026-07-28 is another piece of work). Scenario by scenario, the proxy must pass every
 * scenario the server passes directly, except those listed in {@link #NEED_THE_BRIDGE} with the reason.
 */
class ConformanceModernTest {
    static final String REQUIREMENTS = "2026-07-28";

    static void report(String label, Conformance.Result result) {
        System.out.println(label + ": " + result.scoredLine() + "; " + result.summary());
        result.scored().forEach((scenario, status) -> System.out.println("  " + label + " " + scenario + " " + status));
        result.failures().forEach(failure -> System.out.println("  failed: " + failure));
        System.out.println("FIGURE: conformance-2026 " + label + " " + result.scoredLine());
    }

    static Conformance.Result throughProxy(String upstreamEntry, Path output, String label) throws Exception {
        String json = """
                {"proxy": {"port": 0, "namespace": "none"}, "mcpServers": {"fixture": %s}}
                """.formatted(upstreamEntry);
        ProxyConfig config = ConfigLoader.parse(json, Map.of(), Path.of("."));
        try (ProxyServer proxy = ProxyServer.start(config, ProxyServer.Options.httpOnly())) {
            return Conformance.runRequirements(proxy.endpoint(), output.resolve(label), Duration.ofMinutes(3),
                    REQUIREMENTS);
        }
    }

    /**
     * Scenarios that pass directly but need the revision bridge through the proxy (a later piece of work):
     * the reference server answers 2025-era callers without {@code input_required}, so the proxy's 2025-era
     * connection cannot carry it to a 2026-07-28 client yet.
     */
    static final Map<String, String> NEED_THE_BRIDGE = Map.of();

    @Test
    @Timeout(400)
    void throughTheProxyEveryScenarioPassesThatPassesDirect(@TempDir Path output) throws Exception {
        Conformance.Result direct;
        Conformance.Result proxied;
        try (Peers.NodeServer reference = Peers.startModernReferenceServer()) {
            direct = Conformance.runRequirements(reference.url(), output.resolve("direct"), Duration.ofMinutes(3),
                    REQUIREMENTS);
            proxied = throughProxy("{\"url\": \"" + reference.url() + "\", \"transport\": \"streamable-http\"}",
                    output, "proxy");
        }
        report("direct", direct);
        report("proxy", proxied);
        assertThat(direct.scored()).hasSize(37);
        for (Map.Entry<String, ScenarioStatus> scenario : direct.scored().entrySet()) {
            if (scenario.getValue() == ScenarioStatus.PASSED && !NEED_THE_BRIDGE.containsKey(scenario.getKey())) {
                assertThat(proxied.scored().get(scenario.getKey())).as(scenario.getKey())
                        .isEqualTo(ScenarioStatus.PASSED);
            }
        }
    }
}
