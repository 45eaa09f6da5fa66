package dev.dynamicmcp.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes and stops the Jetty {@link HttpClient} the upstream HTTP transports share (Streamable HTTP, legacy SSE):
 * HTTP/1.1, no redirects followed by Jetty ({@link Redirects} follows them), HTTPS with the JDK's trust store
 * and host name verification.
 *
 * <p>Threads: Jetty's own {@link QueuedThreadPool} named {@value #THREADS}, owned by whoever made the client.
 * Not the {@code Scheduler}'s executor: Jetty's selector keeps one thread for its whole life, and its
 * execution strategy runs a callback on the selecting thread (no hand-off) only with a pool that can reserve
 * threads, which a virtual-thread-per-task executor cannot. Our callbacks on these threads never block (they
 * complete a future, judge a status, gather a JSON body as it comes and hand it to the listener, which must not
 * block for long, or start a reader on the scheduler); everything that may block (reading an event stream or
 * an error body, the proxy's listener for SSE events, token requests) runs on the scheduler's threads.
 *
 * <p>Timeouts: an idle pooled connection is closed after {@link #POOLED_IDLE}; an exchange itself has no idle
 * timeout (the transports set none per request), since an SSE stream may stay silent for hours and a JSON-mode
 * call may take as long as the tool does. Response headers are bounded by each server's connect timeout in the
 * transports.
 */
public final class UpstreamHttpClient {
    private static final Logger log = LoggerFactory.getLogger(UpstreamHttpClient.class);
    public static final String THREADS = "mcp-http-client";
    /** How long an unused keep-alive connection stays open (the JDK client's default was the same). */
    static final Duration POOLED_IDLE = Duration.ofSeconds(30);
    /** No limit in practice: every session's GET stream holds a connection of its own for its whole life. */
    private static final int MAX_CONNECTIONS_PER_SERVER = 16 * 1024;

    private UpstreamHttpClient() {
    }

    /** A started client; {@link #stop} releases it. */
    public static HttpClient start() {
        return start(POOLED_IDLE);
    }

    /** @param pooledIdle how long an unused keep-alive connection stays open (tests use a short one) */
    static HttpClient start(Duration pooledIdle) {
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName(THREADS);
        threads.setDaemon(true);
        threads.setStopTimeout(1000);
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(threads);
        connector.setSelectors(1);
        // the JDK's trust store; endpoint identification (host name verification) is on by default. Started at
        // the first https:// connection, not with the client (see LazyTls)
        LazyTls tls = new LazyTls();
        connector.setSslContextFactory(tls);
        connector.unmanage(tls);
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
        // our listeners never block (see above): Jetty may run them on the selecting thread itself, without
        // waking a reserved thread to take over selecting for every response
        transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        HttpClient client = new HttpClient(transport);
        client.setExecutor(threads);
        client.setScheduler(new ScheduledExecutorScheduler(THREADS + "-timer", true));
        client.setName(THREADS);
        // redirects are followed by Redirects (same origin only, never https to http), not by Jetty
        client.setFollowRedirects(false);
        client.setIdleTimeout(pooledIdle.toMillis());
        client.setMaxConnectionsPerDestination(MAX_CONNECTIONS_PER_SERVER);
        client.setMaxRequestsQueuedPerDestination(MAX_CONNECTIONS_PER_SERVER);
        try {
            client.start();
        } catch (Exception e) {
            stop(client);
            throw new UncheckedIOException(new IOException("could not start the upstream HTTP client", e));
        }
        // a 401/403 goes to the transport (UpstreamAuth decides), not to Jetty's authentication store
        client.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
        client.getProtocolHandlers().remove(ProxyAuthenticationProtocolHandler.NAME);
        // bodies as the server sent them, as the JDK client had it (no Accept-Encoding: gzip)
        client.getContentDecoderFactories().clear();
        return client;
    }

    /**
     * Aborts whatever the client still holds (a stream a server never ended) and stops its threads; never
     * waits for an exchange to finish.
     */
    public static void stop(HttpClient client) {
        try {
            client.stop();
        } catch (Exception e) {
            log.debug("stopping the upstream HTTP client: {}", e.toString());
        }
        if (client.getSslContextFactory() instanceof LazyTls tls) {
            tls.stopIfStarted();
        }
    }

    /** Sets up TLS now rather than at the first https:// connection (tests: the JVM trust store options of the moment). */
    static HttpClient withTlsNow(HttpClient client) {
        if (client.getSslContextFactory() instanceof LazyTls tls) {
            tls.startIfNeeded();
        }
        return client;
    }

    /**
     * The TLS context, made when the first https:// connection needs an engine. Starting one loads the JDK's
     * trust store and its TLS classes (several MB resident, hundreds of classes) that a proxy of plain-http or
     * stdio servers never uses (issue 12: the demo's idle memory); a failure to start it fails that connection,
     * with the reason, and the next connection tries again.
     */
    static final class LazyTls extends SslContextFactory.Client {
        private final ReentrantLock lock = new ReentrantLock();

        @Override
        public SSLEngine newSSLEngine(String host, int port) {
            startIfNeeded();
            return super.newSSLEngine(host, port);
        }

        @Override
        public SSLEngine newSSLEngine() {
            startIfNeeded();
            return super.newSSLEngine();
        }

        private void startIfNeeded() {
            if (isStarted()) {
                return;
            }
            lock.lock();
            try {
                if (!isStarted()) {
                    start();
                }
            } catch (Exception e) {
                throw new IllegalStateException("could not set up TLS for the upstream HTTP client: " + e, e);
            } finally {
                lock.unlock();
            }
        }

        void stopIfStarted() {
            try {
                stop();
            } catch (Exception e) {
                log.debug("stopping the upstream TLS context: {}", e.toString());
            }
        }
    }
}
