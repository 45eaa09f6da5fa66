package dev.dynamicmcp.transport.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A long-lived GET over a bare socket (one file descriptor, no client thread): cheap enough to hold a thousand
 * of them open, and it can come from another loopback address (127.0.0.2) to look like another client.
 */
final class RawStream implements AutoCloseable {
    final Socket socket;
    final int status;
    final String head;
    private final InputStream in;
    private final StringBuilder seen = new StringBuilder();

    private RawStream(Socket socket, int status, String head, String rest) throws IOException {
        this.socket = socket;
        this.status = status;
        this.head = head;
        this.in = socket.getInputStream();
        seen.append(rest);
    }

    /** Opens {@code GET path} from {@code from} (null: any local address) and reads the status line and headers. */
    static RawStream open(int port, String from, String path, String... headers) throws IOException {
        Socket socket = new Socket();
        if (from != null) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAccept: text/event-stream\r\n");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (true) {
            String text = bytes.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                String head = text.substring(0, end);
                int status = Integer.parseInt(head.substring(9, 12));
                return new RawStream(socket, status, head, text.substring(end + 4));
            }
            int n = in.read(buffer);
            if (n < 0) {
                socket.close();
                throw new IOException("connection closed before the response headers: " + text);
            }
            bytes.write(buffer, 0, n);
        }
    }

    /** Reads until {@code text} has arrived (true) or the connection ended or stayed silent for the timeout. */
    boolean await(String text) throws IOException {
        byte[] buffer = new byte[4096];
        while (seen.indexOf(text) < 0) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                return false;
            }
            if (n < 0) {
                return false;
            }
            seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
        return true;
    }

    /** The body of a refusal (read up to its Content-Length), or what came on an open stream so far. */
    String body() throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                int length = Integer.parseInt(line.substring(15).trim());
                byte[] buffer = new byte[4096];
                while (seen.toString().getBytes(StandardCharsets.UTF_8).length < length) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            }
        }
        return seen.toString();
    }

    /** The value of a response header, or null. */
    String header(String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
