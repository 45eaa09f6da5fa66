package dev.dynamicmcp.manager;

import java.time.Duration;
import java.util.List;

/**
 * What {@link ServerManager#shutdown} had to do.
 *
 * @param closed      servers whose connection closed within the bound
 * @param timedOut    servers whose close did not finish within the bound
 * @param forceKilled servers whose process was still alive after close and was killed with SIGKILL
 */
public record ShutdownReport(List<String> closed, List<String> timedOut, List<String> forceKilled, Duration took) {
    public ShutdownReport {
        closed = List.copyOf(closed);
        timedOut = List.copyOf(timedOut);
        forceKilled = List.copyOf(forceKilled);
    }

    /** True when every server closed on its own within the bound. */
    public boolean clean() {
        return timedOut.isEmpty() && forceKilled.isEmpty();
    }
}
