package dev.dynamicmcp.auth.upstream;

import dev.dynamicmcp.auth.ResourceUris;
import dev.dynamicmcp.auth.WwwAuthenticate;
import dev.dynamicmcp.auth.upstream.OAuthFlow.AuthorizationRequest;
import dev.dynamicmcp.auth.upstream.OAuthFlow.Client;
import dev.dynamicmcp.auth.upstream.OAuthFlow.Discovery;
import dev.dynamicmcp.auth.upstream.OAuthFlow.TokenResult;
import dev.dynamicmcp.auth.upstream.OAuthFlow.Tokens;
import dev.dynamicmcp.auth.upstream.StoredCredential.Binding;
import dev.dynamicmcp.auth.upstream.UpstreamAuth.Outcome.Kind;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credential of one (upstream server, downstream principal): its state, its tokens, and the recovery from
 * a refusal (refresh, a new client-credentials token, or a sign-in for a person to complete).
 *
 * <p>State lives under {@link #lock}, which is never held across HTTP: a refresh runs outside it, and callers
 * that arrive meanwhile wait on the one refresh in flight instead of starting their own (refresh tokens rotate;
 * a second refresh with the old one would be refused and sign the user out).
 */
final class UpstreamCredential implements UpstreamAuth {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamCredential.class);
    private static final Duration MAX_REFRESH_MARGIN = Duration.ofSeconds(60);
    static final Duration SIGN_IN_VALIDITY = Duration.ofMinutes(10);
    private static final Duration LOOP_WINDOW = Duration.ofSeconds(60);

    private final String server;
    private final URI upstream;
    private final UpstreamOAuthSettings settings;
    private final String principal;
    private final UpstreamOAuth owner;
    private final OAuthFlow flow;
    private final Scheduler scheduler;

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock:
    private boolean loaded;
    private StoredCredential stored;
    private Discovery discovery;
    private Client client;
    private State state = State.NO_TOKEN;
    private String detail = "not signed in yet";
    private PendingSignIn pending;
    private List<String> requestedScopes = List.of();
    private String recoveredToken;
    private long recoveredNanos;
    private CompletableFuture<Void> refreshing;

    /** A sign-in waiting for its callback. */
    record PendingSignIn(UpstreamCredential credential, AuthorizationRequest request, URI redirectUri,
                         String expectedIssuer, boolean issRequired, long startedNanos) {
    }

    UpstreamCredential(String server, URI upstream, UpstreamOAuthSettings settings, String principal,
                       UpstreamOAuth owner, OAuthFlow flow, Scheduler scheduler) {
        this.server = server;
        this.upstream = upstream;
        this.settings = settings;
        this.principal = principal;
        this.owner = owner;
        this.flow = flow;
        this.scheduler = scheduler;
    }

    String server() {
        return server;
    }

    @Override
    public Map<String, String> headers(URI target) {
        if (!ResourceUris.sameOrigin(target, upstream)) {
            LOG.warn("server {}: not sending its OAuth token to {}, which is not on {}", server,
                    ResourceUris.origin(target), ResourceUris.origin(upstream));
            return Map.of();
        }
        StoredCredential current = load();
        if (current != null && current.accessToken() != null && !nearExpiry(current)) {
            return bearer(current);
        }
        boolean canRenew = current != null && current.refreshToken() != null || settings.clientCredentials();
        if (canRenew && known() != null) {
            try {
                renew();
            } catch (IOException e) {
                fail("could not renew the access token: " + e.getMessage());
            }
            current = snapshot();
        }
        // An expired token is still sent: the upstream's 401 then drives recovery through onUnauthorized.
        return current != null && current.accessToken() != null ? bearer(current) : Map.of();
    }

    @Override
    public Outcome onUnauthorized(int status, String wwwAuthenticate) {
        Optional<WwwAuthenticate.Challenge> challenge = WwwAuthenticate.parse(wwwAuthenticate).bearer();
        String error = challenge.flatMap(c -> c.param("error")).orElse(null);
        List<String> challenged = challenge.flatMap(c -> c.param("scope"))
                .map(s -> List.of(s.trim().split("\\s+"))).orElse(List.of());
        if (status == 403 && !"insufficient_scope".equals(error)) {
            return new Outcome(Kind.FAILED, "server " + server + " refused the request (HTTP 403"
                    + (error == null ? "" : " " + error) + ")", null);
        }
        try {
            Discovery found = discover(challenge.flatMap(c -> c.param("resource_metadata")).orElse(null));
            StoredCredential current = load();
            String refused = current == null ? null : current.accessToken();
            List<String> scopes = scopesFor(challenged, found, status == 403);
            if (refused != null && refused.equals(recentlyRecoveredToken()) && status == 401) {
                // The token we just got was refused too: recovering again would loop.
                return settings.clientCredentials()
                        ? failed("the upstream refused a new client-credentials token")
                        : signIn(scopes, "the upstream refused a freshly issued token");
            }
            if (settings.clientCredentials()) {
                return newClientCredentials(scopes);
            }
            if (status == 401 && current != null && current.refreshToken() != null) {
                switch (refreshNow()) {
                    case RETRY -> {
                        return retry();
                    }
                    case SIGN_IN_REQUIRED -> {
                        return signIn(scopes, "the refresh token was refused");
                    }
                    default -> {
                        return failed(detailNow());
                    }
                }
            }
            return signIn(scopes, status == 403 ? "the upstream needs more scopes (" + String.join(" ", challenged) + ")"
                    : "the upstream needs an OAuth sign-in");
        } catch (IOException e) {
            return failed(e.getMessage());
        }
    }

    @Override
    public Status status() {
        lock.lock();
        try {
            return new Status(state, detail, pending == null ? null : pending.request().url());
        } finally {
            lock.unlock();
        }
    }

    /** The sign-in URL for the console's button, starting discovery from the well-known URLs if needed. */
    URI beginSignIn() throws IOException {
        Status now = status();
        if (now.signInUrl() != null) {
            return now.signInUrl();
        }
        Discovery found = discover(null);
        Outcome outcome = signIn(scopesFor(List.of(), found, false), "sign-in started by the operator");
        if (outcome.signInUrl() == null) {
            throw new IOException(outcome.message());
        }
        return outcome.signInUrl();
    }

    /** The callback's half: the authorization response passed every check; trade the code for tokens. */
    String complete(PendingSignIn sign, String code) {
        Discovery found;
        Client registered;
        lock.lock();
        try {
            if (pending != sign) {
                return "this sign-in was replaced by a newer one; use the latest link";
            }
            pending = null;
            found = discovery;
            registered = client;
        } finally {
            lock.unlock();
        }
        try {
            TokenResult result = flow.exchangeCode(found, registered, code, sign.request().codeVerifier(), sign.redirectUri());
            if (result instanceof TokenResult.Refused refused) {
                setState(State.SIGN_IN_REQUIRED, "the authorization server refused the code: " + refused.error());
                return "the authorization server refused the code: " + refused.error();
            }
            store(((TokenResult.Granted) result).tokens(), found, registered);
            setState(State.AUTHORIZED, "signed in");
            LOG.info("server {}: signed in{}", server, principal.equals(Binding.SHARED) ? "" : " for " + principal);
            owner.signedIn(server, principal);
            return null;
        } catch (IOException e) {
            fail("the code exchange failed: " + e.getMessage());
            return "the code exchange failed: " + e.getMessage();
        }
    }

    void rejectSignIn(PendingSignIn sign, String why) {
        lock.lock();
        try {
            if (pending == sign) {
                pending = null;
                state = State.SIGN_IN_REQUIRED;
                detail = why;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- recovery steps ----

    private Outcome newClientCredentials(List<String> scopes) throws IOException {
        TokenResult result = flow.clientCredentials(known(), clientFor(known()), scopes);
        if (result instanceof TokenResult.Refused refused) {
            return failed("the client_credentials grant was refused: " + refused.error()
                    + (refused.description() == null ? "" : " (" + refused.description() + ")"));
        }
        store(((TokenResult.Granted) result).tokens(), known(), clientFor(known()));
        setState(State.AUTHORIZED, "client credentials");
        return retry();
    }

    private Outcome signIn(List<String> scopes, String why) throws IOException {
        Discovery found = known();
        if (!found.server().supportsS256()) {
            return failed("the authorization server " + found.server().issuer()
                    + " does not advertise PKCE S256 (code_challenge_methods_supported); refusing to sign in");
        }
        if (found.server().authorizationEndpoint() == null) {
            return failed("the authorization server " + found.server().issuer() + " has no authorization_endpoint");
        }
        lock.lock();
        try {
            if (pending != null && requestedScopes.equals(scopes)
                    && scheduler.nanoTime() - pending.startedNanos() < SIGN_IN_VALIDITY.toNanos()) {
                state = State.SIGN_IN_REQUIRED;
                return new Outcome(Kind.SIGN_IN_REQUIRED, signInMessage(pending.request().url()), pending.request().url());
            }
        } finally {
            lock.unlock();
        }
        URI redirect;
        try {
            redirect = owner.redirectUri();
        } catch (IOException noCallback) {
            // `check`, or a stdio-only proxy: a person still has to sign in, just not through this process.
            setState(State.SIGN_IN_REQUIRED, why + "; " + noCallback.getMessage());
            return new Outcome(Kind.SIGN_IN_REQUIRED, "server " + server + " needs sign-in, and " + noCallback.getMessage()
                    + ": run the proxy with its HTTP endpoint and open the link it logs", null);
        }
        Client registered = clientFor(found);
        AuthorizationRequest request = flow.authorizationRequest(found, registered, redirect, scopes);
        PendingSignIn sign = new PendingSignIn(this, request, redirect, found.server().issuer(),
                found.server().issParameterSupported(), scheduler.nanoTime());
        PendingSignIn replaced;
        lock.lock();
        try {
            replaced = pending;
            pending = sign;
            requestedScopes = scopes;
            state = State.SIGN_IN_REQUIRED;
            detail = why;
        } finally {
            lock.unlock();
        }
        owner.register(sign, replaced);
        LOG.info("server {} needs sign-in{} ({}): open {}", server,
                principal.equals(Binding.SHARED) ? "" : " for " + principal, why, request.url());
        return new Outcome(Kind.SIGN_IN_REQUIRED, signInMessage(request.url()), request.url());
    }

    private String signInMessage(URI url) {
        return "server " + server + " needs sign-in: open " + url;
    }

    /** Refreshes or gets a new client-credentials token, one at a time. */
    private void renew() throws IOException {
        if (settings.clientCredentials()) {
            newClientCredentials(scopesFor(List.of(), known(), false));
            return;
        }
        refreshNow();
    }

    /** Refreshes, joining a refresh already in flight. RETRY on success, SIGN_IN_REQUIRED when refused. */
    private Kind refreshNow() {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running;
        lock.lock();
        try {
            running = refreshing;
            if (running == null) {
                refreshing = mine;
            }
        } finally {
            lock.unlock();
        }
        if (running != null) {
            running.join();
            return stateNow() == State.AUTHORIZED ? Kind.RETRY : stateNow() == State.FAILED ? Kind.FAILED : Kind.SIGN_IN_REQUIRED;
        }
        try {
            StoredCredential current = snapshot();
            if (current == null || current.refreshToken() == null) {
                setState(State.SIGN_IN_REQUIRED, "no refresh token");
                return Kind.SIGN_IN_REQUIRED;
            }
            Discovery found = known();
            Client registered = clientFor(found);
            TokenResult result = flow.refresh(found, registered, current.refreshToken());
            if (result instanceof TokenResult.Refused refused) {
                // invalid_grant: revoked, expired or already used. Forget the tokens; a person must sign in.
                save(current.signedOut());
                setState(State.SIGN_IN_REQUIRED, "the refresh token was refused (" + refused.error() + ")");
                LOG.warn("server {}: the refresh token was refused ({}); it needs sign-in", server, refused.error());
                return Kind.SIGN_IN_REQUIRED;
            }
            Tokens tokens = ((TokenResult.Granted) result).tokens();
            if (tokens.refreshToken() == null) {
                tokens = new Tokens(tokens.accessToken(), current.refreshToken(), tokens.expiresAt(), tokens.scope());
            }
            store(tokens, found, registered);
            setState(State.AUTHORIZED, "token refreshed");
            return Kind.RETRY;
        } catch (IOException e) {
            fail("the token refresh failed: " + e.getMessage());
            return Kind.FAILED;
        } finally {
            lock.lock();
            try {
                refreshing = null;
            } finally {
                lock.unlock();
            }
            mine.complete(null);
        }
    }

    // ---- discovery and registration ----

    /** Discovery, cached; a {@code resource_metadata} naming another document than the cached one starts over. */
    private Discovery discover(String resourceMetadataUrl) throws IOException {
        Discovery cached = known();
        if (cached != null && resourceMetadataUrl == null) {
            return cached;
        }
        Discovery found = flow.discover(upstream, resourceMetadataUrl);
        StoredCredential current = load();
        lock.lock();
        try {
            if (current != null && current.issuer() != null && !current.issuer().equals(found.server().issuer())) {
                if (settings.clientId() != null) {
                    throw new IOException("server " + server + " now names the authorization server "
                            + found.server().issuer() + ", but oauth.clientId was registered at " + current.issuer()
                            + "; register the proxy there and update the config");
                }
                // A dynamically registered client and its tokens belong to the old server only.
                stored = null;
                client = null;
            }
            discovery = found;
        } finally {
            lock.unlock();
        }
        return found;
    }

    private Client clientFor(Discovery found) throws IOException {
        lock.lock();
        try {
            if (client != null) {
                return client;
            }
            if (stored != null && stored.clientId() != null && found.server().issuer().equals(stored.issuer())
                    && settings.clientId() == null) {
                client = new Client(stored.clientId(), stored.clientSecret(),
                        stored.clientSecret() == null ? "none" : "client_secret_basic", true);
                return client;
            }
        } finally {
            lock.unlock();
        }
        // A pre-registered client needs no redirect URI to exist (client credentials: there is none).
        URI redirect = settings.clientId() != null ? null : owner.redirectUri();
        Client registered = flow.register(found.server(), settings, redirect, server);
        lock.lock();
        try {
            if (client == null) {
                client = registered;
            }
            registered = client;
        } finally {
            lock.unlock();
        }
        if (registered.dynamic()) {
            StoredCredential current = snapshot();
            save(current != null ? new StoredCredential(binding(found), found.server().issuer(), registered.clientId(),
                    registered.clientSecret(), current.accessToken(), current.refreshToken(), current.expiresAt(),
                    current.scope())
                    : new StoredCredential(binding(found), found.server().issuer(), registered.clientId(),
                            registered.clientSecret(), null, null, null, null));
        }
        return registered;
    }

    /** Scope selection (MCP): the challenge's, else the configured ones, else the resource's scopes_supported. */
    private List<String> scopesFor(List<String> challenged, Discovery found, boolean stepUp) {
        LinkedHashSet<String> scopes = new LinkedHashSet<>();
        if (stepUp) {
            scopes.addAll(requestedScopesNow()); // step-up keeps what was granted before (2026-07-28)
        }
        if (!challenged.isEmpty()) {
            scopes.addAll(challenged);
        } else if (!settings.scopes().isEmpty()) {
            scopes.addAll(settings.scopes());
        } else {
            scopes.addAll(found.resource().scopesSupported());
        }
        List<String> out = new ArrayList<>(scopes);
        lock.lock();
        try {
            requestedScopes = List.copyOf(out);
        } finally {
            lock.unlock();
        }
        return List.copyOf(out);
    }

    // ---- state ----

    private Binding binding(Discovery found) {
        return new Binding(server, found == null ? upstream.toString() : found.resource().resource(), principal);
    }

    /** The binding used for storage: the upstream URL as configured (known before any discovery). */
    Binding storeBinding() {
        return new Binding(server, upstream.toString(), principal);
    }

    private StoredCredential load() {
        lock.lock();
        try {
            if (loaded) {
                return stored;
            }
        } finally {
            lock.unlock();
        }
        StoredCredential fromDisk = null;
        String problem = null;
        try {
            fromDisk = owner.store().load(storeBinding()).orElse(null);
        } catch (IOException e) {
            problem = e.getMessage();
        }
        lock.lock();
        try {
            if (!loaded) {
                loaded = true;
                stored = fromDisk;
                if (problem != null) {
                    state = State.FAILED;
                    detail = problem;
                } else if (fromDisk != null && fromDisk.accessToken() != null) {
                    state = State.AUTHORIZED;
                    detail = "token from the store";
                }
            }
            return stored;
        } finally {
            lock.unlock();
        }
    }

    private void store(Tokens tokens, Discovery found, Client registered) {
        StoredCredential next = new StoredCredential(storeBinding(), found.server().issuer(), registered.clientId(),
                registered.dynamic() ? registered.clientSecret() : null, tokens.accessToken(), tokens.refreshToken(),
                tokens.expiresAt(), tokens.scope());
        save(next);
    }

    private void save(StoredCredential next) {
        StoredCredential bound = new StoredCredential(storeBinding(), next.issuer(), next.clientId(), next.clientSecret(),
                next.accessToken(), next.refreshToken(), next.expiresAt(), next.scope());
        lock.lock();
        try {
            stored = bound;
            loaded = true;
        } finally {
            lock.unlock();
        }
        try {
            owner.store().save(bound);
        } catch (IOException e) {
            // Kept in memory: this run goes on; the next start signs in again.
            LOG.warn("server {}: could not store its OAuth token: {}", server, e.getMessage());
        }
    }

    private boolean nearExpiry(StoredCredential c) {
        if (c.expiresAt() == null) {
            return false;
        }
        Instant now = scheduler.now();
        return !now.isBefore(c.expiresAt().minus(MAX_REFRESH_MARGIN));
    }

    private static Map<String, String> bearer(StoredCredential c) {
        return Map.of("Authorization", "Bearer " + c.accessToken());
    }

    /** RETRY, remembering the token it is for: if that one is refused at once too, recovery must not loop. */
    private Outcome retry() {
        StoredCredential now = snapshot();
        lock.lock();
        try {
            recoveredToken = now == null ? null : now.accessToken();
            recoveredNanos = scheduler.nanoTime();
        } finally {
            lock.unlock();
        }
        return new Outcome(Kind.RETRY, "server " + server + ": new access token", null);
    }

    private Outcome failed(String why) {
        fail(why);
        return new Outcome(Kind.FAILED, "server " + server + ": " + why, null);
    }

    private void fail(String why) {
        LOG.warn("server {}: OAuth: {}", server, why);
        setState(State.FAILED, why);
    }

    private void setState(State next, String why) {
        lock.lock();
        try {
            state = next;
            detail = why;
        } finally {
            lock.unlock();
        }
    }

    private StoredCredential snapshot() {
        lock.lock();
        try {
            return stored;
        } finally {
            lock.unlock();
        }
    }

    private Discovery known() {
        lock.lock();
        try {
            return discovery;
        } finally {
            lock.unlock();
        }
    }

    /** The token the last RETRY was for, while that is recent enough that its refusal means a loop. */
    private String recentlyRecoveredToken() {
        lock.lock();
        try {
            return scheduler.nanoTime() - recoveredNanos < LOOP_WINDOW.toNanos() ? recoveredToken : null;
        } finally {
            lock.unlock();
        }
    }

    private State stateNow() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    private String detailNow() {
        lock.lock();
        try {
            return detail;
        } finally {
            lock.unlock();
        }
    }

    private List<String> requestedScopesNow() {
        lock.lock();
        try {
            return requestedScopes;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "UpstreamCredential[" + server + ", " + principal + ", " + stateNow() + "]";
    }
}
