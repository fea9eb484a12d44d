package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.resolver.DnsMetrics;
import dev.pinhole.dns.synthetic.ResolvedNames;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of a new flow's policy decision with and without access rules (docs/access.md): {@code rules = 0} is the
 * open config, {@code rules = 256} the most a config may carry, 256 clients in 64 groups. Lives beside
 * {@link Policy} because the grants are package-private; run like the benches in dev.pinhole.bench.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyAccessBenchmark {
    @Param({"0", "256"})
    public int rules;

    private Policy policy;
    private IpAddress synthetic;
    private IpAddress routed;
    private final ResolvedNames answered = new ResolvedNames(16);

    @Setup
    public void setUp() throws Exception {
        SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"), Optional.empty(), 1000,
                Duration.ofMinutes(10), Ticker.system());
        List<ConnectorConfig.Client> clients = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            clients.add(new ConnectorConfig.Client("c" + i, Keys.toBase64(Keys.publicFromPrivate(
                    Keys.generatePrivate())), "100.96." + (1 + i / 250) + "." + (2 + i % 250) + "/32",
                    List.of("g" + (i % 64))));
        }
        List<ConnectorConfig.AccessRule> access = new ArrayList<>();
        for (int r = 0; r < rules; r++) {
            access.add(new ConnectorConfig.AccessRule("r" + r, List.of("g" + (r % 64)), null,
                    List.of("app" + r + ".example.com", "*.app" + r + ".example.net"),
                    List.of("198.18." + r + ".0/24")));
        }
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "bench", "bench",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/16", 51820, 1420, "100.80.0.0/12"), clients,
                List.of("*.example.com", "*.example.net"), List.of("198.18.0.0/16"),
                new ConnectorConfig.Egress("203.0.113.10", null, false), new ConnectorConfig.Dns(List.of()),
                new ConnectorConfig.Http(0), null, null, access);
        policy = ConfigApplication.plan(null, config, List.of(), List.of(), q -> null, List.of(),
                new ConfigApplication.Context(List.of(), pool, DnsMetrics.NONE)).next().policy();
        // c0 is in g0, granted by r0, r64, r128, r192: a name under r192's wildcard and a route of r64.
        var m = pool.mapIpv4(DnsName.of("x.app192.example.net"),
                List.of((Inet4Address) InetAddress.getByName("192.0.2.10")));
        answered.record(m.ipv4(), m.name());
        synthetic = IpAddress.of(m.ipv4());
        routed = IpAddress.parse("198.18.64.9");
    }

    @Benchmark
    public Object syntheticName() {
        return policy.decide("c0", synthetic, answered);
    }

    @Benchmark
    public Object route() {
        return policy.decide("c0", routed, answered);
    }
}
