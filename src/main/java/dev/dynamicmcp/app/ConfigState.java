package dev.dynamicmcp.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.runtime.Scheduler;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What {@code /status} says about the config: the file, whether its content on disk is valid, and which config
 * runs (when the file is invalid, the last valid one keeps running and the status says since when).
 */
final class ConfigState {
    private record Snapshot(Instant loadedAt, String error, Instant rejectedAt) {
    }

    private final Path file;
    private final Scheduler scheduler;
    private volatile Snapshot snapshot;

    ConfigState(Path file, ProxyConfig initial, Scheduler scheduler) {
        this.file = file == null ? null : file.toAbsolutePath();
        this.scheduler = scheduler;
        this.snapshot = new Snapshot(scheduler.now(), null, null);
    }

    void applied(ProxyConfig config) {
        snapshot = new Snapshot(scheduler.now(), null, null);
    }

    void rejected(String problems) {
        Snapshot now = snapshot;
        snapshot = new Snapshot(now.loadedAt(), problems, scheduler.now());
    }

    /** The {@code config} object of {@code /status}; null when the proxy runs without a file (the demo). */
    ObjectNode json() {
        if (file == null) {
            return null;
        }
        Snapshot now = snapshot;
        ObjectNode json = Json.object().put("file", file.toString()).put("valid", now.error() == null);
        if (now.error() != null) {
            json.put("error", now.error());
            json.put("rejectedAt", now.rejectedAt().toString());
            json.put("running", "the last valid config from " + now.loadedAt());
        } else {
            json.put("loadedAt", now.loadedAt().toString());
        }
        return json;
    }
}
