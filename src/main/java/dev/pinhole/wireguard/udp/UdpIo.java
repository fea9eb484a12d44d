package dev.pinhole.wireguard.udp;

import java.util.Locale;

/** How a {@link UdpDeviceDriver} moves datagrams; the label is what {@code /status} and the info metric show. */
public enum UdpIo {
    /** {@code java.nio.channels.DatagramChannel}: one system call per datagram (every JDK). */
    DATAGRAM_CHANNEL,
    /** {@code recvmmsg}/{@code sendmmsg} through {@code java.lang.foreign}: up to 64 datagrams per call (JDK 22+, Linux). */
    RECVMMSG_SENDMMSG;

    /** {@code datagram-channel}, {@code recvmmsg-sendmmsg}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
