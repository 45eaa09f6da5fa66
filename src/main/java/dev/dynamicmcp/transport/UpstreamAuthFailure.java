package dev.dynamicmcp.transport;

import dev.dynamicmcp.auth.upstream.UpstreamAuth.Outcome;
import java.net.URI;
import java.util.Optional;

/**
 * An upstream refused the proxy's credentials (HTTP 401, or 403 with a challenge) and its {@code UpstreamAuth}
 * could not recover: a person must sign in ({@link #needsSignIn()}), or the OAuth flow itself failed. The
 * summary says which in plain words; the sign-in URL is in the {@link #detail()} and the log only, since it
 * belongs to the operator, not to whichever client happened to call.
 */
public final class UpstreamAuthFailure extends UpstreamFailure {
    public static final String NEEDS_SIGN_IN = "needs sign-in";

    private final int status;
    private final boolean needsSignIn;
    private final URI signInUrl;

    /**
     * @param what    what was refused ("initialize (id 0)", "GET http://..."), for the detail
     * @param outcome what the credentials said of the refusal
     */
    public UpstreamAuthFailure(String server, int status, String what, Outcome outcome) {
        super(server, summary(status, outcome), "answered HTTP " + status + " to " + what + "; " + outcome.message(),
                null);
        this.status = status;
        this.needsSignIn = outcome.kind() == Outcome.Kind.SIGN_IN_REQUIRED;
        this.signInUrl = outcome.signInUrl();
    }

    private static String summary(int status, Outcome outcome) {
        return outcome.kind() == Outcome.Kind.SIGN_IN_REQUIRED
                ? NEEDS_SIGN_IN + " (the sign-in link is in the proxy's log)"
                : "refused the proxy's OAuth credentials (HTTP " + status + ")";
    }

    /** The HTTP status of the refusal: 401 or 403. */
    public int status() {
        return status;
    }

    /** True when only a person signing in can fix it (retrying on a timer cannot). */
    public boolean needsSignIn() {
        return needsSignIn;
    }

    /** Where that person signs in; null unless {@link #needsSignIn()}. */
    public URI signInUrl() {
        return signInUrl;
    }

    /** True when {@code failure}'s cause chain holds a refusal that waits for a sign-in. */
    public static boolean waitsForSignIn(Throwable failure) {
        return find(failure).filter(UpstreamAuthFailure.class::isInstance)
                .map(f -> ((UpstreamAuthFailure) f).needsSignIn).orElse(false);
    }

    /** The first auth refusal in {@code failure}'s cause chain. */
    public static Optional<UpstreamAuthFailure> of(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
            if (t instanceof UpstreamAuthFailure auth) {
                return Optional.of(auth);
            }
        }
        return Optional.empty();
    }
}
