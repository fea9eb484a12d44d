package dev.pinhole.connector;

import dev.pinhole.nat.RelayLoop;
import dev.pinhole.nat.TcpRelay;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.udp.PacketSink;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The hand-over from the WireGuard receive thread to the relay thread: the receive thread copies each decrypted
 * packet into the {@link InboundQueue} and wakes the relay thread at the end of its burst; the relay thread drains
 * the queue into the {@link PacketRouter} in bursts of at most {@link #BURST_PACKETS}.
 */
final class InboundHandOff implements PacketSink {
    private static final Logger LOG = Logger.getLogger(InboundHandOff.class.getName());
    /** Packets per burst between flushes (one socket write and one ACK per flow per burst). */
    static final int BURST_PACKETS = 64;

    private final InboundQueue inbound;
    private final RelayLoop loop;
    private final TcpRelay tcp;
    private final PacketRouter router;
    private final DataPlaneMetrics metrics;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Relay thread only: failures since the last warning, and when that warning was written. */
    private long failuresUnreported;
    private long lastFailureWarning = System.nanoTime() - FAILURE_WARNING_EVERY_NANOS;
    private static final long FAILURE_WARNING_EVERY_NANOS = 60_000_000_000L;
    /** Tests: runs once on the WireGuard receive thread (to break it on purpose). */
    private volatile Runnable receiveThreadHook;

    InboundHandOff(InboundQueue inbound, RelayLoop loop, TcpRelay tcp, PacketRouter router, DataPlaneMetrics metrics) {
        this.inbound = inbound;
        this.loop = loop;
        this.tcp = tcp;
        this.router = router;
        this.metrics = metrics;
    }

    /** WireGuard receive thread: copy and hand over to the relay thread (woken at the end of the burst). */
    @Override
    public void onPacket(Peer peer, ByteBuffer packet) {
        switch (inbound.offer(peer, packet)) {
            case FULL -> metrics.drop(PolicyDropReason.QUEUE_FULL);
            case TOO_BIG -> metrics.drop(PolicyDropReason.OVER_MTU);
            case QUEUED -> { }
        }
    }

    /** Tests: runs {@code hook} once on the WireGuard receive thread, at the end of its next burst. */
    void receiveThreadHook(Runnable hook) {
        this.receiveThreadHook = hook;
    }

    @Override
    public void endOfBurst() {
        Runnable hook = receiveThreadHook;
        if (hook != null) {
            receiveThreadHook = null;
            hook.run();
        }
        if (!inbound.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
        }
    }

    /**
     * Relay thread: handles what the receive thread queued, in bursts of at most {@link #BURST_PACKETS}. Within a
     * burst TCP flows keep received bytes and routine ACKs back (see {@link TcpRelay#beginBatch()}); the bound keeps
     * ACKs flowing while the queue never runs dry, and lets socket I/O and timers run between bursts.
     */
    private void drain() {
        drainScheduled.set(false);
        int handled = 0;
        tcp.beginBatch();
        try {
            InboundQueue.Slot slot;
            while (handled < BURST_PACKETS && (slot = inbound.poll()) != null) {
                handled++;
                try {
                    router.handle(slot.peer, slot.buffer);
                } catch (RuntimeException e) {
                    failed(e);
                } finally {
                    inbound.release(slot);
                }
            }
        } finally {
            tcp.endBatch();
        }
        if (handled == BURST_PACKETS && !inbound.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
        }
    }

    /**
     * A packet whose handling threw: a client chose its bytes, so it must not buy a stack trace in the log per
     * packet (a log flood). It is dropped and counted ({@code packet_failed}); one warning a minute names the
     * failure, and the stack trace goes to FINE for whoever debugs it.
     */
    private void failed(RuntimeException e) {
        metrics.drop(PolicyDropReason.PACKET_FAILED);
        failuresUnreported++;
        LOG.log(Level.FINE, "packet handling failed", e);
        long now = System.nanoTime();
        if (now - lastFailureWarning >= FAILURE_WARNING_EVERY_NANOS) {
            long count = failuresUnreported;
            LOG.warning(() -> "packet handling failed (" + count + " packets dropped since the last warning,"
                    + " counted as packet_failed): " + e);
            failuresUnreported = 0;
            lastFailureWarning = now;
        }
    }
}
