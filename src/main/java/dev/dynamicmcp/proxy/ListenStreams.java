package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpResults;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open {@code subscriptions/listen} requests of 2026-07-28 clients: the only state the proxy keeps for
 * such a client, and only while its request is open. Each gets, on its own stream, first the acknowledgement
 * of what it asked for and the proxy honours, then the list_changed of the kinds it opted into when the merged
 * lists change, and {@code notifications/resources/updated} for the URIs it named; every message carries
 * {@code _meta.subscriptionId} (the listen request's id). Its resource URIs are subscribed on their servers
 * like a session's {@code resources/subscribe} (one upstream subscription for all followers), and released
 * when the stream ends.
 */
final class ListenStreams {
    private static final Logger log = LoggerFactory.getLogger(ListenStreams.class);

    private static final class Listen {
        final JsonNode id;
        final String key;
        final boolean tools;
        final boolean prompts;
        final boolean resources;
        final Set<String> uris;
        /** In order, off the caller's thread: a client that does not read holds up only its own stream. */
        final Outbox outbox;
        final AtomicReference<CatalogKeeper.Stamps> seen;

        Listen(JsonNode id, String key, boolean tools, boolean prompts, boolean resources, Set<String> uris,
               Outbox outbox, CatalogKeeper.Stamps seen) {
            this.id = id;
            this.key = key;
            this.tools = tools;
            this.prompts = prompts;
            this.resources = resources;
            this.uris = uris;
            this.outbox = outbox;
            this.seen = new AtomicReference<>(seen);
        }

        void notify(String method, ObjectNode params) {
            ObjectNode tagged = params == null ? Json.object() : params.deepCopy();
            ObjectNode meta = tagged.get("_meta") instanceof ObjectNode m ? m : tagged.putObject("_meta");
            meta.set(McpMeta.SUBSCRIPTION_ID, id);
            outbox.post(method, tagged);
        }

        boolean wants(String listChanged) {
            return switch (listChanged) {
                case McpMethods.TOOLS_LIST_CHANGED -> tools;
                case McpMethods.PROMPTS_LIST_CHANGED -> prompts;
                case McpMethods.RESOURCES_LIST_CHANGED -> resources;
                default -> false;
            };
        }
    }

    private final CatalogKeeper catalogs;
    private final Subscriptions subscriptions;
    private final Scheduler scheduler;
    private final Map<String, Listen> open = new ConcurrentHashMap<>();
    /** The request future of each open stream, by key: completing it ends the stream. */
    private final Map<String, CompletableFuture<JsonNode>> streams = new ConcurrentHashMap<>();

    ListenStreams(CatalogKeeper catalogs, Subscriptions subscriptions, Scheduler scheduler) {
        this.catalogs = catalogs;
        this.subscriptions = subscriptions;
        this.scheduler = scheduler;
    }

    int size() {
        return open.size();
    }

    /**
     * Opens a listen stream: subscribes its URIs upstream ({@code subscribe} = the call router's, with the
     * stream's key as the session), acknowledges what is honoured, then stays open. The returned future only
     * ends when the client ends it (cancelled) or the proxy does; either way the stream's state goes.
     */
    CompletableFuture<JsonNode> open(ObjectNode request, String key, Consumer<ObjectNode> send,
                                     Function<String, CompletableFuture<JsonNode>> subscribe) {
        JsonNode id = request.get("id");
        JsonNode filter = JsonRpc.params(request).path("notifications");
        boolean tools = filter.path("toolsListChanged").asBoolean(false);
        boolean prompts = filter.path("promptsListChanged").asBoolean(false);
        boolean resources = filter.path("resourcesListChanged").asBoolean(false);
        List<String> asked = new ArrayList<>();
        filter.path("resourceSubscriptions").forEach(uri -> {
            if (uri.isTextual() && !asked.contains(uri.asText())) {
                asked.add(uri.asText());
            }
        });
        Set<String> honoured = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> subscribing = new ArrayList<>();
        for (String uri : asked) {
            CompletableFuture<JsonNode> sent;
            try {
                sent = subscribe.apply(uri);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            subscribing.add(sent.handle((result, failure) -> {
                if (failure == null) {
                    honoured.add(uri);
                } else {
                    log.debug("listen {}: resource {} not followed: {}", id, uri, Failures.describe(failure));
                }
                return null;
            }));
        }
        CompletableFuture<JsonNode> stream = new CompletableFuture<>();
        streams.put(key, stream);
        CompletableFuture.allOf(subscribing.toArray(CompletableFuture[]::new)).thenRun(() -> {
            Set<String> uris = new LinkedHashSet<>();
            asked.stream().filter(honoured::contains).forEach(uris::add);
            Outbox outbox = new Outbox("listen-" + id, (method, p) -> send.accept(JsonRpc.notification(method, p)),
                    scheduler);
            Listen listen = new Listen(id, key, tools, prompts, resources, Set.copyOf(uris), outbox, catalogs.stamps());
            ObjectNode ack = Json.object();
            ObjectNode notifications = ack.putObject("notifications");
            if (tools) {
                notifications.put("toolsListChanged", true);
            }
            if (prompts) {
                notifications.put("promptsListChanged", true);
            }
            if (resources) {
                notifications.put("resourcesListChanged", true);
            }
            if (!asked.isEmpty()) {
                uris.forEach(notifications.putArray("resourceSubscriptions")::add);
            }
            if (stream.isDone()) {
                subscriptions.sessionClosed(key);
                return;
            }
            open.put(key, listen);
            listen.notify(McpMethods.SUBSCRIPTIONS_ACKNOWLEDGED, ack);
            if (stream.isDone()) {
                close(key);
            }
            log.debug("listen {} open: tools={} prompts={} resources={} uris={}", id, tools, prompts, resources,
                    uris.size());
        });
        stream.whenComplete((result, failure) -> close(key));
        return stream;
    }

    /**
     * Ends every stream the way the revision ends one gracefully: a complete result on the listen request,
     * naming its subscription; clients then know to listen again elsewhere (another replica).
     */
    void closeAll() {
        for (Map.Entry<String, CompletableFuture<JsonNode>> stream : streams.entrySet()) {
            Listen listen = open.get(stream.getKey());
            ObjectNode result = Json.object().put(McpResults.RESULT_TYPE, McpResults.COMPLETE);
            if (listen != null) {
                result.putObject("_meta").set(McpMeta.SUBSCRIPTION_ID, listen.id);
            }
            stream.getValue().complete(result);
        }
    }

    private void close(String key) {
        streams.remove(key);
        Listen listen = open.remove(key);
        if (listen != null) {
            listen.outbox.close();
        }
        subscriptions.sessionClosed(key);
    }

    /** The merged lists moved on: each stream hears of the kinds it follows that changed since it last did. */
    void listsChanged(CatalogKeeper.Stamps now) {
        for (Listen listen : open.values()) {
            while (true) {
                CatalogKeeper.Stamps seen = listen.seen.get();
                List<String> methods = now.changedSince(seen);
                if (methods.isEmpty()) {
                    break;
                }
                if (listen.seen.compareAndSet(seen, seen.max(now))) {
                    methods.stream().filter(listen::wants).forEach(method -> listen.notify(method, null));
                    break;
                }
            }
        }
    }

    /** A server said a resource changed: the streams that follow its URI hear it. */
    void resourceUpdated(String uri, JsonNode params) {
        for (Listen listen : open.values()) {
            if (listen.uris.contains(uri)) {
                listen.notify(McpMethods.RESOURCES_UPDATED, params instanceof ObjectNode p ? p : null);
            }
        }
    }
}
