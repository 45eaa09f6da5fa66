package dev.dynamicmcp.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.Version;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.ops.OpsRoutes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What the ops routes read from the running proxy. */
final class OpsSource implements OpsRoutes.Source {
    private final ProxyApp app;
    private final Instant startedAt;

    OpsSource(ProxyApp app) {
        this.app = app;
        this.startedAt = app.scheduler().now();
    }

    @Override
    public List<ServerStatus> servers() {
        return app.manager().status();
    }

    @Override
    public int exposedTools(String server) {
        return app.exposedTools(server);
    }

    @Override
    public int sessions() {
        return app.sessionCount();
    }

    @Override
    public boolean startupFinished() {
        return app.startupFinished();
    }

    /**
     * Eager servers whose first connect has not ended yet: NEW, or CONNECTING with nothing tried before (no
     * error, never connected). A server retrying after a failure, or reconnecting after it worked, is not
     * awaited: one broken upstream must not take the whole proxy out of a load balancer.
     */
    @Override
    public List<String> waitingFor() {
        return app.manager().status().stream().filter(this::awaited).map(ServerStatus::name).toList();
    }

    private boolean awaited(ServerStatus status) {
        ServerConfig config = app.manager().config(status.name()).orElse(null);
        if (config == null || config.disabled() || config.options().lazy()) {
            return false;
        }
        return status.state() == ServerState.NEW || (status.state() == ServerState.CONNECTING
                && status.lastError() == null && status.connectTime() == null);
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public Duration uptime() {
        return Duration.ofNanos(app.uptimeNanos());
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public ObjectNode config() {
        return app.configState().json();
    }
}
