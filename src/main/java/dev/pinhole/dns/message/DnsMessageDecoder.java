package dev.pinhole.dns.message;

import dev.pinhole.dns.message.DnsFormatException.Reason;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decodes untrusted DNS messages. Every length is checked against the bytes present before it is used; any
 * corruption is a {@link DnsFormatException} with its reason, never a runtime exception. Stateless.
 */
public final class DnsMessageDecoder {
    /** Compression pointers followed per name; a legitimate name needs far fewer (one per suffix at most). */
    static final int MAX_POINTERS_PER_NAME = 64;
    private static final int HEADER_LENGTH = 12;

    private DnsMessageDecoder() {
    }

    /** Decodes the message between the buffer's position and limit; the buffer is not modified. */
    public static DnsMessage decode(ByteBuffer buffer) throws DnsFormatException {
        return new Cursor(buffer.slice()).message();
    }

    public static DnsMessage decode(byte[] message) throws DnsFormatException {
        return decode(ByteBuffer.wrap(message));
    }

    /**
     * Reads only the header and the first question; enough to route a query or match a response without
     * decoding the records.
     */
    public static DnsMessage decodeHeaderAndQuestion(ByteBuffer buffer) throws DnsFormatException {
        Cursor c = new Cursor(buffer.slice());
        c.need(HEADER_LENGTH, "header");
        int qd = c.u16(4);
        c.pos = HEADER_LENGTH;
        List<DnsQuestion> questions = qd == 0 ? List.of() : List.of(c.question());
        return new DnsMessage(c.u16(0), c.u16(2), questions, List.of(), List.of(), List.of(), Optional.empty());
    }

    /** Absolute-index reads over one slice; {@code pos} is the next byte of the section being read. */
    private static final class Cursor {
        private final ByteBuffer buf;
        private final int limit;
        private int pos;

        Cursor(ByteBuffer buf) {
            this.buf = buf;
            this.limit = buf.limit();
        }

        void need(int count, String what) throws DnsFormatException {
            if (count > limit - pos) {
                throw new DnsFormatException(Reason.TRUNCATED, pos,
                        what + " needs " + count + " octets, " + (limit - pos) + " left");
            }
        }

        int u8(int at) {
            return buf.get(at) & 0xff;
        }

        int u16(int at) {
            return ((buf.get(at) & 0xff) << 8) | (buf.get(at + 1) & 0xff);
        }

        long u32(int at) {
            return ((long) u16(at) << 16) | u16(at + 2);
        }

        DnsMessage message() throws DnsFormatException {
            need(HEADER_LENGTH, "header");
            int id = u16(0);
            int flags = u16(2);
            int qd = u16(4);
            int an = u16(6);
            int ns = u16(8);
            int ar = u16(10);
            pos = HEADER_LENGTH;
            List<DnsQuestion> questions = new ArrayList<>(Math.min(qd, 16));
            for (int i = 0; i < qd; i++) {
                questions.add(question());
            }
            List<DnsRecord> answers = records(an, false, null);
            List<DnsRecord> authorities = records(ns, false, null);
            Edns[] edns = new Edns[1];
            List<DnsRecord> additionals = records(ar, true, edns);
            if (pos != limit) {
                throw new DnsFormatException(Reason.TRAILING_BYTES, pos, (limit - pos) + " octets after the last record");
            }
            return new DnsMessage(id, flags, questions, answers, authorities, additionals, Optional.ofNullable(edns[0]));
        }

        DnsQuestion question() throws DnsFormatException {
            DnsName name = name();
            need(4, "question type and class");
            DnsQuestion q = new DnsQuestion(name, u16(pos), u16(pos + 2));
            pos += 4;
            return q;
        }

