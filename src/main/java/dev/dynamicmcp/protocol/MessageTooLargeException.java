package dev.dynamicmcp.protocol;

/**
 * A JSON text that cannot be read because one of its strings is longer than {@link Json#MAX_STRING_CHARS}.
 * Its id may still be known: see {@link OversizedMessage#envelope(byte[], int, int)}.
 */
public class MessageTooLargeException extends MalformedMessageException {
    public MessageTooLargeException(Throwable cause) {
        super("a message over " + OversizedMessage.LIMIT, cause);
    }
}
