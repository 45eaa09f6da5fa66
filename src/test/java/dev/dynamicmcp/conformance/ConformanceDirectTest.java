package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite straight against the SDK fixture: the baseline the proxy leg must equal. */
class ConformanceDirectTest {

    @Test
    void activeSuiteAgainstTheFixture(@TempDir Path output) {
        Conformance.Result result;
        long started = System.nanoTime();
        try (ConformanceFixtureServer fixture = ConformanceFixtureServer.start()) {
            result = Conformance.run(fixture.url(), output);
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        System.out.println(result.summary() + " in " + seconds + " s");
        result.scenarios().forEach((k, v) -> System.out.println("  " + k + " " + v));
        result.failures().forEach(f -> System.out.println("  FAIL " + f));
        System.out.println("FIGURE: conformance direct passed=" + result.passed() + " failed=" + result.failed());
        assertThat(result.failures()).isEmpty();
    }
}
