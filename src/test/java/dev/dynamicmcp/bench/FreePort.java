package dev.dynamicmcp.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Prints a TCP port that is free on loopback right now (for the benchmark script's servers). */
public final class FreePort {
    private FreePort() {
    }

    public static void main(String[] args) throws IOException {
        System.out.println(find());
    }

    static int find() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
