package dev.dynamicmcp.transport;

import dev.dynamicmcp.auth.ResourceUris;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * Follows an upstream's redirects by our policy, so that no configured header or token goes anywhere the
 * operator did not name. Jetty's own following is off for every upstream request ({@link HttpSession#request}):
 * it would drop {@code Authorization} even on a same-origin hop (a {@code /mcp -> /mcp/} would lose the
 * credentials) yet copy every other header (API keys) to any origin, even over plain http.
 *
 * <ul>
 *   <li>Same origin (scheme, host, port): followed with the request as it was, every header included.</li>
 *   <li>https to http: refused; the headers would travel unencrypted.</li>
 *   <li>Another origin: refused; the error names the location, so the operator can make it the server's url.</li>
 *   <li>307 and 308 keep the method and body; 301, 302 and 303 are followed for a GET only. The JDK client
 *       (Redirect.NORMAL) turned a POST answered 301/302/303 into a GET without its body, which loses the
 *       JSON-RPC message (and then reads the GET's answer as if it were the POST's); we refuse instead, with
 *       an error naming the location, so nothing is lost silently.</li>
 *   <li>At most {@value #MAX_REDIRECTS} hops, as the JDK client allowed, then an error.</li>
 * </ul>
 *
 * <p>Threads: each hop is sent from the client thread that got the previous answer; nothing here blocks.
 */
final class Redirects {
    static final int MAX_REDIRECTS = 5;

    private Redirects() {
    }

    /**
     * Sends {@code first}, following its redirects; the future completes when the headers of the final answer
     * came, or fails with an {@link UpstreamFailure} for a redirect we do not follow. Cancelling it aborts the
     * hop under way.
     */
    static CompletableFuture<HttpAnswer> send(HttpClient client, String server, Request first) {
        CompletableFuture<HttpAnswer> result = new CompletableFuture<>();
        AtomicReference<CompletableFuture<HttpAnswer>> current = new AtomicReference<>();
        result.whenComplete((answer, failure) -> {
            CompletableFuture<HttpAnswer> hop = current.get();
            if (failure instanceof CancellationException && hop != null) {
                hop.cancel(true);
            }
        });
        hop(client, server, first, 0, result, current);
        return result;
    }

    private static void hop(HttpClient client, String server, Request request, int redirects,
                            CompletableFuture<HttpAnswer> result, AtomicReference<CompletableFuture<HttpAnswer>> current) {
        CompletableFuture<HttpAnswer> sent = HttpAnswer.send(request);
        current.set(sent);
        if (result.isCancelled()) { // cancelled while the previous hop was being answered
            sent.cancel(true);
            return;
        }
        sent.whenComplete((answer, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            Request next;
            try {
                next = next(client, server, request, answer, redirects);
            } catch (UpstreamFailure refused) {
                answer.close();
                result.completeExceptionally(refused);
                return;
            }
            if (next == null) {
                if (!result.complete(answer)) {
                    answer.abort(); // nobody waits for it any more
                }
                return;
            }
            answer.close(); // the redirect's own body: whatever came is consumed, the rest aborted
            hop(client, server, next, redirects + 1, result, current);
        });
    }

    /** The request for the redirect {@code answer} asks for; null when it is no redirect (the final answer). */
    private static Request next(HttpClient client, String server, Request request, HttpAnswer answer, int redirects)
            throws UpstreamFailure {
        int status = answer.status();
        String location = answer.header("Location");
        if (!isRedirect(status) || location == null) {
            return null; // the caller judges the status (a 3xx without a Location is an HTTP error)
        }
        URI from = request.getURI();
        String what = request.getMethod() + " " + from;
        URI to;
        try {
            to = from.resolve(location.strip());
        } catch (IllegalArgumentException e) {
            throw new UpstreamFailure(server, "answered HTTP " + status + " with a Location that is not a URI",
                    what + " answered HTTP " + status + " with Location '" + location + "'", e);
        }
        if (to.getScheme() == null || to.getHost() == null) {
            throw new UpstreamFailure(server, "answered HTTP " + status + " with a Location that is not a URL",
                    what + " answered HTTP " + status + " with Location '" + location + "'");
        }
        String said = what + " answered HTTP " + status + " to " + to;
        if ("https".equalsIgnoreCase(from.getScheme()) && "http".equalsIgnoreCase(to.getScheme())) {
            throw new UpstreamFailure(server, "redirected from https to plain http (" + shown(to)
                    + "); refusing to send its headers unencrypted", said);
        }
        if (!ResourceUris.sameOrigin(from, to)) {
            throw new UpstreamFailure(server, "redirected to another origin (" + shown(to) + "); not following it,"
                    + " so its headers and credentials stay with " + ResourceUris.origin(from)
                    + "; if that is the server's address, set the server's url to it", said);
        }
        boolean keepsMethod = status == 307 || status == 308;
        if (!keepsMethod && !HttpMethod.GET.is(request.getMethod())) {
            throw new UpstreamFailure(server, "answered " + request.getMethod() + " with HTTP " + status
                    + " (" + shown(to) + "), which would resend it as a GET without its body; set the server's url"
                    + " to that location", said);
        }
        if (redirects >= MAX_REDIRECTS) {
            throw new UpstreamFailure(server, "redirected more than " + MAX_REDIRECTS + " times (last to "
                    + shown(to) + "); set the server's url to where it ends", said);
        }
        return copy(client, server, request, to);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** The same request to {@code to} (same origin): method, body, timeouts and every header but Host. */
    private static Request copy(HttpClient client, String server, Request request, URI to) throws UpstreamFailure {
        Request next = client.newRequest(to)
                .method(request.getMethod())
                .version(request.getVersion())
                .followRedirects(false)
                .idleTimeout(request.getIdleTimeout(), TimeUnit.MILLISECONDS)
                .headers(fields -> fields.clear().add(request.getHeaders()).remove(HttpHeader.HOST));
        if (request.getTimeout() > 0) {
            next.timeout(request.getTimeout(), TimeUnit.MILLISECONDS);
        }
        Request.Content body = request.getBody();
        if (body != null) {
            if (!body.rewind()) {
                throw new UpstreamFailure(server, "could not send the request body again after a redirect",
                        request.getMethod() + " " + request.getURI() + " redirected to " + to);
            }
            next.body(body);
        }
        return next;
    }

    /** A location for messages: scheme, host, port and path; no user info, query or fragment (may hold secrets). */
    private static String shown(URI uri) {
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost() + port + path;
    }
}
