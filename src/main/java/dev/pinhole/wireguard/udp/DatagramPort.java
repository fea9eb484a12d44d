package dev.pinhole.wireguard.udp;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The UDP socket under a {@link UdpDeviceDriver}: how datagrams get in and out, one system call each
 * ({@link ChannelDatagramPort}) or many per call ({@code MmsgDatagramPort}, JDK 22+ on Linux).
 *
 * <p>Threads: {@link #awaitReadable} and {@link #receive} belong to the driver's receive thread; {@link #send} may be
 * called from any thread; each {@link DatagramBatch} belongs to the one thread that made it.
 */
interface DatagramPort extends Closeable {
    /** Receives the datagrams of one {@link #receive} call; the buffer is lent for the call only. */
    @FunctionalInterface
    interface Receiver {
        void onDatagram(ByteBuffer datagram, InetSocketAddress from);
    }

    UdpIo kind();

    InetSocketAddress localAddress() throws IOException;

    /** Waits at most {@code millis} for a datagram to read (it may return earlier without one). */
    void awaitReadable(long millis) throws IOException;

    /**
     * Hands at most {@code max} ready datagrams to {@code into}, in arrival order. Returns how many were read from
     * the socket (a datagram dropped as too large counts), 0 when none was ready.
     */
    int receive(Receiver into, int max) throws IOException;

    /** Sends one datagram at once; false when the kernel did not take it (full send buffer). */
    boolean send(ByteBuffer datagram, InetSocketAddress to) throws IOException;

    /** {@link #send}, counting a datagram the kernel did not take, or could not route, in {@code drops}. */
    default void sendOrCount(ByteBuffer datagram, InetSocketAddress to, java.util.concurrent.atomic.LongAdder drops) {
        try {
            if (!send(datagram, to)) {
                drops.increment();
            }
        } catch (IOException e) {
            // Unreachable networks and the like: the protocol's timers retry; UDP is lossy anyway.
            drops.increment();
        }
    }

    /**
     * A batch of outgoing datagrams for the calling thread only: plain ports send each at once, batched ports keep
     * them until {@link DatagramBatch#flush} or until the batch is full. Datagrams the kernel refuses are counted in
     * {@code drops}.
     */
    DatagramBatch newBatch(java.util.concurrent.atomic.LongAdder drops);

    /** Datagrams dropped on receipt because they were larger than a receive slot. */
    long truncated();

    /** Lets a thread in {@link #awaitReadable} return (close). */
    void wakeup();
}
