package dev.pinhole.wireguard.udp;

import static dev.pinhole.wireguard.udp.LinuxUdpCalls.IOVEC_SIZE;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.IOV_BASE;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.IOV_LEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MMSGHDR_SIZE;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_CONTROL;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_CONTROLLEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_IOV;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_IOVLEN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_NAME;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.MSG_NAMELEN;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The outgoing side of a batch: {@code slots} datagram slots with one iovec each, and up to {@code slots} messages
 * ({@code struct mmsghdr}) over them. A message is one datagram, or, with UDP segmentation offload, a run of
 * consecutive slots to one destination whose datagrams all have the first one's size (the last may be shorter):
 * its iovecs are the slots' (they are contiguous), and a {@code UDP_SEGMENT} control message tells the kernel
 * where to cut, so the run crosses the stack once. Pointers inside the structures are written as raw addresses:
 * nothing is allocated per datagram. One thread only.
 */
final class SendVector {
    /** {@code CMSG_SPACE(sizeof(uint16_t))} and {@code CMSG_LEN(sizeof(uint16_t))} on LP64. */
    private static final long CMSG_SPACE = 24;
    private static final long CMSG_LEN = 18;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    /** The kernel's UDP_MAX_SEGMENTS (64 before Linux 6.x raised it) and the largest UDP payload. */
    static final int MAX_SEGMENTS = 64;
    private static final int MAX_GSO_BYTES = 65_000;

    final int slots;
    final int slotBytes;
    final MemorySegment headers;
    final MemorySegment capture;
    private final long iovecs;
    private final MemorySegment iovecSegment;
    private final MemorySegment names;
    private final MemorySegment control;
    private final ByteBuffer[] views;

    private int used;
    private int messages;
    /** Per message: its first slot and how many datagrams it carries. */
    private final int[] firstSlot;
    private final int[] segments;
    private final java.net.InetSocketAddress[] destinationOf;
    /** The open message: can the next datagram join it (the same destination object, size fits, room left)? */
    private java.net.InetSocketAddress openDestination;
    private int openSegmentSize;
    private int openBytes;
    private boolean openClosed;

    SendVector(Arena arena, int slots, int slotBytes) {
        this.slots = slots;
        this.slotBytes = slotBytes;
        this.headers = arena.allocate(MMSGHDR_SIZE * slots, 8);
        this.iovecSegment = arena.allocate(IOVEC_SIZE * slots, 8);
        this.iovecs = iovecSegment.address();
        this.names = arena.allocate((long) Sockaddr.IN6_LEN * slots, 8);
        this.control = arena.allocate(CMSG_SPACE * slots, 8);
        this.capture = arena.allocate(LinuxUdpCalls.CAPTURE);
        MemorySegment data = arena.allocate((long) slotBytes * slots, 64);
        this.views = new ByteBuffer[slots];
        this.firstSlot = new int[slots];
        this.segments = new int[slots];
        this.destinationOf = new java.net.InetSocketAddress[slots];
        for (int i = 0; i < slots; i++) {
            MemorySegment slot = data.asSlice((long) slotBytes * i, slotBytes);
            iovecSegment.set(ADDRESS, IOVEC_SIZE * i + IOV_BASE, slot);
            views[i] = slot.asByteBuffer();
            long h = MMSGHDR_SIZE * i;
            headers.set(ADDRESS, h + MSG_NAME, names.asSlice((long) Sockaddr.IN6_LEN * i, Sockaddr.IN6_LEN));
            long c = CMSG_SPACE * i;
            control.set(JAVA_LONG, c, CMSG_LEN);
            control.set(JAVA_INT, c + 8, SOL_UDP);
            control.set(JAVA_INT, c + 12, UDP_SEGMENT);
        }
    }

    boolean full() {
        return used == slots;
    }

    boolean isEmpty() {
        return used == 0;
    }

    int messages() {
        return messages;
    }

    /** Datagrams in message {@code m}. */
    int segments(int m) {
        return segments[m];
    }

    java.net.InetSocketAddress destination(int m) {
        return destinationOf[m];
    }

    /** Datagram {@code k} of message {@code m} as a buffer (to send it on its own when a run is refused). */
    ByteBuffer datagram(int m, int k) {
        int slot = firstSlot[m] + k;
        ByteBuffer v = views[slot];
        v.clear();
        v.limit((int) iovecSegment.get(JAVA_LONG, IOVEC_SIZE * slot + IOV_LEN));
        return v;
    }

    /**
     * Copies {@code datagram}'s remaining bytes (it is not moved) into the next slot, to {@code name}: it joins the
     * open message when {@code segment} allows and it fits, else it starts a message of its own ({@code name} is
     * {@code destination} encoded).
     */
    void add(ByteBuffer datagram, java.net.InetSocketAddress destination, byte[] name, int nameLen, boolean segment) {
        int len = datagram.remaining();
        int slot = used++;
        views[slot].clear();
        views[slot].put(0, datagram, datagram.position(), len);
        iovecSegment.set(JAVA_LONG, IOVEC_SIZE * slot + IOV_LEN, len);
        if (segment && messages > 0 && destination == openDestination && !openClosed && len <= openSegmentSize
                && openBytes + len <= MAX_GSO_BYTES && segments[messages - 1] < MAX_SEGMENTS) {
            int m = messages - 1;
            int n = ++segments[m];
            long h = MMSGHDR_SIZE * m;
            headers.set(JAVA_LONG, h + MSG_IOVLEN, n);
            if (n == 2) {
                long c = CMSG_SPACE * m;
                control.set(JAVA_SHORT, c + 16, (short) openSegmentSize);
                headers.set(JAVA_LONG, h + MSG_CONTROL, control.address() + c);
                headers.set(JAVA_LONG, h + MSG_CONTROLLEN, CMSG_SPACE);
            }
            openBytes += len;
            // A shorter datagram can only be the last of a run.
            openClosed = len < openSegmentSize;
            return;
        }
        int m = messages++;
        firstSlot[m] = slot;
        segments[m] = 1;
        destinationOf[m] = destination;
        long h = MMSGHDR_SIZE * m;
        MemorySegment.copy(name, 0, names, JAVA_BYTE, (long) Sockaddr.IN6_LEN * m, nameLen);
        headers.set(JAVA_INT, h + MSG_NAMELEN, nameLen);
        headers.set(JAVA_LONG, h + MSG_IOV, iovecs + IOVEC_SIZE * slot);
        headers.set(JAVA_LONG, h + MSG_IOVLEN, 1L);
        headers.set(JAVA_LONG, h + MSG_CONTROL, 0L);
        headers.set(JAVA_LONG, h + MSG_CONTROLLEN, 0L);
        openDestination = destination;
        openSegmentSize = len;
        openBytes = len;
        openClosed = false;
    }

    /** Empties the vector for the next batch. */
    void clear() {
        used = 0;
        messages = 0;
        openDestination = null;
    }

    /** The headers from message {@code m} on, for a call that starts there. */
    MemorySegment headersFrom(int m) {
        return m == 0 ? headers : headers.asSlice(MMSGHDR_SIZE * m);
    }
}
