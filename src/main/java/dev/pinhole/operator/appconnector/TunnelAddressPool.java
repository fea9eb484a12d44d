package dev.pinhole.operator.appconnector;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpFamily;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The addresses of one connector's tunnel network and who holds each: the connector's own, the network address
 * (and IPv4's broadcast address) are never handed out. {@link #lowestFree} walks up from the bottom with a cursor
 * that never moves back, so allocating n addresses costs O(n + held), not O(n * held), as long as nothing is
 * released in between (one admission run never releases).
 */
final class TunnelAddressPool {
    private final Cidr network;
    private final Map<IpAddress, String> holders = new HashMap<>();
    private IpAddress cursor;

    private TunnelAddressPool(Cidr network) {
        this.network = network;
        this.cursor = network.first();
    }

    /** The pool of "address/prefix" (the connector's tunnel address), with that address held by the connector. */
    static TunnelAddressPool of(String tunnelAddress, String connectorName) {
        String[] parts = tunnelAddress.split("/", -1);
        IpAddress own = IpAddress.parse(parts[0]);
        TunnelAddressPool pool = new TunnelAddressPool(Cidr.containing(own, Integer.parseInt(parts[1])));
        pool.holders.put(pool.network.first(), "the tunnel network's own address");
        if (own.family() == IpFamily.IPV4 && pool.network.prefixLength() < 31) {
            pool.holders.put(pool.network.last(), "the tunnel network's broadcast address");
        }
        pool.holders.put(own, "the connector " + connectorName + " itself");
        return pool;
    }

    /** Why {@code address} ("a.b.c.d/32") cannot be claimed: outside the network, or held (by whom); else empty. */
    Optional<String> problem(String address) {
        IpAddress parsed;
        try {
            parsed = host(address);
        } catch (IllegalArgumentException e) {
            return Optional.of("not a single address (/32 or /128): " + address);
        }
        if (!network.contains(parsed)) {
            return Optional.of(address + " is outside the tunnel network " + network);
        }
        String holder = holders.get(parsed);
        return holder == null ? Optional.empty() : Optional.of(address + " is held by " + holder);
    }

    /** Marks {@code address} held by {@code holder}; the caller has checked {@link #problem} (or wins anyway). */
    void hold(String address, String holder) {
        holders.put(host(address), holder);
    }

    /** The lowest address nobody holds, now held by {@code holder}, as "address/32" (or /128); empty when full. */
    Optional<String> allocate(String holder) {
        while (network.contains(cursor) && holders.containsKey(cursor)) {
            if (cursor.isMax()) {
                return Optional.empty();
            }
            cursor = cursor.next();
        }
        if (!network.contains(cursor)) {
            return Optional.empty();
        }
        holders.put(cursor, holder);
        return Optional.of(cursor + "/" + cursor.family().bits());
    }

    Cidr network() {
        return network;
    }

    /** "a.b.c.d/32" or "x::y/128" as its address; anything else (another prefix, no prefix) is refused. */
    private static IpAddress host(String text) {
        String[] parts = String.valueOf(text).split("/", -1);
        IpAddress address = IpAddress.parse(parts[0]);
        if (parts.length != 2 || !parts[1].equals(String.valueOf(address.family().bits()))) {
            throw new IllegalArgumentException("not a host address: " + text);
        }
        return address;
    }
}
