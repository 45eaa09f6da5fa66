package dev.dynamicmcp.transport;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds a command the way a POSIX shell does: a name with a '/' is a path, any other name is looked up in PATH. */
final class CommandResolver {
    private CommandResolver() {
    }

    /**
     * @param path the PATH the child will get (a config's env may change it)
     * @param cwd  the child's working directory, against which relative paths are resolved; null for ours
     * @return the absolute file to execute
     */
    static String resolve(String command, String path, Path cwd, String server) throws IOException {
        if (command.isBlank()) {
            throw notStarted(server, "the command is empty", null);
        }
        if (File.separatorChar == '\\') {
            return command; // Windows resolves through PATHEXT; leave it to the OS
        }
        Path base = cwd != null ? cwd : Path.of("").toAbsolutePath();
        if (command.indexOf('/') >= 0) {
            Path file = base.resolve(command);
            if (!Files.exists(file)) {
                throw notStarted(server, "command '" + command + "' does not exist", file.toString());
            }
            if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
                throw notStarted(server, "command '" + command + "' is not an executable file", file.toString());
            }
            return file.toString();
        }
        String searchPath = path == null ? "" : path;
        boolean foundButNotExecutable = false;
        for (String dir : searchPath.split(File.pathSeparator, -1)) {
            Path candidate = (dir.isEmpty() ? base : base.resolve(dir)).resolve(command);
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
                foundButNotExecutable = true;
            }
        }
        throw notStarted(server, "command '" + command + "' "
                + (foundButNotExecutable ? "is on PATH but not executable" : "was not found on PATH"),
                "PATH=" + searchPath);
    }

    /** The summary names the command (the operator's own config); paths and PATH go to the detail. */
    static UpstreamFailure notStarted(String server, String why, String where) {
        String summary = "could not be started: " + why;
        return new UpstreamFailure(server, summary, where == null ? summary : summary + " (" + where + ")");
    }
}
