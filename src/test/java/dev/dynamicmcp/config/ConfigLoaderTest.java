package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs users bring must load into the records the rest of the proxy builds on. */
class ConfigLoaderTest {
    private static final Map<String, String> ENV =
            Map.of("PROXY_TOKEN", "proxy-secret", "API_KEY", "api-secret", "TOKEN", "remote-secret");

    @TempDir
    Path dir;

    private static final String EXAMPLE = """
            {
              "proxy": { "host": "127.0.0.1", "port": 8080, "namespace": "prefix", "separator": "__",
                         "authToken": "${PROXY_TOKEN}", "maxBodyBytes": 4194304, "connectConcurrency": 8,
                         "defaults": { "requestTimeout": "60s", "healthCheckInterval": "30s" } },
              "mcpServers": {
                "everything": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"],
                                "env": { "API_KEY": "${API_KEY}" }, "cwd": "srv/mcp" },
                "remote":     { "url": "http://127.0.0.1:3001/mcp", "headers": { "Authorization": "Bearer ${TOKEN}" } },
                "legacy":     { "url": "http://127.0.0.1:3001/sse", "transport": "sse" },
                "off":        { "command": "some-server", "disabled": true }
              }
            }
            """;

    @Test
    void theReadmeExampleLoadsIntoTheExpectedRecords() throws IOException {
        Path cwd = Files.createDirectories(dir.resolve("srv/mcp"));
        Path file = Files.writeString(dir.resolve("config.json"), EXAMPLE);

        ProxyConfig config = ConfigLoader.load(file, ENV);

        assertThat(config.proxy()).isEqualTo(new ProxySettings("127.0.0.1", 8080, NamespaceMode.PREFIX, "__",
                "proxy-secret", 4194304, 8, ServerOptions.DEFAULTS));
        assertThat(config.servers().keySet()).containsExactly("everything", "remote", "legacy", "off");
        assertThat(config.servers().get("everything")).isEqualTo(new ServerConfig("everything",
                TransportKind.STDIO, "npx", List.of("-y", "@modelcontextprotocol/server-everything"),
                Map.of("API_KEY", "api-secret"), cwd.toAbsolutePath(), null, Map.of(), false, Isolation.SHARED,
                ToolFilter.ALLOW_ALL, ServerOptions.DEFAULTS));
        assertThat(config.servers().get("remote")).isEqualTo(new ServerConfig("remote", TransportKind.HTTP_AUTO,
                null, List.of(), Map.of(), null, URI.create("http://127.0.0.1:3001/mcp"),
                Map.of("Authorization", "Bearer remote-secret"), false, Isolation.SHARED, ToolFilter.ALLOW_ALL,
                ServerOptions.DEFAULTS));
        assertThat(config.servers().get("legacy").transport()).isEqualTo(TransportKind.SSE);
        assertThat(config.servers().get("off").disabled()).isTrue();
    }

