package dev.dynamicmcp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A deliberately fast MCP upstream for the benchmarks, so the proxy's own cost is what the figures show.
 * One tool {@code echo} (returns its {@code text} argument as text content), or {@code --tools N} tools
 * ({@code echo} plus {@code tool_00001}..., all echoing) for the catalog-size runs.
 *
 * <pre>
 *   EchoServer --stdio [--tools N]            newline-delimited JSON-RPC on stdin/stdout
 *   EchoServer --http PORT [--host H] [--tools N]   Streamable HTTP at /mcp, JSON responses;
 *                                             prints "LISTENING port" on stdout (PORT 0 = any free port)
 * </pre>
 */
public final class EchoServer implements AutoCloseable {
    static final String PROTOCOL_VERSION = "2025-06-18";

    private final ObjectNode toolsListResult;
    private final Map<String, Boolean> sessions = new ConcurrentHashMap<>();
    private HttpServer http;
    private ExecutorService executor;

    public EchoServer(int toolCount) {
        this.toolsListResult = buildToolsList(Math.max(1, toolCount));
    }

    public static void main(String[] args) throws Exception {
        int tools = 1;
        Integer port = null;
        String host = "127.0.0.1";
        boolean stdio = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--stdio" -> stdio = true;
                case "--http" -> port = Integer.parseInt(args[++i]);
                case "--host" -> host = args[++i];
                case "--tools" -> tools = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        EchoServer server = new EchoServer(tools);
        if (stdio) {
            server.serveStdio();
        } else if (port != null) {
            int bound = server.startHttp(host, port);
            System.out.println("LISTENING " + bound);
            System.out.flush();
            Thread.currentThread().join();
        } else {
            System.err.println("usage: EchoServer --stdio | --http PORT [--host H] [--tools N]");
            System.exit(2);
        }
    }

    // ---- stdio ------------------------------------------------------------------------------------

    /** Serves stdin/stdout until stdin closes. Answers in order on the reader thread: echo never blocks. */
    void serveStdio() throws IOException {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode answer = handle(line);
            if (answer != null) {
                out.print(Json.write(answer));
                out.print('\n');
                out.flush();
            }
        }
    }

    // ---- Streamable HTTP --------------------------------------------------------------------------

    /** Starts the HTTP endpoint at /mcp; returns the bound port. */
    public int startHttp(String host, int port) throws IOException {
        // headers and body go out in separate writes: without TCP_NODELAY, Nagle plus the client's delayed
        // ACK add tens of milliseconds per call (read once, when the JDK server's config class loads)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // The JDK server closes a connection after its exchange once 200 are idle (its default). The proxy's
        // HTTP client pools one connection per call in flight (128 after a 128-session cell), so the load
        // generator's 128 of the next cell against this server directly saw their connections closed under
        // them: tens of thousands of failed calls that were the echo's limit, not the setup's.
        System.setProperty("sun.net.httpserver.maxIdleConnections", "4096");
        http = HttpServer.create(new InetSocketAddress(host, port), 1024);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        http.createContext("/mcp", this::exchange);
        http.start();
        return http.getAddress().getPort();
    }

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange) {
            String sessionId = exchange.getRequestHeaders().getFirst("Mcp-Session-Id");
            switch (exchange.getRequestMethod()) {
                case "POST" -> post(exchange, sessionId);
                case "DELETE" -> {
                    boolean known = sessionId != null && sessions.remove(sessionId) != null;
                    exchange.sendResponseHeaders(known ? 200 : 404, -1);
                }
                default -> { // no server-initiated stream: the spec allows 405 for GET
                    exchange.getResponseHeaders().set("Allow", "POST, DELETE");
                    exchange.sendResponseHeaders(405, -1);
                }
            }
        }
    }

    private void post(HttpExchange exchange, String sessionId) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        JsonNode message;
        try {
            message = Json.parse(body);
        } catch (RuntimeException e) {
            respond(exchange, 400, JsonRpc.error(null, JsonRpc.PARSE_ERROR, "parse error", null), null);
            return;
        }
        boolean initialize = "initialize".equals(message.path("method").asText());
        String newSession = null;
        if (initialize) {
            newSession = UUID.randomUUID().toString();
            sessions.put(newSession, Boolean.TRUE);
        } else if (sessionId == null) {
            respond(exchange, 400, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "Mcp-Session-Id required", null),
                    null);
            return;
        } else if (!sessions.containsKey(sessionId)) {
            respond(exchange, 404, JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "unknown session", null), null);
            return;
        }
        ObjectNode answer = message instanceof ObjectNode object ? handle(object) : null;
        if (answer == null) {
            exchange.sendResponseHeaders(202, -1);
        } else {
            respond(exchange, 200, answer, newSession);
        }
    }

    private static void respond(HttpExchange exchange, int status, ObjectNode answer, String newSession)
            throws IOException {
        byte[] bytes = Json.writeBytes(answer);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (newSession != null) {
            exchange.getResponseHeaders().set("Mcp-Session-Id", newSession);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
            executor.close();
        }
    }

    // ---- MCP --------------------------------------------------------------------------------------

    private ObjectNode handle(String line) {
        JsonNode message;
        try {
            message = Json.parse(line);
        } catch (RuntimeException e) {
            return JsonRpc.error(null, JsonRpc.PARSE_ERROR, "parse error", null);
        }
        return message instanceof ObjectNode object ? handle(object) : null;
    }

    /** The answer to one message, or null for a notification or a response. */
    ObjectNode handle(ObjectNode message) {
        JsonNode id = message.get("id");
        JsonNode method = message.get("method");
        if (id == null || method == null) {
            return null;
        }
        return switch (method.asText()) {
            case "initialize" -> JsonRpc.result(id, initializeResult(message.path("params")));
            case "ping" -> JsonRpc.result(id, Json.object());
            case "tools/list" -> JsonRpc.result(id, toolsListResult);
            case "tools/call" -> JsonRpc.result(id, echo(message.path("params").path("arguments")));
            default -> JsonRpc.error(id, JsonRpc.METHOD_NOT_FOUND, "Method not found: " + method.asText(), null);
        };
    }

    private static ObjectNode initializeResult(JsonNode params) {
        String version = params.path("protocolVersion").asText(PROTOCOL_VERSION);
        ObjectNode result = Json.object().put("protocolVersion", version);
        result.putObject("capabilities").putObject("tools");
        result.putObject("serverInfo").put("name", "bench-echo").put("version", "1.0.0");
        return result;
    }

    private static ObjectNode echo(JsonNode arguments) {
        ObjectNode result = Json.object();
        result.putArray("content").addObject().put("type", "text").put("text", arguments.path("text").asText(""));
        return result;
    }

    private static ObjectNode buildToolsList(int count) {
        ObjectNode result = Json.object();
        ArrayNode tools = result.putArray("tools");
        for (int i = 0; i < count; i++) {
            String name = i == 0 ? "echo" : String.format("tool_%05d", i);
            ObjectNode tool = tools.addObject().put("name", name)
                    .put("description", "Echoes its text argument back (benchmark tool " + i + ").");
            ObjectNode schema = tool.putObject("inputSchema").put("type", "object");
            schema.putObject("properties").putObject("text").put("type", "string")
                    .put("description", "what to echo");
            schema.putArray("required").add("text");
        }
        return result;
    }
}
