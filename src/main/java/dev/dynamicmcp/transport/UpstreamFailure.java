package dev.dynamicmcp.transport;

import dev.dynamicmcp.runtime.Failures;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A failure to reach or keep an upstream server, in two parts: a {@link #summary()} in plain words that is
 * safe to show a client ("connection refused", "exited with code 3", "answered HTTP 500"), and a
 * {@link #detail()} for the log and the operator (stderr tail, response body, URL, exception class), which
 * may hold secrets and never goes to a client. {@link #getMessage()} is the summary prefixed with the server: {@code server 'web': connection refused}.
 */
public class UpstreamFailure extends IOException {
    private final String server;
    private final String summary;
    private final String detail;

    /**
     * @param server  the server's name, or null when the summary names it already
     * @param summary what happened, in plain words, with nothing from the server's own output
     * @param detail  everything else worth knowing; null when there is nothing beyond the summary
     */
    public UpstreamFailure(String server, String summary, String detail, Throwable cause) {
        super(server == null ? summary : "server '" + server + "': " + summary, cause);
        this.server = server;
        this.summary = summary;
        this.detail = detail == null || detail.isBlank() ? summary : detail;
    }

    public UpstreamFailure(String server, String summary, String detail) {
        this(server, summary, detail, null);
    }

    /** The server's name; null when it was not known where the failure was made. */
    public String server() {
        return server;
    }

    /** What happened, in plain words, safe for clients. */
    public String summary() {
        return summary;
    }

    /** For the log and the operator only: may contain the server's stderr, a response body, URLs, class names. */
    public String detail() {
        return detail;
    }

    /** The first {@link UpstreamFailure} in {@code failure}'s cause chain (future wrappers included). */
    public static Optional<UpstreamFailure> find(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
            if (t instanceof UpstreamFailure upstream) {
                return Optional.of(upstream);
            }
        }
        return Optional.empty();
    }

    /**
     * The operator's view of a failure: the message with the detail of the upstream failure behind it, for
     * logs and operator APIs (never for clients, whose view is {@code getMessage()}).
     */
    public static String detailOf(Throwable failure) {
        String message = Failures.describe(failure);
        return find(failure).map(upstream -> {
            String said = upstream.getMessage();
            return message.contains(said) ? message.replace(said, upstream.describeForOperator())
                    : message + " (" + upstream.describeForOperator() + ")";
        }).orElse(message);
    }

    private String describeForOperator() {
        return server == null ? detail : "server '" + server + "': " + detail;
    }

    /**
     * An I/O failure of an HTTP exchange in plain words: "connection refused", "timed out connecting", ...
     *
     * @param what what was being done, for the detail ("sending tools/call (id 3) to http://...")
     */
    static UpstreamFailure ofHttp(String server, String what, Throwable failure) {
        Throwable cause = Failures.unwrap(failure);
        if (cause instanceof UpstreamFailure upstream) {
            return upstream;
        }
        return new UpstreamFailure(server, kindOf(cause), what + ": " + cause, cause);
    }

    private static boolean inChain(Throwable failure, Class<? extends Throwable> type) {
        return inChain(failure, type, t -> true);
    }

    /** Whether a {@code type} that {@code matches} is {@code failure} or one of its causes (32 deep at most). */
    private static <T extends Throwable> boolean inChain(Throwable failure, Class<T> type, Predicate<T> matches) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
            if (type.isInstance(t) && matches.test(type.cast(t))) {
                return true;
            }
        }
        return false;
    }

    /** Jetty's client reports a connect that took too long as {@code SocketTimeoutException: Connect Timeout}. */
    private static boolean connectTimeout(Throwable failure) {
        return inChain(failure, SocketTimeoutException.class,
                t -> String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("connect"));
    }

    /**
     * A TLS failure in the words an operator acts on. The JDK reports an unknown issuer (a self-signed or
     * private CA certificate) as a failed certification path, a certificate for another host as a plain
     * {@code CertificateException} from its host name check; the messages tested are the JDK's, not the server's.
     */
    private static String tlsKind(Throwable failure) {
        if (inChain(failure, java.security.cert.CertificateExpiredException.class)
                || inChain(failure, java.security.cert.CertificateNotYetValidException.class)) {
            return "TLS handshake failed: its certificate has expired or is not yet valid";
        }
        if (inChain(failure, java.security.cert.CertPathBuilderException.class)
                || inChain(failure, java.security.cert.CertPathValidatorException.class)) {
            return "TLS handshake failed: its certificate is not trusted (self-signed, or an unknown issuer;"
                    + " add its CA to the trust store of the proxy's JVM)";
        }
        if (inChain(failure, java.security.cert.CertificateException.class, t -> {
            String message = String.valueOf(t.getMessage());
            return message.contains("No subject alternative") || message.contains("No name matching");
        })) {
            return "TLS handshake failed: its certificate is not for this host name";
        }
        if (inChain(failure, java.security.cert.CertificateException.class)) {
            return "TLS handshake failed: its certificate was rejected";
        }
        return "TLS handshake failed";
    }

    /** Why the OS refused to start a program ("Permission denied"), without the paths of its message. */
    static String startFailure(IOException e) {
        String message = String.valueOf(e.getMessage());
        int error = message.indexOf("error=");
        int comma = error < 0 ? -1 : message.indexOf(", ", error);
        return comma < 0 ? "the operating system refused to run it" : message.substring(comma + 2).strip();
    }

    /** The kind of an I/O failure, in the words a client is shown. */
    static String kindOf(Throwable failure) {
        // the most specific first, wherever it sits in the chain: a client may wrap an unknown host in a
        // ConnectException; our own timeouts carry java.net.http.HttpTimeoutException as the plain marker
        if (inChain(failure, UnresolvedAddressException.class) || inChain(failure, UnknownHostException.class)) {
            return "unknown host";
        }
        if (inChain(failure, HttpConnectTimeoutException.class) || connectTimeout(failure)) {
            return "timed out connecting";
        }
        if (inChain(failure, HttpTimeoutException.class) || inChain(failure, SocketTimeoutException.class)
                || inChain(failure, java.util.concurrent.TimeoutException.class)) {
            return "timed out";
        }
        if (inChain(failure, ConnectException.class)) {
            return "connection refused";
        }
        if (inChain(failure, javax.net.ssl.SSLHandshakeException.class) || inChain(failure,
                javax.net.ssl.SSLException.class) && inChain(failure, java.security.cert.CertificateException.class)) {
            return tlsKind(failure);
        }
        return "closed the connection";
    }
}
