package dev.dynamicmcp.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ReadContext.Where;
import java.time.Duration;
import java.util.Set;

/**
 * Reads the connection-management keys ({@link ServerOptions}) of a server entry or of
 * {@code proxy.defaults}. Each key present overrides the inherited value; absent keys keep it.
 */
final class OptionsReader {
    static final Set<String> KEYS = Set.of("connectTimeout", "requestTimeout", "healthCheckInterval",
            "unhealthyAfter", "backoff", "circuitBreaker", "retries", "lazy", "inheritEnv");
    private static final Set<String> BACKOFF_KEYS = Set.of("initial", "max", "jitter");
    private static final Set<String> BREAKER_KEYS = Set.of("failureThreshold", "openDuration");

    private OptionsReader() {
    }

    /**
     * @param inherited the values of keys the node does not set
     * @return the merged options; after a problem (reported to {@code ctx}) the inherited value stands in
     */
    static ServerOptions read(ObjectNode node, Where where, ServerOptions inherited, ReadContext ctx) {
        Duration connectTimeout = duration(node, "connectTimeout", where, false, inherited.connectTimeout(), ctx);
        Duration requestTimeout = duration(node, "requestTimeout", where, false, inherited.requestTimeout(), ctx);
        Duration healthCheckInterval =
                duration(node, "healthCheckInterval", where, true, inherited.healthCheckInterval(), ctx);
        int unhealthyAfter = integer(node, "unhealthyAfter", where, 1, inherited.unhealthyAfter(), ctx);
        int retries = integer(node, "retries", where, 0, inherited.retries(), ctx);
        JsonNode lazyNode = ReadContext.field(node, "lazy");
        boolean lazy = lazyNode == null ? inherited.lazy()
                : ctx.bool(lazyNode, where.child("lazy")).orElse(inherited.lazy());
        JsonNode inheritEnvNode = ReadContext.field(node, "inheritEnv");
        boolean inheritEnv = inheritEnvNode == null ? inherited.inheritEnv()
                : ctx.bool(inheritEnvNode, where.child("inheritEnv")).orElse(inherited.inheritEnv());

        Duration backoffInitial = inherited.backoffInitial();
        Duration backoffMax = inherited.backoffMax();
        double backoffJitter = inherited.backoffJitter();
        JsonNode backoffNode = ReadContext.field(node, "backoff");
        if (backoffNode != null) {
            Where at = where.child("backoff");
            ObjectNode backoff = ctx.object(backoffNode, at).orElse(null);
            if (backoff != null) {
                ctx.checkKeys(backoff, at, BACKOFF_KEYS);
                backoffInitial = duration(backoff, "initial", at, false, backoffInitial, ctx);
                backoffMax = duration(backoff, "max", at, false, backoffMax, ctx);
                JsonNode jitter = ReadContext.field(backoff, "jitter");
                if (jitter != null) {
                    backoffJitter = ctx.fraction(jitter, at.child("jitter")).orElse(backoffJitter);
                }
                // Checked only where backoff is set, so a bad proxy.defaults is reported once, not per server.
                if (backoffInitial.compareTo(backoffMax) > 0) {
                    ctx.problem(at, "initial delay " + Units.format(backoffInitial) + " is longer than max "
                            + Units.format(backoffMax));
                }
            }
        }

        int failureThreshold = inherited.breakerFailureThreshold();
        Duration openDuration = inherited.breakerOpenDuration();
        JsonNode breakerNode = ReadContext.field(node, "circuitBreaker");
        if (breakerNode != null) {
            Where at = where.child("circuitBreaker");
            ObjectNode breaker = ctx.object(breakerNode, at).orElse(null);
            if (breaker != null) {
                ctx.checkKeys(breaker, at, BREAKER_KEYS);
                failureThreshold = integer(breaker, "failureThreshold", at, 1, failureThreshold, ctx);
                openDuration = duration(breaker, "openDuration", at, false, openDuration, ctx);
            }
        }

        return new ServerOptions(connectTimeout, requestTimeout, healthCheckInterval, unhealthyAfter,
                backoffInitial, backoffMax, backoffJitter, failureThreshold, openDuration, retries, lazy, inheritEnv);
    }

    private static Duration duration(ObjectNode node, String key, Where where, boolean zeroAllowed,
                                     Duration inherited, ReadContext ctx) {
        JsonNode value = ReadContext.field(node, key);
        return value == null ? inherited : ctx.duration(value, where.child(key), zeroAllowed).orElse(inherited);
    }

    private static int integer(ObjectNode node, String key, Where where, int min, int inherited,
                               ReadContext ctx) {
        JsonNode value = ReadContext.field(node, key);
        return value == null ? inherited
                : ctx.integer(value, where.child(key), min, Integer.MAX_VALUE).orElse(inherited);
    }
}
