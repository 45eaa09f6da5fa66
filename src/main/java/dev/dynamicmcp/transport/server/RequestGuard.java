package dev.dynamicmcp.transport.server;

import dev.dynamicmcp.auth.Authenticator;
import dev.dynamicmcp.auth.Principal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The checks every request passes before any route sees it: Host (when bound to loopback) and Origin against
 * DNS rebinding, the caller's credentials, and the declared body size.
 *
 * <p>Credentials: the static bearer token ({@code proxy.authToken}) alone, or with {@code proxy.auth} an OAuth
 * {@link Authenticator} whose challenges (401 with {@code resource_metadata}, 403 {@code insufficient_scope},
 * 503 when the identity provider is unreachable) are written as they are; the static token, when also set,
 * is still accepted then (the operator's and scripts' key), compared first in constant time. The caller's
 * {@link Principal} is left on the request as {@value #PRINCIPAL_ATTRIBUTE}; its token goes no further (the
 * proxy never passes a client's token upstream).
 */
final class RequestGuard extends Handler.Wrapper {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1", "[::1]");
    /** The request attribute holding the authenticated {@link Principal} (absent without authentication). */
    static final String PRINCIPAL_ATTRIBUTE = "dev.dynamicmcp.auth.principal";

    private final String boundHost;
    private final boolean loopback;
    /** The current token, read per request so that a rotation takes effect at once; null: none needed. */
    private final Supplier<String> token;
    /** {@code proxy.adminToken}: when set, the only token for the admin routes (it opens the others too). */
    private final Supplier<String> adminToken;
    private final long maxBodyBytes;
    private final List<String> allowedOrigins;
    private final Set<String> publicPaths;
    private final String mcpPath;
    private final ProfileEndpoints profiles;
    /** OAuth ({@code proxy.auth}); null: the static tokens alone. */
    private final Authenticator oauth;

    RequestGuard(Handler next, String boundHost, boolean loopback, Supplier<String> authToken, long maxBodyBytes,
                 HostOptions options) {
        this(next, boundHost, loopback, authToken, () -> null, maxBodyBytes, options, options.publicPaths(), null);
    }

    /**
     * @param adminToken  the token of the admin routes ({@code proxy.adminToken}); null from it: they take the
     *                    proxy's token
     * @param publicPaths paths that need no credentials (a live set: routes mounted later may add to it)
     * @param oauth       the OAuth authenticator, or null
     */
    RequestGuard(Handler next, String boundHost, boolean loopback, Supplier<String> authToken,
                 Supplier<String> adminToken, long maxBodyBytes, HostOptions options, Set<String> publicPaths,
                 Authenticator oauth) {
        super(next);
        this.adminToken = adminToken;
        this.oauth = oauth;
        this.boundHost = normalize(boundHost);
        this.loopback = loopback;
        this.token = authToken;
        this.maxBodyBytes = maxBodyBytes;
        this.allowedOrigins = options.allowedOrigins().stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
        this.publicPaths = publicPaths;
        this.mcpPath = options.transport().mcpPath();
        this.profiles = options.profiles();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (loopback && host != null && !isLocalHost(hostOf(host))) {
            reject(request, response, callback, 403, "forbidden: Host \"" + host + "\" is not a local name; this proxy "
                    + "is bound to loopback and only answers localhost (DNS rebinding protection)");
            return true;
        }
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin != null && !originAllowed(origin)) {
            reject(request, response, callback, 403, "forbidden: Origin \"" + origin + "\" is not allowed (DNS rebinding "
                    + "protection); add it to proxy.allowedOrigins in the config (or pass --allowed-origin) to let "
                    + "that web page in");
            return true;
        }
        String path = Request.getPathInContext(request);
        if (!publicPaths.contains(path) && !authenticated(request, response, callback, path)) {
            return true;
        }
        long declared = request.getLength();
        if (declared > maxBodyBytes) {
            Runnable tooLarge = () -> HttpIo.text(response, callback, 413, "request body of " + declared
                    + " bytes is larger than the limit of " + maxBodyBytes + " bytes (proxy.maxBodyBytes)");
            String expect = request.getHeaders().get(HttpHeader.EXPECT);
            if (declared <= 4L * maxBodyBytes && (expect == null || !expect.equalsIgnoreCase("100-continue"))) {
                // read and drop it first (without holding a thread): answered while the client is still sending,
                // the connection would be closed under it and the client would see a reset instead of the 413
                Content.Source.consumeAll(request, Callback.from(tooLarge, failure -> {
                    HttpIo.closeAfter(response);
                    tooLarge.run();
                }));
                return true;
            }
            // not read, so Jetty closes the connection after the answer; say so, since it does not add the
            // header itself to an answer written before it found the body unread
            HttpIo.closeAfter(response);
            tooLarge.run();
            return true;
        }
        return super.handle(request, response, callback);
    }

    /** True when the request may go on; otherwise it was answered (401, 403, 400 or 503). */
    private boolean authenticated(Request request, Response response, Callback callback, String path) {
        String admin = adminToken.get();
        String proxyToken = token.get();
        boolean adminPath = path.startsWith(HttpServerHost.ADMIN_PREFIX) || path.equals("/admin");
        String profile = adminPath ? null : ProfileEndpoints.profileOf(mcpPath, path);
        String profileToken = profile == null ? null : profiles.token(profile);
        // On the admin routes the admin token replaces the MCP token. Elsewhere the proxy's token opens every
        // endpoint, a profile's own token only that profile's, and the admin token is accepted besides them
        // (whoever may reconfigure the servers may also call them, e.g. the console's "try a tool").
        List<String> accepted = new ArrayList<>(3);
        String named;
        if (adminPath) {
            accepted.add(admin != null ? admin : proxyToken);
            named = admin != null ? "proxy.adminToken" : "proxy.authToken";
        } else {
            accepted.add(proxyToken);
            accepted.add(profileToken);
            if (proxyToken != null || profileToken != null) {
                accepted.add(admin);
            }
            named = profileToken != null ? "the token of profile " + profile : "proxy.authToken";
        }
        accepted.removeIf(java.util.Objects::isNull);
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (authorization != null && accepted.stream().anyMatch(expected -> matches(authorization, expected))) {
            request.setAttribute(PRINCIPAL_ATTRIBUTE, Principal.staticToken());
            return true;
        }
        if (oauth == null) {
            if (accepted.isEmpty()) {
                return true;
            }
            if (authorization == null) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
                reject(request, response, callback, 401, "unauthorized: send Authorization: Bearer <" + named + ">");
            } else {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
                reject(request, response, callback, 401, "unauthorized: the bearer token is wrong"
                        + (adminPath && admin != null ? " (the admin routes need proxy.adminToken)" : ""));
            }
            return false;
        }
        switch (oauth.authenticate(authorization, path)) {
            case Authenticator.Result.Allowed allowed -> {
                request.setAttribute(PRINCIPAL_ATTRIBUTE, allowed.principal());
                return true;
            }
            case Authenticator.Result.Challenge challenge -> {
                if (challenge.wwwAuthenticate() != null) {
                    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, challenge.wwwAuthenticate());
                }
                reject(request, response, callback, () -> HttpIo.json(response, callback, challenge.status(), challenge.body()));
                return false;
            }
        }
    }

    /** {@code Bearer <token>}; the scheme is case-insensitive (RFC 9110), the token compared in constant time. */
    static boolean matches(String authorization, String expected) {
        String value = authorization.trim();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            return false;
        }
        byte[] presented = value.substring(space + 1).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented);
    }

    /**
     * Refuses a request after reading its (small) body: answering while the client is still sending would make
     * the server close the connection under it, and the client would see a reset instead of the status.
     */
    private void reject(Request request, Response response, Callback callback, int status, String text) {
        reject(request, response, callback, () -> HttpIo.text(response, callback, status, text));
    }

    private void reject(Request request, Response response, Callback callback, Runnable answer) {
        long length = request.getLength();
        if (length < 0 || length > maxBodyBytes) { // unknown or too large: not worth reading
            answer.run();
            return;
        }
        Content.Source.consumeAll(request, Callback.from(answer, failure -> answer.run()));
    }

    private boolean originAllowed(String origin) {
        String lower = origin.trim().toLowerCase(Locale.ROOT);
        if (allowedOrigins.contains(lower)) {
            return true;
        }
        String host;
        try {
            host = URI.create(lower).getHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (host == null) {
            return false; // "null" (sandboxed pages, file://) or garbage
        }
        host = normalize(host);
        return isLocalHost(host) || allowedOrigins.contains(host);
    }

    private boolean isLocalHost(String host) {
        return LOOPBACK_NAMES.contains(host) || host.equals(boundHost);
    }

    /** The host part of a Host header: {@code localhost:8080} → localhost, {@code [::1]:80} → ::1. */
    static String hostOf(String hostHeader) {
        String value = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            return end < 0 ? value : value.substring(1, end);
        }
        int colon = value.indexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }

    private static String normalize(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.startsWith("[") && lower.endsWith("]") ? lower.substring(1, lower.length() - 1) : lower;
    }
}
