package dev.pinhole.wireguard.udp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Linux {@code struct sockaddr_in} / {@code sockaddr_in6} as bytes, for the batched port's system calls (family and
 * scope id in the machine's order, little-endian on the 64-bit targets the batched port runs on; port big-endian).
 * An IPv4 peer of a dual-stack socket appears as {@code ::ffff:a.b.c.d} and becomes an {@link Inet4Address}, as the
 * JDK's own sockets report it, so that endpoints compare equal whichever port received them.
 */
final class Sockaddr {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    /** {@code sizeof(struct sockaddr_in)}. */
    static final int IN4_LEN = 16;
    /** {@code sizeof(struct sockaddr_in6)}, the size of every name slot. */
    static final int IN6_LEN = 28;

    private Sockaddr() {
    }

    /**
     * Writes {@code to} as a socket address for a socket of {@code family} into {@code out[0, 28)}; returns its
     * length, or -1 when that socket cannot reach it (an IPv6 peer from an IPv4 socket, an unresolved name).
     */
    static int encode(InetSocketAddress to, int family, byte[] out) {
        InetAddress a = to.getAddress();
        if (a == null) {
            return -1;
        }
        int port = to.getPort();
        java.util.Arrays.fill(out, 0, IN6_LEN, (byte) 0);
        out[2] = (byte) (port >>> 8);
        out[3] = (byte) port;
        byte[] ip = a.getAddress();
        if (family == AF_INET) {
            if (ip.length != 4) {
                return -1;
            }
            out[0] = AF_INET;
            System.arraycopy(ip, 0, out, 4, 4);
            return IN4_LEN;
        }
        out[0] = AF_INET6;
        if (ip.length == 4) {
            out[18] = (byte) 0xff;
            out[19] = (byte) 0xff;
            System.arraycopy(ip, 0, out, 20, 4);
        } else {
            System.arraycopy(ip, 0, out, 8, 16);
            int scope = ((Inet6Address) a).getScopeId();
            out[24] = (byte) scope;
            out[25] = (byte) (scope >>> 8);
            out[26] = (byte) (scope >>> 16);
            out[27] = (byte) (scope >>> 24);
        }
        return IN6_LEN;
    }

    /** The address in {@code in[0, len)} as the kernel wrote it, or null when it is no IPv4/IPv6 address. */
    static InetSocketAddress decode(byte[] in, int len) {
        int family = (in[0] & 0xff) | (in[1] & 0xff) << 8;
        int port = (in[2] & 0xff) << 8 | (in[3] & 0xff);
        try {
            if (family == AF_INET && len >= IN4_LEN) {
                return new InetSocketAddress(InetAddress.getByAddress(java.util.Arrays.copyOfRange(in, 4, 8)), port);
            }
            if (family == AF_INET6 && len >= IN6_LEN) {
                if (isV4Mapped(in)) {
                    return new InetSocketAddress(
                            InetAddress.getByAddress(java.util.Arrays.copyOfRange(in, 20, 24)), port);
                }
                byte[] ip = java.util.Arrays.copyOfRange(in, 8, 24);
                int scope = (in[24] & 0xff) | (in[25] & 0xff) << 8 | (in[26] & 0xff) << 16 | (in[27] & 0xff) << 24;
                InetAddress a = scope != 0 ? Inet6Address.getByAddress(null, ip, scope) : InetAddress.getByAddress(ip);
                return new InetSocketAddress(a, port);
            }
        } catch (UnknownHostException e) {
            // Only for a wrong array length, which the checks above exclude.
        }
        return null;
    }

    private static boolean isV4Mapped(byte[] in) {
        for (int i = 8; i < 18; i++) {
            if (in[i] != 0) {
                return false;
            }
        }
        return in[18] == (byte) 0xff && in[19] == (byte) 0xff;
    }
}
