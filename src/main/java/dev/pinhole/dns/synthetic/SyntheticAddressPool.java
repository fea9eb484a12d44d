package dev.pinhole.dns.synthetic;

import dev.pinhole.budget.Allowance;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpFamily;

import dev.pinhole.dns.message.DnsName;
import dev.pinhole.time.Ticker;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Hands out stable synthetic addresses from the app range, one per name, and remembers the real upstream
 * addresses behind each. The DNS resolver maps names; the NAT layer looks synthetic destinations up and
 * {@link #touch touches} them while flows use them; mappings idle longer than the idle timeout are recycled.
 *
 * <p>A name's first candidate address is a hash of the name, so the same name usually gets the same address
 * again after a recycle or a restart, and a recycled address is unlikely to be handed to another name soon
 * (a client may still have it cached). IPv4 addresses whose last octet is 0 or 255 are never handed out.
 *
 * <p>Thread-safe: every method holds the pool's lock (the DNS and NAT threads both call in).
 */
public final class SyntheticAddressPool {
    private final Cidr ipv4Range;
    private final Optional<Cidr> ipv6Range;
    private final int maxMappings;
    private final long idleNanos;
    private final Ticker ticker;
    private final long ipv4Slots;
    private final long ipv6Slots;

    /** By name key, least recently used first: {@link #used} re-inserts an entry to move it last. */
    private final LinkedHashMap<String, Entry> byName = new LinkedHashMap<>();
    private final Map<InetAddress, Entry> byAddress = new HashMap<>();

    private static final class Entry {
        final DnsName name;
        final Inet4Address ipv4;
        Inet6Address ipv6;
        List<Inet4Address> realIpv4 = List.of();
        List<Inet6Address> realIpv6 = List.of();
        long lastUsed;
        /** The quota the name is charged to: the client whose query created it; released when it goes. */
        final Allowance owner;

        Entry(DnsName name, Inet4Address ipv4, Allowance owner) {
            this.name = name;
            this.ipv4 = ipv4;
            this.owner = owner;
        }

        SyntheticMapping snapshot() {
            return new SyntheticMapping(name, ipv4, Optional.ofNullable(ipv6), realIpv4, realIpv6);
        }
    }

    /**
     * @param ipv4Range   the app range, e.g. 100.80.0.0/12; at least a /30
     * @param ipv6Range   optional IPv6 app range for AAAA answers, e.g. fd00:80::/64
     * @param maxMappings names mapped at once, at most the usable addresses of the IPv4 range
     * @param idleTimeout how long a mapping survives without a query or a touch
     */
    public SyntheticAddressPool(Cidr ipv4Range, Optional<Cidr> ipv6Range, int maxMappings,
            Duration idleTimeout, Ticker ticker) {
        this.ipv4Range = Objects.requireNonNull(ipv4Range, "ipv4Range");
        this.ipv6Range = Objects.requireNonNull(ipv6Range, "ipv6Range");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        Optional<String> rangeProblem = ipv4RangeProblem(ipv4Range);
        if (rangeProblem.isPresent()) {
            throw new IllegalArgumentException("app range " + ipv4Range + " " + rangeProblem.get());
        }
        if (ipv6Range.isPresent() && (ipv6Range.get().family() == IpFamily.IPV4 || ipv6Range.get().hostBits() < 8)) {
            throw new IllegalArgumentException("IPv6 app range " + ipv6Range.get() + " must be IPv6, at least a /120");
        }
        long size = 1L << ipv4Range.hostBits();
        // Aligned blocks of /24 and wider lose .0 and .255 in every /24; narrower ones only network and broadcast.
        this.ipv4Slots = ipv4Range.hostBits() >= 8 ? size / 256 * 254 : size - 2;
        this.ipv6Slots = ipv6Range.map(r -> r.hostBits() >= 63 ? Long.MAX_VALUE : (1L << r.hostBits()) - 1).orElse(0L);
        if (maxMappings < 1 || maxMappings > ipv4Slots) {
            throw new IllegalArgumentException("maxMappings " + maxMappings + " must be 1.." + ipv4Slots
                    + " (usable addresses in " + ipv4Range + ")");
        }
        if (ipv6Range.isPresent() && maxMappings > ipv6Slots) {
            throw new IllegalArgumentException("maxMappings " + maxMappings + " exceeds the " + ipv6Slots
                    + " usable addresses in " + ipv6Range.get());
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive, got " + idleTimeout);
        }
        this.maxMappings = maxMappings;
        this.idleNanos = idleTimeout.toNanos();
    }

    /**
     * Why {@code range} cannot be the pool's IPv4 app range (not IPv4, narrower than a /30), or empty when it
     * can. The connector's config check asks the same question, so a config is refused before a pool is built.
     */
    public static Optional<String> ipv4RangeProblem(Cidr range) {
        if (range.family() != IpFamily.IPV4) {
            return Optional.of("is not IPv4 (synthetic app addresses are IPv4)");
        }
        if (range.hostBits() < 2) {
            return Optional.of("is too small (at least a /30)");
        }
        return Optional.empty();
    }

    /** The most names a pool over {@code range} maps at once: its usable addresses, capped at 65,536. */
    public static int defaultMaxMappings(Cidr range) {
        long size = 1L << range.hostBits();
        long slots = range.hostBits() >= 8 ? size / 256 * 254 : size - 2;
        return (int) Math.min(65_536, slots);
    }

    public Duration idleTimeout() {
        return Duration.ofNanos(idleNanos);
    }

    public Cidr ipv4Range() {
        return ipv4Range;
    }

    public Optional<Cidr> ipv6Range() {
        return ipv6Range;
    }

    /** Whether {@code address} lies in one of the app ranges (mapped or not). */
    public boolean inRange(InetAddress address) {
        IpAddress ip = IpAddress.of(address);
        return ipv4Range.contains(ip) || ipv6Range.map(r -> r.contains(ip)).orElse(false);
    }

    /**
     * Maps {@code name} to its IPv4 synthetic address (allocating it on first use) and records its real IPv4
     * addresses, replacing those of an earlier resolution. Counts as a use.
     *
     * @throws PoolExhaustedException when the name is new and every slot is in use
     */
    public synchronized SyntheticMapping mapIpv4(DnsName name, List<Inet4Address> real) throws PoolExhaustedException {
        try {
            return mapIpv4(name, real, Allowance.UNLIMITED);
        } catch (NameQuotaExceededException e) {
            throw new IllegalStateException("an unlimited quota refused a name", e);
        }
    }

    /**
     * As {@link #mapIpv4(DnsName, List)}, and a new name is charged to {@code quota} (one name) until it is
     * recycled or removed; an existing name costs nothing, whoever created it.
     *
     * @throws NameQuotaExceededException when the name is new and {@code quota} has no name left
     */
    public synchronized SyntheticMapping mapIpv4(DnsName name, List<Inet4Address> real, Allowance quota)
            throws PoolExhaustedException, NameQuotaExceededException {
        Entry e = entry(name, quota);
        e.realIpv4 = List.copyOf(real);
        return e.snapshot();
    }

    /**
     * Maps {@code name} to an IPv6 synthetic address too (the pool must have an IPv6 range) and records its
     * real IPv6 addresses. Counts as a use.
     *
     * @throws PoolExhaustedException when the name is new and every slot is in use
     */
    public synchronized SyntheticMapping mapIpv6(DnsName name, List<Inet6Address> real) throws PoolExhaustedException {
        try {
            return mapIpv6(name, real, Allowance.UNLIMITED);
        } catch (NameQuotaExceededException e) {
            throw new IllegalStateException("an unlimited quota refused a name", e);
        }
    }

    /** As {@link #mapIpv6(DnsName, List)}, a new name charged to {@code quota} as in {@link #mapIpv4}. */
    public synchronized SyntheticMapping mapIpv6(DnsName name, List<Inet6Address> real, Allowance quota)
            throws PoolExhaustedException, NameQuotaExceededException {
        Cidr range = ipv6Range.orElseThrow(() -> new IllegalStateException("no IPv6 app range configured"));
        Entry e = entry(name, quota);
        if (e.ipv6 == null) {
            e.ipv6 = (Inet6Address) freeAddress(range, ipv6Slots, name, false);
            byAddress.put(e.ipv6, e);
        }
        e.realIpv6 = List.copyOf(real);
        return e.snapshot();
    }

    private Entry entry(DnsName name, Allowance quota) throws PoolExhaustedException, NameQuotaExceededException {
        Entry e = byName.get(name.key());
        long now = ticker.nanoTime();
        if (e == null) {
            expireIdle();
            if (byName.size() >= maxMappings) {
                throw new PoolExhaustedException("synthetic address pool " + ipv4Range + " is full: " + byName.size()
                        + " names mapped, none idle for " + Duration.ofNanos(idleNanos)
                        + "; cannot map " + name + " (raise the mapping limit or widen the app range)");
            }
            if (!quota.tryAcquire(1)) {
                throw new NameQuotaExceededException("client holds its quota of synthetic names (" + quota
                        + "); cannot map " + name + " until one of its names is idle for "
                        + Duration.ofNanos(idleNanos));
            }
            e = new Entry(name, (Inet4Address) freeAddress(ipv4Range, ipv4Slots, name, true), quota);
            byName.put(name.key(), e);
            byAddress.put(e.ipv4, e);
        }
        used(e, now);
        return e;
    }

    private void used(Entry e, long now) {
        e.lastUsed = now;
        byName.remove(e.name.key());
        byName.put(e.name.key(), e);
    }

    /** Probes from the name's hash slot; the caller guarantees fewer mappings than usable slots. */
    private InetAddress freeAddress(Cidr range, long slots, DnsName name, boolean ipv4) {
        long size = range.hostBits() >= 63 ? Long.MAX_VALUE : 1L << range.hostBits();
        long offset = Math.floorMod(hash(name.key()), size);
        for (long probes = 0; probes < size; probes++) {
            if (usable(offset, size, ipv4)) {
                InetAddress candidate = range.addressAt(offset).toInetAddress();
                if (!byAddress.containsKey(candidate)) {
                    return candidate;
                }
            }
            offset = offset + 1 == size ? 0 : offset + 1;
        }
        throw new IllegalStateException("no free address in " + range + " with " + slots + " slots");
    }

    private static boolean usable(long offset, long size, boolean ipv4) {
        if (offset == 0) {
            return false; // network address (IPv6: subnet-router anycast)
        }
        if (!ipv4) {
            return true;
        }
        if (offset == size - 1) {
            return false;
        }
        // the range is aligned, so the offset's low octet is the address's last octet once the range is >= /24
        long last = offset & 0xff;
        return size < 256 || (last != 0 && last != 255);
    }

    private static long hash(String key) {
        // FNV-1a 64: stable across JVMs and restarts, unlike String.hashCode's 32 bits spread over big ranges.
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.ISO_8859_1)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The mapping behind a synthetic address, for the NAT layer; does not count as a use. */
    public synchronized Optional<SyntheticMapping> lookup(InetAddress synthetic) {
        Entry e = byAddress.get(synthetic);
        return e == null ? Optional.empty() : Optional.of(e.snapshot());
    }

    public synchronized Optional<SyntheticMapping> lookup(DnsName name) {
        Entry e = byName.get(name.key());
        return e == null ? Optional.empty() : Optional.of(e.snapshot());
    }

    /**
     * Marks the mapping behind {@code synthetic} as in use now; the NAT layer calls this when a flow starts
     * and at least once per idle timeout while it lives.
     *
     * @return false when the address is not mapped (the flow should be refused)
     */
    public synchronized boolean touch(InetAddress synthetic) {
        Entry e = byAddress.get(synthetic);
        if (e == null) {
            return false;
        }
        used(e, ticker.nanoTime());
        return true;
    }

    /** Recycles every mapping unused for the idle timeout; returns how many. Call from a periodic tick. */
    public synchronized int expireIdle() {
        long now = ticker.nanoTime();
        int removed = 0;
        Iterator<Entry> it = byName.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (now - e.lastUsed < idleNanos) {
                break; // everything after was used more recently
            }
            it.remove();
            forget(e);
            removed++;
        }
        return removed;
    }

    /**
     * Drops the mappings whose name matches {@code unwanted}, e.g. names no longer covered by the domains after
     * a config reload; returns the snapshots removed so the NAT layer can cut their flows.
     */
    public synchronized List<SyntheticMapping> removeIf(Predicate<DnsName> unwanted) {
        List<SyntheticMapping> removed = new ArrayList<>();
        Iterator<Entry> it = byName.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (unwanted.test(e.name)) {
                it.remove();
                forget(e);
                removed.add(e.snapshot());
            }
        }
        return removed;
    }

    /** Drops {@code e}'s addresses (the caller removed it by name) and gives its name back to its owner's quota. */
    private void forget(Entry e) {
        byAddress.remove(e.ipv4);
        if (e.ipv6 != null) {
            byAddress.remove(e.ipv6);
        }
        e.owner.release(1);
    }

    /** Names mapped now. */
    public synchronized int size() {
        return byName.size();
    }

    /** Snapshot of every mapping, least recently used first (for the status endpoint). */
    public synchronized List<SyntheticMapping> mappings() {
        List<SyntheticMapping> out = new ArrayList<>(byName.size());
        for (Entry e : byName.values()) {
            out.add(e.snapshot());
        }
        return out;
    }
}
