package dev.dynamicmcp.runtime;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/** The one mechanism for linking futures: results flow downstream, cancellation flows back upstream. */
public final class Futures {
    private Futures() {
    }

    /**
     * When {@code derived} is cancelled (by whoever holds it), {@code onCancel} runs once; used to cancel the
     * source of a derived future (an upstream request, a send that has not gone out).
     */
    public static <T> CompletableFuture<T> onCancel(CompletableFuture<T> derived, Runnable onCancel) {
        derived.whenComplete((value, failure) -> {
            if (derived.isCancelled()) {
                onCancel.run();
            }
        });
        return derived;
    }

    /**
     * When {@code from} is cancelled, {@code to} is cancelled with the same {@link CancellationException}, so its
     * message (the reason a peer gave) travels with it.
     */
    public static void forwardCancel(CompletableFuture<?> from, CompletableFuture<?> to) {
        from.whenComplete((value, failure) -> {
            if (from.isCancelled()) {
                Throwable cause = Failures.unwrap(failure);
                to.completeExceptionally(cause instanceof CancellationException cancel ? cancel
                        : new CancellationException("cancelled"));
            }
        });
    }

    /** {@code target} completes as {@code source} does (value or unwrapped failure); cancelling target cancels source. */
    public static <T> CompletableFuture<T> link(CompletableFuture<? extends T> source, CompletableFuture<T> target) {
        source.whenComplete((value, failure) -> {
            if (failure != null) {
                target.completeExceptionally(Failures.unwrap(failure));
            } else {
                target.complete(value);
            }
        });
        onCancel(target, () -> source.cancel(true));
        return target;
    }
}
