package dev.dynamicmcp.manager;

/** How one upstream call ended, as the circuit breaker and the metrics see it. */
public enum CallOutcome {
    /** The server answered with a result. */
    SUCCESS,
    /** The server answered with a JSON-RPC error ("unknown tool"): the connection works, so not a failure. */
    ERROR_ANSWER,
    /** No answer within the request timeout (the request was cancelled upstream). */
    TIMEOUT,
    /** The connection closed, or the transport could not deliver the request. */
    CONNECTION_FAILED,
    /** The caller cancelled the request: neither the server's fault nor proof that it works. */
    CANCELLED,
    /** Not sent at all: server down, connecting or its breaker open. */
    REJECTED;

    /** True for outcomes that count against the circuit breaker. */
    public boolean isFailure() {
        return this == TIMEOUT || this == CONNECTION_FAILED;
    }
}
