package dev.dynamicmcp.interop;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * An SDK client transport that remembers the id of the last request of each method it sent, so a test can
 * name that request in a notifications/cancelled (the SDK keeps its request ids to itself).
 */
final class RecordingTransport implements McpClientTransport {
    private final McpClientTransport delegate;
    private final Map<String, Object> lastIdByMethod = new ConcurrentHashMap<>();

    RecordingTransport(McpClientTransport delegate) {
        this.delegate = delegate;
    }

    Object idOf(String method) {
        Object id = lastIdByMethod.get(method);
        if (id == null) {
            throw new IllegalStateException("no " + method + " request was sent; sent: " + lastIdByMethod.keySet());
        }
        return id;
    }

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        return delegate.connect(handler);
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
        delegate.setExceptionHandler(handler);
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        if (message instanceof McpSchema.JSONRPCRequest request) {
            lastIdByMethod.put(request.method(), request.id());
        }
        return delegate.sendMessage(message);
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
        return delegate.unmarshalFrom(data, type);
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
