package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code resultType} of MCP 2026-07-28: every result says whether it is {@code complete} or asks the client
 * for input first ({@code input_required}, with {@code inputRequests} and an opaque {@code requestState}).
 * A result without the field (any 2025 server) is complete.
 */
public final class McpResults {
    public static final String RESULT_TYPE = "resultType";
    public static final String COMPLETE = "complete";
    public static final String INPUT_REQUIRED = "input_required";
    public static final String INPUT_REQUESTS = "inputRequests";
    public static final String INPUT_RESPONSES = "inputResponses";
    public static final String REQUEST_STATE = "requestState";

    private McpResults() {
    }

    /** The result's type; {@link #COMPLETE} when the field is absent (the spec's rule for older servers). */
    public static String resultType(JsonNode result) {
        JsonNode type = result == null ? null : result.get(RESULT_TYPE);
        return type != null && type.isTextual() ? type.asText() : COMPLETE;
    }

    /** True when the server answered with {@code input_required}: the caller must retry with input. */
    public static boolean isInputRequired(JsonNode result) {
        return INPUT_REQUIRED.equals(resultType(result));
    }
}
