package dev.pinhole.netstack.tcp;

import java.time.Duration;

/**
 * Tunables of a {@link TcpEndpoint}. Durations are held in nanoseconds. Build with {@link #builder()}; the defaults
 * suit a WireGuard tunnel with MTU 1420.
 *
 * @param mtu                      tunnel MTU; our MSS is {@code mtu - 40} (IPv4) or {@code mtu - 60} (IPv6)
 * @param sendBufferBytes          bound on bytes queued by {@code write} and not yet acknowledged
 * @param receiveBufferBytes       bound on received bytes not yet read (in order or not): the largest window
 * @param windowScaling            offer RFC 7323 window scaling when the peer does
 * @param timestamps               use RFC 7323 timestamps when the peer offers them
 * @param initialRtoNanos          RTO before any RTT sample (RFC 6298: 1 s)
 * @param minRtoNanos              lower bound of the RTO (RFC 6298 says 1 s; 200 ms is common practice)
 * @param maxRtoNanos              upper bound of the backed-off RTO and of persist intervals
 * @param maxRetransmissions       consecutive timeouts (data, FIN, zero-window probes) before we give up with RST
 * @param maxSynAckRetransmissions SYN-ACK retransmissions before the half-open flow is dropped
 * @param timeWaitNanos            TIME_WAIT duration (2 MSL)
 * @param delayedAckNanos          delay before acknowledging a lone in-order segment; 0 acknowledges at once
 * @param keepaliveIdleNanos       idle time before the first keepalive probe; 0 disables keepalive
 * @param keepaliveIntervalNanos   time between unanswered keepalive probes
 * @param keepaliveProbes          unanswered probes before the flow is reset
 * @param maxOutOfOrderRanges      bound on the distinct holes kept by the reassembly queue
 * @param initialWindowSegments    initial congestion window in segments (RFC 6928: 10)
 */
public record TcpConfig(int mtu, int sendBufferBytes, int receiveBufferBytes, boolean windowScaling,
                        boolean timestamps, long initialRtoNanos, long minRtoNanos, long maxRtoNanos,
                        int maxRetransmissions, int maxSynAckRetransmissions, long timeWaitNanos,
                        long delayedAckNanos, long keepaliveIdleNanos, long keepaliveIntervalNanos,
                        int keepaliveProbes, int maxOutOfOrderRanges, int initialWindowSegments) {

    /** Smallest MTU we accept: IPv6's minimum link MTU. */
    public static final int MIN_MTU = 1280;

    public TcpConfig {
        if (mtu < MIN_MTU || mtu > 65535) {
            throw new IllegalArgumentException("mtu must be in [1280, 65535]: " + mtu);
        }
        if (sendBufferBytes < 1 || receiveBufferBytes < 1) {
            throw new IllegalArgumentException("buffers must be positive");
        }
        if (receiveBufferBytes > (1 << 30) || sendBufferBytes > (1 << 30)) {
            throw new IllegalArgumentException("buffers must not exceed 1 GiB (RFC 7323 window limit)");
        }
        if (minRtoNanos <= 0 || initialRtoNanos < minRtoNanos || maxRtoNanos < initialRtoNanos) {
            throw new IllegalArgumentException("need 0 < minRto <= initialRto <= maxRto");
        }
        if (maxRetransmissions < 1 || maxSynAckRetransmissions < 0 || keepaliveProbes < 1
                || maxOutOfOrderRanges < 1 || initialWindowSegments < 1) {
            throw new IllegalArgumentException("counts must be positive");
        }
        if (timeWaitNanos < 0 || delayedAckNanos < 0 || keepaliveIdleNanos < 0 || keepaliveIntervalNanos <= 0) {
            throw new IllegalArgumentException("durations must not be negative");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static TcpConfig defaults() {
        return builder().build();
    }

    /** Our MSS for a flow of this IP version, from the tunnel MTU. */
    public int mssFor(int ipVersion) {
        return mtu - (ipVersion == 4 ? 40 : 60);
    }

    public boolean keepaliveEnabled() {
        return keepaliveIdleNanos > 0;
    }

    /** Builder with defaults; every setter returns {@code this}. */
    public static final class Builder {
        private int mtu = 1420;
        private int sendBufferBytes = 256 * 1024;
        private int receiveBufferBytes = 256 * 1024;
        private boolean windowScaling = true;
        private boolean timestamps = true;
        private Duration initialRto = Duration.ofSeconds(1);
        private Duration minRto = Duration.ofMillis(200);
        private Duration maxRto = Duration.ofSeconds(60);
        private int maxRetransmissions = 12;
        private int maxSynAckRetransmissions = 5;
        private Duration timeWait = Duration.ofSeconds(60);
        private Duration delayedAck = Duration.ofMillis(40);
        private Duration keepaliveIdle = Duration.ZERO;
        private Duration keepaliveInterval = Duration.ofSeconds(75);
        private int keepaliveProbes = 9;
        private int maxOutOfOrderRanges = 16;
        private int initialWindowSegments = 10;

        public Builder mtu(int v) {
            mtu = v;
            return this;
        }

        public Builder sendBufferBytes(int v) {
            sendBufferBytes = v;
            return this;
        }

        public Builder receiveBufferBytes(int v) {
            receiveBufferBytes = v;
            return this;
        }

        public Builder windowScaling(boolean v) {
            windowScaling = v;
            return this;
        }

        public Builder timestamps(boolean v) {
            timestamps = v;
            return this;
        }

        public Builder initialRto(Duration v) {
            initialRto = v;
            return this;
        }

        public Builder minRto(Duration v) {
            minRto = v;
            return this;
        }

        public Builder maxRto(Duration v) {
            maxRto = v;
            return this;
        }

        public Builder maxRetransmissions(int v) {
            maxRetransmissions = v;
            return this;
        }

        public Builder maxSynAckRetransmissions(int v) {
            maxSynAckRetransmissions = v;
            return this;
        }

        public Builder timeWait(Duration v) {
            timeWait = v;
            return this;
        }

        public Builder delayedAck(Duration v) {
            delayedAck = v;
            return this;
        }

        /** Enables keepalive after {@code idle} with {@code probes} probes {@code interval} apart. */
        public Builder keepalive(Duration idle, Duration interval, int probes) {
            keepaliveIdle = idle;
            keepaliveInterval = interval;
            keepaliveProbes = probes;
            return this;
        }

        public Builder maxOutOfOrderRanges(int v) {
            maxOutOfOrderRanges = v;
            return this;
        }

        public Builder initialWindowSegments(int v) {
            initialWindowSegments = v;
            return this;
        }

        public TcpConfig build() {
            return new TcpConfig(mtu, sendBufferBytes, receiveBufferBytes, windowScaling, timestamps,
                    initialRto.toNanos(), minRto.toNanos(), maxRto.toNanos(), maxRetransmissions,
                    maxSynAckRetransmissions, timeWait.toNanos(), delayedAck.toNanos(), keepaliveIdle.toNanos(),
                    keepaliveInterval.toNanos(), keepaliveProbes, maxOutOfOrderRanges, initialWindowSegments);
        }
    }
}
