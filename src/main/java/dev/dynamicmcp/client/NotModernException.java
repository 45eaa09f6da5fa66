package dev.dynamicmcp.client;

import java.io.IOException;

/** The server gave no sign of speaking MCP 2026-07-28 to {@code server/discover}: an older server. */
final class NotModernException extends IOException {
    NotModernException(String message, Throwable cause) {
        super(message, cause);
    }
}
