package dev.dynamicmcp.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.protocol.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The operations endpoints served beside {@code /mcp}: {@code /healthz} (the process is alive),
 * {@code /readyz} (start-up finished: every eager server reached READY or a failed state), {@code /status}
 * (per-server JSON) and {@code /metrics} (Prometheus text).
 */
public final class OpsRoutes {
    /** What the routes read: the manager's snapshot, the proxy's own figures. */
    public interface Source {
        List<ServerStatus> servers();

        /** Tools each READY server contributes to the merged list, or -1 when unknown. */
        int exposedTools(String server);

        int sessions();

        boolean startupFinished();

        Instant startedAt();

        String version();
    }

    private final Source source;
    private final Supplier<String> prometheus;

    public OpsRoutes(Source source, Supplier<String> prometheus) {
        this.source = source;
        this.prometheus = prometheus;
    }

    public Request.Handler healthz() {
        return (request, response, callback) -> send(response, callback, 200, "application/json",
                Json.write(Json.object().put("status", "alive")));
    }

    public Request.Handler readyz() {
        return (request, response, callback) -> {
            ObjectNode body = Json.object();
            boolean finished = source.startupFinished();
            body.put("ready", finished);
            ArrayNode waiting = body.putArray("waitingFor");
            for (ServerStatus status : source.servers()) {
                if (status.state() == ServerState.NEW || status.state() == ServerState.CONNECTING) {
                    waiting.add(status.name());
                }
            }
            return send(response, callback, finished ? 200 : 503, "application/json", Json.write(body));
        };
    }

    public Request.Handler status() {
        return (request, response, callback) -> send(response, callback, 200, "application/json",
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(statusJson()));
    }

    public Request.Handler metrics() {
        return (request, response, callback) -> send(response, callback, 200,
                "text/plain; version=0.0.4; charset=utf-8", prometheus.get());
    }

    /** The {@code /status} document. */
    public ObjectNode statusJson() {
        ObjectNode body = Json.object();
        ObjectNode proxy = body.putObject("proxy");
        proxy.put("version", source.version());
        proxy.put("startedAt", source.startedAt().toString());
        proxy.put("uptimeSeconds", Duration.between(source.startedAt(), Instant.now()).toSeconds());
        proxy.put("sessions", source.sessions());
        proxy.put("ready", source.startupFinished());
        ArrayNode servers = body.putArray("servers");
        for (ServerStatus status : source.servers()) {
            ObjectNode server = servers.addObject();
            server.put("name", status.name());
            server.put("transport", status.transport());
            server.put("state", status.state().name());
            server.put("since", string(status.since()));
            server.put("lastCheck", string(status.lastCheck()));
            server.put("consecutiveErrors", status.consecutiveErrors());
            server.put("lastError", status.lastError());
            server.put("breaker", status.breaker() == null ? null : status.breaker().name());
            if (status.connectTime() != null) {
                server.put("connectTimeMs", status.connectTime().toMillis());
            }
            server.put("reconnects", status.reconnects());
            server.put("inFlight", status.inFlight());
            server.put("toolCount", status.toolCount());
            server.put("exposedTools", source.exposedTools(status.name()));
        }
        return body;
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }

    private static boolean send(Response response, Callback callback, int status, String contentType, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        Content.Sink.write(response, true, body, callback);
        return true;
    }
}
