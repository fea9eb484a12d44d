package dev.pinhole.netstack.packet;

/** ICMPv4 (RFC 792, RFC 1812) and ICMPv6 (RFC 4443) types and codes the stack reads or writes. */
public final class IcmpType {
    public static final int V4_ECHO_REPLY = 0;
    public static final int V4_DESTINATION_UNREACHABLE = 3;
    public static final int V4_ECHO_REQUEST = 8;
    public static final int V4_TIME_EXCEEDED = 11;
    public static final int V4_PARAMETER_PROBLEM = 12;
    public static final int V4_CODE_NET_UNREACHABLE = 0;
    public static final int V4_CODE_HOST_UNREACHABLE = 1;
    public static final int V4_CODE_PORT_UNREACHABLE = 3;
    /** RFC 1812: communication administratively prohibited. */
    public static final int V4_CODE_ADMIN_PROHIBITED = 13;

    public static final int V6_DESTINATION_UNREACHABLE = 1;
    public static final int V6_PACKET_TOO_BIG = 2;
    public static final int V6_TIME_EXCEEDED = 3;
    public static final int V6_PARAMETER_PROBLEM = 4;
    public static final int V6_ECHO_REQUEST = 128;
    public static final int V6_ECHO_REPLY = 129;
    public static final int V6_CODE_NO_ROUTE = 0;
    public static final int V6_CODE_ADMIN_PROHIBITED = 1;
    public static final int V6_CODE_ADDRESS_UNREACHABLE = 3;
    public static final int V6_CODE_PORT_UNREACHABLE = 4;

    private IcmpType() {
    }
}
