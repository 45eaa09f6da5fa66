package dev.dynamicmcp.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 item 10, last sentence: a message over the JSON string limit ({@link Json#MAX_STRING_CHARS}) is
 * answered with an error that says so, under the request's own id, on every path: an upstream's answer over
 * stdio and over Streamable HTTP, and a client's request over the proxy's stdio and HTTP fronts. One proxy
 * serves both fronts; its servers are the fault server as a stdio child and in-process over HTTP.
 * {@code FIGURE} lines are the before/after numbers.
 */
class OversizedMessageTest {
    /** One character over the limit, in the one string of the tool's result. */
    private static final int OVER = Json.MAX_STRING_CHARS + 1;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpFault httpUpstream;
    private static ProxyApp app;
    private static OutputStream toProxy;
    private static BufferedReader fromProxy;
    private static String sessionId;

    @BeforeAll
    static void start() throws Exception {
        httpUpstream = FaultServer.startHttp(FaultServer.Options.defaults());
        List<String> command = FaultServer.command("--name", "big-stdio");
        String stdio = "{\"command\": " + Json.write(Json.MAPPER.valueToTree(command.get(0))) + ", \"args\": "
                + Json.write(Json.MAPPER.valueToTree(command.subList(1, command.size()))) + "}";
        String http = "{\"url\": \"" + httpUpstream.url() + "\", \"transport\": \"streamable-http\"}";
        // the body limit is raised so that an oversized request reaches the JSON parser instead of a 413
        var config = ConfigLoader.parse("{\"proxy\": {\"port\": 0, \"maxBodyBytes\": \"64MB\", \"defaults\": "
                + "{\"requestTimeout\": \"" + REQUEST_TIMEOUT.toSeconds() + "s\"}}, \"mcpServers\": {\"big-stdio\": "
                + stdio + ", \"big-http\": " + http + "}}", Map.of(), Path.of("."));
        Pipe in = Pipe.open();
        Pipe out = Pipe.open();
        app = ProxyApp.assemble(config, ProxyApp.Options.stdio(Channels.newInputStream(in.source()),
                Channels.newOutputStream(out.sink()), true));
        app.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> app.manager().status("big-stdio").state() == ServerState.READY
                && app.manager().status("big-http").state() == ServerState.READY);
        toProxy = Channels.newOutputStream(in.sink());
        fromProxy = new BufferedReader(new InputStreamReader(Channels.newInputStream(out.source()), StandardCharsets.UTF_8));
        assertThat(stdioCall("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}")
                .path("result").has("serverInfo")).isTrue();
        stdioSend("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

        HttpResponse<String> init = post(null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        assertThat(init.statusCode()).isEqualTo(200);
        sessionId = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(sessionId, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (httpUpstream != null) {
            httpUpstream.close();
        }
    }

    private static String hugeCall(Object id, String tool) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + Json.write(Json.MAPPER.valueToTree(id)) + ",\"method\":\"tools/call\","
                + "\"params\":{\"name\":\"" + tool + "\",\"arguments\":{\"bytes\":" + OVER + "}}}";
    }

    /** A tools/call whose one argument is a string over the limit; the id comes before the big string. */
    private static String oversizedRequest(Object id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + Json.write(Json.MAPPER.valueToTree(id)) + ",\"method\":\"tools/call\","
                + "\"params\":{\"name\":\"big-stdio__echo\",\"arguments\":{\"message\":\"" + "y".repeat(OVER) + "\"}}}";
    }

    private static void stdioSend(String line) throws IOException {
        toProxy.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        toProxy.flush();
    }

    /**
     * Sends one line and returns the next response the proxy writes (within the request timeout and a margin);
     * notifications in between (list changes) are skipped.
     */
    private static JsonNode stdioCall(String line) throws Exception {
        stdioSend(line);
        return CompletableFuture.supplyAsync(() -> {
            try {
                while (true) {
                    JsonNode message = Json.MAPPER.readTree(fromProxy.readLine());
                    if (!message.has("method")) {
                        return message;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(REQUEST_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
    }

    /** At most 300 characters of a message, for the FIGURE lines. */
    private static String shown(JsonNode message) {
        String text = Json.write(message);
        return text.length() <= 300 ? text : text.substring(0, 300) + "... (" + text.length() + " chars)";
    }

    private static HttpResponse<String> post(String session, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(app.baseUri().resolve("/mcp"))
                .timeout(REQUEST_TIMEOUT.plusSeconds(10))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json");
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        return HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON-RPC answer in an HTTP response: a JSON body, or the last message event of an SSE body. */
    private static JsonNode answer(HttpResponse<String> response) throws Exception {
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("text/event-stream")) {
            return Json.MAPPER.readTree(response.body());
        }
        String data = null;
        for (String line : response.body().split("\n")) {
            if (line.startsWith("data:")) {
                data = line.substring(5).trim();
            }
        }
        return Json.MAPPER.readTree(data);
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static void assertOversizedAnswer(JsonNode answer, Object id, String server, long tookMs) {
        assertThat(answer.path("id")).isEqualTo(Json.MAPPER.valueToTree(id));
        assertThat(answer.path("error").path("message").asText())
                .isEqualTo("server \"" + server + "\" answered tools/call with a message over the 20 MB JSON string limit");
        assertThat(tookMs).as("failed at once, not at the request timeout").isLessThan(REQUEST_TIMEOUT.toMillis() / 2);
        assertThat(app.manager().status(server).state()).as("the server did answer: it stays READY")
                .isEqualTo(ServerState.READY);
    }

    @Test
    void aStdioServersAnswerOverTheLimitFailsTheStdioClientsRequestAtOnceUnderItsId() throws Exception {
        long start = System.nanoTime();
        JsonNode answer = stdioCall(hugeCall(41, "big-stdio__huge"));
        long tookMs = millisSince(start);
        System.out.println("FIGURE stdio upstream answer of " + OVER + " chars, stdio client: answered in " + tookMs
                + " ms: " + shown(answer));
        assertOversizedAnswer(answer, 41, "big-stdio", tookMs);
        assertThat(stdioCall("{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"big-stdio__echo\",\"arguments\":{\"message\":\"after\"}}}").path("result").path("content")
                .path(0).path("text").asText()).isEqualTo("after");
    }

    @Test
    void anHttpServersAnswerOverTheLimitFailsTheHttpClientsRequestAtOnceUnderItsId() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = post(sessionId, hugeCall("call-7", "big-http__huge"));
        long tookMs = millisSince(start);
        JsonNode answer = answer(response);
        System.out.println("FIGURE HTTP upstream answer of " + OVER + " chars, HTTP client: HTTP "
                + response.statusCode() + " in " + tookMs + " ms: " + shown(answer));
        assertOversizedAnswer(answer, "call-7", "big-http", tookMs);
    }

    @Test
    void aStdioClientsRequestOverTheLimitIsAnsweredUnderItsId() throws Exception {
        long start = System.nanoTime();
        JsonNode answer = stdioCall(oversizedRequest(43));
        System.out.println("FIGURE stdio client request of " + OVER + " chars: answered in " + millisSince(start)
                + " ms: " + shown(answer));
        assertThat(answer.path("id").asInt()).isEqualTo(43);
        assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(answer.path("error").path("message").asText())
                .isEqualTo("tools/call is over the 20 MB JSON string limit");
    }

    @Test
    void anHttpClientsRequestOverTheLimitIsAnsweredUnderItsId() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = post(sessionId, oversizedRequest("big-1"));
        JsonNode answer = answer(response);
        System.out.println("FIGURE HTTP client request of " + OVER + " chars: HTTP " + response.statusCode() + " in "
                + millisSince(start) + " ms: " + shown(answer));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(answer.path("id").asText()).isEqualTo("big-1");
        assertThat(answer.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(answer.path("error").path("message").asText())
                .isEqualTo("tools/call is over the 20 MB JSON string limit");
    }
}
