package dev.pinhole.netstack.packet;

/** Whether {@link PacketParser} verifies TCP, UDP and ICMP checksums. */
public enum TransportChecksums {
    /** Verify them: packets from a network that may corrupt them. */
    VERIFY,
    /**
     * Skip the sums (lengths, headers, the IPv4 header checksum and the IPv6 zero-UDP-checksum rule are still
     * checked): for packets that were authenticated end to end just before, as a WireGuard transport message is
     * by its Poly1305 tag. Linux marks packets its WireGuard device decrypted CHECKSUM_UNNECESSARY for the same
     * reason; summing every byte again costs the relay thread a pass over each packet.
     */
    TRUST
}
