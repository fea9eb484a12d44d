package dev.pinhole.wireguard.udp;

import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * The {@link InetSocketAddress} of each recent datagram source, so that a batch of datagrams from the clients
 * already seen allocates nothing: a direct-mapped table of {@value #SLOTS} entries keyed by the socket address bytes
 * (flow label ignored). A miss decodes and replaces the entry. One thread only (the receive thread).
 */
final class SourceAddressCache {
    static final int SLOTS = 256;

    private final byte[][] keys = new byte[SLOTS][Sockaddr.IN6_LEN];
    private final int[] keyLengths = new int[SLOTS];
    private final InetSocketAddress[] values = new InetSocketAddress[SLOTS];
    private long misses;

    /**
     * The address {@code name[0, len)} holds (the array is the caller's scratch: its flow label bytes are cleared
     * here), or null when it is no IPv4/IPv6 address.
     */
    InetSocketAddress lookup(byte[] name, int len) {
        if (len > Sockaddr.IN6_LEN || len < Sockaddr.IN4_LEN) {
            return null;
        }
        if (len == Sockaddr.IN6_LEN) {
            // sin6_flowinfo: the sender's choice per packet, not part of who it is.
            name[4] = 0;
            name[5] = 0;
            name[6] = 0;
            name[7] = 0;
        }
        int h = 1;
        for (int i = 0; i < len; i++) {
            h = 31 * h + name[i];
        }
        int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
        InetSocketAddress hit = values[slot];
        if (hit != null && keyLengths[slot] == len && Arrays.equals(keys[slot], 0, len, name, 0, len)) {
            return hit;
        }
        InetSocketAddress decoded = Sockaddr.decode(name, len);
        if (decoded != null) {
            misses++;
            System.arraycopy(name, 0, keys[slot], 0, len);
            keyLengths[slot] = len;
            values[slot] = decoded;
        }
        return decoded;
    }

    /** Addresses decoded so far (tests: a repeated source is not decoded again). */
    long misses() {
        return misses;
    }
}
