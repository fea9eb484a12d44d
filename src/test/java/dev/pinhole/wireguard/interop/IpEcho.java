package dev.pinhole.wireguard.interop;

import java.nio.ByteBuffer;

/** Just enough IPv4 for the interop tests: answer ICMP echo and UDP datagrams, build an ICMP echo request. */
final class IpEcho {
    private IpEcho() {}

    /** The reply to an IPv4 ICMP echo request or UDP datagram, or null for anything else. */
    static byte[] reply(ByteBuffer packet) {
        byte[] p = new byte[packet.remaining()];
        packet.get(packet.position(), p);
        if (p.length < 20 || (p[0] & 0xf0) != 0x40) {
            return null;
        }
        int ihl = (p[0] & 0x0f) * 4;
        int proto = p[9] & 0xff;
        swap(p, 12, 16, 4);
        p[8] = 64;
        if (proto == 1 && p.length >= ihl + 8 && p[ihl] == 8) {
            p[ihl] = 0;
            p[ihl + 2] = 0;
            p[ihl + 3] = 0;
            int c = checksum(p, ihl, p.length - ihl);
            p[ihl + 2] = (byte) (c >>> 8);
            p[ihl + 3] = (byte) c;
        } else if (proto == 17 && p.length >= ihl + 8) {
            swap(p, ihl, ihl + 2, 2);
            p[ihl + 6] = 0;
            p[ihl + 7] = 0;
        } else {
            return null;
        }
        ipChecksum(p, ihl);
        return p;
    }

    static byte[] icmpEchoRequest(byte[] src, byte[] dst, int id, int seq) {
        byte[] p = new byte[20 + 8 + 32];
        p[0] = 0x45;
        p[2] = 0;
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = 1;
        System.arraycopy(src, 0, p, 12, 4);
        System.arraycopy(dst, 0, p, 16, 4);
        p[20] = 8;
        p[24] = (byte) (id >>> 8);
        p[25] = (byte) id;
        p[26] = (byte) (seq >>> 8);
        p[27] = (byte) seq;
        for (int i = 28; i < p.length; i++) {
            p[i] = (byte) i;
        }
        int c = checksum(p, 20, p.length - 20);
        p[22] = (byte) (c >>> 8);
        p[23] = (byte) c;
        ipChecksum(p, 20);
        return p;
    }

    static boolean isEchoReply(byte[] p, int seq) {
        return p.length >= 28 && (p[0] & 0xf0) == 0x40 && p[9] == 1 && p[20] == 0
                && ((p[26] & 0xff) << 8 | (p[27] & 0xff)) == seq;
    }

    private static void ipChecksum(byte[] p, int ihl) {
        p[10] = 0;
        p[11] = 0;
        int c = checksum(p, 0, ihl);
        p[10] = (byte) (c >>> 8);
        p[11] = (byte) c;
    }

    private static void swap(byte[] p, int a, int b, int n) {
        for (int i = 0; i < n; i++) {
            byte t = p[a + i];
            p[a + i] = p[b + i];
            p[b + i] = t;
        }
    }

    static int checksum(byte[] p, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((p[off + i] & 0xff) << 8) | (p[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            sum += (p[off + len - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
