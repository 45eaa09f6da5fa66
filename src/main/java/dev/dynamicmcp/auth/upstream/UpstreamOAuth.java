package dev.dynamicmcp.auth.upstream;

import dev.dynamicmcp.auth.OAuthHttp;
import dev.dynamicmcp.auth.Principal;
import dev.dynamicmcp.auth.upstream.StoredCredential.Binding;
import dev.dynamicmcp.auth.upstream.UpstreamCredential.PendingSignIn;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Request;

/**
 * The proxy as an OAuth client of its protected upstreams: one {@link UpstreamAuth} per (server, principal)
 * (a single shared one unless the server is per-user), the store their tokens live in, and the redirect
 * endpoint ({@value #CALLBACK_PATH}) where sign-ins complete.
 */
public final class UpstreamOAuth {
    public static final String CALLBACK_PATH = "/oauth/callback";

    private final TokenStore store;
    private final Supplier<URI> redirectUri;
    private final List<Consumer<String>> signInListeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.BiConsumer<String, String>> userSignInListeners = new CopyOnWriteArrayList<>();
    private final OAuthFlow flow;
    private final Scheduler scheduler;
    private final Map<Binding, UpstreamCredential> credentials = new ConcurrentHashMap<>();
    private final Map<String, PendingSignIn> pending = new ConcurrentHashMap<>();

    /**
     * @param redirectUri this proxy's public URL of {@value #CALLBACK_PATH}, e.g.
     *                    {@code http://127.0.0.1:8080/oauth/callback}; it is registered with authorization servers
     */
    public UpstreamOAuth(TokenStore store, URI redirectUri, OAuthHttp http, Scheduler scheduler) {
        this(store, () -> redirectUri, http, scheduler);
    }

    /**
     * @param redirectUri this proxy's public URL of {@value #CALLBACK_PATH}, asked for when a sign-in starts (the
     *                    HTTP port may be bound after the first connects); null while it is not known
     */
    public UpstreamOAuth(TokenStore store, Supplier<URI> redirectUri, OAuthHttp http, Scheduler scheduler) {
        this.store = store;
        this.redirectUri = redirectUri;
        this.flow = new OAuthFlow(http, scheduler);
        this.scheduler = scheduler;
    }

    /**
     * The credential a transport of {@code server} uses.
     *
     * @param upstream  the server's MCP URL (tokens are bound to it and sent nowhere else)
     * @param principal the downstream caller; only used when {@code settings.perUser()}
     */
    public UpstreamAuth forServer(String server, URI upstream, UpstreamOAuthSettings settings, Principal principal) {
        String key = Binding.SHARED;
        if (settings.perUser()) {
            if (principal == null || !principal.isUser()) {
                return new Refusing("server " + server + " signs in per user, and this caller is not an OAuth "
                        + "user (configure proxy.auth so that each caller has their own upstream credential)");
            }
            key = principal.key();
        }
        return forPrincipal(server, upstream, settings, key);
    }

    /**
     * The credential of {@code server} for one principal key ({@link Principal#key()}, or {@link Binding#SHARED}):
     * one per (server, upstream URL, principal), kept across connections so a token outlives them.
     */
    public UpstreamAuth forPrincipal(String server, URI upstream, UpstreamOAuthSettings settings, String principalKey) {
        return credentials.computeIfAbsent(new Binding(server, upstream.toString(), principalKey),
                binding -> new UpstreamCredential(server, upstream, settings, principalKey, this, flow, scheduler));
    }

    /** Starts (or returns the pending) sign-in of a credential from {@link #forServer}: the console's button. */
    public URI signInUrl(UpstreamAuth auth) throws IOException {
        if (!(auth instanceof UpstreamCredential credential)) {
            throw new IOException(auth.status().detail());
        }
        return credential.beginSignIn();
    }

    /** The {@code GET} handler to mount at {@value #CALLBACK_PATH}. */
    public Request.Handler callbackHandler() {
        return new OAuthCallbackHandler(this);
    }

    /** Drops sign-ins nobody completed in time; call it now and then (a Scheduler job). */
    public void expirePendingSignIns() {
        long now = scheduler.nanoTime();
        pending.values().removeIf(p -> now - p.startedNanos() > UpstreamCredential.SIGN_IN_VALIDITY.toNanos());
    }

    TokenStore store() {
        return store;
    }

    URI redirectUri() throws IOException {
        URI uri = redirectUri.get();
        if (uri == null) {
            throw new IOException("the sign-in callback " + CALLBACK_PATH + " is not being served (the proxy's HTTP"
                    + " endpoint is off or not started yet), so no sign-in can complete");
        }
        return uri;
    }

    /**
     * Calls {@code listener} with the server's name each time a sign-in of it completes (the manager then
     * connects at once instead of waiting for its backoff). Listeners must be quick and must not throw.
     */
    public void addSignInListener(Consumer<String> listener) {
        signInListeners.add(listener);
    }

    /** Like {@link #addSignInListener}, for the sign-ins of users of per-user servers: (server, principal key). */
    public void addUserSignInListener(java.util.function.BiConsumer<String, String> listener) {
        userSignInListeners.add(listener);
    }

    void signedIn(String server, String principal) {
        if (!principal.equals(Binding.SHARED)) {
            for (var listener : userSignInListeners) {
                try {
                    listener.accept(server, principal);
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(UpstreamOAuth.class)
                            .warn("server {}: a sign-in listener failed: {}", server, e.toString());
                }
            }
            return;
        }
        for (Consumer<String> listener : signInListeners) {
            try {
                listener.accept(server);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(UpstreamOAuth.class)
                        .warn("server {}: a sign-in listener failed: {}", server, e.toString());
            }
        }
    }

    void register(PendingSignIn sign, PendingSignIn replaced) {
        if (replaced != null) {
            pending.remove(replaced.request().state(), replaced);
        }
        pending.put(sign.request().state(), sign);
    }

    /** The sign-in a {@code state} belongs to, removed: each authorization response is used once. */
    Optional<PendingSignIn> take(String state) {
        PendingSignIn sign = state == null ? null : pending.remove(state);
        if (sign != null && scheduler.nanoTime() - sign.startedNanos() > UpstreamCredential.SIGN_IN_VALIDITY.toNanos()) {
            return Optional.empty();
        }
        return Optional.ofNullable(sign);
    }

    /** A credential that can never be had (per-user server, anonymous caller). */
    private record Refusing(String why) implements UpstreamAuth {
        @Override
        public Map<String, String> headers(URI target) {
            return Map.of();
        }

        @Override
        public Outcome onUnauthorized(int status, String wwwAuthenticate) {
            return new Outcome(Outcome.Kind.FAILED, why, null);
        }

        @Override
        public Status status() {
            return new Status(State.FAILED, why, null);
        }
    }
}
