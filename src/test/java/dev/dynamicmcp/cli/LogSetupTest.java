package dev.dynamicmcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

/** Issue 12: logging is set up in code (no XML parser loaded), as logback.xml did; a logback file still wins. */
class LogSetupTest {

    @Test
    void withoutAFileTheRootLogsToStderrAtLogLevelAndJettyAtWarn() {
        LoggerContext context = new LoggerContext();

        assertThat(LogSetup.configure(context, false, "debug")).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.eclipse.jetty.server").getEffectiveLevel()).isEqualTo(Level.WARN);
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertThat(stderr.isStarted()).isTrue();
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        assertThat(((PatternLayoutEncoder) stderr.getEncoder()).getPattern())
                .isEqualTo("%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n");
        context.stop();
    }

    @Test
    void anUnsetOrUnknownLevelIsInfo() {
        assertThat(LogSetup.rootLevel(null)).isEqualTo(Level.INFO);
        assertThat(LogSetup.rootLevel("loud")).isEqualTo(Level.INFO);
        assertThat(LogSetup.rootLevel(" warn ")).isEqualTo(Level.WARN);
    }

    @Test
    void aLogbackFileStepsItAside() {
        LoggerContext context = new LoggerContext();

        assertThat(LogSetup.configure(context, true, "debug")).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);

        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }

    @Test
    void theTestsLogbackFileIsSeenOnTheClassPath() {
        // src/test/resources/logback-test.xml: the suite's own logging must stay as it was
        assertThat(new LogSetup().configure(new LoggerContext())).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    }
}
