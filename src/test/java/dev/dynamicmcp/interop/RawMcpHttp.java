package dev.dynamicmcp.interop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Streamable HTTP by hand, with the JDK's HttpClient only: for tests that must send what no well-behaved client
 * sends (bad JSON, wrong headers, foreign origins) or must see the raw status codes.
 */
final class RawMcpHttp {
    static final String SESSION = "Mcp-Session-Id";
    static final String VERSION = "2025-06-18";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI endpoint;
    private final Map<String, String> baseHeaders;

    RawMcpHttp(URI endpoint, Map<String, String> baseHeaders) {
        this.endpoint = endpoint;
        this.baseHeaders = Map.copyOf(baseHeaders);
    }

    HttpClient http() {
        return http;
    }

    HttpRequest.Builder request(Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json, text/event-stream")
                .header("Content-Type", "application/json");
        Map<String, String> all = new LinkedHashMap<>(baseHeaders);
        all.putAll(headers);
        all.forEach(builder::setHeader);
        return builder;
    }

    HttpResponse<String> post(String body, Map<String, String> headers) throws IOException, InterruptedException {
        return http.send(request(headers).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String sessionId, String body) throws IOException, InterruptedException {
        return post(body, Map.of(SESSION, sessionId, "MCP-Protocol-Version", VERSION));
    }

    HttpResponse<String> send(String method, Map<String, String> headers) throws IOException, InterruptedException {
        return http.send(request(headers).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** initialize + notifications/initialized; returns the new session's id. */
    String open(String clientName) throws IOException, InterruptedException {
        HttpResponse<String> init = post("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"%s",
                 "capabilities":{},"clientInfo":{"name":"%s","version":"1"}}}""".formatted(VERSION, clientName),
                Map.of());
        if (init.statusCode() != 200) {
            throw new IllegalStateException("initialize answered " + init.statusCode() + ": " + init.body());
        }
        String session = init.headers().firstValue(SESSION).orElseThrow();
        HttpResponse<String> initialized = post(session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        if (initialized.statusCode() != 202) {
            throw new IllegalStateException("notifications/initialized answered " + initialized.statusCode());
        }
        return session;
    }

    /** Sends one request in a session and returns its JSON-RPC response (from a JSON or an SSE answer). */
    JsonNode call(String sessionId, int id, String method, String paramsJson) throws IOException, InterruptedException {
        HttpResponse<String> response = post(sessionId,
                "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}");
        if (response.statusCode() != 200) {
            throw new IllegalStateException(method + " answered " + response.statusCode() + ": " + response.body());
        }
        return responseOf(response, id);
    }

    /** The response with this id in a JSON body or in the data lines of an SSE body. */
    static JsonNode responseOf(HttpResponse<String> response, int id) {
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        if (!contentType.startsWith("text/event-stream")) {
            return Json.parse(response.body());
        }
        for (String line : response.body().split("\n")) {
            if (line.startsWith("data:")) {
                JsonNode message = Json.parse(line.substring(5).trim());
                if (message.path("id").asInt(-1) == id && !message.has("method")) {
                    return message;
                }
            }
        }
        throw new IllegalStateException("no response with id " + id + " in " + response.body());
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.parse(response.body());
    }
}
