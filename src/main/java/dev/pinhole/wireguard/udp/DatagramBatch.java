package dev.pinhole.wireguard.udp;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** Outgoing datagrams of one thread, sent together on {@link #flush} (or at once, on a plain port). */
interface DatagramBatch {
    /** Copies {@code datagram} into the batch (the buffer may be reused after the call); sends when full. */
    void add(ByteBuffer datagram, InetSocketAddress to);

    /** Sends what the batch holds. */
    void flush();
}
