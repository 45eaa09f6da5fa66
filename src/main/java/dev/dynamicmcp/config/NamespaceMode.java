package dev.dynamicmcp.config;

/** How aggregated tool and prompt names are kept apart. */
public enum NamespaceMode {
    /** {@code server + separator + name}, e.g. {@code everything__echo}. */
    PREFIX,
    /** Raw upstream names; on a collision the first server in config order wins (logged). */
    NONE
}
