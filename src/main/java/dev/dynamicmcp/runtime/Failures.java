package dev.dynamicmcp.runtime;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one place that unwraps and describes failures that come out of futures. */
public final class Failures {
    private Failures() {
    }

    /** The failure itself, without the {@link CompletionException} / {@link ExecutionException} wrappers. */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The unwrapped failure's message, or its simple class name when it has none. */
    public static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        Throwable t = unwrap(failure);
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    /** A failed wait's cause as the IOException a blocking caller throws: itself when it is one, else wrapped. */
    public static IOException asIOException(Throwable cause) {
        return cause instanceof IOException io ? io : new IOException(cause);
    }
}
