package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad config gives a message naming the server, the key and what is wrong. */
class ConfigProblemsTest {
    @TempDir
    Path dir;

    private List<String> problems(String json) {
        return problems(json, Map.of());
    }

    private List<String> problems(String json, Map<String, String> env) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(json, env, dir));
        assertThat(e).as("config should be rejected").isNotNull();
        assertThat(e.getMessage().lines().skip(1).map(String::strip).toList())
                .as("getMessage lists every problem, one per line")
                .isEqualTo(e.problems().stream().map(ConfigProblem::describe).toList());
        return e.problems().stream().map(ConfigProblem::describe).toList();
    }

    private List<String> server(String entryJson) {
        return problems("{ \"mcpServers\": { \"s\": " + entryJson + " } }");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.json");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(missing));

        assertThat(e.problems()).singleElement().extracting(ConfigProblem::message)
                .isEqualTo("config file " + missing.toAbsolutePath() + " does not exist");
        assertThat(e.getMessage()).startsWith("invalid config " + missing + ": 1 problem");
    }

    @Test
    void aDirectoryIsNotAConfigFile() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(dir));

        assertThat(e.problems()).singleElement().extracting(ConfigProblem::message).asString()
                .endsWith("cannot be read: it is a directory");
    }

    @Test
    void malformedJsonGivesLineAndColumn() {
        assertThat(problems("{\n  \"mcpServers\": {\n    \"a\": { \"command\": \"x\" }\n    \"b\": {}\n  }\n}\n"))
                .singleElement().asString().isEqualTo("not valid JSON at line 4, column 5: Unexpected character"
                        + " ('\"' (code 34)): was expecting comma to separate Object entries");
    }

    @Test
    void aTruncatedFileSaysWhereTheOpenObjectStarted() {
        assertThat(problems("{\n  \"mcpServers\": {\n    \"a\": { \"command\": \"x\" }\n"))
                .singleElement().asString()
                .isEqualTo("not valid JSON at line 4, column 1: Unexpected end-of-input: expected close marker for"
                        + " Object (opened at line 2, column 17)");
    }

    @Test
    void trailingGarbageIsMalformedJson() {
        assertThat(problems("{ \"mcpServers\": {} } }")).singleElement().asString()
                .startsWith("not valid JSON at line 1, column 22:");
    }

    @Test
    void anEmptyFileIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("empty.json"), "  \n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));

        assertThat(e.problems()).singleElement().extracting(ConfigProblem::message)
                .isEqualTo("the file is empty; it needs at least { \"mcpServers\": {} }");
    }

    @Test
    void aDuplicateServerIsNamedWithItsPosition() {
        assertThat(problems("""
                { "mcpServers": {
                    "a": { "command": "x" },
                    "a": { "command": "y" } } }
                """)).containsExactly(
                "server \"a\": duplicate key \"a\" at line 3, column 8 (JSON keys must be unique)");
    }

    @Test
    void aDuplicateKeyInsideAServerIsNamed() {
        assertThat(problems("{ \"mcpServers\": { \"a\": { \"command\": \"x\", \"command\": \"y\" } } }"))
                .singleElement().asString()
                .startsWith("key \"mcpServers.a.command\": duplicate key \"command\" at line 1");
    }

    @Test
    void theTopLevelMustBeAnObject() {
        assertThat(problems("[1, 2]")).containsExactly(
                "the top level must be a JSON object ({ \"mcpServers\": { ... } }), got an array");
    }

    @Test
    void mcpServersMustBeAnObject() {
        assertThat(problems("{ \"mcpServers\": [] }")).containsExactly(
                "key \"mcpServers\": must be an object ({ ... }), got an array");
    }

    @Test
    void aServerNameMustBeUsableAsAToolPrefix() {
        assertThat(problems("""
                { "mcpServers": { "my server": { "command": "x" }, "": { "command": "y" } } }
                """)).containsExactly(
                        "server \"my server\": name may only contain letters, digits, '_', '.' and '-' (it becomes"
                                + " the prefix of the server's tool names)",
                        "server \"\": a server name must not be empty");
    }

    @Test
    void namesThatDifferOnlyInCaseOrContainTheSeparatorAreRejected() {
        assertThat(problems("""
                { "mcpServers": { "GitHub": { "command": "x" }, "github": { "command": "y" },
                                  "a__b": { "command": "z" } } }
                """)).containsExactly(
                "server \"github\": name differs from server \"GitHub\" only in case; tool names would be confusable",
                "server \"a__b\": name contains the separator \"__\", which would make prefixed tool names ambiguous");
    }

    @Test
    void aServerNeedsCommandOrUrlAndNearMissesAreSuggested() {
        assertThat(server("{ \"comand\": \"npx\" }")).containsExactly(
                "server \"s\": needs \"command\" (a program to start) or \"url\" (a remote server);"
                        + " found \"comand\" (did you mean \"command\"?)");
        assertThat(server("{ \"args\": [] }")).containsExactly(
                "server \"s\": needs \"command\" (a program to start) or \"url\" (a remote server)");
    }

    @Test
    void aServerCannotHaveBothCommandAndUrl() {
        assertThat(server("{ \"command\": \"x\", \"url\": \"http://h/mcp\" }")).containsExactly(
                "server \"s\": has both \"command\" and \"url\": a server is either a program to start (command)"
                        + " or a remote server (url)");
    }

    @Test
    void theTransportMustFitCommandOrUrl() {
        assertThat(server("{ \"command\": \"x\", \"transport\": \"sse\" }")).containsExactly(
                "server \"s\", key \"transport\": transport \"sse\" needs \"url\", but this server has \"command\"");
        assertThat(server("{ \"url\": \"http://h/mcp\", \"type\": \"stdio\" }")).containsExactly(
                "server \"s\", key \"type\": transport \"stdio\" needs \"command\", but this server has \"url\"");
        assertThat(server("{ \"url\": \"http://h/mcp\", \"type\": \"websockets\" }")).containsExactly(
                "server \"s\", key \"type\": \"websockets\" is not a transport (use stdio, streamable-http, http or"
                        + " sse)");
        assertThat(server("{ \"url\": \"http://h/mcp\", \"type\": \"sse\", \"transport\": \"http\" }")).containsExactly(
                "server \"s\", key \"type\": \"type\" is an alias of \"transport\" and they disagree; keep one");
    }

    @Test
    void aUrlMustBeHttpOrHttps() {
        assertThat(problems("{ \"mcpServers\": { \"remote\": { \"url\": \"ftp://x\" } } }")).containsExactly(
                "server \"remote\", key \"url\": \"ftp://x\" is not an http(s) URL");
        assertThat(server("{ \"serverUrl\": \"http://exa mple/\" }")).containsExactly(
                "server \"s\", key \"serverUrl\": \"http://exa mple/\" is not a valid URL");
        assertThat(server("{ \"url\": \"localhost:3000/mcp\" }")).containsExactly(
                "server \"s\", key \"url\": \"localhost:3000/mcp\" is not an http(s) URL");
    }

    @Test
    void wrongTypesAreNamed() {
        assertThat(server("{ \"command\": [\"npx\"], \"args\": \"-y pkg\", \"env\": [], \"disabled\": \"no\" }"))
                .containsExactly(
                        "server \"s\", key \"disabled\": must be true or false, got \"no\"",
                        "server \"s\", key \"command\": must be a string, got an array",
                        "server \"s\", key \"args\": must be an array of strings ([\"...\"]), got a string",
                        "server \"s\", key \"env\": must be an object ({ ... }), got an array");
    }

    @Test
    void badDurationsAreNamed() {
        assertThat(server("""
                { "command": "x", "requestTimeout": "5 minutes", "connectTimeout": 0,
                  "healthCheckInterval": -1, "backoff": { "initial": "1m", "max": "30s", "jitter": 2 },
                  "circuitBreaker": { "openDuration": "-5s" } }
                """)).containsExactly(
                "server \"s\", key \"connectTimeout\": 0 is zero; it must be positive",
                "server \"s\", key \"requestTimeout\": \"5 minutes\" is not a duration (write milliseconds as a"
                        + " number, or a number with ms, s, m or h, e.g. \"30s\")",
                "server \"s\", key \"healthCheckInterval\": -1 is negative; it must be 0 (off) or more",
                "server \"s\", key \"backoff.jitter\": 2 is out of range (must be between 0 and 1)",
                "server \"s\", key \"backoff\": initial delay 1m is longer than max 30s",
                "server \"s\", key \"circuitBreaker.openDuration\": \"-5s\" is negative; a duration must be positive");
    }

    @Test
    void badCountsAreNamed() {
        assertThat(server("{ \"command\": \"x\", \"retries\": -1, \"unhealthyAfter\": 0.5,"
                + " \"circuitBreaker\": { \"failureThreshold\": 0 } }")).containsExactly(
                "server \"s\", key \"unhealthyAfter\": must be a whole number, got 0.5",
                "server \"s\", key \"retries\": -1 is out of range (must be 0 or more)",
                "server \"s\", key \"circuitBreaker.failureThreshold\": 0 is out of range (must be 1 or more)");
    }

    @Test
    void badProxySettingsAreNamed() {
        assertThat(problems("""
                { "proxy": { "port": 70000, "namespace": "flat", "separator": "::", "maxBodyBytes": "lots",
                             "connectConcurrency": 0, "host": "" },
                  "mcpServers": {} }
                """)).containsExactly(
                "key \"proxy.host\": must not be empty",
                "key \"proxy.port\": 70000 is out of range (must be 0 to 65535)",
                "key \"proxy.namespace\": \"flat\" is not a namespace mode (use \"prefix\" or \"none\")",
                "key \"proxy.separator\": \"::\" is not a separator: use one or more letters, digits, '_', '.' or '-'",
                "key \"proxy.maxBodyBytes\": \"lots\" is not a size (write bytes as a number, or e.g. \"512KB\","
                        + " \"4MB\")",
                "key \"proxy.connectConcurrency\": 0 is out of range (must be 1 or more)");
    }

    @Test
    void anEmptySeparatorIsRejected() {
        assertThat(problems("{ \"proxy\": { \"separator\": \"\" }, \"mcpServers\": {} }")).containsExactly(
                "key \"proxy.separator\": \"\" is not a separator: use one or more letters, digits, '_', '.' or '-'");
    }

    @Test
    void aMissingCwdIsNamedRelativeToTheConfigFolder() {
        assertThat(server("{ \"command\": \"x\", \"cwd\": \"work\" }")).containsExactly(
                "server \"s\", key \"cwd\": directory " + dir.resolve("work").toAbsolutePath()
                        + " does not exist (relative paths start at the config file's folder)");
    }

    @Test
    void badHeadersAreNamedWithoutTheirValues() {
        assertThat(problems("""
                { "mcpServers": { "r": { "url": "https://h/mcp",
                    "headers": { "Bad Name": "v", "X-Key": "${MULTILINE}" } } } }
                """, Map.of("MULTILINE", "line1\nline2-secret"))).containsExactly(
                "server \"r\", key \"headers.Bad Name\": is not a valid HTTP header name",
                "server \"r\", key \"headers.X-Key\": value contains a line break or NUL, which HTTP headers cannot"
                        + " carry");
    }

    @Test
    void everyProblemInTheFileIsReportedTogether() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("""
                { "proxy": { "port": -1 },
                  "mcpServers": {
                    "ok": { "command": "x" },
                    "remote": { "url": "ftp://x" },
                    "local": { "command": "y", "requestTimeout": "soon" },
                    "keyed": { "command": "z", "env": { "K": "${NOPE}" } } } }
                """, Map.of(), dir));

        assertThat(e.problems()).extracting(ConfigProblem::server, ConfigProblem::key).containsExactly(
                org.assertj.core.groups.Tuple.tuple(null, "proxy.port"),
                org.assertj.core.groups.Tuple.tuple("remote", "mcpServers.remote.url"),
                org.assertj.core.groups.Tuple.tuple("local", "mcpServers.local.requestTimeout"),
                org.assertj.core.groups.Tuple.tuple("keyed", "mcpServers.keyed.env.K"));
        assertThat(e.getMessage()).startsWith("invalid config text: 4 problems\n");
    }

    @Test
    void secretsFromTheEnvironmentNeverAppearInMessages() {
        String secret = "s3cr3t-value";
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("""
                { "proxy": { "authToken": "${EMPTY}", "port": "${SECRET}" },
                  "mcpServers": {
                    "r": { "url": "https://h/${SECRET} x", "headers": { "X-Key": "${SECRET}\\n" } },
                    "l": { "command": "x", "env": { "K": "${SECRET}" }, "requestTimeout": "${SECRET}",
                           "lazy": "${SECRET}", "cwd": "${SECRET}" } } }
                """, Map.of("SECRET", secret, "EMPTY", ""), dir));

        assertThat(e.problems()).hasSize(7);
        assertThat(e.getMessage()).contains("key \"cwd\": directory \"${SECRET}\" does not exist");
        assertThat(e.getMessage()).doesNotContain(secret);
        assertThat(e.getMessage()).contains("key \"proxy.authToken\": is empty; remove the key to run without"
                + " authentication");
    }
}
