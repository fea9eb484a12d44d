package dev.pinhole.connector;

import dev.pinhole.wireguard.Peer;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands decrypted packets from the WireGuard receive thread to the relay thread: a fixed ring of pre-allocated slots
 * with exactly one producer (the receive thread, {@link #offer}) and one consumer (the relay thread, {@link #poll}
 * then {@link #release}). The receive thread's buffer is valid only during its callback, so each packet is copied
 * into the next free slot; no allocation and no lock per packet. Slots have one fixed size, the tunnel MTU: a
 * larger inner packet is refused ({@link Admission#TOO_BIG}), so the queue's memory is fixed at construction
 * whatever clients send. When every slot is in flight the packet is refused too ({@link Admission#FULL}): the relay
 * thread is the bottleneck and the client's TCP backs off, as it would on a congested link.
 */
final class InboundQueue {
    /** What {@link #offer} did with a packet. */
    enum Admission { QUEUED, FULL, TOO_BIG }

    /** One queued packet; valid until {@link #release}. */
    static final class Slot {
        final ByteBuffer buffer;
        Peer peer;

        Slot(int capacity) {
            this.buffer = ByteBuffer.allocate(capacity);
        }
    }

    private final Slot[] slots;
    private final int slotBytes;
    private final int mask;
    /** Next slot the producer fills; written only by the producer. */
    private final AtomicLong tail = new AtomicLong();
    /** Next slot the consumer takes; written only by the consumer. */
    private final AtomicLong head = new AtomicLong();
    /** The producer's last view of {@link #head}, to avoid reading the consumer's counter per packet. */
    private long headSeen;

    /** {@code slots} is rounded up to a power of two. */
    InboundQueue(int slots, int slotBytes) {
        int n = Integer.highestOneBit(Math.max(2, slots - 1)) << 1;
        this.slots = new Slot[n];
        this.mask = n - 1;
        this.slotBytes = slotBytes;
        for (int i = 0; i < n; i++) {
            this.slots[i] = new Slot(slotBytes);
        }
    }

    /** Producer: copies {@code packet} (not consumed) into a slot, unless it is larger than a slot or none is free. */
    Admission offer(Peer peer, ByteBuffer packet) {
        if (packet.remaining() > slotBytes) {
            return Admission.TOO_BIG;
        }
        long t = tail.get();
        if (t - headSeen >= slots.length) {
            headSeen = head.get();
            if (t - headSeen >= slots.length) {
                return Admission.FULL;
            }
        }
        Slot slot = slots[(int) t & mask];
        slot.peer = peer;
        slot.buffer.clear();
        slot.buffer.put(packet.duplicate()).flip();
        tail.lazySet(t + 1);
        return Admission.QUEUED;
    }

    /** Consumer: the oldest queued packet, or null; {@link #release} it before the next poll. */
    Slot poll() {
        long h = head.get();
        return h == tail.get() ? null : slots[(int) h & mask];
    }

    /** Consumer: gives the slot {@link #poll} returned back to the producer. */
    void release(Slot slot) {
        slot.peer = null;
        head.lazySet(head.get() + 1);
    }

    /** The largest packet a slot holds: the tunnel MTU. */
    int slotBytes() {
        return slotBytes;
    }

    /** Bytes the slots hold, fixed at construction. */
    long memoryBytes() {
        return (long) slots.length * slotBytes;
    }

    /** True when nothing is queued (either thread; a snapshot). */
    boolean isEmpty() {
        return head.get() == tail.get();
    }
}
