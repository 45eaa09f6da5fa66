package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an upstream server said about itself in its initialize answer.
 *
 * @param raw the whole answer, unknown fields included
 */
public record InitializeResult(String protocolVersion, ObjectNode capabilities, ObjectNode serverInfo,
                               String instructions, ObjectNode raw) {

    public boolean hasCapability(String name) {
        return capabilities.has(name);
    }

    /** True when the server announced {@code capabilities.<name>.<flag> = true}. */
    public boolean hasCapabilityFlag(String name, String flag) {
        return capabilities.path(name).path(flag).asBoolean(false);
    }
}
