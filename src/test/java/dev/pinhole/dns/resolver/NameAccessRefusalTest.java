package dev.pinhole.dns.resolver;

import static dev.pinhole.dns.resolver.DnsTestMessages.query;
import static dev.pinhole.dns.resolver.DnsTestMessages.decode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.budget.Allowance;
import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.synthetic.ResolvedNames;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** A served name the client may not reach is refused at once: nothing upstream, no synthetic address spent. */
class NameAccessRefusalTest {
    private static final Cidr APP_RANGE = Cidr.parse("100.80.0.0/12");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SyntheticAddressPool pool = new SyntheticAddressPool(APP_RANGE, Optional.empty(), 100,
            Duration.ofMinutes(10), new FakeTicker());
    private final AppResolver resolver = new AppResolver(new AppResolverConfig(
            DomainMatcher.parse(List.of("github.com", "*.github.com", "crm.example")),
            new RealAddressPolicy(List.of(), List.of(APP_RANGE), List.of())), pool,
            new MicrometerDnsMetrics(registry, pool));
    /** May reach crm.example only. */
    private final DnsClientShare share = new DnsClientShare(Allowance.UNLIMITED, Allowance.UNLIMITED,
            new ResolvedNames(10), name -> name.equals(DnsName.of("crm.example")));

    private ResolverStep ask(String name, int type) {
        return resolver.onQuery(ByteBuffer.wrap(query(7, name, type, true)), Transport.UDP, share);
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(ints = {DnsType.A, DnsType.AAAA, DnsType.HTTPS, DnsType.TXT})
    void aServedNameTheClientMayNotReachIsRefusedWithoutGoingUpstream(int type) {
        ResolverStep step = ask("api.github.com", type);

        assertThat(step).isInstanceOf(ResolverStep.Reply.class);
        DnsMessage r = decode(((ResolverStep.Reply) step).message());
        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(r.answers()).isEmpty();
        assertThat(pool.size()).isZero();
        assertThat(registry.find("pinhole.dns.dropped").tag("reason", "not_granted").counter().count())
                .isEqualTo(1);
    }

    @Test
    void aGrantedNameGoesUpstreamAsBefore() {
        assertThat(ask("crm.example", DnsType.A)).isInstanceOf(ResolverStep.AskUpstream.class);
    }

    @Test
    void aNameTheConnectorDoesNotServeIsForwardedWhateverTheAccess() {
        assertThat(ask("example.org", DnsType.A)).isInstanceOf(ResolverStep.AskUpstream.class);
    }
}
