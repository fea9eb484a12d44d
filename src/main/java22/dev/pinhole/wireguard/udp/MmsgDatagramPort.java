package dev.pinhole.wireguard.udp;

import static dev.pinhole.wireguard.udp.LinuxUdpCalls.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;

/**
 * A UDP socket of its own (not the JDK's: it has no {@code recvmmsg}) driven through {@code java.lang.foreign}:
 * {@code recvmmsg} reads up to {@value #BATCH} messages per system call into slots of native memory (with UDP
 * receive offload, {@code UDP_GRO}, where the kernel has it, a message may be a run of one sender's datagrams that
 * crossed the stack as one; they are cut apart here, unless {@code -Dpinhole.udp.gro=false}), each
 * {@link MmsgBatch} sends up to {@value #BATCH} per {@code sendmmsg} (runs of equal-sized datagrams to one
 * destination as one message with UDP segmentation offload, {@code UDP_SEGMENT}, unless the kernel refuses it or
 * {@code -Dpinhole.udp.gso=false}), {@code poll} waits. One shared arena per
 * port holds every structure; nothing is allocated per datagram (sources come from a {@link SourceAddressCache},
 * destinations from the batch's own). Copies left: slot to the device's heap buffer on receipt (as the channel
 * path), the sealed datagram into a slot on send (the JDK's channel makes the same copy into its direct buffer).
 *
 * <p>Closing: every system call runs under the read side of a lock whose write side {@link #close} takes, so the
 * descriptor and the arena are never used after they are released (a late send on a reused descriptor number would
 * write into someone else's socket).
 */
final class MmsgDatagramPort implements DatagramPort {
    private static final java.util.logging.Logger LOG =
            java.util.logging.Logger.getLogger(MmsgDatagramPort.class.getName());
    static final int BATCH = 64;
    /** System property: {@code false} turns UDP segmentation offload on send off (for comparison). */
    static final String SEGMENTATION_PROPERTY = "pinhole.udp.gso";
    /** System property: {@code false} turns UDP receive offload ({@code UDP_GRO}) off (for comparison). */
    static final String RECEIVE_OFFLOAD_PROPERTY = "pinhole.udp.gro";
    /** A receive slot with receive offload: the largest UDP payload, a coalesced run of datagrams included. */
    static final int OFFLOAD_SLOT_BYTES = 65536;
    /** Largest UDP payload, for {@link #send} (any datagram, from any thread). */
    private static final int MAX_DATAGRAM = 65536;

    private final Arena arena;
    private final int fd;
    private final int family;
    private final int slotBytes;
    private final InetSocketAddress local;
    /** Read side: each system call; write side: close. No per-thread bookkeeping, so no garbage per call. */
    private final StampedLock open = new StampedLock();
    private boolean closed;
    /** Receive thread only. */
    private final ReceiveVector rx;
    /** Whether the kernel may hand over a run of one sender's datagrams as one message ({@code UDP_GRO}). */
    private final boolean receiveOffload;
    private final MemorySegment pollFd;
    private final MemorySegment pollCapture;
    private final byte[] sourceName = new byte[Sockaddr.IN6_LEN];
    /** Receive thread: a message's control data, copied out to be parsed. */
    private final byte[] control = new byte[(int) ReceiveVector.CONTROL_BYTES];
    private final SourceAddressCache sources = new SourceAddressCache();
    private final LongAdder truncated = new LongAdder();
    /** {@link #send} from any thread, under its own monitor. */
    private final MessageVector single;
    private final byte[] singleName = new byte[Sockaddr.IN6_LEN];
    private volatile boolean segmentation = !"false".equals(System.getProperty(SEGMENTATION_PROPERTY));

