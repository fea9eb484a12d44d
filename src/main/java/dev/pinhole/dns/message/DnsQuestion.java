package dev.pinhole.dns.message;

import java.util.Objects;

/** One entry of the question section: name, type and class. */
public record DnsQuestion(DnsName name, int type, int dnsClass) {
    public DnsQuestion {
        Objects.requireNonNull(name, "name");
        DnsRecord.checkU16("type", type);
        DnsRecord.checkU16("class", dnsClass);
    }

    @Override
    public String toString() {
        return name + " " + DnsType.name(type) + (dnsClass == DnsType.CLASS_IN ? "" : " class " + dnsClass);
    }
}
