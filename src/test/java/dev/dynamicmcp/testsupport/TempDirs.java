package dev.dynamicmcp.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Throw-away directories the tests make outside JUnit's {@code @TempDir}, removed again when done. */
public final class TempDirs {
    private TempDirs() {}

    /** Deletes {@code dir} and everything under it; a directory already gone is fine. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
