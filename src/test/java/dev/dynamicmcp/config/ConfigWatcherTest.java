package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Editing the config file while the proxy runs applies valid changes and never a broken file. */
class ConfigWatcherTest {
    private static final Duration INTERVAL = Duration.ofMillis(20);
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final List<ProxyConfig> applied = new CopyOnWriteArrayList<>();
    private ConfigWatcher watcher;

    @AfterEach
    void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    private Path write(String json) throws IOException {
        // Written aside and moved in, as editors do, so the watcher never sees a half-written file here.
        Path tmp = Files.writeString(dir.resolve("config.json.tmp"), json);
        return Files.move(tmp, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static String servers(String... names) {
        StringBuilder json = new StringBuilder("{ \"mcpServers\": {");
        for (int i = 0; i < names.length; i++) {
            json.append(i == 0 ? "" : ",").append(" \"").append(names[i]).append("\": { \"command\": \"x\" }");
        }
        return json.append(" } }").toString();
    }

    private ConfigWatcher watch(Path file) {
        ProxyConfig initial = ConfigLoader.load(file, Map.of());
        ConfigWatcher started = ConfigWatcher.start(file, initial, INTERVAL, Map.of(), applied::add);
        await().atMost(WAIT).until(() -> started.settledChanges() == 1);
        return started;
    }

    /** Waits until the watcher has dealt with one more settled state of the file. */
    private void awaitHandled(long before) {
        await().atMost(WAIT).until(() -> watcher.settledChanges() > before);
    }

    @Test
    void aValidChangeIsHandedToTheListener() throws IOException {
        watcher = watch(write(servers("a")));

        write(servers("a", "b"));

        await().atMost(WAIT).until(() -> !applied.isEmpty());
        assertThat(applied).singleElement()
                .satisfies(config -> assertThat(config.servers().keySet()).containsExactly("a", "b"));
        assertThat(watcher.current()).isSameAs(applied.get(0));
    }

    @Test
    void anInvalidChangeIsIgnoredAndTheNextValidOneApplied() throws IOException {
        watcher = watch(write(servers("a")));
        ProxyConfig initial = watcher.current();

        long before = watcher.settledChanges();
        write("{ \"mcpServers\": { \"a\": { \"url\": \"ftp://nope\" }, \"b\": { \"command\": \"x\" } } }");
        awaitHandled(before);
        assertThat(applied).as("a half-valid config is never applied").isEmpty();
        assertThat(watcher.current()).isSameAs(initial);

        write(servers("a", "c"));
        await().atMost(WAIT).until(() -> !applied.isEmpty());
        assertThat(applied).singleElement()
                .satisfies(config -> assertThat(config.servers().keySet()).containsExactly("a", "c"));
    }

    @Test
    void aChangeWithoutMeaningDoesNotCallTheListener() throws IOException {
        watcher = watch(write(servers("a")));

        long before = watcher.settledChanges();
        write("{\n  \"mcpServers\": {\n    \"a\": { \"command\": \"x\" }\n  }\n}\n");
        awaitHandled(before);
        assertThat(applied).isEmpty();
        write(servers("b"));

        await().atMost(WAIT).until(() -> !applied.isEmpty());
        assertThat(applied).singleElement()
                .satisfies(config -> assertThat(config.servers().keySet()).containsExactly("b"));
    }

    @Test
    void aDeletedFileKeepsTheCurrentConfigAndItsReturnIsPickedUp() throws IOException {
        Path file = write(servers("a"));
        watcher = watch(file);
        ProxyConfig initial = watcher.current();

        long before = watcher.settledChanges();
        Files.delete(file);
        awaitHandled(before);
        assertThat(watcher.current()).isSameAs(initial);

        write(servers("back"));
        await().atMost(WAIT).until(() -> !applied.isEmpty());
        assertThat(applied.get(0).servers()).containsOnlyKeys("back");
    }

    @Test
    void aFailingListenerDoesNotStopTheWatcher() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        Path file = write(servers("a"));
        watcher = ConfigWatcher.start(file, ConfigLoader.load(file, Map.of()), INTERVAL, Map.of(), config -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });

        write(servers("b"));
        await().atMost(WAIT).until(() -> calls.get() == 1);
        write(servers("c"));

        await().atMost(WAIT).until(() -> calls.get() == 2);
        assertThat(watcher.current().servers()).containsOnlyKeys("c");
    }

    @Test
    void closeStopsWatching() throws IOException {
        watcher = watch(write(servers("a")));

        watcher.close();
        write(servers("b"));

        assertThat(watcher.state()).isEqualTo(ConfigWatcher.State.CLOSED);
        await().during(INTERVAL.multipliedBy(5)).atMost(WAIT).until(applied::isEmpty);
    }
}
