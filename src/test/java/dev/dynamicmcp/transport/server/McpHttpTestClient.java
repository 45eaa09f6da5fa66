package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A bare Streamable HTTP client on the JDK HttpClient, to look at exactly what goes over the wire. */
final class McpHttpTestClient {
    static final String BOTH = "application/json, text/event-stream";

    /** One SSE event as received. */
    record SseEvent(String id, String event, JsonNode data) {
    }

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final URI endpoint;

    McpHttpTestClient(URI endpoint) {
        this.endpoint = endpoint;
    }

    HttpRequest.Builder request(String sessionId, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(20));
        if (sessionId != null) {
            builder.header("Mcp-Session-Id", sessionId);
        }
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    HttpResponse<String> post(String sessionId, String body, String... headers) throws Exception {
        HttpRequest.Builder builder = request(sessionId, headers);
        if (headers.length == 0) {
            builder.header("Accept", BOTH);
        }
        builder.header("Content-Type", "application/json");
        return http.send(builder.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Initializes a session and sends notifications/initialized; returns the session id. */
    String initialize() throws Exception {
        HttpResponse<String> response = post(null, """
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                 "capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("initialize failed: " + response.statusCode() + " " + response.body());
        }
        String sessionId = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(sessionId, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return sessionId;
    }

    /** Sends a request whose answer is an SSE stream; the events are collected as they come. */
    EventReader postStreaming(String sessionId, String body) throws Exception {
        HttpRequest request = request(sessionId).header("Accept", BOTH).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return new EventReader(http.send(request, HttpResponse.BodyHandlers.ofLines()));
    }

    EventReader get(String sessionId, String... headers) throws Exception {
        HttpRequest.Builder builder = request(sessionId, headers).timeout(Duration.ofMinutes(1));
        if (headers.length == 0) {
            builder.header("Accept", "text/event-stream");
        }
        return new EventReader(http.send(builder.GET().build(), HttpResponse.BodyHandlers.ofLines()));
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.parse(response.body());
    }

    /** Reads SSE events on a virtual thread into a queue. */
    static final class EventReader implements AutoCloseable {
        final HttpResponse<Stream<String>> response;
        final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
        volatile boolean ended;
        private final Thread reader;

        EventReader(HttpResponse<Stream<String>> response) {
            this.response = response;
            this.reader = Thread.ofVirtual().start(() -> {
                String id = null;
                String event = "message";
                List<String> data = new ArrayList<>();
                try (Stream<String> lines = response.body()) {
                    for (String line : (Iterable<String>) lines::iterator) {
                        if (line.isEmpty()) {
                            if (!data.isEmpty()) {
                                String text = String.join("\n", data);
                                events.add(new SseEvent(id, event, "endpoint".equals(event)
                                        ? Json.object().put("endpoint", text) : Json.parse(text)));
                            }
                            id = null;
                            event = "message";
                            data.clear();
                        } else if (line.startsWith("id:")) {
                            id = line.substring(3).trim();
                        } else if (line.startsWith("event:")) {
                            event = line.substring(6).trim();
                        } else if (line.startsWith("data:")) {
                            data.add(line.substring(5).trim());
                        }
                    }
                } catch (RuntimeException e) {
                    // the stream was closed under us
                } finally {
                    ended = true;
                }
            });
        }

        int status() {
            return response.statusCode();
        }

        SseEvent next() throws InterruptedException {
            SseEvent event = events.poll(10, TimeUnit.SECONDS);
            if (event == null) {
                throw new AssertionError("no SSE event within 10 s");
            }
            return event;
        }

        @Override
        public void close() throws IOException {
            reader.interrupt();
            response.body().close();
        }
    }
}
