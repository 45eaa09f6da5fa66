package dev.dynamicmcp.auth;

import dev.dynamicmcp.config.ConfigProblem;
import java.util.List;

/**
 * Settings read from a config section, or every problem found in it (each with its key path), never half of
 * each: {@code settings} is {@code null} exactly when {@code problems} is not empty.
 */
public record Parsed<T>(T settings, List<ConfigProblem> problems) {
    public Parsed {
        problems = List.copyOf(problems);
        if ((settings == null) == problems.isEmpty()) {
            throw new IllegalArgumentException("settings xor problems");
        }
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
