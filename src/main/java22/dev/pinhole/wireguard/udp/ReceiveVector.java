package dev.pinhole.wireguard.udp;

import static dev.pinhole.wireguard.udp.LinuxUdpCalls.IOVEC_SIZE;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.IOV_LEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MMSGHDR_SIZE;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MMSG_LEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_CONTROL;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_CONTROLLEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_FLAGS;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_NAMELEN;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The receive side of a batched port: {@code count} messages ({@code struct mmsghdr}) for {@code recvmmsg}, each
 * wired once to its own iovec, socket address slot, control buffer and data slot. With UDP receive offload
 * ({@code UDP_GRO}) a message may hold a run of datagrams of one sender, all of the size the kernel reports in a
 * {@code UDP_GRO} control message (the last may be shorter), so its slot must take the largest UDP payload: the data
 * slots then live in memory mapped on their own ({@code mmap}), whose pages the kernel touches only as far as
 * datagrams fill them (64 slots of 64 KiB would be 4 MiB of resident memory if the arena zeroed them; an idle
 * connector holds a page or two). One thread only; {@link #close} unmaps (the arena frees the rest).
 */
final class ReceiveVector {
    /** Room per message for the {@code UDP_GRO} control message and one more of any kind. */
    static final long CONTROL_BYTES = 64;

    final int count;
    final int slotBytes;
    final MemorySegment headers;
    /** Where this vector's calls leave {@code errno}. */
    final MemorySegment capture;
    private final MemorySegment iovecs;
    private final MemorySegment names;
    private final MemorySegment control;
    private final MemorySegment data;
    private final boolean mapped;
    private final ByteBuffer[] views;

    /**
     * {@code count} slots of {@code slotBytes}; with {@code mapped} the data comes from its own anonymous mapping
     * (released by {@link #close}), else from {@code arena}.
     */
    ReceiveVector(Arena arena, int count, int slotBytes, boolean mapped) {
        this.count = count;
        this.slotBytes = slotBytes;
        this.headers = arena.allocate(MMSGHDR_SIZE * count, 8);
        this.iovecs = arena.allocate(IOVEC_SIZE * count, 8);
        this.names = arena.allocate((long) Sockaddr.IN6_LEN * count, 8);
        this.control = arena.allocate(CONTROL_BYTES * count, 8);
        this.capture = arena.allocate(LinuxUdpCalls.CAPTURE);
        long dataBytes = (long) slotBytes * count;
        this.mapped = mapped;
        this.data = mapped ? LinuxUdpCalls.map(dataBytes) : arena.allocate(dataBytes, 64);
        this.views = MessageVector.wire(headers, iovecs, names, data, count, slotBytes);
        for (int i = 0; i < count; i++) {
            headers.set(ADDRESS, MMSGHDR_SIZE * i + MSG_CONTROL, control.asSlice(CONTROL_BYTES * i, CONTROL_BYTES));
        }
    }

    /** Before a receive: every message takes a full slot, a full socket address and a full control buffer again. */
    void readyToReceive(int n) {
        for (int i = 0; i < n; i++) {
            long h = MMSGHDR_SIZE * i;
            headers.set(JAVA_INT, h + MSG_NAMELEN, Sockaddr.IN6_LEN);
            headers.set(JAVA_LONG, h + MSG_CONTROLLEN, CONTROL_BYTES);
            iovecs.set(JAVA_LONG, IOVEC_SIZE * i + IOV_LEN, slotBytes);
        }
    }

    /** The bytes received into message {@code i}'s slot. */
    int length(int i) {
        return headers.get(JAVA_INT, MMSGHDR_SIZE * i + MMSG_LEN);
    }

    int flags(int i) {
        return headers.get(JAVA_INT, MMSGHDR_SIZE * i + MSG_FLAGS);
    }

    /** Copies message {@code i}'s socket address into {@code out}; returns its length as the kernel set it. */
    int copyName(int i, byte[] out) {
        int len = Math.min(headers.get(JAVA_INT, MMSGHDR_SIZE * i + MSG_NAMELEN), Sockaddr.IN6_LEN);
        MemorySegment.copy(names, JAVA_BYTE, (long) Sockaddr.IN6_LEN * i, out, 0, Math.max(len, 0));
        return len;
    }

    /**
     * The size of each datagram in message {@code i} when the kernel coalesced a run into it, else 0; the control
     * data is copied into {@code scratch} ({@link #CONTROL_BYTES} long) and parsed there ({@link GroControl}).
     */
    int segmentSize(int i, byte[] scratch) {
        long len = Math.min(Math.max(headers.get(JAVA_LONG, MMSGHDR_SIZE * i + MSG_CONTROLLEN), 0), CONTROL_BYTES);
        if (len < GroControl.HEADER) {
            return 0;
        }
        MemorySegment.copy(control, JAVA_BYTE, CONTROL_BYTES * i, scratch, 0, (int) len);
        return GroControl.segmentSize(scratch, (int) len);
    }

    /** Bytes {@code [off, off + len)} of message {@code i}'s slot as a buffer lent for one callback. */
    ByteBuffer received(int i, int off, int len) {
        ByteBuffer v = views[i];
        v.clear();
        v.limit(off + len);
        v.position(off);
        return v;
    }

    /** Unmaps the mapped data slots (the port's lock guarantees no receive runs); the arena frees the rest. */
    void close() {
        if (mapped) {
            LinuxUdpCalls.unmap(data);
        }
    }
}