    @Test
    void serverOptionsOverrideProxyDefaultsWhichOverrideBuiltInDefaults() {
        ProxyConfig config = ConfigLoader.parse("""
                { "proxy": { "defaults": { "requestTimeout": "2m", "retries": 5,
                                           "backoff": { "max": "10s" } } },
                  "mcpServers": {
                    "plain": { "command": "a" },
                    "tuned": { "command": "b", "requestTimeout": 1500, "connectTimeout": "5s",
                               "healthCheckInterval": 0, "unhealthyAfter": 2, "lazy": true,
                               "backoff": { "initial": "100ms", "jitter": 0.5 },
                               "circuitBreaker": { "failureThreshold": 3, "openDuration": "1h" },
                               "isolation": "session",
                               "tools": { "allow": ["get_*"], "deny": ["get_secret"] } } } }
                """, Map.of(), dir);

        ServerOptions plain = config.servers().get("plain").options();
        assertThat(plain.requestTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(plain.retries()).isEqualTo(5);
        assertThat(plain.backoffMax()).isEqualTo(Duration.ofSeconds(10));
        assertThat(plain.connectTimeout()).isEqualTo(ServerOptions.DEFAULTS.connectTimeout());

        ServerConfig tuned = config.servers().get("tuned");
        assertThat(tuned.options()).isEqualTo(new ServerOptions(Duration.ofSeconds(5), Duration.ofMillis(1500),
                Duration.ZERO, 2, Duration.ofMillis(100), Duration.ofSeconds(10), 0.5, 3, Duration.ofHours(1),
                5, true));
        assertThat(tuned.isolation()).isEqualTo(Isolation.SESSION);
        assertThat(tuned.tools().permits("get_weather")).isTrue();
        assertThat(tuned.tools().permits("get_secret")).isFalse();
        assertThat(tuned.tools().permits("delete_all")).isFalse();
    }

    @Test
    void anAbsentProxySectionMeansTheDefaults() {
        ProxyConfig config = ConfigLoader.parse("{ \"mcpServers\": { \"a\": { \"command\": \"x\" } } }",
                Map.of(), dir);

        assertThat(config.proxy()).isEqualTo(ProxySettings.DEFAULTS);
    }

    @Test
    void proxySizesAndNumbersAcceptHumanSpellings() {
        ProxyConfig config = ConfigLoader.parse("""
                { "proxy": { "maxBodyBytes": "4MB", "port": "${PORT:-0}", "namespace": "none" },
                  "mcpServers": {} }
                """, Map.of(), dir);

        assertThat(config.proxy().maxBodyBytes()).isEqualTo(4L * 1024 * 1024);
        assertThat(config.proxy().port()).isZero();
        assertThat(config.proxy().namespace()).isEqualTo(NamespaceMode.NONE);
    }

    @Test
    void cursorAndVsCodeTypeKeyIsAnAliasOfTransport() {
        ProxyConfig config = ConfigLoader.parse("""
                { "mcpServers": {
                    "a": { "type": "stdio", "command": "x" },
                    "b": { "type": "http", "url": "https://example.com/mcp" },
                    "c": { "type": "streamable-http", "url": "https://example.com/mcp" },
                    "d": { "transport": "streamableHttp", "url": "https://example.com/mcp" },
                    "e": { "type": "sse", "url": "https://example.com/sse" } } }
                """, Map.of(), dir);

        assertThat(config.servers().values()).extracting(ServerConfig::transport).containsExactly(
                TransportKind.STDIO, TransportKind.HTTP_AUTO, TransportKind.STREAMABLE_HTTP,
                TransportKind.STREAMABLE_HTTP, TransportKind.SSE);
    }

    @Test
    void windsurfServerUrlIsAnAliasOfUrl() {
        ProxyConfig config = ConfigLoader.parse(
                "{ \"mcpServers\": { \"w\": { \"serverUrl\": \"https://example.com/mcp\" } } }", Map.of(), dir);

        assertThat(config.servers().get("w").url()).isEqualTo(URI.create("https://example.com/mcp"));
        assertThat(config.servers().get("w").transport()).isEqualTo(TransportKind.HTTP_AUTO);
    }

    @Test
    void vsCodeServersSectionWithCommentsAndTrailingCommasLoads() {
        ProxyConfig config = ConfigLoader.parse("""
                {
                  // VS Code's .vscode/mcp.json
                  "inputs": [],
                  "servers": {
                    "fs": { "type": "stdio", "command": "npx", "args": ["-y", "server-fs",], },
                  },
                }
                """, Map.of(), dir);

        assertThat(config.servers().get("fs").command()).isEqualTo("npx");
    }

    @Test
    void otherClientsKeysAreIgnoredSilentlyOtherUnknownKeysWarnAndNearMissesAreErrors() {
        ConfigReader.Outcome outcome = ConfigLoader.parse("""
                { "globalShortcut": "Ctrl+Space",
                  "proxy": { "prot": 9000, "colour": "blue" },
                  "mcpServers": {
                    "a": { "command": "x", "autoApprove": ["read"], "alwaysAllow": [], "timeout": 60,
                           "retires": 3, "flavour": "mint" } } }
                """.getBytes(), Map.of(), dir);

        assertThat(outcome.config()).isNull();
        assertThat(outcome.problems()).extracting(ConfigProblem::describe).containsExactly(
                "key \"proxy.prot\": unknown key; did you mean \"port\"? (a misspelt key is an error, not ignored)",
                "server \"a\", key \"retires\": unknown key; did you mean \"retries\"? (a misspelt key is an error,"
                        + " not ignored)");
        assertThat(outcome.warnings()).containsExactlyInAnyOrder(
                "key \"proxy.colour\": unknown key, ignored",
                "server \"a\", key \"flavour\": unknown key, ignored");
    }

    @Test
    void zeroServersIsValidButWarned() {
        ConfigReader.Outcome outcome = ConfigLoader.parse("{ \"mcpServers\": {} }".getBytes(), Map.of(), dir);

        assertThat(outcome.config().servers()).isEmpty();
        assertThat(outcome.warnings()).singleElement().asString().contains("no servers configured");
    }

    @Test
    void aMisspeltServersSectionIsAnErrorThatNamesIt() {
        ConfigReader.Outcome outcome = ConfigLoader.parse("{ \"mcpservers\": { \"a\": { \"command\": \"x\" } } }"
                .getBytes(), Map.of(), dir);

        assertThat(outcome.config()).isNull();
        assertThat(outcome.problems()).extracting(ConfigProblem::describe).containsExactly(
                "key \"mcpservers\": unknown key; did you mean \"mcpServers\"? (a misspelt key is an error, not"
                        + " ignored)");
    }

    @Test
    void numbersAndBooleansInEnvAndArgsBecomeStrings() {
        ProxyConfig config = ConfigLoader.parse("""
                { "mcpServers": { "a": { "command": "x", "args": ["--port", 3000, "--verbose", true],
                                         "env": { "DEBUG": true, "WORKERS": 4, "RATIO": 0.50 } } } }
                """, Map.of(), dir);

        assertThat(config.servers().get("a").args()).containsExactly("--port", "3000", "--verbose", "true");
        assertThat(config.servers().get("a").env())
                .isEqualTo(Map.of("DEBUG", "true", "WORKERS", "4", "RATIO", "0.5"));
    }

    @Test
    void aDisabledServerNeedsNeitherItsVariablesNorItsFolder() {
        ProxyConfig config = ConfigLoader.parse("""
                { "mcpServers": { "off": { "command": "x", "disabled": true, "cwd": "/no/such/dir",
                                           "env": { "KEY": "${UNSET_KEY}" } } } }
                """, Map.of(), dir);

        assertThat(config.servers().get("off").disabled()).isTrue();
        assertThat(config.servers().get("off").env()).containsEntry("KEY", "${UNSET_KEY}");
    }

    @Test
    void aByteOrderMarkIsIgnored() {
        ProxyConfig config = ConfigLoader.parse("\uFEFF{ \"mcpServers\": { \"a\": { \"command\": \"x\" } } }",
                Map.of(), dir);

        assertThat(config.servers()).containsKey("a");
    }

    @Test
    void durationsAcceptMillisecondsAndUnitSuffixes() {
        ServerOptions options = ConfigLoader.parse("""
                { "mcpServers": { "a": { "command": "x", "connectTimeout": "1.5s", "requestTimeout": "500ms",
                    "healthCheckInterval": "5m", "backoff": { "max": "1h" },
                    "circuitBreaker": { "openDuration": "250" } } } }
                """, Map.of(), dir).servers().get("a").options();

        assertThat(options.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(options.requestTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.healthCheckInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(options.backoffMax()).isEqualTo(Duration.ofHours(1));
        assertThat(options.breakerOpenDuration()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aBadProxyDefaultIsReportedOnceNotOncePerServer() {
        ConfigReader.Outcome outcome = ConfigLoader.parse("""
                { "proxy": { "defaults": { "backoff": { "initial": "1m" }, "isolation": "session" } },
                  "mcpServers": { "a": { "command": "x" }, "b": { "command": "y" } } }
                """.getBytes(), Map.of(), dir);

        assertThat(outcome.problems()).extracting(ConfigProblem::describe).containsExactly(
                "key \"proxy.defaults.backoff\": initial delay 1m is longer than max 30s");
        assertThat(outcome.warnings()).containsExactly(
                "key \"proxy.defaults.isolation\": is a per-server key and is not inherited, ignored");
    }
}