        List<DnsRecord> records(int count, boolean optAllowed, Edns[] edns) throws DnsFormatException {
            List<DnsRecord> out = new ArrayList<>(Math.min(count, 16));
            for (int i = 0; i < count; i++) {
                int start = pos;
                DnsName name = name();
                need(10, "record header");
                int type = u16(pos);
                int cls = u16(pos + 2);
                long rawTtl = u32(pos + 4);
                int rdlength = u16(pos + 8);
                pos += 10;
                need(rdlength, DnsType.name(type) + " rdata");
                int rdataStart = pos;
                int rdataEnd = pos + rdlength;
                if (type == DnsType.OPT) {
                    if (!optAllowed) {
                        throw new DnsFormatException(Reason.MISPLACED_OPT, start, "OPT outside the additional section");
                    }
                    if (edns[0] != null) {
                        throw new DnsFormatException(Reason.DUPLICATE_OPT, start, "second OPT record");
                    }
                    if (!name.isRoot()) {
                        throw new DnsFormatException(Reason.MISPLACED_OPT, start, "OPT owner is " + name + ", not the root");
                    }
                    edns[0] = new Edns(cls, (int) (rawTtl >>> 24), (int) (rawTtl >>> 16) & 0xff, (int) rawTtl & 0xffff,
                            bytes(rdataStart, rdlength));
                    pos = rdataEnd;
                    continue;
                }
                // RFC 2181 8: a TTL with the most significant bit set is treated as zero.
                long ttl = rawTtl > DnsRecord.MAX_TTL ? 0 : rawTtl;
                out.add(rdata(name, type, cls, ttl, rdataStart, rdataEnd));
                pos = rdataEnd;
            }
            return out;
        }

        DnsRecord rdata(DnsName name, int type, int cls, long ttl, int start, int end) throws DnsFormatException {
            int length = end - start;
            if (cls == DnsType.CLASS_IN && (type == DnsType.A || type == DnsType.AAAA)) {
                int expected = type == DnsType.A ? 4 : 16;
                if (length != expected) {
                    throw new DnsFormatException(Reason.RDATA_LENGTH_MISMATCH, start,
                            DnsType.name(type) + " rdata of " + length + " octets, expected " + expected);
                }
                return new DnsRecord.Address(name, cls, ttl, address(bytes(start, length)));
            }
            if (type == DnsType.CNAME) {
                int[] p = {start};
                DnsName target = nameIn(p, end);
                requireEnd(p[0], end, type);
                return new DnsRecord.Cname(name, cls, ttl, target);
            }
            return new DnsRecord.Opaque(name, type, cls, ttl, expandedRdata(type, start, end));
        }

        /** RDATA with compressed names expanded, for the types where RFC 3597 4 allows compression. */
        byte[] expandedRdata(int type, int start, int end) throws DnsFormatException {
            int[] p = {start};
            WireWriter w = new WireWriter(end - start + 64);
            switch (type) {
                case DnsType.NS, DnsType.MD, DnsType.MF, DnsType.MB, DnsType.MG, DnsType.MR, DnsType.PTR -> {
                    w.name(nameIn(p, end), null);
                }
                case DnsType.MINFO -> {
                    w.name(nameIn(p, end), null);
                    w.name(nameIn(p, end), null);
                }
                case DnsType.MX -> {
                    fixed(w, p, end, 2, "MX preference");
                    w.name(nameIn(p, end), null);
                }
                case DnsType.SOA -> {
                    w.name(nameIn(p, end), null);
                    w.name(nameIn(p, end), null);
                    fixed(w, p, end, 20, "SOA serial and timers");
                }
                default -> {
                    return bytes(start, end - start);
                }
            }
            requireEnd(p[0], end, type);
            return w.toByteArray();
        }

        void fixed(WireWriter w, int[] p, int end, int count, String what) throws DnsFormatException {
            if (count > end - p[0]) {
                throw new DnsFormatException(Reason.RDATA_LENGTH_MISMATCH, p[0], what + " runs past the rdata");
            }
            w.bytes(bytes(p[0], count));
            p[0] += count;
        }

