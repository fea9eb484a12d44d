package dev.pinhole.dns.message;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A decoded DNS message (RFC 1035 4.1). {@code flags} is the raw second header word (QR, opcode, AA, TC, RD,
 * RA, Z, AD, CD, low four bits of the response code); the OPT record, if any, is lifted out of the
 * additional section into {@code edns}.
 */
public record DnsMessage(int id, int flags, List<DnsQuestion> questions, List<DnsRecord> answers,
        List<DnsRecord> authorities, List<DnsRecord> additionals, Optional<Edns> edns) {

    public static final int FLAG_QR = 0x8000;
    public static final int FLAG_AA = 0x0400;
    public static final int FLAG_TC = 0x0200;
    public static final int FLAG_RD = 0x0100;
    public static final int FLAG_RA = 0x0080;
    public static final int FLAG_AD = 0x0020;
    public static final int FLAG_CD = 0x0010;
    private static final int OPCODE_MASK = 0x7800;

    public static final int OPCODE_QUERY = 0;

    public static final int RCODE_NOERROR = 0;
    public static final int RCODE_FORMERR = 1;
    public static final int RCODE_SERVFAIL = 2;
    public static final int RCODE_NXDOMAIN = 3;
    public static final int RCODE_NOTIMP = 4;
    public static final int RCODE_REFUSED = 5;
    /** RFC 6891: extended code 16, needs EDNS. */
    public static final int RCODE_BADVERS = 16;

    public DnsMessage {
        DnsRecord.checkU16("id", id);
        DnsRecord.checkU16("flags", flags);
        questions = List.copyOf(questions);
        answers = List.copyOf(answers);
        authorities = List.copyOf(authorities);
        additionals = List.copyOf(additionals);
        Objects.requireNonNull(edns, "edns");
        for (List<?> section : List.of(questions, answers, authorities, additionals)) {
            if (section.size() > 0xffff) {
                throw new IllegalArgumentException("section of " + section.size() + " entries (max 65535)");
            }
        }
    }

    /** A recursive query (RD set) for one question. */
    public static DnsMessage query(int id, DnsQuestion question, Optional<Edns> edns) {
        return new DnsMessage(id, FLAG_RD, List.of(question), List.of(), List.of(), List.of(), edns);
    }

    /**
     * A response to {@code query}: same id, opcode, RD and CD, and question; QR and RA set; EDNS echoed at
     * {@code ourPayload} when the query had it.
     */
    public static DnsMessage responseTo(DnsMessage query, int rcode, List<DnsRecord> answers, int ourPayload) {
        int flags = FLAG_QR | FLAG_RA | (query.flags & (OPCODE_MASK | FLAG_RD | FLAG_CD)) | (rcode & 0xf);
        Optional<Edns> edns = query.edns.map(e -> new Edns(ourPayload, rcode >>> 4, 0, e.flags() & Edns.FLAG_DO,
                new byte[0]));
        if (rcode > 0xf && edns.isEmpty()) {
            throw new IllegalArgumentException("rcode " + rcode + " needs EDNS");
        }
        return new DnsMessage(query.id, flags, query.questions, answers, List.of(), List.of(), edns);
    }

    public boolean isResponse() {
        return (flags & FLAG_QR) != 0;
    }

    public int opcode() {
        return (flags & OPCODE_MASK) >>> 11;
    }

    public boolean isTruncated() {
        return (flags & FLAG_TC) != 0;
    }

    public boolean recursionDesired() {
        return (flags & FLAG_RD) != 0;
    }

    /** The full response code: header bits plus the EDNS extension (RFC 6891 6.1.3). */
    public int rcode() {
        return (flags & 0xf) | (edns.map(Edns::extendedRcode).orElse(0) << 4);
    }

    public DnsMessage withId(int newId) {
        return new DnsMessage(newId, flags, questions, answers, authorities, additionals, edns);
    }

    public DnsMessage withFlags(int newFlags) {
        return new DnsMessage(id, newFlags, questions, answers, authorities, additionals, edns);
    }
}
