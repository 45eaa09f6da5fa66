package dev.dynamicmcp.auth.upstream;

import dev.dynamicmcp.auth.OAuthHttp;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's upstream OAuth as the rest of the proxy sees it: the {@link UpstreamAuthSource} the client
 * factory asks per server, the {@code /oauth/callback} route, and the "a sign-in completed" hook. The token
 * store (and with it the key) is only needed once some server has {@code oauth}: it is opened then, and a
 * missing key fails that server's connect with the store's message instead of the whole proxy.
 *
 * <p>Pending sign-ins nobody completes are dropped every minute (a scheduler timer, called off at close).
 */
public final class UpstreamSignIns implements UpstreamAuthSource, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UpstreamSignIns.class);
    static final Duration EXPIRY_INTERVAL = Duration.ofMinutes(1);

    private final Path dataDir;
    private final Map<String, String> env;
    private final Supplier<URI> redirectUri;
    private final OAuthHttp http;
    private final Scheduler scheduler;
    private final ReentrantLock lock = new ReentrantLock();
    private final java.util.List<Consumer<String>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.List<java.util.function.BiConsumer<String, String>> userListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    // Guarded by lock:
    private UpstreamOAuth oauth;
    private Scheduler.Cancellable expiry = Scheduler.Cancellable.NONE;

    /**
     * @param dataDir     where the encrypted tokens (and by default the key file) live
     * @param env         the environment to read {@value TokenStore#KEY_ENV} from
     * @param redirectUri the public URL of {@value UpstreamOAuth#CALLBACK_PATH}; null while not known
     */
    public UpstreamSignIns(Path dataDir, Map<String, String> env, Supplier<URI> redirectUri, OAuthHttp http,
                           Scheduler scheduler) {
        this.dataDir = dataDir;
        this.env = Map.copyOf(env);
        this.redirectUri = redirectUri;
        this.http = http;
        this.scheduler = scheduler;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Opens the token store now (at start, when a configured server has {@code oauth}): fails fast on a missing key. */
    public UpstreamOAuth open() throws TokenStore.TokenStoreException {
        // Opening reads a file: done outside the lock, and the first one to finish wins.
        UpstreamOAuth existing = current();
        if (existing != null) {
            return existing;
        }
        TokenStore store = TokenStore.open(dataDir, env, null);
        lock.lock();
        try {
            if (oauth == null) {
                oauth = new UpstreamOAuth(store, redirectUri, http, scheduler);
                listeners.forEach(oauth::addSignInListener);
                userListeners.forEach(oauth::addUserSignInListener);
                if (!closed.get()) {
                    expiry = scheduler.schedule("oauth-sign-in-expiry", EXPIRY_INTERVAL, this::expire);
                }
                log.info("upstream OAuth: tokens stored encrypted in {}", dataDir.resolve(TokenStore.DIRECTORY));
            }
            return oauth;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The shared credential. For a per-user server that is the one its shared connection lists the tools with
     * (the operator signs it in, e.g. from the console); each user's calls go over their own ({@link #forServer(
     * ServerConfig, String)}).
     */
    @Override
    public UpstreamAuth forServer(ServerConfig server) throws IOException {
        if (server.oauth() == null || server.url() == null) {
            return UpstreamAuth.NONE;
        }
        return open().forPrincipal(server.name(), server.url(), server.oauth(), StoredCredential.Binding.SHARED);
    }

    @Override
    public UpstreamAuth forServer(ServerConfig server, String isolationKey) throws IOException {
        String user = UpstreamAuthSource.principalOf(isolationKey);
        if (user == null || server.oauth() == null || server.url() == null || !server.oauth().perUser()) {
            return forServer(server);
        }
        return open().forPrincipal(server.name(), server.url(), server.oauth(), user);
    }

    /**
     * Where the server's shared credential stands (for the console and {@code /admin}): {@code NOT_CONFIGURED}
     * without {@code oauth}; {@code FAILED} with the store's message when the store cannot be opened.
     */
    public UpstreamAuth.Status status(ServerConfig server) {
        if (server.oauth() == null || server.url() == null) {
            return UpstreamAuth.NONE.status();
        }
        try {
            return forServer(server).status();
        } catch (IOException e) {
            return new UpstreamAuth.Status(UpstreamAuth.State.FAILED, e.getMessage(), null);
        }
    }

    /**
     * Starts (or returns the pending) sign-in of the server's shared credential: the console's "Sign in" button.
     *
     * @throws IOException with a message for the operator when there is nothing to sign in (no {@code oauth},
     *                     client credentials) or the flow cannot start (authorization server unreachable...)
     */
    public URI beginSignIn(ServerConfig server) throws IOException {
        if (server.oauth() == null || server.url() == null) {
            throw new IOException("server " + server.name() + " has no oauth settings");
        }
        if (server.oauth().clientCredentials()) {
            throw new IOException("server " + server.name() + " uses client credentials: no one signs in");
        }
        UpstreamOAuth now = open();
        return now.signInUrl(forServer(server));
    }

    /**
     * Calls {@code listener} with a per-user server's name and the user's principal key each time a user's own
     * sign-in completes.
     */
    public void addUserSignInListener(java.util.function.BiConsumer<String, String> listener) {
        userListeners.add(listener);
        UpstreamOAuth now = current();
        if (now != null) {
            now.addUserSignInListener(listener);
        }
    }

    /** Calls {@code listener} with a server's name each time a sign-in of its shared credential completes. */
    public void addSignInListener(Consumer<String> listener) {
        listeners.add(listener);
        UpstreamOAuth now = current();
        if (now != null) {
            now.addSignInListener(listener);
        }
    }

    /** The {@code GET} handler for {@value UpstreamOAuth#CALLBACK_PATH}; it needs no downstream token. */
    public Request.Handler callbackHandler() {
        return (request, response, callback) -> {
            UpstreamOAuth now = current();
            if (now != null) {
                return now.callbackHandler().handle(request, response, callback);
            }
            response.setStatus(404);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            response.write(true, ByteBuffer.wrap("no sign-in is pending: no server has oauth\n"
                    .getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        };
    }

    private UpstreamOAuth current() {
        lock.lock();
        try {
            return oauth;
        } finally {
            lock.unlock();
        }
    }

    private void expire() {
        UpstreamOAuth now = current();
        if (now == null || closed.get()) {
            return;
        }
        now.expirePendingSignIns();
        lock.lock();
        try {
            if (!closed.get()) {
                expiry = scheduler.schedule("oauth-sign-in-expiry", EXPIRY_INTERVAL, this::expire);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Scheduler.Cancellable timer;
        lock.lock();
        try {
            timer = expiry;
        } finally {
            lock.unlock();
        }
        timer.cancel();
    }
}
