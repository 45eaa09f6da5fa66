package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.upstream.UpstreamAuth;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The legacy HTTP+SSE client transport (MCP 2024-11-05): a GET opens an event stream whose first
 * {@code endpoint} event names the URL to POST messages to; every answer arrives as a {@code message}
 * event on that stream. When the stream ends the channel is gone ({@code onClosed(cause)}).
 *
 * <p>Threads: one loop of the scheduler reads the stream and calls the listener, so messages arrive in order.
 */
public final class SseTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(SseTransport.class);

    enum State { NEW, CONNECTING, OPEN, CLOSED }

    private final String serverName;
    private final URI sseUrl;
    private final HttpSession session;
    private final Duration connectTimeout;
    private final Scheduler scheduler;
    private final Scheduler ownScheduler;

    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<URI> endpoint = new CompletableFuture<>();

    private volatile ListenerGuard listener;
    private volatile CompletableFuture<HttpAnswer> streamRequest;
    private volatile HttpAnswer stream;
    private volatile Thread reader;

    /**
     * @param client         shared, started HTTP client ({@link UpstreamHttpClient#start}); null to let the
     *                       transport start (and on close stop) its own
     * @param connectTimeout bound on start(): stream headers plus the endpoint event; and on each POST
     */
    public SseTransport(String serverName, URI sseUrl, Map<String, String> headers, HttpClient client,
                        Duration connectTimeout) {
        this(serverName, sseUrl, headers, client, connectTimeout, null);
    }

    /** @param scheduler runs the stream's reader; null: one of its own, closed with the transport */
    public SseTransport(String serverName, URI sseUrl, Map<String, String> headers, HttpClient client,
                        Duration connectTimeout, Scheduler scheduler) {
        this(serverName, sseUrl, headers, client, connectTimeout, scheduler, UpstreamAuth.NONE);
    }

    /**
     * @param auth the upstream's OAuth credentials: their headers go on the stream's GET and every POST (to the
     *             announced endpoint only when it is on the same origin), and a 401 asks them what to do
     */
    public SseTransport(String serverName, URI sseUrl, Map<String, String> headers, HttpClient client,
                        Duration connectTimeout, Scheduler scheduler, UpstreamAuth auth) {
        this.session = new HttpSession(serverName, sseUrl, headers, client, connectTimeout, auth);
        this.serverName = session.serverName();
        this.sseUrl = session.url();
        this.connectTimeout = session.connectTimeout();
        this.ownScheduler = scheduler == null ? new SystemScheduler() : null;
        this.scheduler = scheduler != null ? scheduler : ownScheduler;
    }

    /** Opens the stream and waits (within the connect timeout) for the endpoint to POST to. */
    @Override
    public void start(Listener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (!state.compareAndSet(State.NEW, State.CONNECTING)) {
            throw new IllegalStateException("transport of server '" + serverName + "' was already started");
        }
        this.listener = new ListenerGuard(serverName, listener);
        long deadline = scheduler.nanoTime() + connectTimeout.toNanos();
        try {
            HttpAnswer response = openStream();
            stream = response;
            reader = scheduler.startLoop("sse-" + serverName, () -> readStream(response));
            URI postTo = endpoint.get(Math.max(0, deadline - scheduler.nanoTime()), TimeUnit.NANOSECONDS);
            if (!state.compareAndSet(State.CONNECTING, State.OPEN)) {
                throw new IOException("transport of server '" + serverName + "' was closed while starting");
            }
            log.info("server '{}' sse transport CONNECTING -> OPEN (posting to {})", serverName, postTo);
        } catch (TimeoutException e) {
            closeQuietly();
            throw new UpstreamFailure(serverName, "timed out connecting (no endpoint event)", "no endpoint event on "
                    + sseUrl + " within " + connectTimeout, new HttpTimeoutException(sseUrl.toString()));
        } catch (ExecutionException e) {
            closeQuietly();
            throw Failures.asIOException(e.getCause());
        } catch (InterruptedException e) {
            closeQuietly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to server '" + serverName + "'", e);
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    private HttpAnswer openStream() throws IOException, InterruptedException, TimeoutException {
        for (int attempt = 0; ; attempt++) {
            HttpAnswer response = openStreamOnce();
            UpstreamAuth.Outcome refusal = session.refusal(response);
            if (refusal == null) {
                return checkStream(response);
            }
            response.close();
            if (refusal.kind() != UpstreamAuth.Outcome.Kind.RETRY || attempt > 0) {
                throw session.refused(response.status(), "GET " + sseUrl, refusal);
            }
        }
    }

    private HttpAnswer openStreamOnce() throws IOException, InterruptedException, TimeoutException {
        Request request = session.request().headers(fields -> fields.put("Accept", "text/event-stream"));
        CompletableFuture<HttpAnswer> future = session.send(request);
        streamRequest = future;
        try {
            return future.get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw UpstreamFailure.ofHttp(serverName, "opening the SSE stream " + sseUrl, e.getCause());
        } catch (CancellationException e) {
            throw new IOException("transport of server '" + serverName + "' was closed while starting");
        }
    }

    private HttpAnswer checkStream(HttpAnswer response) throws IOException {
        int status = response.status();
        String contentType = Objects.requireNonNullElse(response.header("Content-Type"), "");
        if (status != 200) {
            throw new HttpStatusException(serverName, status, "GET " + sseUrl, HttpBodies.errorSnippet(response));
        }
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
            response.close();
            throw new UpstreamFailure(serverName, "answered with content type '" + contentType
                    + "', not an event stream", "GET " + sseUrl + " answered content type '" + contentType + "'");
        }
        return response;
    }

    private void readStream(HttpAnswer body) {
        SseReader events = new SseReader(body.body(), StreamableHttpTransport.MAX_EVENT_BYTES);
        Throwable cause = null;
        try {
            SseEvent event;
            while ((event = events.next()) != null) {
                switch (event.type()) {
                    case "endpoint" -> onEndpoint(event.data());
                    case "message" -> {
                        if (!event.blank()) {
                            listener.deliverJson(event.bytes(), () -> "an SSE message event", null);
                        }
                    }
                    default -> log.debug("server '{}': ignoring SSE event '{}'", serverName, event.type());
                }
            }
            cause = new UpstreamFailure(serverName, "closed the connection (the SSE stream ended)",
                    "ended the SSE stream " + sseUrl);
        } catch (IOException e) {
            cause = new UpstreamFailure(serverName, "closed the connection (the SSE stream broke)",
                    "the SSE stream " + sseUrl + " broke: " + e, e);
        } finally {
            body.close();
        }
        endpoint.completeExceptionally(cause); // no-op once the endpoint is known
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.OPEN) {
            log.warn("server '{}' sse transport OPEN -> CLOSED ({})", serverName, cause.getMessage());
            release();
            listener.closed(cause);
        }
    }

    private void onEndpoint(String data) {
        URI resolved;
        try {
            resolved = sseUrl.resolve(data.strip());
        } catch (IllegalArgumentException e) {
            listener.badInput("an endpoint event that is not a URI: " + MessageShape.snippet(data));
            return;
        }
        // our headers (credentials) must not be sent to another origin than the one we were configured with
        if (!Objects.equals(resolved.getScheme(), sseUrl.getScheme())
                || !Objects.equals(resolved.getHost(), sseUrl.getHost()) || port(resolved) != port(sseUrl)) {
            endpoint.completeExceptionally(new UpstreamFailure(serverName, "announced an endpoint on another origin;"
                    + " refusing to post there", "announced endpoint " + resolved + " on another origin than " + sseUrl));
            return;
        }
        if (!endpoint.complete(resolved)) {
            log.debug("server '{}': ignoring a repeated endpoint event", serverName);
        }
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** POSTs the message to the announced endpoint; its answer will come as an event on the stream. */
    @Override
    public void send(ObjectNode message) throws IOException {
        State current = state.get();
        if (current != State.OPEN) {
            throw new UpstreamFailure(serverName, "is not connected (transport "
                    + current.name().toLowerCase(Locale.ROOT) + ")", null);
        }
        URI postTo = endpoint.getNow(null);
        byte[] body = Json.writeBytes(message);
        HttpAnswer response;
        for (int attempt = 0; ; attempt++) {
            response = post(postTo, body);
            UpstreamAuth.Outcome refusal = session.refusal(response);
            if (refusal == null) {
                break;
            }
            response.close();
            if (refusal.kind() != UpstreamAuth.Outcome.Kind.RETRY || attempt > 0) {
                throw session.refused(response.status(), "POST " + postTo, refusal);
            }
        }
        int status = response.status();
        if (status < 200 || status > 299) {
            throw new HttpStatusException(serverName, status, "POST " + postTo, HttpBodies.errorSnippet(response));
        }
        response.close();
    }

    /** The POST's response headers, within the connect timeout (its answer comes on the stream). */
    private HttpAnswer post(URI postTo, byte[] body) throws IOException {
        Request request = session.request(postTo, null).method(HttpMethod.POST)
                .body(new BytesRequestContent("application/json", body));
        CompletableFuture<HttpAnswer> future = session.send(request);
        try {
            return future.get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new UpstreamFailure(serverName, "timed out", "POST " + postTo + ": no response headers within "
                    + connectTimeout, new HttpTimeoutException("POST " + postTo));
        } catch (ExecutionException e) {
            throw UpstreamFailure.ofHttp(serverName, "POST " + postTo, e.getCause());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while posting to server '" + serverName + "'", e);
        }
    }

    @Override
    public String describe() {
        return "sse: " + sseUrl;
    }

    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        release();
        log.info("server '{}' sse transport {} -> CLOSED (close requested)", serverName, previous);
        if (listener != null) {
            listener.closed(null);
        }
    }

    /** Start failed: release without reporting a close, since start throws instead. */
    private void closeQuietly() {
        state.set(State.CLOSED);
        release();
    }

    private void release() {
        CompletableFuture<HttpAnswer> request = streamRequest;
        if (request != null) {
            request.cancel(true);
        }
        HttpAnswer body = stream;
        if (body != null) {
            body.abort(); // maybe from another thread than the reader's: abort, never read
        }
        Thread thread = reader;
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt();
        }
        session.release();
        if (ownScheduler != null) {
            ownScheduler.execute("sse-close-" + serverName, () -> ownScheduler.close(Duration.ofSeconds(1)));
        }
    }
}
