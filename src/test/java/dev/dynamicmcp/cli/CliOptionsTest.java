package dev.dynamicmcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dynamicmcp.config.ProxySettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 9, items 12 and 13: the token from a file or the environment (not only the command line, where
 * {@code ps} shows it), {@code --allowed-origin}, and option values that used to be accepted silently.
 */
class CliOptionsTest {
    private static final ProxySettings BASE = ProxySettings.DEFAULTS;
    private static final ProxySettings WITH_CONFIG_TOKEN = new ProxySettings(BASE.host(), BASE.port(),
            BASE.namespace(), BASE.separator(), "from-config", BASE.maxBodyBytes(), BASE.connectConcurrency(),
            BASE.defaults(), BASE.limits(), List.of("https://config.example"));

    @TempDir
    Path dir;

    private static ProxySettings settings(ProxySettings base, Map<String, String> env, String... args) {
        Main main = new Main();
        new CommandLine(main).parseArgs(args);
        main.environment = env;
        return main.withOverrides(base);
    }

    private static String token(ProxySettings base, Map<String, String> env, String... args) {
        return settings(base, env, args).authToken();
    }

    @Test
    void theTokenIsReadFromAFileWithoutItsTrailingNewline() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "s3cr3t\n");

        assertThat(token(BASE, Map.of(), "--auth-token-file", file.toString())).isEqualTo("s3cr3t");
        Files.writeString(file, "s3cr3t\r\n");
        assertThat(token(BASE, Map.of(), "--auth-token-file", file.toString())).isEqualTo("s3cr3t");
    }

    @Test
    void theTokenIsReadFromTheEnvironment() {
        assertThat(token(BASE, Map.of(AuthTokenSource.ENV_VAR, "from-env"))).isEqualTo("from-env");
        assertThat(token(BASE, Map.of())).isNull();
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheConfig() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "from-file\n");
        Map<String, String> env = Map.of(AuthTokenSource.ENV_VAR, "from-env");

        assertThat(token(WITH_CONFIG_TOKEN, env, "--auth-token", "from-flag")).isEqualTo("from-flag");
        assertThat(token(WITH_CONFIG_TOKEN, env, "--auth-token-file", file.toString())).isEqualTo("from-file");
        assertThat(token(WITH_CONFIG_TOKEN, env)).isEqualTo("from-env");
        assertThat(token(WITH_CONFIG_TOKEN, Map.of())).isEqualTo("from-config");
    }

    @Test
    void anUnreadableOrEmptyTokenSourceIsAClearError() throws Exception {
        Path missing = dir.resolve("no-such-token");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");

        assertThatThrownBy(() -> token(BASE, Map.of(), "--auth-token-file", missing.toString()))
                .isInstanceOf(UsageException.class)
                .hasMessage("cannot read --auth-token-file " + missing.toAbsolutePath() + ": no such file");
        assertThatThrownBy(() -> token(BASE, Map.of(), "--auth-token-file", dir.toString()))
                .hasMessageEndingWith(": it is a directory");
        assertThatThrownBy(() -> token(BASE, Map.of(), "--auth-token-file", empty.toString()))
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> token(BASE, Map.of(AuthTokenSource.ENV_VAR, "")))
                .hasMessage(AuthTokenSource.ENV_VAR + " is set but empty; unset it to run without authentication");
        assertThatThrownBy(() -> token(BASE, Map.of(), "--auth-token", "a", "--auth-token-file", empty.toString()))
                .hasMessage("give --auth-token or --auth-token-file, not both");
    }

    @Test
    void anUnreadableTokenFileStopsTheProxyBeforeItStartsWithExitTwo() throws Exception {
        Path config = Files.writeString(dir.resolve("mcp.json"), "{ \"mcpServers\": {} }");
        Path missing = dir.resolve("no-such-token");

        Run run = cli("--config", config.toString(), "--port", "0", "--auth-token-file", missing.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("cannot read --auth-token-file " + missing.toAbsolutePath());
    }

    @Test
    void allowedOriginsFromTheCommandLineAreAddedToTheConfigs() {
        ProxySettings settings = settings(WITH_CONFIG_TOKEN, Map.of(), "--allowed-origin", "https://App.Example.com",
                "--allowed-origin", "http://localhost:3000", "--allowed-origin", "https://config.example");

        assertThat(settings.allowedOrigins()).containsExactly("https://config.example", "https://app.example.com",
                "http://localhost:3000");
        assertThat(settings(BASE, Map.of()).allowedOrigins()).isEmpty();
    }

    @Test
    void theCommandLineKeepsTheConfigsAdminTokenAndNoPersistIsAFlag() {
        assertThat(settings(WITH_CONFIG_TOKEN.withAdminToken("admin-from-config"), Map.of(), "--auth-token", "cli")
                .adminToken()).as("overriding the MCP token leaves the admin token").isEqualTo("admin-from-config");
        Main main = new Main();
        new CommandLine(main).parseArgs("--no-persist");
        assertThat(main.noPersist).isTrue();
        Main plain = new Main();
        new CommandLine(plain).parseArgs();
        assertThat(plain.noPersist).isFalse();
    }

    @Test
    void anAllowedOriginMustBeAnOrigin() {
        for (String bad : List.of("https://app.example.com/", "app.example.com", "ftp://x", "https://h/path",
                "https://h?q=1")) {
            Run run = cli("--allowed-origin", bad, "--port", "0");
            assertThat(run.exitCode()).as(bad).isEqualTo(2);
            assertThat(run.err()).as(bad).contains("'" + bad + "'").contains("scheme://host[:port]");
        }
    }

    @Test
    void anUnknownLogLevelIsRejectedWithTheValidOnes() {
        for (String[] args : List.of(new String[] {"--log-level", "verbose"},
                new String[] {"check", "--log-level", "verbose", "--config", "x.json"},
                new String[] {"tools", "--log-level", "verbose", "--config", "x.json"})) {
            Run run = cli(args);
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).contains("'verbose' is not a log level (use error, warn, info, debug, trace)");
        }
        Main main = new Main();
        new CommandLine(main).parseArgs("--log-level", "DEBUG");
        assertThat(main.common.logLevel).isEqualTo("debug");
    }

    record Run(int exitCode, String out, String err) {
    }

    private static synchronized Run cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(Map.of(), args);
            return new Run(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void commandLineOverridesKeepTheConfigsServingLimits() {
        ProxySettings limited = BASE.withLimits(new dev.dynamicmcp.config.ServingLimits(7, java.time.Duration.ofMinutes(3),
                11, 5, 13, 6, 4, 999));
        ProxySettings overridden = settings(limited, Map.of(), "--port", "9123");
        assertThat(overridden.port()).isEqualTo(9123);
        assertThat(overridden.limits()).isEqualTo(limited.limits());
    }

    @Test
    void commandLineOverridesKeepTheConfigsBridgeBounds() {
        ProxySettings bridged = BASE.withBridge(new dev.dynamicmcp.config.BridgeSettings(
                java.time.Duration.ofSeconds(30), 2, 8));
        ProxySettings overridden = settings(bridged, Map.of(), "--port", "9124");
        assertThat(overridden.port()).isEqualTo(9124);
        assertThat(overridden.bridge()).isEqualTo(bridged.bridge());
    }
}
