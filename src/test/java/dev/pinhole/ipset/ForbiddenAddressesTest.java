package dev.pinhole.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one address model: forbidden blocks, routes that name them, and spellings that never do. */
class ForbiddenAddressesTest {
    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static ForbiddenAddresses model(List<ForbiddenBlock> extra, String... routes) {
        return new ForbiddenAddresses(ForbiddenAddresses.builtInAnd(extra),
                java.util.Arrays.stream(routes).map(Cidr::parse).toList());
    }

    @Test
    void theMostSpecificBlockIsReported() {
        assertThat(model(List.of()).blocking(ip("169.254.169.254")).orElseThrow().kind())
                .isEqualTo(BlockKind.CLOUD_METADATA);
        assertThat(model(List.of()).blocking(ip("::ffff:169.254.169.254")).orElseThrow().kind())
                .isEqualTo(BlockKind.CLOUD_METADATA);
    }

    @Test
    void aRouteInsideANameableBlockNamesItButAWiderOneDoesNot() {
        assertThat(model(List.of(), "127.0.0.1/32").reachable(ip("127.0.0.1"))).isTrue();
        assertThat(model(List.of(), "0.0.0.0/0").reachable(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void theOwnAddressIsNeverNamedNotEvenByAHostRoute() {
        ForbiddenBlock own = new ForbiddenBlock(Cidr.parse("10.244.1.5/32"), BlockKind.OWN_ADDRESS);
        ForbiddenAddresses m = model(List.of(own, new ForbiddenBlock(Cidr.parse("10.0.0.0/8"),
                BlockKind.CLUSTER_RANGE)), "10.244.0.0/16", "10.244.1.5/32");

        assertThat(m.blocking(ip("10.244.1.5"))).contains(own);
        assertThat(m.blocking(ip("::ffff:10.244.1.5"))).contains(own);
        assertThat(m.reachable(ip("10.244.1.6"))).isTrue();
    }

    @Test
    void anIpv6RouteReachingAForbiddenIpv4BlockIsReportedWithItsForm() {
        var reach = model(List.of()).reachedThroughIpv6(Cidr.parse("::ffff:a9fe:0/112")).orElseThrow();

        assertThat(reach.form()).isEqualTo(EmbeddedIpv4.Form.MAPPED);
        assertThat(reach.ipv4()).isEqualTo(Cidr.parse("169.254.0.0/16"));
        assertThat(reach.block().kind()).isEqualTo(BlockKind.CLOUD_METADATA);
        assertThat(model(List.of()).reachedThroughIpv6(Cidr.parse("::ffff:cb00:7100/120"))).isEmpty();
    }
}
