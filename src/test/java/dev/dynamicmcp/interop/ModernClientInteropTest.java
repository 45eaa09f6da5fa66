package dev.dynamicmcp.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.ModernPeers;
import dev.dynamicmcp.testsupport.Peers;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2026-07-28 client — the TypeScript SDK v2 ({@code @modelcontextprotocol/client} 2.4.0, version negotiation
 * on: its default is the 2025 era) — through the proxy to server-everything over stdio (a 2025-era server),
 * while a 2025-era client (the official Java SDK) uses the same {@code /mcp} endpoint at the same time.
 * Script: test-peers/fixtures/modern-client.mjs.
 */
@Timeout(120)
class ModernClientInteropTest {
    private static ProxyApp startProxy() throws Exception {
        String json = """
                {"proxy": {"port": 0, "namespace": "none", "defaults": {"requestTimeout": "60s"}},
                 "mcpServers": {"everything": {"command": %s, "args": [%s, "stdio"]}}}
                """.formatted(quote(Peers.node()), quote(Peers.everythingScript().toString()));
        return ProxyApp.start(ConfigLoader.parse(json, Map.of(), Path.of(".")), ProxyApp.Options.httpOnly());
    }

    private static String quote(String text) {
        return Json.write(Json.MAPPER.getNodeFactory().textNode(text));
    }

    /** Runs the modern client script against {@code url}; its JSON report, after asserting it exited 0. */
    static JsonNode runModernClient(String url, String mode, Path dir) throws IOException, InterruptedException {
        return runModernClient(url, mode, dir, Map.of());
    }

    static JsonNode runModernClient(String url, String mode, Path dir, Map<String, String> env)
            throws IOException, InterruptedException {
        Path stdout = dir.resolve("modern-client.out");
        Path stderr = dir.resolve("modern-client.err");
        ProcessBuilder builder = new ProcessBuilder(List.of(Peers.node22().toString(),
                Peers.fixture("modern-client.mjs").toString(), url, mode))
                .directory(Peers.dir().toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the modern client did not finish within 90 s");
        }
        String out = java.nio.file.Files.readString(stdout, StandardCharsets.UTF_8);
        String err = java.nio.file.Files.readString(stderr, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("modern client exit; stdout %s; stderr %s", out, err).isZero();
        return Json.parse(out.lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void aModernClientWorksThroughTheProxyBesideAnOlderOne(@TempDir Path dir) throws Exception {
        try (ProxyApp proxy = startProxy()) {
            McpSyncClient older = McpClient.sync(HttpClientStreamableHttpTransport
                            .builder(proxy.baseUri().toString()).endpoint("/mcp").build())
                    .requestTimeout(Duration.ofSeconds(30))
                    .clientInfo(new McpSchema.Implementation("older-client", "1.0"))
                    .build();
            try {
                older.initialize();
                assertThat(echo(older, "before")).isEqualTo("Echo: before");

                // the older client keeps calling while the modern one runs through its steps
                Thread olderCalls = Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 20; i++) {
                        assertThat(echo(older, "during " + i)).isEqualTo("Echo: during " + i);
                    }
                });
                JsonNode report = runModernClient(proxy.endpoint().toString(), "auto", dir);
                olderCalls.join(60_000);
                System.out.println("modern client through the proxy: " + report);

                assertThat(report.path("era").asText()).isEqualTo("modern");
                assertThat(report.path("version").asText()).isEqualTo("2026-07-28");
                assertThat(report.path("discover").path("supportedVersions")).extracting(JsonNode::asText)
                        .contains("2026-07-28", "2025-11-25");
                assertThat(report.path("discover").path("serverInfo").path("name").asText())
                        .isEqualTo("dynamic-mcp-proxy");
                assertThat(report.path("tools")).extracting(JsonNode::asText)
                        .containsAll(older.listTools().tools().stream().map(McpSchema.Tool::name).toList());
                assertThat(report.path("echo").asText()).isEqualTo("Echo: hello from 2026");
                assertThat(report.path("resources").asInt()).isPositive();
                assertThat(report.path("read").path("same").asBoolean()).isTrue();
                assertThat(report.path("prompt").asInt()).isPositive();
                assertThat(report.path("honored").path("resourcesListChanged").asBoolean()).isTrue();
                assertThat(report.path("listChanged").asText()).isEqualTo("resources");
                assertThat(report.path("closed").asText()).isEqualTo("local");

                assertThat(echo(older, "after")).isEqualTo("Echo: after");
            } finally {
                older.closeGracefully();
            }
        }
    }

    /**
     * The revision bridge with real peers: server-everything (2025-era, stdio) asks for sampling and
     * elicitation mid-call; the SDK v2 client sees input_required, its handlers answer, it retries with the
     * proxy's requestState, and the tools' results carry the client's answers.
     */
    @Test
    void aModernClientAnswersTheOlderServersSamplingAndElicitationThroughTheBridge(@TempDir Path dir)
            throws Exception {
        try (ProxyApp proxy = startProxy()) {
            JsonNode report = runModernClient(proxy.endpoint().toString(), "auto", dir,
                    Map.of("MODERN_CLIENT_BRIDGE", "1"));
            System.out.println("modern client, bridged: " + report);
            assertThat(report.path("era").asText()).isEqualTo("modern");
            assertThat(report.path("asked")).extracting(JsonNode::asText)
                    .containsExactly("sampling/createMessage", "elicitation/create");
            assertThat(report.path("sampled").asText()).contains("sampled by the 2026 client");
            assertThat(report.path("elicited").asText()).contains("Alice Modern");
        }
    }

