package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, items 7 and 9: a near-miss of a known key is an error in every section (so {@code "arg"} never
 * starts a bare {@code npx}), keys of other clients' formats are ignored silently, other unknown keys warn,
 * and a file without a servers section is an error; the same at reload.
 */
class ConfigKeysTest {
    private static final String MISSPELT = "(a misspelt key is an error, not ignored)";

    @TempDir
    Path dir;

    private ConfigReader.Outcome parse(String json) {
        return ConfigLoader.parse(json.getBytes(), Map.of(), dir);
    }

    private List<String> problems(String json) {
        return parse(json).problems().stream().map(ConfigProblem::describe).toList();
    }

    @Test
    void argForArgsIsAnErrorNotAServerStartedWithoutItsArguments() {
        ConfigReader.Outcome outcome = parse("""
                { "mcpServers": { "fs": { "command": "npx", "arg": ["-y", "@modelcontextprotocol/server-filesystem"] } } }
                """);

        assertThat(outcome.config()).isNull();
        assertThat(outcome.problems()).extracting(ConfigProblem::describe).containsExactly(
                "server \"fs\", key \"arg\": unknown key; did you mean \"args\"? " + MISSPELT);
    }

    @Test
    void aNearMissIsAnErrorInEverySection() {
        assertThat(problems("""
                { "proxy": { "hots": "0.0.0.0",
                             "defaults": { "requestTimout": "5s", "backof": {},
                                           "backoff": { "intial": "1s" }, "circuitBreaker": { "openDurration": "1s" } } },
                  "mcpServers": { "s": { "command": "x", "Env": {}, "tools": { "alow": ["a*"] },
                                         "circuitbreaker": {}, "backoff": { "jiter": 0.1 } } } }
                """)).containsExactly(
                "key \"proxy.hots\": unknown key; did you mean \"host\"? " + MISSPELT,
                "key \"proxy.defaults.requestTimout\": unknown key; did you mean \"requestTimeout\"? " + MISSPELT,
                "key \"proxy.defaults.backof\": unknown key; did you mean \"backoff\"? " + MISSPELT,
                "key \"proxy.defaults.backoff.intial\": unknown key; did you mean \"initial\"? " + MISSPELT,
                "key \"proxy.defaults.circuitBreaker.openDurration\": unknown key; did you mean \"openDuration\"? "
                        + MISSPELT,
                "server \"s\", key \"Env\": unknown key; did you mean \"env\"? " + MISSPELT,
                "server \"s\", key \"circuitbreaker\": unknown key; did you mean \"circuitBreaker\"? " + MISSPELT,
                "server \"s\", key \"tools.alow\": unknown key; did you mean \"allow\"? " + MISSPELT,
                "server \"s\", key \"backoff.jiter\": unknown key; did you mean \"jitter\"? " + MISSPELT);
    }

    @Test
    void otherClientsFormatsAreAcceptedAndTheirKeysIgnoredSilently() {
        ConfigReader.Outcome outcome = parse("""
                { "inputs": [ { "type": "promptString", "id": "key", "password": true } ],
                  "globalShortcut": "Ctrl+Space",
                  "mcpServers": {
                    "vscode": { "type": "stdio", "command": "x", "envFile": "${workspaceFolder}/.env",
                                "dev": { "watch": "src/**/*.ts", "debug": { "type": "node" } },
                                "gallery": true, "version": "1.0.0" },
                    "cursor": { "type": "http", "url": "https://h/mcp", "auth": { "CLIENT_ID": "c" } },
                    "cline": { "command": "x", "autoApprove": ["read"], "disabled": false, "timeout": 60,
                               "transportType": "stdio" },
                    "roo": { "command": "x", "alwaysAllow": ["read"], "watchPaths": ["a"], "disabledTools": [] },
                    "windsurf": { "serverUrl": "https://h/mcp", "disabledTools": ["write"], "headers": {} },
                    "claude": { "command": "x", "args": [], "env": {}, "description": "mine" } } }
                """);

        assertThat(outcome.problems()).isEmpty();
        assertThat(outcome.warnings()).isEmpty();
        assertThat(outcome.config().servers()).containsOnlyKeys("vscode", "cursor", "cline", "roo", "windsurf",
                "claude");
    }

