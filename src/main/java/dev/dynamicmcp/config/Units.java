package dev.dynamicmcp.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing and printing of the human units in config files: durations and byte sizes. */
final class Units {
    private static final Pattern DURATION =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern SIZE =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?", Pattern.CASE_INSENSITIVE);

    private Units() {
    }

    /** {@code "500ms"}, {@code "30s"}, {@code "5m"}, {@code "1h"}, {@code "1.5s"} or plain milliseconds. */
    static Optional<Duration> parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        String unit = m.group(2) == null ? "ms" : m.group(2).toLowerCase(Locale.ROOT);
        long perUnit = switch (unit) {
            case "ms" -> 1L;
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            default -> 3_600_000L;
        };
        return wholeNumber(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(perUnit))).map(Duration::ofMillis);
    }

    /** {@code "4MB"}, {@code "512KB"}, {@code "1g"}, plain bytes; binary units (1 KB = 1024 bytes). */
    static Optional<Long> parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long perUnit = switch (unit.charAt(0)) {
            case 'k' -> 1024L;
            case 'm' -> 1024L * 1024;
            case 'g' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return wholeNumber(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(perUnit)));
    }

    private static Optional<Long> wholeNumber(BigDecimal value) {
        try {
            return Optional.of(value.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException tooBig) {
            return Optional.empty();
        }
    }

    /** The shortest exact spelling: {@code 1h}, {@code 5m}, {@code 30s}, {@code 1500ms}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms != 0 && ms % 1_000 == 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }
}