        static void requireEnd(int at, int end, int type) throws DnsFormatException {
            if (at != end) {
                throw new DnsFormatException(Reason.RDATA_LENGTH_MISMATCH, at,
                        DnsType.name(type) + " rdata has " + (end - at) + " unused octets");
            }
        }

        byte[] bytes(int at, int count) {
            byte[] out = new byte[count];
            buf.get(at, out, 0, count);
            return out;
        }

        static InetAddress address(byte[] raw) {
            try {
                // Inet6Address.getByAddress keeps ::ffff:a.b.c.d as IPv6; InetAddress.getByAddress would turn
                // it into an Inet4Address and the AAAA record into an A record.
                return raw.length == 16 ? Inet6Address.getByAddress(null, raw, -1) : InetAddress.getByAddress(raw);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 or 16 octets always make an address", e);
            }
        }

        DnsName name() throws DnsFormatException {
            int[] p = {pos};
            DnsName n = nameIn(p, limit);
            pos = p[0];
            return n;
        }

        /**
         * Reads a possibly compressed name starting at {@code p[0]}, whose uncompressed part must end by
         * {@code end}; leaves {@code p[0]} after it. Pointer targets may be anywhere in the message but must
         * not repeat (a loop) and must land on a label start inside it.
         */
        DnsName nameIn(int[] p, int end) throws DnsFormatException {
            List<String> labels = new ArrayList<>(8);
            int at = p[0];
            int bound = end;
            int resumeAt = -1;
            int wire = 1;
            int[] visited = new int[MAX_POINTERS_PER_NAME];
            int pointers = 0;
            while (true) {
                if (at >= bound) {
                    throw new DnsFormatException(Reason.TRUNCATED, at, "name runs past the end");
                }
                int len = u8(at);
                int kind = len & 0xc0;
                if (kind == 0xc0) {
                    if (at + 1 >= bound) {
                        throw new DnsFormatException(Reason.TRUNCATED, at, "compression pointer cut short");
                    }
                    int target = u16(at) & 0x3fff;
                    if (target >= limit) {
                        throw new DnsFormatException(Reason.POINTER_OUT_OF_RANGE, at,
                                "pointer to " + target + " in a message of " + limit + " octets");
                    }
                    for (int i = 0; i < pointers; i++) {
                        if (visited[i] == target) {
                            throw new DnsFormatException(Reason.POINTER_LOOP, at, "pointer to " + target + " revisits it");
                        }
                    }
                    if (pointers == MAX_POINTERS_PER_NAME) {
                        throw new DnsFormatException(Reason.TOO_MANY_POINTERS, at,
                                "more than " + MAX_POINTERS_PER_NAME + " pointers in one name");
                    }
                    visited[pointers++] = target;
                    if (resumeAt < 0) {
                        resumeAt = at + 2;
                    }
                    at = target;
                    bound = limit;
                    continue;
                }
                if (kind != 0) {
                    throw new DnsFormatException(Reason.RESERVED_LABEL_TYPE, at,
                            "label type 0x" + Integer.toHexString(kind) + " (RFC 6891 deprecates extended labels)");
                }
                if (len == 0) {
                    p[0] = resumeAt >= 0 ? resumeAt : at + 1;
                    return DnsName.fromLabelsUnchecked(labels);
                }
                wire += 1 + len;
                if (wire > DnsName.MAX_WIRE_LENGTH) {
                    throw new DnsFormatException(Reason.NAME_TOO_LONG, at,
                            "name longer than " + DnsName.MAX_WIRE_LENGTH + " octets");
                }
                if (len + 1 > bound - at) {
                    throw new DnsFormatException(Reason.TRUNCATED, at, "label of " + len + " octets runs past the end");
                }
                labels.add(new String(bytes(at + 1, len), StandardCharsets.ISO_8859_1));
                at += 1 + len;
            }
        }
    }
}
