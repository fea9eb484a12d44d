package dev.pinhole.netstack.packet;

/**
 * Reference packets whose checksums were computed by an independent implementation (a Python script following
 * RFC 1071), in the wire layout Linux uses.
 */
final class CapturedPackets {
    /** 10.0.0.2:40000 -> 100.80.0.5:443 SYN seq 0x11223344 win 64240, MSS 1380, SACK-permitted, TS 123456/0, WS 7. */
    static final String V4_SYN = "4500003c123440004006ba310a000002645000059c4001bb1122334400000000a002faf01a650000"
            + "020405640402080a0001e2400000000001030307";
    /** [fd00::2]:40001 -> [fd00:80::5]:80 SYN seq 0xfffffff0 MSS 1404, behind hop-by-hop and destination options. */
    static final String V6_SYN_WITH_EXTENSIONS = "6000000000280040fd000000000000000000000000000002"
            + "fd000080000000000000000000000005" + "3c00010400000000" + "0600010400000000"
            + "9c410050fffffff0000000006002ffff015400000204057c";
    /** 10.0.0.2:53000 -> 100.64.0.1:53 UDP, a DNS query for example.com A. */
    static final String V4_UDP_DNS = "45000039123440004011ba3d0a00000264400001cf080035002546e8"
            + "abcd01000001000000000000076578616d706c6503636f6d0000010001";
    /** fd00::2 -> fd00:80::5 ICMPv6 echo request id 0x42 seq 7 "pinhole!". */
    static final String V6_ECHO = "6000000000103a40fd000000000000000000000000000002fd000080000000000000000000000005"
            + "8000d1830042000770696e686f6c6521";
    /** 10.0.0.2 -> 100.80.0.5 ICMP echo request id 0x42 seq 7 "pinhole!". */
    static final String V4_ECHO = "45000024123440004001ba4e0a00000264500005080044570042000770696e686f6c6521";
    /** 100.80.0.5:443 -> 10.0.0.2:40000 SYN|ACK seq 1000 ack 0x11223345 win 65535, MSS 1380, SACK-ok, TS 5/123456, WS 7. */
    static final String V4_SYN_ACK = "4500003c000040004006cc65645000050a00000201bb9c40000003e811223345a012ffff11580000"
            + "020405640402080a000000050001e24001030307";

    private CapturedPackets() {
    }
}
