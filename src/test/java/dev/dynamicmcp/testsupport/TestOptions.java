package dev.dynamicmcp.testsupport;

import dev.dynamicmcp.config.ServerOptions;
import java.time.Duration;

/**
 * A readable way to make {@link ServerOptions} in tests: start from fast defaults and name what differs,
 * instead of eleven positional arguments.
 */
public final class TestOptions {
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofMillis(500);
    private Duration healthCheckInterval = Duration.ZERO;
    private int unhealthyAfter = 3;
    private Duration backoffInitial = Duration.ofMillis(50);
    private Duration backoffMax = Duration.ofMillis(400);
    private double backoffJitter = 0.2;
    private int breakerFailureThreshold = 3;
    private Duration breakerOpenDuration = Duration.ofMillis(300);
    private int retries = 2;
    private boolean lazy;

    private TestOptions() {
    }

    /** Connect 2 s, request 500 ms, no health checks, backoff 50..400 ms ±20%, breaker 3 / 300 ms, 2 retries. */
    public static TestOptions fast() {
        return new TestOptions();
    }

    public TestOptions connectTimeout(Duration value) {
        connectTimeout = value;
        return this;
    }

    public TestOptions requestTimeout(Duration value) {
        requestTimeout = value;
        return this;
    }

    public TestOptions healthCheckInterval(Duration value) {
        healthCheckInterval = value;
        return this;
    }

    public TestOptions unhealthyAfter(int value) {
        unhealthyAfter = value;
        return this;
    }

    public TestOptions backoff(Duration initial, Duration max) {
        backoffInitial = initial;
        backoffMax = max;
        return this;
    }

    public TestOptions backoffJitter(double value) {
        backoffJitter = value;
        return this;
    }

    public TestOptions breaker(int failureThreshold, Duration openDuration) {
        breakerFailureThreshold = failureThreshold;
        breakerOpenDuration = openDuration;
        return this;
    }

    public TestOptions retries(int value) {
        retries = value;
        return this;
    }

    public TestOptions lazy(boolean value) {
        lazy = value;
        return this;
    }

    public ServerOptions build() {
        return new ServerOptions(connectTimeout, requestTimeout, healthCheckInterval, unhealthyAfter, backoffInitial,
                backoffMax, backoffJitter, breakerFailureThreshold, breakerOpenDuration, retries, lazy);
    }
}
