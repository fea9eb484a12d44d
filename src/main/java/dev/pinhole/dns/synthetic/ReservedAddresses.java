package dev.pinhole.dns.synthetic;

import dev.pinhole.dns.message.DnsName;
import java.net.Inet4Address;
import java.net.InetAddress;
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
    private final Set<InetAddress> taken;

    ReservedAddresses(Map<DnsName, Inet4Address> byName) {
        this.byName = Map.copyOf(byName);
        this.taken = Set.copyOf(byName.values());
    }

    /** The address reserved for {@code name}, if the config lists it exactly (and the range had room). */
    public Optional<Inet4Address> of(DnsName name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Whether {@code address} is reserved for some listed name. */
    public boolean taken(InetAddress address) {
        return taken.contains(address);
    }

    /** How many names have an address reserved. */
    public int size() {
        return byName.size();
    }
}
