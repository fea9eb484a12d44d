package dev.pinhole.wireguard.udp;

import static dev.pinhole.wireguard.udp.LinuxUdpCalls.IOVEC_SIZE;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.IOV_BASE;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.IOV_LEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MMSGHDR_SIZE;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MMSG_LEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_FLAGS;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_IOV;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_IOVLEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_NAME;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_NAMELEN;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * An array of {@code struct mmsghdr} for the one-datagram {@code sendmmsg} of {@link MmsgDatagramPort#send}
 * ({@link ReceiveVector} is the receive side, {@link SendVector} a batch's), one datagram per message, wired once
 * to its own iovecs, socket address slots and data slots, all in native memory of the port's arena: a call only updates lengths, nothing is
 * allocated per datagram. Each slot's data is also lent as a direct {@link ByteBuffer} made once. One thread only.
 */
final class MessageVector {
    final int count;
    final int slotBytes;
    final MemorySegment headers;
    /** Where this vector's calls leave {@code errno}. */
    final MemorySegment capture;
    private final MemorySegment iovecs;
    private final MemorySegment names;
    private final MemorySegment data;
    private final ByteBuffer[] views;

    MessageVector(Arena arena, int count, int slotBytes) {
        this.count = count;
        this.slotBytes = slotBytes;
        this.headers = arena.allocate(MMSGHDR_SIZE * count, 8);
        this.iovecs = arena.allocate(IOVEC_SIZE * count, 8);
        this.names = arena.allocate((long) Sockaddr.IN6_LEN * count, 8);
        this.data = arena.allocate((long) slotBytes * count, 64);
        this.capture = arena.allocate(LinuxUdpCalls.CAPTURE);
        this.views = wire(headers, iovecs, names, data, count, slotBytes);
    }

    /**
     * Wires message {@code i} of {@code headers} to data slot {@code i} (one iovec of {@code slotBytes}) and socket
     * address slot {@code i}, for every message; returns each slot lent as a direct buffer. Shared by the one-datagram
     * vector and {@link ReceiveVector}, which adds its control buffers.
     */
    static ByteBuffer[] wire(MemorySegment headers, MemorySegment iovecs, MemorySegment names, MemorySegment data,
            int count, int slotBytes) {
        ByteBuffer[] views = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            MemorySegment slot = data.asSlice((long) slotBytes * i, slotBytes);
            long iov = IOVEC_SIZE * i;
            iovecs.set(ADDRESS, iov + IOV_BASE, slot);
            iovecs.set(JAVA_LONG, iov + IOV_LEN, slotBytes);
            long h = MMSGHDR_SIZE * i;
            headers.set(ADDRESS, h + MSG_NAME, names.asSlice((long) Sockaddr.IN6_LEN * i, Sockaddr.IN6_LEN));
            headers.set(JAVA_INT, h + MSG_NAMELEN, Sockaddr.IN6_LEN);
            headers.set(ADDRESS, h + MSG_IOV, iovecs.asSlice(iov, IOVEC_SIZE));
            headers.set(JAVA_LONG, h + MSG_IOVLEN, 1L);
            views[i] = slot.asByteBuffer();
        }
        return views;
    }

    /** The length of the datagram received into slot {@code i} (or sent from it). */
    int length(int i) {
        return headers.get(JAVA_INT, MMSGHDR_SIZE * i + MMSG_LEN);
    }

    /** Fills slot {@code i} for sending: {@code datagram}'s remaining bytes (it is not moved) to {@code name}. */
    void fill(int i, ByteBuffer datagram, byte[] name, int nameLen) {
        int len = datagram.remaining();
        views[i].clear();
        views[i].put(0, datagram, datagram.position(), len);
        MemorySegment.copy(name, 0, names, JAVA_BYTE, (long) Sockaddr.IN6_LEN * i, nameLen);
        headers.set(JAVA_INT, MMSGHDR_SIZE * i + MSG_NAMELEN, nameLen);
        iovecs.set(JAVA_LONG, IOVEC_SIZE * i + IOV_LEN, len);
    }
}
