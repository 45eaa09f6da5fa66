package dev.dynamicmcp.protocol;

/** A message that is not JSON, or not a JSON-RPC 2.0 message. The text says what is wrong. */
public class MalformedMessageException extends RuntimeException {
    public MalformedMessageException(String message) {
        super(message);
    }

    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
