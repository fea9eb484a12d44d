package dev.pinhole.nat;

import dev.pinhole.ipset.IpAddress;
import dev.pinhole.netstack.packet.IpHeader;
import dev.pinhole.netstack.packet.IpProtocol;
import dev.pinhole.netstack.packet.Ipv4Header;
import dev.pinhole.netstack.packet.ParseResult;
import java.net.InetAddress;

/**
 * A flow's 5-tuple as the client sent it: protocol, the client's tunnel address and port, and the address and port
 * it dialled (a synthetic app address or a routed real one).
 */
public record FlowKey(int protocol, IpAddress client, int clientPort, IpAddress app, int appPort) {

    public static FlowKey of(ParseResult.TcpSegment segment) {
        return new FlowKey(IpProtocol.TCP, source(segment.ip()), segment.tcp().sourcePort(),
                destination(segment.ip()), segment.tcp().destinationPort());
    }

    public static FlowKey of(ParseResult.UdpDatagram datagram) {
        return new FlowKey(IpProtocol.UDP, source(datagram.ip()), datagram.udp().sourcePort(),
                destination(datagram.ip()), datagram.udp().destinationPort());
    }

    /** The packet's source address, read without copying for IPv4. */
    public static IpAddress source(IpHeader ip) {
        return ip instanceof Ipv4Header v4 ? IpAddress.ofIpv4(v4.sourceInt()) : IpAddress.ofBytes(ip.sourceBytes());
    }

    /** The packet's destination address, read without copying for IPv4. */
    public static IpAddress destination(IpHeader ip) {
        return ip instanceof Ipv4Header v4 ? IpAddress.ofIpv4(v4.destinationInt())
                : IpAddress.ofBytes(ip.destinationBytes());
    }

    public InetAddress clientAddress() {
        return InetAddressOf.of(client);
    }

    public InetAddress appAddress() {
        return InetAddressOf.of(app);
    }

    @Override
    public String toString() {
        String p = protocol == IpProtocol.TCP ? "tcp" : protocol == IpProtocol.UDP ? "udp" : String.valueOf(protocol);
        return p + " " + client + ":" + clientPort + " -> " + app + ":" + appPort;
    }
}
