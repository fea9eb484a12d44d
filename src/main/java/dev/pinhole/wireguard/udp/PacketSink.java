package dev.pinhole.wireguard.udp;

import dev.pinhole.wireguard.Peer;
import java.nio.ByteBuffer;

/** Receives decrypted IP packets from the UDP driver's receive thread; the buffer is only valid during the call. */
@FunctionalInterface
public interface PacketSink {
    void onPacket(Peer peer, ByteBuffer ipPacket);
}
