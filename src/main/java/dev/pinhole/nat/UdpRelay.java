package dev.pinhole.nat;

import dev.pinhole.netstack.packet.IcmpErrorWriter;
import dev.pinhole.netstack.packet.IcmpType;
import dev.pinhole.netstack.packet.IpHeader;
import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.UdpDatagramWriter;
import dev.pinhole.netstack.tcp.LentPacket;
import dev.pinhole.netstack.tcp.SegmentSink;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.Optional;

/**
 * UDP side of the NAT: a connected {@link DatagramChannel} per flow, created on the client's first datagram;
 * replies are wrapped into UDP/IP packets from the address the client dialled. Failures reach the client as ICMP
 * destination unreachable. Loop thread only.
 */
public final class UdpRelay {
    final RelayLoop loop;
    private final FlowTable table;
    private final NatEvents events;
    private final SegmentSink toTunnel;
    private final int mtu;
    /** Every packet towards the client is built here and lent to {@link #toTunnel} at once. */
    private final LentPacket out = new LentPacket(65_535 + 60);
    /** Scratch for re-creating the packet an ICMP error quotes. */
    private final ByteBuffer quoted = ByteBuffer.allocate(128);
    private final PacketParser parser = new PacketParser();

    public UdpRelay(RelayLoop loop, FlowTable table, int mtu, SegmentSink toTunnel, NatEvents events) {
        this.loop = loop;
        this.table = table;
        this.mtu = mtu;
        this.toTunnel = toTunnel;
        this.events = events;
    }

    /** Sends the datagram on its existing flow; false when there is none. */
    public boolean deliver(FlowKey key, ParseResult.UdpDatagram datagram) {
        Flow flow = table.get(key);
        if (flow instanceof UdpFlow udp) {
            udp.send(datagram.udp().payload());
            return true;
        }
        return false;
    }

    /**
     * Opens a flow towards the first of {@code targets} that a socket can be connected to, and sends the datagram.
     * Refused (ICMP administratively prohibited) when a limit is reached; ICMP host unreachable when no socket can
     * be opened.
     */
    public Optional<UdpFlow> open(FlowKey key, String client, ParseResult.UdpDatagram datagram,
                                  List<InetSocketAddress> targets) {
        return open(key, client, datagram, targets, null);
    }

    /** As above; the flow carries {@code label} ({@link Flow#label()}) from its first event on. */
    public Optional<UdpFlow> open(FlowKey key, String client, ParseResult.UdpDatagram datagram,
                                  List<InetSocketAddress> targets, Object label) {
        Optional<NatDropReason> limited = table.admit(client);
        if (limited.isPresent()) {
            events.refused(key, client, limited.get());
            emitIcmp(datagram.ip(), datagram.ip().destinationBytes(), true);
            return Optional.empty();
        }
        for (InetSocketAddress target : targets) {
            DatagramChannel ch = null;
            try {
                ch = DatagramChannel.open(target.getAddress() instanceof Inet4Address
                        ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
                ch.configureBlocking(false);
                ch.connect(target);
                UdpFlow flow = new UdpFlow(this, key, client, ch, target, loop.ticker().nanoTime(), label);
                table.add(flow);
                events.opened(flow);
                flow.send(datagram.udp().payload());
                return flow.ended() ? Optional.empty() : Optional.of(flow);
            } catch (IOException e) {
                if (ch != null) {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }
        events.refused(key, client, NatDropReason.SOCKET_ERROR);
        emitIcmp(datagram.ip(), datagram.ip().destinationBytes(), false);
        return Optional.empty();
    }

    /** A reply from the destination: wrapped as app → client and sent into the tunnel. */
    void reply(UdpFlow flow, ByteBuffer payload) {
        int ipHeader = flow.appBytes().length == 4 ? 20 : 40;
        if (ipHeader + 8 + payload.remaining() > mtu) {
            events.refused(flow.key, flow.client, NatDropReason.REPLY_TOO_BIG);
            return;
        }
        flow.packetsToClient++;
        flow.bytesToClient += payload.remaining();
        UdpDatagramWriter.write(out.fill(), flow.appBytes(), flow.key.appPort(), flow.clientBytes(),
                flow.key.clientPort(), payload);
        out.lendTo(toTunnel);
    }

    /** The destination port is closed: tell the client as the destination would have, and forget the flow. */
    void portUnreachable(UdpFlow flow) {
        events.refused(flow.key, flow.client, NatDropReason.PORT_UNREACHABLE);
        quoted.clear();
        UdpDatagramWriter.write(quoted, flow.clientBytes(), flow.key.clientPort(), flow.appBytes(),
                flow.key.appPort(), ByteBuffer.allocate(0));
        if (parser.parse(quoted) instanceof ParseResult.UdpDatagram original) {
            int code = flow.appBytes().length == 4 ? IcmpType.V4_CODE_PORT_UNREACHABLE
                    : IcmpType.V6_CODE_PORT_UNREACHABLE;
            if (IcmpErrorWriter.destinationUnreachable(out.fill(), flow.appBytes(), original.ip(), code) > 0) {
                out.lendTo(toTunnel);
            }
        }
        flow.end(FlowEndReason.RESET);
    }

    /**
     * The flow's right was revoked: tell the client at once with ICMP administratively prohibited from the
     * destination (quoting a datagram of the flow), as a refused new datagram would be answered.
     */
    void revoked(UdpFlow flow) {
        quoted.clear();
        UdpDatagramWriter.write(quoted, flow.clientBytes(), flow.key.clientPort(), flow.appBytes(),
                flow.key.appPort(), ByteBuffer.allocate(0));
        if (parser.parse(quoted) instanceof ParseResult.UdpDatagram original) {
            emitIcmp(original.ip(), flow.appBytes(), true);
        }
    }

    void sendFailed(UdpFlow flow) {
        events.refused(flow.key, flow.client, NatDropReason.SOCKET_ERROR);
        flow.end(FlowEndReason.RESET);
    }

    private void emitIcmp(IpHeader offending, byte[] from, boolean prohibited) {
        ByteBuffer packet = out.fill();
        int n;
        if (prohibited) {
            n = IcmpErrorWriter.administrativelyProhibited(packet, from, offending);
        } else {
            int code = offending.version() == 4 ? IcmpType.V4_CODE_HOST_UNREACHABLE
                    : IcmpType.V6_CODE_ADDRESS_UNREACHABLE;
            n = IcmpErrorWriter.destinationUnreachable(packet, from, offending, code);
        }
        if (n > 0) {
            out.lendTo(toTunnel);
        }
    }

    void flowEnded(Flow flow, FlowEndReason reason) {
        table.remove(flow);
        events.ended(flow, reason);
    }
}
