package dev.dynamicmcp.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code strace -f -c} summary: how many times the traced process made each system call, and how many of
 * them failed, over the window it was traced (bench/run.sh traces each setup's process over one cell of its own).
 * Divided by the calls the load generator completed in that window, it is the cost of a call in the kernel's
 * terms: what the "count syscalls per call" asks, and, unlike CPU time, nearly free of the machine's noise.
 */
record Syscalls(Map<String, Counts> bySyscall) {
    /** Calls of one syscall, and the failed ones (EAGAIN for a read that found nothing, ETIMEDOUT for a futex). */
    record Counts(long calls, long errors) {}

    /**
     * Parses strace's table: a header, a dashed rule, one row per syscall ({@code % time, seconds, usecs/call,
     * calls, errors, syscall}, the errors column empty when none failed), a rule and a {@code total} row.
     * Anything else (strace's "Process N attached" lines, if mixed in) is skipped.
     */
    static Syscalls parse(String summary) {
        Map<String, Counts> counts = new LinkedHashMap<>();
        for (String line : summary.split("\n")) {
            String[] cells = line.trim().split("\\s+");
            if ((cells.length != 5 && cells.length != 6) || !cells[0].matches("[0-9.]+")) {
                continue; // header, rules, strace's own messages
            }
            String name = cells[cells.length - 1];
            if (name.equals("total")) {
                continue;
            }
            long calls = Long.parseLong(cells[3]);
            long errors = cells.length == 6 ? Long.parseLong(cells[4]) : 0;
            counts.merge(name, new Counts(calls, errors), (a, b) -> new Counts(a.calls + b.calls, a.errors + b.errors));
        }
        return new Syscalls(counts);
    }

    long total() {
        return bySyscall.values().stream().mapToLong(Counts::calls).sum();
    }

    /** Calls of the named syscalls together (e.g. {@code epoll_wait} and Node's {@code epoll_pwait}). */
    long calls(String... names) {
        long sum = 0;
        for (String name : names) {
            Counts c = bySyscall.get(name);
            sum += c == null ? 0 : c.calls;
        }
        return sum;
    }

    long errors(String name) {
        Counts c = bySyscall.get(name);
        return c == null ? 0 : c.errors;
    }
}
