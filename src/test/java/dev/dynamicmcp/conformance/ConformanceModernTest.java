package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.conformance.Conformance.ScenarioStatus;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.Peers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite 0.2.0-alpha.12, {@code server --requirements 2026-07-28}, straight against the SDK v2
 * reference server and through the proxy in front of it (the proxy reaches it over 2026-07-28 Streamable
 * HTTP), and through the proxy in front of the project's 2025-era fixture (the bridge). Scenario by scenario,
 * the proxy must score at least what the server scores directly, except what {@link #MAY_DIFFER} names with
 * the reason.
 */
class ConformanceModernTest {
    static final String REQUIREMENTS = "2026-07-28";

    static void report(String label, Conformance.Result result) {
        System.out.println(label + ": " + result.scoredLine() + "; " + result.summary());
        result.scored().forEach((scenario, status) -> System.out.println("  " + label + " " + scenario + " " + status));
        result.failures().forEach(failure -> System.out.println("  failed: " + failure));
        result.warned().forEach(warning -> System.out.println("  warned: " + warning));
        System.out.println("FIGURE: conformance-2026 " + label + " " + result.scoredLine());
    }

    static Conformance.Result throughProxy(String upstreamEntry, Path output, String label) throws Exception {
        String json = """
                {"proxy": {"port": 0, "namespace": "none"}, "mcpServers": {"fixture": %s}}
                """.formatted(upstreamEntry);
        ProxyConfig config = ConfigLoader.parse(json, Map.of(), Path.of("."));
        try (ProxyApp proxy = ProxyApp.start(config, ProxyApp.Options.httpOnly())) {
            return Conformance.runRequirements(proxy.endpoint(), output.resolve(label), Duration.ofMinutes(3),
                    REQUIREMENTS);
        }
    }

    /**
     * What may still differ through the proxy, per upstream: scored scenario → why. In front of the SDK v2
     * reference server, reached over 2026-07-28 upstream, nothing: its {@code input_required} answers pass
     * through, the retries go back to it by name, and the caller's envelope (capabilities, log level) reaches
     * it, so it refuses an undeclared capability with -32021 itself. In front of the 2025-era Java fixture
     * (reached over its own revision, through Bridge A) its {@code test_input_required_result_*} tools and prompt
     * ask the client mid-call the 2025 way, and every multi-round-trip scenario passes (it must: not listed
     * here) except three that only a 2026-07-28 server can satisfy.
     */
    static final Map<String, Map<String, String>> MAY_DIFFER = Map.of(
            "reference", Map.of(),
            "java-fixture", Map.of(
                    "input-required-result-basic-elicitation", "the scenario expects the inputRequests key "
                            + "\"user_name\"; a 2025 server's elicitation/create carries no key, the bridge names "
                            + "each ask r<round>-<n>",
                    "input-required-result-capability-check", "a 2025 server cannot be told per request what the "
                            + "client declared (the proxy's session declares everything): it asks for elicitation, "
                            + "and the bridge answers -32021 for the capability the request lacks",
                    "input-required-result-ignore-extra-params", "the scenario sends inputResponses without any "
                            + "requestState: a 2025 server cannot take an answer before it asks (the bridge starts "
                            + "the call and answers input_required, a warning)"));

    /**
     * Checks that only warn through the proxy where they pass directly, per upstream: check id → why. None:
     * a warning is a difference too.
     */
    static final Map<String, Map<String, String>> WARNINGS_THAT_DIFFER = Map.of("reference", Map.of(),
            "java-fixture", Map.of());

    /** Better is larger: a scenario through the proxy must rank at least as it does directly. */
    private static int rank(ScenarioStatus status) {
        return switch (status) {
            case PASSED -> 2;
            case WARNING -> 1;
            case FAILED, MISSING -> 0;
        };
    }

    private static java.util.Set<String> checkIds(List<String> lines, String scenario) {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (String line : lines) {
            if (line.startsWith(scenario + "/")) {
                ids.add(line.substring(scenario.length() + 1, line.indexOf(':')));
            }
        }
        return ids;
    }

    /**
     * Scenario by scenario, through the proxy at least what the upstream scores directly (when {@code direct}
     * is null: every scenario passes), except what {@link #MAY_DIFFER} names; and no check fails or warns
     * through the proxy that passes directly.
     */
    private static void assertAtLeastDirect(Conformance.Result proxied, Conformance.Result direct, String upstream) {
        Map<String, String> mayDiffer = MAY_DIFFER.get(upstream);
        for (Map.Entry<String, ScenarioStatus> scenario : proxied.scored().entrySet()) {
            String name = scenario.getKey();
            if (mayDiffer.containsKey(name)) {
                continue;
            }
            ScenarioStatus floor = direct == null ? ScenarioStatus.PASSED : direct.scored().get(name);
            assertThat(rank(scenario.getValue())).as(upstream + " " + name + " through the proxy: " + scenario.getValue()
                    + ", directly " + floor + "; " + proxied.failures() + proxied.warned())
                    .isGreaterThanOrEqualTo(rank(floor));
            if (direct != null) {
                java.util.Set<String> worse = checkIds(proxied.failures(), name);
                worse.removeAll(checkIds(direct.failures(), name));
                assertThat(worse).as(upstream + " " + name + ": checks failing only through the proxy").isEmpty();
                java.util.Set<String> warned = checkIds(proxied.warned(), name);
                warned.removeAll(checkIds(direct.warned(), name));
                warned.removeAll(WARNINGS_THAT_DIFFER.get(upstream).keySet());
                assertThat(warned).as(upstream + " " + name + ": checks warning only through the proxy").isEmpty();
            }
        }
        if (direct != null) {
            assertThat(direct.scored().keySet()).as("the same scored scenarios ran").isEqualTo(proxied.scored().keySet());
        }
    }

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
        report("reference-direct", direct);
        report("reference-proxy", proxied);
        assertThat(direct.scored()).hasSize(37).doesNotContainValue(ScenarioStatus.FAILED)
                .doesNotContainValue(ScenarioStatus.MISSING);
        assertAtLeastDirect(proxied, direct, "reference");
    }

    /**
     * The project's own 2025-era Java fixture: with the 2025-11-25 requirement set it passes everything
     * directly and through the proxy; with the 2026-07-28 set it cannot pass anything directly (it has no
     * server/discover, no envelope), and through the proxy it passes every scenario but the three of
     * {@link #MAY_DIFFER} (34/37 PASSED, and the ignore-extra-params warning green: 35/37).
     */
    @Test
    @Timeout(400)
    void aServerOfTheOlderRevisionSpeaks2026ThroughTheProxy(@TempDir Path output) throws Exception {
        Conformance.Result direct2025;
        Conformance.Result direct2026;
        Conformance.Result proxied2025;
        Conformance.Result proxied2026;
        try (ConformanceFixtureServer fixture = ConformanceFixtureServer.start()) {
            direct2025 = Conformance.runRequirements(fixture.url(), output.resolve("direct-2025"), Duration.ofMinutes(3),
                    "2025-11-25");
            direct2026 = Conformance.runRequirements(fixture.url(), output.resolve("direct-2026"), Duration.ofMinutes(3),
                    REQUIREMENTS);
        }
        try (ConformanceFixtureServer fixture = ConformanceFixtureServer.start()) {
            String json = """
                    {"proxy": {"port": 0, "namespace": "none"},
                     "mcpServers": {"fixture": {"url": "%s", "transport": "streamable-http"}}}
                    """.formatted(fixture.url());
            try (ProxyApp proxy = ProxyApp.start(ConfigLoader.parse(json, Map.of(), Path.of(".")),
                    ProxyApp.Options.httpOnly())) {
                proxied2025 = Conformance.runRequirements(proxy.endpoint(), output.resolve("proxy-2025"),
                        Duration.ofMinutes(3), "2025-11-25");
                proxied2026 = Conformance.runRequirements(proxy.endpoint(), output.resolve("proxy-2026"),
                        Duration.ofMinutes(3), REQUIREMENTS);
            }
        }
        report("java-fixture-direct-2025", direct2025);
        report("java-fixture-proxy-2025", proxied2025);
        report("java-fixture-direct-2026", direct2026);
        report("java-fixture-proxy-2026", proxied2026);

        assertThat(direct2025.scored()).isNotEmpty().allSatisfy((name, status) ->
                assertThat(status).as(name).isEqualTo(ScenarioStatus.PASSED));
        assertThat(proxied2025.scored()).isEqualTo(direct2025.scored());
        assertThat(direct2026.scored()).hasSize(37).doesNotContainValue(ScenarioStatus.PASSED);
        assertAtLeastDirect(proxied2026, null, "java-fixture");
        assertThat(proxied2026.scored().keySet()).as("the same scored scenarios ran")
                .isEqualTo(direct2026.scored().keySet());
    }
}