    /**
     * Mixed upstreams behind one proxy, seen by a 2026-07-28 client: server-everything (2025-era, stdio; its
     * sampling and elicitation bridged) and the SDK v2 server (2026-07-28, Streamable HTTP; its input_required
     * passed through, one round and two rounds with its own requestState). The older server's tools win the
     * names both have (config order).
     */
    @Test
    void aModernClientUsesAModernAndAnOlderServerBehindOneProxy(@TempDir Path dir) throws Exception {
        try (Peers.NodeServer modern = ModernPeers.startHttp()) {
            String json = """
                    {"proxy": {"port": 0, "namespace": "none", "defaults": {"requestTimeout": "60s"}},
                     "mcpServers": {"everything": {"command": %s, "args": [%s, "stdio"]},
                                    "modern": {"type": "http", "url": %s}}}
                    """.formatted(quote(Peers.node()), quote(Peers.everythingScript().toString()),
                    quote(modern.url().toString()));
            try (ProxyApp proxy = ProxyApp.start(ConfigLoader.parse(json, Map.of(), Path.of(".")),
                    ProxyApp.Options.httpOnly())) {
                assertThat(proxy.manager().status("modern").revision()).isEqualTo("2026-07-28");
                assertThat(proxy.manager().status("everything").revision()).isNotEqualTo("2026-07-28");
                JsonNode report = runModernClient(proxy.endpoint().toString(), "auto", dir, Map.of(
                        "MODERN_CLIENT_BRIDGE", "1",
                        "MODERN_CLIENT_CALLS", "[[\"ask_name\", {}], [\"ask_twice\", {\"topic\": \"bridges\"}]]"));
                System.out.println("modern client, mixed upstreams: " + report);
                assertThat(report.path("tools")).extracting(JsonNode::asText)
                        .contains("echo", "trigger-sampling-request", "ask_name", "ask_twice", "add_numbers");
                assertThat(report.path("echo").asText()).isEqualTo("Echo: hello from 2026");
                assertThat(report.path("calls").path("ask_name").asText()).isEqualTo("Hello, Alice Modern!");
                assertThat(report.path("calls").path("ask_twice").asText())
                        .isEqualTo("Alice Modern on bridges: sampled by the 2026 client");
                assertThat(report.path("asked")).extracting(JsonNode::asText).containsExactly(
                        "elicitation/create", "elicitation/create", "sampling/createMessage",
                        "sampling/createMessage", "elicitation/create");
                assertThat(report.path("sampled").asText()).contains("sampled by the 2026 client");
                assertThat(report.path("elicited").asText()).contains("Alice Modern");
            }
        }
    }

    @Test
    void aClientPinnedTo2026Works(@TempDir Path dir) throws Exception {
        try (ProxyApp proxy = startProxy()) {
            JsonNode report = runModernClient(proxy.endpoint().toString(), "pin", dir);
            assertThat(report.path("era").asText()).isEqualTo("modern");
            assertThat(report.path("echo").asText()).isEqualTo("Echo: hello from 2026");
        }
    }

    /**
     * The proxy as a child process on stdio (as Claude Desktop starts it), and the modern client speaking
     * 2026-07-28 on its stdin/stdout: the same steps as over HTTP, listen included. The SDK probes with
     * {@code server/discover} on a throw-away sibling process first, so the proxy starts twice.
     */
    @Test
    @Timeout(180)
    void aModernClientOverStdio(@TempDir Path dir) throws Exception {
        String config = """
                {"proxy": {"port": 0, "namespace": "none"},
                 "mcpServers": {"everything": {"command": %s, "args": [%s, "stdio"]}}}
                """.formatted(quote(Peers.node()), quote(Peers.everythingScript().toString()));
        Path file = java.nio.file.Files.writeString(dir.resolve("proxy.json"), config);
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = List.of(java, dev.dynamicmcp.cli.Main.class.getName(), "--stdio", "--no-watch",
                "--config", file.toString());
        JsonNode report = runModernClient("stdio", "auto", dir, Map.of(
                "MODERN_CLIENT_COMMAND", Json.write(Json.MAPPER.valueToTree(command)),
                "CLASSPATH", System.getProperty("java.class.path")));
        System.out.println("modern client over stdio: " + report);
        assertThat(report.path("era").asText()).isEqualTo("modern");
        assertThat(report.path("version").asText()).isEqualTo("2026-07-28");
        assertThat(report.path("echo").asText()).isEqualTo("Echo: hello from 2026");
        assertThat(report.path("read").path("same").asBoolean()).isTrue();
        assertThat(report.path("prompt").asInt()).isPositive();
        assertThat(report.path("listChanged").asText()).isEqualTo("resources");
    }

    private static String echo(McpSyncClient client, String message) {
        McpSchema.CallToolResult result = client.callTool(McpSchema.CallToolRequest.builder()
                .name("echo").arguments(Map.of("message", message)).build());
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }
}
