package dev.dynamicmcp.transport;

import dev.dynamicmcp.auth.WwwAuthenticate;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Fails at construction, not at the first request, when a configured header cannot be sent: a name that is
 * not an HTTP token, a value with a line break or control character (header injection), or a header the
 * HTTP client owns (the same set the JDK client refused).
 */
final class HeaderCheck {
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private HeaderCheck() {
    }

    static void check(Map<String, String> headers, String serverName) {
        headers.forEach((name, value) -> {
            String problem = problem(name, value);
            if (problem != null) {
                // the value may be a secret: name the header only
                throw new IllegalArgumentException("server '" + serverName + "': header '" + name
                        + "' cannot be sent (" + problem + ")");
            }
        });
    }

    private static String problem(String name, String value) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(WwwAuthenticate::isTokenChar)) {
            return "invalid header name";
        }
        if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
            return "restricted header name";
        }
        if (value == null) {
            return "no value";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < ' ' || c == 0x7f) || c > 0xff) {
                return "invalid header value";
            }
        }
        return null;
    }
}
