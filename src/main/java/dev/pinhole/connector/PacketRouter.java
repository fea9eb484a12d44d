package dev.pinhole.connector;

import dev.pinhole.ipset.IpAddress;
import dev.pinhole.nat.FlowKey;
import dev.pinhole.nat.NatDropReason;
import dev.pinhole.nat.TcpRelay;
import dev.pinhole.nat.UdpRelay;
import dev.pinhole.netstack.packet.IcmpErrorWriter;
import dev.pinhole.netstack.packet.IcmpType;
import dev.pinhole.netstack.packet.InternetChecksum;
import dev.pinhole.netstack.packet.IpHeader;
import dev.pinhole.netstack.packet.IpHeaderWriter;
import dev.pinhole.netstack.packet.IpProtocol;
import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.netstack.packet.TransportChecksums;
import dev.pinhole.netstack.tcp.LentPacket;
import dev.pinhole.netstack.tcp.SegmentSink;
import dev.pinhole.wireguard.Peer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Routes one decrypted client packet (relay thread only): known peer and own source address, then the tunnel
 * address (DNS, ping), an existing flow, or a new flow through the egress gate and the {@link Policy}; anything
 * refused gets a TCP RST or ICMP administratively prohibited and a counted reason.
 */
final class PacketRouter {
    private final IpAddress tunnelAddress;
    private final Supplier<RuntimeState> state;
    private final BooleanSupplier forwarding;
    private final TcpRelay tcp;
    private final UdpRelay udp;
    private final InStackDnsServer dns;
    private final DataPlaneMetrics metrics;
    private final ClientCounters counters;
    private final ClientAnswers answers;
    private final ActivityRecorder recorder;
    private final SegmentSink toClient;
    /** Every packet it sees was just authenticated by WireGuard (Poly1305): transport checksums are not summed. */
    private final PacketParser parser = new PacketParser(TransportChecksums.TRUST);
    /** Refusals (RST, ICMP) and echo replies are built here and lent to the tunnel at once. */
    private final LentPacket refusalOut = new LentPacket(1400);

    PacketRouter(IpAddress tunnelAddress, Supplier<RuntimeState> state, BooleanSupplier forwarding, TcpRelay tcp,
                 UdpRelay udp, InStackDnsServer dns, DataPlaneMetrics metrics, ClientCounters counters,
                 ClientAnswers answers, ActivityRecorder recorder, SegmentSink toClient) {
        this.tunnelAddress = tunnelAddress;
        this.state = state;
        this.forwarding = forwarding;
        this.tcp = tcp;
        this.udp = udp;
        this.dns = dns;
        this.metrics = metrics;
        this.counters = counters;
        this.answers = answers;
        this.recorder = recorder;
        this.toClient = toClient;
    }

    PacketParser parser() {
        return parser;
    }

    /** Relay thread: one decrypted packet from {@code peer}. */
    void handle(Peer peer, ByteBuffer packet) {
        metrics.packetIn(packet.remaining());
        RuntimeState st = state.get();
        RuntimeState.Client client = st.clients().get(peer.publicKey());
        if (client == null) {
            metrics.drop(PolicyDropReason.UNKNOWN_PEER);
            return;
        }
        ClientCounters.Counts cc = counters.of(client.name());
        cc.packetsIn.increment();
        ParseResult parsed = parser.parse(packet);
        if (parsed instanceof ParseResult.Dropped) {
            cc.drops.increment();
            return;
        }
        IpHeader ip = headerOf(parsed);
        if (!client.address().equals(FlowKey.source(ip))) {
            metrics.drop(PolicyDropReason.SPOOFED_SOURCE);
            cc.drops.increment();
            record(client, ip, PolicyDropReason.SPOOFED_SOURCE, parsed);
            return;
        }
        if (parsed instanceof ParseResult.TcpSegment seg) {
            onTcp(st, client, seg);
        } else if (parsed instanceof ParseResult.UdpDatagram dgram) {
            onUdp(st, client, dgram);
        } else if (parsed instanceof ParseResult.IcmpMessage icmp) {
            if (tunnelAddress.equals(FlowKey.destination(ip))) {
                if (icmp.icmp().isEchoRequest()) {
                    echoReply(icmp);
                }
            } else if (!icmp.icmp().isError()) {
                refuse(client, PolicyDropReason.NO_ROUTE, icmp);
            }
        }
    }

    private void onTcp(RuntimeState st, RuntimeState.Client client, ParseResult.TcpSegment seg) {
        FlowKey key = FlowKey.of(seg);
        if (key.app().equals(tunnelAddress)) {
            if (key.appPort() == InStackDnsServer.PORT) {
                dns.onTcp(client.name(), key, seg);
            } else {
                refuse(client, PolicyDropReason.TUNNEL_PORT_CLOSED, seg);
            }
            return;
        }
        if (tcp.deliver(key, seg)) {
            return;
        }
        var t = seg.tcp();
        if (!t.syn() || t.ack() || t.rst()) {
            tcp.refuse(key, client.name(), seg, NatDropReason.NO_FLOW);
            return;
        }
        if (!forwarding.getAsBoolean()) {
            refuse(client, PolicyDropReason.EGRESS_UNVERIFIED, seg);
            return;
        }
        Policy.Decision d = st.policy().decide(client.name(), key.app(), answers.of(client.name()));
        if (d instanceof Policy.Decision.Refuse r) {
            refuse(client, r.reason(), seg);
        } else if (d instanceof Policy.Decision.Forward f) {
            tcp.open(key, client.name(), seg, targets(f, key.appPort()),
                    recorder.attributionFor(st, client.name(), key.app()));
        } else if (d instanceof Policy.Decision.Resolve r) {
            resolveFor(client, r);
        }
    }

