package dev.pinhole.connector;

import dev.pinhole.wireguard.Peer;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Hands decrypted packets from the WireGuard receive thread to the relay thread. The receive thread's buffer is
 * valid only during its callback, so each packet is copied into a slot from a fixed pool (no allocation per packet;
 * larger-than-slot packets get a one-off buffer). When every slot is in flight the packet is dropped and counted:
 * the relay thread is the bottleneck and the client's TCP backs off, as it would on a congested link.
 */
final class InboundQueue {
    /** One queued packet; the buffer is returned to the pool by {@link #release}. */
    static final class Slot {
        final ByteBuffer buffer;
        final boolean pooled;
        Peer peer;

        Slot(int capacity, boolean pooled) {
            this.buffer = ByteBuffer.allocate(capacity);
            this.pooled = pooled;
        }
    }

    private final int slotBytes;
    private final ArrayBlockingQueue<Slot> free;
    private final ConcurrentLinkedQueue<Slot> ready = new ConcurrentLinkedQueue<>();

    InboundQueue(int slots, int slotBytes) {
        this.slotBytes = slotBytes;
        this.free = new ArrayBlockingQueue<>(slots);
        for (int i = 0; i < slots; i++) {
            free.add(new Slot(slotBytes, true));
        }
    }

    /** Copies {@code packet} (not consumed) into a slot; false when the pool is exhausted. */
    boolean offer(Peer peer, ByteBuffer packet) {
        Slot slot = packet.remaining() <= slotBytes ? free.poll() : new Slot(packet.remaining(), false);
        if (slot == null) {
            return false;
        }
        slot.peer = peer;
        slot.buffer.clear();
        slot.buffer.put(packet.duplicate()).flip();
        ready.add(slot);
        return true;
    }

    /** The oldest queued packet, or null. */
    Slot poll() {
        return ready.poll();
    }

    void release(Slot slot) {
        slot.peer = null;
        if (slot.pooled) {
            free.offer(slot);
        }
    }
}
