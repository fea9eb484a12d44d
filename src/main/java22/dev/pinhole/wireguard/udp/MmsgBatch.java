package dev.pinhole.wireguard.udp;

import static dev.pinhole.wireguard.udp.LinuxUdpCalls.EAGAIN;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.EINTR;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.EINVAL;
import static dev.pinhole.wireguard.udp.LinuxUdpCalls.EIO;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * One thread's outgoing datagrams on a {@link MmsgDatagramPort}: each is copied into a slot of its own
 * {@link SendVector}, and {@link #flush} (or the {@value MmsgDatagramPort#BATCH}th datagram) sends them all with one
 * {@code sendmmsg}; runs of equal-sized datagrams to one destination go as one message with UDP segmentation offload
 * where the port allows it. Destinations are encoded once per endpoint object and kept in a small table (a peer's
 * endpoint is one object until it roams), so a steady stream allocates nothing.
 */
final class MmsgBatch implements DatagramBatch {
    private static final int DESTINATIONS = 16;

    private final MmsgDatagramPort port;
    private final SendVector vector;
    private final LongAdder drops;
    private final InetSocketAddress[] destinations = new InetSocketAddress[DESTINATIONS];
    private final byte[][] names = new byte[DESTINATIONS][Sockaddr.IN6_LEN];
    private final int[] nameLengths = new int[DESTINATIONS];
    private int nextDestination;

    MmsgBatch(MmsgDatagramPort port, SendVector vector, LongAdder drops) {
        this.port = port;
        this.vector = vector;
        this.drops = drops;
    }

    @Override
    public void add(ByteBuffer datagram, InetSocketAddress to) {
        if (datagram.remaining() > vector.slotBytes) {
            // Larger than any packet the tunnel sends (MTU-sized); kept in order, sent on its own.
            flush();
            port.sendOrCount(datagram, to, drops);
            return;
        }
        int d = destination(to);
        if (nameLengths[d] < 0) {
            drops.increment();
            return;
        }
        try {
            vector.add(datagram, to, names[d], nameLengths[d], port.segmentation());
        } catch (IllegalStateException closed) {
            // The port closed and freed the slots while this thread still sends (shutdown): UDP is lossy.
            drops.increment();
            return;
        }
        datagram.position(datagram.limit());
        if (vector.full()) {
            flush();
        }
    }

    @Override
    public void flush() {
        if (vector.isEmpty()) {
            return;
        }
        int total = vector.messages();
        int m = 0;
        try {
            while (m < total) {
                int r = port.sendmmsg(vector.capture, vector.headersFrom(m), total - m);
                if (r > 0) {
                    m += r;
                    continue;
                }
                int errno = -r;
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EAGAIN) {
                    // The socket's send buffer is full: drop the rest, as a full NIC queue would.
                    break;
                }
                if (vector.segments(m) > 1 && (errno == EIO || errno == EINVAL)) {
                    // Segmentation offload refused on this path: off for the port, this run datagram by datagram.
                    port.segmentationRefused(errno);
                    for (int k = 0; k < vector.segments(m); k++) {
                        port.sendOrCount(vector.datagram(m, k), vector.destination(m), drops);
                    }
                } else {
                    // This datagram's own error (an unreachable network): skip it, send the rest.
                    drops.add(vector.segments(m));
                }
                m++;
            }
        } catch (IOException closed) {
            // Closed meanwhile: UDP is lossy, the protocol's timers retry.
        } finally {
            for (int k = m; k < total; k++) {
                drops.add(vector.segments(k));
            }
            vector.clear();
        }
    }

    /** The slot of {@code to} in the destination table, encoding it (and replacing the oldest) when new. */
    private int destination(InetSocketAddress to) {
        for (int i = 0; i < DESTINATIONS; i++) {
            if (destinations[i] == to) {
                return i;
            }
        }
        int d = nextDestination;
        nextDestination = (d + 1) % DESTINATIONS;
        destinations[d] = to;
        nameLengths[d] = Sockaddr.encode(to, port.family(), names[d]);
        return d;
    }
}
