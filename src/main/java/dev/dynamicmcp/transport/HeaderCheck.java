package dev.dynamicmcp.transport;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

/** Fails at construction, not at the first request, when a configured header cannot be sent. */
final class HeaderCheck {
    private static final URI PROBE = URI.create("http://localhost/");

    private HeaderCheck() {
    }

    static void check(Map<String, String> headers, String serverName) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(PROBE);
        headers.forEach((name, value) -> {
            try {
                builder.header(name, value);
            } catch (IllegalArgumentException e) {
                // the value may be a secret: name the header only
                throw new IllegalArgumentException("server '" + serverName + "': header '" + name
                        + "' cannot be sent (" + e.getMessage().replace(value, "***") + ")", e);
            }
        });
    }
}
