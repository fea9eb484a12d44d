package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.resolver.DnsMetrics;
import dev.pinhole.dns.resolver.UpstreamExchange;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.nat.FlowKey;
import dev.pinhole.netstack.packet.IpProtocol;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.FakeTicker;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.PublicKey;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** (state in force, new config) -> (new state, revocations), without sockets or threads. */
class ConfigApplicationTest {
    static final String ALICE = Keys.toBase64(Keys.publicFromPrivate(Keys.generatePrivate()));
    static final String BOB = Keys.toBase64(Keys.publicFromPrivate(Keys.generatePrivate()));
    static final UpstreamExchange NO_UPSTREAM = q -> CompletableFuture.failedFuture(new IOException("none"));

    final SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"), Optional.empty(),
            1000, Duration.ofMinutes(10), new FakeTicker());
    final ConfigApplication.Context context = new ConfigApplication.Context(Policy.DEFAULT_CLUSTER_RANGES, pool,
            DnsMetrics.NONE);

    static ConnectorConfig config(List<ConnectorConfig.Client> clients, List<String> domains, List<String> routes) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"), clients, domains,
                routes, new ConnectorConfig.Egress("203.0.113.10", null, false), new ConnectorConfig.Dns(List.of()),
                new ConnectorConfig.Http(0));
    }

    static ConnectorConfig.Client alice() {
        return new ConnectorConfig.Client("alice", ALICE, "100.96.0.2/32");
    }

    static ConnectorConfig.Client bob() {
        return new ConnectorConfig.Client("bob", BOB, "100.96.0.3/32");
    }

    ConfigApplication.Plan plan(RuntimeState inForce, ConnectorConfig config, List<PublicKey> peers,
                                List<ConfigApplication.LiveFlow> flows) {
        return ConfigApplication.plan(inForce, config, peers, flows, NO_UPSTREAM, List.of(), context);
    }

    RuntimeState inForce(ConnectorConfig config) {
        return plan(null, config, List.of(), List.of()).next();
    }

    byte[] map(String name) throws Exception {
        return pool.mapIpv4(DnsName.of(name), List.of((Inet4Address) InetAddress.getByName("198.51.100.80")))
                .ipv4().getAddress();
    }

    static ConfigApplication.LiveFlow tcp(String client, String from, byte[] to) {
        return tcp(client, from, to, null);
    }

    /** A flow to {@code to} whose real socket is connected to {@code real} (null: not connected yet). */
    static ConfigApplication.LiveFlow tcp(String client, String from, byte[] to, String real) {
        return new ConfigApplication.LiveFlow(new FlowKey(IpProtocol.TCP, IpAddress.parse(from), 40000,
                IpAddress.ofBytes(to), 443), client, real == null ? null : IpAddress.parse(real));
    }

    static byte[] ip(String text) {
        return IpAddress.parse(text).toBytes();
    }

    @Test
    void theFirstPlanRevokesNothingAndHoldsEveryClientAsAPeer() {
        ConfigApplication.Plan p = plan(null, config(List.of(alice(), bob()), List.of("*.example.com"),
                List.of()), List.of(), List.of());

        assertThat(p.revoked().isEmpty()).isTrue();
        assertThat(p.peers()).extracting(PeerConfig::publicKey)
                .containsExactly(PublicKey.fromBase64(ALICE), PublicKey.fromBase64(BOB));
        assertThat(p.peersToRemove()).isEmpty();
    }

    @Adversarial
    @Test
    void anExactNameAddedOnTheAddressAWildcardNameHoldsTakesItAndTheWildcardNameIsRevoked() throws Exception {
        SyntheticAddressPool small = new SyntheticAddressPool(Cidr.parse("100.80.0.0/24"), Optional.empty(), 100,
                Duration.ofMinutes(10), new FakeTicker());
        ConfigApplication.Context ctx = new ConfigApplication.Context(Policy.DEFAULT_CLUSTER_RANGES, small,
                DnsMetrics.NONE);
        DnsName exact = DnsName.of("exact.example.com");
        DnsName squatter = null;
        for (int i = 0; squatter == null; i++) {
            if (small.addressOf(DnsName.of("w" + i + ".example.com")).equals(small.addressOf(exact))) {
                squatter = DnsName.of("w" + i + ".example.com");
            }
        }
        InetAddress held = small.mapIpv4(squatter, List.of((Inet4Address) InetAddress.getByName("198.51.100.80")))
                .ipv4();
        RuntimeState before = ConfigApplication.plan(null, config(List.of(alice()), List.of("*.example.com"),
                List.of()), List.of(), List.of(), NO_UPSTREAM, List.of(), ctx).next();

        ConfigApplication.Plan p = ConfigApplication.plan(before, config(List.of(alice()),
                List.of("*.example.com", "exact.example.com"), List.of()), List.of(PublicKey.fromBase64(ALICE)),
                List.of(tcp("alice", "100.96.0.2", held.getAddress())), NO_UPSTREAM, List.of(), ctx);

        assertThat(small.addressOf(exact, p.reserved())).isEqualTo(held);
        assertThat(small.addressOf(squatter, p.reserved())).isNotEqualTo(held);
        assertThat(p.revoked().names()).containsExactly(squatter);
        assertThat(p.revoked().flows()).containsExactly(tcp("alice", "100.96.0.2", held.getAddress()));
        assertThat(p.next().policy().permits(IpAddress.of(held))).isFalse();
    }

    @Adversarial
    @Test
    void removingADomainRevokesItsMappingsAndTheirFlowsOnly() throws Exception {
        byte[] gone = map("app.example.com");
        byte[] kept = map("kept.example.org");
        RuntimeState before = inForce(config(List.of(alice()), List.of("*.example.com", "kept.example.org"),
                List.of()));

        ConfigApplication.Plan p = plan(before, config(List.of(alice()), List.of("kept.example.org"), List.of()),
                List.of(PublicKey.fromBase64(ALICE)),
                List.of(tcp("alice", "100.96.0.2", gone), tcp("alice", "100.96.0.2", kept)));

        assertThat(p.revoked().names()).containsExactly(DnsName.of("app.example.com"));
        assertThat(p.revoked().flows()).containsExactly(tcp("alice", "100.96.0.2", gone));
        assertThat(p.revoked().clients()).isEmpty();
        assertThat(p.next().policy().permits(IpAddress.ofBytes(gone))).isFalse();
        assertThat(p.next().policy().permits(IpAddress.ofBytes(kept))).isTrue();
    }

    @Adversarial
    @Test
    void removingARouteRevokesTheFlowsInsideIt() {
        RuntimeState before = inForce(config(List.of(alice()), List.of(), List.of("198.51.100.0/24",
                "203.0.113.0/24")));

        ConfigApplication.Plan p = plan(before, config(List.of(alice()), List.of(), List.of("203.0.113.0/24")),
                List.of(PublicKey.fromBase64(ALICE)), List.of(tcp("alice", "100.96.0.2", ip("198.51.100.7")),
                        tcp("alice", "100.96.0.2", ip("203.0.113.7"))));

        assertThat(p.revoked().flows()).containsExactly(tcp("alice", "100.96.0.2", ip("198.51.100.7")));
    }

    @Adversarial
    @Test
    void removingARouteThatNamedAForbiddenBlockRevokesSyntheticFlowsResolvingIntoIt() throws Exception {
        byte[] local = pool.mapIpv4(DnsName.of("local.example.com"),
                List.of((Inet4Address) InetAddress.getByName("127.0.0.1"))).ipv4().getAddress();
        RuntimeState before = inForce(config(List.of(alice()), List.of("*.example.com"), List.of("127.0.0.1/32")));

        ConfigApplication.Plan p = plan(before, config(List.of(alice()), List.of("*.example.com"), List.of()),
                List.of(PublicKey.fromBase64(ALICE)), List.of(tcp("alice", "100.96.0.2", local)));

        assertThat(p.revoked().flows()).hasSize(1);
        assertThat(p.revoked().names()).isEmpty();
    }

    @Adversarial
    @Test
    void aFlowConnectedToAnAddressTheNewConfigForbidsIsRevokedWhileTheNameHasOtherAllowedAddresses()
            throws Exception {
        byte[] app = pool.mapIpv4(DnsName.of("app.example.com"), List.of(
                (Inet4Address) InetAddress.getByName("10.0.0.5"),
                (Inet4Address) InetAddress.getByName("198.51.100.9"))).ipv4().getAddress();
        RuntimeState before = inForce(config(List.of(alice()), List.of("*.example.com"), List.of("10.0.0.5/32")));

        ConfigApplication.Plan p = plan(before, config(List.of(alice()), List.of("*.example.com"), List.of()),
                List.of(PublicKey.fromBase64(ALICE)), List.of(tcp("alice", "100.96.0.2", app, "10.0.0.5"),
                        tcp("alice", "100.96.0.2", app, "198.51.100.9")));

        assertThat(p.revoked().flows()).containsExactly(tcp("alice", "100.96.0.2", app, "10.0.0.5"));
        assertThat(p.revoked().names()).isEmpty();
    }

    @Adversarial
    @Test
    void aRemovedOrChangedClientLosesEveryFlowAndARemovedOneItsPeer() {
        RuntimeState before = inForce(config(List.of(alice(), bob()), List.of(), List.of("203.0.113.0/24")));
        ConnectorConfig.Client aliceMoved = new ConnectorConfig.Client("alice", ALICE, "100.96.0.9/32");

        ConfigApplication.Plan p = plan(before, config(List.of(aliceMoved), List.of(), List.of("203.0.113.0/24")),
                List.of(PublicKey.fromBase64(ALICE), PublicKey.fromBase64(BOB)),
                List.of(tcp("alice", "100.96.0.2", ip("203.0.113.7")), tcp("bob", "100.96.0.3", ip("203.0.113.8"))));

        assertThat(p.revoked().clients()).extracting(RuntimeState.Client::name).containsExactly("alice", "bob");
        assertThat(p.revoked().flows()).hasSize(2);
        assertThat(p.peersToRemove()).containsExactly(PublicKey.fromBase64(BOB));
    }

    @Adversarial
    @Test
    void peersAreRemovedByWhatTheTunnelHoldsNotByAPastConfig() {
        RuntimeState before = inForce(config(List.of(alice()), List.of(), List.of()));
        PublicKey stray = PublicKey.fromBase64(BOB); // in the tunnel, though no config in force lists it

        ConfigApplication.Plan p = plan(before, config(List.of(alice()), List.of(), List.of()),
                List.of(PublicKey.fromBase64(ALICE), stray), List.of());

        assertThat(p.peersToRemove()).containsExactly(stray);
    }

    @Test
    void aConfigTheMatcherCannotParseFailsThePlanBeforeAnythingIsDecided() {
        RuntimeState before = inForce(config(List.of(alice()), List.of("example.com"), List.of()));

        assertThatThrownBy(() -> plan(before, config(List.of(alice(), bob()), List.of("*"), List.of()),
                List.of(PublicKey.fromBase64(ALICE)), List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(before.clients()).hasSize(1);
    }
}
