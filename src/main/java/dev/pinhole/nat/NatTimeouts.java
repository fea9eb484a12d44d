package dev.pinhole.nat;

import java.time.Duration;

/**
 * Timeouts of the NAT layer.
 *
 * @param tcpConnect     how long a real connect may take before the client gets a RST
 * @param tcpEstablished idle time after which an established TCP flow is reset (both ways)
 * @param tcpHalfClosed  idle time after which a TCP flow with one direction finished is reset
 * @param udp            idle time after which a UDP flow is forgotten
 */
public record NatTimeouts(Duration tcpConnect, Duration tcpEstablished, Duration tcpHalfClosed, Duration udp) {
    public NatTimeouts {
        for (Duration d : new Duration[] {tcpConnect, tcpEstablished, tcpHalfClosed, udp}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("NAT timeouts must be positive");
            }
        }
    }

    /** Connect 10 s, established 2 h, half-closed 5 min, UDP 60 s. */
    public static NatTimeouts defaults() {
        return new NatTimeouts(Duration.ofSeconds(10), Duration.ofHours(2), Duration.ofMinutes(5),
                Duration.ofSeconds(60));
    }
}
