package dev.dynamicmcp.bench;

import java.util.Arrays;

/**
 * Recorded latencies in nanoseconds: one growable array per session (no sharing, no locks while measuring),
 * merged and sorted once at the end. Exact percentiles; at a few million samples that is cheap enough.
 */
final class Latencies {
    private long[] values = new long[4096];
    private int size;

    void record(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    int size() {
        return size;
    }

    static Latencies merge(Iterable<Latencies> parts) {
        Latencies all = new Latencies();
        int total = 0;
        for (Latencies part : parts) {
            total += part.size;
        }
        all.values = new long[Math.max(total, 1)];
        for (Latencies part : parts) {
            System.arraycopy(part.values, 0, all.values, all.size, part.size);
            all.size += part.size;
        }
        Arrays.sort(all.values, 0, all.size);
        return all;
    }

    /** The q-quantile (0..1) of a merged (sorted) set, in microseconds; NaN when empty. */
    double quantileMicros(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(size - 1, Math.max(0, Math.ceil(q * size) - 1));
        return values[index] / 1000.0;
    }

    double maxMicros() {
        return size == 0 ? Double.NaN : values[size - 1] / 1000.0;
    }
}
