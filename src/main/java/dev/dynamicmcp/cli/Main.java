package dev.dynamicmcp.cli;

public final class Main {
    public static void main(String[] args) {
        System.err.println("Dynamic MCP Proxy " + Runtime.version());
    }
}
