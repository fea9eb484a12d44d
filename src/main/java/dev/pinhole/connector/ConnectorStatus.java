package dev.pinhole.connector;

import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.nat.FlowTable;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.WireGuardDevice;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The data-plane part of {@code /status}: egress, listener, flow and mapping counts, and per client its peer's
 * handshake and traffic figures with the client counters. Built from what is in force at the time of the call.
 */
final class ConnectorStatus {
    /** The parts of the data plane that change over time, read once per report. */
    record Snapshot(RuntimeState state, EgressVerifier.Result egress, boolean forwarding, InetSocketAddress listen,
                    UdpIoInUse udpIo, String restartRequired, Map<String, Integer> flowsPerClient,
                    int recordsQueued) {}

    /** The WireGuard socket's I/O path ({@code datagram-channel} or {@code recvmmsg-sendmmsg}) and, when it is the
     * channel, why (null when batched). */
    record UdpIoInUse(String label, String fallbackReason) {}

    private final WireGuardDevice device;
    private final FlowTable table;
    private final SyntheticAddressPool pool;
    private final ClientCounters counters;
    private final Ticker ticker;

    ConnectorStatus(WireGuardDevice device, FlowTable table, SyntheticAddressPool pool, ClientCounters counters,
                    Ticker ticker) {
        this.device = device;
        this.table = table;
        this.pool = pool;
        this.counters = counters;
        this.ticker = ticker;
    }

    Map<String, Object> report(Snapshot now) {
        Map<String, Object> s = new LinkedHashMap<>();
        EgressVerifier.Result e = now.egress();
        s.put("observedEgressIP", e == null ? null : e.observedIp());
        s.put("egressVerified", e != null && e.verified());
        s.put("egressError", e == null ? null : e.error());
        s.put("egressCheckedAt", e == null ? null : e.checkedAt().toString());
        s.put("forwarding", now.forwarding());
        s.put("listenAddress", now.listen() == null ? null : now.listen().toString());
        s.put("udpIo", now.udpIo() == null ? null : now.udpIo().label());
        s.put("udpIoFallbackReason", now.udpIo() == null ? null : now.udpIo().fallbackReason());
        s.put("publicKey", device.publicKey().toBase64());
        s.put("activeFlows", table.size());
        s.put("tcpFlows", table.tcpFlows());
        s.put("udpFlows", table.udpFlows());
        s.put("mappedNames", pool.size());
        // Names refused because another name held their synthetic address: a count and the first few (not the
        // latest: refusals a client provokes cannot push them out), so an operator sees which names collide.
        s.put("nameCollisions", pool.collisions());
        s.put("firstNameCollisions", pool.firstCollisions().stream().map(c -> Map.of(
                "name", c.refused().toString(), "heldBy", c.holder().toString(),
                "address", c.address().getHostAddress())).toList());
        // Pods that place the listed names alike show the same digest; two digests mean config skew (a change
        // that moved a listed name is still rolling out): see dns.md for what a failover can do meanwhile.
        s.put("listedNamesDigest", pool.reservations().digest());
        s.put("restartRequired", now.restartRequired());
        // The record settings in force (the config's spelling) and the writer's backlog; counts are in /metrics.
        Map<String, Object> records = new LinkedHashMap<>(now.state().records().describe());
        records.put("queued", now.recordsQueued());
        s.put("records", records);
        Map<String, Object> clients = new LinkedHashMap<>();
        long nanos = ticker.nanoTime();
        for (RuntimeState.Client c : now.state().clients().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", c.address().toString());
            Optional<Peer> peer = device.peer(c.key());
            m.put("endpoint", peer.map(p -> p.endpoint() == null ? null : p.endpoint().toString()).orElse(null));
            m.put("handshakes", peer.map(Peer::handshakesCompleted).orElse(0L));
            m.put("lastHandshakeSecondsAgo", peer.filter(p -> p.lastHandshakeNanos() != 0)
                    .map(p -> (nanos - p.lastHandshakeNanos()) / 1_000_000_000L).orElse(null));
            m.put("rxBytes", peer.map(Peer::rxBytes).orElse(0L));
            m.put("txBytes", peer.map(Peer::txBytes).orElse(0L));
            ClientCounters.Counts cc = counters.of(c.name());
            m.put("packetsIn", cc.packetsIn.sum());
            m.put("drops", cc.drops.sum());
            m.put("flowsOpened", cc.flowsOpened.sum());
            m.put("activeFlows", now.flowsPerClient().getOrDefault(c.name(), 0));
            clients.put(c.name(), m);
        }
        s.put("clientStats", clients);
        return s;
    }
}
