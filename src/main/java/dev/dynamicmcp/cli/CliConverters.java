package dev.dynamicmcp.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Checks of option values that picocli does not know, so a typo is refused instead of ignored. */
final class CliConverters {
    private CliConverters() {
    }

    /** {@code --log-level}: one of the five levels; "verbose" used to mean "info" without a word. */
    static final class LogLevel implements ITypeConverter<String> {
        static final List<String> NAMES = List.of("error", "warn", "info", "debug", "trace");

        @Override
        public String convert(String value) {
            String level = value.toLowerCase(Locale.ROOT);
            if (!NAMES.contains(level)) {
                throw new TypeConversionException("'" + value + "' is not a log level (use "
                        + String.join(", ", NAMES) + ")");
            }
            return level;
        }
    }

    /**
     * {@code --allowed-origin}: an origin as browsers send it, {@code scheme://host[:port]}, lower-cased;
     * a path (even a lone "/") would never match an {@code Origin} header, so it is refused.
     */
    static final class Origin implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String hint = " (an origin is scheme://host[:port], e.g. https://app.example.com or http://localhost:3000)";
            URI uri;
            try {
                uri = new URI(value.strip());
            } catch (URISyntaxException e) {
                throw new TypeConversionException("'" + value + "' is not an origin" + hint);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new TypeConversionException("'" + value + "' is not an origin" + hint);
            }
            if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())) {
                throw new TypeConversionException("'" + value + "' has more than an origin: leave out the path,"
                        + " query and trailing '/'" + hint);
            }
            return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        }
    }
}
