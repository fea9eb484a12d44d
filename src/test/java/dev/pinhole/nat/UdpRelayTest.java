package dev.pinhole.nat;

import dev.pinhole.testing.UdpEchoServer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.netstack.packet.IcmpType;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.tcp.TcpConfig;
import dev.pinhole.time.FakeTicker;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** UDP flows against a real echo socket on 127.0.0.1: replies, limits, ICMP errors and the idle timeout. */
class UdpRelayTest {
    final FakeTicker ticker = new FakeTicker();
    final NatHarness nat = new NatHarness(ticker, new FlowLimits(10, 2), NatTimeouts.defaults(), TcpConfig.defaults());
    UdpEchoServer echo;

    @BeforeEach
    void echoServer() throws Exception {
        echo = UdpEchoServer.start();
    }

    @AfterEach
    void close() throws Exception {
        nat.close();
        echo.close();
    }

    List<InetSocketAddress> echoTarget() {
        return List.of(echo.address());
    }

    @Test
    void aReplyComesBackFromTheDialledAddressAndPort() throws Exception {
        nat.sendUdp(5000, 53, "hello".getBytes(), echoTarget());

        var reply = (ParseResult.UdpDatagram) nat.next(10_000);
        assertThat(reply.ip().source()).isEqualTo(InetAddress.getByAddress(NatHarness.APP));
        assertThat(reply.ip().destination()).isEqualTo(InetAddress.getByAddress(NatHarness.CLIENT));
        assertThat(reply.udp().sourcePort()).isEqualTo(53);
        assertThat(reply.udp().destinationPort()).isEqualTo(5000);
        byte[] payload = new byte[reply.udp().payloadLength()];
        reply.udp().buffer().get(reply.udp().payloadOffset(), payload);
        assertThat(new String(payload)).isEqualTo("hello");
    }

    @Test
    void laterDatagramsReuseTheFlow() throws Exception {
        nat.sendUdp(5000, 53, "a".getBytes(), echoTarget());
        nat.sendUdp(5000, 53, "b".getBytes(), List.of());
        assertThat(nat.next(10_000)).isNotNull();
        assertThat(nat.next(10_000)).isNotNull();
        assertThat(nat.onLoop(() -> nat.table.udpFlows())).isEqualTo(1);
    }

    @Test
    void theClientsFlowLimitIsAnsweredWithAdministrativelyProhibited() throws Exception {
        nat.sendUdp(5001, 53, "1".getBytes(), echoTarget());
        nat.sendUdp(5002, 53, "2".getBytes(), echoTarget());
        nat.sendUdp(5003, 53, "3".getBytes(), echoTarget());

        assertThat(nat.refusals(NatDropReason.FLOW_LIMIT_CLIENT)).isEqualTo(1);
        ParseResult r;
        boolean prohibited = false;
        while ((r = nat.next(2_000)) != null) {
            if (r instanceof ParseResult.IcmpMessage icmp) {
                prohibited |= icmp.icmp().isAdministrativelyProhibited();
            }
        }
        assertThat(prohibited).isTrue();
    }

    @Test
    void aClosedPortIsRelayedAsIcmpPortUnreachable() throws Exception {
        int closed;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<InetSocketAddress> target = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), closed));
        nat.sendUdp(5004, 9999, "x".getBytes(), target);

        var icmp = (ParseResult.IcmpMessage) nat.next(10_000);
        assertThat(icmp.icmp().type()).isEqualTo(IcmpType.V4_DESTINATION_UNREACHABLE);
        assertThat(icmp.icmp().code()).isEqualTo(IcmpType.V4_CODE_PORT_UNREACHABLE);
        assertThat(icmp.ip().source()).isEqualTo(InetAddress.getByAddress(NatHarness.APP));
        assertThat(nat.refusals(NatDropReason.PORT_UNREACHABLE)).isEqualTo(1);
        assertThat(nat.onLoop(() -> nat.table.size())).isZero();
    }

    @Test
    void anIdleFlowExpiresAfterTheUdpTimeoutAndNotBefore() throws Exception {
        nat.sendUdp(5005, 53, "x".getBytes(), echoTarget());
        assertThat(nat.next(10_000)).isNotNull();

        ticker.advance(Duration.ofSeconds(59));
        assertThat(nat.onLoop(() -> nat.table.expireIdle(ticker.nanoTime(), NatTimeouts.defaults()))).isZero();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(nat.onLoop(() -> nat.table.expireIdle(ticker.nanoTime(), NatTimeouts.defaults()))).isEqualTo(1);
        assertThat(nat.ended.get(FlowEndReason.IDLE).get()).isEqualTo(1);
    }
}
