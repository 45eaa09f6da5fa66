package dev.dynamicmcp.transport;

import dev.dynamicmcp.runtime.Failures;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.Content;

/**
 * One upstream HTTP response once its headers came: status, headers, and the body read on demand from Jetty's
 * {@link Content.Source} (no copy into a queue, no thread of the client's own waiting on it).
 *
 * <p>Threads: the body has one reader at a time ({@link #readText}, {@link #readBytesAsync}, {@link #readAsync},
 * {@link #body()}, {@link #close()} are for that thread); {@link #abort()} may be called from any thread and
 * wakes a reader blocked in the body.
 */
final class HttpAnswer {
    private static final byte[] NO_BYTES = new byte[0];

    private final Request request;
    private final Response response;
    /** Null when the response had no body at all (Jetty completed it without a content source). */
    private final Content.Source source;
    private Content.Chunk chunk;
    private boolean ended;
    private InputStream stream;

    private HttpAnswer(Request request, Response response, Content.Source source) {
        this.request = request;
        this.response = response;
        this.source = source;
        this.ended = source == null;
    }

    /**
     * Sends {@code request}; the future completes on a client thread when the response headers came (or the
     * exchange failed before). Cancelling the future aborts the exchange.
     */
    static CompletableFuture<HttpAnswer> send(Request request) {
        CompletableFuture<HttpAnswer> headers = new CompletableFuture<>();
        request.onResponseContentSource((response, source) -> {
            if (!headers.complete(new HttpAnswer(request, response, source))) {
                source.fail(new CancellationException("nobody waits for this response any more"));
            }
        });
        request.send(result -> {
            if (result.isFailed()) {
                headers.completeExceptionally(result.getFailure());
            } else if (!headers.isDone()) {
                headers.complete(new HttpAnswer(request, result.getResponse(), null));
            }
        });
        headers.whenComplete((answer, failure) -> {
            if (failure instanceof CancellationException) {
                request.abort(failure);
            }
        });
        return headers;
    }

    int status() {
        return response.getStatus();
    }

    /** The first value of header {@code name}; null when absent. */
    String header(String name) {
        return response.getHeaders().get(name);
    }

    /**
     * The whole body as UTF-8 text; at most {@code maxBytes}, else an IOException (and the exchange aborted).
     * Blocks the calling thread only while bytes are still on their way.
     */
    String readText(int maxBytes) throws IOException {
        CompletableFuture<byte[]> bytes = readBytesAsync(maxBytes);
        try {
            return new String(bytes.get(), StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            abort();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a response body");
        } catch (ExecutionException e) {
            throw Failures.asIOException(e.getCause());
        }
    }

    /**
     * The whole body's bytes, at most {@code maxBytes}, without blocking: what has come is read now, the rest as
     * Jetty says it came (on a client thread). For a JSON answer, usually whole in the client's buffer when the
     * headers came. Bytes, not text: a JSON body is parsed from them (no decoding into a string first).
     */
    CompletableFuture<byte[]> readBytesAsync(int maxBytes) {
        CompletableFuture<byte[]> whole = new CompletableFuture<>();
        Gathered gathered = new Gathered(maxBytes);
        readAsync(gathered::add, failure -> {
            if (failure == null) {
                whole.complete(gathered.bytes());
            } else {
                whole.completeExceptionally(failure instanceof IOException ? failure : new IOException(failure));
            }
        });
        return whole;
    }

    /** A body's bytes as they come: the usual one-chunk body copied once, into an array of its size. */
    private static final class Gathered {
        private final int maxBytes;
        private byte[] bytes = NO_BYTES;
        private int length;

        Gathered(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        void add(ByteBuffer chunk) throws IOException {
            int n = chunk.remaining();
            if ((long) length + n > maxBytes) {
                throw new IOException("a response body larger than " + maxBytes + " bytes");
            }
            if (length + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, length == 0 ? n : Math.min(maxBytes, Math.max(length + n,
                        Math.max(8 * 1024, bytes.length * 2))));
            }
            chunk.get(bytes, length, n);
            length += n;
        }

        byte[] bytes() {
            return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
        }
    }

    /** Takes the bytes of one chunk of a body read with {@link #readAsync}; must not block for long. */
    interface BytesHandler {
        /** Throwing ends the read: the exchange is aborted and {@code ended} gets the failure. */
        void accept(ByteBuffer bytes) throws IOException;
    }

    /**
     * Hands the body to {@code bytes} chunk by chunk as Jetty delivers it, without a thread waiting in between
     * (what has come now, the rest on a client thread), then runs {@code ended} once: with null at the body's end,
     * else with why it broke (the exchange aborted, the server gone, {@code bytes} failed).
     */
    void readAsync(BytesHandler bytes, Consumer<Throwable> ended) {
        release();
        if (this.ended) {
            ended.accept(null);
            return;
        }
        new Pump(bytes, ended).run();
    }

    /** Reads chunks until none is there, then asks Jetty to run it again when there are. */
    private final class Pump implements Runnable {
        private final BytesHandler bytes;
        private final Consumer<Throwable> whenEnded;

        Pump(BytesHandler bytes, Consumer<Throwable> whenEnded) {
            this.bytes = bytes;
            this.whenEnded = whenEnded;
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk next = source.read();
                if (next == null) {
                    source.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(next)) {
                    ended = true;
                    whenEnded.accept(next.getFailure());
                    return;
                }
                boolean last = next.isLast();
                try {
                    bytes.accept(next.getByteBuffer());
                } catch (IOException | RuntimeException e) {
                    ended = true;
                    next.release();
                    abort();
                    whenEnded.accept(e);
                    return;
                }
                next.release();
                if (last) {
                    ended = true;
                    whenEnded.accept(null);
                    return;
                }
            }
        }
    }

