package dev.pinhole.wireguard;

import java.nio.ByteBuffer;

/**
 * The device's send path (wireguard-go {@code device/send.go}): checks an outbound IP packet's size and version,
 * finds its peer by destination address (cryptokey routing), and hands it to that peer to encrypt or stage.
 */
final class OutboundRouter {
    private final AllowedIps allowedIps;
    private final WireGuardDropCounters drops;

    OutboundRouter(AllowedIps allowedIps, WireGuardDropCounters drops) {
        this.allowedIps = allowedIps;
        this.drops = drops;
    }

    /** Routes an IP packet by destination to its peer and sends it encrypted (or queues it behind a handshake). */
    void route(ByteBuffer ipPacket, long now, Output out) {
        int len = ipPacket.remaining();
        int pos = ipPacket.position();
        if (len < 1 || len > PacketScratch.SIZE - 64) {
            drops.count(len < 1 ? WireGuardDropReason.MALFORMED_INNER_PACKET : WireGuardDropReason.TOO_BIG);
            return;
        }
        int version = (ipPacket.get(pos) & 0xff) >>> 4;
        Peer peer;
        if (version == 4 && len >= 20) {
            peer = allowedIps.lookup(ipPacket, pos + 16, 4);
        } else if (version == 6 && len >= 40) {
            peer = allowedIps.lookup(ipPacket, pos + 24, 16);
        } else {
            drops.count(WireGuardDropReason.MALFORMED_INNER_PACKET);
            return;
        }
        if (peer == null) {
            drops.count(WireGuardDropReason.NO_ROUTE);
            return;
        }
        peer.send(ipPacket, now, out);
    }
}
