package dev.dynamicmcp.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;

/**
 * The proxy's logging set up in code (found by logback as a service): stderr, {@value #PATTERN}, Jetty at WARN,
 * the root at {@code LOG_LEVEL} (system property, then environment; INFO when unset). What {@code logback.xml}
 * said, without logback's XML configurator and the JDK's XML parser: those are ~300 classes (about 3 MB of
 * metaspace and start-up garbage, issue 12) that a proxy loads only to read eight lines.
 *
 * <p>A logback file still wins: with {@code -Dlogback.configurationFile=...}, or a {@code logback-test.xml} /
 * {@code logback.xml} on the class path, this steps aside and logback reads that file as usual.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        return configure(context, aFileIsGiven(), System.getProperty("LOG_LEVEL", System.getenv("LOG_LEVEL")));
    }

    static ExecutionStatus configure(LoggerContext context, boolean fileGiven, String level) {
        if (fileGiven) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        // stderr: with --stdio, stdout carries protocol messages only
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel(level));
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static Level rootLevel(String configured) {
        return configured == null ? Level.INFO : Level.toLevel(configured.trim().toUpperCase(Locale.ROOT), Level.INFO);
    }

    private static boolean aFileIsGiven() {
        ClassLoader loader = LogSetup.class.getClassLoader();
        return System.getProperty("logback.configurationFile") != null
                || loader.getResource("logback-test.xml") != null || loader.getResource("logback.xml") != null;
    }
}
