package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dynamicmcp.conformance.Conformance.ScenarioStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the harness reads a run's results, on files shaped like the suite's own (no suite run here). */
class ConformanceHarnessTest {

    @Test
    void countsChecksPerStatusAndTreatsACrashedScenarioAsOneFailure(@TempDir Path run) throws Exception {
        write(run, "server-ping-2026-01-02T03-04-05-678Z", """
                [{"id":"ping","status":"SUCCESS"},{"id":"note","status":"INFO"}]""");
        write(run, "server-server-sse-multiple-streams-2026-01-02T03-04-06-000Z", """
                [{"id":"server-accepts-multiple-post-streams","status":"SUCCESS"},
                 {"id":"server-sse-streams-functional","status":"WARNING","errorMessage":"Only 2/3"}]""");
        write(run, "server-dns-rebinding-protection-2026-01-02T03-04-07-000Z", """
                [{"id":"localhost-host-rebinding-rejected","status":"FAILURE","errorMessage":"got 200"},
                 {"id":"localhost-host-valid-accepted","status":"SUCCESS"}]""");
        String stdout = """
                === Running scenario: ping ===
                === Running scenario: server-sse-multiple-streams ===
                === Running scenario: tools-call-sampling ===
                === Running scenario: dns-rebinding-protection ===
                Total: 3 passed, 2 failed
                """;

        Conformance.Result result = Conformance.parse(run, stdout);

        assertThat(result.passed()).isEqualTo(3);
        assertThat(result.failed()).isEqualTo(2);
        assertThat(result.warnings()).isEqualTo(1);
        assertThat(result.scenarios()).containsExactly(
                java.util.Map.entry("ping", ScenarioStatus.PASSED),
                java.util.Map.entry("server-sse-multiple-streams", ScenarioStatus.WARNING),
                java.util.Map.entry("tools-call-sampling", ScenarioStatus.MISSING),
                java.util.Map.entry("dns-rebinding-protection", ScenarioStatus.FAILED));
        assertThat(result.failures()).containsExactly(
                "tools-call-sampling: no checks.json (the scenario crashed; see conformance.log)",
                "dns-rebinding-protection/localhost-host-rebinding-rejected: got 200");
        assertThat(result.summary()).isEqualTo("conformance: passed=3 failed=2 warnings=1 scenarios=4"
                + " failing=tools-call-sampling,dns-rebinding-protection");
    }

    @Test
    void refusesResultsThatDisagreeWithTheSuitesOwnTotal(@TempDir Path run) throws Exception {
        write(run, "server-ping-2026-01-02T03-04-05-678Z", "[{\"id\":\"ping\",\"status\":\"SUCCESS\"}]");

        assertThatThrownBy(() -> Conformance.parse(run, "=== Running scenario: ping ===\nTotal: 2 passed, 0 failed\n"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("passed=1 failed=0");
    }

    private static void write(Path run, String dir, String checks) throws Exception {
        Files.createDirectories(run.resolve(dir));
        Files.writeString(run.resolve(dir).resolve("checks.json"), checks);
    }
}
