package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${VAR}} expansion: how users keep secrets and machine-specific values out of the file. */
class ConfigExpansionTest {
    @TempDir
    Path dir;

    private ServerConfig only(String serverJson, Map<String, String> env) {
        return ConfigLoader.parse("{ \"mcpServers\": { \"s\": " + serverJson + " } }", env, dir)
                .servers().get("s");
    }

    @Test
    void variablesExpandInCommandArgsEnvAndCwd() {
        ServerConfig server = only("""
                { "command": "${BIN}/server", "args": ["--key=${KEY}", "${KEY}${KEY}"],
                  "env": { "A": "x-${KEY}-y" }, "cwd": "${HOME_DIR}" }
                """, Map.of("BIN", "/opt/bin", "KEY", "k", "HOME_DIR", dir.toString()));

        assertThat(server.command()).isEqualTo("/opt/bin/server");
        assertThat(server.args()).containsExactly("--key=k", "kk");
        assertThat(server.env()).containsEntry("A", "x-k-y");
        assertThat(server.cwd()).isEqualTo(dir.toAbsolutePath());
    }

    @Test
    void variablesExpandInUrlHeadersAndProxySettings() {
        ProxyConfig config = ConfigLoader.parse("""
                { "proxy": { "host": "${HOST}", "authToken": "${TOKEN}" },
                  "mcpServers": { "r": { "url": "https://${HOST}:${PORT}/mcp",
                                          "headers": { "Authorization": "Bearer ${TOKEN}" } } } }
                """, Map.of("HOST", "example.com", "PORT", "8443", "TOKEN", "t0k"), dir);

        assertThat(config.proxy().host()).isEqualTo("example.com");
        assertThat(config.proxy().authToken()).isEqualTo("t0k");
        assertThat(config.servers().get("r").url()).isEqualTo(URI.create("https://example.com:8443/mcp"));
        assertThat(config.servers().get("r").headers()).containsEntry("Authorization", "Bearer t0k");
    }

    @Test
    void aDefaultIsUsedWhenTheVariableIsUnsetOrEmpty() {
        ServerConfig server = only("""
                { "command": "x", "args": ["${UNSET:-fallback}", "${EMPTY:-fallback}", "${SET:-fallback}",
                                           "${EMPTY}", "${UNSET:-}"] }
                """, Map.of("EMPTY", "", "SET", "value"));

        assertThat(server.args()).containsExactly("fallback", "fallback", "value", "", "");
    }

    @Test
    void vsCodeEnvPrefixIsAccepted() {
        assertThat(only("{ \"command\": \"${env:BIN}\" }", Map.of("BIN", "srv")).command()).isEqualTo("srv");
    }

    @Test
    void doubleDollarEscapesALiteralReferenceAndALoneDollarStays() {
        ServerConfig server = only("{ \"command\": \"x\", \"args\": [\"$${HOME}\", \"$HOME\", \"a$b\", \"$$\"] }",
                Map.of("HOME", "/home/u"));

        assertThat(server.args()).containsExactly("${HOME}", "$HOME", "a$b", "$$");
    }

    @Test
    void anUndefinedVariableIsAProblemNamingVariableServerAndKey() {
        assertThatThrownBy(() -> only("{ \"url\": \"https://h/mcp\", \"headers\": { \"Authorization\": "
                + "\"Bearer ${GITHUB_TOKEN}\" } }", Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        new ConfigProblem("s", "mcpServers.s.headers.Authorization",
                                "environment variable \"GITHUB_TOKEN\" is not set (set it, or write"
                                        + " \"${GITHUB_TOKEN:-default}\" to give a default)")))
                .hasMessageContaining("server \"s\", key \"headers.Authorization\": environment variable"
                        + " \"GITHUB_TOKEN\" is not set");
    }

    @Test
    void anUnclosedOrMalformedReferenceIsAProblem() {
        assertThatThrownBy(() -> only("{ \"command\": \"x\", \"args\": [\"${OOPS\", \"${1X}\"] }", Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .extracting(ConfigProblem::key, ConfigProblem::message)
                        .containsExactly(
                                org.assertj.core.groups.Tuple.tuple("mcpServers.s.args.0", "has \"${\" without a"
                                        + " closing \"}\" (write \"$${\" for a literal \"${\")"),
                                org.assertj.core.groups.Tuple.tuple("mcpServers.s.args.1", "\"${1X}\" is not a"
                                        + " variable reference (a name is letters, digits and '_'; write \"$${\""
                                        + " for a literal \"${\")")));
    }
}
