package dev.pinhole.wireguard;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpFamily;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cryptokey routing: which peer owns which prefixes. Lookups walk an immutable binary trie per address family
 * (longest prefix wins) and take no lock; changes rebuild the tries (they are rare: config reloads). A prefix
 * belongs to one peer; assigning it to another moves it, as {@code wg set} does.
 */
final class AllowedIps {
    private static final class Node {
        Node zero;
        Node one;
        Peer peer;
    }

    private final Map<Cidr, Peer> owners = new HashMap<>();
    private volatile Node v4 = new Node();
    private volatile Node v6 = new Node();

    synchronized void set(Peer peer, List<Cidr> prefixes) {
        owners.values().removeIf(p -> p == peer);
        for (Cidr prefix : prefixes) {
            owners.put(prefix, peer);
        }
        rebuild();
    }

    synchronized void removePeer(Peer peer) {
        owners.values().removeIf(p -> p == peer);
        rebuild();
    }

    synchronized List<Cidr> prefixesOf(Peer peer) {
        List<Cidr> out = new ArrayList<>();
        owners.forEach((k, v) -> {
            if (v == peer) {
                out.add(k);
            }
        });
        return out;
    }

    private void rebuild() {
        Node n4 = new Node();
        Node n6 = new Node();
        owners.forEach((prefix, peer) -> insert(prefix.family() == IpFamily.IPV4 ? n4 : n6, prefix, peer));
        v4 = n4;
        v6 = n6;
    }

    private static void insert(Node root, Cidr prefix, Peer peer) {
        byte[] a = prefix.network().toBytes();
        Node n = root;
        for (int bit = 0; bit < prefix.prefixLength(); bit++) {
            boolean one = (a[bit >>> 3] & (0x80 >>> (bit & 7))) != 0;
            Node next = one ? n.one : n.zero;
            if (next == null) {
                next = new Node();
                if (one) {
                    n.one = next;
                } else {
                    n.zero = next;
                }
            }
            n = next;
        }
        n.peer = peer;
    }

    /** Longest-prefix match of the address of {@code addrLen} (4 or 16) bytes at {@code buf[off]}. */
    Peer lookup(ByteBuffer buf, int off, int addrLen) {
        Node n = addrLen == 4 ? v4 : v6;
        Peer best = n.peer;
        int bits = addrLen * 8;
        for (int bit = 0; bit < bits && n != null; bit++) {
            boolean one = (buf.get(off + (bit >>> 3)) & (0x80 >>> (bit & 7))) != 0;
            n = one ? n.one : n.zero;
            if (n != null && n.peer != null) {
                best = n.peer;
            }
        }
        return best;
    }

    Peer lookup(byte[] address) {
        return lookup(ByteBuffer.wrap(address), 0, address.length);
    }
}
