package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.records.FlowOrigin;
import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.time.FakeTicker;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A flow record names what admitted its flow: the app pattern and exact name, or the most specific route. */
class FlowOriginsTest {
    final Cidr appRange = Cidr.parse("100.80.0.0/12");
    final SyntheticAddressPool pool = new SyntheticAddressPool(appRange, Optional.empty(), 1000,
            Duration.ofMinutes(10), new FakeTicker());
    final FlowOrigins origins = new FlowOrigins(appRange,
            List.of(Cidr.parse("198.51.100.0/24"), Cidr.parse("198.51.100.128/25"), Cidr.parse("203.0.113.0/24")),
            DomainMatcher.parse(List.of("github.com", "*.github.com")), pool);

    @Test
    void aSyntheticAddressNamesItsPatternAndExactName() throws Exception {
        byte[] synthetic = pool.mapIpv4(DnsName.of("API.GitHub.com."),
                List.of((Inet4Address) InetAddress.getByName("140.82.121.4"))).ipv4().getAddress();

        FlowOrigin o = origins.of(IpAddress.ofBytes(synthetic));

        assertThat(o).isEqualTo(FlowOrigin.app("*.github.com", "api.github.com"));
    }

    @Test
    void theMostSpecificRouteHoldingTheDestinationIsNamed() {
        assertThat(origins.of(IpAddress.parse("198.51.100.200"))).isEqualTo(FlowOrigin.route("198.51.100.128/25"));
        assertThat(origins.of(IpAddress.parse("198.51.100.7"))).isEqualTo(FlowOrigin.route("198.51.100.0/24"));
    }

    @Test
    void anUnmappedSyntheticAddressOrAnAddressOutsideEveryRouteHasNoOrigin() {
        assertThat(origins.of(IpAddress.parse("100.80.9.9"))).isNull();
        assertThat(origins.of(IpAddress.parse("192.0.2.1"))).isNull();
    }
}
