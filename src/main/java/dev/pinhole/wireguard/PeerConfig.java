package dev.pinhole.wireguard;

import dev.pinhole.ipset.Cidr;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * What the operator configures for one peer: its public key, optional preshared key, AllowedIPs, optional initial
 * endpoint and persistent keepalive interval ({@link Duration#ZERO} for none).
 */
public record PeerConfig(PublicKey publicKey, byte[] presharedKey, List<Cidr> allowedIps,
        InetSocketAddress endpoint, Duration persistentKeepalive) {

    public PeerConfig {
        if (publicKey == null) {
            throw new IllegalArgumentException("peer public key is required");
        }
        if (presharedKey != null && presharedKey.length != 32) {
            throw new IllegalArgumentException("preshared key must be 32 bytes");
        }
        presharedKey = presharedKey == null ? null : presharedKey.clone();
        allowedIps = List.copyOf(allowedIps == null ? List.of() : allowedIps);
        persistentKeepalive = persistentKeepalive == null ? Duration.ZERO : persistentKeepalive;
        if (persistentKeepalive.isNegative()) {
            throw new IllegalArgumentException("persistent keepalive must not be negative");
        }
    }

    /** A peer known by key and AllowedIPs only, reached at whatever address it last authenticated from. */
    public static PeerConfig of(PublicKey publicKey, List<Cidr> allowedIps) {
        return new PeerConfig(publicKey, null, allowedIps, null, Duration.ZERO);
    }

    public PeerConfig withEndpoint(InetSocketAddress endpoint) {
        return new PeerConfig(publicKey, presharedKey, allowedIps, endpoint, persistentKeepalive);
    }

    public PeerConfig withPresharedKey(byte[] psk) {
        return new PeerConfig(publicKey, psk, allowedIps, endpoint, persistentKeepalive);
    }

    public PeerConfig withPersistentKeepalive(Duration interval) {
        return new PeerConfig(publicKey, presharedKey, allowedIps, endpoint, interval);
    }

    @Override
    public byte[] presharedKey() {
        return presharedKey == null ? null : presharedKey.clone();
    }
}
