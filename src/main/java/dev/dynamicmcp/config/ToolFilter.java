package dev.dynamicmcp.config;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Per-server tool allow/deny lists of glob patterns ({@code *} and {@code ?}) over the upstream's own
 * tool names. Empty allow = everything allowed; deny wins over allow.
 */
public record ToolFilter(List<String> allow, List<String> deny) {
    public static final ToolFilter ALLOW_ALL = new ToolFilter(List.of(), List.of());

    public ToolFilter {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    public boolean permits(String toolName) {
        if (deny.stream().anyMatch(glob -> matches(glob, toolName))) {
            return false;
        }
        return allow.isEmpty() || allow.stream().anyMatch(glob -> matches(glob, toolName));
    }

    static boolean matches(String glob, String name) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return name.matches(regex.toString());
    }
}
