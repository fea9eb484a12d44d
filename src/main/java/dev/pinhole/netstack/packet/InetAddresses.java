package dev.pinhole.netstack.packet;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Converts raw 4- or 16-byte addresses to {@link InetAddress} without name lookups. */
final class InetAddresses {
    private InetAddresses() {
    }

    static InetAddress of(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + raw.length, e);
        }
    }
}
