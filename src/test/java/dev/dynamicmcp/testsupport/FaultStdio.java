package dev.dynamicmcp.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fault server over stdio: one JSON-RPC message per line on stdin and stdout, logs on stderr. Runs
 * as the main of its own JVM, so "crash" really is a process exiting.
 */
final class FaultStdio {
    private static final String GARBAGE = "this line is not JSON {{{ -- the --garbage knob";

    private final FaultServer.Options options;
    private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    private final ReentrantLock writeLock = new ReentrantLock(); // one whole line at a time on stdout

    FaultStdio(FaultServer.Options options) {
        this.options = options;
    }

    void run() throws IOException {
        // Nothing but MCP messages may reach stdout; a stray System.out.println lands on stderr instead.
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        FaultState state = new FaultState(options, line -> System.err.println("fault-server: " + line));
        state.onCrash(() -> {
            System.err.println("fault-server: exiting with code " + FaultServer.CRASH_EXIT_CODE);
            FaultServer.exit(FaultServer.CRASH_EXIT_CODE);
        });
        if (options.stderrChatter()) {
            Thread.ofVirtual().name("fault-chatter").start(FaultStdio::chatter);
        }
        FaultSession session = new FaultSession("stdio", state, this::send);
        state.register(session);
        state.log("serving over stdio as " + options.name());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode message;
            try {
                message = FaultJson.parse(line);
            } catch (JsonProcessingException e) {
                state.log("not JSON from the client: " + abbreviate(line));
                answer(FaultJson.parseError(e.getOriginalMessage()));
                continue;
            }
            CompletableFuture<ObjectNode> answer = session.receive(message, this::send);
            if (answer != null) {
                answer.thenAccept(this::answer);
            }
        }
        state.log("stdin closed; exiting");
        session.close();
    }

    /** A response: with --garbage, preceded by a non-JSON line, an empty line and a JSON non-message. */
    private void answer(ObjectNode response) {
        write(response, options.garbage());
    }

    private void send(ObjectNode message) {
        write(message, false);
    }

    private void write(ObjectNode message, boolean garbageFirst) {
        StringBuilder text = new StringBuilder();
        if (garbageFirst) {
            text.append(GARBAGE).append('\n').append('\n').append("[1,2]").append('\n');
        }
        text.append(FaultJson.write(message)).append('\n');
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        writeLock.lock();
        try {
            stdout.write(bytes);
            stdout.flush();
        } catch (IOException e) {
            System.err.println("fault-server: stdout is gone (" + e.getMessage() + "); exiting");
            FaultServer.exit(0);
        } finally {
            writeLock.unlock();
        }
    }

    private static void chatter() {
        for (long n = 0; ; n++) {
            System.err.println("fault-server: chatter " + n + " " + "-".repeat(100));
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 80) + "...";
    }
}
