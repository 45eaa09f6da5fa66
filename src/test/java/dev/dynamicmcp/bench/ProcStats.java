package dev.dynamicmcp.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and resident memory of a process, from Linux {@code /proc}. Clock ticks are taken as 100 per
 * second (USER_HZ on every mainstream Linux build); the script can override with {@code -Dbench.clkTck}.
 */
record ProcStats(long cpuTicks, long rssKb, long startTicks, long contextSwitches) {
    static final long CLK_TCK = Long.getLong("bench.clkTck", 100);

    static boolean available(long pid) {
        return pid > 0 && Files.isReadable(Path.of("/proc/" + pid + "/stat"));
    }

    static ProcStats of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            long start = Long.parseLong(f[19]);
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return new ProcStats(utime + stime, rss, start, contextSwitches(pid));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + ": " + e, e);
        }
    }

    /**
     * Context switches (voluntary and not) of every thread the process has now, from
     * {@code /proc/<pid>/task/<tid>/status}: a count of wake-ups, the cost that dominates a hop between threads
     * on a small virtual machine. Threads that ended between two readings take their count with them, so a
     * difference is a floor.
     */
    private static long contextSwitches(long pid) {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            total += Long.parseLong(line.replaceAll("[^0-9]", ""));
                        }
                    }
                } catch (IOException e) {
                    // the thread ended while we listed: its switches are gone with it
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/" + pid + "/task: " + e, e);
        }
        return total;
    }

    /** Seconds since boot, the clock of {@link #startTicks()}. */
    static double uptimeSeconds() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Seconds since the process started (10 ms resolution). */
    double ageSeconds() {
        return uptimeSeconds() - (double) startTicks / CLK_TCK;
    }

    /** Context switches per call since {@code before} (a floor: see {@link #contextSwitches(long)}). */
    double switchesPerCallSince(ProcStats before, long calls) {
        return calls == 0 ? Double.NaN : (double) (contextSwitches - before.contextSwitches) / calls;
    }

    double cpuSecondsSince(ProcStats before) {
        return (double) (cpuTicks - before.cpuTicks) / CLK_TCK;
    }
}