    private void onUdp(RuntimeState st, RuntimeState.Client client, ParseResult.UdpDatagram dgram) {
        FlowKey key = FlowKey.of(dgram);
        if (key.app().equals(tunnelAddress)) {
            if (key.appPort() == InStackDnsServer.PORT) {
                dns.onUdp(client.name(), dgram);
            } else {
                refuse(client, PolicyDropReason.TUNNEL_PORT_CLOSED, dgram);
            }
            return;
        }
        if (udp.deliver(key, dgram)) {
            return;
        }
        if (!forwarding.getAsBoolean()) {
            refuse(client, PolicyDropReason.EGRESS_UNVERIFIED, dgram);
            return;
        }
        Policy.Decision d = st.policy().decide(client.name(), key.app(), answers.of(client.name()));
        if (d instanceof Policy.Decision.Refuse r) {
            refuse(client, r.reason(), dgram);
        } else if (d instanceof Policy.Decision.Forward f) {
            udp.open(key, client.name(), dgram, targets(f, key.appPort()),
                    recorder.attributionFor(st, client.name(), key.app()));
        } else if (d instanceof Policy.Decision.Resolve r) {
            resolveFor(client, r);
        }
    }

    /** Drops the packet quietly (the client retransmits) and resolves the listed name for the client. */
    private void resolveFor(RuntimeState.Client client, Policy.Decision.Resolve r) {
        metrics.drop(PolicyDropReason.RESOLVING);
        counters.of(client.name()).drops.increment();
        dns.resolveFor(client.name(), r.name());
    }

    /** Answers a ping to the tunnel address (what users try first when the tunnel seems down). */
    private void echoReply(ParseResult.IcmpMessage request) {
        IpHeader ip = request.ip();
        int length = request.icmp().length();
        int protocol = ip.version() == 4 ? IpProtocol.ICMP
                : IpProtocol.ICMPV6;
        byte[] from = ip.destinationBytes();
        byte[] to = ip.sourceBytes();
        int headerLength = IpHeaderWriter.headerLength(from);
        if (headerLength + length > refusalOut.capacity()) {
            return;
        }
        ByteBuffer reply = refusalOut.fill().limit(headerLength + length);
        IpHeaderWriter.write(reply, 0, from, to, protocol, length,
                IpHeaderWriter.DEFAULT_HOP_LIMIT);
        reply.put(headerLength, ip.buffer(), request.icmp().offset(), length);
        reply.put(headerLength, (byte) (ip.version() == 4 ? IcmpType.V4_ECHO_REPLY
                : IcmpType.V6_ECHO_REPLY));
        reply.putShort(headerLength + 2, (short) 0);
        long sum = ip.version() == 4 ? 0
                : IpHeaderWriter.pseudoHeaderSum(from, to, protocol, length);
        reply.putShort(headerLength + 2, (short) InternetChecksum.finish(
                InternetChecksum.add(sum, reply, headerLength, length)));
        refusalOut.lendTo(toClient);
    }

    private static List<InetSocketAddress> targets(Policy.Decision.Forward f, int port) {
        List<InetSocketAddress> out = new ArrayList<>(f.targets().size());
        for (InetAddress a : f.targets()) {
            out.add(new InetSocketAddress(a, port));
        }
        return out;
    }

    /** TCP: RST; anything else: ICMP administratively prohibited from the dialled address. Counted. */
    private void refuse(RuntimeState.Client client, PolicyDropReason reason, ParseResult parsed) {
        IpHeader ip = headerOf(parsed);
        ParseResult.TcpSegment seg = parsed instanceof ParseResult.TcpSegment t ? t : null;
        metrics.drop(reason);
        counters.of(client.name()).drops.increment();
        record(client, ip, reason, parsed);
        ByteBuffer refusal = refusalOut.fill();
        int n = seg != null ? TcpSegmentBuilder.writeResetFor(refusal, seg)
                : IcmpErrorWriter.administrativelyProhibited(refusal, ip.destinationBytes(), ip);
        if (n > 0) {
            refusalOut.lendTo(toClient);
        }
    }

    /**
     * A refusal record (rate-limited in the recorder); addresses are read only once the limiter wants the record,
     * so a flood of refused packets allocates nothing for the records it does not write.
     */
    private void record(RuntimeState.Client client, IpHeader ip, PolicyDropReason reason, ParseResult parsed) {
        long left = recorder.admitRefusal(client.name(), reason);
        if (left < 0) {
            return;
        }
        int protocol = IpProtocol.ICMP;
        int sourcePort = -1;
        int destinationPort = -1;
        if (parsed instanceof ParseResult.TcpSegment t) {
            protocol = IpProtocol.TCP;
            sourcePort = t.tcp().sourcePort();
            destinationPort = t.tcp().destinationPort();
        } else if (parsed instanceof ParseResult.UdpDatagram u) {
            protocol = IpProtocol.UDP;
            sourcePort = u.udp().sourcePort();
            destinationPort = u.udp().destinationPort();
        }
        recorder.refused(client.name(), reason, left, protocol, FlowKey.source(ip), sourcePort,
                FlowKey.destination(ip), destinationPort);
    }

    private static IpHeader headerOf(ParseResult r) {
        if (r instanceof ParseResult.TcpSegment t) {
            return t.ip();
        }
        if (r instanceof ParseResult.UdpDatagram u) {
            return u.ip();
        }
        return ((ParseResult.IcmpMessage) r).ip();
    }
}
