package dev.pinhole.wireguard;

import java.nio.ByteBuffer;

/**
 * One thread's packet buffers. A receive or send call writes into them and lends them to {@link Output} for the
 * duration of that callback only: the next packet on the same thread overwrites them (copy what you keep).
 */
final class PacketScratch {
    /** Room for the largest datagram plus the transport header and tag. */
    static final int SIZE = 65536 + 64;

    final byte[] inCopy = new byte[SIZE];
    final byte[] rxCipher = new byte[SIZE];
    final byte[] rxPlain = new byte[SIZE];
    final ByteBuffer rxView = ByteBuffer.wrap(rxPlain);
    final byte[] txPlain = new byte[SIZE];
    final byte[] txOut = new byte[SIZE];
    final ByteBuffer txView = ByteBuffer.wrap(txOut);
}
