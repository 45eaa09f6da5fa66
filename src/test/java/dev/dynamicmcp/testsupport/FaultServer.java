package dev.dynamicmcp.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An upstream MCP server with fault knobs, for the connection manager's tests. It is written against
 * plain Jackson and the JDK only, never against the project's own protocol or transport code, so a
 * test that passes against it says something about our client.
 *
 * <p>Over stdio it runs as its own JVM: spawn {@link #command(String...)}. Over Streamable HTTP and
 * legacy HTTP+SSE it runs in-process: {@link #startHttp(Options)}, {@link #startSse(Options)}.
 *
 * <p>Knobs (command-line spelling; the {@link Options} builder has one method per knob):
 * {@code --crash-after N}, {@code --hang}, {@code --hang-tools}, {@code --garbage}, {@code --slow MS},
 * {@code --exit-at-start CODE}, {@code --start-delay MS}, {@code --stderr-chatter},
 * {@code --no-get-stream}, {@code --tools N}, {@code --page-size N}, {@code --name NAME},
 * {@code --reject-initialize STATUS}.
 */
public final class FaultServer {
    /** Protocol versions spoken, newest first; an unknown client version is answered with the first. */
    public static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

    /** Exit code of the stdio server when the {@code crash} tool or {@code --crash-after} fires. */
    public static final int CRASH_EXIT_CODE = 3;

    private FaultServer() {
    }

    /** The stdio server: newline-delimited JSON-RPC on stdin/stdout, logs on stderr. */
    public static void main(String[] args) throws IOException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("fault-server: " + e.getMessage());
            exit(2);
            return;
        }
        if (options.exitAtStart() >= 0) {
            System.err.println("fault-server: exiting at start with code " + options.exitAtStart() + " as told");
            exit(options.exitAtStart());
        }
        if (options.startDelayMs() > 0) {
            try {
                Thread.sleep(options.startDelayMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        new FaultStdio(options).run();
        exit(0);
    }

    /**
     * Ends the stdio server's JVM. halt, not System.exit: exit logs through System.Logger, whose
     * backend lookup opens every jar of the test classpath and adds seconds on a busy machine. There
     * are no shutdown hooks to skip, and stdout is flushed after every message.
     */
    static void exit(int code) {
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }

    /**
     * The command line that starts the stdio server as a separate, quick-starting JVM on the test
     * classpath, e.g. {@code new ProcessBuilder(FaultServer.command("--garbage", "--tools", "120"))}.
     */
    public static List<String> command(String... knobs) {
        Options.parse(knobs); // fail in the test, not in the child, on a misspelt knob
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java,
                "-Xss512k", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"),
                FaultServer.class.getName()));
        command.addAll(Arrays.asList(knobs));
        return List.copyOf(command);
    }

    /** Starts a Streamable HTTP server on 127.0.0.1; {@link HttpFault#url()} ends in {@code /mcp}. */
    public static HttpFault startHttp(Options options) {
        return HttpFault.start(options, HttpFault.Mode.STREAMABLE_HTTP);
    }

    /** Starts a legacy HTTP+SSE (2024-11-05) server on 127.0.0.1; {@link HttpFault#url()} ends in {@code /sse}. */
    public static HttpFault startSse(Options options) {
        return HttpFault.start(options, HttpFault.Mode.LEGACY_SSE);
    }

    /**
     * The knobs. Zero, false and -1 mean "off". {@code rejectInitialize} and {@code port} are HTTP only;
     * {@code exitAtStart}, {@code startDelayMs} and {@code garbage} are stdio only.
     */
    public record Options(int crashAfter, boolean hang, boolean hangTools, boolean garbage, long slowMs,
            int exitAtStart, long startDelayMs, boolean stderrChatter, boolean noGetStream, int tools,
            int pageSize, String name, int rejectInitialize, int port) {

        public Options {
            Objects.requireNonNull(name, "name");
            if (pageSize < 1) {
                throw new IllegalArgumentException("page size must be at least 1, was " + pageSize);
            }
        }

        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return new Builder().crashAfter(crashAfter).hang(hang).hangTools(hangTools).garbage(garbage)
                    .slowMs(slowMs).exitAtStart(exitAtStart).startDelayMs(startDelayMs)
                    .stderrChatter(stderrChatter).noGetStream(noGetStream).tools(tools).pageSize(pageSize)
                    .name(name).rejectInitialize(rejectInitialize).port(port);
        }

        /** Reads command-line knobs; an unknown knob or a missing value is an IllegalArgumentException. */
        public static Options parse(String... args) {
            Builder b = builder();
            for (int i = 0; i < args.length; i++) {
                String knob = args[i];
                switch (knob) {
                    case "--hang" -> b.hang(true);
                    case "--hang-tools" -> b.hangTools(true);
                    case "--garbage" -> b.garbage(true);
                    case "--stderr-chatter" -> b.stderrChatter(true);
                    case "--no-get-stream" -> b.noGetStream(true);
                    case "--crash-after" -> b.crashAfter(intValue(args, ++i, knob));
                    case "--slow" -> b.slowMs(intValue(args, ++i, knob));
                    case "--exit-at-start" -> b.exitAtStart(intValue(args, ++i, knob));
                    case "--start-delay" -> b.startDelayMs(intValue(args, ++i, knob));
                    case "--tools" -> b.tools(intValue(args, ++i, knob));
                    case "--page-size" -> b.pageSize(intValue(args, ++i, knob));
                    case "--reject-initialize" -> b.rejectInitialize(intValue(args, ++i, knob));
                    case "--name" -> b.name(value(args, ++i, knob));
                    default -> throw new IllegalArgumentException("unknown knob " + knob);
                }
            }
            return b.build();
        }

        private static String value(String[] args, int i, String knob) {
            if (i >= args.length) {
                throw new IllegalArgumentException(knob + " needs a value");
            }
            return args[i];
        }

        private static int intValue(String[] args, int i, String knob) {
            String text = value(args, i, knob);
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(knob + " needs a whole number, was " + text);
            }
        }
    }

    public static final class Builder {
        private int crashAfter;
        private boolean hang;
        private boolean hangTools;
        private boolean garbage;
        private long slowMs;
        private int exitAtStart = -1;
        private long startDelayMs;
        private boolean stderrChatter;
        private boolean noGetStream;
        private int tools;
        private int pageSize = 50;
        private String name = "fault-server";
        private int rejectInitialize;
        private int port;

        private Builder() {
        }

        /** Crash on the Nth tools/call without answering it (stdio: exit 3; HTTP: the server goes down). */
        public Builder crashAfter(int toolCalls) {
            this.crashAfter = toolCalls;
            return this;
        }

        /** Answer initialize, then never answer any request, pings included. */
        public Builder hang(boolean hang) {
            this.hang = hang;
            return this;
        }

        /** Never answer tools/call; everything else, ping included, is answered. */
        public Builder hangTools(boolean hangTools) {
            this.hangTools = hangTools;
            return this;
        }

        /** Stdio: a non-JSON line, an empty line and {@code [1,2]} on stdout before every response. */
        public Builder garbage(boolean garbage) {
            this.garbage = garbage;
            return this;
        }

        /** Delay every response by this much. */
        public Builder slowMs(long slowMs) {
            this.slowMs = slowMs;
            return this;
        }

        /** Stdio: exit with this code before reading anything; -1 is off. */
        public Builder exitAtStart(int code) {
            this.exitAtStart = code;
            return this;
        }

        /** Stdio: sleep this long before serving. */
        public Builder startDelayMs(long startDelayMs) {
            this.startDelayMs = startDelayMs;
            return this;
        }

        /** Write lines to stderr all the time (and a burst per message), to catch a client that does not drain it. */
        public Builder stderrChatter(boolean stderrChatter) {
            this.stderrChatter = stderrChatter;
            return this;
        }

        /** Streamable HTTP: GET /mcp answers 405, so server-initiated messages have nowhere to go. */
        public Builder noGetStream(boolean noGetStream) {
            this.noGetStream = noGetStream;
            return this;
        }

        /** Adds N trivial tools {@code t0..tN-1}, for pagination. */
        public Builder tools(int tools) {
            this.tools = tools;
            return this;
        }

        /** Page size of tools/list. */
        public Builder pageSize(int pageSize) {
            this.pageSize = pageSize;
            return this;
        }

        /** serverInfo.name. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Streamable HTTP: answer a POSTed initialize with this HTTP status (e.g. 404, 405); 0 is off. */
        public Builder rejectInitialize(int status) {
            this.rejectInitialize = status;
            return this;
        }

        /** HTTP: the port to listen on; 0 picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Options build() {
            return new Options(crashAfter, hang, hangTools, garbage, slowMs, exitAtStart, startDelayMs,
                    stderrChatter, noGetStream, tools, pageSize, name, rejectInitialize, port);
        }
    }
}
