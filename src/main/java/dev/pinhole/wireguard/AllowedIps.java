package dev.pinhole.wireguard;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpFamily;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cryptokey routing: which peer owns which prefixes. Lookups walk an immutable binary trie per address family
 * (longest prefix wins) and take no lock; changes rebuild the tries (they are rare: config reloads). A prefix
 * belongs to one peer; assigning it to another moves it, as {@code wg set} does. A whole config's peers are set in
 * one {@link #apply} (one rebuild).
 */
final class AllowedIps {
    private static final class Node {
        Node zero;
        Node one;
        Peer peer;
    }

    private final Map<Cidr, Peer> owners = new HashMap<>();
    /** Each peer's prefixes, so that changing one peer costs its own prefixes, not a scan of every owner. */
    private final Map<Peer, List<Cidr>> byPeer = new HashMap<>();
    private volatile Node v4 = new Node();
    private volatile Node v6 = new Node();
    private int rebuilds;

    synchronized void set(Peer peer, List<Cidr> prefixes) {
        apply(Map.of(peer, prefixes), List.of());
    }

    synchronized void removePeer(Peer peer) {
        apply(Map.of(), List.of(peer));
    }

    /**
     * Removes {@code removed} and gives each peer of {@code assigned} exactly its prefixes, then rebuilds the tries
     * once: a config of thousands of peers costs one rebuild, not one per peer. A peer whose prefixes are already
     * the ones asked for changes nothing, and when nothing changed nothing is rebuilt.
     */
    synchronized void apply(Map<Peer, List<Cidr>> assigned, Collection<Peer> removed) {
        boolean changed = false;
        for (Peer peer : removed) {
            changed |= release(peer);
        }
        for (Map.Entry<Peer, List<Cidr>> e : assigned.entrySet()) {
            Peer peer = e.getKey();
            List<Cidr> prefixes = List.copyOf(e.getValue());
            if (prefixes.equals(byPeer.get(peer))) {
                continue;
            }
            release(peer);
            for (Cidr prefix : prefixes) {
                Peer previous = owners.put(prefix, peer);
                if (previous != null && previous != peer) {
                    List<Cidr> left = new ArrayList<>(byPeer.get(previous));
                    left.remove(prefix);
                    byPeer.put(previous, List.copyOf(left));
                }
            }
            byPeer.put(peer, prefixes);
            changed = true;
        }
        if (changed) {
            rebuild();
        }
    }

    private boolean release(Peer peer) {
        List<Cidr> held = byPeer.remove(peer);
        if (held == null) {
            return false;
        }
        for (Cidr prefix : held) {
            owners.remove(prefix, peer);
        }
        return true;
    }

    synchronized List<Cidr> prefixesOf(Peer peer) {
        return byPeer.getOrDefault(peer, List.of());
    }

    /** How many times the tries were rebuilt (tests: a batch rebuilds once). */
    synchronized int rebuilds() {
        return rebuilds;
    }

    private void rebuild() {
        rebuilds++;
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
