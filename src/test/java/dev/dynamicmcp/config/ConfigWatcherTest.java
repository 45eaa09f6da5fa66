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

    /**
     * Issue 9 item 8: with {@code --port} (or {@code --host}, {@code --auth-token}) a "proxy settings changed" was
     * logged a second after every start, because the file's config was compared with the overridden one.
     */
    @Test
    void theCommandLinesOverridesApplyToEveryConfigReadSoTheyAreNeverAChange() throws Exception {
        Path file = write("{ \"proxy\": { \"port\": 9000 }, \"mcpServers\": { \"a\": { \"command\": \"x\" } } }");
        java.util.function.UnaryOperator<ProxyConfig> overrides = config -> new ProxyConfig(new ProxySettings(
                config.proxy().host(), 1234, config.proxy().namespace(), config.proxy().separator(), "cli-token",
                config.proxy().maxBodyBytes(), config.proxy().connectConcurrency(), config.proxy().defaults()),
                config.servers());
        ProxyConfig initial = overrides.apply(ConfigLoader.load(file, Map.of()));
        List<ConfigDiff> diffs = new CopyOnWriteArrayList<>();
        watcher = ConfigWatcher.start(file, initial, INTERVAL, Map.of(), overrides,
                (previous, next) -> diffs.add(ConfigDiff.between(previous, next)));
        await().atMost(WAIT).until(() -> watcher.settledChanges() == 1);
        assertThat(diffs).as("the first poll of an unchanged file").isEmpty();

        long before = watcher.settledChanges();
        write("{ \"proxy\": { \"port\": 9001, \"authToken\": \"file-token\", \"separator\": \"_\" },"
                + " \"mcpServers\": { \"a\": { \"command\": \"x\" } } }");
        awaitHandled(before);
        assertThat(diffs).hasSize(1);
        assertThat(diffs.get(0).proxyFields()).as("port and token are the command line's").containsExactly("separator");
        assertThat(watcher.current().proxy().port()).isEqualTo(1234);
    }

    /** Issue 9 item 9: the listener hears of an invalid file (for /status), and of the file being valid again. */
    @Test
    void anInvalidFileIsReportedAndItsRepairToo() throws Exception {
        Path file = write(servers("a"));
        ProxyConfig initial = ConfigLoader.load(file, Map.of());
        List<String> rejected = new CopyOnWriteArrayList<>();
        AtomicInteger changed = new AtomicInteger();
        watcher = ConfigWatcher.start(file, initial, INTERVAL, Map.of(), java.util.function.UnaryOperator.identity(),
                new ConfigWatcher.Listener() {
                    @Override
                    public void changed(ProxyConfig previous, ProxyConfig next) {
                        changed.incrementAndGet();
                    }

                    @Override
                    public void rejected(String problems) {
                        rejected.add(problems);
                    }
                });
        await().atMost(WAIT).until(() -> watcher.settledChanges() == 1);
        long before = watcher.settledChanges();
        write("{ \"mcpServers\": { \"a\": { \"arg\": [] } } }");
        awaitHandled(before);
        assertThat(rejected).hasSize(1);
        assertThat(rejected.get(0)).contains("arg");
        assertThat(changed).hasValue(0);

        before = watcher.settledChanges();
        write(servers("a"));
        awaitHandled(before);
        assertThat(changed).as("valid again, the same as the running config").hasValue(1);
    }
}
