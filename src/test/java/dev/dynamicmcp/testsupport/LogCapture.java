package dev.dynamicmcp.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Records what one logger (and its children) logs, for tests that pin a log line or its absence. */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Level previous;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(String name) {
        this.logger = (Logger) LoggerFactory.getLogger(name);
        this.previous = logger.getLevel();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.INFO); // the CLI tests may have quietened the root logger
    }

    public static LogCapture of(Class<?> source) {
        return new LogCapture(source.getName());
    }

    /** A logger by name, e.g. a package ({@code "dev.dynamicmcp.manager"}) for everything logged in it. */
    public static LogCapture of(String name) {
        return new LogCapture(name);
    }

    /** "LEVEL message" lines, formatted, in order. */
    public List<String> lines() {
        return List.copyOf(appender.list).stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }
}
