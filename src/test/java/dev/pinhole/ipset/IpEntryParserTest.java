package dev.pinhole.ipset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpEntryParserTest {

    private static void assertRejected(String entry, String message) {
        assertThatThrownBy(() -> IpEntryParser.parseEntry(entry))
                .isInstanceOfSatisfying(IpEntryFormatException.class, e -> {
                    assertThat(e.value()).isEqualTo(entry);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    @Test
    void singleIpv4AddressIsAOneAddressRange() {
        AddressRange r = IpEntryParser.parseEntry("203.0.113.10");
        assertThat(r.first()).isEqualTo(IpAddress.ofIpv4(0xCB00710A));
        assertThat(r.last()).isEqualTo(r.first());
    }

    @Test
    void ipv4CidrCoversItsBlock() {
        AddressRange r = IpEntryParser.parseEntry("198.51.100.0/28");
        assertThat(r.first()).hasToString("198.51.100.0");
        assertThat(r.last()).hasToString("198.51.100.15");
    }

    @Test
    void ipv4RangeIsInclusive() {
        AddressRange r = IpEntryParser.parseEntry("192.0.2.10-192.0.2.20");
        assertThat(r.first()).hasToString("192.0.2.10");
        assertThat(r.last()).hasToString("192.0.2.20");
        assertThat(r.size()).hasToString("11");
    }

    @Test
    void ipv6CidrCoversItsBlock() {
        AddressRange r = IpEntryParser.parseEntry("2001:db8::/64");
        assertThat(r.first()).isEqualTo(IpAddress.ofIpv6(0x20010db800000000L, 0));
        assertThat(r.last()).isEqualTo(IpAddress.ofIpv6(0x20010db800000000L, -1L));
    }

    @Test
    void ipv6RangeIsInclusive() {
        AddressRange r = IpEntryParser.parseEntry("2001:db8::1-2001:db8::ff");
        assertThat(r.first()).isEqualTo(IpAddress.ofIpv6(0x20010db800000000L, 1));
        assertThat(r.last()).isEqualTo(IpAddress.ofIpv6(0x20010db800000000L, 0xff));
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertThat(IpEntryParser.parseEntry("  192.0.2.1\t")).isEqualTo(IpEntryParser.parseEntry("192.0.2.1"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "::|0|0",
        "::1|0|1",
        "1::|0x0001000000000000|0",
        "2001:DB8::A|0x20010db800000000|0xa",
        "2001:db8:0:0:1:0:0:1|0x20010db800000000|0x0001000000000001",
        "1:2:3:4:5:6:7:8|0x0001000200030004|0x0005000600070008",
        "1:2:3:4:5:6:7::|0x0001000200030004|0x0005000600070000",
        "::2:3:4:5:6:7:8|0x0000000200030004|0x0005000600070008",
        "::ffff:192.0.2.1|0|0x0000ffffc0000201",
        "64:ff9b::198.51.100.7|0x0064ff9b00000000|0x00000000c6336407",
        "1:2:3:4:5:6:1.2.3.4|0x0001000200030004|0x0005000601020304",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|-1|-1",
    })
    void ipv6TextFormsAreParsed(String text, String hi, String lo) {
        assertThat(IpAddress.parse(text)).isEqualTo(IpAddress.ofIpv6(Long.decode(hi), Long.decode(lo)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2001:0db8:0000:0000:0000:0000:0000:0001|2001:db8::1",
        "2001:db8:0:0:1:0:0:1|2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1|2001:db8:0:1:1:1:1:1",
        "1:0:0:2:0:0:0:3|1:0:0:2::3",
        "0:0:0:0:0:0:0:0|::",
        "::ffff:192.0.2.1|::ffff:c000:201",
        "0.0.0.0|0.0.0.0",
        "255.255.255.255|255.255.255.255",
    })
    void addressesPrintCanonically(String text, String canonical) {
        assertThat(IpAddress.parse(text)).hasToString(canonical);
    }

    @Test
    void hostBitsSetSuggestsTheNetwork() {
        assertRejected("198.51.100.5/24", "\"198.51.100.5/24\": host bits set (did you mean 198.51.100.0/24?)");
    }

    @Test
    void ipv6HostBitsSetSuggestsTheNetwork() {
        assertRejected("2001:db8::1/64", "\"2001:db8::1/64\": host bits set (did you mean 2001:db8::/64?)");
    }

    @Test
    void reversedRangeIsRejected() {
        assertRejected("192.0.2.20-192.0.2.10", "\"192.0.2.20-192.0.2.10\": range start is after its end");
    }

    @Test
    void ipv4PrefixOver32IsRejected() {
        assertRejected("10.0.0.0/33", "\"10.0.0.0/33\": prefix length 33 exceeds 32");
    }

    @Test
    void ipv6PrefixOver128IsRejected() {
        assertRejected("2001:db8::/129", "\"2001:db8::/129\": prefix length 129 exceeds 128");
    }

    @Test
    void mixedFamilyRangeIsRejected() {
        assertRejected("192.0.2.1-2001:db8::1",
                "\"192.0.2.1-2001:db8::1\": mixed families in range (IPv4 start, IPv6 end)");
    }

    @Test
    void hostNamesAreRejectedWithoutResolving() {
        assertRejected("example.com", "\"example.com\": looks like a host name; use IP addresses, CIDRs or ranges"
                + " (names are not resolved)");
        assertRejected("192.0.2.1-gateway", "\"192.0.2.1-gateway\": range end: looks like a host name; use IP"
                + " addresses, CIDRs or ranges (names are not resolved)");
    }

    @Test
    void garbageIsRejected() {
        assertRejected("12345", "\"12345\": not an IP address, CIDR or range");
        assertRejected("1.2.3.4.", "\"1.2.3.4.\": IPv4 address has an empty octet");
        assertRejected("#!", "\"#!\": not an IP address, CIDR or range");
    }

    @Test
    void leadingZeroOctetIsRejectedAsAmbiguousOctal() {
        assertRejected("192.0.2.010", "\"192.0.2.010\": IPv4 octet \"010\" has a leading zero (ambiguous octal)");
    }

    @Test
    void leadingZeroInsideEmbeddedIpv4IsRejected() {
        assertRejected("::ffff:01.2.3.4", "\"::ffff:01.2.3.4\": IPv4 octet \"01\" has a leading zero (ambiguous octal)");
    }

    @Test
    void zoneIdIsRejected() {
        assertRejected("fe80::1%eth0", "\"fe80::1%eth0\": zone ids (\"%\") are not allowed");
    }

    @Test
    void octetOver255IsRejected() {
        assertRejected("192.0.2.256", "\"192.0.2.256\": IPv4 octet 256 exceeds 255");
    }

    @Test
    void shortIpv4IsRejected() {
        assertRejected("192.0.2", "\"192.0.2\": IPv4 address has 3 octets, not 4");
    }

    @Test
    void longIpv4IsRejected() {
        assertRejected("192.0.2.1.5", "\"192.0.2.1.5\": IPv4 address has more than 4 octets");
    }

    @Test
    void emptyOctetIsRejected() {
        assertRejected("192.0..1", "\"192.0..1\": IPv4 address has an empty octet");
    }

    @Test
    void emptyEntryIsRejected() {
        assertRejected("   ", "\"   \": empty entry");
    }

    @Test
    void innerWhitespaceIsRejected() {
        assertRejected("192.0.2.1 - 192.0.2.9", "\"192.0.2.1 - 192.0.2.9\": contains whitespace");
    }

    @Test
    void doubleGapIsRejected() {
        assertRejected("1::2::3", "\"1::2::3\": IPv6 address has more than one \"::\"");
    }

    @Test
    void ipv6WithTooFewGroupsIsRejected() {
        assertRejected("1:2:3:4:5:6:7", "\"1:2:3:4:5:6:7\": IPv6 address has 7 groups, not 8 (use \"::\" for zeros)");
    }

    @Test
    void ipv6WithNineGroupsIsRejected() {
        assertRejected("1:2:3:4:5:6:7:8:9", "\"1:2:3:4:5:6:7:8:9\": IPv6 address has more than 8 groups");
    }

    @Test
    void gapStandingForNoGroupIsRejected() {
        assertRejected("1:2:3:4::5:6:7:8", "\"1:2:3:4::5:6:7:8\": IPv6 address has too many groups around \"::\"");
    }

    @Test
    void longIpv6GroupIsRejected() {
        assertRejected("2001:db8::12345", "\"2001:db8::12345\": IPv6 group \"12345\" has more than 4 hex digits");
    }

    @Test
    void nonHexIpv6IsRejected() {
        assertRejected("2001:db8::g", "\"2001:db8::g\": invalid character \"g\" in IPv6 address");
    }

    @Test
    void trailingColonIsRejected() {
        assertRejected("2001:db8::1:", "\"2001:db8::1:\": IPv6 address ends with a single \":\"");
    }

    @Test
    void leadingSingleColonIsRejected() {
        assertRejected(":1:2:3:4:5:6:7", "\":1:2:3:4:5:6:7\": IPv6 address has an empty group");
    }

    @Test
    void embeddedIpv4NotLastIsRejected() {
        assertRejected("::1.2.3.4:5",
                "\"::1.2.3.4:5\": an embedded IPv4 address must be the last part of an IPv6 address");
    }

    @Test
    void rangeOfCidrsIsRejected() {
        assertRejected("192.0.2.0/24-192.0.3.0/24",
                "\"192.0.2.0/24-192.0.3.0/24\": range bounds must be addresses, not CIDRs");
    }

    @Test
    void rangeWithoutEndIsRejected() {
        assertRejected("192.0.2.1-", "\"192.0.2.1-\": range is missing its end address");
    }

    @Test
    void rangeWithTwoDashesIsRejected() {
        assertRejected("1.1.1.1-2.2.2.2-3.3.3.3", "\"1.1.1.1-2.2.2.2-3.3.3.3\": a range has exactly one \"-\"");
    }

    @Test
    void rangePartErrorsNameThePart() {
        assertRejected("192.0.2.1-192.0.2.300", "\"192.0.2.1-192.0.2.300\": range end: IPv4 octet 300 exceeds 255");
    }

    @Test
    void missingPrefixIsRejected() {
        assertRejected("192.0.2.0/", "\"192.0.2.0/\": CIDR is missing its prefix length after \"/\"");
    }

    @Test
    void nonNumericPrefixIsRejected() {
        assertRejected("192.0.2.0/x", "\"192.0.2.0/x\": prefix length \"x\" is not a number from 0 to 32");
    }

    @Test
    void leadingZeroPrefixIsRejected() {
        assertRejected("192.0.2.0/024", "\"192.0.2.0/024\": prefix length \"024\" has a leading zero");
    }

    @Test
    void nonAsciiDigitsAreRejected() {
        assertRejected("192.0.2.\u0661", "\"192.0.2.\u0661\": IPv4 octet \"\u0661\" is not a number from 0 to 255");
    }

    @Test
    void controlCharactersAreEscapedInTheMessage() {
        assertThatThrownBy(() -> IpEntryParser.parseEntry("1.2.3.4\u0000"))
                .isInstanceOf(IpEntryFormatException.class)
                .hasMessageStartingWith("\"1.2.3.4\\u0000\": ");
    }

    @Test
    void overlongEntryIsRejectedWithAShortenedQuote() {
        String entry = "1".repeat(200);
        assertThatThrownBy(() -> IpEntryParser.parseEntry(entry))
                .isInstanceOfSatisfying(IpEntryFormatException.class, e -> {
                    assertThat(e.value()).isEqualTo(entry);
                    assertThat(e.getMessage()).isEqualTo("\"" + "1".repeat(80) + "...\": longer than 100 characters");
                });
    }

    @Test
    void nullEntryIsRejected() {
        assertThatThrownBy(() -> IpEntryParser.parseEntry(null))
                .isInstanceOf(IpEntryFormatException.class)
                .hasMessage("null: missing entry");
    }

    @Test
    void parseAddressRefusesCidr() {
        assertThatThrownBy(() -> IpAddress.parse("192.0.2.0/24"))
                .isInstanceOf(IpEntryFormatException.class)
                .hasMessage("\"192.0.2.0/24\": expected a single address, not a CIDR or range");
    }

    @Test
    void parseCidrRefusesPlainAddress() {
        assertThatThrownBy(() -> Cidr.parse("192.0.2.1"))
                .isInstanceOf(IpEntryFormatException.class)
                .hasMessage("\"192.0.2.1\": expected a CIDR like 198.51.100.0/24, missing \"/\"");
    }

    @Test
    void cidrRoundTripsThroughItsText() {
        assertThat(Cidr.parse("2001:db8::/32")).hasToString("2001:db8::/32");
        assertThat(Cidr.parse("0.0.0.0/0")).isEqualTo(new Cidr(IpAddress.min(IpFamily.IPV4), 0));
    }
}
