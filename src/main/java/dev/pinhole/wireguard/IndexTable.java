package dev.pinhole.wireguard;

import java.util.Random;

/**
 * Our 32-bit receiver indices: each names either a peer's handshake in progress or one of its keypairs. Random,
 * or, with a {@link RecoverableIndex} format, the encryption of the peer's tag, the check of its endpoint and
 * random bits. Open addressing
 * over {@code long} keys so lookups on the receive path allocate nothing.
 */
final class IndexTable {
    private static final long EMPTY = -1L;
    /**
     * Draws of a recoverable index before falling back to a plain random one. A (tag, check) pair has 512 indices
     * and a peer holds at most four at once, so 16 taken draws in a row essentially never happen (4/512 each).
     */
    private static final int RECOVERABLE_DRAWS = 16;

    /** What an index points at; {@code keypair} is null while the index belongs to a handshake. */
    static final class Entry {
        final Peer peer;
        volatile Keypair keypair;

        Entry(Peer peer) {
            this.peer = peer;
        }
    }

    private final Random random;
    private final RecoverableIndex format;
    private long[] keys = newKeys(64);
    private Entry[] values = new Entry[64];
    private int size;

    /** For {@link #allocate(Peer, java.net.InetSocketAddress, long)}: no index to avoid. */
    static final long NO_INDEX = -1L;

    IndexTable(Random random) {
        this(random, null);
    }

    /** {@code format}: null for plain random indices. */
    IndexTable(Random random, RecoverableIndex format) {
        this.random = random;
        this.format = format;
    }

    private static long[] newKeys(int n) {
        long[] k = new long[n];
        java.util.Arrays.fill(k, EMPTY);
        return k;
    }

    /**
     * Picks an unused index for {@code peer}'s new handshake, bound to {@code endpoint}: the source of the
     * initiation it answers, or where our initiation goes. Recoverable when a format, a tag and an endpoint are set.
     */
    synchronized int allocate(Peer peer, java.net.InetSocketAddress endpoint) {
        return allocate(peer, endpoint, NO_INDEX);
    }

    /**
     * As {@link #allocate(Peer, java.net.InetSocketAddress)}, never returning {@code avoid} (an index as an
     * unsigned value, or {@link #NO_INDEX}). A session recovery avoids the index it recovers from: the replicas
     * share the index key, so the new index would otherwise repeat the old one once in 512 recoveries, and the
     * client's in-flight messages to the old session would reach the new handshake instead of being counted as
     * recovery attempts.
     */
    synchronized int allocate(Peer peer, java.net.InetSocketAddress endpoint, long avoid) {
        int check = format != null && peer.recoveryTag() >= 0 ? format.checkOf(peer.publicKey(), endpoint) : -1;
        if (check >= 0) {
            for (int i = 0; i < RECOVERABLE_DRAWS; i++) {
                int index = format.encode(peer.recoveryTag(), check, random.nextInt());
                if (find(index) < 0 && Integer.toUnsignedLong(index) != avoid) {
                    put(index, new Entry(peer));
                    return index;
                }
            }
        }
        while (true) {
            int index = random.nextInt();
            if (find(index) < 0 && Integer.toUnsignedLong(index) != avoid) {
                put(index, new Entry(peer));
                return index;
            }
        }
    }

    synchronized Entry lookup(int index) {
        int slot = find(index);
        return slot < 0 ? null : values[slot];
    }

    /** Points an index that named a handshake at the keypair derived from it. */
    synchronized void bindKeypair(int index, Keypair keypair) {
        int slot = find(index);
        if (slot >= 0) {
            values[slot].keypair = keypair;
        }
    }

    synchronized void remove(int index) {
        int slot = find(index);
        if (slot < 0) {
            return;
        }
        // Backward-shift deletion keeps probe chains intact without tombstones.
        int mask = keys.length - 1;
        int hole = slot;
        int i = slot;
        while (true) {
            i = (i + 1) & mask;
            if (keys[i] == EMPTY) {
                break;
            }
            int home = home(keys[i], mask);
            boolean between = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (!between) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
        }
        keys[hole] = EMPTY;
        values[hole] = null;
        size--;
    }

    synchronized int size() {
        return size;
    }

    private static int home(long key, int mask) {
        int h = (int) key * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }

    private int find(int index) {
        long key = index & 0xffffffffL;
        int mask = keys.length - 1;
        for (int i = home(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == EMPTY) {
                return -1;
            }
            if (keys[i] == key) {
                return i;
            }
        }
    }

    private void put(int index, Entry entry) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        long key = index & 0xffffffffL;
        int mask = keys.length - 1;
        int i = home(key, mask);
        while (keys[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = entry;
        size++;
    }

    private void grow() {
        long[] oldKeys = keys;
        Entry[] oldValues = values;
        keys = newKeys(oldKeys.length * 2);
        values = new Entry[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put((int) oldKeys[i], oldValues[i]);
            }
        }
    }
}
