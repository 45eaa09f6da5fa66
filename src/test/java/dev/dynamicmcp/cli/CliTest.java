package dev.dynamicmcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.demo.Demo;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user runs it: check, tools, config errors, and the built-in demo. */
class CliTest {
    @TempDir
    Path dir;

    /** Runs the CLI, returning its exit code with what it printed on stdout and stderr. */
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
            int code = Main.run(args);
            return new Run(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private Path config(String json) throws Exception {
        Path file = dir.resolve("mcp.json");
        Files.writeString(file, json);
        return file;
    }

    private static String stdioEntry(String... knobs) {
        List<String> command = FaultServer.command(knobs);
        return "{\"command\": " + Json.write(Json.MAPPER.valueToTree(command.get(0))) + ", \"args\": "
                + Json.write(Json.MAPPER.valueToTree(command.subList(1, command.size()))) + "}";
    }

    @Test
    void checkPrintsATableAndFailsWhenAServerCannotStart() throws Exception {
        Path file = config("{\"mcpServers\": {\"good\": " + stdioEntry("--name", "good")
                + ", \"broken\": " + stdioEntry("--exit-at-start", "7") + "}}");

        Run run = cli("check", "--config", file.toString(), "--log-level", "error");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("valid, 2 server(s)").contains("SERVER").contains("TRANSPORT");
        assertThat(run.out().lines().filter(l -> l.contains("good")).findFirst().orElseThrow()).contains("READY");
        assertThat(run.out().lines().filter(l -> l.contains("broken")).findFirst().orElseThrow())
                .doesNotContain("READY").contains("7");
    }

    @Test
    void anInvalidConfigExitsWithTwoAndNamesEveryProblem() throws Exception {
        Path file = config("{\"mcpServers\": {\"a\": {\"url\": \"ftp://x\"}, \"b\": {\"command\": \"x\", \"requestTimeout\": \"soon\"}}}");

        Run run = cli("check", "--config", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("server \"a\"").contains("ftp://x").contains("server \"b\"")
                .contains("requestTimeout");
    }

    @Test
    void toolsPrintsTheMergedNames() throws Exception {
        Path file = config("{\"mcpServers\": {\"one\": " + stdioEntry("--name", "one") + "}}");

        Run run = cli("tools", "--config", file.toString(), "--log-level", "error");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("one__echo").contains("one__sleep");
    }

    @Test
    void checkWithOnlyLazyServersExitsZeroAndReportsThemAsNotConnected() throws Exception {
        String lazy = stdioEntry("--name", "later");
        Path file = config("{\"mcpServers\": {\"later\": " + lazy.substring(0, lazy.length() - 1)
                + ", \"lazy\": true}}}");

        Run run = cli("check", "--config", file.toString(), "--log-level", "error");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out().lines().filter(l -> l.contains("later")).findFirst().orElseThrow())
                .contains("lazy, not connected");
    }

    @Test
    void aMisspeltServersSectionIsAConfigErrorNamingMcpServers() throws Exception {
        Path file = config("{\"mcpServer\": {\"one\": " + stdioEntry("--name", "one") + "}}");

        Run run = cli("check", "--config", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("key \"mcpServer\"").contains("did you mean \"mcpServers\"?");
    }

    @Test
    void aFileWithoutServersIsAConfigError() throws Exception {
        Path file = config("{\"proxy\": {\"port\": 0}}");

        Run run = cli("check", "--config", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("no \"mcpServers\" section").contains("\"mcpServers\": {}");
    }

    @Test
    void aMisspeltArgsKeyIsAConfigErrorNotAServerStartedBare() throws Exception {
        Path file = config("{\"mcpServers\": {\"fs\": {\"command\": \"npx\", \"arg\": [\"-y\", \"pkg\"]}}}");

        Run run = cli("check", "--config", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("server \"fs\", key \"arg\"").contains("did you mean \"args\"?");
        assertThat(run.out()).doesNotContain("valid");
    }

    @Test
    void toolsExitsOneWhenAServerFailedAndStillPrintsTheOthers() throws Exception {
        Path file = config("{\"mcpServers\": {\"one\": " + stdioEntry("--name", "one")
                + ", \"broken\": " + stdioEntry("--exit-at-start", "7") + "}}");

        Run run = cli("tools", "--config", file.toString(), "--log-level", "error");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("one__echo");
        assertThat(run.err()).contains("server \"broken\"").contains("its tools are not listed");
    }

    @Test
    void theBuiltInDemoServesBothDemoServersMerged() throws Exception {
        ProxySettings settings = new ProxySettings("127.0.0.1", 0, ProxySettings.DEFAULTS.namespace(),
                ProxySettings.DEFAULTS.separator(), null, ProxySettings.DEFAULTS.maxBodyBytes(), 4,
                ProxySettings.DEFAULTS.defaults());
        try (Demo demo = Demo.start(settings);
             ProxyApp proxy = ProxyApp.start(demo.config(), ProxyApp.Options.httpOnly());
             McpClient client = new McpClient("demo", new StreamableHttpTransport("demo", proxy.endpoint(), Map.of(),
                     null, Duration.ofSeconds(10)), McpClient.Options.defaults())) {
            client.connect(Duration.ofSeconds(20));

            assertThat(client.listTools()).extracting(t -> t.path("name").asText())
                    .containsExactly("clock__now", "clock__add", "notes__add_note", "notes__list_notes");
            assertThat(client.callTool("clock__add", Json.object().put("a", 2).put("b", 40))
                    .path("content").get(0).path("text").asText()).isEqualTo("42");
            client.callTool("notes__add_note", Json.object().put("text", "buy milk"));
            assertThat(client.readResource("notes://all").path("contents").get(0).path("text").asText())
                    .isEqualTo("buy milk");
        }
    }

    @Test
    void anUnknownStdioProfileIsAUsageErrorNamingTheKnownOnes() throws Exception {
        Path file = config("{\"mcpServers\": {\"one\": " + stdioEntry("--name", "one") + "},"
                + " \"profiles\": {\"reviewer\": {\"servers\": {\"one\": {}}}}}");

        Run unknown = cli("--stdio", "--profile", "writer", "--config", file.toString(), "--no-watch");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no profile named \"writer\"").contains("profiles: reviewer");

        Run withoutStdio = cli("--profile", "reviewer", "--config", file.toString(), "--no-watch");
        assertThat(withoutStdio.exitCode()).isEqualTo(2);
        assertThat(withoutStdio.err()).contains("--profile needs --stdio").contains("/mcp/reviewer");
    }
}
