package dev.dynamicmcp.runtime;

import java.time.Duration;

/** The one format for durations in logs and messages: "850 ms", "12.3 s", "4 min 05 s", "2 h 07 min". */
public final class Durations {
    private Durations() {
    }

    public static String format(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        if (millis < 10_000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return (millis / 100) / 10.0 + " s";
        }
        long seconds = millis / 1000;
        if (seconds < 3600) {
            return String.format("%d min %02d s", seconds / 60, seconds % 60);
        }
        return String.format("%d h %02d min", seconds / 3600, (seconds % 3600) / 60);
    }

    public static String formatNanos(long nanos) {
        return format(Duration.ofNanos(nanos));
    }
}
