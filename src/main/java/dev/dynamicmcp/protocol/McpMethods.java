package dev.dynamicmcp.protocol;

import java.util.List;

/** MCP method names and protocol versions. */
public final class McpMethods {
    public static final String INITIALIZE = "initialize";
    public static final String INITIALIZED = "notifications/initialized";
    public static final String PING = "ping";
    public static final String CANCELLED = "notifications/cancelled";
    public static final String PROGRESS = "notifications/progress";
    public static final String TOOLS_LIST = "tools/list";
    public static final String TOOLS_CALL = "tools/call";
    public static final String RESOURCES_LIST = "resources/list";
    public static final String RESOURCES_TEMPLATES_LIST = "resources/templates/list";
    public static final String RESOURCES_READ = "resources/read";
    public static final String RESOURCES_SUBSCRIBE = "resources/subscribe";
    public static final String RESOURCES_UNSUBSCRIBE = "resources/unsubscribe";
    public static final String PROMPTS_LIST = "prompts/list";
    public static final String PROMPTS_GET = "prompts/get";
    public static final String COMPLETION_COMPLETE = "completion/complete";
    public static final String LOGGING_SET_LEVEL = "logging/setLevel";
    public static final String SAMPLING_CREATE_MESSAGE = "sampling/createMessage";
    public static final String ELICITATION_CREATE = "elicitation/create";
    public static final String ROOTS_LIST = "roots/list";
    public static final String TOOLS_LIST_CHANGED = "notifications/tools/list_changed";
    public static final String RESOURCES_LIST_CHANGED = "notifications/resources/list_changed";
    public static final String PROMPTS_LIST_CHANGED = "notifications/prompts/list_changed";
    public static final String RESOURCES_UPDATED = "notifications/resources/updated";
    public static final String ROOTS_LIST_CHANGED = "notifications/roots/list_changed";
    public static final String LOGGING_MESSAGE = "notifications/message";
    /** 2026-07-28: what a server is (replaces what initialize told). */
    public static final String SERVER_DISCOVER = "server/discover";
    /** 2026-07-28: the stream of list_changed and resource updates (replaces the GET stream and subscribe). */
    public static final String SUBSCRIPTIONS_LISTEN = "subscriptions/listen";
    /** 2026-07-28: the first message of a listen stream, naming what it honours. */
    public static final String SUBSCRIPTIONS_ACKNOWLEDGED = "notifications/subscriptions/acknowledged";

    /** Newest first: the versions we speak, upstream and downstream. */
    public static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
    public static final String LATEST_PROTOCOL_VERSION = PROTOCOL_VERSIONS.get(0);
    /** Newest first: the stateless revisions (per-request {@code _meta}, {@code server/discover}). */
    public static final List<String> MODERN_PROTOCOL_VERSIONS = List.of("2026-07-28");
    public static final String LATEST_MODERN_PROTOCOL_VERSION = MODERN_PROTOCOL_VERSIONS.get(0);

    private McpMethods() {
    }

    /** The capability a client declares to answer a server's request {@code method}; null for any other method. */
    public static String clientCapabilityFor(String method) {
        return switch (method) {
            case SAMPLING_CREATE_MESSAGE -> "sampling";
            case ELICITATION_CREATE -> "elicitation";
            case ROOTS_LIST -> "roots";
            default -> null;
        };
    }

    /** True for a stateless revision (2026-07-28 and later). */
    public static boolean isModern(String protocolVersion) {
        return protocolVersion != null && MODERN_PROTOCOL_VERSIONS.contains(protocolVersion);
    }

    /** Requests that change nothing on the server and may therefore be retried. */
    public static boolean isIdempotent(String method) {
        return switch (method) {
            case PING, TOOLS_LIST, RESOURCES_LIST, RESOURCES_TEMPLATES_LIST, RESOURCES_READ, PROMPTS_LIST,
                 PROMPTS_GET, COMPLETION_COMPLETE -> true;
            default -> false;
        };
    }
}
