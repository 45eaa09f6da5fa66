package dev.dynamicmcp.transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into '\n'-terminated lines (a trailing '\r' is dropped). The line buffer grows by
 * doubling, so a line of several megabytes costs linear time; a line longer than {@code maxLineBytes} is
 * not kept whole (its head is, for the log) so a runaway peer cannot exhaust the heap.
 *
 * <p>Not thread-safe: one reader thread owns it.
 */
final class LineReader {
    private static final int RETAINED_BUFFER_BYTES = 1024 * 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[64 * 1024];
    private int chunkPos;
    private int chunkLimit;
    private byte[] line = new byte[8 * 1024];
    private int lineLength;
    private long fullLength;

    LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Reads the next line into the internal buffer; false at end of stream. A final line without '\n' still
     * counts. After true, {@link #bytes()}, {@link #length()} and {@link #tooLong()} describe it.
     */
    boolean next() throws IOException {
        if (line.length > RETAINED_BUFFER_BYTES) {
            line = new byte[8 * 1024]; // one huge message should not pin megabytes for the session's life
        }
        lineLength = 0;
        fullLength = 0;
        boolean sawAnything = false;
        while (true) {
            if (chunkPos == chunkLimit) {
                int n = in.read(chunk);
                if (n < 0) {
                    if (sawAnything) {
                        dropCarriageReturn();
                        return true;
                    }
                    return false;
                }
                chunkPos = 0;
                chunkLimit = n;
            }
            sawAnything = true;
            int newline = indexOfNewline(chunkPos, chunkLimit);
            int end = newline < 0 ? chunkLimit : newline;
            append(chunkPos, end - chunkPos);
            if (newline >= 0) {
                chunkPos = newline + 1;
                dropCarriageReturn();
                return true;
            }
            chunkPos = chunkLimit;
        }
    }

    byte[] bytes() {
        return line;
    }

    /** Bytes of the line held in {@link #bytes()} (all of it unless {@link #tooLong()}). */
    int length() {
        return lineLength;
    }

    /** Length of the line as the peer sent it. */
    long fullLength() {
        return fullLength;
    }

    boolean tooLong() {
        return fullLength > maxLineBytes;
    }

    private int indexOfNewline(int from, int to) {
        for (int i = from; i < to; i++) {
            if (chunk[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void append(int from, int count) {
        fullLength += count;
        int keep = (int) Math.min(count, Math.max(0, maxLineBytes - (long) lineLength));
        if (keep == 0) {
            return;
        }
        if (lineLength + keep > line.length) {
            int capacity = (int) Math.min(Math.max((long) line.length * 2, (long) lineLength + keep), maxLineBytes);
            line = Arrays.copyOf(line, capacity);
        }
        System.arraycopy(chunk, from, line, lineLength, keep);
        lineLength += keep;
    }

    private void dropCarriageReturn() {
        if (!tooLong() && lineLength > 0 && line[lineLength - 1] == '\r') {
            lineLength--;
            fullLength--;
        }
    }
}
