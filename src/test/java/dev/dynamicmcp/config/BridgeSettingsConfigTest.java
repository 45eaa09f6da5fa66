package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code proxy.bridge}: the bounds of the revision bridge, read like {@code proxy.limits}. */
class BridgeSettingsConfigTest {

    private static ProxySettings proxy(String section) {
        return ConfigLoader.parse("{\"proxy\": " + section + ", \"mcpServers\": {}}", Map.of(), Path.of(".")).proxy();
    }

    private static ConfigReader.Outcome outcome(String section) {
        return ConfigLoader.parse(("{\"proxy\": " + section + ", \"mcpServers\": {\"a\": {\"command\": \"x\"}}}")
                .getBytes(), Map.of(), Path.of("."));
    }

    @Test
    void withoutTheSectionTheDefaultsApply() {
        ProxySettings settings = proxy("{\"port\": 0}");

        assertThat(settings.bridge()).isEqualTo(BridgeSettings.DEFAULTS);
        assertThat(settings.bridge()).isEqualTo(new BridgeSettings(Duration.ofSeconds(120), 16, 1024));
        assertThat(ProxySettings.DEFAULTS.bridge()).isEqualTo(BridgeSettings.DEFAULTS);
    }

    @Test
    void everyKeyIsRead() {
        ProxySettings settings = proxy("{\"bridge\": {\"inputTimeout\": \"5m\", \"maxRounds\": 4, \"maxParked\": 64}}");

        assertThat(settings.bridge()).isEqualTo(new BridgeSettings(Duration.ofMinutes(5), 4, 64));
        assertThat(proxy("{\"bridge\": {\"inputTimeout\": 45000}}").bridge().inputTimeout())
                .as("a number is milliseconds, as for every duration").isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void aKeyLeftOutKeepsItsDefault() {
        assertThat(proxy("{\"bridge\": {\"maxRounds\": 3}}").bridge())
                .isEqualTo(BridgeSettings.DEFAULTS.withMaxRounds(3));
        assertThat(proxy("{\"bridge\": {}}").bridge()).isEqualTo(BridgeSettings.DEFAULTS);
    }

    @Test
    void badValuesAreProblemsNamingTheirKeys() {
        ConfigReader.Outcome outcome = outcome(
                "{\"bridge\": {\"inputTimeout\": \"0s\", \"maxRounds\": 0, \"maxParked\": \"many\"}}");

        assertThat(outcome.config()).isNull();
        assertThat(outcome.problems()).extracting(ConfigProblem::describe).containsExactlyInAnyOrder(
                "key \"proxy.bridge.inputTimeout\": \"0s\" is zero; it must be positive",
                "key \"proxy.bridge.maxRounds\": 0 is out of range (must be 1 or more)",
                "key \"proxy.bridge.maxParked\": must be a whole number, got \"many\"");
        assertThatThrownBy(() -> proxy("{\"bridge\": {\"inputTimeout\": \"soon\"}}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("proxy.bridge.inputTimeout")
                .hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> proxy("{\"bridge\": 16}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("proxy.bridge")
                .hasMessageContaining("must be an object");
    }

    @Test
    void aMisspeltKeyIsAnErrorAndAStrangerIsWarnedAboutLikeEveryOtherSection() {
        ConfigReader.Outcome outcome = outcome("{\"bridge\": {\"maxRound\": 2, \"colour\": \"blue\"}}");

        assertThat(outcome.config()).isNull();
        assertThat(outcome.problems()).extracting(ConfigProblem::describe).containsExactly(
                "key \"proxy.bridge.maxRound\": unknown key; did you mean \"maxRounds\"? (a misspelt key is an"
                        + " error, not ignored)");
        assertThat(outcome.warnings()).contains("key \"proxy.bridge.colour\": unknown key, ignored");
    }

    @Test
    void theOlderConstructorsKeepTheDefaultsAndWithersCarryTheSection() {
        ProxySettings settings = new ProxySettings("127.0.0.1", 0, NamespaceMode.PREFIX, "__", null, 1024, 8,
                ServerOptions.DEFAULTS);
        assertThat(settings.bridge()).isEqualTo(BridgeSettings.DEFAULTS);

        BridgeSettings small = new BridgeSettings(Duration.ofSeconds(10), 2, 5);
        ProxySettings bridged = settings.withBridge(small);
        assertThat(bridged.bridge()).isEqualTo(small);
        assertThat(bridged.withLimits(ServingLimits.DEFAULTS.withMaxSessions(3)).withAdminToken("t")
                .withAllowedOrigins(java.util.List.of("a.example")).withDataDir(Path.of("/tmp/x")).bridge())
                .isEqualTo(small);
        assertThat(ConfigDiff.proxyFields(settings, bridged)).containsExactly("bridge");
    }

    @Test
    void theRecordRefusesBoundsBelowOne() {
        assertThatThrownBy(() -> new BridgeSettings(Duration.ofSeconds(1), 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BridgeSettings(Duration.ZERO, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