    @Test
    void shortWordsAreNearMissesOnlyOneEditAway() {
        ConfigReader.Outcome outcome = parse("{ \"mcpServers\": { \"s\": { \"command\": \"x\", \"ab\": 1,"
                + " \"urls\": [] } } }");

        assertThat(outcome.problems()).extracting(ConfigProblem::describe).containsExactly(
                "server \"s\", key \"urls\": unknown key; did you mean \"url\"? " + MISSPELT);
        assertThat(outcome.warnings()).containsExactly("server \"s\", key \"ab\": unknown key, ignored");
    }

    @Test
    void aMisspeltServersSectionWithZeroServersIsAnErrorNamingMcpServers() {
        assertThat(problems("{ \"mcpServer\": { \"a\": { \"command\": \"x\" } } }")).containsExactly(
                "key \"mcpServer\": unknown key; did you mean \"mcpServers\"? " + MISSPELT);
    }

    @Test
    void aFileWithoutServersIsAnErrorButAnEmptySectionIsMeant() {
        assertThat(problems("{ \"proxy\": { \"port\": 9000 } }")).containsExactly(
                "no \"mcpServers\" section, so there is no server to start; write \"mcpServers\": {} to start with"
                        + " none on purpose (servers can be added later)");
        assertThat(problems("{}")).hasSize(1);
        assertThat(parse("{ \"servers\": {} }").config().servers()).isEmpty();
    }

    @Test
    void inheritEnvIsReadPerServerAndFromDefaultsAndValidated() {
        ProxyConfig config = ConfigLoader.parse("""
                { "proxy": { "defaults": { "inheritEnv": true } },
                  "mcpServers": { "a": { "command": "x" }, "b": { "command": "y", "inheritEnv": "false" } } }
                """, Map.of(), dir);

        assertThat(config.servers().get("a").options().inheritEnv()).isTrue();
        assertThat(config.servers().get("b").options().inheritEnv()).isFalse();
        assertThat(ConfigLoader.parse("{ \"mcpServers\": { \"a\": { \"command\": \"x\" } } }", Map.of(), dir)
                .servers().get("a").options().inheritEnv()).isFalse();
        assertThat(problems("{ \"mcpServers\": { \"a\": { \"command\": \"x\", \"inheritEnv\": \"all\" } } }"))
                .containsExactly("server \"a\", key \"inheritEnv\": must be true or false, got \"all\"");
        assertThat(parse("{ \"mcpServers\": { \"r\": { \"url\": \"http://h/mcp\", \"inheritEnv\": true } } }")
                .warnings()).containsExactly("server \"r\", key \"inheritEnv\": only used by stdio (command) servers,"
                + " ignored");
    }

    @Test
    void aReloadWithANearMissKeepsTheRunningConfig() throws Exception {
        Path file = Files.writeString(dir.resolve("mcp.json"), "{ \"mcpServers\": { \"a\": { \"command\": \"x\" } } }");
        ProxyConfig initial = ConfigLoader.load(file, Map.of());
        List<ProxyConfig> applied = new CopyOnWriteArrayList<>();
        try (ConfigWatcher watcher = ConfigWatcher.start(file, initial, Duration.ofMillis(20), Map.of(), applied::add)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> watcher.settledChanges() == 1);
            long before = watcher.settledChanges();
            Path tmp = Files.writeString(dir.resolve("mcp.json.tmp"),
                    "{ \"mcpServers\": { \"a\": { \"command\": \"x\", \"arg\": [\"-y\"] } } }");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(5)).until(() -> watcher.settledChanges() > before);

            assertThat(applied).as("a config with a misspelt key is never applied").isEmpty();
            assertThat(watcher.current()).isSameAs(initial);
        }
    }
}
