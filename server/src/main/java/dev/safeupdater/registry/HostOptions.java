package dev.safeupdater.registry;

import java.nio.file.Path;

/**
 * How to reach one registry: plain HTTP ({@code insecure}), an extra CA certificate file (PEM) to trust, and
 * politeness: {@code rate} requests per second with bursts of {@code burst}, at most {@code maxConcurrent} at once.
 */
public record HostOptions(boolean insecure, Path caFile, double rate, int burst, int maxConcurrent) {
    public HostOptions {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be positive");
        }
        if (burst < 1 || maxConcurrent < 1) {
            throw new IllegalArgumentException("burst and maxConcurrent must be at least 1");
        }
    }

    public HostOptions withInsecure(boolean value) {
        return new HostOptions(value, caFile, rate, burst, maxConcurrent);
    }

    public HostOptions withCaFile(Path value) {
        return new HostOptions(insecure, value, rate, burst, maxConcurrent);
    }

    public HostOptions withRate(double value, int burstValue) {
        return new HostOptions(insecure, caFile, value, burstValue, maxConcurrent);
    }

    public HostOptions withMaxConcurrent(int value) {
        return new HostOptions(insecure, caFile, rate, burst, value);
    }
}
