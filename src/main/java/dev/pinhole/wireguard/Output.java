package dev.pinhole.wireguard;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Where the device puts its results. Both buffers are lent for the duration of the call only (they alias the
 * device's per-thread scratch space): copy what you keep.
 */
public interface Output {
    /** A decrypted IP packet from {@code peer} that passed the source-address check. */
    void deliver(Peer peer, ByteBuffer ipPacket);

    /** A UDP datagram to send to {@code to}. */
    void send(ByteBuffer datagram, InetSocketAddress to);
}
