package dev.dynamicmcp.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a config file by polling its size, modification time and content hash (polling works on every
 * file system, including bind mounts and network shares where file events do not arrive).
 *
 * <p>A change is acted on once the file has looked the same for two polls in a row, so a half-written file
 * is not reported as broken. A valid config that differs from the current one is handed to the listener;
 * an invalid one is logged with all its problems and the current config stays. The listener runs on the
 * watcher's virtual thread, one call at a time; if it throws, the error is logged and the new config still
 * counts as current. Changes of environment variables alone are not noticed (only the file is watched).
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    public enum State { RUNNING, CLOSED }

    /** What the watcher reports. Runs on the watcher's thread, one call at a time; should return quickly. */
    public interface Listener {
        /** A valid config that differs from the current one; both have the overrides applied. */
        void changed(ProxyConfig previous, ProxyConfig next);

        /** The file changed but is invalid; the current config stays. */
        default void rejected(String problems) {
        }
    }

    /** What is compared between polls; {@link #MISSING} when the file is absent or unreadable. */
    private record Fingerprint(long size, long modifiedMillis, String sha256) {
        static final Fingerprint MISSING = new Fingerprint(-1, -1, "");
    }

    private final Path file;
    private final Duration interval;
    private final Map<String, String> env;
    private final Listener listener;
    private final UnaryOperator<ProxyConfig> overrides;
    private final dev.dynamicmcp.runtime.Scheduler scheduler;
    private final boolean ownsScheduler;
    private volatile Thread thread;
    private volatile ProxyConfig current;
    private volatile State state = State.RUNNING;
    private final AtomicLong settledChanges = new AtomicLong();
    /** Hashes of the proxy's own writes (admin API), already applied: seen on disk, they are only recorded. */
    private final java.util.Set<String> ownWrites = java.util.concurrent.ConcurrentHashMap.newKeySet();
    // Touched only by the watcher thread.
    private Fingerprint handled;
    private Fingerprint pending;
    /** The last settled file was invalid: the listener hears when it is valid again, even if unchanged in meaning. */
    private boolean lastRejected;

    private ConfigWatcher(Path file, ProxyConfig current, Duration interval, Map<String, String> env,
                          UnaryOperator<ProxyConfig> overrides, Listener listener,
                          dev.dynamicmcp.runtime.Scheduler scheduler) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        this.file = file.toAbsolutePath();
        this.current = Objects.requireNonNull(current, "current");
        this.interval = interval;
        this.env = Map.copyOf(env);
        this.listener = Objects.requireNonNull(listener, "listener");
        this.overrides = Objects.requireNonNull(overrides, "overrides");
        this.ownsScheduler = scheduler == null;
        this.scheduler = ownsScheduler ? new dev.dynamicmcp.runtime.SystemScheduler() : scheduler;
    }

    /** Watches {@code file} every {@link #DEFAULT_INTERVAL}, expanding variables from the process environment. */
    public static ConfigWatcher start(Path file, ProxyConfig current, Consumer<ProxyConfig> onChange) {
        return start(file, current, DEFAULT_INTERVAL, System.getenv(), onChange);
    }

    /**
     * @param current  the config in use now (as loaded from {@code file}); changes are measured against it
     * @param interval time between polls
     */
    public static ConfigWatcher start(Path file, ProxyConfig current, Duration interval, Map<String, String> env,
                                      Consumer<ProxyConfig> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        return start(file, current, interval, env, UnaryOperator.identity(), (previous, next) -> onChange.accept(next));
    }

    /**
     * @param current   the config in use now, {@code overrides} applied
     * @param overrides applied to every config read from the file before it is compared with the current one
     *                  (the command line's {@code --port}, {@code --auth-token}…), so that a setting the command
     *                  line fixes never shows as a change
     */
    public static ConfigWatcher start(Path file, ProxyConfig current, Duration interval, Map<String, String> env,
                                      UnaryOperator<ProxyConfig> overrides, Listener listener) {
        return start(file, current, interval, env, overrides, listener, null);
    }

    /** As above, polling on {@code scheduler}'s loop and clock (null: the watcher owns a scheduler of its own). */
    public static ConfigWatcher start(Path file, ProxyConfig current, Duration interval, Map<String, String> env,
                                      UnaryOperator<ProxyConfig> overrides, Listener listener,
                                      dev.dynamicmcp.runtime.Scheduler scheduler) {
        ConfigWatcher watcher = new ConfigWatcher(file, current, interval, env, overrides, listener, scheduler);
        log.info("config watcher RUNNING: polling {} every {}", watcher.file, Units.format(interval));
        watcher.thread = watcher.scheduler.startLoop("config-watcher", watcher::run);
        return watcher;
    }

    /** The last valid config: the initial one, or the latest handed to the listener. */
    public ProxyConfig current() {
        return current;
    }

    public State state() {
        return state;
    }

    /**
     * The proxy wrote the file itself ({@link ConfigWriter}) and has already applied {@code applied}: when the
     * file's hash is {@code sha256} the watcher takes it as current without telling the listener, so the proxy's
     * own write is never applied a second time. Also the new base for measuring later hand edits.
     */
    public void ownWrite(String sha256, ProxyConfig applied) {
        ownWrites.add(sha256);
        current = Objects.requireNonNull(applied, "applied");
    }

    /**
     * How many settled file states the watcher has dealt with (applied, rejected, found unchanged or
     * missing), the first poll included: lets tests wait for a change to be handled instead of sleeping.
     */
    long settledChanges() {
        return settledChanges.get();
    }

    /** Stops polling and waits (briefly) for a listener call in progress to finish. */
    @Override
    public void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        log.info("config watcher CLOSED: no longer polling {}", file);
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            try {
                if (!thread.join(Duration.ofSeconds(5))) {
                    log.warn("config watcher: the listener is still running 5 s after close");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ownsScheduler) {
            scheduler.close(Duration.ofSeconds(1));
        }
    }

    private void run() {
        while (state == State.RUNNING) {
            try {
                poll();
            } catch (RuntimeException e) {
                log.error("config watcher: polling {} failed; will try again", file, e);
            }
            // parkNanos rather than sleep: close() unparks without interrupting a listener.
            long deadline = scheduler.nanoTime() + interval.toNanos();
            for (long left = interval.toNanos(); left > 0 && state == State.RUNNING;
                 left = deadline - scheduler.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }
    }

    private void poll() {
        byte[] content = null;
        Fingerprint seen;
        try {
            long modified = Files.getLastModifiedTime(file).toMillis();
            content = Files.readAllBytes(file);
            seen = new Fingerprint(content.length, modified, sha256(content));
        } catch (NoSuchFileException e) {
            seen = Fingerprint.MISSING;
        } catch (IOException e) {
            log.debug("config watcher: {} cannot be read now: {}", file, e.toString());
            seen = Fingerprint.MISSING;
        }
        if (seen.equals(handled)) {
            pending = null;
            return;
        }
        if (!seen.equals(pending)) {
            pending = seen; // give an editor's write one interval to finish
            return;
        }
        pending = null;
        handled = seen;
        try {
            if (ownWrites.remove(seen.sha256())) {
                log.debug("config file {} changed by the proxy itself; already applied", file);
                lastRejected = false;
                return;
            }
            if (seen == Fingerprint.MISSING) {
                log.warn("config file {} is missing or unreadable; keeping the current config", file);
            } else {
                apply(content);
            }
        } finally {
            settledChanges.incrementAndGet();
        }
    }

    private void apply(byte[] content) {
        Path baseDir = file.getParent() == null ? Path.of("").toAbsolutePath() : file.getParent();
        ConfigReader.Outcome outcome = ConfigLoader.parse(content, env, baseDir);
        if (!outcome.problems().isEmpty()) {
            String problems = new ConfigException(file.toString(), outcome.problems()).getMessage();
            log.error("config file {} changed but is invalid; keeping the current config. {}", file, problems);
            lastRejected = true;
            try {
                listener.rejected(problems);
            } catch (RuntimeException e) {
                log.error("config watcher: the listener failed on the rejected config", e);
            }
            return;
        }
        ProxyConfig old = current;
        ProxyConfig neu = overrides.apply(outcome.config());
        boolean wasRejected = lastRejected;
        lastRejected = false;
        if (neu.equals(old)) {
            log.debug("config file {} changed on disk, but not in meaning", file);
            if (wasRejected) {
                notifyChanged(old, neu); // valid again: whoever showed the rejection can stop showing it
            }
            return;
        }
        outcome.warnings().forEach(warning -> log.warn("config {}: {}", file, warning));
        log.info("config file {} changed: {}", file, ConfigDiff.between(old, neu).summary());
        current = neu;
        notifyChanged(old, neu);
    }

    private void notifyChanged(ProxyConfig old, ProxyConfig neu) {
        try {
            listener.changed(old, neu);
        } catch (RuntimeException e) {
            log.error("config watcher: the listener failed on the new config", e);
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
