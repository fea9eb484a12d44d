package dev.pinhole.dns.resolver;

import static dev.pinhole.dns.resolver.DnsTestMessages.a;
import static dev.pinhole.dns.resolver.DnsTestMessages.answer;
import static dev.pinhole.dns.resolver.DnsTestMessages.cname;
import static dev.pinhole.dns.resolver.DnsTestMessages.decode;
import static dev.pinhole.dns.resolver.DnsTestMessages.ip;
import static dev.pinhole.dns.resolver.DnsTestMessages.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.dns.synthetic.ResolvedNames;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.time.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AppResolverTest {
    private static final Cidr APP_RANGE = Cidr.parse("100.80.0.0/12");
    private final FakeTicker ticker = new FakeTicker();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private SyntheticAddressPool pool = new SyntheticAddressPool(APP_RANGE, Optional.empty(), 100,
            Duration.ofMinutes(10), ticker);
    private AppResolver resolver = resolver(pool, List.of());

    private AppResolver resolver(SyntheticAddressPool p, List<Cidr> staticRoutes) {
        RealAddressPolicy policy = new RealAddressPolicy(List.of(Cidr.parse("10.96.0.0/12")),
                List.of(APP_RANGE), staticRoutes);
        AppResolverConfig config = new AppResolverConfig(
                DomainMatcher.parse(List.of("github.com", "*.github.com")), policy);
        return new AppResolver(config, p, new MicrometerDnsMetrics(registry, p));
    }

    private double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private ResolverStep.AskUpstream ask(ResolverStep step) {
        assertThat(step).isInstanceOf(ResolverStep.AskUpstream.class);
        return (ResolverStep.AskUpstream) step;
    }

    private DnsMessage reply(ResolverStep step) {
        assertThat(step).isInstanceOf(ResolverStep.Reply.class);
        return decode(((ResolverStep.Reply) step).message());
    }

    /** Client asks {@code name}/{@code type}; upstream answers with {@code records}; returns the client's reply. */
    private DnsMessage resolve(String name, int type, DnsRecord... records) {
        ResolverStep.AskUpstream up = ask(resolver.onQuery(query(0x4242, name, type, true), Transport.UDP));
        return reply(resolver.onUpstreamResponse(up.pending(), answer(up.query(), 0, records)));
    }

    @Test
    void matchedNameIsResolvedUpstreamThenAnsweredWithItsSyntheticAddress() {
        ResolverStep.AskUpstream up = ask(resolver.onQuery(query(0x4242, "API.github.com", DnsType.A, false),
                Transport.UDP));
        DnsMessage upstreamQuery = decode(up.query());
        assertThat(upstreamQuery.questions()).containsExactly(new DnsQuestion(DnsName.of("api.github.com"), DnsType.A, 1));
        assertThat(upstreamQuery.recursionDesired()).isTrue();

        DnsMessage r = reply(resolver.onUpstreamResponse(up.pending(),
                answer(up.query(), 0, a("api.github.com", 60, "140.82.112.5"))));

        assertThat(r.id()).isEqualTo(0x4242);
        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_NOERROR);
        assertThat(r.questions().get(0).name().toString()).isEqualTo("API.github.com.");
        DnsRecord.Address synthetic = (DnsRecord.Address) r.answers().get(0);
        assertThat(r.answers()).hasSize(1);
        assertThat(APP_RANGE.contains(IpAddress.of(synthetic.address()))).isTrue();
        assertThat(pool.lookup(synthetic.address()).orElseThrow().realAddresses()).containsExactly(ip("140.82.112.5"));
        assertThat(counter("pinhole.dns.synthesized")).isEqualTo(1);
    }

    /** As {@link #resolve} for a client with its own {@code share}: the answer is recorded as that client's. */
    private DnsMessage resolveFor(DnsClientShare share, String name, String real) {
        ResolverStep.AskUpstream up = ask(resolver.onQuery(java.nio.ByteBuffer.wrap(query(7, name, DnsType.A, true)),
                Transport.UDP, share));
        return reply(resolver.onUpstreamResponse(up.pending(), answer(up.query(), 0, a(name, 30, real))));
    }

    private static DnsClientShare clientAnswers(ResolvedNames answers) {
        return new DnsClientShare(dev.pinhole.budget.Allowance.UNLIMITED, dev.pinhole.budget.Allowance.UNLIMITED,
                answers);
    }

    @Test
    void aSyntheticAnswerIsRecordedForTheAskingClientOnly() {
        ResolvedNames asker = new ResolvedNames(10);
        ResolvedNames bystander = new ResolvedNames(10);
        resolveFor(clientAnswers(bystander), "github.com", "140.82.121.4");

        InetAddress synthetic = ((DnsRecord.Address) resolveFor(clientAnswers(asker), "api.github.com",
                "140.82.112.5").answers().get(0)).address();

        assertThat(asker.answered(synthetic, DnsName.of("API.github.com"))).isTrue();
        assertThat(bystander.answered(synthetic, DnsName.of("api.github.com"))).isFalse();
    }

    @dev.pinhole.testing.Adversarial
    @Test
    void aClientAnsweredFarMoreNamesThanItsBoundRemembersOnlyTheLatest() {
        ResolvedNames answers = new ResolvedNames(4);
        List<InetAddress> got = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            got.add(((DnsRecord.Address) resolveFor(clientAnswers(answers), "n" + i + ".github.com", "140.82.112.5")
                    .answers().get(0)).address());
        }

        assertThat(answers.size()).isEqualTo(4);
        assertThat(answers.answered(got.get(49), DnsName.of("n49.github.com"))).isTrue();
        assertThat(answers.answered(got.get(0), DnsName.of("n0.github.com"))).isFalse();
    }

    @dev.pinhole.testing.Adversarial
    @Test
    void aNameWhoseAddressIsHeldByAnotherNameIsRefusedWithItsReasonNotMoved() {
        pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/24"), Optional.empty(), 100, Duration.ofMinutes(10),
                ticker);
        resolver = resolver(pool, List.of());
        InetAddress taken = pool.addressOf(DnsName.of("github.com"));
        String colliding = null;
        for (int i = 0; colliding == null; i++) {
            if (pool.addressOf(DnsName.of("c" + i + ".github.com")).equals(taken)) {
                colliding = "c" + i + ".github.com";
            }
        }
        resolve("github.com", DnsType.A, a("github.com", 30, "140.82.121.4"));

        DnsMessage r = resolve(colliding, DnsType.A, a(colliding, 30, "140.82.121.5"));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(r.answers()).isEmpty();
        assertThat(new String(r.edns().orElseThrow().options(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .contains("held by another name");
        assertThat(pool.lookup(DnsName.of(colliding))).isEmpty();
        assertThat(pool.lookup(taken).orElseThrow().name()).isEqualTo(DnsName.of("github.com"));
        assertThat(counter("pinhole.dns.collisions")).isEqualTo(1);
    }

    @Test
    void ttlIsCappedAtThirtySeconds() {
        assertThat(resolve("github.com", DnsType.A, a("github.com", 3600, "140.82.121.4")).answers().get(0).ttl())
                .isEqualTo(30);
    }

    @Test
    void lowerUpstreamTtlIsKept() {
        assertThat(resolve("github.com", DnsType.A, a("github.com", 7, "140.82.121.4")).answers().get(0).ttl())
                .isEqualTo(7);
    }

    @Test
    void cnameChainIsFollowedAndFlattenedWithTheLowestTtl() {
        DnsMessage r = resolve("www.github.com", DnsType.A,
                cname("www.github.com", 300, "github.map.fastly.net"),
                cname("github.map.fastly.net", 5, "edge.fastly.net"),
                a("edge.fastly.net", 20, "151.101.1.194"),
                a("edge.fastly.net", 20, "151.101.65.194"),
                a("unrelated.example", 20, "192.0.2.1"));

        assertThat(r.answers()).hasSize(1);
        DnsRecord.Address rec = (DnsRecord.Address) r.answers().get(0);
        assertThat(rec.name()).isEqualTo(DnsName.of("www.github.com"));
        assertThat(rec.ttl()).isEqualTo(5);
        assertThat(pool.lookup(rec.address()).orElseThrow().realAddresses())
                .containsExactly(ip("151.101.1.194"), ip("151.101.65.194"));
    }

    @Test
    void sameNameGetsTheSameSyntheticAddressOnReResolution() {
        InetAddress first = ((DnsRecord.Address) resolve("github.com", DnsType.A, a("github.com", 30, "140.82.121.4"))
                .answers().get(0)).address();
        InetAddress second = ((DnsRecord.Address) resolve("github.com", DnsType.A, a("github.com", 30, "140.82.121.3"))
                .answers().get(0)).address();

        assertThat(second).isEqualTo(first);
        assertThat(pool.lookup(first).orElseThrow().realAddresses()).containsExactly(ip("140.82.121.3"));
    }

    @Test
    void cnameLoopIsServfail() {
        DnsMessage r = resolve("github.com", DnsType.A, cname("github.com", 30, "a.example"),
                cname("a.example", 30, "github.com"));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_SERVFAIL);
        assertThat(pool.size()).isZero();
    }

    @Test
    void nameWithoutAddressesIsNodata() {
        DnsMessage r = resolve("github.com", DnsType.A);

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_NOERROR);
        assertThat(r.answers()).isEmpty();
        assertThat(pool.size()).isZero();
    }

    @Test
    void upstreamNxdomainIsPassedOn() {
        ResolverStep.AskUpstream up = ask(resolver.onQuery(query(1, "nope.github.com", DnsType.A, false), Transport.UDP));

        DnsMessage r = reply(resolver.onUpstreamResponse(up.pending(), answer(up.query(), DnsMessage.RCODE_NXDOMAIN)));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_NXDOMAIN);
    }

    @Test
    void upstreamFailureIsServfailAndCounted() {
        ResolverStep.AskUpstream up = ask(resolver.onQuery(query(1, "github.com", DnsType.A, false), Transport.UDP));

        assertThat(reply(resolver.onUpstreamFailure(up.pending())).rcode()).isEqualTo(DnsMessage.RCODE_SERVFAIL);
        assertThat(counter("pinhole.dns.upstream.failures")).isEqualTo(1);
    }

    @Test
    void upstreamAnswerForAnotherQuestionIsServfail() {
        ResolverStep.AskUpstream up = ask(resolver.onQuery(query(1, "github.com", DnsType.A, false), Transport.UDP));
        byte[] other = answer(query(1, "evil.example", DnsType.A, false), 0, a("evil.example", 30, "192.0.2.1"));

        assertThat(reply(resolver.onUpstreamResponse(up.pending(), other)).rcode()).isEqualTo(DnsMessage.RCODE_SERVFAIL);
        assertThat(pool.size()).isZero();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "127.0.0.1, loopback",
            "169.254.169.254, cloud_metadata",
            "169.254.10.1, link_local",
            "0.0.0.0, unspecified",
            "224.0.0.251, multicast",
            "255.255.255.255, reserved",
            "10.96.0.10, cluster_range",
            "100.80.0.7, app_range",
    })
    void rebindingToForbiddenAddressesIsRefusedAndCounted(String real, String reason) {
        DnsMessage r = resolve("github.com", DnsType.A, a("github.com", 30, "140.82.121.4"), a("github.com", 30, real));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(r.answers()).isEmpty();
        assertThat(pool.size()).isZero();
        assertThat(counter("pinhole.dns.refused", "reason", reason)).isEqualTo(1);
        // RFC 8914 Extended DNS Error 15 (Blocked) tells dig users why
        assertThat(HexFormat.of().formatHex(r.edns().orElseThrow().options())).startsWith("000f").contains("000f7069");
    }

    @Test
    void staticRouteAllowsAnOtherwiseRefusedAddress() {
        resolver = resolver(pool, List.of(Cidr.parse("10.96.5.0/24")));

        DnsMessage r = resolve("github.com", DnsType.A, a("github.com", 30, "10.96.5.5"));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_NOERROR);
        assertThat(r.answers()).hasSize(1);
    }

    @Test
    void aaaaWithoutIpv6RangeIsNodataWithoutAskingUpstream() {
        DnsMessage r = reply(resolver.onQuery(query(5, "github.com", DnsType.AAAA, false), Transport.UDP));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_NOERROR);
        assertThat(r.answers()).isEmpty();
        assertThat(r.id()).isEqualTo(5);
    }

    @Test
    void aaaaWithIpv6RangeIsSynthesized() {
        pool = new SyntheticAddressPool(APP_RANGE, Optional.of(Cidr.parse("fd00:80::/64")), 100,
                Duration.ofMinutes(10), ticker);
        resolver = resolver(pool, List.of());

        DnsMessage r = resolve("github.com", DnsType.AAAA, new DnsRecord.Address(DnsName.of("github.com"), 1, 30,
                ip("2001:db8::4")));

        InetAddress synthetic = ((DnsRecord.Address) r.answers().get(0)).address();
        assertThat(Cidr.parse("fd00:80::/64").contains(IpAddress.of(synthetic))).isTrue();
        assertThat(pool.lookup(synthetic).orElseThrow().realIpv6()).containsExactly((java.net.Inet6Address) ip("2001:db8::4"));
    }

    @ParameterizedTest
    @CsvSource({"::ffff:127.0.0.1, loopback", "fd00:ec2::254, cloud_metadata", "fe80::1, link_local",
            "64:ff9b::a9fe:a9fe, cloud_metadata"})
    void ipv6RebindingIsRefusedIncludingEmbeddedIpv4(String real, String reason) {
        pool = new SyntheticAddressPool(APP_RANGE, Optional.of(Cidr.parse("fd00:80::/64")), 100,
                Duration.ofMinutes(10), ticker);
        resolver = resolver(pool, List.of());
        byte[] raw = ip(real).getAddress();
        InetAddress v6 = raw.length == 16 ? ip(real) : mapped(raw);

        DnsMessage r = resolve("github.com", DnsType.AAAA, new DnsRecord.Address(DnsName.of("github.com"), 1, 30, v6));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(counter("pinhole.dns.refused", "reason", reason)).isEqualTo(1);
    }

    private static InetAddress mapped(byte[] v4) {
        byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        System.arraycopy(v4, 0, m, 12, 4);
        try {
            return java.net.Inet6Address.getByAddress(null, m, -1);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void httpsRecordsForMatchedNamesAreEmptySoNoAddressHintsLeak() {
        DnsMessage r = reply(resolver.onQuery(query(5, "github.com", DnsType.HTTPS, true), Transport.UDP));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_NOERROR);
        assertThat(r.answers()).isEmpty();
    }

    @Test
    void otherNamesAreForwardedUntouchedAndTheIdRestored() {
        byte[] clientQuery = query(0x1111, "example.org", DnsType.A, true);
        ResolverStep.AskUpstream up = ask(resolver.onQuery(clientQuery, Transport.UDP));
        assertThat(up.query()).isEqualTo(clientQuery);

        byte[] upstreamAnswer = answer(clientQuery, 0, a("example.org", 300, "192.0.2.80"));
        upstreamAnswer[0] = 0x77; // the upstream client used its own id
        upstreamAnswer[1] = 0x00;
        ResolverStep relayed = resolver.onUpstreamResponse(up.pending(), upstreamAnswer);

        byte[] out = ((ResolverStep.Reply) relayed).message();
        assertThat(decode(out).id()).isEqualTo(0x1111);
        assertThat(java.util.Arrays.copyOfRange(out, 2, out.length))
                .isEqualTo(java.util.Arrays.copyOfRange(upstreamAnswer, 2, upstreamAnswer.length));
        assertThat(counter("pinhole.dns.forwarded")).isEqualTo(1);
    }

    @Test
    void forwardedAnswerTooBigForClassicUdpIsTruncated() {
        byte[] clientQuery = query(0x2222, "big.example.org", DnsType.A, false);
        ResolverStep.AskUpstream up = ask(resolver.onQuery(clientQuery, Transport.UDP));
        DnsRecord[] many = new DnsRecord[40];
        for (int i = 0; i < many.length; i++) {
            many[i] = a("big.example.org", 60, "192.0.2." + i);
        }

        DnsMessage r = reply(resolver.onUpstreamResponse(up.pending(), answer(clientQuery, 0, many)));

        assertThat(r.isTruncated()).isTrue();
        assertThat(r.answers()).isEmpty();
        assertThat(r.id()).isEqualTo(0x2222);
    }

    @Test
    void udpAnswersStayWithinOurPayloadSizeEvenIfTheClientOffersMore() {
        DnsMessage big = DnsMessage.query(0x3333, new DnsQuestion(DnsName.of("big.example.org"), DnsType.A, 1),
                Optional.of(dev.pinhole.dns.message.Edns.of(4096)));
        byte[] clientQuery = DnsTestMessages.encode(big);
        ResolverStep.AskUpstream up = ask(resolver.onQuery(clientQuery, Transport.UDP));
        DnsRecord[] many = new DnsRecord[100]; // about 1,650 octets: over 1232, under 4096
        for (int i = 0; i < many.length; i++) {
            many[i] = a("big.example.org", 60, "192.0.2." + i);
        }

        byte[] out = ((ResolverStep.Reply) resolver.onUpstreamResponse(up.pending(), answer(clientQuery, 0, many)))
                .message();

        assertThat(out.length).isLessThanOrEqualTo(1232);
        assertThat(decode(out).isTruncated()).isTrue();
    }

    @Test
    void sameAnswerOverTcpIsNotTruncated() {
        byte[] clientQuery = query(0x2222, "big.example.org", DnsType.A, false);
        ResolverStep.AskUpstream up = ask(resolver.onQuery(clientQuery, Transport.TCP));
        DnsRecord[] many = new DnsRecord[40];
        for (int i = 0; i < many.length; i++) {
            many[i] = a("big.example.org", 60, "192.0.2." + i);
        }

        assertThat(reply(resolver.onUpstreamResponse(up.pending(), answer(clientQuery, 0, many))).answers()).hasSize(40);
    }

    @Test
    void garbageIsDroppedAndCounted() {
        assertThat(resolver.onQuery(new byte[] {1, 2, 3}, Transport.UDP))
                .isEqualTo(new ResolverStep.Drop(DnsDropReason.MALFORMED));
        assertThat(counter("pinhole.dns.dropped", "reason", "malformed")).isEqualTo(1);
    }

    @Test
    void responsesSentToTheServerAreDropped() {
        byte[] response = answer(query(1, "example.org", DnsType.A, false), 0);

        assertThat(resolver.onQuery(response, Transport.UDP))
                .isEqualTo(new ResolverStep.Drop(DnsDropReason.NOT_A_QUERY));
    }

    @Test
    void ednsVersionAboveZeroIsBadvers() {
        DnsMessage v1 = DnsMessage.query(9, new DnsQuestion(DnsName.of("github.com"), DnsType.A, 1),
                Optional.of(new dev.pinhole.dns.message.Edns(1232, 0, 1, 0, new byte[0])));

        DnsMessage r = reply(resolver.onQuery(DnsTestMessages.encode(v1), Transport.UDP));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_BADVERS);
        assertThat(r.edns().orElseThrow().version()).isZero();
    }

    @Test
    void queryWithTwoQuestionsIsFormerr() {
        DnsMessage two = new DnsMessage(9, DnsMessage.FLAG_RD, List.of(
                new DnsQuestion(DnsName.of("a.example"), DnsType.A, 1),
                new DnsQuestion(DnsName.of("b.example"), DnsType.A, 1)), List.of(), List.of(), List.of(), Optional.empty());

        assertThat(reply(resolver.onQuery(DnsTestMessages.encode(two), Transport.UDP)).rcode())
                .isEqualTo(DnsMessage.RCODE_FORMERR);
    }

    @Test
    void fullPoolIsServfailAndCounted() {
        pool = new SyntheticAddressPool(APP_RANGE, Optional.empty(), 1, Duration.ofMinutes(10), ticker);
        resolver = resolver(pool, List.of());
        resolve("github.com", DnsType.A, a("github.com", 30, "140.82.121.4"));

        DnsMessage r = resolve("api.github.com", DnsType.A, a("api.github.com", 30, "140.82.121.5"));

        assertThat(r.rcode()).isEqualTo(DnsMessage.RCODE_SERVFAIL);
        assertThat(counter("pinhole.dns.pool.exhausted")).isEqualTo(1);
    }

    @Test
    void idleTimeoutNotLongerThanTheTtlCapIsRejected() {
        SyntheticAddressPool shortIdle = new SyntheticAddressPool(APP_RANGE, Optional.empty(), 10,
                Duration.ofSeconds(30), ticker);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> resolver(shortIdle, List.of()))
                .hasMessageContaining("idle timeout PT30S must be longer than the synthetic TTL cap PT30S");
    }

    @Test
    void mappingsGaugeFollowsThePool() {
        resolve("github.com", DnsType.A, a("github.com", 30, "140.82.121.4"));

        assertThat(registry.find("pinhole.dns.mappings.active").gauge().value()).isEqualTo(1);
    }

    @Test
    void aNewPoolAfterAReloadTakesOverTheGauge() {
        resolve("github.com", DnsType.A, a("github.com", 30, "140.82.121.4"));
        pool = new SyntheticAddressPool(APP_RANGE, Optional.empty(), 100, Duration.ofMinutes(10), ticker);
        resolver = resolver(pool, List.of());

        assertThat(registry.find("pinhole.dns.mappings.active").gauge().value()).isZero();
    }
}
