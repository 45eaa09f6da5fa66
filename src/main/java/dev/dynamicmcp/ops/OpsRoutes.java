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
 * The operations endpoints served beside {@code /mcp}: {@code /healthz} (the process is alive; it answers
 * from the moment the port is bound), {@code /readyz} (start-up finished: every eager server reached READY or
 * a failed state; {@code ready} is true exactly when {@code waitingFor} is empty), {@code /status} (the
 * config's state and per-server JSON) and {@code /metrics} (Prometheus text).
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

        /**
         * The servers start-up still waits for; {@code /readyz} is ready only when this is empty. By default
         * every server that is NEW or CONNECTING.
         */
        default List<String> waitingFor() {
            return servers().stream()
                    .filter(s -> s.state() == ServerState.NEW || s.state() == ServerState.CONNECTING)
                    .map(ServerStatus::name).toList();
        }

        default Duration uptime() {
            return Duration.between(startedAt(), Instant.now());
        }

        /** The {@code config} object of {@code /status} (file, valid, error, running), or null to leave it out. */
        default ObjectNode config() {
            return null;
        }
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
            List<String> waitingFor = source.waitingFor();
            boolean ready = source.startupFinished() && waitingFor.isEmpty();
            body.put("ready", ready);
            ArrayNode waiting = body.putArray("waitingFor");
            waitingFor.forEach(waiting::add);
            return send(response, callback, ready ? 200 : 503, "application/json", Json.write(body));
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
        proxy.put("uptimeSeconds", source.uptime().toSeconds());
        proxy.put("sessions", source.sessions());
        proxy.put("ready", source.startupFinished() && source.waitingFor().isEmpty());
        ObjectNode config = source.config();
        if (config != null) {
            body.set("config", config);
        }
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
            if (status.state() == ServerState.DISABLED) {
                server.put("disabled", true); // nothing to count: it never connects
                continue;
            }
            if (status.toolCount() >= 0) {
                server.put("toolCount", status.toolCount()); // absent until the first listing
            }
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
