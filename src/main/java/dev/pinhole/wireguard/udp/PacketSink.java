package dev.pinhole.wireguard.udp;

import dev.pinhole.wireguard.Peer;
import java.nio.ByteBuffer;

/** Receives decrypted IP packets from the UDP driver's receive thread; the buffer is only valid during the call. */
@FunctionalInterface
public interface PacketSink {
    void onPacket(Peer peer, ByteBuffer ipPacket);

    /**
     * The receive thread has read every datagram the socket had ready (or a bounded run of them): a sink that
     * queues packets for another thread wakes it here, once per burst instead of once per packet.
     */
    default void endOfBurst() {
    }
}
