package dev.pinhole.dns.resolver;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.time.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

class AppResolverFuzzTest {
    private static final Cidr APP_RANGE = Cidr.parse("100.80.0.0/12");

    /**
     * Any client packet, then any upstream reply: the resolver never throws, and every reply it produces fits
     * the transport's limit.
     */
    @FuzzTest(maxDuration = "30s")
    void resolverSurvivesAnyQueryAndAnyUpstreamReply(byte[] input) {
        // input: transport bit, 2-octet query length, query, upstream reply (the rest)
        if (input.length < 3) {
            return;
        }
        SyntheticAddressPool pool = new SyntheticAddressPool(APP_RANGE, Optional.of(Cidr.parse("fd00:80::/64")),
                16, Duration.ofMinutes(10), new FakeTicker());
        AppResolver resolver = new AppResolver(new AppResolverConfig(DomainMatcher.parse(List.of("a.b", "*.a.b")),
                new RealAddressPolicy(List.of(), List.of(APP_RANGE), List.of())), pool, DnsMetrics.NONE);
        Transport transport = (input[0] & 1) == 1 ? Transport.UDP : Transport.TCP;
        int queryLength = Math.min(((input[1] & 0xff) << 8) | (input[2] & 0xff), input.length - 3);
        byte[] query = java.util.Arrays.copyOfRange(input, 3, 3 + queryLength);
        byte[] upstream = java.util.Arrays.copyOfRange(input, 3 + queryLength, input.length);

        ResolverStep step = resolver.onQuery(query, transport);
        if (step instanceof ResolverStep.AskUpstream ask) {
            step = resolver.onUpstreamResponse(ask.pending(), upstream);
        }
        if (step instanceof ResolverStep.Reply reply && transport == Transport.UDP) {
            assertThat(reply.message().length).isLessThanOrEqualTo(dev.pinhole.dns.message.Edns.DEFAULT_PAYLOAD);
        }
    }
}
