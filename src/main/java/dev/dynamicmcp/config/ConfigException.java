package dev.dynamicmcp.config;

import java.util.List;

/**
 * A config that cannot be used. Carries every problem found, not just the first, so a user fixes the file
 * in one go; nothing is started from a config that threw this.
 */
public final class ConfigException extends RuntimeException {
    private final String source;
    private final List<ConfigProblem> problems;

    /**
     * @param source   where the config came from (a file path, or a short description), for the message
     * @param problems at least one problem
     */
    public ConfigException(String source, List<ConfigProblem> problems) {
        super(render(source, problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    public String source() {
        return source;
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String render(String source, List<ConfigProblem> problems) {
        StringBuilder text = new StringBuilder("invalid config ").append(source).append(": ")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems");
        for (ConfigProblem problem : problems) {
            text.append("\n  ").append(problem.describe());
        }
        return text.toString();
    }
}
