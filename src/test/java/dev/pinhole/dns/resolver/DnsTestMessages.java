package dev.pinhole.dns.resolver;

import dev.pinhole.dns.message.DnsFormatException;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsMessageEncoder;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.message.Edns;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/** Builders for the queries and upstream answers the resolver tests exchange. */
final class DnsTestMessages {
    private DnsTestMessages() {
    }

    static byte[] query(int id, String name, int type, boolean edns) {
        return encode(DnsMessage.query(id, new DnsQuestion(DnsName.of(name), type, DnsType.CLASS_IN),
                edns ? Optional.of(Edns.of(1232)) : Optional.empty()));
    }

    static DnsMessage decode(byte[] bytes) {
        try {
            return DnsMessageDecoder.decode(bytes);
        } catch (DnsFormatException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] encode(DnsMessage m) {
        try {
            return DnsMessageEncoder.encode(m);
        } catch (DnsFormatException e) {
            throw new AssertionError(e);
        }
    }

    /** The upstream's answer to {@code upstreamQuery}, with rcode and records, keeping its id and question. */
    static byte[] answer(byte[] upstreamQuery, int rcode, DnsRecord... records) {
        DnsMessage q = decode(upstreamQuery);
        return encode(DnsMessage.responseTo(q, rcode, List.of(records), 1232));
    }

    static DnsRecord a(String name, long ttl, String address) {
        return new DnsRecord.Address(DnsName.of(name), DnsType.CLASS_IN, ttl, ip(address));
    }

    static DnsRecord cname(String name, long ttl, String target) {
        return new DnsRecord.Cname(DnsName.of(name), DnsType.CLASS_IN, ttl, DnsName.of(target));
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
