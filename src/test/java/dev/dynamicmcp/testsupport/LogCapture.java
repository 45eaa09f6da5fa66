package dev.dynamicmcp.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Records what one logger (and its children) logs, for tests that pin a log line or its absence.
 *
 * <p>Safe to read while other threads log: the proxy under test keeps logging from its own threads (Jetty, HTTP
 * clients, reader loops, even after a close returned), and a Logback {@code ListAppender}'s plain list, read
 * meanwhile, threw {@code ConcurrentModificationException} (or, copied, held nulls). Reads are snapshots.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Level previous;
    private final Recorder recorder = new Recorder();

    private LogCapture(String name, Level level) {
        this.logger = (Logger) LoggerFactory.getLogger(name);
        this.previous = logger.getLevel();
        recorder.setContext(logger.getLoggerContext());
        recorder.start();
        logger.addAppender(recorder);
        logger.setLevel(level);
    }

    /** Captures at INFO: the CLI tests may have quietened the root logger. */
    public static LogCapture of(Class<?> source) {
        return new LogCapture(source.getName(), Level.INFO);
    }

    /** A logger by name, e.g. a package ({@code "dev.dynamicmcp.manager"}) for everything logged in it; at INFO. */
    public static LogCapture of(String name) {
        return new LogCapture(name, Level.INFO);
    }

    /** A logger by name, captured from {@code level} up. */
    public static LogCapture of(String name, Level level) {
        return new LogCapture(name, level);
    }

    /** Changes the captured logger's level from now on (the level it had before is restored on close). */
    public LogCapture level(Level level) {
        logger.setLevel(level);
        return this;
    }

    /** "LEVEL message" lines, formatted, in order. */
    public List<String> lines() {
        return events().stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    /** The events so far, in order: a snapshot that later events do not change. */
    public List<ILoggingEvent> events() {
        return List.copyOf(recorder.events);
    }

    @Override
    public void close() {
        logger.detachAppender(recorder);
        logger.setLevel(previous);
    }

    /** Appends without a lock into a concurrent queue, whose iteration never fails while others append. */
    private static final class Recorder extends UnsynchronizedAppenderBase<ILoggingEvent> {
        private final Queue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();

        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing(); // the message as it read when logged, on the logging thread
            events.add(event);
        }
    }
}
