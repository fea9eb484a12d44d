package dev.pinhole.dns.synthetic;

import dev.pinhole.dns.message.DnsName;
import java.net.InetAddress;
import java.util.LinkedHashMap;

/**
 * The synthetic addresses one client was answered on this replica, each with the name it was the answer for, so
 * a flow to a synthetic address is forwarded only to the name the client asked for there. IPv4 cannot carry the
 * name: after a failover, an idle recycle or a hash collision, the address a client holds may now be another
 * name's; this record tells the two apart.
 *
 * <p>Bounded: at most {@code bound} addresses (the client's quota of synthetic names); recording one more forgets
 * the one least recently recorded or checked. A forgotten address only costs the client a refused flow and a new
 * lookup. Thread-safe (the DNS threads record, the relay thread checks).
 */
public final class ResolvedNames {
    /** Records nothing: a client whose answers never lead to a forwarded flow (the standalone DNS server). */
    public static final ResolvedNames NOTHING = new ResolvedNames(0);

    /** Address to the name's key (not the name: its labels would double what an answer costs once recycled). */
    private final LinkedHashMap<InetAddress, String> byAddress = new LinkedHashMap<>(16, 0.75f, true);
    private int bound;

    /** @param bound most addresses held; 0 records nothing */
    public ResolvedNames(int bound) {
        if (bound < 0) {
            throw new IllegalArgumentException("bound must be >= 0, got " + bound);
        }
        this.bound = bound;
    }

    /** The client was just answered {@code synthetic} for {@code name}. */
    public synchronized void record(InetAddress synthetic, DnsName name) {
        if (bound == 0) {
            return;
        }
        byAddress.put(synthetic, name.key());
        trim();
    }

    /** Whether the client's latest answer at {@code synthetic} was {@code name} (and is still remembered). */
    public synchronized boolean answered(InetAddress synthetic, DnsName name) {
        String got = byAddress.get(synthetic); // counts as a use: names in use are forgotten last
        return got != null && got.equals(name.key());
    }

    /** Whether the client's latest answer at {@code synthetic} (any name) is still remembered. */
    public synchronized boolean knows(InetAddress synthetic) {
        return byAddress.containsKey(synthetic);
    }

    /** A new bound (the quota changed on a reload); the oldest entries over it are forgotten at once. */
    public synchronized void bound(int newBound) {
        if (newBound < 0) {
            throw new IllegalArgumentException("bound must be >= 0, got " + newBound);
        }
        if (this == NOTHING) {
            return;
        }
        bound = newBound;
        trim();
    }

    private void trim() {
        var it = byAddress.entrySet().iterator();
        while (byAddress.size() > bound && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /** Addresses remembered now. */
    public synchronized int size() {
        return byAddress.size();
    }
}
