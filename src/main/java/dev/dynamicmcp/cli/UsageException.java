package dev.dynamicmcp.cli;

/** A command line that cannot be run as given; the message is for the user, the exit code is 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
