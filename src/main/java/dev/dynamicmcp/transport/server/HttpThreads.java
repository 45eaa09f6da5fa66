package dev.dynamicmcp.transport.server;

import java.util.function.IntSupplier;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The HTTP server's threads: Jetty's virtual-thread pool, except that under load a keep-alive connection with
 * nothing to read is not given a thread just to find that out.
 *
 * <p>Why: our answers are written after the handler has returned (an upstream's reply arrives on the upstream's
 * thread: a stdio reader, the HTTP client's), so when one is complete Jetty "resumes" the connection by starting a
 * virtual thread that tries to read the next request and, finding none yet (the client reads the answer first),
 * registers read interest with the selector. Started from a platform thread, that virtual thread wakes an idle
 * carrier each time (6.4% of the proxy's CPU over stdio at 32 sessions: bench/RESULTS.md, issue 12 fifth round).
 * When the connection's request buffer is empty, its parser waits for a new request and the connection stays open,
 * that thread would do nothing but the registration, so it is done here instead and the selector dispatches the
 * connection when the next request's bytes arrive. Any other case (a pipelined request already buffered, a
 * connection to close or to drain) runs as Jetty has it.
 *
 * <p>Only while {@code busy} other requests are running: an idle server's selector sleeps in {@code epoll}, and
 * waking it to register the interest costs more than the thread, which often finds the client's next request already
 * there and serves it without the selector (measured: one session, 4.0 → 5.4 context switches per call when always
 * registering; 32 sessions, 1.7 → 1.2 and 11% less CPU per call over a Streamable HTTP upstream).
 */
final class HttpThreads extends VirtualThreadPool {
    /** Requests running (waiting for their answers) from which the selector is likely awake anyway. */
    static final int BUSY = 2;

    private final IntSupplier runningRequests;
    private final int busy;

    HttpThreads(IntSupplier runningRequests) {
        this(runningRequests, BUSY);
    }

    HttpThreads(IntSupplier runningRequests, int busy) {
        this.runningRequests = runningRequests;
        this.busy = busy;
    }

    @Override
    public void execute(Runnable task) {
        if (task instanceof HttpConnection connection && runningRequests.getAsInt() >= busy
                && idleBetweenRequests(connection)) {
            connection.fillInterested();
            return;
        }
        super.execute(task);
    }

    /** True when resuming the connection would only find no bytes and ask the selector to wait for some. */
    private static boolean idleBetweenRequests(HttpConnection connection) {
        EndPoint endPoint = connection.getEndPoint();
        return connection.isRequestBufferEmpty()
                && connection.getParser().isStart()
                && !connection.isFillInterested()
                && endPoint.isOpen()
                && !endPoint.isInputShutdown()
                && !endPoint.isOutputShutdown();
    }
}