    /** The body as a blocking stream, for readers of event streams. */
    InputStream body() {
        if (stream == null) {
            stream = new Body();
        }
        return stream;
    }

    /**
     * Done with the body: whatever is already there is consumed (so the connection can serve the next request),
     * the rest is aborted. For bodies nobody needs (a 202, an error after its snippet).
     */
    void close() {
        release();
        while (!ended) {
            Content.Chunk next = source.read();
            if (next == null) {
                abort();
                return;
            }
            chunk = next;
            boolean failed = Content.Chunk.isFailure(next);
            ended = next.isLast() || failed;
            release();
            if (failed) {
                return;
            }
        }
    }

    /** Ends the exchange at once, from any thread: a reader blocked in the body wakes with an IOException. */
    void abort() {
        request.abort(new IOException("the response was abandoned"));
    }

    /** The next chunk with bytes (or the last one), waiting for it; null at the end. */
    private Content.Chunk next() throws IOException {
        while (true) {
            if (chunk != null && (chunk.hasRemaining() || chunk.isLast())) {
                if (!chunk.hasRemaining()) {
                    release();
                    ended = true;
                    return null;
                }
                return chunk;
            }
            release();
            if (ended) {
                return null;
            }
            Content.Chunk read = source.read();
            if (read == null) {
                awaitDemand();
                continue;
            }
            if (Content.Chunk.isFailure(read)) {
                ended = true;
                Throwable failure = read.getFailure();
                throw failure instanceof IOException io ? io : new IOException(failure);
            }
            chunk = read;
        }
    }

    private void awaitDemand() throws IOException {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        source.demand(() -> ready.complete(null));
        try {
            ready.get();
        } catch (InterruptedException e) {
            abort();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a response body");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    private void release() {
        Content.Chunk held = chunk;
        if (held != null) {
            chunk = null;
            if (held.isLast()) {
                ended = true;
            }
            held.release();
        }
    }

    /** The body as an InputStream over the chunks, without copying them first. */
    private final class Body extends InputStream {
        @Override
        public int read() throws IOException {
            Content.Chunk next = next();
            return next == null ? -1 : next.getByteBuffer().get() & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            Content.Chunk next = next();
            if (next == null) {
                return -1;
            }
            ByteBuffer buffer = next.getByteBuffer();
            int n = Math.min(length, buffer.remaining());
            buffer.get(into, offset, n);
            return n;
        }

        @Override
        public void close() {
            HttpAnswer.this.close();
        }
    }
}
