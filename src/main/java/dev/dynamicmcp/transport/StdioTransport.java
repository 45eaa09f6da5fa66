package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.OversizedMessage;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child process speaking newline-delimited JSON-RPC on stdin/stdout (UTF-8). Its stderr goes to our log
 * under the logger {@code upstream.<serverName>}.
 *
 * <p>Threads: three loops of the scheduler: one reads stdout and calls the listener (so messages arrive in
 * order), one drains stderr (both on platform threads: they block in pipe reads), one waits for the exit.
 * {@link Listener#onClosed} comes after the last stdout message. Ending the process tree is {@link ProcessTreeTerminator}'s job, politely ({@link #close()}) or at
 * once ({@link #kill()}, and a writer that finds the server wedged).
 */
public final class StdioTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(StdioTransport.class);
    /** Bigger lines are reported as bad input instead of being buffered: a runaway server must not OOM us. */
    static final int MAX_LINE_BYTES = 64 * 1024 * 1024;
    private static final int STDERR_LINE_CHARS = 2_000;
    private static final int STDERR_TAIL_LINES = 10;
    private static final int BAD_LINES_LOGGED_AT_WARN = 20;
    /** After the exit, how long trailing stdout/stderr may take to drain before onClosed fires. */
    private static final Duration DRAIN_AFTER_EXIT = Duration.ofSeconds(1);
    /** If a writer is stuck on a full stdin pipe, close() does not wait for it longer than this. */
    private static final Duration STDIN_LOCK_WAIT = Duration.ofMillis(200);
    public static final Duration DEFAULT_CLOSE_GRACE = Duration.ofSeconds(2);

    enum State { NEW, STARTING, OPEN, CLOSING, CLOSED }

    private final String serverName;
    private final String command;
    private final List<String> args;
    private final ChildEnvironment env;
    private final Path cwd;
    private final Duration closeGrace;
    private final Logger upstreamLog;
    private final Scheduler scheduler;
    private final Scheduler ownScheduler;

    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final AtomicBoolean closedReported = new AtomicBoolean();
    /** Serialises whole messages on stdin; held across the write, which is this lock's whole purpose. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock stderrTailLock = new ReentrantLock();
    private final ArrayDeque<String> stderrTail = new ArrayDeque<>(); // guarded by stderrTailLock
    private final CompletableFuture<CloseReport> closeDone = new CompletableFuture<>();

    /** A server that has not read its stdin for this long is wedged: the next writer kills it. */
    static final Duration DEFAULT_STUCK_WRITE_LIMIT = Duration.ofSeconds(15);

    private volatile Duration stuckWriteLimit = DEFAULT_STUCK_WRITE_LIMIT;
    private volatile Process process;
    private volatile OutputStream stdin;
    private volatile Listener listener;
    private volatile Thread stdoutReader;
    private volatile Thread stderrReader;
    private int badLines; // reader thread only

    public StdioTransport(String serverName, String command, List<String> args, Map<String, String> env, Path cwd) {
        this(serverName, command, args, env, cwd, DEFAULT_CLOSE_GRACE);
    }

    /**
     * @param closeGrace how long {@link #close()} lets the process exit after stdin is closed, and again how
     *                   long SIGTERM and then SIGKILL may take, before moving on
     */
    public StdioTransport(String serverName, String command, List<String> args, Map<String, String> env, Path cwd,
                          Duration closeGrace) {
        this(serverName, command, args, ChildEnvironment.defaults(env), cwd, closeGrace, null);
    }

    /** @param env what the child's environment is made of (by default not the proxy's whole environment) */
    public StdioTransport(String serverName, String command, List<String> args, ChildEnvironment env, Path cwd,
                          Duration closeGrace) {
        this(serverName, command, args, env, cwd, closeGrace, null);
    }

    /** @param scheduler runs the readers and the exit watcher; null: one of its own, closed with the transport */
    public StdioTransport(String serverName, String command, List<String> args, Map<String, String> env, Path cwd,
                          Duration closeGrace, Scheduler scheduler) {
        this(serverName, command, args, ChildEnvironment.defaults(env), cwd, closeGrace, scheduler);
    }

    /**
     * @param env       what the child's environment is made of (by default not the proxy's whole environment)
     * @param scheduler runs the readers and the exit watcher; null: one of its own, closed with the transport
     */
    public StdioTransport(String serverName, String command, List<String> args, ChildEnvironment env, Path cwd,
                          Duration closeGrace, Scheduler scheduler) {
        this.ownScheduler = scheduler == null ? new SystemScheduler() : null;
        this.scheduler = scheduler != null ? scheduler : ownScheduler;
        this.serverName = Objects.requireNonNull(serverName, "serverName");
        this.command = Objects.requireNonNull(command, "command");
        this.args = args == null ? List.of() : List.copyOf(args);
        this.env = Objects.requireNonNull(env, "env");
        this.cwd = cwd;
        this.closeGrace = Objects.requireNonNull(closeGrace, "closeGrace");
        this.upstreamLog = LoggerFactory.getLogger("upstream." + serverName);
    }

    @Override
    public void start(Listener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            throw new IllegalStateException("transport of server '" + serverName + "' was already started");
        }
        this.listener = listener;
        Process started;
        try {
            started = spawn();
        } catch (IOException e) {
            transition(State.CLOSED, "start failed: " + (e instanceof UpstreamFailure u ? u.detail() : e.getMessage()));
            closeDone.complete(CloseReport.NOTHING_RAN);
            releaseScheduler();
            throw e;
        }
        process = started;
        stdin = started.getOutputStream();
        // platform threads: a pipe read pins a virtual thread's carrier anyway, and costs a spare carrier's
        // wake-up per read on top; the stdout reader also answers downstream, so that is one per call
        stdoutReader = scheduler.startPlatformLoop("stdio-out-" + serverName, () -> readStdout(started));
        stderrReader = scheduler.startPlatformLoop("stdio-err-" + serverName, () -> drainStderr(started));
        // OPEN before the exit watcher starts: a child that exits at once must still be reported closed
        transition(State.OPEN, "pid " + started.pid());
        scheduler.startLoop("stdio-exit-" + serverName, () -> watchExit(started));
    }

    private Process spawn() throws IOException {
        if (cwd != null && !Files.isDirectory(cwd)) {
            throw CommandResolver.notStarted(serverName, "its working directory does not exist", cwd.toString());
        }
        ProcessBuilder builder = new ProcessBuilder();
        env.applyTo(builder.environment());
        String executable = CommandResolver.resolve(command, builder.environment().get("PATH"), cwd, serverName);
        List<String> commandLine = new ArrayList<>(args.size() + 1);
        commandLine.add(executable);
        commandLine.addAll(args);
        builder.command(commandLine);
        if (cwd != null) {
            builder.directory(cwd.toFile());
        }
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UpstreamFailure(serverName, "could not be started (" + UpstreamFailure.startFailure(e) + ")",
                    describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void send(ObjectNode message) throws IOException {
        if (state.get() != State.OPEN) {
            throw new UpstreamFailure(serverName, "is not connected (transport " + state.get().name().toLowerCase()
                    + ")", null);
        }
        byte[] bytes = Json.writeBytes(message); // compact: string newlines are escaped, so one line
        if (!lockForWrite()) {
            // another write has been stuck for that long: the server does not read its stdin any more
            Process stuck = process;
            log.warn("server '{}' has not read its stdin for {}; killing it so it can be restarted", serverName,
                    stuckWriteLimit);
            CloseReport killed = ProcessTreeTerminator.kill(stuck, stuck.descendants().toList(), closeGrace);
            log.info("server '{}': {}", serverName, killed.summary());
            throw new UpstreamFailure(serverName, "stopped reading its stdin and was killed",
                    "a write was blocked for " + stuckWriteLimit + "; " + killed.summary());
        }
        try {
            OutputStream out = stdin;
            out.write(bytes);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            Process p = process;
            String summary = p != null && !p.isAlive() ? "exited with code " + p.exitValue() : "closed the connection";
            throw new UpstreamFailure(serverName, summary, "cannot write to its stdin (" + describeExit() + "): "
                    + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    private boolean lockForWrite() throws IOException {
        try {
            return writeLock.tryLock(stuckWriteLimit.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to write to server '" + serverName + "'", e);
        }
    }

    /** How long a write may wait behind one that does not move before the server counts as wedged. */
    StdioTransport stuckWriteLimit(Duration limit) {
        this.stuckWriteLimit = limit;
        return this;
    }

    @Override
    public String describe() {
        return "stdio: " + command + (args.isEmpty() ? "" : " " + String.join(" ", args));
    }

    @Override
    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /**
     * Closes stdin, lets the process exit within the grace period, then terminates (and if need be kills)
     * the whole process tree, leaves first. Returns once everything is gone or the bounded waits ran out.
     */
    @Override
    public void close() {
        closeAndReport();
    }

    /** {@link #close()}, returning what it had to do; later calls return the first close's report. */
    public CloseReport closeAndReport() {
        return end(false);
    }

    /**
     * Kills the whole process tree at once (leaves first, SIGKILL), without closing stdin or waiting for a
     * polite exit: for shutdown deadlines and a server that must go now. Idempotent; a close already under way
     * is waited for instead.
     */
    @Override
    public void kill() {
        end(true);
    }

    private CloseReport end(boolean now) {
        State previous = state.getAndUpdate(s -> s == State.CLOSED || s == State.CLOSING ? s : State.CLOSING);
        if (previous == State.CLOSING || previous == State.CLOSED) {
            Process running = process;
            if (now && previous == State.CLOSING && running != null && running.isAlive()) {
                // a polite close is waiting for the exit: cut it short
                ProcessTreeTerminator.kill(running, running.descendants().toList(), closeGrace);
            }
            return awaitClose();
        }
        Process p = process;
        if (p == null) { // never started
            transition(State.CLOSED, "closed before start");
            closeDone.complete(CloseReport.NOTHING_RAN);
            reportClosed(null);
            releaseScheduler();
            return closeDone.join();
        }
        log.info("server '{}' stdio transport {} -> {} ({} requested, pid {})", serverName, previous,
                State.CLOSING, now ? "kill" : "close", p.pid());
        List<ProcessHandle> tree = p.isAlive() ? p.descendants().toList() : List.of();
        CloseReport report;
        if (now) {
            report = ProcessTreeTerminator.kill(p, tree, closeGrace);
            closeQuietly(stdin);
        } else {
            closeStdin();
            report = ProcessTreeTerminator.terminate(p, tree, closeGrace, closeGrace);
        }
        closeQuietly(p.getInputStream());
        closeQuietly(p.getErrorStream());
        if (!report.forceKilled().isEmpty() || !report.survivors().isEmpty()) {
            log.warn("server '{}': {}", serverName, report.summary());
        }
        transition(State.CLOSED, report.summary());
        closeDone.complete(report);
        reportClosed(null);
        releaseScheduler();
        return report;
    }

    /** A scheduler of our own ends with us; its loops have ended or end now that the pipes are closed. */
    private void releaseScheduler() {
        if (ownScheduler != null) {
            ownScheduler.execute("stdio-close-" + serverName, () -> ownScheduler.close(Duration.ofSeconds(1)));
        }
    }

    /** The report of the close, once {@link #close()} has finished; null before. */
    public CloseReport closeReport() {
        return closeDone.getNow(null);
    }

    private CloseReport awaitClose() {
        try {
            return closeDone.get(closeGrace.toMillis() * 4 + 1_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return closeDone.getNow(null);
        }
    }

    private void closeStdin() {
        boolean locked = false;
        try {
            locked = writeLock.tryLock(STDIN_LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!locked) {
            // a writer is stuck on a full pipe; the process will be signalled, which unblocks it
            log.debug("server '{}': stdin is busy, skipping the polite close", serverName);
            return;
        }
        try {
            closeQuietly(stdin);
        } finally {
            writeLock.unlock();
        }
    }

    private void readStdout(Process p) {
        LineReader lines = new LineReader(p.getInputStream(), MAX_LINE_BYTES);
        try {
            while (lines.next()) {
                if (lines.length() == 0 && !lines.tooLong()) {
                    continue;
                }
                if (lines.tooLong()) {
                    badInput("a line of " + lines.fullLength() + " bytes (limit " + MAX_LINE_BYTES + ")",
                            MessageShape.snippet(lines.bytes(), lines.length()));
                    continue;
                }
                ObjectNode message;
                try {
                    message = MessageShape.parseSingle(lines.bytes(), 0, lines.length());
                } catch (MessageShape.BadMessageException e) {
                    badInput(e.getMessage(), MessageShape.snippet(lines.bytes(), lines.length()));
                    if (e.tooLarge()) {
                        failAnsweredRequest(OversizedMessage.envelope(lines.bytes(), 0, lines.length()));
                    }
                    continue;
                }
                deliver(message);
            }
        } catch (IOException e) {
            if (state.get() == State.OPEN) {
                log.debug("server '{}': stdout read failed: {}", serverName, e.toString());
            }
        }
    }

    /** An answer we could not read still ends its request, now rather than at its timeout. */
    private void failAnsweredRequest(OversizedMessage.Envelope envelope) {
        if (envelope.answersRequest()) {
            deliver(OversizedMessage.failedAnswer(envelope.id()));
        }
    }

    private void deliver(ObjectNode message) {
        try {
            listener.onMessage(message);
        } catch (RuntimeException e) {
            log.error("server '{}': the listener failed on a message; reading goes on", serverName, e);
        }
    }

    private void badInput(String problem, String snippet) {
        badLines++;
        if (badLines <= BAD_LINES_LOGGED_AT_WARN) {
            log.warn("server '{}' wrote a line that is not a JSON-RPC message ({}): {}{}", serverName, problem, snippet,
                    badLines == BAD_LINES_LOGGED_AT_WARN ? " [further bad lines are logged at DEBUG]" : "");
        } else {
            log.debug("server '{}' wrote a line that is not a JSON-RPC message ({}): {}", serverName, problem, snippet);
        }
        try {
            listener.onBadInput(problem + ": " + snippet);
        } catch (RuntimeException e) {
            log.error("server '{}': the listener failed on bad input", serverName, e);
        }
    }

    private void drainStderr(Process p) {
        LineReader lines = new LineReader(p.getErrorStream(), STDERR_LINE_CHARS * 4);
        try {
            while (lines.next()) {
                String line = MessageShape.snippetOf(lines.bytes(), lines.length(), STDERR_LINE_CHARS, lines.fullLength());
                upstreamLog.info("{}", line);
                stderrTailLock.lock();
                try {
                    if (stderrTail.size() == STDERR_TAIL_LINES) {
                        stderrTail.removeFirst();
                    }
                    stderrTail.addLast(line);
                } finally {
                    stderrTailLock.unlock();
                }
            }
        } catch (IOException e) {
            log.debug("server '{}': stderr read ended: {}", serverName, e.toString());
        }
    }

    private void watchExit(Process p) {
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            return;
        }
        // let the last messages and stderr lines arrive before the channel is reported gone
        join(stdoutReader, DRAIN_AFTER_EXIT);
        join(stderrReader, DRAIN_AFTER_EXIT);
        if (!state.compareAndSet(State.OPEN, State.CLOSED)) {
            return; // close() is in charge and reports
        }
        // the stderr tail may hold secrets (a database URL): the log and the detail get it, a client does not
        UpstreamFailure exit = new UpstreamFailure(serverName, "exited with code " + code,
                "exited with code " + code + lastStderrLines());
        log.warn("server '{}': {} -> {} ({})", serverName, State.OPEN, State.CLOSED, exit.detail());
        closeQuietly(stdin);
        closeDone.complete(new CloseReport(true, code, List.of(), List.of(), List.of(), Duration.ZERO));
        reportClosed(exit);
        releaseScheduler();
    }

    private String lastStderrLines() {
        stderrTailLock.lock();
        try {
            return stderrTail.isEmpty() ? "" : "; last stderr lines:\n  " + String.join("\n  ", stderrTail);
        } finally {
            stderrTailLock.unlock();
        }
    }

    private String describeExit() {
        Process p = process;
        return p != null && !p.isAlive() ? "exited with code " + p.exitValue() : "pid " + pid();
    }

    private void reportClosed(Throwable cause) {
        if (closedReported.compareAndSet(false, true) && listener != null) {
            try {
                listener.onClosed(cause);
            } catch (RuntimeException e) {
                log.error("server '{}': the listener failed in onClosed", serverName, e);
            }
        }
    }

    private void transition(State to, String reason) {
        State from = state.getAndSet(to);
        log.info("server '{}' stdio transport {} -> {} ({})", serverName, from, to, reason);
    }

    private static void join(Thread thread, Duration timeout) {
        if (thread == null) {
            return;
        }
        try {
            thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing a pipe of a process that is gone: nothing to do about it
        }
    }

    /** A process {@link #close()} had to signal. */
    public record KilledProcess(long pid, String command) {
        static KilledProcess of(ProcessHandle handle) {
            return new KilledProcess(handle.pid(), handle.info().command().orElse("?"));
        }
    }

    /**
     * What closing the process took.
     *
     * @param exitedByItself true when the process exited after stdin was closed and nothing had to be signalled
     * @param exitCode       the child's exit code, null if it could not be ended
     * @param terminated     processes sent SIGTERM (children first)
     * @param forceKilled    processes that ignored SIGTERM within the grace period and were sent SIGKILL
     * @param survivors      processes still present when close() gave up waiting (e.g. an unreaped zombie)
     */
    public record CloseReport(boolean exitedByItself, Integer exitCode, List<KilledProcess> terminated,
                              List<KilledProcess> forceKilled, List<KilledProcess> survivors, Duration took) {
        static final CloseReport NOTHING_RAN = new CloseReport(true, null, List.of(), List.of(), List.of(),
                Duration.ZERO);

        public CloseReport {
            terminated = List.copyOf(terminated);
            forceKilled = List.copyOf(forceKilled);
            survivors = List.copyOf(survivors);
        }

        public String summary() {
            StringBuilder text = new StringBuilder(exitedByItself ? "exited after stdin was closed" : "ended");
            if (exitCode != null) {
                text.append(", exit code ").append(exitCode);
            }
            if (!terminated.isEmpty()) {
                text.append(", terminated ").append(terminated);
            }
            if (!forceKilled.isEmpty()) {
                text.append(", force-killed ").append(forceKilled);
            }
            if (!survivors.isEmpty()) {
                text.append(", still present ").append(survivors);
            }
            return text.append(" in ").append(took.toMillis()).append(" ms").toString();
        }
    }
}
