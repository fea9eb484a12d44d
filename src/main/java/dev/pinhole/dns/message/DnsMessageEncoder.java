package dev.pinhole.dns.message;

import dev.pinhole.dns.message.DnsFormatException.Reason;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Encodes messages with name compression; truncates (TC set, records dropped) to fit a size limit. */
public final class DnsMessageEncoder {
    /** RFC 1035 4.2.1: the classic UDP limit without EDNS. */
    public static final int CLASSIC_UDP_LIMIT = 512;
    /** TCP messages carry a 16-bit length prefix. */
    public static final int TCP_LIMIT = 0xffff;

    private DnsMessageEncoder() {
    }

    /** Encodes the whole message; fails only if it exceeds 65535 octets. */
    public static byte[] encode(DnsMessage message) throws DnsFormatException {
        return encode(message, TCP_LIMIT);
    }

    /**
     * Encodes {@code message} into at most {@code maxLength} octets. When the records do not fit, the result
     * has TC set and carries only the header, questions and OPT (RFC 2181 9, RFC 6891 7), so the client
     * retries over TCP.
     */
    public static byte[] encode(DnsMessage message, int maxLength) throws DnsFormatException {
        byte[] full = write(message, true);
        if (full.length <= maxLength) {
            return full;
        }
        DnsMessage truncated = new DnsMessage(message.id(), message.flags() | DnsMessage.FLAG_TC,
                message.questions(), List.of(), List.of(), List.of(), message.edns());
        byte[] small = write(truncated, true);
        if (small.length > maxLength) {
            throw new DnsFormatException(Reason.MESSAGE_TOO_LARGE, -1,
                    "even truncated the message takes " + small.length + " octets, limit " + maxLength);
        }
        return small;
    }

    private static byte[] write(DnsMessage m, boolean compress) throws DnsFormatException {
        WireWriter w = new WireWriter(512);
        Map<String, Integer> table = compress ? new HashMap<>() : null;
        w.u16(m.id());
        w.u16(m.flags());
        w.u16(m.questions().size());
        w.u16(m.answers().size());
        w.u16(m.authorities().size());
        int additionals = m.additionals().size() + (m.edns().isPresent() ? 1 : 0);
        if (additionals > 0xffff) {
            throw new DnsFormatException(Reason.MESSAGE_TOO_LARGE, -1, "more than 65535 additional records");
        }
        w.u16(additionals);
        for (DnsQuestion q : m.questions()) {
            w.name(q.name(), table);
            w.u16(q.type());
            w.u16(q.dnsClass());
        }
        for (List<DnsRecord> section : List.of(m.answers(), m.authorities(), m.additionals())) {
            for (DnsRecord r : section) {
                record(w, r, table);
            }
        }
        if (m.edns().isPresent()) {
            Edns e = m.edns().get();
            w.u8(0);
            w.u16(DnsType.OPT);
            w.u16(e.udpPayloadSize());
            w.u8(e.extendedRcode());
            w.u8(e.version());
            w.u16(e.flags());
            w.u16(e.optionsLength());
            w.bytes(e.options());
        }
        if (w.size() > TCP_LIMIT) {
            throw new DnsFormatException(Reason.MESSAGE_TOO_LARGE, -1, "message of " + w.size() + " octets");
        }
        return w.toByteArray();
    }

    private static void record(WireWriter w, DnsRecord r, Map<String, Integer> table) throws DnsFormatException {
        w.name(r.name(), table);
        w.u16(r.type());
        w.u16(r.dnsClass());
        w.u32(r.ttl());
        int lengthAt = w.size();
        w.u16(0);
        if (r instanceof DnsRecord.Address a) {
            w.bytes(a.address().getAddress());
        } else if (r instanceof DnsRecord.Cname c) {
            w.name(c.target(), table);
        } else if (r instanceof DnsRecord.Opaque o) {
            w.bytes(o.rdata());
        }
        int length = w.size() - lengthAt - 2;
        if (length > 0xffff) {
            throw new DnsFormatException(Reason.MESSAGE_TOO_LARGE, -1, "rdata of " + length + " octets");
        }
        w.setU16(lengthAt, length);
    }
}
