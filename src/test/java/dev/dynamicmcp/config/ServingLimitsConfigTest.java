package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code proxy.limits} and {@code proxy.allowedOrigins} (issue 9, items 1, 2 and 12). */
class ServingLimitsConfigTest {

    private static ProxySettings proxy(String section) {
        return ConfigLoader.parse("{\"proxy\": " + section + ", \"mcpServers\": {}}", Map.of(), Path.of(".")).proxy();
    }

    @Test
    void withoutTheSectionsTheDefaultsApply() {
        ProxySettings settings = proxy("{\"port\": 0}");

        assertThat(settings.limits()).isEqualTo(ServingLimits.DEFAULTS);
        assertThat(settings.limits().sessionIdleTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(settings.allowedOrigins()).isEmpty();
    }

    @Test
    void everyLimitAndTheOriginsAreRead() {
        ProxySettings settings = proxy("""
                {"allowedOrigins": ["https://app.example.com", "tools.example.org"],
                 "limits": {"maxSessions": 500, "sessionIdleTimeout": "5m", "maxOpenStreams": 300,
                            "maxStreamsPerClient": 30, "maxConcurrentRequests": 200, "maxRequestsPerClient": 20,
                            "maxRequestsPerSession": 4, "maxBufferedEvents": 9000}}""");

        assertThat(settings.limits()).isEqualTo(new ServingLimits(500, Duration.ofMinutes(5), 300, 30, 200, 20, 4,
                9000));
        assertThat(settings.allowedOrigins()).containsExactly("https://app.example.com", "tools.example.org");
    }

    @Test
    void aKeyLeftOutKeepsItsDefault() {
        ProxySettings settings = proxy("{\"limits\": {\"maxSessions\": 50}}");

        assertThat(settings.limits()).isEqualTo(ServingLimits.DEFAULTS.withMaxSessions(50));
    }

    @Test
    void badValuesAreProblemsNamingTheKey() {
        assertThatThrownBy(() -> proxy("{\"limits\": {\"maxSessions\": 0, \"sessionIdleTimeout\": \"soon\"}}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("maxSessions")
                .hasMessageContaining("sessionIdleTimeout");
        assertThatThrownBy(() -> proxy("{\"allowedOrigins\": \"https://app.example.com\"}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("allowedOrigins");
    }

    @Test
    void theEightArgumentConstructorKeepsTheDefaults() {
        ProxySettings settings = new ProxySettings("127.0.0.1", 0, NamespaceMode.PREFIX, "__", null, 1024, 8,
                ServerOptions.DEFAULTS);

        assertThat(settings.limits()).isEqualTo(ServingLimits.DEFAULTS);
        assertThat(settings.allowedOrigins()).isEqualTo(List.of());
    }
}
