package dev.dynamicmcp.testsupport;

import static dev.dynamicmcp.testsupport.FaultStreamableHttp.json;
import static dev.dynamicmcp.testsupport.FaultStreamableHttp.plain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The fault server as a legacy HTTP+SSE (2024-11-05) server: GET {@code /sse} opens the stream and
 * announces {@code /messages?sessionId=...} in an {@code endpoint} event; POSTs there get 202 and
 * their answers travel over the stream. POST {@code /sse} is 405, as on the old servers a client
 * probes when it falls back from Streamable HTTP.
 */
final class FaultLegacySse {
    static final String SSE_PATH = "/sse";
    static final String MESSAGES_PATH = "/messages";

    private final FaultState state;

    FaultLegacySse(FaultState state) {
        this.state = state;
    }

    void handleSse(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Allow", "GET");
                plain(exchange, 405, "method not allowed: this is a legacy SSE endpoint");
                return;
            }
            SseStream stream = SseStream.open(exchange, null);
            FaultSession session = new FaultSession(UUID.randomUUID().toString(), state, stream::send);
            session.onClose(stream::close);
            state.register(session);
            state.log("legacy SSE session " + session.id() + " opened");
            stream.event("endpoint", MESSAGES_PATH + "?sessionId=" + session.id());
            stream.awaitClosed();
            if (state.remove(session.id()) != null) {
                state.log("legacy SSE session " + session.id() + " ended with its stream");
            }
            session.close();
        }
    }

    void handleMessages(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                plain(exchange, 405, "method not allowed");
                return;
            }
            String sessionId = sessionIdOf(exchange.getRequestURI().getRawQuery());
            if (sessionId == null) {
                plain(exchange, 400, "sessionId query parameter is required");
                return;
            }
            FaultSession session = state.session(sessionId);
            if (session == null) {
                plain(exchange, 404, "Session not found");
                return;
            }
            JsonNode message;
            try {
                message = FaultJson.parse(new String(body, StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                json(exchange, 400, FaultJson.parseError(e.getOriginalMessage()), null);
                return;
            }
            plain(exchange, 202, "Accepted");
            FaultSession.Outbound stream = session.unsolicited();
            CompletableFuture<ObjectNode> answer = session.receive(message, stream);
            if (answer != null) {
                answer.thenAccept(stream::send);
            }
        }
    }

    private static String sessionIdOf(String query) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("sessionId=")) {
                return URLDecoder.decode(pair.substring("sessionId=".length()), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
