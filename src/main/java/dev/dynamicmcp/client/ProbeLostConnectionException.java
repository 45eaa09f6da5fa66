package dev.dynamicmcp.client;

import java.io.IOException;

/**
 * The server closed the connection when asked {@code server/discover} before {@code initialize}: some 2025
 * stdio servers exit on a request they do not know yet. The caller starts the server again and opens it
 * with {@code initialize} alone ({@link Handshake#initialize()}).
 */
public final class ProbeLostConnectionException extends IOException {
    public ProbeLostConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
