package dev.pinhole.dns.message;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** A resource record of the answer, authority or additional section (OPT is carried apart as {@link Edns}). */
public sealed interface DnsRecord permits DnsRecord.Address, DnsRecord.Cname, DnsRecord.Opaque {
    /** Largest TTL kept as is; RFC 2181 8: values with the top bit set are treated as zero. */
    long MAX_TTL = 0x7fff_ffffL;

    DnsName name();

    int type();

    int dnsClass();

    /** Time to live in seconds, 0..2^31-1. */
    long ttl();

    /** An A (IPv4) or AAAA (IPv6) record; the type follows the address family. */
    record Address(DnsName name, int dnsClass, long ttl, InetAddress address) implements DnsRecord {
        public Address {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            checkU16("class", dnsClass);
            checkTtl(ttl);
            if (!(address instanceof Inet4Address) && !(address instanceof Inet6Address)) {
                throw new IllegalArgumentException("unknown address family: " + address);
            }
        }

        @Override
        public int type() {
            return address instanceof Inet4Address ? DnsType.A : DnsType.AAAA;
        }
    }

    /** A CNAME record: {@code name} is an alias of {@code target}. */
    record Cname(DnsName name, int dnsClass, long ttl, DnsName target) implements DnsRecord {
        public Cname {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(target, "target");
            checkU16("class", dnsClass);
            checkTtl(ttl);
        }

        @Override
        public int type() {
            return DnsType.CNAME;
        }
    }

    /**
     * Any other record, its RDATA kept as bytes. For the RFC 1035 types whose RDATA holds names that may be
     * compressed (NS, SOA, PTR, MX, ...) the decoder expands those names so the bytes stand alone.
     */
    record Opaque(DnsName name, int type, int dnsClass, long ttl, byte[] rdata) implements DnsRecord {
        public Opaque {
            Objects.requireNonNull(name, "name");
            checkU16("type", type);
            checkU16("class", dnsClass);
            checkTtl(ttl);
            if (type == DnsType.OPT) {
                throw new IllegalArgumentException("OPT is carried as Edns, not as a record");
            }
            if (rdata.length > 0xffff) {
                throw new IllegalArgumentException("rdata of " + rdata.length + " octets (max 65535)");
            }
            rdata = rdata.clone();
        }

        @Override
        public byte[] rdata() {
            return rdata.clone();
        }

        int rdataLength() {
            return rdata.length;
        }

        byte rdataByte(int i) {
            return rdata[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Opaque other && name.equals(other.name) && type == other.type
                    && dnsClass == other.dnsClass && ttl == other.ttl && Arrays.equals(rdata, other.rdata);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, type, dnsClass, ttl, Arrays.hashCode(rdata));
        }

        @Override
        public String toString() {
            return "Opaque[" + name + " " + DnsType.name(type) + " class " + dnsClass + " ttl " + ttl + " "
                    + HexFormat.of().formatHex(rdata) + "]";
        }
    }

    static void checkU16(String what, int value) {
        if (value < 0 || value > 0xffff) {
            throw new IllegalArgumentException(what + " " + value + " out of range 0..65535");
        }
    }

    static void checkTtl(long ttl) {
        if (ttl < 0 || ttl > MAX_TTL) {
            throw new IllegalArgumentException("ttl " + ttl + " out of range 0.." + MAX_TTL);
        }
    }
}
