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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Hands out stable synthetic addresses from the app range, one per name, and remembers the real upstream
 * addresses behind each. The DNS resolver maps names; the NAT layer looks synthetic destinations up and
 * {@link #touch touches} them while flows use them; mappings idle longer than the idle timeout are recycled.
 *
 * <p>A name's address is a pure function of the name, the pool's key and its range: a keyed hash of the name
 * onto the usable addresses ({@link #addressOf}). Every replica built with the same key and range answers a
 * name with the same address, whatever the order of queries and whatever was recycled before. When that address
 * is held by another name (a hash collision), the new name is refused ({@link AddressHeldException}) instead of
 * getting another address, which would depend on the order of queries. Names the config lists exactly get
 * collision-free addresses computed from the sorted list ({@link #reserve}); other names skip those addresses.
 * IPv4 addresses whose last octet is 0 or 255 are never handed out. An IPv6 range of 64 host bits or more
 * carries 64+ bits of the hash.
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

    private final NameHash hash;
    /** The addresses of the names the config in force lists exactly; see {@link #reserve}. */
    private ReservedAddresses reserved = ReservedAddresses.NONE;
    /** Whether {@link #reserve} ran: the first table is this replica's start, not a change it saw. */
    private boolean reservedOnce;
    /**
     * Addresses whose reserved name changed in a reload within the idle timeout, with when that change settles
     * (ticker nanos): a client may still hold them for the name before, so they are not {@link #settledName}.
     * At most twice the listed names per reload in that window (the operator's config, never a client's doing).
     */
    private final Map<InetAddress, Long> unsettledUntil = new HashMap<>();
    /** Names refused because another name held their address, since the pool was built. */
    private long collisions;
    /**
     * The first {@link #KEPT_COLLISIONS} of those, in order: the first, not the last, so that refusals a client
     * provokes later cannot push out the evidence an operator looks for (the count above keeps growing).
     */
    private final List<NameCollision> firstCollisions = new ArrayList<>();
    static final int KEPT_COLLISIONS = 8;

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
        this(ipv4Range, ipv6Range, maxMappings, idleTimeout, ticker, NameHash.PUBLIC_KEY);
    }

    /**
     * As above, names hashed with {@code nameKey} (at least 16 bytes, the same on every replica, secret: without
     * it no one can choose a name whose address is another name's).
     */
    public SyntheticAddressPool(Cidr ipv4Range, Optional<Cidr> ipv6Range, int maxMappings,
            Duration idleTimeout, Ticker ticker, byte[] nameKey) {
        this.hash = new NameHash(nameKey);
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

    /** The most names mapped at once. */
    public int maxMappings() {
        return maxMappings;
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
     * @throws AddressHeldException   when the name is new and another name holds its address
     */
    public synchronized SyntheticMapping mapIpv4(DnsName name, List<Inet4Address> real)
            throws PoolExhaustedException, AddressHeldException {
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
            throws PoolExhaustedException, NameQuotaExceededException, AddressHeldException {
        Entry e = entry(name, quota);
        e.realIpv4 = List.copyOf(real);
        return e.snapshot();
    }

    /**
     * Maps {@code name} to an IPv6 synthetic address too (the pool must have an IPv6 range) and records its
     * real IPv6 addresses. Counts as a use.
     *
     * @throws PoolExhaustedException when the name is new and every slot is in use
     * @throws AddressHeldException   when another name holds the name's IPv4 or IPv6 address
     */
    public synchronized SyntheticMapping mapIpv6(DnsName name, List<Inet6Address> real)
            throws PoolExhaustedException, AddressHeldException {
        try {
            return mapIpv6(name, real, Allowance.UNLIMITED);
        } catch (NameQuotaExceededException e) {
            throw new IllegalStateException("an unlimited quota refused a name", e);
        }
    }

    /** As {@link #mapIpv6(DnsName, List)}, a new name charged to {@code quota} as in {@link #mapIpv4}. */
    public synchronized SyntheticMapping mapIpv6(DnsName name, List<Inet6Address> real, Allowance quota)
            throws PoolExhaustedException, NameQuotaExceededException, AddressHeldException {
        Cidr range = ipv6Range.orElseThrow(() -> new IllegalStateException("no IPv6 app range configured"));
        Entry before = byName.get(name.key());
        Inet6Address candidate = null;
        if (before == null || before.ipv6 == null) {
            // Checked before the entry is made: a refused name must not keep an IPv4 mapping charged to the client.
            // A client over its quota learns only that (never whether the name collides): quota first.
            if (before == null && quota.available() < 1) {
                throw quotaExceeded(quota, name);
            }
            expireIdle();
            candidate = ipv6AddressOf(name, range);
            refuseIfHeld(name, candidate);
        }
        Entry e = entry(name, quota);
        if (e.ipv6 == null) {
            e.ipv6 = Objects.requireNonNull(candidate, "an entry without IPv6 had its candidate checked");
            byAddress.put(e.ipv6, e);
        }
        e.realIpv6 = List.copyOf(real);
        return e.snapshot();
    }

    private Entry entry(DnsName name, Allowance quota)
            throws PoolExhaustedException, NameQuotaExceededException, AddressHeldException {
        Entry e = byName.get(name.key());
        long now = ticker.nanoTime();
        if (e == null) {
            expireIdle();
            Inet4Address address = addressOf(name);
            // Quota first: a refusal for the quota says nothing about collisions, so a client over its quota
            // cannot probe which names share an address (nor add refusals to the pool's record) for free.
            if (!quota.tryAcquire(1)) {
                throw quotaExceeded(quota, name);
            }
            try {
                refuseIfHeld(name, address);
            } catch (AddressHeldException held) {
                quota.release(1);
                throw held;
            }
            if (byName.size() >= maxMappings) {
                quota.release(1);
                throw new PoolExhaustedException("synthetic address pool " + ipv4Range + " is full: " + byName.size()
                        + " names mapped, none idle for " + Duration.ofNanos(idleNanos)
                        + "; cannot map " + name + " (raise the mapping limit or widen the app range)");
            }
            e = new Entry(name, address, quota);
            byName.put(name.key(), e);
            byAddress.put(e.ipv4, e);
        }
        used(e, now);
        return e;
    }

    private NameQuotaExceededException quotaExceeded(Allowance quota, DnsName name) {
        return new NameQuotaExceededException("client holds its quota of synthetic names (" + quota
                + "); cannot map " + name + " until one of its names is idle for " + Duration.ofNanos(idleNanos));
    }

    private void used(Entry e, long now) {
        e.lastUsed = now;
        byName.remove(e.name.key());
        byName.put(e.name.key(), e);
    }

    /** Refuses {@code name} when another name holds {@code address}: counted, the first few kept for {@code /status}. */
    private void refuseIfHeld(DnsName name, InetAddress address) throws AddressHeldException {
        Entry holder = byAddress.get(address);
        if (holder != null && !holder.name.equals(name)) {
            NameCollision c = new NameCollision(name, holder.name, address);
            collisions++;
            if (firstCollisions.size() < KEPT_COLLISIONS) {
                firstCollisions.add(c);
            }
            throw new AddressHeldException(c);
        }
    }

    /**
     * The IPv4 address {@code name} gets whenever it is mapped under the reservations in force: see
     * {@link #addressOf(DnsName, ReservedAddresses)}.
     */
    public synchronized Inet4Address addressOf(DnsName name) {
        return addressOf(name, reserved);
    }

    /**
     * The IPv4 address {@code name} gets under {@code reservations}: its reserved address if the config lists it
     * exactly; otherwise its keyed hash reduced onto the usable addresses of the range (no .0/.255 in ranges of a
     * /24 or wider, no network or broadcast address; every usable address as likely as any other), moved on to the
     * next usable address while that one is reserved. Depends on nothing but the name, the key, the range and the
     * reservations (the config): never on the order of queries or on what was mapped before.
     */
    public synchronized Inet4Address addressOf(DnsName name, ReservedAddresses reservations) {
        Optional<Inet4Address> own = reservations.of(name);
        if (own.isPresent()) {
            return own.get();
        }
        long slot = Long.remainderUnsigned(hash.of(name.key())[1], ipv4Slots);
        Inet4Address candidate = ipv4At(slot);
        // At most ipv4Slots - 1 addresses are reserved, so a free one comes within ipv4Slots steps.
        while (reservations.taken(candidate)) {
            slot = slot + 1 == ipv4Slots ? 0 : slot + 1;
            candidate = ipv4At(slot);
        }
        return candidate;
    }

    /** The usable IPv4 address number {@code slot} (0-based, in address order). */
    private Inet4Address ipv4At(long slot) {
        // Ranges of a /24 and wider: 254 usable addresses (.1 to .254) in each aligned /24; narrower: all but the
        // network (offset 0) and broadcast addresses.
        long offset = ipv4Range.hostBits() >= 8 ? slot / 254 * 256 + 1 + slot % 254 : slot + 1;
        return (Inet4Address) ipv4Range.addressAt(offset).toInetAddress();
    }

    /**
     * The reservations for a config that lists {@code exactNames} exactly: in the order of their keys, each takes
     * its hash address, or the next usable one not yet taken by a name before it. A pure function of the set of
     * names, so every replica with the same config computes the same table. At most all but one usable address
     * are reserved (names beyond that get none and are placed like wildcard names).
     */
    public synchronized ReservedAddresses reservationsFor(Collection<DnsName> exactNames) {
        TreeMap<String, DnsName> sorted = new TreeMap<>();
        exactNames.forEach(n -> sorted.put(n.key(), n));
        Map<DnsName, Inet4Address> out = new HashMap<>();
        Set<InetAddress> taken = new HashSet<>();
        for (DnsName name : sorted.values()) {
            if (out.size() == ipv4Slots - 1) {
                break;
            }
            long slot = Long.remainderUnsigned(hash.of(name.key())[1], ipv4Slots);
            while (taken.contains(ipv4At(slot))) {
                slot = slot + 1 == ipv4Slots ? 0 : slot + 1;
            }
            out.put(name, ipv4At(slot));
            taken.add(ipv4At(slot));
        }
        return new ReservedAddresses(out);
    }

    /**
     * Puts {@code reservations} in force (a config reload) and drops every mapping whose name now has another
     * address (a listed name moved, or another name sat on an address now reserved); returns those so the NAT
     * layer can end their flows. Atomic with respect to mapping.
     */
    public synchronized List<SyntheticMapping> reserve(ReservedAddresses reservations) {
        Objects.requireNonNull(reservations, "reservations");
        long now = ticker.nanoTime();
        unsettledUntil.values().removeIf(until -> now - until >= 0);
        if (reservedOnce) {
            reservations.changedFrom(reserved).forEach(a -> unsettledUntil.put(a, now + idleNanos));
        }
        reservedOnce = true;
        this.reserved = reservations;
        return removeMappings(m -> !addressOf(m.name(), reservations).equals(m.ipv4()));
    }

    /**
     * The name the config in force lists exactly at {@code address}, unless a reload within the idle timeout gave
     * that address to another name or took it from one (then a client may hold it for the name before, and only
     * its own answer tells which it meant). Every replica with the same config reserves the address for the same
     * name and no other name is ever given it there, so a flow to it needs no answer from this replica: a client
     * that resolved the name on another replica (before a failover or a rolling update) reaches the same app.
     * A replica knows only the reloads it saw itself: see docs/dns.md for what config skew between replicas
     * leaves open.
     */
    public synchronized Optional<DnsName> settledName(InetAddress address) {
        Long until = unsettledUntil.get(address);
        if (until != null) {
            if (ticker.nanoTime() - until < 0) {
                return Optional.empty();
            }
            unsettledUntil.remove(address);
        }
        return reserved.nameAt(address);
    }

    /** The IPv6 address {@code name} gets: the low host bits of the range filled with its hash (never all zero). */
    private Inet6Address ipv6AddressOf(DnsName name, Cidr range) {
        long[] h = hash.of(name.key());
        IpAddress net = range.network();
        int bits = range.hostBits();
        long lo;
        long hi = net.hi();
        if (bits >= 64) {
            lo = h[1];
            if (bits > 64) {
                hi |= h[0] & (bits == 128 ? -1L : (1L << (bits - 64)) - 1);
            }
            if (lo == 0 && hi == net.hi()) {
                lo = 1; // the subnet-router anycast address is never handed out
            }
        } else {
            lo = net.lo() | (1 + Long.remainderUnsigned(h[1], ipv6Slots));
        }
        return (Inet6Address) new IpAddress(IpFamily.IPV6, hi, lo).toInetAddress();
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
        return removeMappings(m -> unwanted.test(m.name()));
    }

    private List<SyntheticMapping> removeMappings(Predicate<SyntheticMapping> unwanted) {
        List<SyntheticMapping> removed = new ArrayList<>();
        Iterator<Entry> it = byName.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (unwanted.test(e.snapshot())) {
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

    /** Names refused since the pool was built because another name held their address. */
    public synchronized long collisions() {
        return collisions;
    }

    /**
     * The first {@value #KEPT_COLLISIONS} of those refusals since the pool was built, in order (for {@code /status};
     * later ones only count in {@link #collisions}, so nothing a client provokes pushes these out).
     */
    public synchronized List<NameCollision> firstCollisions() {
        return List.copyOf(firstCollisions);
    }

    /** The reservations in force (the config's listed names), for {@code /status}. */
    public synchronized ReservedAddresses reservations() {
        return reserved;
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
