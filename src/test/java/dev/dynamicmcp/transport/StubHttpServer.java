package dev.dynamicmcp.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A scriptable HTTP peer for the fault cases server-everything does not produce (404 for a session, 405,
 * SSE streams that end early). Each HTTP method gets a handler; every request is recorded.
 */
final class StubHttpServer implements AutoCloseable {
    interface Handler {
        void handle(HttpExchange exchange, Recorded request) throws IOException;
    }

    /** One request as the stub saw it; header names are matched case-insensitively. */
    record Recorded(String method, String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }
    }

    private final HttpServer server;
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    final List<Recorded> requests = new CopyOnWriteArrayList<>();

    StubHttpServer() throws IOException {
        this(null);
    }

    /** @param tls the server's TLS context (an HTTPS stub); null for plain HTTP */
    StubHttpServer(SSLContext tls) throws IOException {
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Recorded request = new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                        Map.copyOf(exchange.getRequestHeaders()), body);
                requests.add(request);
                Handler handler = handlers.get(exchange.getRequestMethod());
                if (handler == null) {
                    exchange.sendResponseHeaders(405, -1);
                } else {
                    handler.handle(exchange, request);
                }
            } catch (IOException clientWentAway) {
                // the transport closed the stream: that is what several tests do on purpose
            }
        });
        server.start();
    }

    StubHttpServer on(String method, Handler handler) {
        handlers.put(method, handler);
        return this;
    }

    URI url(String path) {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    List<Recorded> requests(String method) {
        return requests.stream().filter(r -> r.method().equals(method)).toList();
    }

    static void json(HttpExchange exchange, int status, String body, Map<String, String> headers) throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Starts an event stream; write events with {@link #event}. */
    static OutputStream sse(HttpExchange exchange, Map<String, String> headers) throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    static void event(OutputStream out, String rawEvent) throws IOException {
        out.write((rawEvent + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The id of a JSON-RPC request body, as JSON text (the stub does not parse more than it needs). */
    static String idOf(String body) {
        return dev.dynamicmcp.protocol.Json.parse(body).path("id").toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
