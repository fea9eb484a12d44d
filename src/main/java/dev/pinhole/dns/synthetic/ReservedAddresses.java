package dev.pinhole.dns.synthetic;

import dev.pinhole.dns.message.DnsName;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The IPv4 addresses set aside for the names a config lists exactly (not under a wildcard), computed from the
 * sorted list alone ({@link SyntheticAddressPool#reservationsFor}): no two of them share an address, and no other
 * name is ever given one of theirs. Immutable.
 */
public final class ReservedAddresses {
    /** Nothing reserved. */
    public static final ReservedAddresses NONE = new ReservedAddresses(Map.of());

    private final Map<DnsName, Inet4Address> byName;
    private final Map<InetAddress, DnsName> byAddress;

    ReservedAddresses(Map<DnsName, Inet4Address> byName) {
        this.byName = Map.copyOf(byName);
        Map<InetAddress, DnsName> reverse = new HashMap<>();
        byName.forEach((name, address) -> reverse.put(address, name));
        this.byAddress = Map.copyOf(reverse);
    }

    /** The listed name {@code address} is reserved for, if any. */
    public Optional<DnsName> nameAt(InetAddress address) {
        return Optional.ofNullable(byAddress.get(address));
    }

    /**
     * The addresses whose reserved name differs between {@code this} and {@code other} (reserved in one only, or
     * for another name): where a client may hold an answer that the other table gives to another name.
     */
    public Set<InetAddress> changedFrom(ReservedAddresses other) {
        Set<InetAddress> out = new HashSet<>();
        byAddress.forEach((a, n) -> {
            if (!n.equals(other.byAddress.get(a))) {
                out.add(a);
            }
        });
        other.byAddress.forEach((a, n) -> {
            if (!n.equals(byAddress.get(a))) {
                out.add(a);
            }
        });
        return out;
    }

    /** The address reserved for {@code name}, if the config lists it exactly (and the range had room). */
    public Optional<Inet4Address> of(DnsName name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Whether {@code address} is reserved for some listed name. */
    public boolean taken(InetAddress address) {
        return byAddress.containsKey(address);
    }

    /**
     * A short digest of the table (SHA-256 of its sorted {@code name=address} lines, 12 hex digits): equal on two
     * replicas exactly when they place every listed name alike, so {@code /status} shows config skew during a
     * change that moved one (docs/dns.md, names and addresses across replicas).
     */
    public String digest() {
        java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
        byName.forEach((n, a) -> sorted.put(n.key(), a.getHostAddress()));
        try {
            var sha = java.security.MessageDigest.getInstance("SHA-256");
            sorted.forEach((n, a) -> sha.update((n + "=" + a + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return java.util.HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** How many names have an address reserved. */
    public int size() {
        return byName.size();
    }
}
