package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code profiles} section: what it reads into, and a message naming profile, key and problem for each mistake. */
class ConfigProfilesTest {
    private static final String SERVERS = "\"mcpServers\": { \"github\": { \"command\": \"gh-mcp\" },"
            + " \"docs\": { \"url\": \"https://docs.example.com/mcp\", \"tools\": { \"deny\": [\"admin_*\"] } } }";
    private static final String MISSPELT = "(a misspelt key is an error, not ignored)";
    private static final String SECRET = "s3cr3t-reviewer-token";

    @TempDir
    Path dir;

    private ProxyConfig parse(String profiles, Map<String, String> env) {
        return ConfigLoader.parse("{ " + SERVERS + ", \"profiles\": " + profiles + " }", env, dir);
    }

    /** The problems of a file with {@link #SERVERS} and this {@code profiles} section. */
    private List<String> problems(String profiles) {
        return whole("{ " + SERVERS + ", \"profiles\": " + profiles + " }", Map.of());
    }

    /** The problems of this whole file; no message ever shows the secret. */
    private List<String> whole(String json, Map<String, String> env) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(json, env, dir));
        assertThat(e).as("config should be rejected").isNotNull();
        assertThat(e.getMessage()).doesNotContain(SECRET);
        return e.problems().stream().map(ConfigProblem::describe).toList();
    }

    private List<String> warnings(String json, Map<String, String> env) {
        ConfigReader.Outcome outcome = ConfigLoader.parse(json.getBytes(StandardCharsets.UTF_8), env, dir);
        assertThat(outcome.problems()).isEmpty();
        return outcome.warnings();
    }

    @Test
    void profilesAreReadInFileOrderWithTheirServersFiltersAndExpandedToken() {
        ProxyConfig config = parse("""
                {
                  "reviewer": {
                    "servers": { "github": { "tools": { "allow": ["get_*", "list_*"], "deny": ["list_secrets"] } },
                                 "docs": {} },
                    "token": "${REVIEWER_TOKEN}"
                  },
                  "writer": { "servers": { "docs": {} } }
                }""", Map.of("REVIEWER_TOKEN", SECRET));

        assertThat(config.profiles()).containsOnlyKeys("reviewer", "writer");
        assertThat(config.profiles().keySet()).containsExactly("reviewer", "writer");
        Profile reviewer = config.profiles().get("reviewer");
        assertThat(reviewer.servers().keySet()).containsExactly("github", "docs");
        assertThat(reviewer.tools("github")).isEqualTo(new ToolFilter(List.of("get_*", "list_*"), List.of("list_secrets")));
        assertThat(reviewer.tools("github").permits("get_issue")).isTrue();
        assertThat(reviewer.tools("github").permits("list_secrets")).isFalse();
        assertThat(reviewer.tools("github").permits("create_issue")).isFalse();
        assertThat(reviewer.tools("docs")).isEqualTo(ToolFilter.ALLOW_ALL);
        assertThat(reviewer.exposes("docs")).isTrue();
        assertThat(reviewer.token()).isEqualTo(SECRET);
        assertThat(reviewer.toString()).doesNotContain(SECRET).contains("token=***");
        Profile writer = config.profiles().get("writer");
        assertThat(writer.exposes("github")).isFalse();
        assertThat(writer.tools("github")).isNull();
        assertThat(writer.token()).isNull();
    }

    @Test
    void aFileWithoutProfilesHasNone() {
        ProxyConfig config = ConfigLoader.parse("{ " + SERVERS + " }", Map.of(), dir);

        assertThat(config.profiles()).isEmpty();
        assertThat(new ProxyConfig(config.proxy(), config.servers()).profiles()).isEmpty();
        assertThat(config.withProfiles(Map.of("p", new Profile("p", Map.of(), null))).withServers(Map.of())
                .profiles()).containsOnlyKeys("p");
    }

    @Test
    void anUnknownServerIsNamedWithTheProfileAndTheClosestServer() {
        assertThat(problems("{ \"reviewer\": { \"servers\": { \"githb\": {} } } }")).containsExactly(
                "key \"profiles.reviewer.servers.githb\": profile \"reviewer\" names server \"githb\", which is not"
                        + " in mcpServers; did you mean \"github\"?");
        assertThat(problems("{ \"reviewer\": { \"servers\": { \"jira\": {} } } }")).containsExactly(
                "key \"profiles.reviewer.servers.jira\": profile \"reviewer\" names server \"jira\", which is not"
                        + " in mcpServers (servers: github, docs)");
        assertThat(whole("{ \"mcpServers\": {}, \"profiles\": { \"p\": { \"servers\": { \"x\": {} } } } }", Map.of()))
                .containsExactly("key \"profiles.p.servers.x\": profile \"p\" names server \"x\", which is not in"
                        + " mcpServers (there are no servers)");
    }

    @Test
    void aServerWithItsOwnProblemIsNotReportedAgainByTheProfilesThatNameIt() {
        assertThat(whole("{ \"mcpServers\": { \"broken\": { \"url\": \"ftp://x\" } },"
                + " \"profiles\": { \"p\": { \"servers\": { \"broken\": {} } } } }", Map.of()))
                .containsExactly("server \"broken\", key \"url\": \"ftp://x\" is not an http(s) URL");
    }

    @Test
    void profileNamesMustBeSafeInAUrlPath() {
        assertThat(problems("{ \"a b\": { \"servers\": {} }, \"a/b\": { \"servers\": {} }, \"\": { \"servers\": {} },"
                + " \"ok_Name-2\": { \"servers\": {} } }")).containsExactly(
                "key \"profiles.a b\": profile name \"a b\" may only contain letters, digits, '_' and '-' (it is"
                        + " the path /mcp/{name})",
                "key \"profiles.a/b\": profile name \"a/b\" may only contain letters, digits, '_' and '-' (it is"
                        + " the path /mcp/{name})",
                "key \"profiles\": a profile name must not be empty");
    }

    @Test
    void nearMissKeysAreErrorsAtEveryLevel() {
        assertThat(problems("{ \"reviewer\": { \"server\": { \"github\": {} } } }")).containsExactly(
                "key \"profiles.reviewer.server\": unknown key; did you mean \"servers\"? " + MISSPELT);
        assertThat(problems("{ \"reviewer\": { \"servers\": { \"github\": { \"tool\": {} } }, \"tokne\": \"x\" } }"))
                .containsExactlyInAnyOrder(
                        "key \"profiles.reviewer.tokne\": unknown key; did you mean \"token\"? " + MISSPELT,
                        "key \"profiles.reviewer.servers.github.tool\": unknown key; did you mean \"tools\"? " + MISSPELT);
        assertThat(problems("{ \"reviewer\": { \"servers\": { \"github\": { \"tools\": { \"alow\": [\"get_*\"] } } } } }"))
                .containsExactly("key \"profiles.reviewer.servers.github.tools.alow\": unknown key; did you mean"
                        + " \"allow\"? " + MISSPELT);
        assertThat(whole("{ " + SERVERS + ", \"profile\": {} }", Map.of())).containsExactly(
                "key \"profile\": unknown key; did you mean \"profiles\"? " + MISSPELT);
    }

    @Test
    void theShapeOfEachPartIsChecked() {
        assertThat(problems("[]")).containsExactly("key \"profiles\": must be an object ({ ... }), got an array");
        assertThat(problems("{ \"p\": \"github\" }")).containsExactly(
                "key \"profiles.p\": must be an object ({ ... }), got a string");
        assertThat(problems("{ \"p\": { \"token\": \"t\" } }")).containsExactly(
                "key \"profiles.p\": profile \"p\" needs \"servers\": the servers it exposes, e.g. \"servers\":"
                        + " {\"github\": {}}");
        assertThat(problems("{ \"p\": { \"servers\": [\"github\"] } }")).containsExactly(
                "key \"profiles.p.servers\": must be an object of server names, e.g. {\"github\": {}, \"docs\":"
                        + " {}}, got an array");
        assertThat(problems("{ \"p\": { \"servers\": { \"github\": true } } }")).containsExactly(
                "key \"profiles.p.servers.github\": must be an object ({ ... }), got a boolean");
        assertThat(problems("{ \"p\": { \"servers\": { \"github\": { \"tools\": { \"allow\": [\"\"], \"deny\": \"x\" } } } } }"))
                .containsExactly(
                        "key \"profiles.p.servers.github.tools.allow.0\": a tool pattern must not be empty",
                        "key \"profiles.p.servers.github.tools.deny\": must be an array of strings ([\"...\"]), got a string");
    }

    @Test
    void tokensAreValidatedLikeTheProxyTokenAndNeverEchoed() {
        String withProxyToken = "{ \"proxy\": { \"authToken\": \"" + SECRET + "\" }, " + SERVERS + ", \"profiles\": ";
        List<String> all = new java.util.ArrayList<>();
        all.addAll(whole("{ " + SERVERS + ", \"profiles\": { \"p\": { \"servers\": {}, \"token\": \"${EMPTY}\" } } }",
                Map.of("EMPTY", "")));
        all.addAll(whole(withProxyToken + "{ \"p\": { \"servers\": {}, \"token\": \"" + SECRET + "\" } } }", Map.of()));
        all.addAll(whole(withProxyToken + "{ \"a\": { \"servers\": {}, \"token\": \"${T}\" },"
                + " \"b\": { \"servers\": {}, \"token\": \"${T}\" } } }", Map.of("T", "other-" + SECRET)));
        all.addAll(problems("{ \"p\": { \"servers\": {}, \"token\": \"${UNSET_TOKEN}\" } }"));
        all.addAll(problems("{ \"p\": { \"servers\": {}, \"token\": 42 } }"));

        assertThat(all).containsExactly(
                "key \"profiles.p.token\": is empty; remove the key to give profile \"p\" no token of its own",
                "key \"profiles.p.token\": is the same as proxy.authToken, which opens every profile; give profile"
                        + " \"p\" a token of its own",
                "key \"profiles.b.token\": is the same as the token of profile \"a\"; each profile needs a token of"
                        + " its own (a token opens only its profile)",
                "key \"profiles.p.token\": environment variable \"UNSET_TOKEN\" is not set (set it, or write"
                        + " \"${UNSET_TOKEN:-default}\" to give a default)",
                "key \"profiles.p.token\": must be a string, got a number");
        assertThat(all).noneMatch(message -> message.contains(SECRET));
    }

    @Test
    void aProfileTokenWithoutAProxyTokenAndAProfileWithoutServersAreWarnings() {
        assertThat(warnings("{ " + SERVERS + ", \"profiles\": { \"p\": { \"servers\": {}, \"token\": \"t\" } } }",
                Map.of())).containsExactly(
                "key \"profiles.p.servers\": profile \"p\" exposes no server: its clients see empty lists",
                "key \"profiles.p.token\": profile \"p\" has a token, but proxy.authToken is not set: /mcp serves"
                        + " every server without one");
        assertThat(warnings("{ \"proxy\": { \"authToken\": \"a\" }, " + SERVERS
                + ", \"profiles\": { \"p\": { \"servers\": { \"docs\": {} }, \"token\": \"t\" } } }", Map.of())).isEmpty();
    }

    @Test
    void oneProfileIsValidatedForTheAdminApiAsInTheFile() {
        ProxyConfig current = parse("{ \"a\": { \"servers\": { \"docs\": {} }, \"token\": \"ta\" },"
                + " \"b\": { \"servers\": { \"docs\": {} }, \"token\": \"tb\" } }", Map.of());
        JsonNode entry = Json.parse("{ \"servers\": { \"github\": { \"tools\": { \"allow\": [\"get_*\"] } } },"
                + " \"token\": \"${NEW}\" }");

        Profile fresh = ConfigLoader.readProfile("c", entry, current, Map.of("NEW", "tc"));
        assertThat(fresh).isEqualTo(new Profile("c", Map.of("github", new ToolFilter(List.of("get_*"), List.of())), "tc"));
        // replacing "a" may keep a's own token
        assertThat(ConfigLoader.readProfile("a", entry, current, Map.of("NEW", "ta")).token()).isEqualTo("ta");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.readProfile("c",
                Json.parse("{ \"servers\": { \"githb\": {} }, \"token\": \"tb\" }"), current, Map.of()));
        assertThat(e.source()).isEqualTo("profile \"c\"");
        assertThat(e.problems().stream().map(ConfigProblem::describe)).containsExactly(
                "key \"profiles.c.servers.githb\": profile \"c\" names server \"githb\", which is not in mcpServers;"
                        + " did you mean \"github\"?",
                "key \"profiles.c.token\": is the same as the token of profile \"b\"; each profile needs a token of"
                        + " its own (a token opens only its profile)");
        assertThat(e.getMessage()).doesNotContain("\"tb\"");
    }
}
