package dev.dynamicmcp.manager;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.runtime.Durations;
import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a set of connections in parallel within one deadline, kills ({@link dev.dynamicmcp.transport.Transport#kill})
 * what did not close in time or whose process outlived its close, and says what happened. Used for the whole
 * manager's shutdown and for one downstream session's isolated connections.
 */
final class Shutdown {
    private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

    private Shutdown() {
    }

    static ShutdownReport closeAll(ConnectionPool pool, Collection<ConnectionState> connections, String reason,
                                   Duration timeout) {
        return closeAll(pool, connections, java.util.Map.of(), reason, timeout);
    }

    /** As above, and also the clients of removed or replaced connections still draining ({@code retiring}). */
    static ShutdownReport closeAll(ConnectionPool pool, Collection<ConnectionState> connections,
                                   java.util.Map<McpClient, String> retiring, String reason, Duration timeout) {
        Scheduler scheduler = pool.scheduler();
        long start = scheduler.nanoTime();
        record Closing(String name, McpClient client, CompletableFuture<?> done) {
        }
        List<Closing> closing = new ArrayList<>();
        for (ConnectionState cs : connections.stream().sorted(Comparator.comparing(cs -> cs.key.toString())).toList()) {
            ConnectionState.Closing left = pool.close(cs, reason);
            if (left.client() != null) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                McpClient client = left.client();
                scheduler.execute("mcp-close-" + cs.key, () -> {
                    try {
                        client.close();
                    } finally {
                        done.complete(null);
                    }
                });
                closing.add(new Closing(cs.key.toString(), client, done));
            } else if (left.connecting() != null) {
                // The connect closes its own client when it sees CLOSED; wait for that too.
                closing.add(new Closing(cs.key.toString(), null, left.connecting().handle((c, e) -> null)));
            }
        }
        retiring.forEach((client, name) -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            scheduler.execute("mcp-close-retired-" + name, () -> {
                try {
                    client.close();
                } finally {
                    done.complete(null);
                }
            });
            closing.add(new Closing(name + " (retired)", client, done));
        });
        // One real-time bound for all: closing is real I/O (a child process exiting), and the deadline is the caller's.
        try {
            CompletableFuture.allOf(closing.stream().map(Closing::done).toArray(CompletableFuture[]::new))
                    .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // each one is looked at below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> closed = new ArrayList<>();
        List<String> timedOut = new ArrayList<>();
        List<String> killed = new ArrayList<>();
        for (Closing c : closing) {
            boolean done = c.done().isDone();
            (done ? closed : timedOut).add(c.name());
            if (c.client() != null && (!done || processAlive(c.client()))) {
                c.client().transport().kill();
                killed.add(c.name());
            }
        }
        return new ShutdownReport(closed, timedOut, killed, Duration.ofNanos(scheduler.nanoTime() - start));
    }

    private static boolean processAlive(McpClient client) {
        long pid = client.transport().pid();
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static void log(String what, ShutdownReport report) {
        if (report.clean()) {
            log.info("{}: {} connections closed in {}", what, report.closed().size(), Durations.format(report.took()));
        } else {
            log.warn("{} in {}: timed out {}, force-killed {}", what, Durations.format(report.took()),
                    report.timedOut(), report.forceKilled());
        }
    }
}