    private MmsgDatagramPort(Arena arena, int fd, int family, int slotBytes, InetSocketAddress local,
            boolean receiveOffload) {
        this.arena = arena;
        this.fd = fd;
        this.family = family;
        this.slotBytes = slotBytes;
        this.local = local;
        this.receiveOffload = receiveOffload;
        this.rx = receiveOffload ? new ReceiveVector(arena, BATCH, OFFLOAD_SLOT_BYTES, true)
                : new ReceiveVector(arena, BATCH, slotBytes, false);
        this.pollFd = arena.allocate(8, 8);
        this.pollCapture = arena.allocate(CAPTURE);
        this.single = new MessageVector(arena, 1, MAX_DATAGRAM);
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, 4, POLLIN);
    }

    /**
     * Opens a non-blocking socket bound to {@code bind} (a wildcard address takes IPv4 and IPv6, as the JDK's does)
     * with 4 MiB buffers, and checks that both batched calls work here (a seccomp filter may refuse them).
     */
    static MmsgDatagramPort open(InetSocketAddress bind, int slotBytes) throws IOException {
        Arena arena = Arena.ofShared();
        int fd = -1;
        try {
            MemorySegment capture = arena.allocate(CAPTURE);
            int family = Sockaddr.AF_INET6;
            fd = (int) SOCKET.invokeExact(capture, family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0 && errno(capture) == EAFNOSUPPORT && bind.getAddress().getAddress().length == 4) {
                family = Sockaddr.AF_INET;
                fd = (int) SOCKET.invokeExact(capture, family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            }
            if (fd < 0) {
                throw new IOException("socket() failed, errno " + errno(capture));
            }
            MemorySegment intArg = arena.allocate(JAVA_INT);
            if (family == Sockaddr.AF_INET6) {
                intArg.set(JAVA_INT, 0, 0);
                check(capture, "IPV6_V6ONLY", (int) SETSOCKOPT.invokeExact(capture, fd, IPPROTO_IPV6, IPV6_V6ONLY,
                        intArg, 4));
            }
            intArg.set(JAVA_INT, 0, UdpDeviceDriver.SOCKET_BUFFER_BYTES);
            check(capture, "SO_RCVBUF", (int) SETSOCKOPT.invokeExact(capture, fd, SOL_SOCKET, SO_RCVBUF, intArg, 4));
            check(capture, "SO_SNDBUF", (int) SETSOCKOPT.invokeExact(capture, fd, SOL_SOCKET, SO_SNDBUF, intArg, 4));
            byte[] name = new byte[Sockaddr.IN6_LEN];
            int nameLen = bindName(bind, family, name);
            MemorySegment nameSeg = arena.allocate(Sockaddr.IN6_LEN, 8);
            MemorySegment.copy(name, 0, nameSeg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, nameLen);
            int r = (int) BIND.invokeExact(capture, fd, nameSeg, nameLen);
            if (r < 0) {
                throw new java.net.BindException("bind " + bind + " failed, errno " + errno(capture));
            }
            intArg.set(JAVA_INT, 0, Sockaddr.IN6_LEN);
            check(capture, "getsockname", (int) GETSOCKNAME.invokeExact(capture, fd, nameSeg, intArg));
            MemorySegment.copy(nameSeg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, name, 0, Sockaddr.IN6_LEN);
            InetSocketAddress local = Sockaddr.decode(name, intArg.get(JAVA_INT, 0));
            boolean offload = false;
            if (!"false".equals(System.getProperty(RECEIVE_OFFLOAD_PROPERTY))) {
                // Linux 5.0+; refused elsewhere, and then every message is one datagram as before.
                intArg.set(JAVA_INT, 0, 1);
                offload = (int) SETSOCKOPT.invokeExact(capture, fd, SOL_UDP, UDP_GRO, intArg, 4) == 0;
            }
            MmsgDatagramPort port = new MmsgDatagramPort(arena, fd, family, slotBytes, local, offload);
            port.selfTest();
            return port;
        } catch (IOException | RuntimeException | Error e) {
            if (fd >= 0) {
                try {
                    int ignored = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
                } catch (Throwable t) {
                    e.addSuppressed(t);
                }
            }
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IOException(t);
        }
    }

    /** The bind address as a socket address: the wildcard is {@code ::} on a dual-stack socket, as in the JDK. */
    private static int bindName(InetSocketAddress bind, int family, byte[] name) throws IOException {
        if (bind.getAddress() != null && bind.getAddress().isAnyLocalAddress()) {
            java.util.Arrays.fill(name, (byte) 0);
            name[0] = (byte) family;
            name[2] = (byte) (bind.getPort() >>> 8);
            name[3] = (byte) bind.getPort();
            return family == Sockaddr.AF_INET ? Sockaddr.IN4_LEN : Sockaddr.IN6_LEN;
        }
        int len = Sockaddr.encode(bind, family, name);
        if (len < 0) {
            throw new IOException("cannot bind " + bind + " on this socket family");
        }
        return len;
    }

    private static void check(MemorySegment capture, String what, int result) throws IOException {
        if (result < 0) {
            throw new IOException(what + " failed, errno " + errno(capture));
        }
    }

    /** Both batched calls on the fresh socket: nothing to read (EAGAIN) and an empty send (0). */
    private void selfTest() throws IOException {
        try {
            int r = (int) RECVMMSG.invokeExact(rx.capture, fd, rx.headers, 1, MSG_DONTWAIT, MemorySegment.NULL);
            if (r < 0 && errno(rx.capture) != EAGAIN) {
                throw new IOException("recvmmsg refused here, errno " + errno(rx.capture));
            }
            r = (int) SENDMMSG.invokeExact(single.capture, fd, single.headers, 0, MSG_DONTWAIT);
            if (r < 0) {
                throw new IOException("sendmmsg refused here, errno " + errno(single.capture));
            }
        } catch (Throwable t) {
            throw rethrown(t);
        }
    }

    @Override
    public UdpIo kind() {
        return UdpIo.RECVMMSG_SENDMMSG;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    int family() {
        return family;
    }

    int slotBytes() {
        return slotBytes;
    }

    @Override
    public void awaitReadable(long millis) throws IOException {
        long stamp = open.readLock();
        try {
            ensureOpen();
            int r = (int) POLL.invokeExact(pollCapture, pollFd, 1L, (int) Math.min(millis, Integer.MAX_VALUE));
            if (r < 0 && errno(pollCapture) != EINTR) {
                throw new IOException("poll failed, errno " + errno(pollCapture));
            }
        } catch (Throwable t) {
            throw rethrown(t);
        } finally {
            open.unlockRead(stamp);
        }
    }

    @Override
    public int receive(Receiver into, int max) throws IOException {
        int want = Math.min(max, BATCH);
        if (want <= 0) {
            return 0;
        }
        int n;
        long stamp = open.readLock();
        try {
            ensureOpen();
            rx.readyToReceive(want);
            n = (int) RECVMMSG.invokeExact(rx.capture, fd, rx.headers, want, MSG_DONTWAIT, MemorySegment.NULL);
            if (n < 0) {
                int e = errno(rx.capture);
                if (e == EAGAIN || e == EINTR) {
                    return 0;
                }
                throw new IOException("recvmmsg failed, errno " + e);
            }
        } catch (Throwable t) {
            throw rethrown(t);
        } finally {
            open.unlockRead(stamp);
        }
        // The slots stay ours until the next receive on this thread: hand them over outside the lock.
        int datagrams = 0;
        for (int i = 0; i < n; i++) {
            datagrams += handOver(i, into);
        }
        return datagrams;
    }

    /**
     * Hands message {@code i} to {@code into}: one datagram, or with receive offload each datagram of the run the
     * kernel coalesced into it, cut at its segment size, in order. A datagram larger than {@link #slotBytes} (the
     * limit without offload) is dropped and counted as truncated either way. Returns the datagrams it held.
     */
    private int handOver(int i, Receiver into) {
        int len = rx.length(i);
        int segment = receiveOffload ? rx.segmentSize(i, control) : 0;
        if (segment <= 0 || segment >= len) {
            segment = len;
        }
        int datagrams = len == 0 ? 1 : (len + segment - 1) / segment;
        if ((rx.flags(i) & MSG_TRUNC) != 0 || segment > slotBytes) {
            truncated.add(datagrams);
            return datagrams;
        }
        InetSocketAddress from = sources.lookup(sourceName, rx.copyName(i, sourceName));
        if (from == null) {
            return datagrams;
        }
        if (len == 0) {
            into.onDatagram(rx.received(i, 0, 0), from);
            return 1;
        }
        for (int off = 0; off < len; off += segment) {
            into.onDatagram(rx.received(i, off, Math.min(segment, len - off)), from);
        }
        return datagrams;
    }

    /** Whether the kernel may coalesce a run of one sender's datagrams into one received message. */
    boolean receiveOffload() {
        return receiveOffload;
    }

    @Override
    public boolean send(ByteBuffer datagram, InetSocketAddress to) throws IOException {
        if (datagram.remaining() > MAX_DATAGRAM) {
            return false;
        }
        synchronized (single) {
            int nameLen = Sockaddr.encode(to, family, singleName);
            if (nameLen < 0) {
                throw new IOException("cannot send to " + to + " from this socket family");
            }
            single.fill(0, datagram, singleName, nameLen);
            int r;
            do {
                r = sendmmsg(single.capture, single.headers, 1);
            } while (r == -EINTR);
            boolean sent = r == 1;
            if (sent) {
                datagram.position(datagram.limit());
            }
            return sent;
        }
    }

    /**
     * One {@code sendmmsg} of {@code n} messages from {@code headers}, {@code errno} into {@code capture} (the
     * caller's, one per thread); returns how many messages the kernel took, or minus the {@code errno}.
     */
    int sendmmsg(MemorySegment capture, MemorySegment headers, int n) throws IOException {
        long stamp = open.readLock();
        try {
            ensureOpen();
            int r = (int) SENDMMSG.invokeExact(capture, fd, headers, n, MSG_DONTWAIT);
            return r >= 0 ? r : -errno(capture);
        } catch (Throwable t) {
            throw rethrown(t);
        } finally {
            open.unlockRead(stamp);
        }
    }

    /** Whether batches may send runs of equal-sized datagrams as one message with {@code UDP_SEGMENT}. */
    boolean segmentation() {
        return segmentation;
    }

    /** The kernel refused a segmented message on this path: batches send datagram by datagram from now on. */
    void segmentationRefused(int errno) {
        if (segmentation) {
            segmentation = false;
            LOG.warning(() -> "UDP segmentation offload refused (errno " + errno + "): sending datagram by datagram");
        }
    }

    @Override
    public DatagramBatch newBatch(LongAdder drops) {
        return new MmsgBatch(this, new SendVector(arena, BATCH, slotBytes), drops);
    }

    @Override
    public long truncated() {
        return truncated.sum();
    }

    @Override
    public void wakeup() {
        // The receive thread's poll returns within one tick period (100 ms); close waits for it.
    }

    /** What a downcall threw ({@code invokeExact} declares Throwable): unchecked as it is, anything else as I/O. */
    private static IOException rethrown(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof IOException io ? io : new IOException(t);
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public void close() throws IOException {
        long stamp = open.writeLock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            int r = (int) CLOSE.invokeExact(pollCapture, fd);
            rx.close();
            arena.close();
        } catch (Throwable t) {
            throw rethrown(t);
        } finally {
            open.unlockWrite(stamp);
        }
    }
}
