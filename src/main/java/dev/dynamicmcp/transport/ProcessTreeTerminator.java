package dev.dynamicmcp.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that ends a child process and everything it started, leaves first: a process is signalled
 * only after its own children are gone, so each parent is still alive to reap its children (an orphan's
 * zombie is left to PID 1, which in a container is often not an init that reaps). Politely
 * ({@link #terminate}: exit wait, SIGTERM, then SIGKILL) or at once ({@link #kill}).
 *
 * <p>Real time on purpose ({@code System.nanoTime}, short sleeps): what is awaited is the operating system
 * reaping processes, which no fake clock can speed up.
 */
final class ProcessTreeTerminator {
    private static final Logger log = LoggerFactory.getLogger(ProcessTreeTerminator.class);

    private ProcessTreeTerminator() {
    }

    /**
     * @param process     our direct child (stdin already closed by the caller)
     * @param descendants the tree as seen before stdin was closed: once the child exits its descendants are
     *                    re-parented and {@link Process#descendants()} no longer finds them
     * @param exitWait    how long the child may take to exit by itself
     * @param grace       how long each of SIGTERM and SIGKILL may take to work
     */
    static StdioTransport.CloseReport terminate(Process process, List<ProcessHandle> descendants,
                                                Duration exitWait, Duration grace) {
        long started = System.nanoTime();
        boolean exitedByItself = waitFor(process, exitWait);
        Map<Long, ProcessHandle> tree = new LinkedHashMap<>();
        descendants.forEach(handle -> tree.put(handle.pid(), handle));
        if (process.isAlive()) {
            process.descendants().forEach(handle -> tree.putIfAbsent(handle.pid(), handle));
        }
        List<List<ProcessHandle>> levels = levelsLeavesFirst(tree, process.pid());
        if (!exitedByItself) {
            levels.add(List.of(process.toHandle()));
        }
        List<ProcessHandle> everyone = levels.stream().flatMap(List::stream).toList();

        List<StdioTransport.KilledProcess> terminated = new ArrayList<>();
        List<StdioTransport.KilledProcess> forceKilled = new ArrayList<>();
        signal(levels, false, grace, terminated);
        signal(levels, true, grace, forceKilled);

        waitFor(process, grace); // our child is reaped by the JDK once it has exited
        List<StdioTransport.KilledProcess> survivors = everyone.stream()
                .filter(ProcessHandle::isAlive)
                .map(StdioTransport.KilledProcess::of)
                .toList();
        Integer exitCode = process.isAlive() ? null : process.exitValue();
        return new StdioTransport.CloseReport(exitedByItself && terminated.isEmpty() && forceKilled.isEmpty(),
                exitCode, terminated, forceKilled, survivors,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * Kills {@code process} and its tree at once: SIGKILL level by level, leaves first (so each parent is still
     * there to reap its children), each level awaited within one {@code wait} shared by all; no stdin close,
     * no SIGTERM.
     *
     * @param descendants the tree as seen before (a child that already exited left its descendants orphaned)
     */
    static StdioTransport.CloseReport kill(Process process, List<ProcessHandle> descendants, Duration wait) {
        long started = System.nanoTime();
        Map<Long, ProcessHandle> tree = new LinkedHashMap<>();
        descendants.forEach(handle -> tree.put(handle.pid(), handle));
        if (process.isAlive()) {
            process.descendants().forEach(handle -> tree.putIfAbsent(handle.pid(), handle));
        }
        List<List<ProcessHandle>> levels = levelsLeavesFirst(tree, process.pid());
        levels.add(List.of(process.toHandle()));
        List<StdioTransport.KilledProcess> killed = new ArrayList<>();
        signal(levels, true, wait, killed);
        waitFor(process, wait);
        List<StdioTransport.KilledProcess> survivors = levels.stream().flatMap(List::stream)
                .filter(ProcessHandle::isAlive)
                .map(StdioTransport.KilledProcess::of)
                .toList();
        Integer exitCode = process.isAlive() ? null : process.exitValue();
        return new StdioTransport.CloseReport(false, exitCode, List.of(), killed, survivors,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** The tree grouped by depth below the root, deepest group first. */
    private static List<List<ProcessHandle>> levelsLeavesFirst(Map<Long, ProcessHandle> tree, long rootPid) {
        TreeMap<Integer, List<ProcessHandle>> byDepth = new TreeMap<>(Comparator.reverseOrder());
        for (ProcessHandle handle : tree.values()) {
            int depth = 1;
            ProcessHandle current = handle;
            while (depth < 64) {
                var parent = current.parent();
                if (parent.isEmpty() || parent.get().pid() == rootPid || !tree.containsKey(parent.get().pid())) {
                    break;
                }
                depth++;
                current = parent.get();
            }
            byDepth.computeIfAbsent(depth, d -> new ArrayList<>()).add(handle);
        }
        return new ArrayList<>(byDepth.values());
    }

    /** Signals level by level (deepest first); each level is awaited within one grace shared by all levels. */
    private static void signal(List<List<ProcessHandle>> levels, boolean force, Duration grace,
                               List<StdioTransport.KilledProcess> record) {
        long deadline = System.nanoTime() + grace.toNanos();
        for (List<ProcessHandle> level : levels) {
            boolean signalled = false;
            for (ProcessHandle handle : level) {
                if (!handle.isAlive()) {
                    continue;
                }
                StdioTransport.KilledProcess killed = StdioTransport.KilledProcess.of(handle);
                if (force ? handle.destroyForcibly() : handle.destroy()) {
                    record.add(killed);
                    signalled = true;
                    log.debug("{} pid {} ({})", force ? "killed" : "terminated", killed.pid(), killed.command());
                }
            }
            if (signalled) {
                awaitAll(level, Predicate.not(ProcessHandle::isAlive), deadline);
            }
        }
    }

    /**
     * Polls: a process that is not our child has no exit event we could wait on, and a zombie counts as
     * alive until its parent reaps it, which is exactly what we want to wait for.
     */
    private static void awaitAll(List<ProcessHandle> handles, Predicate<ProcessHandle> done, long deadline) {
        long pause = 5;
        while (!handles.stream().allMatch(done) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pause = Math.min(pause * 2, 100);
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
