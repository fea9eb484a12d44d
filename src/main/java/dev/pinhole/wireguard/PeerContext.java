package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.OpenStrategy;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * What every peer session of one device shares: our identity, the receiver-index table, timer settings, the MTU
 * (for padding), randomness and the TAI64N clock, the drop counters, the per-thread packet buffers and how transport
 * messages are opened.
 */
record PeerContext(LocalIdentity identity, IndexTable indices, TimerConfig timers, int mtu, SecureRandom random,
        Clock clock, WireGuardDropCounters drops, ThreadLocal<PacketScratch> scratch, OpenStrategy openStrategy) {

    /** A context for a session used on its own (tests): defaults for MTU, randomness and clock, fresh counters. */
    static PeerContext standalone(byte[] ourPrivateKey, TimerConfig timers, IndexTable indices) {
        return new PeerContext(new LocalIdentity(ourPrivateKey), indices, timers, 1420, new SecureRandom(),
                Clock.systemUTC(), new WireGuardDropCounters(), ThreadLocal.withInitial(PacketScratch::new),
                OpenStrategy.CHECK_FIRST);
    }
}
